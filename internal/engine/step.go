package engine

import (
	"context"

	"cmsrunbook/runbook"
)

// phase is where a step is in its life. Each phase function does its work
// and names the next phase; moving on is recorded by exactly one event.
type phase int

const (
	// phaseReady re-reads live state: a step whose effect already holds,
	// or a conditional step not needed, is skipped (step-skipped).
	phaseReady phase = iota
	// phaseConfirm asks the person or --yes (step-confirmed; a skip is
	// step-skipped, an abort a decision).
	phaseConfirm
	// phaseStart checks the guards and records what is sent, re-attached
	// to or waited for (step-started).
	phaseStart
	// phaseExecute carries the step out by its Exec mode: nothing (a
	// check), short commands, a detached job, or a reboot.
	phaseExecute
	// phaseVerify polls live state until the postcondition holds
	// (step-succeeded).
	phaseVerify
	// phaseDiagnose explains the failure (step-failed).
	phaseDiagnose
	// phaseDecide asks for a remedy (decision) and carries it out.
	phaseDecide
	// phaseSkip records a skip a person chose at the prompt or after a
	// failure (step-skipped; the decision before it says who).
	phaseSkip
	phaseDone
)

var phaseNames = [...]string{"ready-check", "confirm", "start", "execute", "verify", "diagnose", "decide", "skip", "done"}

func (p phase) String() string { return phaseNames[p] }

// stepRun is the engine's working state for one step.
type stepRun struct {
	step runbook.Step
	base runbook.Event
	// job is the detached job being run or re-attached to; offset is how
	// much of its log the record already holds.
	job     string
	offset  int64
	attempt int
	// before is live state before the step's commands were sent, for
	// postconditions that compare (a build that must go up).
	before *runbook.Observation
	output []string
	// manual: this attempt runs the manual fallback.
	manual bool
	// waiting: this attempt only waits (a reboot already sent).
	waiting bool
	// bootBefore is the node's boot ID before a reboot step was first
	// started; set from the journal on resume.
	bootBefore string
	// lastAction is the remedy chosen after the previous attempt.
	lastAction runbook.RemedyAction
	// failure is what went wrong in the current attempt, for diagnose;
	// diag is its diagnosis, for decide.
	failure *runbook.Failure
	diag    *runbook.Diagnosis
	// skipReason and skipBy are why a chosen skip happens and who chose
	// it, for the skip phase.
	skipReason, skipBy string
	// exit is the exit code a successful job records (3010: installed,
	// restart required), if any.
	exit *int
	// jobStarted: the node is known to have the job (it was started, or
	// the record says it was), so a re-attach is one.
	jobStarted bool
	// startedBefore: the record shows this step started before a resume.
	startedBefore bool
	// observeOnly: the command visibly went through already; this attempt
	// re-checks it and sends nothing.
	observeOnly bool
	// note goes with the success event ("already holds on re-check").
	note string
	// status ends the run when set (an abort).
	status runbook.RunStatus
}

// newStepRun starts a step from what the record says of it: a job still
// recorded as started is re-attached to, a reboot's boot ID is kept.
func newStepRun(s runbook.Step, sp runbook.StepProgress) *stepRun {
	st := &stepRun{step: s, base: runbook.Event{Step: s.ID, Kind: s.Kind, Node: s.Node},
		attempt: sp.Attempts, bootBefore: sp.Boot, lastAction: sp.LastChoice()}
	st.startedBefore = sp.Status == runbook.StepStarted
	if sp.Job != "" && (st.startedBefore || jobMayRun(sp)) {
		// A job started before the crash may still run on the node,
		// whatever the record says of the step since: it is looked for and
		// re-attached to, never started again.
		st.job, st.offset, st.jobStarted = sp.Job, sp.Offset, true
		st.attempt-- // re-attaching continues the recorded attempt
	}
	if sp.Status == runbook.StepFailed && sp.Diagnosis != nil && sp.Diagnosis.Code == runbook.DiagCMSMoveFailed && st.lastAction == "" {
		// A refused move is retried only once replication has recovered.
		st.lastAction = runbook.RemedyRetry
	}
	return st
}

// jobMayRun: the step's job ended its attempt on a dropped connection or
// refused credentials, not by finishing: it may still be running.
func jobMayRun(sp runbook.StepProgress) bool {
	if sp.Status != runbook.StepFailed && sp.Status != runbook.StepConfirmed || sp.Diagnosis == nil {
		return false
	}
	c := sp.Diagnosis.Code
	return c == runbook.DiagConnectionLost || c == runbook.DiagAuthFailed
}

// rebootUnderWay: resumed with a reboot recorded as started whose node is
// away or already back with a new boot ID, so the restart was sent and
// was confirmed before the crash; the resume only waits.
func (st *stepRun) rebootUnderWay(obs *runbook.Observation) bool {
	if st.step.Exec != runbook.ExecReboot || !st.startedBefore || st.bootBefore == "" {
		return false
	}
	f := obs.Fact(st.step.Node)
	return !f.Reachable || runbook.BootChanged(st.bootBefore, f.BootID)
}

// runStep takes one step through its phases to success, skip or abort.
// A non-empty status ends the run.
func (e *Engine) runStep(ctx context.Context, st *stepRun) (runbook.RunStatus, error) {
	e.outage.current = st.base
	for ph := phaseReady; ph != phaseDone; {
		next, err := e.phaseFunc(ph)(ctx, st)
		if err != nil {
			return "", err
		}
		ph = next
	}
	return st.status, nil
}

func (e *Engine) phaseFunc(p phase) func(context.Context, *stepRun) (phase, error) {
	switch p {
	case phaseReady:
		return e.ready
	case phaseConfirm:
		return e.confirm
	case phaseStart:
		return e.start
	case phaseExecute:
		return e.execute
	case phaseVerify:
		return e.verify
	case phaseDiagnose:
		return e.diagnose
	case phaseDecide:
		return e.decide
	case phaseSkip:
		return e.skipChosen
	}
	panic("engine: no phase " + p.String())
}
