package session_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/session"
	"cmsrunbook/runbook"
)

const defaultCMS = "EXCMS01"

func openSim(te *testEnv, scenario, jpath string, view session.View) (*session.Session, error) {
	return session.OpenSim(te.env, session.SimSpec{Scenario: scenario, Speed: math.Inf(1), Seed: 1, Journal: jpath}, view)
}

// TestSimThenResume stops a simulated window part-way with a person's
// answers, resumes it from the journal with more answers, and checks that
// the journal folds to a finished window in which no step ran twice.
func TestSimThenResume(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, scenario string
		// first answers the prompts of the first run; the run is
		// interrupted at the prompt after them (Ctrl+C at the prompt).
		first []string
		// outage: the first run stops while the CMS is down.
		outage bool
		// remaining is how many steps the first run leaves not done.
		remaining int
		// next answers the resumed run's prompts.
		next []string
		// decisions is how many decisions the person makes.
		decisions int
	}{
		{
			// Steps 1-6 on the passive node, 7 stops the CMS (typed), 8
			// moves it; interrupted at 9 (/upgradecms) with the CMS down.
			// The resume answers 9 and 11-16 (10 is not needed).
			name: "ccr-2003-sp2 interrupted in the outage", scenario: "ccr-2003-sp2",
			first:     append(repeat("y", 6), defaultCMS, "y"),
			outage:    true,
			remaining: 8,
			next:      repeat("y", 7),
		},
		{
			// An update rollup: steps 1-4 and 6 (the install asks for no
			// restart, so the reboot 5 is not needed). The handoff (step
			// 7, typed) is refused once; the person chooses to wait for
			// replication and retry (r), the move goes through, and the
			// run is interrupted at step 8. The resume answers steps 8-10,
			// 12 and 13.
			name: "fault-move-refused retried by a person, interrupted after", scenario: "fault-move-refused",
			first:     append(repeat("y", 5), defaultCMS, "r"),
			remaining: 6,
			next:      repeat("y", 5),
			decisions: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jpath := filepath.Join(t.TempDir(), "sim.jsonl")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			in := script(tc.first...).interruptAfter(cancel)
			te := newEnv(in)
			s, err := openSim(te, tc.scenario, jpath, headless)
			if got := run(t, ctx, s, err, te); got != session.Interrupted {
				t.Fatalf("first run: result %d, want Interrupted (%d)\n%s", got, session.Interrupted, te.dump())
			}
			if in.ended != 1 {
				t.Fatalf("the answers ran out %d times, want once (at the prompt that was interrupted)\n%s", in.ended, te.dump())
			}
			if !strings.Contains(te.errOut.String(), "resume --journal "+jpath) {
				t.Errorf("the interrupted run does not say how to resume:\n%s", te.dump())
			}
			evs := readEvents(t, jpath)
			prog := runbook.Fold(evs)
			if prog.IsFinished() {
				t.Fatalf("an interrupted run recorded run-finished %+v: it could not be resumed", prog.Finished)
			}
			if prog.OutageOpen != tc.outage {
				t.Errorf("outage open after the first run: %v, want %v", prog.OutageOpen, tc.outage)
			}
			if n := len(prog.Remaining()); n != tc.remaining {
				t.Errorf("%d steps remain after the first run, want %d", n, tc.remaining)
			}
			if _, err := os.Stat(jpath + ".world"); err != nil {
				t.Errorf("the simulated cluster was not saved beside the journal: %v", err)
			}

			te2 := newEnv(script(tc.next...))
			s2, err := session.OpenResume(context.Background(), te2.env, session.ResumeSpec{Journal: jpath}, headless)
			if got := run(t, context.Background(), s2, err, te2); got != session.Done {
				t.Fatalf("resumed run: result %d, want Done\n%s", got, te2.dump())
			}
			evs = readEvents(t, jpath)
			prog = checkFinished(t, evs, journalCheck{resumes: 1, by: testOperator})
			if n := count(evs, func(ev runbook.Event) bool { return ev.Event == runbook.EvDecision }); n != tc.decisions {
				t.Errorf("%d decisions, want %d", n, tc.decisions)
			}
			for _, ev := range evs {
				if ev.Event == runbook.EvStepConfirmed && ev.By != testOperator {
					t.Errorf("seq %d: step %s confirmed by %q, want %q", ev.Seq, ev.Step, ev.By, testOperator)
				}
				if ev.Event == runbook.EvRunResumed {
					if got := strings.Contains(ev.Message, "OUTAGE IS STILL ON"); got != tc.outage {
						t.Errorf("run-resumed %q: says the outage is on: %v, want %v", ev.Message, got, tc.outage)
					}
					if ev.Operator != testOperator {
						t.Errorf("run-resumed by %q, want %q", ev.Operator, testOperator)
					}
				}
			}
			if !strings.Contains(te2.out.String(), "run resumed: ") || !strings.Contains(te2.out.String(), "Change record: cmsrunbook report --journal "+jpath) {
				t.Errorf("the resumed run's output lacks the resume or the change record line:\n%s", te2.dump())
			}
			if len(prog.Outages) == 0 {
				t.Error("the journal records no outage")
			}
		})
	}
}

// TestSimAbortThenResume: a person answers N at the reboot of the passive
// node. The run stops (exit 1) and says the journal keeps the place for a
// resume; the resume then finishes the window.
func TestSimAbortThenResume(t *testing.T) {
	t.Parallel()
	jpath := filepath.Join(t.TempDir(), "sim.jsonl")
	te := newEnv(script(append(repeat("y", 4), "n")...))
	s, err := openSim(te, "ccr-2003-sp2", jpath, headless)
	if got := run(t, context.Background(), s, err, te); got != session.Stopped {
		t.Fatalf("first run: result %d, want Stopped\n%s", got, te.dump())
	}
	evs := readEvents(t, jpath)
	last := evs[len(evs)-1]
	if last.Event != runbook.EvRunFinished || last.Status != runbook.RunAborted {
		t.Fatalf("the stopped run ends with %s %s, want run-finished aborted", last.Event, last.Status)
	}
	aborts := count(evs, func(ev runbook.Event) bool {
		return ev.Event == runbook.EvDecision && ev.Choice == string(runbook.RemedyAbort) && ev.By == testOperator
	})
	if aborts != 1 {
		t.Errorf("%d abort decisions by %s, want 1", aborts, testOperator)
	}
	if !strings.Contains(te.out.String(), "cmsrunbook resume --journal "+jpath) {
		t.Errorf("the stopped run does not point at resume:\n%s", te.dump())
	}

	te2 := newEnv(script(append(repeat("y", 2), append([]string{defaultCMS}, repeat("y", 8)...)...)...))
	s2, err := session.OpenResume(context.Background(), te2.env, session.ResumeSpec{Journal: jpath}, headless)
	// The prompt ("N stops the run here, and resume continues from this
	// step"), the abort remedy and Run all promise a resume: an aborted
	// run keeps its place.
	var fin *session.ErrFinished
	if errors.As(err, &fin) {
		t.Fatalf("an aborted run is refused a resume: %v", err)
	}
	if got := run(t, context.Background(), s2, err, te2); got != session.Done {
		t.Fatalf("resumed run: result %d, want Done\n%s", got, te2.dump())
	}
	checkFinished(t, readEvents(t, jpath), journalCheck{resumes: 1, by: testOperator, stops: 1})
}

// stopWriter calls stop once, the first time a write contains mark.
type stopWriter struct {
	w    *syncBuffer
	mark string
	stop func()
	once sync.Once
}

func (s *stopWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(s.mark)) {
		s.once.Do(s.stop)
	}
	return s.w.Write(p)
}

// TestRealThenResume runs a window on a simulated cluster served over
// WinRM on 127.0.0.1, through an inventory and a password from the
// environment, confirmed line by line; the run is interrupted around Setup
// on the passive node, and the resume reconnects with the recorded
// inventory and carries on. Setup.com must start once per node, and the
// password must appear nowhere. (Each reboot costs the engine's 5-second
// poll in real time, so only two cases run the whole window.)
func TestRealThenResume(t *testing.T) {
	t.Parallel()
	finish := append(repeat("y", 2), append([]string{defaultCMS}, repeat("y", 8)...)...)
	cases := []struct {
		name string
		// stopAt: the first run is interrupted when the headless output
		// first shows this line; otherwise at the prompt after the four
		// answers (preflight, pause, move groups, Setup on EXNODE02).
		stopAt string
		// setup is where the first run leaves Setup on EXNODE02 (started:
		// no result recorded), and sent how many times the node saw it.
		setup runbook.StepStatus
		sent  int
		// next answers the resumed run; finish: it runs to the end,
		// else it is interrupted at the prompt after the answers.
		next   []string
		finish bool
	}{
		{
			// reboot, resume the node, stop (typed), move, /upgradecms,
			// then steps 11-16.
			name:  "interrupted at the reboot",
			setup: runbook.StepSucceeded, sent: 1,
			next: finish, finish: true,
		},
		{
			// Interrupted while Setup.com streams its transcript: the
			// resume re-attaches to the same job on EXNODE02 and reads
			// the rest of its log.
			name:   "interrupted while Setup streams",
			stopAt: `| Welcome to Microsoft Exchange Server 2007 Unattended Setup`,
			setup:  runbook.StepStarted, sent: 1,
			next: finish, finish: true,
		},
		{
			// Interrupted the moment Setup's step-started is recorded,
			// before the job is sent: the resume sends the recorded job
			// once. It is interrupted again at the reboot.
			name:   "interrupted as Setup starts",
			stopAt: `EXNODE02> D:\Exchange2007SP2\Setup.com /mode:upgrade`,
			setup:  runbook.StepStarted, sent: 0,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sv := serve(t, "ccr-2003-sp2")
			jpath := filepath.Join(t.TempDir(), "real.jsonl")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			te := newEnv(script(repeat("y", 4)...).interruptAfter(cancel))
			view := headless
			if tc.stopAt != "" {
				te.env.Stdout = &stopWriter{w: te.out, mark: tc.stopAt, stop: cancel}
				view.Quiet = false
			}
			s, err := session.OpenReal(ctx, te.env, session.RealSpec{Inventory: sv.inv, Journal: jpath}, view)
			if got := run(t, ctx, s, err, te); got != session.Interrupted {
				t.Fatalf("first run: result %d, want Interrupted\n%s", got, te.dump())
			}
			evs := readEvents(t, jpath)
			prog := runbook.Fold(evs)
			if prog.IsFinished() {
				t.Fatalf("the interrupted run recorded run-finished %+v", prog.Finished)
			}
			if mode := prog.Started.Options["mode"]; mode != "real" {
				t.Fatalf("run-started mode %q, want real", mode)
			}
			setup := setupStep(t, prog, "EXNODE02")
			if st := prog.Step(setup.ID).Status; st != tc.setup {
				t.Fatalf("after the first run Setup on EXNODE02 is %s, want %s\n%s", st, tc.setup, te.dump())
			}
			if got := sv.sim.SetupStarts("EXNODE02"); got != tc.sent {
				t.Fatalf("after the first run EXNODE02 saw Setup.com started %d times, want %d", got, tc.sent)
			}

			ctx2, cancel2 := context.WithCancel(context.Background())
			defer cancel2()
			in2 := script(tc.next...)
			if !tc.finish {
				in2.interruptAfter(cancel2)
			}
			te2 := newEnv(in2)
			s2, err := session.OpenResume(ctx2, te2.env, session.ResumeSpec{Journal: jpath}, headless)
			got := run(t, ctx2, s2, err, te2)
			evs = readEvents(t, jpath)
			if tc.finish {
				if got != session.Done {
					t.Fatalf("resumed run: result %d, want Done\n%s", got, te2.dump())
				}
				checkFinished(t, evs, journalCheck{resumes: 1, by: testOperator})
				checkSetupOnce(t, sv, evs)
			} else {
				if got != session.Interrupted {
					t.Fatalf("resumed run: result %d, want Interrupted at the reboot\n%s", got, te2.dump())
				}
				if st := runbook.Fold(evs).Step(setup.ID).Status; st != runbook.StepSucceeded {
					t.Errorf("after the resume Setup on EXNODE02 is %s, want succeeded", st)
				}
				if got := sv.sim.SetupStarts("EXNODE02"); got != 1 {
					t.Errorf("EXNODE02 saw Setup.com started %d times, want 1", got)
				}
			}
			// The resume takes up the job the record names: a job never
			// sent is sent under that ID; one that ran is re-attached to,
			// unless it ended before the resume looked (then its effect
			// already holds and nothing is sent).
			if tc.setup == runbook.StepStarted {
				checkSameJob(t, evs, setup.ID, prog.Step(setup.ID).Job, tc.sent == 0)
			}
			// The password is in no file beside the journal and the
			// inventory, and was never printed.
			for _, dir := range []string{filepath.Dir(jpath), filepath.Dir(sv.inv)} {
				files, _ := os.ReadDir(dir)
				for _, f := range files {
					data, err := os.ReadFile(filepath.Join(dir, f.Name()))
					if err == nil && bytes.Contains(data, []byte(testPass)) {
						t.Errorf("%s holds the password", f.Name())
					}
				}
			}
			if strings.Contains(te.dump()+te2.dump(), testPass) {
				t.Error("the password was printed")
			}
		})
	}
}

// checkSameJob checks that after the resume every start of the step names
// the job recorded before it (mustStart: there is such a start).
func checkSameJob(t *testing.T, evs []runbook.Event, step, job string, mustStart bool) {
	t.Helper()
	if job == "" {
		t.Fatalf("the first run recorded no job for %s", step)
	}
	resumed, starts := false, 0
	for _, ev := range evs {
		switch {
		case ev.Event == runbook.EvRunResumed:
			resumed = true
		case resumed && ev.Event == runbook.EvStepStarted && ev.Step == step:
			starts++
			if ev.Job != job {
				t.Errorf("seq %d: the resume started %s as job %q, the record names %q", ev.Seq, step, ev.Job, job)
			}
		}
	}
	if mustStart && starts == 0 {
		t.Errorf("the resume never took up job %s of %s", job, step)
	}
}

// setupStep is the plan's setup-upgrade step on node.
func setupStep(t *testing.T, prog *runbook.RunProgress, node string) runbook.Step {
	t.Helper()
	for _, s := range prog.Started.Plan {
		if s.Kind == runbook.KindSetupUpgrade && s.Node == node {
			return s
		}
	}
	t.Fatalf("the plan has no setup-upgrade on %s", node)
	return runbook.Step{}
}

// TestRealAbortThenResume: the person answers a at the reboot after Setup
// ran on the passive node; the run stops; the resume should finish it.
func TestRealAbortThenResume(t *testing.T) {
	t.Parallel()
	sv := serve(t, "ccr-2003-sp2")
	jpath := filepath.Join(t.TempDir(), "real.jsonl")
	te := newEnv(script(append(repeat("y", 4), "a")...))
	s, err := session.OpenReal(context.Background(), te.env, session.RealSpec{Inventory: sv.inv, Journal: jpath}, headless)
	if got := run(t, context.Background(), s, err, te); got != session.Stopped {
		t.Fatalf("first run: result %d, want Stopped\n%s", got, te.dump())
	}
	if got := sv.sim.SetupStarts("EXNODE02"); got != 1 {
		t.Fatalf("Setup.com started %d times on EXNODE02 before the abort, want 1", got)
	}
	te2 := newEnv(script(append(repeat("y", 2), append([]string{defaultCMS}, repeat("y", 8)...)...)...))
	s2, err := session.OpenResume(context.Background(), te2.env, session.ResumeSpec{Journal: jpath}, headless)
	var fin *session.ErrFinished
	if errors.As(err, &fin) {
		t.Fatalf("an aborted real run is refused a resume: %v", err)
	}
	if got := run(t, context.Background(), s2, err, te2); got != session.Done {
		t.Fatalf("resumed run: result %d, want Done\n%s", got, te2.dump())
	}
	evs := readEvents(t, jpath)
	checkFinished(t, evs, journalCheck{resumes: 1, by: testOperator, stops: 1})
	checkSetupOnce(t, sv, evs)
}

// checkSetupOnce checks that every node's Setup.com (/mode:upgrade, and
// /upgradecms on the node that takes the CMS) was started once: once in
// the journal, not counting re-attaching to a recorded job, and as many
// times as the simulated node saw it.
func checkSetupOnce(t *testing.T, sv *served, evs []runbook.Event) {
	t.Helper()
	for _, n := range sv.sc.Cluster.Nodes {
		want := 0
		for _, kind := range []runbook.StepKind{runbook.KindSetupUpgrade, runbook.KindUpgradeCMS} {
			starts := count(evs, func(ev runbook.Event) bool {
				return ev.Event == runbook.EvStepStarted && ev.Kind == kind && ev.Node == n.Name && ev.Message == ""
			})
			if kind == runbook.KindSetupUpgrade && starts != 1 {
				t.Errorf("%d step-started events start %s on %s, want 1", starts, kind, n.Name)
			}
			want += starts
		}
		if got := sv.sim.SetupStarts(n.Name); got != want {
			t.Errorf("the simulated %s saw Setup.com started %d times; the journal starts it %d times", n.Name, got, want)
		}
	}
}

// TestYesOnFailure runs the fault scenarios unattended: --yes confirms
// every step and --on-failure answers the failures, and every decision in
// the journal says so.
func TestYesOnFailure(t *testing.T) {
	t.Parallel()
	cases := []struct {
		scenario, onFailure string
		want                session.Result
	}{
		{"fault-move-refused", "retry", session.Done},
		{"fault-move-late-failure", "retry", session.Done},
		{"fault-setup-fails", "retry", session.Done},
		{"fault-pause-fails", "retry", session.Done},
		{"fault-group-move-fails", "retry", session.Done},
		{"fault-reboot-timeout", "retry", session.Done},
		{"fault-connection-drop", "retry", session.Done},
		{"fault-auth-failure", "retry", session.Done},
		{"fault-move-refused", "manual", session.Done},
		{"fault-move-refused", "abort", session.Stopped},
		{"fault-setup-fails", "abort", session.Stopped},
		// A pause has no manual fallback: manual stops there.
		{"fault-pause-fails", "manual", session.Stopped},
		// A blocking finding is re-checked MaxRetries times, then stops.
		{"block-node-down", "retry", session.Stopped},
	}
	for _, tc := range cases {
		t.Run(tc.scenario+"/"+tc.onFailure, func(t *testing.T) {
			t.Parallel()
			jpath := filepath.Join(t.TempDir(), "yes.jsonl")
			te := newEnv(nil)
			s, err := openSim(te, tc.scenario, jpath, session.View{Headless: true, Yes: true, OnFailure: tc.onFailure, Quiet: true})
			if got := run(t, context.Background(), s, err, te); got != tc.want {
				t.Fatalf("result %d, want %d\n%s", got, tc.want, te.dump())
			}
			evs := readEvents(t, jpath)
			by := "--yes --on-failure " + tc.onFailure
			decisions := 0
			for _, ev := range evs {
				switch ev.Event {
				case runbook.EvDecision:
					decisions++
					if ev.By != by {
						t.Errorf("seq %d: decision %s on %s by %q, want %q", ev.Seq, ev.Choice, ev.Step, ev.By, by)
					}
				case runbook.EvStepConfirmed:
					if ev.By != "--yes" {
						t.Errorf("seq %d: %s confirmed by %q, want --yes", ev.Seq, ev.Step, ev.By)
					}
				}
			}
			if decisions == 0 {
				t.Error("no decision: the fault never happened")
			}
			if tc.want == session.Done {
				checkFinished(t, evs, journalCheck{by: by})
				return
			}
			prog := runbook.Fold(evs)
			if !prog.IsFinished() || prog.Finished.Status != runbook.RunAborted {
				t.Errorf("stopped run finished %+v, want aborted", prog.Finished)
			}
			lastDecision := evs[0]
			for _, ev := range evs {
				if ev.Event == runbook.EvDecision {
					lastDecision = ev
				}
			}
			if lastDecision.Choice != string(runbook.RemedyAbort) {
				t.Errorf("the last decision is %s, want abort", lastDecision.Choice)
			}
		})
	}
}

// TestOpenRefusals: the ways a run is refused before anything is sent.
func TestOpenRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("run --yes on a real cluster", func(t *testing.T) {
		te := newEnv(nil)
		_, err := session.OpenReal(ctx, te.env, session.RealSpec{Inventory: filepath.Join(t.TempDir(), "none.yaml")},
			session.View{Headless: true, Yes: true, OnFailure: "abort"})
		ie := asInput(t, "OpenReal --yes", err)
		if !strings.Contains(ie.Error(), "confirmed by a person") {
			t.Errorf("message %q does not say why", ie.Error())
		}
	})

	t.Run("sim --yes without --headless", func(t *testing.T) {
		te := newEnv(nil)
		jpath := filepath.Join(t.TempDir(), "j.jsonl")
		_, err := openSim(te, "ccr-2003-sp2", jpath, session.View{Yes: true, OnFailure: "abort"})
		asInput(t, "OpenSim --yes on the screen", err)
		if _, err := os.Stat(jpath); err == nil {
			t.Error("a refused run created its journal")
		}
	})

	t.Run("sim --on-failure unknown", func(t *testing.T) {
		te := newEnv(nil)
		_, err := openSim(te, "ccr-2003-sp2", filepath.Join(t.TempDir(), "j.jsonl"), session.View{Headless: true, Yes: true, OnFailure: "pray"})
		if ie := asInput(t, "OpenSim --on-failure pray", err); !strings.Contains(ie.Error(), "pray") {
			t.Errorf("message %q does not name the value", ie.Error())
		}
	})

	t.Run("unknown scenario", func(t *testing.T) {
		te := newEnv(nil)
		_, err := openSim(te, "no-such-scenario-42", filepath.Join(t.TempDir(), "j.jsonl"), headless)
		if ie := asInput(t, "OpenSim on an unknown scenario", err); !strings.Contains(ie.Error(), "no-such-scenario-42") {
			t.Errorf("message %q does not name the scenario", ie.Error())
		}
	})

	t.Run("resume a finished run", func(t *testing.T) {
		jpath := filepath.Join(t.TempDir(), "done.jsonl")
		te := newEnv(nil)
		s, err := openSim(te, "ccr-2003-sp2", jpath, session.View{Headless: true, Yes: true, OnFailure: "abort", Quiet: true})
		if got := run(t, ctx, s, err, te); got != session.Done {
			t.Fatalf("result %d\n%s", got, te.dump())
		}
		before, _ := os.ReadFile(jpath)
		_, err = session.OpenResume(ctx, newEnv(nil).env, session.ResumeSpec{Journal: jpath}, headless)
		var fin *session.ErrFinished
		if !errors.As(err, &fin) {
			t.Fatalf("OpenResume of a finished run: %T %v, want *session.ErrFinished", err, err)
		}
		if fin.Status != runbook.RunSucceeded || fin.Journal != jpath {
			t.Errorf("ErrFinished %+v", fin)
		}
		if after, _ := os.ReadFile(jpath); !bytes.Equal(before, after) {
			t.Error("refusing to resume changed the journal")
		}
	})

	t.Run("resume a journal without run-started", func(t *testing.T) {
		dir := t.TempDir()
		empty := filepath.Join(dir, "empty.jsonl")
		if err := os.WriteFile(empty, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		noStart := filepath.Join(dir, "nostart.jsonl")
		writeJournal(t, noStart, runbook.Event{Event: runbook.EvFinding, Time: "2026-11-28T22:00:00.000Z",
			Finding: &runbook.Finding{Code: "x", Severity: runbook.Info, Message: "m"}})
		for _, p := range []string{empty, noStart} {
			_, err := session.OpenResume(ctx, newEnv(nil).env, session.ResumeSpec{Journal: p}, headless)
			if ie := asInput(t, "OpenResume "+filepath.Base(p), err); !strings.Contains(ie.Error(), "run-started") {
				t.Errorf("%s: message %q does not say what is missing", filepath.Base(p), ie.Error())
			}
		}
	})

	t.Run("resume a missing journal", func(t *testing.T) {
		_, err := session.OpenResume(ctx, newEnv(nil).env, session.ResumeSpec{Journal: filepath.Join(t.TempDir(), "gone.jsonl")}, headless)
		asInput(t, "OpenResume of a missing journal", err)
	})

	t.Run("resume of a real run with --yes", func(t *testing.T) {
		jpath := filepath.Join(t.TempDir(), "real.jsonl")
		writeJournal(t, jpath, runbook.Event{Event: runbook.EvRunStarted, Time: "2026-11-28T22:00:00.000Z",
			Source: filepath.Join(t.TempDir(), "inventory.yaml"), Options: map[string]string{"mode": "real", "run-id": "r1"}, Digest: emptyPlanDigest})
		_, err := session.OpenResume(ctx, newEnv(nil).env, session.ResumeSpec{Journal: jpath}, session.View{Headless: true, Yes: true, OnFailure: "abort"})
		asInput(t, "OpenResume of a real run with --yes", err)
	})

	t.Run("resume of an unknown mode", func(t *testing.T) {
		jpath := filepath.Join(t.TempDir(), "odd.jsonl")
		writeJournal(t, jpath, runbook.Event{Event: runbook.EvRunStarted, Time: "2026-11-28T22:00:00.000Z",
			Options: map[string]string{"mode": "carrier-pigeon"}, Digest: emptyPlanDigest})
		_, err := session.OpenResume(ctx, newEnv(nil).env, session.ResumeSpec{Journal: jpath}, headless)
		asInput(t, "OpenResume of an unknown mode", err)
	})
}

// writeJournal writes a journal holding events.
func writeJournal(t *testing.T, path string, evs ...runbook.Event) {
	t.Helper()
	w, err := journal.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestOneRunPerCluster: while a session on a cluster is open, a second
// one on the same cluster (journals in the same folder) is refused before
// it creates anything; after Close it opens again.
func TestOneRunPerCluster(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// One admin box: its runs share the cluster locks.
	box := newAdminBox()
	view := session.View{Headless: true, Yes: true, OnFailure: "abort", Quiet: true}
	first, err := openSim(newEnvOn(nil, box), "ccr-2003-sp2", filepath.Join(dir, "first.jsonl"), view)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			first.Close()
		}
	}()

	second := filepath.Join(dir, "second.jsonl")
	s, err := openSim(newEnvOn(nil, box), "ccr-2003-sp2", second, view)
	if err == nil {
		s.Close()
		t.Fatal("a second session on the same cluster was opened while the first is open")
	}
	if !errors.Is(err, journal.ErrLocked) {
		t.Errorf("second OpenSim: %v, want the lock's error", err)
	}
	if _, serr := os.Stat(second); serr == nil {
		t.Error("the refused session created its journal")
	}
	// The lock is the cluster's, whatever the scenario.
	if s, err := openSim(newEnvOn(nil, box), "scc-3node-sp2", filepath.Join(dir, "scc.jsonl"), view); !errors.Is(err, journal.ErrLocked) {
		if err == nil {
			s.Close()
		}
		t.Errorf("another scenario on cluster EXCLUS01: %v, want the lock's error", err)
	}
	// Another cluster is not held by it.
	other, err := openSim(newEnvOn(nil, box), "scc-8node-2cms-sp3", filepath.Join(dir, "other.jsonl"), view)
	if err != nil {
		t.Errorf("a session on cluster EXSCC01 was refused: %v", err)
	} else {
		other.Close()
	}

	first.Close()
	closed = true
	again, err := openSim(newEnvOn(nil, box), "ccr-2003-sp2", second, view)
	if err != nil {
		t.Fatalf("after Close, OpenSim on the same cluster: %v", err)
	}
	res, err := again.Run(context.Background())
	again.Close()
	if err != nil || res != session.Done {
		t.Errorf("the session opened after Close: result %d, %v", res, err)
	}
}

// TestResumeWhileOpenIsRefused: the journal of a run whose session is
// still open cannot be resumed beside it (the lock); once closed, it can.
func TestResumeWhileOpenIsRefused(t *testing.T) {
	t.Parallel()
	jpath := filepath.Join(t.TempDir(), "sim.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // interrupted at the first prompt
	// One admin box: its runs share the cluster locks.
	box := newAdminBox()
	te := newEnvOn(nil, box)
	s, err := openSim(te, "ccr-2003-sp2", jpath, headless)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if res, err := s.Run(ctx); err != nil || res != session.Interrupted {
		t.Fatalf("result %d, %v, want Interrupted\n%s", res, err, te.dump())
	}
	before, _ := os.ReadFile(jpath)
	if r, err := session.OpenResume(context.Background(), newEnvOn(nil, box).env, session.ResumeSpec{Journal: jpath}, headless); !errors.Is(err, journal.ErrLocked) {
		if err == nil {
			r.Close()
		}
		t.Fatalf("resume beside the open session: %v, want the lock's error", err)
	}
	if after, _ := os.ReadFile(jpath); !bytes.Equal(before, after) {
		t.Error("the refused resume changed the journal")
	}
	s.Close()
	te2 := newEnvOn(nil, box)
	r, err := session.OpenResume(context.Background(), te2.env, session.ResumeSpec{Journal: jpath},
		session.View{Headless: true, Yes: true, OnFailure: "abort", Quiet: true})
	if got := run(t, context.Background(), r, err, te2); got != session.Done {
		t.Fatalf("resume after Close: result %d\n%s", got, te2.dump())
	}
	checkFinished(t, readEvents(t, jpath), journalCheck{resumes: 1})
}
