package engine

import (
	"context"
	"errors"
	"time"

	"cmsrunbook/runbook"
)

// outageClock follows the CMS: it starts when a step stops the CMS (or a
// handoff goes through) and ends at the first observation with every CMS
// Online again, so a refused handoff that never took the CMS down records
// no outage. It emits outage-started and outage-ended on its own.
type outageClock struct {
	clock Clock
	emit  func(runbook.Event) error
	on    bool
	since time.Time
	// current names the step being run, for the events the clock emits.
	current runbook.Event
}

// set starts or ends the outage; at is when it really began or ended (a
// handoff's command was sent before the move went through).
func (o *outageClock) set(down bool, base runbook.Event, at time.Time) error {
	if down == o.on {
		return nil
	}
	o.on = down
	ev := runbook.Event{Step: base.Step, Kind: base.Kind, Node: base.Node, Event: runbook.EvOutageEnded, Time: Stamp(at)}
	if down {
		o.since = at
		ev.Event = runbook.EvOutageStarted
	} else if !o.since.IsZero() {
		ev.OutageMS = at.Sub(o.since).Milliseconds()
	}
	return o.emit(ev)
}

// follow moves the clock with an observation: down while any CMS is not
// Online.
func (o *outageClock) follow(obs *runbook.Observation) error {
	down := false
	for _, g := range obs.Cluster.CMSs() {
		down = down || g.State != runbook.GroupOnline
	}
	if o.current.Step == "" {
		return nil
	}
	return o.set(down, o.current, o.clock.Now())
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
	if err := e.outage.follow(&obs); err != nil {
		return obs, &recordError{err}
	}
	return obs, nil
}

// recordError is a journal write that failed while reading live state (the
// outage clock's events): unlike a failed read, it always ends the run.
type recordError struct{ err error }

func (r *recordError) Error() string { return r.err.Error() }
func (r *recordError) Unwrap() error { return r.err }

// recordFailed reports an error that must end the run even where a failed
// read of live state could be passed over.
func recordFailed(err error) bool {
	var r *recordError
	return errors.As(err, &r)
}
