package sim

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// load resolves an embedded scenario.
func load(t testing.TB, name string) *config.Scenario {
	t.Helper()
	sc, err := config.ResolveScenario(assets.Scenarios, name)
	if err != nil {
		t.Fatalf("loading scenario %s: %v", name, err)
	}
	return sc
}

// newSim builds a max-speed simulation of an embedded scenario.
func newSim(t testing.TB, name string) *Sim {
	t.Helper()
	return New(load(t, name), Options{Seed: 1})
}

// result is one command's transcript.
type result struct {
	out  string
	exit int
	err  error
}

func (r result) String() string { return fmt.Sprintf("exit %d err %v\n%s", r.exit, r.err, r.out) }

func collect(lines *[]string) func(runbook.OutputLine) {
	return func(l runbook.OutputLine) { *lines = append(*lines, l.Text) }
}

// run runs a step command.
func run(t testing.TB, s *Sim, node string, kind runbook.StepKind, shell runbook.Shell, line string) result {
	t.Helper()
	var lines []string
	res, err := s.Run(context.Background(), runbook.Command{Node: node, Kind: kind, Shell: shell, Line: line}, collect(&lines))
	return result{strings.Join(lines, "\n"), res.ExitCode, err}
}

// console runs what an engineer types.
func console(t testing.TB, s *Sim, node, line string) result {
	t.Helper()
	var lines []string
	res, err := s.Console(context.Background(), node, line, collect(&lines))
	return result{strings.Join(lines, "\n"), res.ExitCode, err}
}

// job starts a detached job and tails it to its end.
func job(t testing.TB, s *Sim, node string, kind runbook.StepKind, line, id string) (string, runbook.JobState) {
	t.Helper()
	ctx := context.Background()
	if err := s.StartJob(ctx, runbook.Command{Node: node, Kind: kind, Shell: runbook.ShellCmd, Line: line, StepID: id}, id); err != nil {
		t.Fatalf("StartJob %s on %s: %v", line, node, err)
	}
	var lines []string
	st, err := s.TailJob(ctx, node, id, 0, func(l runbook.OutputLine, _ int64) { lines = append(lines, l.Text) })
	if err != nil {
		t.Fatalf("TailJob %s on %s: %v", id, node, err)
	}
	return strings.Join(lines, "\n"), st
}

// waitFor polls the world every 5 simulated seconds until cond holds.
func waitFor(t testing.TB, s *Sim, limit time.Duration, what string, cond func(runbook.Observation) bool) runbook.Observation {
	t.Helper()
	ctx := context.Background()
	deadline := s.Now().Add(limit)
	for {
		o, err := s.Observe(ctx)
		if err == nil && cond(o) {
			return o
		}
		if s.Now().After(deadline) {
			t.Fatalf("after %v: %s never happened; last observation %+v (err %v)", limit, what, o.Cluster, err)
		}
		if err := s.Sleep(ctx, 5*time.Second); err != nil {
			t.Fatal(err)
		}
	}
}

func nodeState(o runbook.Observation, n string) runbook.NodeState { return o.Cluster.Node(n).State }

// driveWindow runs a whole plan the way the engine does: detached jobs for
// the long steps, polling for postconditions. It fails the test on any
// step whose postcondition does not hold, and returns the transcript.
func driveWindow(t testing.TB, s *Sim, plan *runbook.Plan) string {
	t.Helper()
	ctx := context.Background()
	var tr strings.Builder
	for _, st := range plan.Steps {
		fmt.Fprintf(&tr, "== %s %s\n", st.ID, s.Now().Format(time.TimeOnly))
		before, err := s.Observe(ctx)
		if err != nil {
			t.Fatalf("%s: observe: %v", st.ID, err)
		}
		if st.When == runbook.IfCMSNotOnline {
			if g := before.Cluster.Group(st.CMS); g != nil && g.State == runbook.GroupOnline {
				continue
			}
		}
		if st.When == runbook.IfRebootRequired && !before.Cluster.Node(st.Node).Pending {
			continue
		}
		for _, line := range st.Commands {
			cmd := runbook.Command{Node: st.Node, Shell: st.Shell, Line: line, StepID: st.ID, Kind: st.Kind}
			if st.Kind.Detached() {
				if err := s.StartJob(ctx, cmd, st.ID); err != nil {
					t.Fatalf("%s: start: %v", st.ID, err)
				}
				js, err := s.TailJob(ctx, st.Node, st.ID, 0, func(l runbook.OutputLine, _ int64) { tr.WriteString(l.Text + "\n") })
				if err != nil {
					t.Fatalf("%s: tail: %v", st.ID, err)
				}
				if js.Running || js.ExitCode != 0 && js.ExitCode != 3010 {
					t.Fatalf("%s: job ended %+v\n%s", st.ID, js, tr.String())
				}
				continue
			}
			res, err := s.Run(ctx, cmd, func(l runbook.OutputLine) { tr.WriteString(l.Text + "\n") })
			if err != nil || res.ExitCode != 0 {
				t.Fatalf("%s: %q: exit %d, %v\n%s", st.ID, line, res.ExitCode, err, tr.String())
			}
		}
		checkPost(t, s, st, before)
	}
	return tr.String()
}

// checkPost waits for a step's postcondition.
func checkPost(t testing.TB, s *Sim, st runbook.Step, before runbook.Observation) {
	t.Helper()
	p := st.Post
	limit := 10 * time.Minute
	if p.BootChanged {
		boot := before.Fact(st.Node).BootID
		waitFor(t, s, limit, st.ID+": node down", func(o runbook.Observation) bool { return !o.Fact(st.Node).Reachable })
		waitFor(t, s, limit, st.ID+": node back", func(o runbook.Observation) bool {
			f := o.Fact(st.Node)
			return f.Reachable && f.ClusterService && f.BootID != boot
		})
	}
	waitFor(t, s, limit, st.ID+": "+p.Text, func(o runbook.Observation) bool {
		c := &o.Cluster
		if p.NodeState != "" && c.Node(st.Node).State != p.NodeState {
			return false
		}
		if p.OwnsNoGroups && len(c.Owned(st.Node)) > 0 {
			return false
		}
		for _, g := range p.GroupsOnline {
			if c.Group(g).State != runbook.GroupOnline {
				return false
			}
		}
		if p.NodeBuild != "" && c.Node(st.Node).Build != runbook.MustBuild(p.NodeBuild) {
			return false
		}
		if p.CMS != "" {
			g := c.Group(p.CMS)
			if p.CMSState != "" && g.State != p.CMSState || p.CMSOwner != "" && !eq(g.Owner, p.CMSOwner) ||
				p.CMSBuild != "" && g.Build != runbook.MustBuild(p.CMSBuild) {
				return false
			}
		}
		if p.Invariants {
			for _, n := range c.Nodes {
				if n.State != runbook.NodeUp {
					return false
				}
			}
			for _, g := range c.Groups {
				if g.State != runbook.GroupOnline {
					return false
				}
			}
			if c.Type == runbook.CCR && !c.Replication.Healthy {
				return false
			}
		}
		return true
	})
}

// plan makes the plan of a scenario.
func plan(t testing.TB, sc *config.Scenario) *runbook.Plan {
	t.Helper()
	p, err := runbook.MakePlan(sc.Cluster, sc.Options)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// snapGroup and snapNode read one object of the current world.
func snapGroup(s *Sim, name string) runbook.Group {
	o := s.Snapshot()
	return *o.Cluster.Group(name)
}

func snapNode(s *Sim, name string) runbook.Node {
	o := s.Snapshot()
	return *o.Cluster.Node(name)
}

func snapFact(s *Sim, name string) runbook.NodeFacts {
	o := s.Snapshot()
	return o.Fact(name)
}
