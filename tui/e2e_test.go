package tui

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/journal"
	"cmsrunbook/runbook"
)

// The end-to-end tests build the real binary and drive it in tmux the way
// a person does: keys in with send-keys, the rendered screen back with
// capture-pane. They wait on what the screen shows, never on fixed sleeps
// (except the dialogs' documented input grace period).

// tmuxSession is one detached tmux server and session of our own (its
// own socket, so a developer's tmux is never touched), killed at cleanup.
type tmuxSession struct {
	t      *testing.T
	socket string
	name   string
	last   string
}

func needTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the end-to-end screen tests need it (.ci/run installs it)")
	}
	if testing.Short() {
		t.Skip("end-to-end screen test skipped in -short mode")
	}
}

// buildBinary builds cmsrunbook once per test into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cmsrunbook")
	cmd := exec.Command("go", "build", "-o", bin, "cmsrunbook")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the binary: %v\n%s", err, out)
	}
	return bin
}

func startTmux(t *testing.T, w, h int, env []string, dir string, args ...string) *tmuxSession {
	t.Helper()
	s := &tmuxSession{t: t, socket: fmt.Sprintf("cmsrunbook-e2e-%d-%d", os.Getpid(), time.Now().UnixNano()), name: "rb"}
	// The run keeps its cluster lock in a state folder of the test's, never
	// in the real user's.
	env = append(env[:len(env):len(env)], journal.StateDirEnv+"="+filepath.Join(t.TempDir(), "state"))
	quoted := make([]string, 0, len(args))
	for _, a := range args {
		quoted = append(quoted, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	shell := "cd '" + dir + "' && env " + strings.Join(env, " ") + " " + strings.Join(quoted, " ") + "; echo EXITED $?; sleep 30"
	s.tmux("-f", "/dev/null", "new-session", "-d", "-s", s.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), shell)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	return s
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) capture() string {
	s.last = s.tmux("capture-pane", "-p", "-t", s.name)
	return s.last
}

func (s *tmuxSession) keys(k ...string) { s.tmux(append([]string{"send-keys", "-t", s.name}, k...)...) }
func (s *tmuxSession) literal(text string) {
	s.tmux("send-keys", "-t", s.name, "-l", text)
}

// waitGone polls the screen until re no longer matches. Tests wait for
// a panel to close before the next key: an Escape followed at once by a
// letter is read as alt+letter, as it would be from a person.
func (s *tmuxSession) waitGone(re string, timeout time.Duration) {
	s.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for rx.MatchString(s.capture()) {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %q to go; the screen:\n%s", re, s.last)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// waitFor polls the screen until re matches and returns the screen.
func (s *tmuxSession) waitFor(re string, timeout time.Duration) string {
	s.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(timeout)
	for {
		scr := s.capture()
		if rx.MatchString(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out waiting for %q; the screen:\n%s", re, scr)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

var (
	waitsRe    = regexp.MustCompile(`step (\d+)/(\d+) waits for you`)
	failedRe   = regexp.MustCompile(`step (\d+)/(\d+) FAILED`)
	finishedRe = regexp.MustCompile(`run finished: (\w+)`)
)

// confirmStep opens the waiting step's dialog and confirms it with the
// documented keys: y, or the CMS name and enter for a typed step.
func (s *tmuxSession) confirmStep(cms string) {
	s.t.Helper()
	s.keys("Enter")
	scr := s.waitFor(`Confirm step`, 10*time.Second)
	time.Sleep(InputGrace + 100*time.Millisecond)
	if strings.Contains(scr, "Type "+cms+" to confirm") {
		s.literal(cms)
		s.waitFor(regexp.QuoteMeta(cms)+"_", 5*time.Second)
		s.keys("Enter")
	} else {
		s.keys("y")
	}
}

// runWindow confirms every step until the run finishes; onFailure handles
// a failure panel (it returns after choosing a remedy); afterStep sees the
// screen after each confirmation's next stop.
func (s *tmuxSession) runWindow(cms string, onFailure func(scr string), afterStep func(step int, scr string)) string {
	s.t.Helper()
	confirmed := map[int]int{}
	for range 200 {
		scr := s.waitFor(`waits for you|FAILED: choose|run finished`, 60*time.Second)
		if m := finishedRe.FindStringSubmatch(scr); m != nil {
			return scr
		}
		if failedRe.MatchString(scr) {
			onFailure(scr)
			s.waitFor(`waits for you|run finished|running`, 30*time.Second)
			continue
		}
		m := waitsRe.FindStringSubmatch(scr)
		if m == nil {
			continue
		}
		var n int
		fmt.Sscan(m[1], &n)
		if afterStep != nil {
			afterStep(n, scr)
		}
		confirmed[n]++
		if confirmed[n] > 3 {
			s.t.Fatalf("step %d asked for confirmation %d times; the screen:\n%s", n, confirmed[n], scr)
		}
		s.confirmStep(cms)
		// wait until that step no longer waits
		deadline := time.Now().Add(30 * time.Second)
		for {
			scr = s.capture()
			if mm := waitsRe.FindStringSubmatch(scr); mm == nil || mm[1] != m[1] {
				break
			}
			if time.Now().After(deadline) {
				s.t.Fatalf("step %d still waits after confirming; the screen:\n%s", n, scr)
			}
			time.Sleep(40 * time.Millisecond)
		}
	}
	s.t.Fatal("the window did not finish")
	return ""
}

func readJournal(t *testing.T, path string) []runbook.Event {
	t.Helper()
	rep, err := journal.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return rep.Events
}

func lastFinished(evs []runbook.Event) *runbook.Event {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Event == runbook.EvRunFinished {
			return &evs[i]
		}
	}
	return nil
}

// The locale is pinned: English (LC_MESSAGES=C, no LC_ALL from the machine
// running the tests), so a translator's Japanese desktop does not change what
// the screens say.
var e2eEnv = []string{"TERM=xterm-256color", "LANG=C.UTF-8", "LC_ALL=", "LC_MESSAGES=C", "CMSRUNBOOK_OPERATOR=trainee"}

// englishEnv pins only the language, for tests that keep the rest of the
// environment as the machine has it.
var englishEnv = []string{"LC_ALL=", "LC_MESSAGES=C"}

func TestE2EWholeWindowInTmux(t *testing.T) {
	needTmux(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	jpath := filepath.Join(dir, "window.jsonl")
	s := startTmux(t, 140, 45, e2eEnv, dir, bin, "sim", "--speed", "max", "--journal", jpath)

	// Warnings first: the findings panel is up before the first step.
	s.waitFor(`Findings \(\d+\)`, 20*time.Second)
	s.keys("Escape")
	s.waitGone(`Findings \(\d+\)`, 10*time.Second)
	scr := s.waitFor(`step 1/\d+ waits for you`, 10*time.Second)
	for _, n := range []string{"EXNODE01", "EXNODE02", "EXCMS01"} {
		if !strings.Contains(scr, n) {
			t.Fatalf("the topology does not show %s:\n%s", n, scr)
		}
	}
	if !strings.Contains(scr, "SIMULATION") {
		t.Fatal("no SIMULATION badge")
	}
	sawPaused := false
	final := s.runWindow("EXCMS01", func(scr string) { t.Fatalf("the default scenario failed:\n%s", scr) }, func(step int, scr string) {
		if step == 3 { // right after the first confirmed pause (step 2, Pause EXNODE02)
			if !regexp.MustCompile(`EXNODE02\s+Paused`).MatchString(scr) {
				t.Fatalf("after pausing EXNODE02 the topology does not show it Paused:\n%s", scr)
			}
			sawPaused = true
		}
	})
	if !sawPaused {
		t.Fatal("never saw the step after the pause")
	}
	if !strings.Contains(final, "run finished: succeeded") {
		t.Fatalf("the window did not succeed:\n%s", final)
	}
	for _, n := range []string{"EXNODE01", "EXNODE02"} {
		if !regexp.MustCompile(n + `\s+Up\b`).MatchString(final) {
			t.Fatalf("%s is not Up on the final screen:\n%s", n, final)
		}
	}
	s.keys("q")
	s.waitFor(`EXITED 0`, 20*time.Second)
	fin := lastFinished(readJournal(t, jpath))
	if fin == nil || fin.Status != runbook.RunSucceeded {
		t.Fatalf("the journal does not end with a succeeded run: %+v", fin)
	}
	if _, err := os.Stat(jpath + ".log"); err != nil {
		t.Errorf("no screen log next to the journal: %v", err)
	}
}

func TestE2EFaultRemedyInTmux(t *testing.T) {
	needTmux(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	jpath := filepath.Join(dir, "window.jsonl")
	s := startTmux(t, 80, 24, append(e2eEnv, "NO_COLOR=1"), dir, bin, "sim", "--scenario", "fault-move-refused", "--speed", "max", "--journal", jpath)
	// The findings panel opens first only when there is a warning to read.
	if scr := s.waitFor(`Findings \(\d+\)|Runbook \d+/\d+ done`, 20*time.Second); regexp.MustCompile(`Findings \(\d+\)`).MatchString(scr) {
		s.keys("Escape")
		s.waitGone(`Findings \(\d+\)`, 10*time.Second)
	}
	failures := 0
	final := s.runWindow("EXCMS01", func(scr string) {
		failures++
		s.waitFor(`Step failed`, 10*time.Second)
		scr = s.capture()
		if !strings.Contains(scr, "[r]") || !strings.Contains(scr, "What you can do") {
			t.Fatalf("the failure panel lacks its remedies:\n%s", scr)
		}
		// Every remedy key is on screen or marked as more (remedies come
		// first at 80x24).
		for _, k := range []string{"[r]", "[m]", "[a]"} {
			if !strings.Contains(scr, k) && !strings.Contains(scr, "▼ more") {
				t.Fatalf("remedy %s is neither shown nor marked as more:\n%s", k, scr)
			}
		}
		time.Sleep(InputGrace + 100*time.Millisecond)
		s.keys("r")
	}, nil)
	if failures == 0 {
		t.Fatal("the fault scenario never failed")
	}
	if !strings.Contains(final, "run finished: succeeded") {
		t.Fatalf("after retrying, the window did not succeed:\n%s", final)
	}
	s.keys("q")
	s.waitFor(`EXITED 0`, 20*time.Second)
	evs := readJournal(t, jpath)
	retried := false
	for _, e := range evs {
		if e.Event == runbook.EvDecision && e.Choice == string(runbook.RemedyRetry) {
			retried = true
			if e.By != "trainee" {
				t.Errorf("the remedy chosen on the screen is journaled by %q, not the operator", e.By)
			}
		}
	}
	if !retried {
		t.Fatal("the journal has no retry decision")
	}
	if fin := lastFinished(evs); fin == nil || fin.Status != runbook.RunSucceeded {
		t.Fatalf("journal end: %+v", fin)
	}
}

func TestE2EQuitLeavesJournalResumable(t *testing.T) {
	needTmux(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	jpath := filepath.Join(dir, "window.jsonl")
	s := startTmux(t, 80, 24, append(e2eEnv, "LANG=C"), dir, bin, "sim", "--speed", "max", "--journal", jpath)
	s.waitFor(`Findings \(\d+\)`, 20*time.Second)
	scr := s.capture()
	for _, r := range scr {
		if r > 0x7e && r != '\n' {
			t.Fatalf("LANG=C but the screen is not ASCII (%q):\n%s", r, scr)
		}
	}
	s.keys("Escape")
	s.waitGone(`Findings \(\d+\)`, 10*time.Second)
	s.waitFor(`step 1/\d+ waits for you`, 10*time.Second)
	s.keys("q")
	out := s.waitFor(`EXITED \d+`, 20*time.Second)
	if !strings.Contains(out, "Resume with: cmsrunbook resume") {
		t.Errorf("after quitting the terminal does not say how to resume:\n%s", out)
	}
	if fin := lastFinished(readJournal(t, jpath)); fin != nil {
		t.Fatalf("quitting wrote run-finished (%s); the journal must stay resumable", fin.Status)
	}
}

// TestE2EResumeShowsWhatWasDone: an engineer whose session dropped after
// two steps runs `resume`; the screen comes back with those steps marked
// done, their output on hand, and the next step waiting.
func TestE2EResumeShowsWhatWasDone(t *testing.T) {
	needTmux(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	jpath := filepath.Join(dir, "window.jsonl")
	s := startTmux(t, 100, 30, e2eEnv, dir, bin, "sim", "--speed", "max", "--journal", jpath)
	s.waitFor(`Findings \(\d+\)`, 20*time.Second)
	s.keys("Escape")
	s.waitGone(`Findings \(\d+\)`, 10*time.Second)
	s.waitFor(`step 1/\d+ waits for you`, 10*time.Second)
	s.confirmStep("EXCMS01")
	s.waitFor(`step 2/\d+ waits for you`, 10*time.Second)
	s.confirmStep("EXCMS01")
	s.waitFor(`step 3/\d+ waits for you`, 10*time.Second)
	s.keys("q") // EXNODE02 is paused: the screen asks first
	s.waitFor(`Quit with EXNODE02 paused\?`, 10*time.Second)
	time.Sleep(InputGrace + 100*time.Millisecond)
	s.keys("y")
	s.waitFor(`EXITED \d+`, 20*time.Second)

	r := startTmux(t, 100, 30, e2eEnv, dir, bin, "resume", "--journal", jpath)
	scr := r.waitFor(`step 3/\d+ waits for you`, 20*time.Second)
	for _, want := range []string{"Resumed:", "Runbook 2/16 done", "Paused"} {
		if !strings.Contains(scr, want) {
			t.Errorf("resumed screen lacks %q:\n%s", want, scr)
		}
	}
	r.keys("Up")
	if scr := r.waitFor(`Output of step 2`, 5*time.Second); !strings.Contains(scr, "cluster.exe node EXNODE02 /pause") {
		t.Errorf("the resumed screen does not show step 2's output:\n%s", scr)
	}
	r.keys("q")
	r.waitFor(`Quit with EXNODE02 paused\?`, 10*time.Second)
	time.Sleep(InputGrace + 100*time.Millisecond)
	r.keys("y")
	r.waitFor(`EXITED \d+`, 20*time.Second)
}

// TestE2EEvidenceStaysAndQuitAsksDuringOutage at 80x24: after the pause
// step its ok: line is still on screen above the next step's preview;
// after the typed stop of the CMS, q asks first and names the CMS, and
// no keeps the window running.
func TestE2EEvidenceStaysAndQuitAsksDuringOutage(t *testing.T) {
	needTmux(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	jpath := filepath.Join(dir, "window.jsonl")
	s := startTmux(t, 80, 24, e2eEnv, dir, bin, "sim", "--speed", "max", "--journal", jpath)
	s.waitFor(`Findings \(\d+\)`, 20*time.Second)
	s.keys("Escape")
	s.waitGone(`Findings \(\d+\)`, 10*time.Second)
	for n := 1; n <= 7; n++ {
		s.waitFor(fmt.Sprintf(`step %d/\d+ waits for you`, n), 60*time.Second)
		if n == 3 {
			scr := s.capture()
			if !strings.Contains(scr, "ok: EXNODE02") || !strings.Contains(scr, "Not run yet") {
				t.Fatalf("after the pause step its ok: line is gone:\n%s", scr)
			}
		}
		s.confirmStep("EXCMS01")
	}
	s.waitFor(`step 8/\d+ waits for you`, 60*time.Second)
	s.waitFor(`EXCMS01 DOWN \d:\d\d:\d\d`, 5*time.Second)
	s.keys("q")
	s.waitFor(`Quit while EXCMS01 is DOWN\?`, 10*time.Second)
	time.Sleep(InputGrace + 100*time.Millisecond)
	s.keys("n")
	s.waitGone(`Quit while`, 10*time.Second)
	if scr := s.waitFor(`step 8/\d+ waits for you`, 5*time.Second); strings.Contains(scr, "EXITED") {
		t.Fatalf("no did not keep the window running:\n%s", scr)
	}
	s.keys("C-c") // ctrl+c asks the same question
	s.waitFor(`Quit while EXCMS01 is DOWN\?`, 10*time.Second)
	time.Sleep(InputGrace + 100*time.Millisecond)
	s.keys("y")
	s.waitFor(`EXITED \d+`, 20*time.Second)
}
