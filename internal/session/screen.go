package session

import (
	"bytes"
	"context"
	"io"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
	"cmsrunbook/tui"
)

// runScreen runs the window under the runbook screen: the engine runs in
// the screen's goroutine with the screen as its confirmer, every event is
// journaled first and then shown, and Observed feeds the topology. What
// execute prints at the end (where the journal is, how to resume) waits
// until the screen has given the terminal back, and the screen logs to
// <journal>.log, never to the terminal.
func (s *Session) runScreen(ctx context.Context) (Result, error) {
	realOut, realErr := s.env.Stdout, s.env.Stderr
	var out, errb bytes.Buffer
	s.env.Stdout, s.env.Stderr = &out, &errb
	defer func() {
		s.env.Stdout, s.env.Stderr = realOut, realErr
		_, _ = io.Copy(realErr, &errb)
		_, _ = io.Copy(realOut, &out)
	}()
	opts := tui.Options{Title: s.screen.title, Source: s.screen.source, Plan: s.plan, Cluster: s.screen.cluster,
		ASCII: s.view.ASCII || tui.DetectASCII(s.env.Getenv), NoColor: tui.DetectNoColor(s.env.Getenv),
		Speed: s.screen.speed, Operator: Operator(s.env.Getenv), Journal: s.jw.Path(), Real: s.real,
		Began: s.began(), WindowEnd: s.windowEnd(), Insecure: s.insecure, WaitLimit: s.waitLimit, Lang: s.view.Lang}
	if s.sim != nil {
		opts.SetSpeed, opts.Now = s.sim.SetSpeed, s.sim.Now
	}
	if lg, closer, err := openLog(s.jw.Path() + ".log"); err == nil {
		opts.Logger = lg
		defer closer.Close()
	}
	code, err := tui.Run(ctx, opts, func(ctx context.Context, h tui.Hooks) (int, error) {
		s.sink, s.observed, s.confirm = h.Event, h.Observed, h.Confirmer
		// A resumed window shows what the journal already holds: the
		// steps done, their output, the failures, the outage so far.
		for _, ev := range s.history {
			h.Event(ev)
		}
		res, err := s.execute(ctx)
		return int(res), err
	})
	return Result(code), err
}

// Choose shows the training chooser on a terminal and returns the scenario
// picked, "" when the person left without choosing. ok is false when
// standard output is not a terminal to show it on.
func Choose(ctx context.Context, env Env, list []config.ScenarioInfo, def string, lang i18n.Lang) (name string, ok bool, err error) {
	if !tui.IsTerminal(env.Stdout) {
		return "", false, nil
	}
	name, err = tui.Choose(ctx, list, def, tui.DetectASCII(env.Getenv), tui.DetectNoColor(env.Getenv), lang)
	return name, true, err
}

// began is when the window began, from its run-started record.
func (s *Session) began() time.Time {
	for _, ev := range append(append([]runbook.Event{}, s.history...), s.opening...) {
		if ev.Event == runbook.EvRunStarted {
			t, _ := time.Parse(time.RFC3339Nano, ev.Time)
			return t
		}
	}
	return time.Time{}
}

// windowEnd is the approved window's end recorded with the run, if any.
func (s *Session) windowEnd() time.Time {
	for _, ev := range append(append([]runbook.Event{}, s.history...), s.opening...) {
		if ev.Event == runbook.EvRunStarted {
			t, _ := time.Parse(time.RFC3339, ev.Options["window-end"])
			return t
		}
	}
	return time.Time{}
}

// waitLimit is how long a running step may take before the engine gives
// up on it, with the limits this run's engine uses.
func (s *Session) waitLimit(st runbook.Step) time.Duration {
	reboot := s.rebootTimeout
	if reboot <= 0 {
		reboot = engine.DefaultRebootTimeout
	}
	return runbook.WaitLimit(st, s.opts, reboot, engine.DefaultVerifyTimeout)
}
