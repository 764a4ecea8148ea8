package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cmsrunbook/runbook"
)

// ready re-reads live state first: a step whose effect already holds (a
// resume, a node upgraded by hand) is skipped rather than run again, and
// so is a conditional step that is not needed. A job recorded as started
// is re-attached to without a new confirmation.
func (e *Engine) ready(ctx context.Context, st *stepRun) (phase, error) {
	s := st.step
	obs, err := e.observe(ctx)
	if recordFailed(err) {
		return phaseDone, err
	}
	if err == nil && st.job == "" && runbook.Holds(s, &obs, e.cfg.Options) {
		return phaseDone, e.skipped(st, say("already holds: %s", s.Post.Text), "")
	}
	if err == nil {
		if reason := e.notNeeded(s, &obs); reason != "" {
			return phaseDone, e.skipped(st, reason, "")
		}
	}
	if st.job != "" {
		return phaseStart, nil // re-attach: nothing new is sent
	}
	if err == nil && st.startedBefore && s.Exec == runbook.ExecReboot && !st.rebootUnderWay(&obs) {
		// The restart may have left just before the crash and be about to
		// take the node down: watch for it before asking to send it again.
		if obs, err = e.awaitSentReboot(ctx, st); recordFailed(err) {
			return phaseDone, err
		}
	}
	if err == nil && st.rebootUnderWay(&obs) {
		st.attempt-- // waiting continues the recorded attempt
		return phaseStart, nil
	}
	return phaseConfirm, nil
}

// confirm asks before anything is sent.
func (e *Engine) confirm(ctx context.Context, st *stepRun) (phase, error) {
	conf, err := e.cfg.Confirmer.Confirm(ctx, st.step)
	if err != nil {
		return phaseDone, err
	}
	switch conf.Answer {
	case AnswerSkip:
		st.skipReason, st.skipBy = say("skipped by %s", conf.By), conf.By
		return phaseSkip, e.decision(st, runbook.RemedySkip, conf.By)
	case AnswerAbort:
		st.status = runbook.RunAborted
		return phaseDone, e.decision(st, runbook.RemedyAbort, conf.By)
	}
	ev := st.base
	ev.Event, ev.By, ev.Typed = runbook.EvStepConfirmed, conf.By, conf.Typed
	return phaseStart, e.emit(ev)
}

// start begins an attempt: it waits for replication before a CMS move is
// retried, re-checks live state (nothing is retried blindly), applies the
// guards, and records what is sent, re-attached to or waited for.
func (e *Engine) start(ctx context.Context, st *stepRun) (phase, error) {
	s := st.step
	st.attempt++
	st.failure, st.exit, st.note, st.waiting, st.observeOnly = nil, nil, "", false, false
	if st.attempt > 1 && st.lastAction == runbook.RemedyRetry && runbook.RetryAwaitsReplication(s) {
		if err := e.waitReplication(ctx, st); err != nil {
			return e.execFailure(st, err) // refused credentials: the diagnosis
		}
	}
	obs, err := e.observe(ctx)
	if err != nil {
		return e.execFailure(st, err)
	}
	e.authRefusals = 0 // the nodes accepted the credentials
	// A retry whose effect has meanwhile appeared succeeds without sending.
	// A job recorded as started is re-attached to instead, so the rest of
	// its log reaches the record and its classifier.
	if st.attempt > 1 && st.job == "" && st.lastAction != runbook.RemedyWait && runbook.Holds(s, &obs, e.cfg.Options) {
		st.note = say("already holds on re-check")
		return phaseDone, e.succeeded(st)
	}
	if g := runbook.Guard(&obs.Cluster, s, e.cfg.Options, e.origOwner); g != nil {
		var ge *runbook.GuardError
		errors.As(g, &ge)
		st.failure = &runbook.Failure{Step: s, Guard: ge}
		return phaseDiagnose, nil
	}
	if blockers := e.gate(st, &obs); len(blockers) > 0 {
		st.failure = &runbook.Failure{Step: s, Gate: blockers}
		return phaseDiagnose, nil
	}
	if s.Exec == runbook.ExecReboot {
		e.rebootProgress(st, &obs)
	}
	st.observeOnly = (s.Exec == runbook.ExecCommands || s.Exec == runbook.ExecJob) && !st.manual && st.job == "" &&
		runbook.CommandTookEffect(s, &obs.Cluster)
	if s.Exec == runbook.ExecJob && !st.manual && st.job != "" {
		// A job recorded before a crash or a drop may never have reached
		// the node: ask it, so the record says truly whether this is a
		// re-attach.
		js, err := e.cfg.Exec.Job(ctx, s.Node, st.job)
		if err != nil {
			return e.execFailure(st, err)
		}
		st.jobStarted = js.Found
	}
	if !st.waiting && st.job == "" || st.before == nil {
		st.before = &obs
		if s.Exec == runbook.ExecReboot && st.waiting {
			// Resumed mid-reboot: "restarted" is measured against the boot
			// recorded before the restart was sent, not against now.
			st.before = withBoot(&obs, s.Node, st.bootBefore)
		}
	}
	if err := e.emit(e.startEvent(st)); err != nil {
		return phaseDone, err
	}
	if s.Outage == runbook.OutageStarts {
		// Stopping the CMS takes users off now; the clock starts with the
		// command, not with the next poll.
		if err := e.outage.set(true, st.base, e.cfg.Clock.Now()); err != nil {
			return phaseDone, err
		}
	}
	return phaseExecute, nil
}

// rebootProgress decides whether a reboot attempt sends the restart or
// only waits: after a "keep waiting" remedy, or when resumed after a crash
// mid-reboot (the node is away, or back with a new boot ID), the shutdown
// was sent already and is not sent again.
func (e *Engine) rebootProgress(st *stepRun, obs *runbook.Observation) {
	f := obs.Fact(st.step.Node)
	st.waiting = st.lastAction == runbook.RemedyWait
	switch {
	case st.bootBefore == "":
		st.bootBefore = f.BootID
	case !st.waiting && (!f.Reachable || runbook.BootChanged(st.bootBefore, f.BootID)):
		st.waiting = true
	}
}

// withBoot is a copy of an observation in which node's boot ID is boot.
func withBoot(obs *runbook.Observation, node, boot string) *runbook.Observation {
	c := *obs
	c.Facts = make(map[string]runbook.NodeFacts, len(obs.Facts))
	for k, v := range obs.Facts {
		c.Facts[k] = v
	}
	f := obs.Fact(node)
	f.BootID = boot
	c.Facts[strings.ToUpper(node)] = f
	return &c
}

// startEvent is the step-started record of this attempt.
func (e *Engine) startEvent(st *stepRun) runbook.Event {
	s := st.step
	cmds := s.Commands
	if st.manual {
		cmds = s.Fallback
	}
	reattach := s.Exec == runbook.ExecJob && !st.manual && st.job != ""
	confirmed := st.jobStarted
	if s.Exec == runbook.ExecJob && !st.manual && st.job == "" && !st.observeOnly {
		// A job ID only for a job this attempt starts: one minted for an
		// attempt that only re-checks would be "started" by the next.
		st.job = fmt.Sprintf("%s-%s-%d", e.cfg.RunID, s.ID, st.attempt)
	}
	ev := st.base
	ev.Event, ev.Attempt, ev.Commands, ev.Manual = runbook.EvStepStarted, st.attempt, cmds, st.manual
	if !st.manual {
		ev.Job = st.job
	}
	if s.Exec == runbook.ExecReboot {
		ev.Boot = st.bootBefore
	}
	switch {
	case st.waiting:
		ev.Commands = nil
		ev.Message = say("waiting longer for %s", s.Node)
	case st.observeOnly:
		ev.Commands = nil
		ev.Message = say("the command went through already (sent before a crash or a drop): re-checking, not sending it again")
	case reattach && confirmed:
		// Same job: nothing is started; the log is read from where the
		// record stops.
		ev.Message = say("re-attaching to job %s on %s (not started again)", st.job, s.Node)
	case reattach:
		// Starting it may have failed after the node took it: it is looked
		// for first and started only if the node has no such job.
		ev.Message = say("looking for job %s on %s; it is started only if the node does not have it", st.job, s.Node)
	}
	return ev
}

// diagnose records the failure with what happened and the remedies. While
// a CMS is down, live state says which, and how users get back in.
func (e *Engine) diagnose(ctx context.Context, st *stepRun) (phase, error) {
	if e.outage.on {
		obs, err := e.observe(ctx)
		if recordFailed(err) {
			return phaseDone, err
		}
		if err == nil {
			e.addWayBack(st, &obs)
		}
	}
	d := runbook.Diagnose(*st.failure)
	if st.failure.Auth {
		e.authRefused(&d)
	}
	st.diag = &d
	ev := st.base
	ev.Event, ev.Diagnosis, ev.Attempt, ev.ExitCode = runbook.EvStepFailed, &d, st.attempt, st.failure.ExitCode
	if err := e.emit(ev); err != nil {
		return phaseDone, err
	}
	return phaseDecide, nil
}

// decide asks for a remedy and records it with who chose it. A remedy
// that sends commands (the manual fallback, mounting databases, a way
// back) is first shown and confirmed like a step, and its decision
// records the exact commands; declined, the remedies are offered again.
// A remedy the diagnosis did not offer is taken as an abort.
func (e *Engine) decide(ctx context.Context, st *stepRun) (phase, error) {
	s := st.step
	d := *st.diag
	dec, err := e.cfg.Confirmer.Decide(ctx, s, d, st.attempt)
	if err != nil {
		return phaseDone, err
	}
	r, ok := remedyOf(d, dec.Action)
	if !ok {
		r = runbook.Remedy{Action: runbook.RemedyAbort}
	}
	ev := st.base
	ev.Event, ev.Choice, ev.By = runbook.EvDecision, string(r.Action), dec.By
	if r.Sends() {
		conf, err := e.cfg.Confirmer.Confirm(ctx, runbook.RemedyStep(s, r))
		if err != nil {
			return phaseDone, err
		}
		if conf.Answer != AnswerRun {
			return phaseDecide, nil // not sent: choose again
		}
		ev.Commands, ev.Typed = r.Commands, conf.Typed
	}
	if again, err := e.reenter(ctx, st, r); err != nil {
		return phaseDone, err
	} else if again {
		return phaseDecide, nil // no password given: choose again
	}
	if err := e.emit(ev); err != nil {
		return phaseDone, err
	}
	st.lastAction = r.Action
	st.manual = r.Action == runbook.RemedyManual
	switch r.Action {
	case runbook.RemedyAbort:
		st.status = runbook.RunAborted
		return phaseDone, nil
	case runbook.RemedySkip:
		st.skipReason, st.skipBy = say("skipped after failure: %s", d.Code), dec.By
		return phaseSkip, nil
	case runbook.RemedyMount:
		return e.runRemedy(ctx, st, r)
	case runbook.RemedyStartCMS, runbook.RemedyMoveBack:
		return e.wayBack(ctx, st, r)
	}
	return phaseStart, nil
}

// skipChosen records the skip a person (or --yes) chose, at the prompt
// or after a failure; the decision before it says who.
func (e *Engine) skipChosen(ctx context.Context, st *stepRun) (phase, error) {
	return phaseDone, e.skipped(st, st.skipReason, st.skipBy)
}

// remedyOf finds the offered remedy for an action.
func remedyOf(d runbook.Diagnosis, a runbook.RemedyAction) (runbook.Remedy, bool) {
	for _, r := range d.Remedies {
		if r.Action == a {
			return r, true
		}
	}
	return runbook.Remedy{}, false
}

func (e *Engine) decision(st *stepRun, a runbook.RemedyAction, by string) error {
	ev := st.base
	ev.Event, ev.Choice, ev.By = runbook.EvDecision, string(a), by
	return e.emit(ev)
}

// skipped records a skip; by is who chose it, "" when the engine skipped
// on its own (the effect already holds, the step is not needed).
func (e *Engine) skipped(st *stepRun, reason, by string) error {
	ev := st.base
	ev.Event, ev.Reason, ev.By = runbook.EvStepSkipped, reason, by
	return e.emit(ev)
}

// succeeded records success.
func (e *Engine) succeeded(st *stepRun) error {
	ev := st.base
	ev.Event, ev.ExitCode, ev.Message, ev.Attempt = runbook.EvStepSucceeded, st.exit, st.note, st.attempt
	return e.emit(ev)
}

// notNeeded says why a conditional step does not run, or "".
func (e *Engine) notNeeded(s runbook.Step, obs *runbook.Observation) string {
	switch s.When {
	case runbook.IfCMSNotOnline:
		if g := obs.Cluster.Group(s.CMS); g != nil && g.State == runbook.GroupOnline {
			return say("%s is already Online", s.CMS)
		}
	case runbook.IfRebootRequired:
		n := obs.Cluster.Node(s.Node)
		if !e.rebootNeeded[strings.ToUpper(s.Node)] && (n == nil || !n.Pending) {
			return say("the install did not ask for a restart")
		}
	}
	return ""
}
