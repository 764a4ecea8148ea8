// Package engine runs a plan step by step through an Executor. Each step
// goes through explicit phases:
//
//	ready-check -> confirm -> start -> execute -> verify -> (succeeded)
//	                                      \          \
//	                                       +-> diagnose -> decide -> start again | skipped | aborted
//
// and every transition is exactly one journal event (step-skipped,
// step-confirmed, step-started, step-succeeded, step-failed, decision), so
// the journal, the screen and the change record, all folded by
// runbook.RunProgress, cannot disagree about what happened. How a step is
// executed (check only, commands, a detached job, a reboot) is data the
// planner set on the step (runbook.Step.Exec). The engine never draws and
// never writes files: it emits events, and whoever runs it (the session)
// journals and shows them.
package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cmsrunbook/runbook"
)

// Answer is what a person (or --yes) says to a step.
type Answer int

const (
	AnswerRun Answer = iota
	AnswerSkip
	AnswerAbort
)

// Confirmation is the answer to a step, with who gave it.
type Confirmation struct {
	Answer Answer
	By     string // operator name, or "--yes"
	Typed  string // the CMS name typed for a typed step
}

// Decision is a remedy chosen after a failure, with who chose it (the
// operator's name, or "--yes --on-failure retry").
type Decision struct {
	Action runbook.RemedyAction
	By     string
}

// Confirmer is how the engine asks: the TUI asks a person, the headless
// mode answers from its flags or reads a line.
type Confirmer interface {
	// Confirm is asked before every step that sends a command.
	Confirm(ctx context.Context, s runbook.Step) (Confirmation, error)
	// Decide picks a remedy after a failure; attempt counts from 1. The
	// decision says who chose it: the journal records every decision
	// with its author.
	Decide(ctx context.Context, s runbook.Step, d runbook.Diagnosis, attempt int) (Decision, error)
}

// Config wires an engine.
type Config struct {
	Exec      Executor
	Clock     Clock
	Confirmer Confirmer
	// Emit receives every event in order; its error (the journal could
	// not be written) stops the run: a window without a record is not
	// allowed to go on.
	Emit func(runbook.Event) error
	// RunID names detached jobs so a resume finds them again.
	RunID   string
	Options runbook.Options
	// Observed, when set, receives every live state the engine reads, so a
	// screen can show the topology change the moment it happens without
	// ever talking to a node itself.
	Observed      func(runbook.Observation)
	RebootTimeout time.Duration // default 20 minutes
	PollInterval  time.Duration // default 5 seconds
	VerifyTimeout time.Duration // how long a postcondition may take to appear; default 5 minutes
	// Reenter, when set, asks the person for a new password after the
	// nodes refused one and hands it to the executor (the engine never
	// sees it). attempt counts the tries with refusals so far, of at
	// most max. ErrNoPassword from it means none was given: the remedies
	// are offered again. Without it, the auth remedy retries with the
	// same password.
	Reenter func(ctx context.Context, attempt, max int) error
}

// Engine runs one plan.
type Engine struct {
	cfg       Config
	origOwner map[string]string
	// rebootNeeded: an install asked for a restart (3010/1641 or the text).
	rebootNeeded map[string]bool
	outage       outageClock
	// steps is the plan being run, for what a step needs of the steps
	// after it (the target of a stop's handoff).
	steps []runbook.Step
	// authRefusals counts the credentials refused since the nodes last
	// accepted them (authRemedies).
	authRefusals int
}

// The engine's default limits (Config.RebootTimeout, VerifyTimeout), for
// the screen to say how long a running step may take.
const (
	DefaultRebootTimeout = 20 * time.Minute
	DefaultVerifyTimeout = 5 * time.Minute
)

// New makes an engine.
func New(cfg Config) *Engine {
	if cfg.RebootTimeout <= 0 {
		cfg.RebootTimeout = DefaultRebootTimeout
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 5 * time.Second
	}
	if cfg.VerifyTimeout <= 0 {
		cfg.VerifyTimeout = DefaultVerifyTimeout
	}
	e := &Engine{cfg: cfg, origOwner: map[string]string{}, rebootNeeded: map[string]bool{}}
	e.outage = outageClock{clock: cfg.Clock, emit: e.emit}
	return e
}

// ErrAborted is returned when a person or --on-failure chose to stop.
var ErrAborted = errors.New("run aborted")

func (e *Engine) emit(ev runbook.Event) error {
	if ev.Time == "" {
		ev.Time = Stamp(e.cfg.Clock.Now())
	}
	if err := e.cfg.Emit(ev); err != nil {
		return fmt.Errorf("recording %s: %w", ev.Event, err)
	}
	return nil
}

// Stamp formats an event time: RFC 3339 in UTC with milliseconds. Every
// event of a run, the engine's and the session's, is stamped by it.
func Stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// Run executes the plan from the first step the record does not show as
// done. prog is the journal folded so far (nil or empty for a new run):
// a resume continues from it, re-attaching to detached jobs still
// recorded as started and waiting for reboots already sent. It returns
// the run's final status; an error means the run could not continue (the
// context ended, the journal failed).
func (e *Engine) Run(ctx context.Context, plan *runbook.Plan, prog *runbook.RunProgress) (runbook.RunStatus, error) {
	if prog == nil {
		prog = runbook.NewRunProgress()
	}
	plan.FillExec()
	e.steps = plan.Steps
	redo := redoAfterWayBack(plan, prog)
	for k, v := range prog.OrigOwners() {
		e.origOwner[k] = v
	}
	e.outage.on = prog.OutageOpen
	if n := len(prog.Outages); prog.OutageOpen && n > 0 {
		// Resumed inside the outage: it is measured from when it began.
		e.outage.since, _ = time.Parse(time.RFC3339Nano, prog.Outages[n-1].Start)
	}
	if len(e.origOwner) == 0 {
		if obs, err := e.cfg.Exec.Observe(ctx); err == nil {
			for _, g := range obs.Cluster.CMSs() {
				e.origOwner[strings.ToUpper(g.Name)] = g.Owner
			}
		}
	}
	for _, s := range plan.Steps {
		sp := prog.Step(s.ID)
		if s.Exec == runbook.ExecJob && sp.Status == runbook.StepSucceeded && sp.ExitCode != nil &&
			(*sp.ExitCode == 3010 || *sp.ExitCode == 1641) {
			// An install before the crash asked for a restart: the
			// conditional reboot after it still runs.
			e.rebootNeeded[strings.ToUpper(s.Node)] = true
		}
		if sp.Status.Done() && !redo[s.ID] {
			continue
		}
		if redo[s.ID] {
			sp = runbook.StepProgress{ID: s.ID, Status: runbook.StepNotRun}
		}
		st := newStepRun(s, sp)
		status, err := e.runStep(ctx, st)
		if err != nil {
			return runbook.RunFailed, err
		}
		if status != "" {
			return status, nil
		}
	}
	return runbook.RunSucceeded, nil
}

// redoAfterWayBack lists the done steps of an outage that a way back
// undid: when users were brought back (the CMS started where it was, or
// moved back) after its stop, and its /upgradecms has not succeeded since,
// the stop and the move are done again on resume, gate first.
func redoAfterWayBack(plan *runbook.Plan, prog *runbook.RunProgress) map[string]bool {
	back := map[string]int64{} // CMS -> seq of the latest way back
	for _, s := range plan.Steps {
		for _, d := range prog.Step(s.ID).Decisions {
			if a := runbook.RemedyAction(d.Choice); (a == runbook.RemedyStartCMS || a == runbook.RemedyMoveBack) && s.CMS != "" {
				back[strings.ToUpper(s.CMS)] = max(back[strings.ToUpper(s.CMS)], d.Seq)
			}
		}
	}
	redo := map[string]bool{}
	for _, s := range plan.Steps {
		seq, ok := back[strings.ToUpper(s.CMS)]
		if !ok || (s.Kind != runbook.KindStopCMS && s.Kind != runbook.KindMoveCMS) {
			continue
		}
		if sp := prog.Step(s.ID); sp.Status.Done() && sp.EndedSeq < seq {
			redo[s.ID] = true
		}
	}
	return redo
}
