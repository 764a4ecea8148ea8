// Package session owns one run of a maintenance window from start to end:
// the lock on the cluster, the journal, the executor (the simulator in
// training, WinRM on a real cluster), the engine, the confirmer, and the
// view (the runbook screen or the headless line printer). The four ways a
// run begins (sim, run, and the resume of each) all open a Session here,
// and Run gives back the process's exit status. Every event of the run,
// the engine's and the session's own (run-started, findings, run-resumed,
// run-finished), is journaled first and shown after, so the screen never
// shows what the record does not hold.
package session

import (
	"cmsrunbook/internal/i18n"
	"context"
	"errors"
	"fmt"
	"io"
	"os/user"
	"strings"
	"time"

	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/sim"
	"cmsrunbook/runbook"
)

// Result is how a run ended, as the process's exit status (DESIGN
// section 3).
type Result int

const (
	// Done: the window finished with every step succeeded or skipped.
	Done Result = 0
	// Stopped: the run stopped on a failure, an abort or a blocking finding.
	Stopped Result = 1
	// Interrupted: the process was told to stop; the journal is resumable.
	Interrupted Result = 130
)

// Env is what a session may touch of the outside world; tests pass their own.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// View says how the run is shown and who answers its questions.
type View struct {
	// Headless prints one line per event instead of the screen (also
	// chosen when standard output is not a terminal).
	Headless bool
	// Yes confirms every step without asking (simulations only) and takes
	// OnFailure after a failure: abort, retry or manual.
	Yes       bool
	OnFailure string
	// Quiet leaves the nodes' output to the journal in headless mode.
	Quiet bool
	// ASCII draws the screen with ASCII only.
	ASCII bool
	// Lang is the language the screen and the headless lines speak
	// (--lang, else the locale); the journal stays English.
	Lang i18n.Lang
}

// InputError is bad input or usage found while opening a run: exit 2,
// with the message (naming the file, line and field where there is one).
type InputError struct {
	Msg string
	Err error
	// Usage: the message is about the command line; point at the help.
	Usage bool
}

func (e *InputError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return e.Msg
}

func (e *InputError) Unwrap() error { return e.Err }

// inputf is a usage error of the command line.
func inputf(format string, a ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, a...), Usage: true}
}

// badInput marks an error reading an input file as exit 2.
func badInput(err error) error { return &InputError{Err: err} }

// Session is one run of a plan: everything it needs, wired once.
type Session struct {
	env  Env
	view View
	plan *runbook.Plan
	opts runbook.Options

	lock *journal.LockFile
	jw   *journal.Writer
	// secrets are masked wherever an event is shown (the journal masks
	// them in what it writes).
	secrets []string
	// insecure: the WinRM transport is not protected (shown on the screen).
	insecure bool

	// sim is the simulated cluster (nil on a real one) and world where it
	// is saved next to the journal.
	sim   *sim.Sim
	world string
	// exec and clock drive the engine; real marks the screen LIVE.
	exec          engine.Executor
	clock         engine.Clock
	real          bool
	rebootTimeout time.Duration

	printer *headless.Printer
	confirm engine.Confirmer
	// reenter asks for a new password after the nodes refused one (a
	// real run only; see reenterPassword).
	reenter func(ctx context.Context, attempt, max int) error
	runID   string
	// progress is the journal folded so far (empty for a new run), what
	// the engine continues from; history is the journal itself, which a
	// resumed screen shows first.
	progress *runbook.RunProgress
	history  []runbook.Event
	// opening are the events that open this run in the record:
	// run-started and the findings, or run-resumed.
	opening []runbook.Event
	screen  screenInfo
	// record is every event of the run so far, folded: what the end of
	// the run says (a CMS still down, and how to bring it back).
	record *runbook.RunProgress
	// sink and observed feed the screen while it runs.
	sink     func(runbook.Event)
	observed func(runbook.Observation)
}

// screenInfo is what the runbook screen shows beyond the plan.
type screenInfo struct {
	title, source string
	cluster       runbook.Cluster
	speed         float64
}

// Run records the opening events, runs the engine under the screen or the
// line printer, records how the run ended and says where the record is.
func (s *Session) Run(ctx context.Context) (Result, error) {
	for _, ev := range s.opening {
		if err := s.emit(ev); err != nil {
			return Stopped, err
		}
	}
	if s.useScreen() {
		return s.runScreen(ctx)
	}
	return s.execute(ctx)
}

// Close releases the journal and the lock, and ends the prompt's reader.
func (s *Session) Close() {
	if c, ok := s.confirm.(interface{ Close() }); ok {
		c.Close()
	}
	if s.jw != nil {
		if err := s.jw.Close(); err != nil {
			fmt.Fprintf(s.env.Stderr, "cmsrunbook: %s\n", s.p().Tr("closing the journal: %s", err))
		}
	}
	if s.lock != nil {
		_ = s.lock.Release()
	}
}

// Journal is the path of the run's journal.
func (s *Session) Journal() string { return s.jw.Path() }

// emit journals an event, then shows it. The simulated world is saved at
// every step boundary, before the journal records it: a real cluster is
// always at least as far along as the record of it, and a resume after a
// crash must find it so.
func (s *Session) emit(ev runbook.Event) error {
	if ev.Event != runbook.EvOutput && s.sim != nil {
		if err := s.saveWorld(); err != nil {
			return err
		}
	}
	if err := s.jw.Write(ev); err != nil {
		return err
	}
	if ev.Event != runbook.EvOutput {
		s.recordFold().Apply(ev)
	}
	// What people see is what the journal holds: a node that prints the
	// password shows it masked on the screen and in the lines too.
	shown := journal.RedactEvent(ev, s.secrets...)
	if s.sink != nil {
		s.sink(shown)
	}
	return s.printer.Print(shown)
}

func (s *Session) saveWorld() error {
	data, err := s.sim.MarshalState()
	if err != nil {
		return wrap(say("saving the simulated cluster: %s", err), err)
	}
	if err := writeBeside(s.world, data); err != nil {
		return wrap(say("saving the simulated cluster: %s", err), err)
	}
	return nil
}

// savingExec saves the simulated world after every action that changes it,
// so a SIGKILL between two journal events cannot lose a started job.
type savingExec struct {
	*sim.Sim
	s *Session
}

func (x savingExec) StartJob(ctx context.Context, cmd runbook.Command, id string) error {
	err := x.Sim.StartJob(ctx, cmd, id)
	if serr := x.s.saveWorld(); serr != nil && err == nil {
		err = serr
	}
	return err
}

func (x savingExec) Run(ctx context.Context, cmd runbook.Command, out func(runbook.OutputLine)) (runbook.ExecResult, error) {
	res, err := x.Sim.Run(ctx, cmd, out)
	if serr := x.s.saveWorld(); serr != nil && err == nil {
		err = serr
	}
	return res, err
}

// execute runs the engine and records how the run ended.
func (s *Session) execute(ctx context.Context) (Result, error) {
	if r, ok := s.exec.(interface{ SetRunID(string) }); ok {
		// Over WinRM an Exchange command's job is named from the run, so a
		// resumed run re-attaches to one a crash left running.
		r.SetRunID(s.runID)
	}
	eng := engine.New(engine.Config{Exec: s.exec, Clock: s.clock, Confirmer: s.confirm, Emit: s.emit,
		RunID: s.runID, Options: s.opts, RebootTimeout: s.rebootTimeout, Observed: s.observed, Reenter: s.reenter})
	status, err := eng.Run(ctx, s.plan, s.progress)
	fin := runbook.Event{Event: runbook.EvRunFinished, Status: status}
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, headless.ErrInputClosed) {
			return s.interrupted(ctx, err)
		}
		fin.Status, fin.Message = runbook.RunFailed, err.Error()
	}
	if obs, oerr := s.exec.Observe(context.WithoutCancel(ctx)); oerr == nil {
		c := obs.Cluster
		fin.Cluster = &c
	}
	fin.Time = engine.Stamp(s.clock.Now())
	if werr := s.emit(fin); werr != nil {
		return Stopped, werr
	}
	if err != nil {
		return Stopped, err
	}
	if status != runbook.RunSucceeded {
		s.sayDown(fin.Cluster)
		fmt.Fprintln(s.env.Stdout, s.p().Tr("The journal keeps the place: cmsrunbook resume --journal %s", s.jw.Path()))
		return Stopped, nil
	}
	fmt.Fprintln(s.env.Stdout, s.p().Tr("Change record: cmsrunbook report --journal %s", s.jw.Path()))
	return Done, nil
}

// interrupted records why the run stopped unfinished (a signal, the
// session closed, the input ended) and says how to resume; no
// run-finished is written, so the run stays resumable.
func (s *Session) interrupted(ctx context.Context, err error) (Result, error) {
	why := say("interrupted")
	switch cause := context.Cause(ctx); {
	case errors.Is(err, headless.ErrInputClosed):
		why = err.Error()
	case cause != nil && !errors.Is(cause, context.Canceled):
		why = cause.Error() // "interrupted by SIGHUP"
	}
	ev := runbook.Event{Event: runbook.EvRunInterrupted, Message: why, Time: engine.Stamp(s.clock.Now())}
	if werr := s.emit(ev); werr != nil {
		fmt.Fprintf(s.env.Stderr, "cmsrunbook: %s\n", s.p().Tr("recording the interruption: %s", werr))
	}
	s.sayDown(s.lastCluster(ctx))
	fmt.Fprintf(s.env.Stderr, "cmsrunbook: %s\n", s.p().Tr("%s; nothing more was sent. Resume with: cmsrunbook resume --journal %s", s.p().Text(why), s.jw.Path()))
	return Interrupted, nil
}

// lastCluster reads the cluster once more for the closing words, without
// the ended context; nil when it cannot be read.
func (s *Session) lastCluster(ctx context.Context) *runbook.Cluster {
	obs, err := s.exec.Observe(context.WithoutCancel(ctx))
	if err != nil {
		return nil
	}
	return &obs.Cluster
}

// recordFold is the fold of the run's events, the journal's so far first.
func (s *Session) recordFold() *runbook.RunProgress {
	if s.record == nil {
		s.record = runbook.Fold(s.history)
	}
	return s.record
}

// sayDown says plainly, when the run stops with a CMS down, that users are
// off and what brings them back.
func (s *Session) sayDown(c *runbook.Cluster) {
	if c == nil || !s.recordFold().OutageOpen {
		return
	}
	orig := s.recordFold().OrigOwners()
	p := s.p()
	for _, cms := range runbook.DownCMSs(c) {
		fmt.Fprintln(s.env.Stdout, p.Tr("%s IS DOWN: users cannot reach their mailboxes.", cms))
		if wb := runbook.WayBack(c, cms, orig[strings.ToUpper(cms)]); wb != nil {
			fmt.Fprintln(s.env.Stdout, "  "+p.Tr("To bring them back (%s), on %s:", p.Text(wb.Label), wb.Node))
			for _, line := range wb.Commands {
				fmt.Fprintf(s.env.Stdout, "    %s\n", line)
			}
		} else {
			fmt.Fprintln(s.env.Stdout, "  "+p.Tr("No node can start it now: bring its node back, then %s", runbook.StartCMSCommand(cms)))
		}
	}
}

// Operator names who is at the keyboard, for the record.
func Operator(getenv func(string) string) string {
	for _, k := range []string{"CMSRUNBOOK_OPERATOR", "USER", "USERNAME"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}
