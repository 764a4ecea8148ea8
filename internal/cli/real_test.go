package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cmsrunbook/internal/journal"
	"cmsrunbook/runbook"
)

const servePass = "Serve-Sim-Pa55!"

// startServeSim runs `serve-sim` in-process until the test ends and
// returns the inventory it wrote.
func startServeSim(t *testing.T, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	inv := filepath.Join(dir, "inventory.yaml")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var out, errb syncBuffer
	env := Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string {
		if k == PasswordEnv {
			return servePass
		}
		return ""
	}}
	wg.Add(1)
	code := -1
	go func() {
		defer wg.Done()
		code = Main(ctx, append([]string{"serve-sim", "--inventory-out", inv}, extra...), env)
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		if code != ExitOK {
			t.Errorf("serve-sim exit %d: %s", code, errb.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(inv); err == nil {
			return inv
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve-sim wrote no inventory: %s %s", out.String(), errb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func runMain(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: testGetenv(t, func(k string) string {
		if k == PasswordEnv {
			return servePass
		}
		return ""
	})}
	code := Main(context.Background(), args, env)
	return code, out.String(), errb.String()
}

func TestPlanInventoryMatchesPlanScenario(t *testing.T) {
	for _, sc := range []string{"ccr-2003-sp2", "scc-8node-2cms-sp3", "ccr-2008-rollup"} {
		t.Run(sc, func(t *testing.T) {
			inv := startServeSim(t, "--scenario", sc, "--speed", "max")
			c1, want, e1 := runMain(t, "", "plan", "--scenario", sc, "--format", "json")
			c2, got, e2 := runMain(t, "", "plan", "--inventory", inv, "--format", "json")
			if c1 != c2 {
				t.Fatalf("exit %d vs %d: %s / %s", c1, c2, e1, e2)
			}
			var a, b struct {
				Steps    json.RawMessage `json:"steps"`
				Findings json.RawMessage `json:"findings"`
			}
			if err := json.Unmarshal([]byte(want), &a); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(got), &b); err != nil {
				t.Fatalf("%v: %s %s", err, got, e2)
			}
			if !bytes.Equal(a.Steps, b.Steps) {
				t.Fatalf("steps differ:\nscenario:  %s\ninventory: %s", a.Steps, b.Steps)
			}
			if !bytes.Equal(a.Findings, b.Findings) {
				t.Errorf("findings differ:\nscenario:  %s\ninventory: %s", a.Findings, b.Findings)
			}
			// The text plans agree too, but for the source line.
			_, wt, _ := runMain(t, "", "plan", "--scenario", sc)
			_, gt, _ := runMain(t, "", "plan", "--inventory", inv)
			if stripSource(wt) != stripSource(gt) {
				t.Errorf("text plans differ:\n%s\n---\n%s", wt, gt)
			}
		})
	}
}

// TestServeSimRefusesUnencrypted: serve-sim --allow-unencrypted=false
// serves plain HTTP as a default Windows node does, refusing Basic there;
// the engineer reading the plan's error is sent to https first.
func TestServeSimRefusesUnencrypted(t *testing.T) {
	inv := startServeSim(t, "--scenario", "ccr-2003-sp2", "--speed", "max", "--allow-unencrypted=false")
	code, _, errOut := runMain(t, "", "plan", "--inventory", inv)
	if code == ExitOK || !strings.Contains(errOut, "refused Basic over plain http") || !strings.Contains(errOut, "winrm.transport: https") {
		t.Fatalf("plan against plain HTTP with AllowUnencrypted=false: exit %d, %s", code, errOut)
	}
	if strings.Contains(errOut, servePass) {
		t.Fatalf("the error shows the password: %s", errOut)
	}
}

func stripSource(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "scenario ") || strings.Contains(l, "inventory ") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

func TestRunRefusesYes(t *testing.T) {
	code, _, errOut := runMain(t, "", "run", "--inventory", "x.yaml", "--yes")
	if code != ExitUsage || !strings.Contains(errOut, "confirmed by a person") {
		t.Fatalf("run --yes: exit %d, %s", code, errOut)
	}
}

func TestServeSimNeedsPassword(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"serve-sim", "--inventory-out", filepath.Join(t.TempDir(), "i.yaml")}, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
	if code != ExitUsage || !strings.Contains(errb.String(), PasswordEnv) {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

// TestRealRunJournalHoldsNoPassword runs real steps over WinRM against
// serve-sim (preflight, pause, move groups, Setup) with a person's answers,
// aborts at the reboot, and checks that the journal and the inventory never
// hold the password, and that the run is resumable.
func TestRealRunJournalHoldsNoPassword(t *testing.T) {
	inv := startServeSim(t, "--speed", "3000")
	jpath := filepath.Join(t.TempDir(), "run.jsonl")
	code, out, errOut := runMain(t, "y\ny\ny\ny\na\n", "run", "--inventory", inv, "--headless", "--journal", jpath)
	if code != ExitFailed {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	data, err := os.ReadFile(jpath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"mode":"real"`, `"event":"step-succeeded"`, `"kind":"setup-upgrade"`, `"event":"output"`} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("journal lacks %s", want)
		}
	}
	for _, f := range []string{jpath, inv} {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(servePass)) {
			t.Errorf("%s holds the password", f)
		}
	}
	if strings.Contains(out+errOut, servePass) {
		t.Error("the password was printed")
	}
}

// TestResumeRealRunAfterCrash: a real run over WinRM dies while Setup.com
// runs on EXNODE02 (the journal ends at the step's start, as a crash leaves
// it); resume reconnects with the recorded inventory, re-attaches to the
// same Setup job instead of starting another, and finishes the window with
// a person's answers.
func TestResumeRealRunAfterCrash(t *testing.T) {
	inv := startServeSim(t, "--speed", "max")
	jpath := filepath.Join(t.TempDir(), "run.jsonl")
	if code, out, errOut := runMain(t, "y\ny\ny\ny\na\n", "run", "--inventory", inv, "--headless", "--journal", jpath); code != ExitFailed {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
	}
	data, err := os.ReadFile(jpath)
	if err != nil {
		t.Fatal(err)
	}
	// Cut the journal right after Setup's step-started: what a crash
	// during Setup leaves behind.
	var kept []string
	job := ""
	for _, line := range strings.SplitAfter(string(data), "\n") {
		kept = append(kept, line)
		if strings.Contains(line, `"event":"step-started"`) && strings.Contains(line, `"kind":"setup-upgrade"`) {
			var ev struct{ Job string }
			_ = json.Unmarshal([]byte(line), &ev)
			job = ev.Job
			break
		}
	}
	if job == "" {
		t.Fatal("no Setup job in the journal")
	}
	if err := os.WriteFile(jpath, []byte(strings.Join(kept, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	answers := "y\ny\nEXCMS01\n" + strings.Repeat("y\n", 12) // reboot, resume, stop (typed), the rest
	code, out, errOut := runMain(t, answers, "resume", "--journal", jpath, "--headless")
	if code != ExitOK {
		t.Fatalf("resume: exit %d\n%s\n%s", code, out, errOut)
	}
	rep, err := journal.Read(jpath)
	if err != nil {
		t.Fatal(err)
	}
	rs := runbook.Fold(rep.Events)
	if !rs.IsFinished() || rs.Finished.Status != runbook.RunSucceeded || rs.Resumes != 1 {
		t.Fatalf("resumed run: %+v resumes %d\n%s", rs.Finished, rs.Resumes, out)
	}
	// The resume re-attaches to the same job (recorded as such, same
	// attempt) so the rest of Setup's log reaches the record; it never
	// starts Setup again.
	starts, reattached := 0, 0
	for _, ev := range rep.Events {
		if ev.Event == runbook.EvStepStarted && ev.Kind == runbook.KindSetupUpgrade && ev.Node == "EXNODE02" {
			if ev.Job != job {
				t.Errorf("Setup on EXNODE02 started again as job %s (first was %s)", ev.Job, job)
			}
			if ev.Attempt != 1 {
				t.Errorf("Setup on EXNODE02 recorded as attempt %d, want 1", ev.Attempt)
			}
			if strings.Contains(ev.Message, "re-attaching") {
				reattached++
			} else {
				starts++
			}
		}
	}
	if starts != 1 || reattached > 1 {
		t.Errorf("Setup on EXNODE02 has %d starts and %d re-attaches, want 1 start (re-attached, not restarted)", starts, reattached)
	}
	if strings.Contains(out+errOut, servePass) {
		t.Error("the password was printed")
	}
}
