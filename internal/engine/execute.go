package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"cmsrunbook/runbook"
)

// errShutdownScheduled is ERROR_SHUTDOWN_IS_SCHEDULED (1190): shutdown.exe
// says a shutdown is already under way.
const errShutdownScheduled = 1190

// maxKeptLines bounds the output a step keeps in memory for classification
// and diagnosis; the journal keeps everything.
const maxKeptLines = 5000

// execute carries the attempt out the way the planner said the step runs.
// A command that visibly went through already is only re-checked.
func (e *Engine) execute(ctx context.Context, st *stepRun) (phase, error) {
	switch {
	case st.observeOnly:
		return phaseVerify, nil
	case st.step.Exec == runbook.ExecCheck:
		return e.executeCheck(ctx, st)
	case st.step.Exec == runbook.ExecJob && !st.manual:
		return e.executeJob(ctx, st)
	case st.step.Exec == runbook.ExecReboot:
		return e.executeReboot(ctx, st)
	}
	return e.executeCommands(ctx, st)
}

// executeCheck sends nothing. A preflight re-checks the live cluster
// against the rules and shows every finding; an end-of-window check is
// verified through its invariants in the verify phase.
func (e *Engine) executeCheck(ctx context.Context, st *stepRun) (phase, error) {
	if st.step.Post.Invariants {
		return phaseVerify, nil
	}
	var blocking []string
	for _, f := range runbook.Check(&st.before.Cluster, e.cfg.Options) {
		line := findingLine(f)
		if err := e.output(st, "", runbook.OutputLine{Stream: runbook.Note, Text: line}, 0); err != nil {
			return phaseDone, err
		}
		if f.Severity == runbook.Block {
			blocking = append(blocking, f.Message)
		}
	}
	if blocking != nil {
		st.failure = &runbook.Failure{Step: st.step, Blocking: blocking, Output: st.output}
		return phaseDiagnose, nil
	}
	return phaseDone, e.succeeded(st)
}

// executeCommands runs the step's commands (or its manual fallback) one
// after another; the first non-zero exit is a failure.
func (e *Engine) executeCommands(ctx context.Context, st *stepRun) (phase, error) {
	s := st.step
	if st.observeOnly {
		return phaseVerify, nil
	}
	cmds, shell := s.Commands, s.Shell
	if st.manual {
		cmds = s.Fallback
		if s.FallbackShell != "" {
			shell = s.FallbackShell
		}
	}
	// A handoff is over before a poll could see the CMS down, and a refused
	// one never takes it down: its outage is recorded once the move has
	// gone through, starting when the command was sent.
	sent := e.cfg.Clock.Now()
	for i, line := range cmds {
		if !st.manual && st.before != nil && runbook.CommandDone(s, i, &st.before.Cluster) {
			continue // went through before a crash or a drop: not sent again
		}
		res, err := e.runCommand(ctx, st, runbook.Command{Node: s.Node, Shell: shell, Line: line, StepID: s.ID, Kind: s.Kind})
		if err != nil {
			return e.execFailure(st, err)
		}
		if res.ExitCode != 0 {
			code := res.ExitCode
			return e.commandFailed(ctx, st, &code)
		}
	}
	if s.Outage == runbook.OutageBrief {
		if err := e.outage.set(true, st.base, sent); err != nil {
			return phaseDone, err
		}
	}
	return phaseVerify, nil
}

// commandFailed records a non-zero exit with what live state says about it.
func (e *Engine) commandFailed(ctx context.Context, st *stepRun, code *int) (phase, error) {
	st.failure = &runbook.Failure{Step: st.step, ExitCode: code, Output: st.output}
	obs, err := e.observe(ctx)
	if recordFailed(err) {
		return phaseDone, err
	}
	if err == nil {
		runbook.AnnotateFailure(st.failure, &obs, st.before, e.cfg.Options)
	}
	return phaseDiagnose, nil
}

// executeReboot sends the restart (unless it was sent already) and waits
// for the node to go away and come back.
func (e *Engine) executeReboot(ctx context.Context, st *stepRun) (phase, error) {
	s := st.step
	for _, line := range s.Commands {
		if st.waiting {
			break
		}
		res, err := e.runCommand(ctx, st, runbook.Command{Node: s.Node, Shell: s.Shell, Line: line, StepID: s.ID, Kind: s.Kind})
		if errors.Is(err, runbook.ErrConnectionLost) {
			break // the node went down under the command: that is the reboot
		}
		if err != nil {
			return e.execFailure(st, err)
		}
		if res.ExitCode != 0 && res.ExitCode != errShutdownScheduled { // 1190: a shutdown already under way
			code := res.ExitCode
			return e.commandFailed(ctx, st, &code)
		}
	}
	return e.waitReboot(ctx, st)
}

// executeJob starts a detached job, or re-attaches to the one already
// started, streams its log until it ends, and classifies the transcript.
func (e *Engine) executeJob(ctx context.Context, st *stepRun) (phase, error) {
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
	st.jobStarted = true
	// Tail from the start so the classifier sees the whole transcript, but
	// journal only what was not journaled before a crash or a drop.
	skipUntil := st.offset
	st.output = nil
	var emitErr error
	final, err := e.cfg.Exec.TailJob(ctx, s.Node, st.job, 0, func(l runbook.OutputLine, off int64) {
		if emitErr != nil {
			return
		}
		if off <= skipUntil {
			e.keep(st, l.Text)
			return
		}
		st.offset = off
		emitErr = e.output(st, s.Node, l, off)
	})
	if emitErr != nil {
		return phaseDone, emitErr
	}
	if err != nil {
		return e.execFailure(st, err)
	}
	c := runbook.ClassifyJob(s, strings.Join(st.output, "\n"), final.ExitCode)
	if c.RebootRequired {
		e.rebootNeeded[strings.ToUpper(s.Node)] = true
	}
	st.job, st.jobStarted = "", false // a retry starts a new job; this one has ended
	code := final.ExitCode
	st.exit = &code
	// A Setup that ended without a verdict we can read is decided by the
	// node's state: verify it (runbook.JobDecidedByState).
	if c.Outcome != runbook.OutcomeSuccess && !runbook.JobDecidedByState(s, c) {
		st.failure = &runbook.Failure{Step: s, Classification: &c, ExitCode: &code, Output: st.output}
		return phaseDiagnose, nil
	}
	return phaseVerify, nil
}

// execFailure turns an executor error into a failure the person can act
// on, or passes through the errors that end the run.
func (e *Engine) execFailure(st *stepRun, err error) (phase, error) {
	switch {
	case errors.Is(err, runbook.ErrAuthFailed):
		st.failure = &runbook.Failure{Step: st.step, Auth: true, Output: append(st.output, err.Error())}
	case errors.Is(err, runbook.ErrConnectionLost):
		st.failure = &runbook.Failure{Step: st.step, Connection: true, Output: append(st.output, err.Error())}
	default:
		return phaseDone, err
	}
	return phaseDiagnose, nil
}

// transient reports errors that may clear on their own (a dropped
// connection, a node restarting), so a polling loop reads live state again.
// Refused credentials are not: a domain account locks out after a few
// refusals (commonly 3 to 5), so a refusal stops the loop at once and goes
// to the failure diagnosis, where a person re-enters the password (authFailed).
func transient(err error) bool {
	return errors.Is(err, runbook.ErrConnectionLost)
}

// authFailed reports refused credentials: never retried automatically.
func authFailed(err error) bool {
	return errors.Is(err, runbook.ErrAuthFailed) && !recordFailed(err)
}

func (e *Engine) keep(st *stepRun, text string) {
	st.output = append(st.output, text)
	if len(st.output) > maxKeptLines {
		st.output = st.output[len(st.output)-maxKeptLines:]
	}
}

// output keeps a line for diagnosis and records it.
func (e *Engine) output(st *stepRun, node string, l runbook.OutputLine, off int64) error {
	e.keep(st, l.Text)
	return e.emit(runbook.Event{Event: runbook.EvOutput, Step: st.step.ID, Kind: st.step.Kind, Node: node, Stream: l.Stream, Text: l.Text, Offset: off})
}

// runCommand runs one short command, streaming every line as an event.
func (e *Engine) runCommand(ctx context.Context, st *stepRun, cmd runbook.Command) (runbook.ExecResult, error) {
	var emitErr error
	res, err := e.cfg.Exec.Run(ctx, cmd, func(l runbook.OutputLine) {
		if emitErr == nil {
			emitErr = e.output(st, cmd.Node, l, 0)
		}
	})
	if emitErr != nil {
		return res, emitErr
	}
	return res, err
}

// findingLine is a preflight finding as a line of the check's output:
// its severity, its code and its message.
func findingLine(f runbook.Finding) string {
	switch f.Severity {
	case runbook.Block:
		return say("BLOCK %s: %s", f.Code, f.Message)
	case runbook.Warn:
		return say("WARN %s: %s", f.Code, f.Message)
	case runbook.Info:
		return say("INFO %s: %s", f.Code, f.Message)
	}
	return fmt.Sprintf("%s %s: %s", strings.ToUpper(string(f.Severity)), f.Code, f.Message)
}
