package session

import (
	"context"
	"path/filepath"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/remote"
	"cmsrunbook/runbook"
)

// RealSpec is a new run on a real cluster over WinRM.
type RealSpec struct {
	Inventory string
	// Goal and Package override the inventory's; MoveBack adds the
	// optional move of each CMS back at the end.
	Goal, Package string
	MoveBack      bool
	Journal       string
}

// OpenReal discovers the real cluster, plans the window and opens its run.
// Every real step is confirmed by a person: --yes is refused.
func OpenReal(ctx context.Context, env Env, spec RealSpec, view View) (*Session, error) {
	if view.Yes {
		return nil, usage(say("run: --yes is refused against a real cluster: every real step is confirmed by a person (use --headless for line prompts)"))
	}
	conn, err := connect(spec.Inventory, env, view.Lang)
	if err != nil {
		return nil, err
	}
	opts, err := realOptions(conn.inv.Options, spec)
	if err != nil {
		return nil, err
	}
	conn.ex.NeedFiles(opts)
	c, err := conn.discover(ctx)
	if err != nil {
		return nil, err
	}
	plan, err := planFor(env, spec.Inventory, c, opts, view.Lang)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(spec.Inventory)
	if err != nil {
		return nil, badInput(err)
	}
	if where := journal.SecretIn(plan.Steps, abs, &c, conn.password); where != "" {
		return nil, secretRefused(where)
	}
	jpath := spec.Journal
	if jpath == "" {
		jpath = defaultJournal(c.Name, time.Now())
	}
	s := &Session{env: env, view: view, plan: plan, opts: opts, runID: newRunID(), progress: runbook.NewRunProgress(),
		screen: screenInfo{title: say("LIVE cluster %s", c.Name), source: abs, cluster: c}}
	s.useReal(conn)
	if err := s.begin(jpath, c.Name, true, conn.password); err != nil {
		return nil, err
	}
	start := runbook.Event{Event: runbook.EvRunStarted, Goal: opts.Goal, Source: abs,
		Options: recordedOptions(s.runID, spec, conn.inv.Window), Operator: Operator(env.Getenv), Digest: plan.Digest(), Plan: plan.Steps, Cluster: &c,
		Time: engine.Stamp(time.Now())}
	s.opening = openingEvents(start, append(warningFindings(conn.ex.Warnings()), plan.Findings...))
	return s, nil
}

// useReal drives the session over WinRM, confirmed by a person.
func (s *Session) useReal(conn *connection) {
	s.exec, s.clock, s.real, s.rebootTimeout = conn.ex, remote.Clock{}, true, conn.inv.RebootTimeout
	s.insecure = len(conn.ex.Warnings()) > 0
	s.confirm = pickConfirmer(false, "", s.env, s.view.Lang)
	s.reenter = s.reenterPassword(conn.ex, conn.inv.WinRM.User)
}

// realOptions are the inventory's options with the command line's overrides.
func realOptions(o runbook.Options, spec RealSpec) (runbook.Options, error) {
	if spec.Goal != "" {
		g, err := runbook.ParseGoal(spec.Goal)
		if err != nil {
			return o, usage(say("--goal: %s", err))
		}
		o.Goal = g
	}
	if spec.Package != "" {
		if err := runbook.ValidateWindowsPath(spec.Package); err != nil {
			return o, usage(say("--package: %s", err))
		}
		o.Package = spec.Package
	}
	o.MoveBack = o.MoveBack || spec.MoveBack
	if o.Goal == "" {
		return o, usage(say("run: no goal: give --goal or goal: in %s", spec.Inventory))
	}
	return o, nil
}

// recordedOptions is what run-started records so that resume can
// reconnect: the inventory path is the event's source; the overrides are
// here.
func recordedOptions(runID string, spec RealSpec, w *config.Window) map[string]string {
	m := map[string]string{"mode": "real", "run-id": runID}
	if w != nil {
		// The approved window, for the change record's planned-versus-actual.
		m["window-start"], m["window-end"] = w.Start.Format(time.RFC3339), w.End.Format(time.RFC3339)
	}
	if spec.Goal != "" {
		m["goal"] = spec.Goal
	}
	if spec.Package != "" {
		m["package"] = spec.Package
	}
	if spec.MoveBack {
		m["move-back"] = "true"
	}
	return m
}

// secretRefused refuses a run whose password appears in what it sends.
func secretRefused(where string) error {
	return usage(say("the WinRM password appears in %s. The journal masks the password, and a masked command must never run on resume; nothing was sent. Use a password that is not part of any path, command or name of the window.", where))
}
