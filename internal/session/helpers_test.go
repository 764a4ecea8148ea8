package session_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/session"
	"cmsrunbook/internal/sim"
	"cmsrunbook/internal/simwinrm"
	"cmsrunbook/internal/wsman"
	"cmsrunbook/runbook"
)

const (
	// testOperator is who answers the prompts; every decision and
	// confirmation a person gives must carry it.
	testOperator = "op-tester"
	// testUser and testPass are the simulated nodes' only credentials.
	testUser = "cmsrunbook"
	testPass = "S3ssion-Te5t-Pa55!"
	// servedSpeed is the simulated cluster's pace behind WinRM: a client
	// waits in real time there, so "no waiting" would never end a Setup
	// job; at this pace a 30-minute Setup takes a fraction of a second
	// (as serve-sim --speed max).
	servedSpeed = 10000.0
)

// syncBuffer is a standard output or error the test reads while it is not
// a terminal, so the session never opens the screen.
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

// answers is a scripted standard input. Once the script is used up, the
// next read calls end (when set) and returns its error: it stands for the
// person who stops answering and presses Ctrl+C. Without end, the input
// ends (io.EOF).
type answers struct {
	mu   sync.Mutex
	data []byte
	end  func() error
	// ended counts the reads past the script.
	ended int
}

func script(lines ...string) *answers {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return &answers{data: []byte(b.String())}
}

func (a *answers) Read(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.data) > 0 {
		n := copy(p, a.data)
		a.data = a.data[n:]
		return n, nil
	}
	a.ended++
	if a.end != nil {
		return 0, a.end()
	}
	return 0, io.EOF
}

// interruptAfter makes the script cancel the run's context when it is
// used up: the next prompt finds the operator gone, as after Ctrl+C.
func (a *answers) interruptAfter(cancel context.CancelFunc) *answers {
	a.end = func() error {
		cancel()
		return context.Canceled
	}
	return a
}

// repeat is n copies of line.
func repeat(line string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = line
	}
	return out
}

// testEnv is the session's outside world: scripted answers, buffers for
// the output, and an environment that holds only the operator, for real
// clusters the WinRM password, and the state folder of the cluster locks.
type testEnv struct {
	env         session.Env
	out, errOut *syncBuffer
}

// newEnv is a session's outside world on an admin box of its own: its
// cluster locks are nobody else's, so tests in parallel on one scenario
// do not refuse each other.
func newEnv(in io.Reader) *testEnv { return newEnvOn(in, newAdminBox()) }

// newEnvOn is newEnv on an admin box of the test's (see newAdminBox):
// sessions whose environments name the same box share its cluster locks.
func newEnvOn(in io.Reader, box string) *testEnv {
	te := &testEnv{out: &syncBuffer{}, errOut: &syncBuffer{}}
	if in == nil {
		in = strings.NewReader("")
	}
	te.env = session.Env{Stdin: in, Stdout: te.out, Stderr: te.errOut, Getenv: func(k string) string {
		switch k {
		case session.PasswordEnv:
			return testPass
		case "CMSRUNBOOK_OPERATOR":
			return testOperator
		case journal.StateDirEnv:
			return box
		}
		return ""
	}}
	return te
}

func (te *testEnv) dump() string {
	return fmt.Sprintf("--- stdout:\n%s\n--- stderr:\n%s", te.out.String(), te.errOut.String())
}

// headless is the line-by-line view a person answers on standard input.
var headless = session.View{Headless: true, OnFailure: "abort", Quiet: true}

// run runs an opened session to its end and closes it.
func run(t *testing.T, ctx context.Context, s *session.Session, err error, te *testEnv) session.Result {
	t.Helper()
	if err != nil {
		t.Fatalf("opening the session: %v\n%s", err, te.dump())
	}
	defer s.Close()
	res, err := s.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v (result %d)\n%s", err, res, te.dump())
	}
	return res
}

// readEvents reads the whole journal.
func readEvents(t *testing.T, path string) []runbook.Event {
	t.Helper()
	rep, err := journal.Read(path)
	if err != nil {
		t.Fatalf("reading the journal: %v", err)
	}
	if rep.Torn {
		t.Fatalf("the journal's line %d is torn", rep.TornLine)
	}
	return rep.Events
}

// journalCheck is what a finished window's journal must show.
type journalCheck struct {
	// resumes is how many run-resumed events it holds.
	resumes int
	// by is what every decision's by must be ("" accepts any non-empty).
	by string
	// stops is how many times the run stopped (run-finished aborted or
	// failed) and was resumed before it finished.
	stops int
}

// checkFinished checks that the journal folds to a finished window: the
// run succeeded, every planned step succeeded or was skipped, no step
// succeeded twice, one run-started, the expected resumes, sequence numbers
// in order, and a non-empty author on every confirmation and decision.
func checkFinished(t *testing.T, evs []runbook.Event, want journalCheck) *runbook.RunProgress {
	t.Helper()
	prog := runbook.Fold(evs)
	if prog.Started == nil {
		t.Fatal("the journal has no run-started")
	}
	if !prog.IsFinished() || prog.Finished.Status != runbook.RunSucceeded {
		t.Errorf("the run did not finish succeeded: %+v", prog.Finished)
	}
	if prog.Resumes != want.resumes {
		t.Errorf("%d run-resumed events, want %d", prog.Resumes, want.resumes)
	}
	if prog.OutageOpen {
		t.Error("the outage is still open at the end of the window")
	}
	for _, s := range prog.Started.Plan {
		if st := prog.Step(s.ID); !st.Status.Done() {
			t.Errorf("step %d %s is %s, want succeeded or skipped", s.N, s.ID, st.Status)
		}
	}
	succeeded := map[string]int{}
	starts, finishes, lastFinish := 0, 0, int64(0)
	var last int64
	for _, ev := range evs {
		if ev.Seq <= last {
			t.Errorf("seq %d after seq %d", ev.Seq, last)
		}
		last = ev.Seq
		switch ev.Event {
		case runbook.EvRunStarted:
			starts++
		case runbook.EvRunFinished:
			finishes++
			lastFinish = ev.Seq
		case runbook.EvStepSucceeded:
			succeeded[ev.Step]++
			if succeeded[ev.Step] == 2 {
				t.Errorf("step %s succeeded twice", ev.Step)
			}
		case runbook.EvStepConfirmed:
			if ev.By == "" {
				t.Errorf("seq %d: step-confirmed of %s has no by", ev.Seq, ev.Step)
			}
		case runbook.EvDecision:
			switch {
			case ev.By == "":
				t.Errorf("seq %d: decision %s on %s has no by", ev.Seq, ev.Choice, ev.Step)
			case want.by != "" && ev.By != want.by:
				t.Errorf("seq %d: decision %s on %s by %q, want %q", ev.Seq, ev.Choice, ev.Step, ev.By, want.by)
			}
		}
	}
	// A stopped run records how it stopped and is resumed after it: the
	// record keeps each stop, and only the last run-finished ends it.
	if starts != 1 || finishes != 1+want.stops {
		t.Errorf("%d run-started and %d run-finished events, want 1 and %d", starts, finishes, 1+want.stops)
	}
	if lastFinish != last {
		t.Errorf("the last run-finished (seq %d) is not the journal's last event (seq %d)", lastFinish, last)
	}
	return prog
}

// count counts the events that match.
func count(evs []runbook.Event, match func(runbook.Event) bool) int {
	n := 0
	for _, ev := range evs {
		if match(ev) {
			n++
		}
	}
	return n
}

// served is a simulated cluster behind WinRM on 127.0.0.1, and the
// inventory that points at it.
type served struct {
	sc  *config.Scenario
	sim *sim.Sim
	inv string
}

// serve serves the scenario's cluster over WinRM (as serve-sim does) until
// the test ends.
func serve(t *testing.T, scenario string) *served {
	t.Helper()
	sc, err := config.ResolveScenario(assets.Scenarios, scenario)
	if err != nil {
		t.Fatal(err)
	}
	s := sim.New(sc, sim.Options{Speed: servedSpeed, Seed: 1})
	ctx, cancel := context.WithCancel(context.Background())
	sv, err := simwinrm.Serve(ctx, sc, s, wsman.Config{Listen: "127.0.0.1", User: testUser, Password: testPass, AllowUnencrypted: true})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); sv.Backend.Watch(ctx, 20*time.Millisecond) }()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		_ = sv.Server.Close()
	})
	inv := filepath.Join(t.TempDir(), "inventory.yaml")
	if err := sv.WriteInventory(inv, sc, simwinrm.InventoryOptions{User: testUser, OperationTimeout: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	return &served{sc: sc, sim: s, inv: inv}
}

// asInput checks that err is an *session.InputError and returns it.
func asInput(t *testing.T, what string, err error) *session.InputError {
	t.Helper()
	var ie *session.InputError
	if !errors.As(err, &ie) {
		t.Fatalf("%s: got %T %v, want *session.InputError", what, err, err)
	}
	return ie
}
