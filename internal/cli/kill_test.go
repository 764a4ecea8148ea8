package cli

import (
	"bytes"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/sim"
	"cmsrunbook/runbook"
)

// buildBinary builds cmsrunbook once for the tests that need a real process.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cmsrunbook")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.Command("go", "build", "-o", bin, "cmsrunbook")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the binary: %v\n%s", err, out)
	}
	return bin
}

// TestKillAndResume kills a headless window with SIGKILL at a random
// moment (several seeds) and resumes it: the journal still parses, the
// window finishes, no step succeeds twice, and Setup never starts a second
// time on a node where it ran or was running (the resume re-attaches).
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it; skipped with -short")
	}
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is a unix signal")
	}
	bin := buildBinary(t)
	// The runs keep their cluster locks in the test's state folder.
	t.Setenv(journal.StateDirEnv, stateDir(t))
	sc, err := config.ResolveScenario(assets.Scenarios, "ccr-2003-sp2")
	if err != nil {
		t.Fatal(err)
	}
	for _, seed := range []int64{1, 2, 3, 4, 5} {
		rng := rand.New(rand.NewSource(seed))
		dir := t.TempDir()
		jp := filepath.Join(dir, "window.jsonl")
		// At 4000x the 3.5-hour window takes about 3 s of real time.
		cmd := exec.Command(bin, "sim", "--headless", "--yes", "--speed", "4000", "--journal", jp, "--quiet")
		cmd.Dir = dir
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(100+rng.Intn(2400)) * time.Millisecond)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()

		before, err := journal.Read(jp)
		if err != nil {
			t.Fatalf("seed %d: journal after SIGKILL does not parse: %v", seed, err)
		}
		beforeState := runbook.Fold(before.Events)
		if beforeState.IsFinished() {
			t.Logf("seed %d: the run finished before the kill", seed)
		} else if n := len(before.Events); n > 0 {
			last := before.Events[n-1]
			t.Logf("seed %d: killed after %s %s (torn last line: %v)", seed, last.Event, last.Step, before.Torn)
		}

		res := exec.Command(bin, "resume", "--journal", jp, "--headless", "--yes", "--speed", "max", "--quiet")
		res.Dir = dir
		rout, err := res.CombinedOutput()
		if err != nil {
			t.Fatalf("seed %d: resume failed: %v\n%s\n--- first run:\n%s", seed, err, rout, out.String())
		}
		rep, err := journal.Read(jp)
		if err != nil || rep.Torn {
			t.Fatalf("seed %d: journal after resume: %v torn=%v", seed, err, rep.Torn)
		}
		rs := runbook.Fold(rep.Events)
		if !rs.IsFinished() || rs.Finished.Status != runbook.RunSucceeded {
			t.Fatalf("seed %d: resumed run ended %+v\n%s", seed, rs.Finished, rout)
		}
		succeeded := map[string]int{}
		for _, ev := range rep.Events {
			if ev.Event == runbook.EvStepSucceeded {
				succeeded[ev.Step]++
				if succeeded[ev.Step] > 1 {
					t.Errorf("seed %d: step %s succeeded twice", seed, ev.Step)
				}
			}
		}
		data, err := os.ReadFile(jp + ".world")
		if err != nil {
			t.Fatal(err)
		}
		world, err := sim.Restore(sc, data, sim.Options{Speed: 0})
		if err != nil {
			t.Fatalf("seed %d: restoring the world: %v", seed, err)
		}
		// EXNODE02 runs /mode:upgrade and later /upgradecms; EXNODE01 only
		// /mode:upgrade. Any more is a second start.
		if n := world.SetupStarts("EXNODE02"); n != 2 {
			t.Errorf("seed %d: Setup.com started %d times on EXNODE02, want 2 (upgrade + upgradecms)\n%s", seed, n, rout)
		}
		if n := world.SetupStarts("EXNODE01"); n != 1 {
			t.Errorf("seed %d: Setup.com started %d times on EXNODE01, want 1", seed, n)
		}
		if bad := runbook.Invariants(rs.Finished.Cluster, sc.Options); len(bad) > 0 {
			t.Errorf("seed %d: end state: %v", seed, bad)
		}
		if !strings.Contains(string(rout), "run resumed") && !beforeState.IsFinished() {
			t.Errorf("seed %d: resume did not say it resumed:\n%s", seed, rout)
		}
	}
}
