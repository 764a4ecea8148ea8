package cli

import (
	"bytes"
	"context"
	"io"

	"cmsrunbook/runbook"
	"cmsrunbook/tui"
)

// screenOptions are what the runbook screen needs beyond the window.
type screenOptions struct {
	title, source string
	cluster       runbook.Cluster
	speed         float64
	ascii         bool
}

// screen runs the window under the terminal UI: the engine runs in the
// screen's goroutine with the screen as its confirmer, every event is
// journaled first and then shown, and Observed feeds the topology. What
// execute prints at the end (where the journal is, how to resume) waits
// until the screen has given the terminal back, and the screen logs to
// <journal>.log, never to the terminal.
func (w *window) screen(ctx context.Context, o screenOptions) (int, error) {
	realOut, realErr := w.env.Stdout, w.env.Stderr
	var out, errb bytes.Buffer
	w.env.Stdout, w.env.Stderr = &out, &errb
	defer func() {
		w.env.Stdout, w.env.Stderr = realOut, realErr
		_, _ = io.Copy(realErr, &errb)
		_, _ = io.Copy(realOut, &out)
	}()
	opts := tui.Options{Title: o.title, Source: o.source, Plan: w.plan, Cluster: o.cluster,
		ASCII: o.ascii || tui.DetectASCII(w.env.Getenv), NoColor: tui.DetectNoColor(w.env.Getenv),
		Speed: o.speed, Operator: operator(w.env), Journal: w.jw.Path(), Real: w.real}
	if w.sim != nil {
		opts.SetSpeed, opts.Now = w.sim.SetSpeed, w.sim.Now
	}
	if lg, closer, err := tui.OpenLog(w.jw.Path() + ".log"); err == nil {
		opts.Logger = lg
		defer closer.Close()
	}
	return tui.Run(ctx, opts, func(ctx context.Context, h tui.Hooks) (int, error) {
		w.sink, w.observed, w.confirm = h.Event, h.Observed, h.Confirmer
		// A resumed window shows what the journal already holds: the
		// steps done, their output, the failures, the outage so far.
		for _, ev := range w.history {
			h.Event(ev)
		}
		return w.executeDefault(ctx)
	})
}
