package engine_test

import (
	"strings"
	"testing"
	"time"

	"cmsrunbook/runbook"
)

// upgradeCMSStep is /upgradecms on the node the CMS was moved to.
func upgradeCMSStep(id, node string) runbook.Step {
	return runbook.Step{ID: id, Kind: runbook.KindUpgradeCMS, Node: node, CMS: cms, Shell: runbook.ShellCmd, Exec: runbook.ExecJob,
		Commands: []string{runbook.UpgradeCMSCommand(media)}, Outage: runbook.OutageEnds, Confirm: runbook.ConfirmKey,
		Post: runbook.Post{CMS: cms, CMSState: runbook.GroupOnline, CMSBuild: runbook.BuildSP2.String(), CMSOwner: node, Text: cms + " is Online on " + node}}
}

// TestGateBeforeTheOutage: the stop of a CMS whose handoff path does not
// hold (the target never upgraded, replication unhealthy, the witness
// gone) is refused before anything is sent; the CMS keeps running, and
// the refusal names each cause. A re-check after the fix goes on.
func TestGateBeforeTheOutage(t *testing.T) {
	stop := stopCMSStep("s1")
	move := moveCMSStep("s2", node2)
	cases := []struct {
		name  string
		setup func(*runbook.Observation)
		want  []string
	}{
		{"target not upgraded", func(o *runbook.Observation) {}, []string{"EXNODE02 runs", "upgrade it first"}},
		{"target paused", both(setBuild(node2, runbook.BuildSP2), setNode(node2, runbook.NodePaused)), []string{"EXNODE02 is Paused"}},
		{"setup left its watermark", both(setBuild(node2, runbook.BuildSP2), func(o *runbook.Observation) { o.Cluster.Node(node2).SetupIncomplete = true }),
			[]string{"watermark on EXNODE02"}},
		{"replication unhealthy", both(setBuild(node2, runbook.BuildSP2), func(o *runbook.Observation) {
			o.Cluster.Replication = runbook.Replication{Healthy: false, CopyQueue: 40, ReplayQueue: 3}
		}), []string{"replication is not healthy (copy queue 40, replay queue 3)"}},
		{"witness failed", both(setBuild(node2, runbook.BuildSP2), func(o *runbook.Observation) {
			o.Cluster.Quorum = runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessFailed}
		}), []string{"quorum:"}},
		{"not a possible owner", both(setBuild(node2, runbook.BuildSP2), func(o *runbook.Observation) {
			o.Cluster.Group(cms).PossibleOwners = []string{node1}
		}), []string{"not a possible owner"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obs := ccr()
			tc.setup(&obs)
			h := newHarness(t, obs)
			h.conf.answers = []answer{typed("alice", cms)}
			h.conf.decisions = []decision{choose(runbook.RemedyAbort, "alice")}
			h.mustRun(runbook.RunAborted, nil, stop, move)
			equal(t, "events", trace(h.rec.events), []string{"step-confirmed s1 by=alice typed=EXCMS01",
				"step-failed s1 #1 handoff-not-ready", "decision s1 abort by=alice"})
			if len(h.x.sent) != 0 {
				t.Errorf("sent %v before the gate held", h.x.runs())
			}
			d := find(h.rec.events, runbook.EvStepFailed)[0].Diagnosis
			for _, w := range tc.want {
				if !strings.Contains(d.Message, w) {
					t.Errorf("diagnosis %q lacks %q", d.Message, w)
				}
			}
			if !strings.Contains(d.Why, "still runs") {
				t.Errorf("the refusal does not say the CMS still runs: %q", d.Why)
			}
			equal(t, "remedies", remedyActions(d.Remedies), []string{"retry", "abort"})
		})
	}

	t.Run("fixed, then re-checked", func(t *testing.T) {
		obs := ccr()
		setBuild(node2, runbook.BuildSP2)(&obs)
		obs.Cluster.Replication = runbook.Replication{Healthy: false, CopyQueue: 40}
		h := newHarness(t, obs)
		h.x.on(stop.Commands[0], cmdScript{effect: setGroup(cms, runbook.GroupOffline)})
		h.x.on(move.Commands[0], cmdScript{effect: setOwner(cms, node2)})
		h.conf.answers = []answer{typed("alice", cms), run("alice")}
		h.conf.decisions = []decision{{dec: choose(runbook.RemedyRetry, "alice").dec, then: func() {
			h.x.apply(func(o *runbook.Observation) { o.Cluster.Replication = runbook.Replication{Healthy: true} }, 0)
		}}}
		h.mustRun(runbook.RunSucceeded, nil, stop, move)
		equal(t, "sent", h.x.runs(), []string{stop.Commands[0], move.Commands[0]})
	})
}

// TestWayBack: after the stop, a failure offers the way back first: start
// the CMS where it is (its node still runs its build), or move it back
// when /upgradecms failed on the new node. The way back is confirmed like
// a step (typed name), recorded with its commands and who chose it, and
// the window stops with users back; abort says the CMS stays down.
func TestWayBack(t *testing.T) {
	t.Run("move refused: start it where it is", func(t *testing.T) {
		obs := ccr()
		setGroup(cms, runbook.GroupOffline)(&obs)
		setBuild(node2, runbook.BuildSP2)(&obs)
		h := newHarness(t, obs)
		step := moveCMSStep("s1", node2)
		start := runbook.StartCMSCommand(cms)
		h.x.on(step.Commands[0], cmdScript{exit: 1, out: []string{"refused"}})
		h.x.on(start, cmdScript{effect: setGroup(cms, runbook.GroupOnline)})
		h.conf.answers = []answer{run("alice"), typed("alice", cms)}
		h.conf.decisions = []decision{choose(runbook.RemedyStartCMS, "alice")}
		h.mustRun(runbook.RunAborted, nil, step)
		d := find(h.rec.events, runbook.EvStepFailed)[0].Diagnosis
		if !strings.HasPrefix(d.Why, "EXCMS01 IS DOWN") {
			t.Errorf("why %q", d.Why)
		}
		equal(t, "remedies", remedyActions(d.Remedies), []string{"start", "retry", "manual", "abort"})
		if ab := d.Remedies[3]; !strings.Contains(ab.Label, "STAYS DOWN") || ab.Command != start {
			t.Errorf("abort %+v", ab)
		}
		dec := find(h.rec.events, runbook.EvDecision)[0]
		if dec.Choice != "start" || dec.By != "alice" || dec.Typed != cms || strings.Join(dec.Commands, "|") != start {
			t.Errorf("decision %+v", dec)
		}
		equal(t, "sent", h.x.runs(), []string{step.Commands[0], start})
		if len(h.conf.confirmed) != 2 || h.conf.confirmed[1] != "s1" {
			t.Errorf("the way back was not confirmed like a step: %v", h.conf.confirmed)
		}
		if ends := find(h.rec.events, runbook.EvOutageEnded); len(ends) != 1 {
			t.Errorf("outage not ended: %v", trace(h.rec.events))
		}
		if out := outputs(h.rec.events); !strings.Contains(out[len(out)-1], "users are back") {
			t.Errorf("last output %q", out[len(out)-1])
		}
	})

	t.Run("/upgradecms failed on the new node: move it back", func(t *testing.T) {
		obs := ccr()
		setBuild(node2, runbook.BuildSP2)(&obs)
		setOwner(cms, node2)(&obs)
		setGroup(cms, runbook.GroupOffline)(&obs)
		obs.Cluster.Group(cms).Build = runbook.BuildSP1
		h := newHarness(t, obs)
		up := upgradeCMSStep("s1", node2)
		h.x.onJob(up.Commands[0], jobScript{log: setupFailed, exit: 1603})
		back := runbook.MoveCMSCommand(cms, node1, "cmsrunbook: way back after a failure")
		start := runbook.StartCMSCommand(cms)
		h.x.on(back, cmdScript{effect: setOwner(cms, node1)})
		h.x.on(start, cmdScript{effect: setGroup(cms, runbook.GroupOnline)})
		h.conf.answers = []answer{run("alice"), typed("alice", cms)}
		h.conf.decisions = []decision{choose(runbook.RemedyMoveBack, "alice")}
		h.mustRun(runbook.RunAborted, runbook.Fold([]runbook.Event{{Seq: 1, Event: runbook.EvRunStarted, Cluster: &ccrCluster}}), up)
		d := find(h.rec.events, runbook.EvStepFailed)[0].Diagnosis
		if d.Code != runbook.DiagSetupFailed || d.Remedies[0].Action != runbook.RemedyMoveBack {
			t.Errorf("diagnosis %s remedies %v", d.Code, remedyActions(d.Remedies))
		}
		equal(t, "sent", h.x.runs(), []string{back, start})
	})

	t.Run("declined way back is not sent: the remedies come again", func(t *testing.T) {
		obs := ccr()
		setGroup(cms, runbook.GroupOffline)(&obs)
		setBuild(node2, runbook.BuildSP2)(&obs)
		h := newHarness(t, obs)
		step := moveCMSStep("s1", node2)
		h.x.on(step.Commands[0], cmdScript{exit: 1})
		h.conf.answers = []answer{run("alice"), abort("alice")}
		h.conf.decisions = []decision{choose(runbook.RemedyStartCMS, "alice"), choose(runbook.RemedyAbort, "alice")}
		h.mustRun(runbook.RunAborted, nil, step)
		equal(t, "sent", h.x.runs(), []string{step.Commands[0]})
		decs := find(h.rec.events, runbook.EvDecision)
		if len(decs) != 1 || decs[0].Choice != "abort" {
			t.Errorf("decisions %v", trace(decs))
		}
	})
}

// ccrCluster is the fake cluster as the window found it (EXCMS01 on EXNODE01).
var ccrCluster = ccr().Cluster

// TestLateFailureSeenFast: a CMS that comes back Partially Online after
// /upgradecms fails within the late-failure grace, not after the verify
// timeout, as cms-databases-dismounted with the mount remedy.
func TestLateFailureSeenFast(t *testing.T) {
	obs := ccr()
	setBuild(node2, runbook.BuildSP2)(&obs)
	setOwner(cms, node2)(&obs)
	setGroup(cms, runbook.GroupOffline)(&obs)
	h := newHarness(t, obs)
	h.cfg.VerifyTimeout = 10 * time.Minute
	up := upgradeCMSStep("s1", node2)
	h.x.onJob(up.Commands[0], jobScript{log: setupOK, effect: func(o *runbook.Observation) {
		g := o.Cluster.Group(cms)
		g.Build, g.State = runbook.BuildSP2, runbook.GroupPartiallyOnline
	}})
	h.conf.answers = []answer{run("alice")}
	h.conf.decisions = []decision{choose(runbook.RemedyAbort, "alice")}
	h.mustRun(runbook.RunAborted, nil, up)
	d := find(h.rec.events, runbook.EvStepFailed)[0].Diagnosis
	if d.Code != runbook.DiagDatabasesDismounted || d.Remedies[0].Action != runbook.RemedyMount {
		t.Errorf("diagnosis %s %v", d.Code, remedyActions(d.Remedies))
	}
	if took := h.clk.now.Sub(t0); took > 2*time.Minute {
		t.Errorf("the late failure took %s to diagnose", took)
	}
}

// TestResumeAfterWayBackRedoesTheOutage: users were brought back after a
// refused move; a resume stops the CMS again (gate first, typed) and moves
// it, instead of moving a running CMS.
func TestResumeAfterWayBackRedoesTheOutage(t *testing.T) {
	stop, move := stopCMSStep("s1"), moveCMSStep("s2", node2)
	prog := runbook.Fold([]runbook.Event{
		{Seq: 1, Event: runbook.EvRunStarted, Cluster: &ccrCluster, Plan: []runbook.Step{stop, move}},
		{Seq: 2, Event: runbook.EvStepConfirmed, Step: "s1", By: "alice", Typed: cms},
		{Seq: 3, Event: runbook.EvStepStarted, Step: "s1", Attempt: 1},
		{Seq: 4, Event: runbook.EvOutageStarted, Step: "s1"},
		{Seq: 5, Event: runbook.EvStepSucceeded, Step: "s1", Attempt: 1},
		{Seq: 6, Event: runbook.EvStepConfirmed, Step: "s2", By: "alice"},
		{Seq: 7, Event: runbook.EvStepStarted, Step: "s2", Attempt: 1},
		{Seq: 8, Event: runbook.EvStepFailed, Step: "s2", Attempt: 1},
		{Seq: 9, Event: runbook.EvDecision, Step: "s2", Choice: "start", By: "alice", Commands: []string{runbook.StartCMSCommand(cms)}},
		{Seq: 10, Event: runbook.EvOutageEnded, Step: "s2"},
		{Seq: 11, Event: runbook.EvRunFinished, Status: runbook.RunAborted},
		{Seq: 12, Event: runbook.EvRunResumed},
	})
	obs := ccr()
	setBuild(node2, runbook.BuildSP2)(&obs)
	h := newHarness(t, obs)
	h.x.on(stop.Commands[0], cmdScript{effect: setGroup(cms, runbook.GroupOffline)})
	h.x.on(move.Commands[0], cmdScript{effect: setOwner(cms, node2)})
	h.conf.answers = []answer{typed("bob", cms), run("bob")}
	h.mustRun(runbook.RunSucceeded, prog, stop, move)
	equal(t, "sent", h.x.runs(), []string{stop.Commands[0], move.Commands[0]})
	if prog.IsFinished() {
		t.Error("a resumed run still folds as finished")
	}
}

// remedyActions lists the actions of a diagnosis's remedies.
func remedyActions(rs []runbook.Remedy) []string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r.Action))
	}
	return out
}
