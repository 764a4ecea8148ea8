package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/sim"
	"cmsrunbook/runbook"
)

// ResumeSpec continues an interrupted run from its journal.
type ResumeSpec struct {
	Journal string
	// Speed overrides the recorded simulation speed ("" keeps it).
	Speed string
}

// ErrFinished is returned by OpenResume when the run already succeeded:
// there is nothing to resume (the message says where the change record
// is). A run that stopped (aborted, failed) keeps its place and resumes.
type ErrFinished struct {
	Journal string
	Status  runbook.RunStatus
}

func (e *ErrFinished) Error() string {
	return say("The run in %s already finished (%s); nothing to resume. The change record: cmsrunbook report --journal %s", e.Journal, string(e.Status), e.Journal)
}

// OpenResume reads an interrupted run's journal, folds it, and reopens the
// run where it stopped: on the simulated cluster saved beside it, or on the
// real cluster through the inventory it recorded.
func OpenResume(ctx context.Context, env Env, spec ResumeSpec, view View) (*Session, error) {
	rep, err := journal.Read(spec.Journal)
	if err != nil {
		return nil, badInput(err)
	}
	// A journal edited since the run wrote it must never drive a cluster
	// (DESIGN section 11): refuse before anything is built or sent.
	if err := rep.Integrity.Err(spec.Journal); err != nil {
		return nil, badInput(wrap(say("%s. Resume refuses a journal it cannot verify; nothing was sent to the cluster. The record can still be read: cmsrunbook report --journal %s", err, spec.Journal), err))
	}
	prog := runbook.Fold(rep.Events)
	if prog.Started == nil {
		return nil, usage(say("%s: the journal has no run-started event; there is nothing to resume", spec.Journal))
	}
	if d := (&runbook.Plan{Steps: prog.Started.Plan}).Digest(); d != prog.Started.Digest {
		return nil, badInput(errors.New(say("journal %s: the plan recorded in run-started does not match its digest (recorded %q, the plan hashes to %s): it is not the plan that was confirmed. Resume refuses it; nothing was sent to the cluster", spec.Journal, prog.Started.Digest, d)))
	}
	if prog.IsFinished() && prog.Finished.Status == runbook.RunSucceeded {
		return nil, &ErrFinished{Journal: spec.Journal, Status: prog.Finished.Status}
	}
	r := resumed{rep: &rep, prog: prog, path: spec.Journal}
	switch prog.Started.Options["mode"] {
	case "real":
		return r.openReal(ctx, env, view)
	case "sim":
		return r.openSim(ctx, env, spec, view)
	}
	return nil, usage(say("%s: the journal records no run mode this build can resume", spec.Journal))
}

// resumed is a journal being reopened.
type resumed struct {
	rep  *journal.Replay
	prog *runbook.RunProgress
	path string
}

// session makes the session for the recorded plan, with the journal so far.
func (r *resumed) session(env Env, view View, opts runbook.Options) *Session {
	opts.Goal = r.prog.Started.Goal
	o := r.prog.Started.Options
	return &Session{env: env, view: view, plan: r.prog.Plan(), opts: opts, runID: o["run-id"],
		progress: r.prog, history: r.rep.Events}
}

// resumedEvent is the run-resumed record: how far the run got, and whether
// the outage is still on.
func (r *resumed) resumedEvent(env Env, at time.Time, reconnected string) runbook.Event {
	n := len(r.prog.Started.Plan)
	msg := say("%d of %d steps done", n-len(r.prog.Remaining()), n)
	if r.rep.Torn {
		msg = say("%s; the journal's last line (line %s) was cut short by the crash and was dropped", msg, strconv.Itoa(r.rep.TornLine))
	}
	if reconnected != "" {
		msg = say("%s; reconnected to %s over WinRM", msg, reconnected)
	}
	if r.prog.OutageOpen {
		msg = say("%s; THE OUTAGE IS STILL ON: the CMS is down", msg)
	}
	return runbook.Event{Event: runbook.EvRunResumed, Message: msg, Operator: Operator(env.Getenv), Time: engine.Stamp(at)}
}

// lastCluster is the cluster the screen shows until the first observation:
// as the run found it, else the fallback.
func (r *resumed) lastCluster(fallback runbook.Cluster) runbook.Cluster {
	if c := r.prog.Started.Cluster; c != nil {
		return *c
	}
	return fallback
}

func (r *resumed) openSim(ctx context.Context, env Env, spec ResumeSpec, view View) (*Session, error) {
	if view.Yes && !view.Headless {
		return nil, usage(say("--yes needs --headless"))
	}
	o := r.prog.Started.Options
	sc, err := config.ResolveScenario(assets.Scenarios, r.prog.Started.Source)
	if err != nil {
		return nil, badInput(err)
	}
	// The rehearsal's --fault specs, recorded at its start, apply again.
	if _, err := config.AddFaults(sc, recordedFaults(o)); err != nil {
		return nil, badInput(err)
	}
	speedText := o["speed"]
	if spec.Speed != "" {
		speedText = spec.Speed
	}
	speed, err := ParseSpeed(speedText)
	if err != nil {
		return nil, inputf("%v", err)
	}
	seed, _ := strconv.ParseInt(o["seed"], 10, 64)
	of, err := headless.ParseOnFailure(o["on-failure"])
	if err != nil {
		of = headless.FailAbort
	}
	s := r.session(env, view, sc.Options)
	s.world = filepath.Join(filepath.Dir(r.path), o["world"])
	data, err := os.ReadFile(s.world)
	if err != nil {
		return nil, usage(say("%s: the simulated cluster saved with the run cannot be read: %s", r.path, err))
	}
	if s.sim, err = sim.Restore(sc, data, sim.Options{Speed: speed, Seed: seed}); err != nil {
		return nil, inputf("%s: %v", s.world, err)
	}
	s.exec, s.clock = savingExec{s.sim, s}, s.sim
	if err := r.sameCluster(ctx, s.exec, s.world); err != nil {
		return nil, err
	}
	s.screen = screenInfo{title: say("Resumed: %s", sc.Title), source: sc.Name, cluster: r.lastCluster(sc.Cluster), speed: speed}
	if err := s.begin(r.path, sc.Cluster.Name, false); err != nil {
		return nil, err
	}
	s.confirm = pickConfirmer(view.Yes, of, env, view.Lang)
	s.opening = []runbook.Event{r.resumedEvent(env, s.sim.Now(), "")}
	return s, nil
}

func (r *resumed) openReal(ctx context.Context, env Env, view View) (*Session, error) {
	if view.Yes {
		return nil, usage(say("resume: --yes is refused for a run against a real cluster"))
	}
	conn, err := connect(r.prog.Started.Source, env, view.Lang)
	if err != nil {
		return nil, err
	}
	o := r.prog.Started.Options
	opts := conn.inv.Options
	if p := o["package"]; p != "" {
		opts.Package = p
	}
	if o["move-back"] == "true" {
		opts.MoveBack = true
	}
	s := r.session(env, view, opts)
	s.useReal(conn)
	if where := journal.SecretIn(r.prog.Started.Plan, r.prog.Started.Source, r.prog.Started.Cluster, conn.password); where != "" {
		return nil, secretRefused(where)
	}
	if err := r.sameCluster(ctx, conn.ex, conn.path); err != nil {
		return nil, err
	}
	name := conn.inv.Cluster
	if c := r.prog.Started.Cluster; c != nil {
		name = c.Name // the lock is the recorded cluster's, whatever the inventory now says
	}
	s.screen = screenInfo{title: say("LIVE cluster %s (resumed)", name), source: r.path, cluster: r.lastCluster(runbook.Cluster{Name: name})}
	if err := s.begin(r.path, name, false, conn.password); err != nil {
		return nil, err
	}
	s.opening = []runbook.Event{r.resumedEvent(env, time.Now(), name)}
	return s, nil
}

// sameCluster refuses to resume against another cluster than the one the
// run began on (an inventory edited or swapped since): the name, the node
// names and the CMS names must match the record's, before anything is
// sent. A cluster that cannot be read now cannot be checked, so the resume
// waits for it rather than trust it.
func (r *resumed) sameCluster(ctx context.Context, ex engine.Executor, where string) error {
	rec := r.prog.Started.Cluster
	if rec == nil {
		return nil
	}
	obs, err := ex.Observe(ctx)
	if err != nil {
		return wrap(say("%s: cluster %s cannot be read to check that it is the one the run in %s began on (%s); nothing was sent: resume once its nodes answer", where, rec.Name, r.path, err), err)
	}
	if why := clusterDiffers(rec, &obs.Cluster); why != "" {
		return usage(say("%s: the run in %s was on cluster %s, but %s now reaches a different cluster (%s). Nothing was sent; resume only against the cluster the window began on.",
			where, r.path, rec.Name, where, why))
	}
	return nil
}

// clusterDiffers says how live differs from the recorded cluster in name,
// nodes or clustered mailbox servers; "" when it is the same cluster.
func clusterDiffers(rec, live *runbook.Cluster) string {
	if !strings.EqualFold(rec.Name, live.Name) {
		return say("it is named %s", live.Name)
	}
	names := func(c *runbook.Cluster, cms bool) string {
		var out []string
		if cms {
			for _, g := range c.CMSs() {
				out = append(out, strings.ToUpper(g.Name))
			}
		} else {
			for _, n := range c.Nodes {
				out = append(out, strings.ToUpper(n.Name))
			}
		}
		sort.Strings(out)
		return strings.Join(out, ", ")
	}
	if a, b := names(rec, false), names(live, false); a != b {
		return say("its nodes are %s, the record's %s", b, a)
	}
	if a, b := names(rec, true), names(live, true); a != b {
		return say("its clustered mailbox servers are %s, the record's %s", b, a)
	}
	return ""
}
