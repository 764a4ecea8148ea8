package engine_test

import (
	"testing"

	"cmsrunbook/runbook"
)

// TestResumeReattachesAfterADrop: the connection dropped during Setup, the
// step was recorded failed (connection-lost) and the runbook died at the
// remedy prompt. The resume finds the job still running on the node and
// re-attaches to it: Setup is never started a second time.
func TestResumeReattachesAfterADrop(t *testing.T) {
	step := setupStep("s1", node2)
	prog := runbook.Fold([]runbook.Event{
		{Seq: 1, Event: runbook.EvStepConfirmed, Step: "s1", By: "alice"},
		{Seq: 2, Event: runbook.EvStepStarted, Step: "s1", Attempt: 1, Job: "run1-s1-1", Commands: step.Commands},
		{Seq: 3, Event: runbook.EvOutput, Step: "s1", Text: setupOK[0], Offset: int64(len(setupOK[0]) + 2)},
		{Seq: 4, Event: runbook.EvStepFailed, Step: "s1", Attempt: 1, Diagnosis: &runbook.Diagnosis{Code: runbook.DiagConnectionLost}},
	})
	h := newHarness(t, ccr())
	h.x.seedJob("run1-s1-1", node2, setupOK, 0, false, setBuild(node2, runbook.BuildSP2))
	h.mustRun(runbook.RunSucceeded, prog, step)
	if len(h.x.starts()) != 0 {
		t.Errorf("Setup started again: %v", h.x.starts())
	}
	if len(h.conf.confirmed) != 0 {
		t.Errorf("a re-attach was confirmed again: %v", h.conf.confirmed)
	}
	equal(t, "events", trace(h.rec.events), []string{"step-started s1 #1", "step-succeeded s1 #1"})
}

// TestResumeReobservesASentMove: the handoff went through before the
// crash but the CMS came up Partially Online; the resume does not send the
// move again, it re-checks and offers the mount.
func TestResumeReobservesASentMove(t *testing.T) {
	step := handoffStep("s1", node2)
	prog := runbook.Fold([]runbook.Event{
		{Seq: 1, Event: runbook.EvStepConfirmed, Step: "s1", By: "alice", Typed: cms},
		{Seq: 2, Event: runbook.EvStepStarted, Step: "s1", Attempt: 1, Commands: step.Commands},
	})
	obs := ccr()
	setBuild(node2, runbook.BuildSP2)(&obs)
	setOwner(cms, node2)(&obs)
	setGroup(cms, runbook.GroupPartiallyOnline)(&obs)
	h := newHarness(t, obs)
	h.conf.answers = []answer{typed("bob", cms)}
	h.conf.decisions = []decision{choose(runbook.RemedyAbort, "bob")}
	h.mustRun(runbook.RunAborted, prog, step)
	if len(h.x.sent) != 0 {
		t.Errorf("sent again: %v", h.x.runs())
	}
	ev := find(h.rec.events, runbook.EvStepStarted)[0]
	if ev.Commands != nil || ev.Message == "" {
		t.Errorf("step-started %+v", ev)
	}
	if d := find(h.rec.events, runbook.EvStepFailed)[0].Diagnosis; d.Code != runbook.DiagDatabasesDismounted {
		t.Errorf("diagnosis %s", d.Code)
	}
}

// TestResumeOfARefusedMoveWaitsForReplication: a move refused before the
// crash is retried on resume only once replication has recovered.
func TestResumeOfARefusedMoveWaitsForReplication(t *testing.T) {
	step := moveCMSStep("s1", node2)
	prog := runbook.Fold([]runbook.Event{
		{Seq: 1, Event: runbook.EvStepConfirmed, Step: "s1", By: "alice"},
		{Seq: 2, Event: runbook.EvStepStarted, Step: "s1", Attempt: 1, Commands: step.Commands},
		{Seq: 3, Event: runbook.EvStepFailed, Step: "s1", Attempt: 1, Diagnosis: &runbook.Diagnosis{Code: runbook.DiagCMSMoveFailed}},
	})
	obs := ccr()
	setGroup(cms, runbook.GroupOffline)(&obs)
	setBuild(node2, runbook.BuildSP2)(&obs)
	obs.Cluster.Replication = runbook.Replication{Healthy: false, CopyQueue: 30}
	h := newHarness(t, obs)
	h.x.after(6, func(o *runbook.Observation) { o.Cluster.Replication = runbook.Replication{Healthy: true} })
	h.x.on(step.Commands[0], cmdScript{effect: setOwner(cms, node2)})
	h.conf.answers = []answer{run("bob")}
	h.mustRun(runbook.RunSucceeded, prog, step)
	out := outputs(h.rec.events)
	if len(out) == 0 || out[0] != "waiting for replication: copy queue 30, replay queue 0" {
		t.Errorf("no wait for replication before the resumed move: %v", out)
	}
}
