package engine_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/engine"
	"cmsrunbook/runbook"
)

// TestExecuteCommands: a step's short commands run in order; the first
// non-zero exit fails the step with its exit code, and a failing step's
// manual fallback runs on the fallback's shell.
func TestExecuteCommands(t *testing.T) {
	t.Run("exit 0, verified", func(t *testing.T) {
		h := newHarness(t, ccr())
		line := runbook.PauseNodeCommand(node2)
		h.x.on(line, cmdScript{out: []string{"Pausing node 'EXNODE02'...", "EXNODE02  1  Paused"}, effect: setNode(node2, runbook.NodePaused)})
		h.conf.answers = []answer{run("alice")}
		h.mustRun(runbook.RunSucceeded, nil, pauseStep("s1", node2))
		equal(t, "events", trace(h.rec.events), []string{"step-confirmed s1 by=alice", "step-started s1 #1", "step-succeeded s1 #1"})
		equal(t, "output", outputs(h.rec.events), []string{"Pausing node 'EXNODE02'...", "EXNODE02  1  Paused"})
		want := runbook.Command{Node: node2, Shell: runbook.ShellCmd, Line: line, StepID: "s1", Kind: runbook.KindPauseNode}
		if len(h.x.sent) != 1 || h.x.sent[0].cmd != want {
			t.Errorf("sent %+v, want one %+v", h.x.sent, want)
		}
		started := find(h.rec.events, runbook.EvStepStarted)[0]
		if strings.Join(started.Commands, "|") != line || started.Manual || started.Job != "" || started.Node != node2 || started.Kind != runbook.KindPauseNode {
			t.Errorf("step-started %+v", started)
		}
		for _, ev := range find(h.rec.events, runbook.EvOutput) {
			if ev.Step != "s1" || ev.Node != node2 || ev.Stream != runbook.Stdout || ev.Offset != 0 {
				t.Errorf("output event %+v", ev)
			}
		}
	})

	t.Run("non-zero exit", func(t *testing.T) {
		h := newHarness(t, ccr())
		h.x.on(runbook.PauseNodeCommand(node2), cmdScript{exit: 5, out: []string{"System error 5 has occurred.", "Access is denied."}})
		h.conf.answers = []answer{run("alice")}
		h.conf.decisions = []decision{choose(runbook.RemedyAbort, "alice")}
		h.mustRun(runbook.RunAborted, nil, pauseStep("s1", node2))
		equal(t, "events", trace(h.rec.events), []string{
			"step-confirmed s1 by=alice", "step-started s1 #1", "step-failed s1 #1 node-not-paused", "decision s1 abort by=alice"})
		failed := find(h.rec.events, runbook.EvStepFailed)[0]
		if failed.ExitCode == nil || *failed.ExitCode != 5 {
			t.Errorf("exit code %v, want 5", failed.ExitCode)
		}
		d := failed.Diagnosis
		if d.Message != "The command exited with code 5. Not as expected: EXNODE02 is Up, not Paused" {
			t.Errorf("message %q", d.Message)
		}
		equal(t, "diagnosis lines", d.Lines, []string{"System error 5 has occurred.", "Access is denied."})
		equal(t, "remedies", actions(h.conf.decided[0].offered), []string{"retry", "skip", "abort"})
	})

	t.Run("the first failing command stops the step", func(t *testing.T) {
		s := runbook.Step{ID: "s1", Kind: runbook.KindMoveGroups, Node: node2, Target: node1, Groups: []string{"Cluster Group", "FS"},
			Shell: runbook.ShellCmd, Exec: runbook.ExecCommands,
			Commands: []string{runbook.MoveGroupCommand("Cluster Group", node1, 300), runbook.MoveGroupCommand("FS", node1, 300)},
			Post:     runbook.Post{OwnsNoGroups: true, Text: "EXNODE02 owns no group"}}
		h := newHarness(t, ccr())
		h.x.on(s.Commands[0], cmdScript{exit: 5})
		h.conf.answers = []answer{run("alice")}
		h.conf.decisions = []decision{choose(runbook.RemedyAbort, "alice")}
		h.mustRun(runbook.RunAborted, nil, s)
		equal(t, "sent", h.x.runs(), s.Commands[:1])
		if d := find(h.rec.events, runbook.EvStepFailed)[0].Diagnosis; d.Code != runbook.DiagGroupMoveFailed {
			t.Errorf("code %s", d.Code)
		}
	})

	t.Run("manual fallback", func(t *testing.T) {
		obs := ccr()
		setGroup(cms, runbook.GroupOffline)(&obs) // stopped for the move
		setBuild(node2, runbook.BuildSP2)(&obs)   // to an upgraded node
		h := newHarness(t, obs)
		step := moveCMSStep("s1", node2)
		h.x.on(step.Commands[0], cmdScript{exit: 1, out: []string{"Move-ClusteredMailboxServer : The operation failed."}})
		h.x.on(step.Fallback[0], cmdScript{effect: setOwner(cms, node2)})
		// The fallback changes the cluster: it is confirmed like a step,
		// with the CMS name typed.
		h.conf.answers = []answer{run("alice"), typed("alice", cms)}
		h.conf.decisions = []decision{choose(runbook.RemedyManual, "alice")}
		h.mustRun(runbook.RunSucceeded, nil, step)
		equal(t, "events", trace(h.rec.events), []string{
			"outage-started s1", // the CMS is down: the first observation of the step starts the clock
			"step-confirmed s1 by=alice", "step-started s1 #1", "step-failed s1 #1 cms-move-failed",
			"decision s1 manual by=alice", "step-started s1 #2 manual", "step-succeeded s1 #2"})
		// The CMS is down: the way back (start it where it is) comes first.
		equal(t, "remedies", actions(h.conf.decided[0].offered), []string{"start", "retry", "manual", "abort"})
		if dec := find(h.rec.events, runbook.EvDecision)[0]; strings.Join(dec.Commands, "|") != step.Fallback[0] || dec.Typed != cms {
			t.Errorf("the manual decision records %q typed %q", dec.Commands, dec.Typed)
		}
		started := find(h.rec.events, runbook.EvStepStarted)
		if strings.Join(started[1].Commands, "|") != step.Fallback[0] || started[1].Job != "" {
			t.Errorf("manual step-started %+v", started[1])
		}
		if len(h.x.sent) != 2 {
			t.Fatalf("sent %v", h.x.runs())
		}
		if got := h.x.sent[1].cmd; got.Line != step.Fallback[0] || got.Shell != runbook.ShellCmd || got.Node != node1 {
			t.Errorf("fallback sent as %+v", got)
		}
		if got := h.x.sent[0].cmd; got.Shell != runbook.ShellPowerShell {
			t.Errorf("command sent as %+v", got)
		}
	})
}

// TestExecutorErrors: a dropped connection and refused credentials are
// failures a person can act on; any other executor error ends the run.
func TestExecutorErrors(t *testing.T) {
	for _, tc := range []struct {
		err     error
		code    string
		offered []string
	}{
		{fmt.Errorf("winrm: %w", runbook.ErrConnectionLost), runbook.DiagConnectionLost, []string{"retry", "abort"}},
		{fmt.Errorf("winrm: %w", runbook.ErrAuthFailed), runbook.DiagAuthFailed, []string{"retry", "abort"}},
	} {
		t.Run(tc.code, func(t *testing.T) {
			h := newHarness(t, ccr())
			h.x.on(runbook.PauseNodeCommand(node2), cmdScript{out: []string{"partial"}, err: tc.err})
			h.conf.answers = []answer{run("alice")}
			h.conf.decisions = []decision{choose(runbook.RemedyAbort, "alice")}
			h.mustRun(runbook.RunAborted, nil, pauseStep("s1", node2))
			equal(t, "events", trace(h.rec.events), []string{
				"step-confirmed s1 by=alice", "step-started s1 #1", "step-failed s1 #1 " + tc.code, "decision s1 abort by=alice"})
			equal(t, "remedies", actions(h.conf.decided[0].offered), tc.offered)
			d := find(h.rec.events, runbook.EvStepFailed)[0].Diagnosis
			equal(t, "lines", d.Lines, []string{"partial", tc.err.Error()})
		})
	}
	t.Run("other errors end the run", func(t *testing.T) {
		h := newHarness(t, ccr())
		boom := errors.New("winrm: unexpected HTTP 500")
		h.x.on(runbook.PauseNodeCommand(node2), cmdScript{err: boom})
		h.conf.answers = []answer{run("alice")}
		status, err := h.run(nil, pauseStep("s1", node2), pauseStep("s2", node1))
		if !errors.Is(err, boom) || status != runbook.RunFailed {
			t.Fatalf("status %s, err %v", status, err)
		}
		equal(t, "events", trace(h.rec.events), []string{"step-confirmed s1 by=alice", "step-started s1 #1"})
	})
}

// TestExecuteJob: a detached install is started once under
// <runid>-<stepid>-<attempt>, its log streamed with offsets, its transcript
// classified.
func TestExecuteJob(t *testing.T) {
	t.Run("started once, streamed, verified", func(t *testing.T) {
		h := newHarness(t, ccr())
		step := setupStep("s1", node2)
		h.x.onJob(step.Commands[0], jobScript{log: setupOK, effect: setBuild(node2, runbook.BuildSP2)})
		h.conf.answers = []answer{run("alice")}
		h.mustRun(runbook.RunSucceeded, nil, step)
		equal(t, "events", trace(h.rec.events), []string{"step-confirmed s1 by=alice", "step-started s1 #1", "step-succeeded s1 #1"})
		equal(t, "started jobs", h.x.starts(), []string{"run1-s1-1"})
		want := runbook.Command{Node: node2, Shell: runbook.ShellCmd, Line: step.Commands[0], StepID: "s1", Kind: runbook.KindSetupUpgrade}
		if h.x.sent[0].cmd != want {
			t.Errorf("job command %+v, want %+v", h.x.sent[0].cmd, want)
		}
		if ev := find(h.rec.events, runbook.EvStepStarted)[0]; ev.Job != "run1-s1-1" || ev.Message != "" {
			t.Errorf("step-started job %q message %q", ev.Job, ev.Message)
		}
		equal(t, "output", outputs(h.rec.events), setupOK)
		for i, ev := range find(h.rec.events, runbook.EvOutput) {
			if ev.Offset != offsetAfter(setupOK, i+1) || ev.Node != node2 {
				t.Errorf("line %d: offset %d node %s, want %d %s", i, ev.Offset, ev.Node, offsetAfter(setupOK, i+1), node2)
			}
		}
	})

	t.Run("classified failure, then a new job on retry", func(t *testing.T) {
		h := newHarness(t, ccr())
		step := setupStep("s1", node2)
		h.x.onJob(step.Commands[0],
			jobScript{log: setupFailed, exit: 1603},
			jobScript{log: setupOK, effect: setBuild(node2, runbook.BuildSP2)})
		h.conf.answers = []answer{run("alice")}
		h.conf.decisions = []decision{choose(runbook.RemedyRetry, "alice")}
		h.mustRun(runbook.RunSucceeded, nil, step)
		equal(t, "events", trace(h.rec.events), []string{
			"step-confirmed s1 by=alice", "step-started s1 #1", "step-failed s1 #1 setup-failed",
			"decision s1 retry by=alice", "step-started s1 #2", "step-succeeded s1 #2"})
		equal(t, "started jobs", h.x.starts(), []string{"run1-s1-1", "run1-s1-2"})
		// The new job's log is journaled from its start, whatever the
		// failed job's offset was.
		equal(t, "output", outputs(h.rec.events), append(append([]string{}, setupFailed...), setupOK...))
		failed := find(h.rec.events, runbook.EvStepFailed)[0]
		if failed.ExitCode == nil || *failed.ExitCode != 1603 {
			t.Errorf("exit code %v", failed.ExitCode)
		}
		want := runbook.ClassifySetup(strings.Join(setupFailed, "\n"), 1603)
		if failed.Diagnosis.Message != want.Summary || !strings.Contains(want.Summary, "Mailbox Role FAILED") {
			t.Errorf("diagnosis %q, want the classifier's %q", failed.Diagnosis.Message, want.Summary)
		}
		equal(t, "remedies", actions(h.conf.decided[0].offered), []string{"retry", "skip", "abort"})
		if jobs := find(h.rec.events, runbook.EvStepStarted); jobs[1].Job != "run1-s1-2" || jobs[1].Message != "" {
			t.Errorf("retry step-started %+v", jobs[1])
		}
	})

	t.Run("connection drops while tailing: retry re-attaches", func(t *testing.T) {
		h := newHarness(t, ccr())
		step := setupStep("s1", node2)
		h.x.onJob(step.Commands[0], jobScript{log: setupOK, drop: 2, effect: setBuild(node2, runbook.BuildSP2)})
		h.conf.answers = []answer{run("alice")}
		h.conf.decisions = []decision{choose(runbook.RemedyRetry, "alice")}
		h.mustRun(runbook.RunSucceeded, nil, step)
		equal(t, "events", trace(h.rec.events), []string{
			"step-confirmed s1 by=alice", "step-started s1 #1", "step-failed s1 #1 connection-lost",
			"decision s1 retry by=alice", "step-started s1 #2", "step-succeeded s1 #2"})
		equal(t, "started jobs", h.x.starts(), []string{"run1-s1-1"})
		equal(t, "output (each line once)", outputs(h.rec.events), setupOK)
		started := find(h.rec.events, runbook.EvStepStarted)[1]
		if started.Job != "run1-s1-1" || started.Message != "re-attaching to job run1-s1-1 on EXNODE02 (not started again)" {
			t.Errorf("re-attach step-started job %q message %q", started.Job, started.Message)
		}
		// The fold of the record knows where the log stopped.
		if sp := runbook.Fold(h.rec.events).Step("s1"); sp.Job != "run1-s1-1" || sp.Offset != offsetAfter(setupOK, 3) {
			t.Errorf("folded job %q offset %d", sp.Job, sp.Offset)
		}
	})

	t.Run("StartJob fails: the retry starts the job", func(t *testing.T) {
		h := newHarness(t, ccr())
		step := setupStep("s1", node2)
		h.x.onJob(step.Commands[0],
			jobScript{startErr: fmt.Errorf("winrm: %w", runbook.ErrConnectionLost)},
			jobScript{log: setupOK, effect: setBuild(node2, runbook.BuildSP2)})
		h.conf.answers = []answer{run("alice")}
		h.conf.decisions = []decision{choose(runbook.RemedyRetry, "alice")}
		h.mustRun(runbook.RunSucceeded, nil, step)
		equal(t, "events", trace(h.rec.events), []string{
			"step-confirmed s1 by=alice", "step-started s1 #1", "step-failed s1 #1 connection-lost",
			"decision s1 retry by=alice", "step-started s1 #2", "step-succeeded s1 #2"})
		// Both StartJob calls use the first attempt's ID: the job never
		// existed, so the retry still looks for (and then starts) it.
		equal(t, "StartJob calls", h.x.starts(), []string{"run1-s1-1", "run1-s1-1"})
		equal(t, "output", outputs(h.rec.events), setupOK)
		if msg := find(h.rec.events, runbook.EvStepStarted)[1].Message; strings.Contains(msg, "not started again") {
			regression(t, "phases.go:120/139: the retry's step-started says %q, but execute.go:130-132 then starts the job (it was never created); the record claims a re-attach that did not happen", msg)
		}
	})
}

// TestExecuteJobResume: a job the journal shows as started is re-attached
// to without a new confirmation and without starting it again, as the
// same attempt; the log lines already journaled are not emitted twice.
func TestExecuteJobResume(t *testing.T) {
	step := setupStep("s1", node2)
	journal := func(offset int64) *runbook.RunProgress {
		return runbook.Fold([]runbook.Event{
			{Seq: 1, Event: runbook.EvStepConfirmed, Step: "s1", By: "alice"},
			{Seq: 2, Event: runbook.EvStepStarted, Step: "s1", Attempt: 1, Job: "run1-s1-1", Commands: step.Commands},
			{Seq: 3, Event: runbook.EvOutput, Step: "s1", Text: setupOK[0], Offset: offset},
		})
	}

	t.Run("still running", func(t *testing.T) {
		h := newHarness(t, ccr())
		h.x.seedJob("run1-s1-1", node2, setupOK, 0, false, setBuild(node2, runbook.BuildSP2))
		h.mustRun(runbook.RunSucceeded, journal(offsetAfter(setupOK, 1)), step)
		equal(t, "events", trace(h.rec.events), []string{"step-started s1 #1", "step-succeeded s1 #1"})
		if len(h.conf.confirmed) != 0 {
			t.Errorf("a re-attach was confirmed again: %v", h.conf.confirmed)
		}
		if len(h.x.sent) != 0 {
			t.Errorf("sent %+v", h.x.sent)
		}
		started := find(h.rec.events, runbook.EvStepStarted)[0]
		if started.Job != "run1-s1-1" || started.Message != "re-attaching to job run1-s1-1 on EXNODE02 (not started again)" {
			t.Errorf("step-started job %q message %q", started.Job, started.Message)
		}
		equal(t, "output", outputs(h.rec.events), setupOK[1:])
		equal(t, "tailed", h.x.tails, []string{"run1-s1-1"})
	})

	t.Run("finished with a failure while nobody watched", func(t *testing.T) {
		h := newHarness(t, ccr())
		h.x.seedJob("run1-s1-1", node2, setupFailed, 1603, true, nil)
		h.conf.decisions = []decision{choose(runbook.RemedyAbort, "alice")}
		h.mustRun(runbook.RunAborted, journal(offsetAfter(setupFailed, 1)), step)
		equal(t, "events", trace(h.rec.events), []string{"step-started s1 #1", "step-failed s1 #1 setup-failed", "decision s1 abort by=alice"})
		if ex := find(h.rec.events, runbook.EvStepFailed)[0].ExitCode; ex == nil || *ex != 1603 {
			t.Errorf("exit code %v", ex)
		}
		equal(t, "output", outputs(h.rec.events), setupFailed[1:])
		if len(h.x.sent) != 0 {
			t.Errorf("sent %+v", h.x.sent)
		}
	})

	// The job ended while nobody watched and its effect is there: it is
	// still re-attached to, so the rest of Setup's log (its success line)
	// reaches the record and the classifier; nothing is sent or asked.
	t.Run("finished and in effect: the rest of the log is recorded", func(t *testing.T) {
		obs := ccr()
		setBuild(node2, runbook.BuildSP2)(&obs)
		h := newHarness(t, obs)
		h.x.seedJob("run1-s1-1", node2, setupOK, 0, true, nil)
		h.mustRun(runbook.RunSucceeded, journal(offsetAfter(setupOK, 1)), step)
		equal(t, "events", trace(h.rec.events), []string{"step-started s1 #1", "step-succeeded s1 #1"})
		equal(t, "output", outputs(h.rec.events), setupOK[1:])
		if len(h.x.sent) != 0 || len(h.conf.confirmed) != 0 {
			t.Errorf("sent %+v, asked %v", h.x.sent, h.conf.confirmed)
		}
		equal(t, "tailed", h.x.tails, []string{"run1-s1-1"})
	})
}

// TestExecuteReboot: the restart is sent once; the engine waits for the
// node to go and come back with a new boot ID and its Cluster service.
func TestExecuteReboot(t *testing.T) {
	back := setFact(node2, runbook.NodeFacts{Reachable: true, ClusterService: true, BootID: boot2b})
	down := setFact(node2, runbook.NodeFacts{})
	step := rebootStep("s1", node2, runbook.Always)
	line := step.Commands[0]

	for _, tc := range []struct {
		name   string
		script cmdScript
	}{
		{"exit 0", cmdScript{}},
		{"the connection drops under the command", cmdScript{err: fmt.Errorf("winrm: %w", runbook.ErrConnectionLost)}},
		{"a shutdown already under way (1190)", cmdScript{exit: 1190}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, ccr())
			s := tc.script
			s.effect = func(o *runbook.Observation) { down(o); h.x.after(3, back) }
			h.x.on(line, s)
			h.conf.answers = []answer{run("alice")}
			h.mustRun(runbook.RunSucceeded, nil, step)
			equal(t, "events", trace(h.rec.events), []string{"step-confirmed s1 by=alice", "step-started s1 #1", "step-succeeded s1 #1"})
			equal(t, "sent", h.x.runs(), []string{line})
			if ev := find(h.rec.events, runbook.EvStepStarted)[0]; ev.Boot != boot2a || strings.Join(ev.Commands, "|") != line {
				t.Errorf("step-started boot %q commands %v", ev.Boot, ev.Commands)
			}
		})
	}

	t.Run("the restart is refused", func(t *testing.T) {
		h := newHarness(t, ccr())
		h.x.on(line, cmdScript{exit: 5})
		h.conf.answers = []answer{run("alice")}
		h.conf.decisions = []decision{choose(runbook.RemedyAbort, "alice")}
		h.mustRun(runbook.RunAborted, nil, step)
		failed := find(h.rec.events, runbook.EvStepFailed)
		if len(failed) != 1 || failed[0].ExitCode == nil || *failed[0].ExitCode != 5 ||
			failed[0].Diagnosis.Message != "The command exited with code 5. Not as expected: EXNODE02 has not restarted (same boot time)" {
			t.Errorf("failure %+v", failed)
		}
	})

	t.Run("never comes back, then wait", func(t *testing.T) {
		h := newHarness(t, ccr())
		h.x.on(line, cmdScript{effect: down})
		h.conf.answers = []answer{run("alice")}
		h.conf.decisions = []decision{{dec: engine.Decision{Action: runbook.RemedyWait, By: "bob"}, then: func() { h.x.after(2, back) }}}
		h.mustRun(runbook.RunSucceeded, nil, step)
		equal(t, "events", trace(h.rec.events), []string{
			"step-confirmed s1 by=alice", "step-started s1 #1", "step-failed s1 #1 reboot-timeout",
			"decision s1 wait by=bob", "step-started s1 #2 (no commands)", "step-succeeded s1 #2"})
		equal(t, "sent (one restart)", h.x.runs(), []string{line})
		equal(t, "remedies", actions(h.conf.decided[0].offered), []string{"wait", "skip", "abort"})
		waiting := find(h.rec.events, runbook.EvStepStarted)[1]
		if waiting.Message != "waiting longer for EXNODE02" || waiting.Boot != boot2a {
			t.Errorf("wait step-started message %q boot %q", waiting.Message, waiting.Boot)
		}
		if d := find(h.rec.events, runbook.EvStepFailed)[0].Diagnosis; d.Message != "EXNODE02 did not come back from its reboot in time." {
			t.Errorf("diagnosis %q", d.Message)
		}
		if waited := h.clk.now.Sub(t0); waited < h.cfg.RebootTimeout {
			t.Errorf("gave up after %s, before the reboot timeout %s", waited, h.cfg.RebootTimeout)
		}
	})

	t.Run("never went down, then wait: the restart is not sent again", func(t *testing.T) {
		h := newHarness(t, ccr())
		h.x.on(line, cmdScript{}) // shutdown accepted, the node hangs before going down
		h.conf.answers = []answer{run("alice")}
		h.conf.decisions = []decision{{dec: engine.Decision{Action: runbook.RemedyWait, By: "bob"}, then: func() { h.x.after(2, back) }}}
		h.mustRun(runbook.RunSucceeded, nil, step)
		equal(t, "events", trace(h.rec.events), []string{
			"step-confirmed s1 by=alice", "step-started s1 #1", "step-failed s1 #1 reboot-timeout",
			"decision s1 wait by=bob", "step-started s1 #2 (no commands)", "step-succeeded s1 #2"})
		equal(t, "sent (one restart)", h.x.runs(), []string{line})
	})

	t.Run("back with a new boot ID, the Cluster service starts late", func(t *testing.T) {
		h := newHarness(t, ccr())
		h.cfg.RebootTimeout = 10 * time.Minute
		h.x.on(line, cmdScript{effect: func(o *runbook.Observation) {
			down(o)
			h.x.after(2, setFact(node2, runbook.NodeFacts{Reachable: true, BootID: boot2b}))
			h.x.after(2+18, back) // 90 s later: longer than the 1 minute verify timeout
		}})
		h.conf.answers = []answer{run("alice")}
		h.mustRun(runbook.RunSucceeded, nil, step)
		equal(t, "events", trace(h.rec.events), []string{"step-confirmed s1 by=alice", "step-started s1 #1", "step-succeeded s1 #1"})
	})

	t.Run("never comes back, then skip", func(t *testing.T) {
		h := newHarness(t, ccr())
		h.x.on(line, cmdScript{effect: down})
		h.conf.answers = []answer{run("alice")}
		h.conf.decisions = []decision{choose(runbook.RemedySkip, "bob")}
		h.mustRun(runbook.RunSucceeded, nil, step)
		equal(t, "events", trace(h.rec.events), []string{
			"step-confirmed s1 by=alice", "step-started s1 #1", "step-failed s1 #1 reboot-timeout",
			"decision s1 skip by=bob", "step-skipped s1: skipped after failure: reboot-timeout by=bob"})
		equal(t, "sent", h.x.runs(), []string{line})
	})
}

// TestExecuteRebootResume: the runbook crashed after sending the restart.
// The journal holds the boot ID from before; the restart is not sent
// again, and waiting for it continues the recorded attempt.
func TestExecuteRebootResume(t *testing.T) {
	step := rebootStep("s1", node2, runbook.Always)
	prog := runbook.Fold([]runbook.Event{
		{Seq: 1, Event: runbook.EvStepConfirmed, Step: "s1", By: "alice"},
		{Seq: 2, Event: runbook.EvStepStarted, Step: "s1", Attempt: 1, Boot: boot2a, Commands: step.Commands},
	})
	if prog.Step("s1").Boot != boot2a {
		t.Fatalf("fold kept boot %q", prog.Step("s1").Boot)
	}

	t.Run("the node is still away", func(t *testing.T) {
		obs := ccr()
		obs.Facts[node2] = runbook.NodeFacts{}
		h := newHarness(t, obs)
		h.x.after(5, setFact(node2, runbook.NodeFacts{Reachable: true, ClusterService: true, BootID: boot2b}))
		h.mustRun(runbook.RunSucceeded, prog, step)
		if len(h.x.sent) != 0 {
			t.Errorf("a second restart was sent: %v", h.x.runs())
		}
		if len(h.conf.confirmed) != 0 {
			t.Errorf("a restart already under way was confirmed again: %v", h.conf.confirmed)
		}
		want := []string{"step-started s1 #1 (no commands)", "step-succeeded s1 #1"}
		equal(t, "events", trace(h.rec.events), want)
		if ev := find(h.rec.events, runbook.EvStepStarted)[0]; ev.Boot != boot2a || ev.Message != "waiting longer for EXNODE02" {
			t.Errorf("step-started boot %q message %q", ev.Boot, ev.Message)
		}
	})

	t.Run("the node is already back with a new boot ID", func(t *testing.T) {
		obs := ccr()
		obs.Facts[node2] = runbook.NodeFacts{Reachable: true, ClusterService: true, BootID: boot2b}
		h := newHarness(t, obs)
		h.conf.decisions = []decision{choose(runbook.RemedyAbort, "alice")}
		status, err := h.run(prog, step)
		if err != nil {
			t.Fatal(err)
		}
		if len(h.x.sent) != 0 {
			t.Errorf("a second restart was sent: %v", h.x.runs())
		}
		if ev := find(h.rec.events, runbook.EvStepStarted); len(ev) == 0 || ev[0].Commands != nil || ev[0].Boot != boot2a {
			t.Errorf("step-started %+v", ev)
		}
		if f := find(h.rec.events, runbook.EvStepFailed); status == runbook.RunAborted && len(f) == 1 &&
			strings.Contains(f[0].Diagnosis.Message, "has not restarted (same boot time)") {
			regression(t, "phases.go:82-84 sets before to the resume's own observation (new boot ID) when st.before is nil, "+
				"so verify (post.go Unmet BootChanged) compares the new boot ID with itself and fails %q after the verify timeout", f[0].Diagnosis.Message)
		}
		if status != runbook.RunSucceeded {
			t.Fatalf("status %s\n%s", status, strings.Join(trace(h.rec.events), "\n"))
		}
		equal(t, "events", trace(h.rec.events), []string{"step-started s1 #1 (no commands)", "step-succeeded s1 #1"})
	})

	// Recorded as started but the node still runs on the old boot: the
	// restart may never have left; it is asked for again, not sent blind.
	t.Run("the node never went down: asked again", func(t *testing.T) {
		h := newHarness(t, ccr())
		h.x.on(step.Commands[0], cmdScript{effect: setFact(node2, runbook.NodeFacts{Reachable: true, ClusterService: true, BootID: boot2b})})
		h.conf.answers = []answer{run("alice")}
		h.mustRun(runbook.RunSucceeded, prog, step)
		equal(t, "events", trace(h.rec.events), []string{"step-confirmed s1 by=alice", "step-started s1 #2", "step-succeeded s1 #2"})
	})
}

// TestJobSuccessRecordsExitCode: an install that succeeded with msiexec's
// 3010 (installed, restart required) records that exit code with its
// success, so the change record shows why a reboot followed.
func TestJobSuccessRecordsExitCode(t *testing.T) {
	h := newHarness(t, ccr())
	step := rollupStep("s1", node2)
	h.x.onJob(step.Commands[0], jobScript{log: []string{"msiexec finished"}, exit: 3010, effect: setBuild(node2, runbook.MustBuild("8.2.217.3"))})
	h.conf.answers = []answer{run("alice")}
	h.mustRun(runbook.RunSucceeded, nil, step)
	equal(t, "events", trace(h.rec.events), []string{"step-confirmed s1 by=alice", "step-started s1 #1", "step-succeeded s1 #1"})
	ok := find(h.rec.events, runbook.EvStepSucceeded)[0]
	if ok.ExitCode == nil {
		regression(t, "stepRun.exit (step.go) is reset in phases.go:58 and read in succeeded (phases.go:225) but never assigned, "+
			"so step-succeeded never carries an exit code (here msiexec's 3010) and RunProgress.ExitCode of a success is always nil")
	}
	if *ok.ExitCode != 3010 || runbook.Fold(h.rec.events).Step("s1").ExitCode == nil {
		t.Errorf("exit code %d, want 3010 in the event and the fold", *ok.ExitCode)
	}
}
