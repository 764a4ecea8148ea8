package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"cmsrunbook/internal/engine"
	"cmsrunbook/runbook"
)

// TestReadyCheck: before anything is asked, live state is re-read. A step
// whose effect already holds, or a conditional step that is not needed, is
// skipped on the engine's own authority: nothing is confirmed or sent.
func TestReadyCheck(t *testing.T) {
	abortAll := []answer{abort("alice")}
	tests := []struct {
		name    string
		state   func(*runbook.Observation)
		step    runbook.Step
		answers []answer
		status  runbook.RunStatus
		want    []string
		asked   []string
	}{
		{name: "effect already holds", state: setNode(node2, runbook.NodePaused), step: pauseStep("s1", node2),
			status: runbook.RunSucceeded,
			want:   []string{"step-skipped s1: already holds: EXNODE02 shows Paused"}},
		{name: "effect does not hold yet", step: pauseStep("s1", node2), answers: abortAll,
			status: runbook.RunAborted, asked: []string{"s1"},
			want: []string{"decision s1 abort by=alice"}},
		{name: "reboot not required", step: rebootStep("s1", node2, runbook.IfRebootRequired),
			status: runbook.RunSucceeded,
			want:   []string{"step-skipped s1: the install did not ask for a restart"}},
		{name: "reboot required: the node has a restart pending",
			state: func(o *runbook.Observation) { o.Cluster.Node(node2).Pending = true },
			step:  rebootStep("s1", node2, runbook.IfRebootRequired), answers: abortAll,
			status: runbook.RunAborted, asked: []string{"s1"},
			want: []string{"decision s1 abort by=alice"}},
		{name: "an unconditional reboot never already holds", step: rebootStep("s1", node2, runbook.Always), answers: abortAll,
			status: runbook.RunAborted, asked: []string{"s1"},
			want: []string{"decision s1 abort by=alice"}},
		{name: "CMS already Online", step: startCMSStep("s1", node2, runbook.IfCMSNotOnline),
			status: runbook.RunSucceeded,
			// The start-cms step's effect (CMS Online) already holds, and
			// that is checked before the condition.
			want: []string{"step-skipped s1: already holds: EXCMS01 is Online"}},
		{name: "CMS not Online: start-cms is needed", state: setGroup(cms, runbook.GroupOffline),
			step: startCMSStep("s1", node2, runbook.IfCMSNotOnline), answers: abortAll,
			status: runbook.RunAborted, asked: []string{"s1"},
			// The first observation with the CMS down starts the outage clock.
			want: []string{"outage-started s1", "decision s1 abort by=alice"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obs := ccr()
			if tc.state != nil {
				tc.state(&obs)
			}
			h := newHarness(t, obs)
			h.conf.answers = tc.answers
			h.mustRun(tc.status, nil, tc.step)
			equal(t, "events", trace(h.rec.events), tc.want)
			equal(t, "asked", h.conf.confirmed, tc.asked)
			if len(h.x.sent) != 0 {
				t.Errorf("sent %v", h.x.runs())
			}
		})
	}
}

// TestReadyCheckIfCMSNotOnlineCondition: a start-cms step whose own
// postcondition differs from its condition (here: Online on a given node)
// is skipped by the condition, with the condition's reason.
func TestReadyCheckIfCMSNotOnlineCondition(t *testing.T) {
	s := startCMSStep("s1", node2, runbook.IfCMSNotOnline)
	s.Post.CMSOwner = node2 // does not hold: EXNODE01 owns the CMS
	h := newHarness(t, ccr())
	h.mustRun(runbook.RunSucceeded, nil, s)
	equal(t, "events", trace(h.rec.events), []string{"step-skipped s1: EXCMS01 is already Online"})
	if len(h.conf.confirmed) != 0 || len(h.x.sent) != 0 {
		t.Errorf("asked %v, sent %v", h.conf.confirmed, h.x.runs())
	}
}

// TestReadyCheckRebootAfterInstallAskedForIt: msiexec's 3010 (restart
// required) makes the following if-reboot-required reboot run, though the
// node shows no pending restart.
func TestReadyCheckRebootAfterInstallAskedForIt(t *testing.T) {
	for _, tc := range []struct {
		exit int
		want []string
	}{
		{3010, []string{
			"step-confirmed s1 by=alice", "step-started s1 #1", "step-succeeded s1 #1",
			"decision s2 abort by=alice"}},
		{0, []string{
			"step-confirmed s1 by=alice", "step-started s1 #1", "step-succeeded s1 #1",
			"step-skipped s2: the install did not ask for a restart"}},
	} {
		h := newHarness(t, ccr())
		install := rollupStep("s1", node2)
		h.x.onJob(install.Commands[0], jobScript{log: []string{"msiexec done"}, exit: tc.exit, effect: setBuild(node2, runbook.MustBuild("8.2.217.3"))})
		h.conf.answers = []answer{run("alice"), abort("alice")}
		status, err := h.run(nil, install, rebootStep("s2", node2, runbook.IfRebootRequired))
		if err != nil {
			t.Fatal(err)
		}
		equal(t, "events", trace(h.rec.events), tc.want)
		if tc.exit == 3010 && status != runbook.RunAborted || tc.exit == 0 && status != runbook.RunSucceeded {
			t.Errorf("exit %d: status %s", tc.exit, status)
		}
	}
}

// TestConfirm: every answer at the prompt is one event with who gave it.
func TestConfirm(t *testing.T) {
	tests := []struct {
		name    string
		steps   []runbook.Step
		answers []answer
		status  runbook.RunStatus
		want    []string
		sent    []string
	}{
		{name: "run", steps: []runbook.Step{pauseStep("s1", node2)}, answers: []answer{run("alice")},
			status: runbook.RunSucceeded,
			want:   []string{"step-confirmed s1 by=alice", "step-started s1 #1", "step-succeeded s1 #1"},
			sent:   []string{runbook.PauseNodeCommand(node2)}},
		{name: "typed", steps: []runbook.Step{stopCMSStep("s1")}, answers: []answer{typed("alice", cms)},
			status: runbook.RunSucceeded,
			want:   []string{"step-confirmed s1 by=alice typed=EXCMS01", "step-started s1 #1", "outage-started s1", "step-succeeded s1 #1"},
			sent:   []string{runbook.StopCMSCommand(cms, "test")}},
		{name: "skip, then the next step runs", steps: []runbook.Step{pauseStep("s1", node2), pauseStep("s2", node1)},
			answers: []answer{skip("bob"), run("bob")},
			status:  runbook.RunSucceeded,
			want: []string{"decision s1 skip by=bob", "step-skipped s1: skipped by bob by=bob",
				"step-confirmed s2 by=bob", "step-started s2 #1", "step-succeeded s2 #1"},
			sent: []string{runbook.PauseNodeCommand(node1)}},
		{name: "abort ends the run", steps: []runbook.Step{pauseStep("s1", node2), pauseStep("s2", node1)},
			answers: []answer{abort("carol")},
			status:  runbook.RunAborted,
			want:    []string{"decision s1 abort by=carol"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obs := ccr()
			setBuild(node1, runbook.BuildSP2)(&obs) // the stop's gate: the CMS is upgraded where it is
			h := newHarness(t, obs)
			h.x.on(runbook.PauseNodeCommand(node1), cmdScript{effect: setNode(node1, runbook.NodePaused)})
			h.x.on(runbook.PauseNodeCommand(node2), cmdScript{effect: setNode(node2, runbook.NodePaused)})
			h.x.on(runbook.StopCMSCommand(cms, "test"), cmdScript{effect: setGroup(cms, runbook.GroupOffline)})
			h.conf.answers = tc.answers
			h.mustRun(tc.status, nil, tc.steps...)
			equal(t, "events", trace(h.rec.events), tc.want)
			equal(t, "sent", h.x.runs(), tc.sent)
			if len(h.conf.answers) != 0 {
				t.Errorf("%d answers left unasked", len(h.conf.answers))
			}
		})
	}
}

// TestConfirmContextCancelled: the prompt ends with the context (Ctrl-C, a
// closed terminal): the run stops with that error, nothing recorded, nothing
// sent.
func TestConfirmContextCancelled(t *testing.T) {
	h := newHarness(t, ccr())
	ctx, cancel := context.WithCancel(context.Background())
	h.conf.answers = []answer{{err: context.Canceled, then: cancel}}
	status, err := h.runCtx(ctx, nil, pauseStep("s1", node2))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if status != runbook.RunFailed {
		t.Errorf("status %s", status)
	}
	if len(h.rec.events) != 0 || len(h.x.sent) != 0 {
		t.Errorf("events %v, sent %v", trace(h.rec.events), h.x.runs())
	}
}

// TestStartGuardRefusal: a step the procedure forbids in the live state is
// refused at start with the guard's diagnosis; nothing is sent, and the only
// remedy is abort.
func TestStartGuardRefusal(t *testing.T) {
	t.Run("setup on the node that owns the CMS", func(t *testing.T) {
		obs := ccr()
		h := newHarness(t, obs)
		h.conf.answers = []answer{run("alice")}
		h.conf.decisions = []decision{choose(runbook.RemedyAbort, "alice")}
		step := setupStep("s1", node1)
		h.mustRun(runbook.RunAborted, nil, step)
		equal(t, "events", trace(h.rec.events), []string{
			"step-confirmed s1 by=alice", "step-failed s1 #1 unsafe-step", "decision s1 abort by=alice"})
		assertGuardFailure(t, h, &obs, step, nil)
	})
	t.Run("setup on the old active node before /upgradecms", func(t *testing.T) {
		// The journal says EXNODE01 owned the CMS when the window began;
		// the CMS has moved to EXNODE02 but still runs SP1.
		before := ccr()
		obs := ccr()
		setOwner(cms, node2)(&obs)
		setOwner("Cluster Group", node1)(&obs)
		obs.Cluster.Group(cms).Build = runbook.BuildSP1
		prog := runbook.Fold([]runbook.Event{{Seq: 1, Time: engine.Stamp(t0), Event: runbook.EvRunStarted, Cluster: &before.Cluster}})
		h := newHarness(t, obs)
		h.conf.answers = []answer{run("alice")}
		h.conf.decisions = []decision{choose(runbook.RemedyAbort, "bob")}
		step := setupStep("s1", node1)
		h.mustRun(runbook.RunAborted, prog, step)
		equal(t, "events", trace(h.rec.events), []string{
			"step-confirmed s1 by=alice", "step-failed s1 #1 upgradecms-skipped", "decision s1 abort by=bob"})
		assertGuardFailure(t, h, &obs, step, map[string]string{cms: node1})
	})
	t.Run("a remedy the refusal does not offer is an abort", func(t *testing.T) {
		h := newHarness(t, ccr())
		h.conf.answers = []answer{run("alice")}
		h.conf.decisions = []decision{choose(runbook.RemedyRetry, "--yes --on-failure retry")}
		h.mustRun(runbook.RunAborted, nil, setupStep("s1", node1))
		equal(t, "events", trace(h.rec.events), []string{
			"step-confirmed s1 by=alice", "step-failed s1 #1 unsafe-step", "decision s1 abort by=--yes --on-failure retry"})
		if len(h.x.sent) != 0 || len(h.x.jobCalls) != 0 {
			t.Errorf("sent %v, job lookups %v", h.x.sent, h.x.jobCalls)
		}
	})
}

func assertGuardFailure(t *testing.T, h *harness, obs *runbook.Observation, step runbook.Step, orig map[string]string) {
	t.Helper()
	if orig == nil {
		orig = map[string]string{cms: obs.Cluster.Group(cms).Owner}
	}
	var ge *runbook.GuardError
	if !errors.As(runbook.Guard(&obs.Cluster, step, opts, orig), &ge) {
		t.Fatal("the guard does not refuse the step")
	}
	failed := find(h.rec.events, runbook.EvStepFailed)
	if len(failed) != 1 {
		t.Fatalf("%d step-failed events", len(failed))
	}
	d := failed[0].Diagnosis
	if d.Code != ge.Code || d.Message != ge.Message {
		t.Errorf("diagnosis %s %q, want the guard's %s %q", d.Code, d.Message, ge.Code, ge.Message)
	}
	if failed[0].Kind != runbook.KindSetupUpgrade || failed[0].Node != node1 || failed[0].Attempt != 1 {
		t.Errorf("failure names %s %s attempt %d", failed[0].Kind, failed[0].Node, failed[0].Attempt)
	}
	if len(h.conf.decided) != 1 || strings.Join(actions(h.conf.decided[0].offered), ",") != "abort" {
		t.Errorf("decisions asked %+v, want one offering only abort", h.conf.decided)
	}
	if len(h.x.sent) != 0 || len(h.x.jobCalls) != 0 || len(find(h.rec.events, runbook.EvStepStarted)) != 0 {
		t.Errorf("a refused step was started: sent %v, job lookups %v", h.x.sent, h.x.jobCalls)
	}
}

func actions(as []runbook.RemedyAction) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

// TestStartRetryAlreadyHolds: the pause went through though the
// connection dropped; the retry re-reads live state and records success
// without sending the command again.
func TestStartRetryAlreadyHolds(t *testing.T) {
	h := newHarness(t, ccr())
	line := runbook.PauseNodeCommand(node2)
	h.x.on(line, cmdScript{err: runbook.ErrConnectionLost, effect: setNode(node2, runbook.NodePaused)})
	h.conf.answers = []answer{run("alice")}
	h.conf.decisions = []decision{choose(runbook.RemedyRetry, "alice")}
	h.mustRun(runbook.RunSucceeded, nil, pauseStep("s1", node2))
	equal(t, "events", trace(h.rec.events), []string{
		"step-confirmed s1 by=alice", "step-started s1 #1", "step-failed s1 #1 connection-lost",
		"decision s1 retry by=alice", "step-succeeded s1 #2 (already holds on re-check)"})
	equal(t, "sent", h.x.runs(), []string{line})
	if len(h.conf.confirmed) != 1 {
		t.Errorf("confirmed %v: a retry is not confirmed again", h.conf.confirmed)
	}
}
