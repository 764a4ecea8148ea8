// Package engine runs a plan step by step through an Executor: it asks for
// confirmation, executes, streams output, verifies each postcondition
// against live state, diagnoses failures and carries out the chosen remedy,
// emitting an event for everything it does. It never draws: the TUI, the
// headless printer and the journal all consume its events.
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

// Confirmer is how the engine asks: the TUI asks a person, the headless
// mode answers from its flags.
type Confirmer interface {
	// Confirm is asked before every step that sends a command.
	Confirm(ctx context.Context, s runbook.Step) (Confirmation, error)
	// Decide picks a remedy after a failure; attempt counts from 1. The
	// decision says who chose it: the journal records every decision
	// with its author.
	Decide(ctx context.Context, s runbook.Step, d runbook.Diagnosis, attempt int) (Decision, error)
}

// Decision is a remedy chosen after a failure, with who chose it (the
// operator's name, or "--yes --on-failure retry").
type Decision struct {
	Action runbook.RemedyAction
	By     string
}

// Config wires an engine.
type Config struct {
	Exec      Executor
	Clock     Clock
	Confirmer Confirmer
	// Emit receives every event in order; the journal's write error stops
	// the run (a window without a record is not allowed to go on).
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
}

// Engine runs one plan.
type Engine struct {
	cfg       Config
	origOwner map[string]string
	// rebootNeeded: an install asked for a restart (3010/1641 or the text).
	rebootNeeded map[string]bool
	outageStart  time.Time
	inOutage     bool
	// current names the step being run, for events the engine emits on
	// its own (the outage clock).
	current runbook.Event
}

// New makes an engine.
func New(cfg Config) *Engine {
	if cfg.RebootTimeout <= 0 {
		cfg.RebootTimeout = 20 * time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 5 * time.Second
	}
	if cfg.VerifyTimeout <= 0 {
		cfg.VerifyTimeout = 5 * time.Minute
	}
	return &Engine{cfg: cfg, origOwner: map[string]string{}, rebootNeeded: map[string]bool{}}
}

// Progress is what an earlier attempt at this run left behind (from the
// journal on resume): which steps are finished and which jobs exist.
type Progress struct {
	Done       map[string]bool   // step IDs that succeeded or were skipped
	Jobs       map[string]string // step ID -> detached job ID already started
	Offsets    map[string]int64  // step ID -> log bytes already journaled
	Attempts   map[string]int    // step ID -> attempts already made
	OrigOwners map[string]string // CMS (upper case) -> owner when the window began
	Boots      map[string]string // reboot step ID -> the node's boot ID before it
	InOutage   bool
}

// ErrAborted is returned when a person or --on-failure chose to stop.
var ErrAborted = errors.New("run aborted")

func (e *Engine) emit(ev runbook.Event) error {
	if ev.Time == "" {
		ev.Time = stamp(e.cfg.Clock.Now())
	}
	if err := e.cfg.Emit(ev); err != nil {
		return fmt.Errorf("recording %s: %w", ev.Event, err)
	}
	return nil
}

// stamp formats an event time: RFC 3339 in UTC with milliseconds.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

// Run executes the plan from the first step not yet done. It returns the
// run's final status; an error means the run could not continue (the
// context ended, the journal failed).
func (e *Engine) Run(ctx context.Context, plan *runbook.Plan, prog Progress) (runbook.RunStatus, error) {
	for k, v := range prog.OrigOwners {
		e.origOwner[k] = v
	}
	e.inOutage = prog.InOutage
	if len(e.origOwner) == 0 {
		obs, err := e.observe(ctx)
		if err == nil {
			for _, g := range obs.Cluster.CMSs() {
				e.origOwner[strings.ToUpper(g.Name)] = g.Owner
			}
		}
	}
	for _, s := range plan.Steps {
		if prog.Done[s.ID] {
			continue
		}
		st := stepRun{step: s, job: prog.Jobs[s.ID], offset: prog.Offsets[s.ID], attempt: prog.Attempts[s.ID], bootBefore: prog.Boots[s.ID]}
		status, err := e.runStep(ctx, &st)
		if err != nil {
			return runbook.RunFailed, err
		}
		if status != "" {
			return status, nil
		}
	}
	return runbook.RunSucceeded, nil
}

// OrigOwners is the CMS -> first owner map the guards need (for the
// journal's run-started event, so a resume keeps it).
func (e *Engine) OrigOwners() map[string]string { return e.origOwner }

// stepRun is the engine's working state for one step.
type stepRun struct {
	step    runbook.Step
	job     string
	offset  int64
	attempt int
	before  *runbook.Observation
	output  []string
	manual  bool
	// bootBefore is the node's boot ID before a reboot step was first
	// started; set from the journal on resume.
	bootBefore string
	// lastAction is the remedy chosen after the previous attempt.
	lastAction runbook.RemedyAction
}

// runStep takes one step from confirmation to success, skip or abort.
// A non-empty status ends the run.
func (e *Engine) runStep(ctx context.Context, st *stepRun) (runbook.RunStatus, error) {
	s := st.step
	base := runbook.Event{Step: s.ID, Kind: s.Kind, Node: s.Node}
	e.current = base

	// Re-read live state first: a step whose effect already holds (a
	// resume, a retry after a late success, a node upgraded by hand) is
	// skipped rather than run again.
	obs, err := e.observe(ctx)
	if err == nil && st.job == "" && runbook.Holds(s, &obs, e.cfg.Options) {
		return "", e.skip(base, "already holds: "+s.Post.Text)
	}
	if err == nil {
		if reason := e.notNeeded(s, &obs); reason != "" {
			return "", e.skip(base, reason)
		}
	}

	if st.job == "" { // a re-attach after a crash needs no new confirmation
		conf, err := e.cfg.Confirmer.Confirm(ctx, s)
		if err != nil {
			return "", err
		}
		switch conf.Answer {
		case AnswerSkip:
			ev := base
			ev.Event, ev.Choice, ev.By = runbook.EvDecision, string(runbook.RemedySkip), conf.By
			if err := e.emit(ev); err != nil {
				return "", err
			}
			return "", e.skip(base, "skipped by "+conf.By)
		case AnswerAbort:
			return runbook.RunAborted, e.decision(base, runbook.RemedyAbort, conf.By)
		}
		ev := base
		ev.Event, ev.By, ev.Typed = runbook.EvStepConfirmed, conf.By, conf.Typed
		if err := e.emit(ev); err != nil {
			return "", err
		}
	}

	for {
		st.attempt++
		failure, err := e.attempt(ctx, st)
		if err != nil {
			return "", err
		}
		if failure == nil {
			return "", nil
		}
		d := runbook.Diagnose(*failure)
		ev := base
		ev.Event, ev.Diagnosis, ev.Attempt = runbook.EvStepFailed, &d, st.attempt
		if failure.ExitCode != nil {
			ev.ExitCode = failure.ExitCode
		}
		if err := e.emit(ev); err != nil {
			return "", err
		}
		dec, err := e.cfg.Confirmer.Decide(ctx, s, d, st.attempt)
		if err != nil {
			return "", err
		}
		action := dec.Action
		if !offered(d, action) {
			action = runbook.RemedyAbort
		}
		if err := e.decision(base, action, dec.By); err != nil {
			return "", err
		}
		switch action {
		case runbook.RemedyAbort:
			return runbook.RunAborted, nil
		case runbook.RemedySkip:
			return "", e.skip(base, "skipped after failure: "+d.Code)
		case runbook.RemedyManual:
			st.manual = true
		case runbook.RemedyMount:
			if err := e.runShort(ctx, st, runbook.Command{Node: s.Target, Shell: runbook.ShellPowerShell, Line: runbook.MountDatabasesCommand(s.CMS), StepID: s.ID, Kind: s.Kind}); err != nil && !transient(err) {
				return "", err
			}
			st.manual = false
		case runbook.RemedyWait:
			st.manual = false
		default:
			st.manual = false
		}
		st.lastAction = action
	}
}

func offered(d runbook.Diagnosis, a runbook.RemedyAction) bool {
	for _, r := range d.Remedies {
		if r.Action == a {
			return true
		}
	}
	return false
}

func (e *Engine) decision(base runbook.Event, a runbook.RemedyAction, by string) error {
	ev := base
	ev.Event, ev.Choice, ev.By = runbook.EvDecision, string(a), by
	return e.emit(ev)
}

func (e *Engine) skip(base runbook.Event, reason string) error {
	ev := base
	ev.Event, ev.Reason = runbook.EvStepSkipped, reason
	return e.emit(ev)
}

// notNeeded says why a conditional step does not run, or "".
func (e *Engine) notNeeded(s runbook.Step, obs *runbook.Observation) string {
	switch s.When {
	case runbook.IfCMSNotOnline:
		if g := obs.Cluster.Group(s.CMS); g != nil && g.State == runbook.GroupOnline {
			return s.CMS + " is already Online"
		}
	case runbook.IfRebootRequired:
		n := obs.Cluster.Node(s.Node)
		if !e.rebootNeeded[strings.ToUpper(s.Node)] && (n == nil || !n.Pending) {
			return "the install did not ask for a restart"
		}
	}
	return ""
}

// transient reports errors a remedy may get past (a dropped connection,
// refused credentials) as opposed to the run's own end.
func transient(err error) bool {
	return errors.Is(err, runbook.ErrConnectionLost) || errors.Is(err, runbook.ErrAuthFailed)
}

// observe reads live state, shows it to whoever watches, and moves the
// outage clock with the CMS.
func (e *Engine) observe(ctx context.Context) (runbook.Observation, error) {
	obs, err := e.cfg.Exec.Observe(ctx)
	if err != nil {
		return obs, err
	}
	if e.cfg.Observed != nil {
		e.cfg.Observed(obs)
	}
	down := false
	for _, g := range obs.Cluster.CMSs() {
		down = down || g.State != runbook.GroupOnline
	}
	if down != e.inOutage && e.current.Step != "" {
		if oerr := e.outage(down, e.current, time.Time{}); oerr != nil {
			return obs, oerr
		}
	}
	return obs, nil
}
