package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cmsrunbook/runbook"
)

// errShutdownScheduled is ERROR_SHUTDOWN_IS_SCHEDULED (1190): shutdown.exe
// says a shutdown is already under way.
const errShutdownScheduled = 1190

// maxKeptLines bounds the output a step keeps in memory for classification
// and diagnosis; the journal keeps everything.
const maxKeptLines = 5000

// attempt runs the step once (or carries out the remedy chosen last time)
// and verifies it. It returns the failure, nil on success, or an error
// that ends the run.
func (e *Engine) attempt(ctx context.Context, st *stepRun) (*runbook.Failure, error) {
	s := st.step
	base := runbook.Event{Step: s.ID, Kind: s.Kind, Node: s.Node}
	if st.attempt > 1 && s.Kind == runbook.KindMoveCMS && st.lastAction == runbook.RemedyRetry {
		if err := e.waitReplication(ctx, st); err != nil {
			return nil, err
		}
	}
	obs, err := e.observe(ctx)
	if err != nil {
		return e.execFailure(st, err)
	}
	// Nothing is retried blindly: a retry whose effect has meanwhile
	// appeared succeeds without sending anything.
	if st.attempt > 1 && st.lastAction != runbook.RemedyWait && runbook.Holds(s, &obs, e.cfg.Options) {
		return nil, e.succeed(st, base, nil, "already holds on re-check")
	}
	if g := runbook.Guard(&obs.Cluster, s, e.cfg.Options, e.origOwner); g != nil {
		var ge *runbook.GuardError
		errors.As(g, &ge)
		return &runbook.Failure{Step: s, Guard: ge}, nil
	}
	waiting := st.lastAction == runbook.RemedyWait && s.Kind == runbook.KindRebootNode
	if s.Kind == runbook.KindRebootNode {
		f := obs.Fact(s.Node)
		switch {
		case st.bootBefore == "":
			st.bootBefore = f.BootID
		case !waiting && (!f.Reachable || f.BootID != st.bootBefore):
			// Resumed after a crash mid-reboot: the shutdown was sent
			// already and the node is away or back. Wait, do not send it
			// again.
			waiting = true
		}
	}
	if !waiting && st.job == "" {
		st.before = &obs
	}
	if st.before == nil {
		st.before = &obs
	}
	started := e.cfg.Clock.Now()

	cmds := s.Commands
	if st.manual {
		cmds = s.Fallback
	}
	jobID := st.job
	reattach := s.Kind.Detached() && !st.manual && jobID != ""
	if s.Kind.Detached() && jobID == "" {
		jobID = fmt.Sprintf("%s-%s-%d", e.cfg.RunID, s.ID, st.attempt)
	}
	ev := base
	ev.Event, ev.Attempt, ev.Commands, ev.Manual, ev.Job = runbook.EvStepStarted, st.attempt, cmds, st.manual, jobID
	if s.Kind == runbook.KindRebootNode {
		ev.Boot = st.bootBefore
	}
	switch {
	case waiting:
		ev.Commands = nil
		ev.Message = "waiting longer for " + s.Node
	case reattach:
		// Same job: nothing is started; the log is read from where the
		// record stops.
		ev.Message = fmt.Sprintf("re-attaching to job %s on %s (not started again)", jobID, s.Node)
	}
	if err := e.emit(ev); err != nil {
		return nil, err
	}
	if s.Outage == runbook.OutageStarts && !e.inOutage {
		// Stopping the CMS takes users off now; the clock starts with the
		// command, not with the next poll. It ends at the first
		// observation with every CMS Online.
		if err := e.outage(true, base, time.Time{}); err != nil {
			return nil, err
		}
	}
	// A handoff is over before a poll could see the CMS down, and a
	// refused one never takes it down: its outage is recorded once the
	// move has gone through, starting when the command was sent.
	handoffSent := e.cfg.Clock.Now()

	var exit *int
	switch {
	case s.Kind == runbook.KindPreflight:
		if f := e.preflight(st, &obs); f != nil {
			return f, nil
		}
	case s.Kind == runbook.KindVerify:
		// checked below through the postcondition's invariants
	case s.Kind.Detached() && !st.manual:
		st.job = jobID
		f, err := e.runJob(ctx, st)
		if err != nil || f != nil {
			return f, err
		}
	default:
		if !waiting {
			for _, line := range cmds {
				res, err := e.runCommand(ctx, st, runbook.Command{Node: s.Node, Shell: shellFor(s, st.manual), Line: line, StepID: s.ID, Kind: s.Kind})
				if err != nil {
					if s.Kind == runbook.KindRebootNode && errors.Is(err, runbook.ErrConnectionLost) {
						break // the node went down under the command: that is the reboot
					}
					return e.execFailure(st, err)
				}
				if s.Kind == runbook.KindRebootNode && res.ExitCode == errShutdownScheduled {
					continue // a shutdown is already under way (a resumed reboot)
				}
				if res.ExitCode != 0 {
					code := res.ExitCode
					exit = &code
					f := &runbook.Failure{Step: s, ExitCode: exit, Output: st.output}
					e.addQueues(ctx, f, st.before)
					return f, nil
				}
			}
			if s.Outage == runbook.OutageBrief && !e.inOutage {
				if err := e.outage(true, base, handoffSent); err != nil {
					return nil, err
				}
			}
		}
	}

	if s.Kind == runbook.KindRebootNode {
		if f, err := e.waitReboot(ctx, st); f != nil || err != nil {
			return f, err
		}
	}
	if f, err := e.verify(ctx, st); f != nil || err != nil {
		return f, err
	}
	_ = started
	return nil, e.succeed(st, base, exit, "")
}

func shellFor(s runbook.Step, manual bool) runbook.Shell {
	if manual && s.FallbackShell != "" {
		return s.FallbackShell
	}
	return s.Shell
}

// succeed records success and closes the outage when this step ends it.
func (e *Engine) succeed(st *stepRun, base runbook.Event, exit *int, msg string) error {
	ev := base
	ev.Event, ev.ExitCode, ev.Message, ev.Attempt = runbook.EvStepSucceeded, exit, msg, st.attempt
	if err := e.emit(ev); err != nil {
		return err
	}
	return nil
}

// outage starts or ends the outage clock. It follows the CMS itself: the
// engine calls it when it stops the CMS and whenever an observation shows
// every CMS Online again or one of them down, so a refused handoff that
// never took the CMS down records no outage.
//
// since, when set, is when the outage really began (a handoff's command was
// sent then); the event carries that time.
func (e *Engine) outage(start bool, base runbook.Event, since time.Time) error {
	if start == e.inOutage {
		return nil
	}
	e.inOutage = start
	ev := runbook.Event{Step: base.Step, Kind: base.Kind, Node: base.Node, Event: runbook.EvOutageEnded}
	if start {
		e.outageStart = e.cfg.Clock.Now()
		if !since.IsZero() {
			e.outageStart = since
			ev.Time = stamp(since)
		}
		ev.Event = runbook.EvOutageStarted
	} else if !e.outageStart.IsZero() {
		ev.OutageMS = e.cfg.Clock.Now().Sub(e.outageStart).Milliseconds()
	}
	return e.emit(ev)
}

// execFailure turns an executor error into a failure the person can act on,
// or passes through the errors that end the run.
func (e *Engine) execFailure(st *stepRun, err error) (*runbook.Failure, error) {
	switch {
	case errors.Is(err, runbook.ErrAuthFailed):
		return &runbook.Failure{Step: st.step, Auth: true, Output: append(st.output, err.Error())}, nil
	case errors.Is(err, runbook.ErrConnectionLost):
		return &runbook.Failure{Step: st.step, Connection: true, Output: append(st.output, err.Error())}, nil
	}
	return nil, err
}

func (e *Engine) keep(st *stepRun, text string) {
	st.output = append(st.output, text)
	if len(st.output) > maxKeptLines {
		st.output = st.output[len(st.output)-maxKeptLines:]
	}
}

// runCommand runs one short command, streaming every line as an event.
func (e *Engine) runCommand(ctx context.Context, st *stepRun, cmd runbook.Command) (runbook.ExecResult, error) {
	var emitErr error
	res, err := e.cfg.Exec.Run(ctx, cmd, func(l runbook.OutputLine) {
		e.keep(st, l.Text)
		if emitErr == nil {
			emitErr = e.emit(runbook.Event{Event: runbook.EvOutput, Step: st.step.ID, Kind: st.step.Kind, Node: cmd.Node, Stream: l.Stream, Text: l.Text})
		}
	})
	if emitErr != nil {
		return res, emitErr
	}
	return res, err
}

// runShort runs a remedy's command (mounting databases) on a node.
func (e *Engine) runShort(ctx context.Context, st *stepRun, cmd runbook.Command) error {
	if cmd.Node == "" {
		cmd.Node = st.step.Node
	}
	_, err := e.runCommand(ctx, st, cmd)
	return err
}

// runJob starts a detached job, or re-attaches to the one already started,
// and streams its log until it ends; then classifies the output.
func (e *Engine) runJob(ctx context.Context, st *stepRun) (*runbook.Failure, error) {
	s := st.step
	js, err := e.cfg.Exec.Job(ctx, s.Node, st.job)
	if err != nil {
		return e.execFailure(st, err)
	}
	if !js.Found {
		cmd := runbook.Command{Node: s.Node, Shell: s.Shell, Line: s.Commands[0], StepID: s.ID, Kind: s.Kind}
		if err := e.cfg.Exec.StartJob(ctx, cmd, st.job); err != nil {
			return e.execFailure(st, err)
		}
		st.offset = 0
	}
	// Tail from the start so the classifier sees the whole transcript, but
	// journal only what was not journaled before a crash or a drop.
	skipUntil := st.offset
	st.output = nil
	var emitErr error
	final, err := e.cfg.Exec.TailJob(ctx, s.Node, st.job, 0, func(l runbook.OutputLine, off int64) {
		e.keep(st, l.Text)
		if off <= skipUntil || emitErr != nil {
			return
		}
		st.offset = off
		emitErr = e.emit(runbook.Event{Event: runbook.EvOutput, Step: s.ID, Kind: s.Kind, Node: s.Node, Stream: l.Stream, Text: l.Text, Offset: off})
	})
	if emitErr != nil {
		return nil, emitErr
	}
	if err != nil {
		return e.execFailure(st, err)
	}
	text := strings.Join(st.output, "\n")
	var c runbook.Classification
	if s.Kind == runbook.KindSetupUpgrade || s.Kind == runbook.KindUpgradeCMS {
		c = runbook.ClassifySetup(text, final.ExitCode)
	} else {
		c = runbook.ClassifyMsiexec(final.ExitCode, text)
	}
	if c.RebootRequired {
		e.rebootNeeded[strings.ToUpper(s.Node)] = true
	}
	if c.Outcome != runbook.OutcomeSuccess {
		code := final.ExitCode
		st.job = "" // a retry starts a new job; this one has ended
		return &runbook.Failure{Step: s, Classification: &c, ExitCode: &code, Output: st.output}, nil
	}
	st.job = ""
	return nil, nil
}

// waitReboot waits for the node to go away and come back with a new boot
// ID and a Cluster service that answers.
func (e *Engine) waitReboot(ctx context.Context, st *stepRun) (*runbook.Failure, error) {
	s := st.step
	deadline := e.cfg.Clock.Now().Add(e.cfg.RebootTimeout)
	for {
		obs, err := e.observe(ctx)
		if err == nil {
			f := obs.Fact(s.Node)
			if f.Reachable && f.ClusterService && f.BootID != st.bootBefore {
				return nil, nil
			}
		} else if !transient(err) {
			return nil, err
		}
		if !e.cfg.Clock.Now().Before(deadline) {
			return &runbook.Failure{Step: s, Timeout: true, Output: st.output}, nil
		}
		if err := e.cfg.Clock.Sleep(ctx, e.cfg.PollInterval); err != nil {
			return nil, err
		}
	}
}

// verify polls live state until the postcondition holds or the verify
// timeout passes: cluster.exe returns when ownership changes, not when a
// group is Online.
func (e *Engine) verify(ctx context.Context, st *stepRun) (*runbook.Failure, error) {
	s := st.step
	timeout := e.cfg.VerifyTimeout
	if s.Kind == runbook.KindMoveGroups || s.Kind == runbook.KindMoveCMS {
		if w := time.Duration(e.cfg.Options.MoveWait) * time.Second; w > timeout {
			timeout = w
		}
	}
	deadline := e.cfg.Clock.Now().Add(timeout)
	for {
		obs, err := e.observe(ctx)
		if err != nil {
			if !transient(err) {
				return nil, err
			}
		} else {
			unmet := runbook.Unmet(s, &obs, st.before, e.cfg.Options)
			if s.Kind == runbook.KindPreflight {
				unmet = nil
			}
			if len(unmet) == 0 {
				return nil, nil
			}
			if !e.cfg.Clock.Now().Before(deadline) || s.Kind == runbook.KindVerify {
				f := &runbook.Failure{Step: s, Unmet: unmet, Output: st.output}
				if s.Kind == runbook.KindMoveCMS {
					if g := obs.Cluster.Group(s.CMS); g != nil && strings.EqualFold(g.Owner, s.Target) && g.State == runbook.GroupPartiallyOnline {
						f.Dismounted = true
					}
					f.CopyQueue, f.ReplayQueue = obs.Cluster.Replication.CopyQueue, obs.Cluster.Replication.ReplayQueue
				}
				return f, nil
			}
		}
		if err := e.cfg.Clock.Sleep(ctx, e.cfg.PollInterval); err != nil {
			return nil, err
		}
	}
}

// preflight re-checks the live cluster against the rules.
func (e *Engine) preflight(st *stepRun, obs *runbook.Observation) *runbook.Failure {
	var blocking []string
	for _, f := range runbook.Check(&obs.Cluster, e.cfg.Options) {
		line := fmt.Sprintf("%s %s: %s", strings.ToUpper(string(f.Severity)), f.Code, f.Message)
		e.keep(st, line)
		_ = e.emit(runbook.Event{Event: runbook.EvOutput, Step: st.step.ID, Kind: st.step.Kind, Stream: runbook.Stdout, Text: line})
		if f.Severity == runbook.Block {
			blocking = append(blocking, f.Message)
		}
	}
	if blocking != nil {
		return &runbook.Failure{Step: st.step, Blocking: blocking, Output: st.output}
	}
	return nil
}

// addQueues attaches to a failed command what live state says: the parts
// of the postcondition that do not hold and, for a refused CMS move, the
// replication queues.
func (e *Engine) addQueues(ctx context.Context, f *runbook.Failure, before *runbook.Observation) {
	obs, err := e.observe(ctx)
	if err != nil {
		return
	}
	if f.Step.Kind != runbook.KindPreflight && f.Step.Kind != runbook.KindVerify {
		f.Unmet = runbook.Unmet(f.Step, &obs, before, e.cfg.Options)
	}
	if f.Step.Kind == runbook.KindMoveCMS {
		f.CopyQueue, f.ReplayQueue = obs.Cluster.Replication.CopyQueue, obs.Cluster.Replication.ReplayQueue
		if g := obs.Cluster.Group(f.Step.CMS); g != nil && strings.EqualFold(g.Owner, f.Step.Target) && g.State == runbook.GroupPartiallyOnline {
			f.Dismounted = true
		}
	}
}

// waitReplication holds a CMS move retry until the copy is Healthy and the
// queues are near zero (Exchange refuses the handoff before), showing the
// queues as they drain. It gives up after the verify timeout and lets the
// move be refused again, with the queues in the diagnosis.
func (e *Engine) waitReplication(ctx context.Context, st *stepRun) error {
	deadline := e.cfg.Clock.Now().Add(e.cfg.VerifyTimeout)
	last := ""
	for {
		obs, err := e.observe(ctx)
		if err != nil && !transient(err) {
			return err
		}
		if err == nil {
			r := obs.Cluster.Replication
			if obs.Cluster.Type != runbook.CCR || r.Healthy && r.CopyQueue <= runbook.NearZeroQueue && r.ReplayQueue <= runbook.NearZeroQueue {
				return nil
			}
			line := fmt.Sprintf("waiting for replication: copy queue %d, replay queue %d", r.CopyQueue, r.ReplayQueue)
			if line != last {
				last = line
				e.keep(st, line)
				if err := e.emit(runbook.Event{Event: runbook.EvOutput, Step: st.step.ID, Kind: st.step.Kind, Node: st.step.Node, Stream: runbook.Stdout, Text: line}); err != nil {
					return err
				}
			}
		}
		if !e.cfg.Clock.Now().Before(deadline) {
			return nil
		}
		if err := e.cfg.Clock.Sleep(ctx, e.cfg.PollInterval); err != nil {
			return err
		}
	}
}
