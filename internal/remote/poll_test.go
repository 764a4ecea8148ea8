package remote_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/remote"
	"cmsrunbook/internal/sim"
	"cmsrunbook/runbook"
)

// wire counts, per node, what the emulator served: requests by action,
// shells created, powershell.exe runs by script, and the Exchange part of
// discovery (a job-start of a discover-* job: a scheduled task that loads
// the snap-in).
type wire struct {
	mu       sync.Mutex
	requests map[string]int            // node -> requests
	actions  map[string]map[string]int // node -> action -> count
	scripts  map[string]map[string]int // node -> script name -> powershell.exe runs
	ps       map[string]int            // node -> powershell.exe runs
	exchange map[string]int            // node -> Exchange reads started
}

func newWire() *wire {
	return &wire{requests: map[string]int{}, actions: map[string]map[string]int{}, scripts: map[string]map[string]int{},
		ps: map[string]int{}, exchange: map[string]int{}}
}

func (w *wire) trace(node, action, line string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.requests[node]++
	if w.actions[node] == nil {
		w.actions[node] = map[string]int{}
		w.scripts[node] = map[string]int{}
	}
	w.actions[node][action]++
	if action != "Command" {
		return
	}
	script, isPS, err := remote.DecodeCommand(strings.TrimPrefix(line, "cmd /c "))
	if !isPS || err != nil {
		return
	}
	p := remote.ParseScript(script)
	w.ps[node]++
	w.scripts[node][p.Name]++
	if p.Name == remote.ScriptJobStart && strings.HasPrefix(p.Params["JobId"], "discover-") {
		w.exchange[node]++
	}
}

// reset forgets what was counted.
func (w *wire) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := newWire()
	w.requests, w.actions, w.scripts, w.ps, w.exchange = n.requests, n.actions, n.scripts, n.ps, n.exchange
}

type nodeCost struct {
	requests, shells, commands, ps, exchange int
	scripts                                  map[string]int
}

func (w *wire) cost(node string) nodeCost {
	w.mu.Lock()
	defer w.mu.Unlock()
	sc := map[string]int{}
	for k, v := range w.scripts[node] {
		sc[k] = v
	}
	return nodeCost{requests: w.requests[node], shells: w.actions[node]["Create"], commands: w.actions[node]["Command"],
		ps: w.ps[node], exchange: w.exchange[node], scripts: sc}
}

func (w *wire) totalExchange() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, v := range w.exchange {
		n += v
	}
	return n
}

// TestPollCostPerNode measures what one poll costs each node: round
// trips, shells, powershell.exe runs and Exchange reads. It logs the
// figures (the "measure first") and holds a wait poll to one
// powershell.exe per node, no new shell and no Exchange task, and a
// discovery to one Exchange task.
func TestPollCostPerNode(t *testing.T) {
	wr := newWire()
	w := serve(t, config.DefaultScenario, worldOpts{trace: wr.trace})
	ctx := context.Background()
	full, err := w.exec.Observe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lead := w.inv.Nodes[0].Name
	for _, n := range w.inv.Nodes {
		c := wr.cost(n.Name)
		t.Logf("discovery (Observe), %s: %d round trips, %d shells, %d commands, %d powershell.exe %v, %d Exchange tasks", n.Name, c.requests, c.shells, c.commands, c.ps, c.scripts, c.exchange)
		want := 0
		if n.Name == lead {
			want = 1
		}
		if c.exchange != want {
			t.Errorf("discovery started %d Exchange tasks on %s, want %d", c.exchange, n.Name, want)
		}
	}
	for round := range 3 {
		wr.reset()
		obs, err := w.exec.ObserveWait(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range w.inv.Nodes {
			c := wr.cost(n.Name)
			t.Logf("wait poll %d, %s: %d round trips, %d shells, %d commands, %d powershell.exe %v, %d Exchange tasks", round+1, n.Name, c.requests, c.shells, c.commands, c.ps, c.scripts, c.exchange)
			if c.ps != 1 || c.commands != 1 {
				t.Errorf("wait poll %d: %d powershell.exe runs (%d commands) on %s, want 1", round+1, c.ps, c.commands, n.Name)
			}
			if c.exchange != 0 {
				t.Errorf("wait poll %d created an Exchange task on %s", round+1, n.Name)
			}
			if c.shells != 0 {
				t.Errorf("wait poll %d opened %d shells on %s: the kept one was not reused", round+1, c.shells, n.Name)
			}
		}
		// The lead's one run answers for the cluster too.
		if got := wr.cost(lead).scripts[remote.ScriptDiscoverCluster]; got != 1 {
			t.Errorf("the lead ran %v, want the node and cluster scripts in one run", wr.cost(lead).scripts)
		}
		if !sameView(full, obs) {
			t.Errorf("wait poll %d reads\n%+v\nwhere discovery read\n%+v", round+1, obs.Cluster, full.Cluster)
		}
	}
	// A full observation always reads Exchange afresh.
	wr.reset()
	if _, err := w.exec.Observe(ctx); err != nil {
		t.Fatal(err)
	}
	if wr.totalExchange() != 1 {
		t.Errorf("Observe after wait polls started %d Exchange tasks, want 1", wr.totalExchange())
	}
}

// sameView compares what the planner and the checks read.
func sameView(a, b runbook.Observation) bool {
	ca, cb := a.Cluster, b.Cluster
	if ca.Name != cb.Name || ca.Type != cb.Type || ca.Replication != cb.Replication || len(ca.Groups) != len(cb.Groups) || len(ca.Nodes) != len(cb.Nodes) {
		return false
	}
	for i := range ca.Groups {
		if ca.Groups[i].Name != cb.Groups[i].Name || ca.Groups[i].State != cb.Groups[i].State || ca.Groups[i].Owner != cb.Groups[i].Owner || ca.Groups[i].Build != cb.Groups[i].Build {
			return false
		}
	}
	for i := range ca.Nodes {
		if ca.Nodes[i].Name != cb.Nodes[i].Name || ca.Nodes[i].State != cb.Nodes[i].State || ca.Nodes[i].Build != cb.Nodes[i].Build {
			return false
		}
	}
	return true
}

// stopCMS is the Exchange step that takes the default scenario's CMS
// down.
func stopCMS(w *world) runbook.Command {
	g := w.sc.Cluster.Groups
	var cms, owner string
	for _, x := range g {
		if x.CMS {
			cms, owner = x.Name, x.Owner
		}
	}
	return runbook.Command{Node: owner, Shell: runbook.ShellPowerShell, Kind: runbook.KindStopCMS,
		Line: "Stop-ClusteredMailboxServer -Identity " + runbook.PSQuote(cms) + " -StopReason 'test' -Confirm:$false"}
}

// TestWaitPollSeesExchangeChanges: a wait poll after a command that
// changes Exchange state (here, stopping the CMS through the executor)
// reads Exchange again and sees the change; so does one after the CMS
// changed behind the executor's back, which the cluster's own view of
// the CMS group shows first.
func TestWaitPollSeesExchangeChanges(t *testing.T) {
	ctx := context.Background()
	for _, how := range []string{"executor", "behind its back"} {
		t.Run(how, func(t *testing.T) {
			wr := newWire()
			w := serve(t, config.DefaultScenario, worldOpts{trace: wr.trace})
			if _, err := w.exec.Observe(ctx); err != nil {
				t.Fatal(err)
			}
			obs, err := w.exec.ObserveWait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cmd := stopCMS(w)
			cms := obs.Cluster.CMSs()[0].Name
			if g := obs.Cluster.Group(cms); g.State != runbook.GroupOnline {
				t.Fatalf("CMS %s before the stop", g.State)
			}
			if how == "executor" {
				_, err = w.exec.Run(ctx, cmd, nil)
			} else {
				_, err = w.sim.Run(ctx, cmd, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			wr.reset()
			obs, err = w.exec.ObserveWait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if g := obs.Cluster.Group(cms); g.State != runbook.GroupOffline {
				t.Errorf("the wait poll after the stop sees %s %s", cms, g.State)
			}
			if wr.totalExchange() != 1 {
				t.Errorf("the wait poll after the stop started %d Exchange tasks, want 1", wr.totalExchange())
			}
			// Read, it is kept again.
			wr.reset()
			if _, err := w.exec.ObserveWait(ctx); err != nil {
				t.Fatal(err)
			}
			if wr.totalExchange() != 0 {
				t.Errorf("the next wait poll started %d Exchange tasks", wr.totalExchange())
			}
		})
	}
}

// TestNodeStepsKeepTheExchangeView: pausing and resuming a node do not
// change what Exchange reports, so the wait polls after them reuse the
// view; anything else sent through the executor is taken to change it.
func TestNodeStepsKeepTheExchangeView(t *testing.T) {
	ctx := context.Background()
	wr := newWire()
	w := serve(t, config.DefaultScenario, worldOpts{trace: wr.trace})
	if _, err := w.exec.Observe(ctx); err != nil {
		t.Fatal(err)
	}
	node := w.inv.Nodes[1].Name
	for _, c := range []struct {
		cmd   runbook.Command
		reads int
	}{
		{runbook.Command{Node: node, Line: "cluster.exe node " + node + " /pause", Kind: runbook.KindPauseNode}, 0},
		{runbook.Command{Node: node, Line: "cluster.exe node " + node + " /resume", Kind: runbook.KindResumeNode}, 0},
		{runbook.Command{Node: node, Line: "cluster.exe node"}, 1}, // not a step: it may be anything
	} {
		if _, err := w.exec.Run(ctx, c.cmd, nil); err != nil {
			t.Fatal(err)
		}
		wr.reset()
		if _, err := w.exec.ObserveWait(ctx); err != nil {
			t.Fatal(err)
		}
		if got := wr.totalExchange(); got != c.reads {
			t.Errorf("after %q (%s) the wait poll started %d Exchange tasks, want %d", c.cmd.Line, c.cmd.Kind, got, c.reads)
		}
	}
}

// TestKeptShellSurvivesIdleTimeout: a kept shell the node deleted for
// idleness answers the next Command with "shell not found", which the
// node sends before running anything: the command goes out again in a
// new shell, and runs once.
func TestKeptShellSurvivesIdleTimeout(t *testing.T) {
	ctx := context.Background()
	wr := newWire()
	w := serve(t, config.DefaultScenario, worldOpts{trace: wr.trace})
	node := w.inv.Nodes[0].Name
	cmd := runbook.Command{Node: node, Line: "cluster.exe node " + node + " /pause", Kind: runbook.KindPauseNode}
	if _, err := w.exec.Run(ctx, runbook.Command{Node: node, Line: "cluster.exe node"}, nil); err != nil {
		t.Fatal(err)
	}
	if n := w.sv.Server.ExpireIdleShells(node); n != 1 {
		t.Fatalf("%d idle shells on %s, want the one kept", n, node)
	}
	wr.reset()
	sent := len(w.sim.Sent())
	var out []string
	res, err := w.exec.Run(ctx, cmd, func(l runbook.OutputLine) { out = append(out, l.Text) })
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("after the idle timeout: exit %d, %v\n%s", res.ExitCode, err, strings.Join(out, "\n"))
	}
	c := wr.cost(node)
	if c.commands != 2 || c.shells != 1 {
		t.Errorf("%d Command requests, %d shells: want the refused one, then one in a new shell", c.commands, c.shells)
	}
	var runs int
	for _, s := range w.sim.Sent()[sent:] {
		if s.Line == cmd.Line {
			runs++
		}
	}
	if runs != 1 {
		t.Errorf("the node ran %q %d times", cmd.Line, runs)
	}
	if snap := w.sim.Snapshot(); snap.Cluster.Node(node).State != runbook.NodePaused {
		t.Errorf("%s is %s", node, snap.Cluster.Node(node).State)
	}
	// The new shell is kept in turn.
	wr.reset()
	if _, err := w.exec.Run(ctx, runbook.Command{Node: node, Line: "cluster.exe node"}, nil); err != nil {
		t.Fatal(err)
	}
	if c := wr.cost(node); c.shells != 0 || c.requests != 3 {
		t.Errorf("next command: %d shells, %d round trips; want the kept shell, Command Receive Signal", c.shells, c.requests)
	}
}

// TestDroppedCommandIsNotSentAgain: a command whose reply was lost after
// the node took it is reported, not sent again, and its shell is not
// kept.
func TestDroppedCommandIsNotSentAgain(t *testing.T) {
	ctx := context.Background()
	wr := newWire()
	w := serve(t, config.DefaultScenario, worldOpts{trace: wr.trace})
	node := w.inv.Nodes[0].Name
	if _, err := w.exec.Run(ctx, runbook.Command{Node: node, Line: "cluster.exe node"}, nil); err != nil {
		t.Fatal(err)
	}
	cmd := runbook.Command{Node: node, Line: "cluster.exe node " + node + " /pause", Kind: runbook.KindPauseNode}
	sent := len(w.sim.Sent())
	w.sv.Server.DropNextReceive(node)
	wr.reset()
	if _, err := w.exec.Run(ctx, cmd, nil); err == nil {
		t.Fatal("a dropped Receive reported success")
	}
	if c := wr.cost(node); c.commands != 1 {
		t.Errorf("%d Command requests after a drop, want 1", c.commands)
	}
	runs := 0
	for _, s := range w.sim.Sent()[sent:] {
		if s.Line == cmd.Line {
			runs++
		}
	}
	if runs > 1 {
		t.Errorf("the node ran %q %d times", cmd.Line, runs)
	}
	wr.reset()
	if _, err := w.exec.Run(ctx, runbook.Command{Node: node, Line: "cluster.exe node"}, nil); err != nil {
		t.Fatal(err)
	}
	if c := wr.cost(node); c.shells != 1 {
		t.Errorf("the command after a drop opened %d shells: the dropped command's shell was kept", c.shells)
	}
}

// TestPairedScriptsPrintWhatEachPrints: the node and cluster scripts run
// as one (BuildScripts: squeezed, the shared first lines once) print
// exactly the records the two print run apart, on 2003 and 2008 nodes, in
// English, Japanese and Italian, with a Setup left half done and with the
// Cluster service stopped; and the pair without paths fits one cmd.exe
// line.
func TestPairedScriptsPrintWhatEachPrints(t *testing.T) {
	ctx := context.Background()
	paths := []remote.Param{{Name: "Paths", Value: `D:\Exchange2007SP2\Setup.com|D:\Updates\missing.msp`}}
	run := func(t *testing.T, s *sim.Sim, node, src string) []string {
		t.Helper()
		var out, errs []string
		code, err := s.RunPowerShell(ctx, node, src, sim.HostOptions{Logon: sim.LogonNetwork},
			func(l string) { out = append(out, l) }, func(l string) { errs = append(errs, l) })
		if err != nil || code != 0 || len(errs) > 0 {
			t.Fatalf("%s: exit %d, %v\n%s", node, code, err, strings.Join(errs, "\n"))
		}
		return out
	}
	for _, scenario := range []string{"ccr-2003-sp2-ja", "ccr-2008-sp1-to-sp2", "scc-3node-sp2-it", "setup-incomplete-node", "block-node-down"} {
		t.Run(scenario, func(t *testing.T) {
			sc, err := config.ResolveScenario(assets.Scenarios, scenario)
			if err != nil {
				t.Fatal(err)
			}
			s := sim.New(sc, sim.Options{Seed: 1})
			for _, n := range sc.Cluster.Nodes {
				if snap := s.Snapshot(); !snap.Fact(n.Name).Reachable {
					continue
				}
				var apart []string
				for _, name := range []string{remote.ScriptDiscoverNode, remote.ScriptDiscoverCluster} {
					src, err := remote.BuildScript(name, paths, "")
					if err != nil {
						t.Fatal(err)
					}
					apart = append(apart, run(t, s, n.Name, src)...)
				}
				src, err := remote.BuildScripts([]string{remote.ScriptDiscoverNode, remote.ScriptDiscoverCluster}, paths)
				if err != nil {
					t.Fatal(err)
				}
				if got := run(t, s, n.Name, src); strings.Join(got, "\n") != strings.Join(apart, "\n") {
					t.Errorf("%s: together\n%s\napart\n%s", n.Name, strings.Join(got, "\n"), strings.Join(apart, "\n"))
				}
			}
		})
	}
	src, err := remote.BuildScripts([]string{remote.ScriptDiscoverNode, remote.ScriptDiscoverCluster}, []remote.Param{{Name: "Paths", Value: ""}})
	if err != nil {
		t.Fatal(err)
	}
	line, err := remote.EncodeCommand(src)
	if err != nil {
		t.Fatalf("a wait poll's pair does not fit: %v", err)
	}
	t.Logf("a wait poll's pair: %d characters of script, %d of cmd.exe line (of 8191)", len(src), len(line))
}

// countingExec is the WinRM executor as the engine sees it, noting for
// each observation whether it was a wait poll and whether it read
// Exchange, by the kind of the last command sent before it.
type countingExec struct {
	*remote.Executor
	wr   *wire
	last runbook.StepKind
	// per kind of the last command: wait polls, Exchange reads they
	// made, full observations, and whether the first observation after
	// the command read Exchange.
	waits, waitReads, fulls map[runbook.StepKind]int
	firstFresh              map[runbook.StepKind][]bool
	seen                    bool // an observation since the last command
}

func newCountingExec(ex *remote.Executor, wr *wire) *countingExec {
	return &countingExec{Executor: ex, wr: wr, waits: map[runbook.StepKind]int{}, waitReads: map[runbook.StepKind]int{},
		fulls: map[runbook.StepKind]int{}, firstFresh: map[runbook.StepKind][]bool{}}
}

func (c *countingExec) sent(k runbook.StepKind) { c.last, c.seen = k, false }

func (c *countingExec) Run(ctx context.Context, cmd runbook.Command, out func(runbook.OutputLine)) (runbook.ExecResult, error) {
	c.sent(cmd.Kind)
	return c.Executor.Run(ctx, cmd, out)
}

func (c *countingExec) StartJob(ctx context.Context, cmd runbook.Command, id string) error {
	c.sent(cmd.Kind)
	return c.Executor.StartJob(ctx, cmd, id)
}

func (c *countingExec) observed(read int) {
	if !c.seen && c.last != "" {
		c.firstFresh[c.last] = append(c.firstFresh[c.last], read > 0)
	}
	c.seen = true
}

func (c *countingExec) Observe(ctx context.Context) (runbook.Observation, error) {
	before := c.wr.totalExchange()
	obs, err := c.Executor.Observe(ctx)
	c.fulls[c.last]++
	c.observed(c.wr.totalExchange() - before)
	return obs, err
}

func (c *countingExec) ObserveWait(ctx context.Context) (runbook.Observation, error) {
	before := c.wr.totalExchange()
	obs, err := c.Executor.ObserveWait(ctx)
	read := c.wr.totalExchange() - before
	c.waits[c.last]++
	c.waitReads[c.last] += read
	c.observed(read)
	return obs, err
}

var _ engine.WaitObserver = (*countingExec)(nil)

// TestWindowWaitsSpareExchange runs a whole CCR service-pack window over
// WinRM and checks what an engineer would notice on the nodes: while a
// node restarts the engine's polls start no Exchange task (but for one
// refresh of the screen's view a minute), and every verification after a
// step that changes Exchange (a CMS stopped, moved, upgraded, Setup) reads
// Exchange afresh, so it sees the CMS as the step left it.
func TestWindowWaitsSpareExchange(t *testing.T) {
	wr := newWire()
	w := serve(t, config.DefaultScenario, worldOpts{trace: wr.trace})
	ce := newCountingExec(w.exec, wr)
	obs, err := ce.Observe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	plan, err := runbook.MakePlan(obs.Cluster, w.inv.Options)
	if err != nil {
		t.Fatal(err)
	}
	var evs []runbook.Event
	eng := engine.New(engine.Config{Exec: ce, Clock: w.sim, Confirmer: headless.Auto{OnFailure: headless.FailAbort},
		Emit: func(ev runbook.Event) error { evs = append(evs, ev); return nil }, RunID: "wtest", Options: w.inv.Options})
	st, err := eng.Run(context.Background(), plan, nil)
	if err != nil || st != runbook.RunSucceeded {
		t.Fatalf("window: %s %v", st, err)
	}
	t.Logf("wait polls by the command before them: %v; Exchange reads in them: %v; full observations: %v", ce.waits, ce.waitReads, ce.fulls)
	reboots := ce.waits[runbook.KindRebootNode]
	if reboots == 0 {
		t.Fatal("no wait poll during a restart")
	}
	if r := ce.waitReads[runbook.KindRebootNode]; r > reboots/12 {
		t.Errorf("%d wait polls during restarts started %d Exchange tasks; want at most one a dozen polls", reboots, r)
	}
	for _, k := range []runbook.StepKind{runbook.KindStopCMS, runbook.KindMoveCMS, runbook.KindUpgradeCMS, runbook.KindSetupUpgrade} {
		fresh := ce.firstFresh[k]
		if len(fresh) == 0 {
			t.Errorf("no observation after a %s step", k)
		}
		for i, f := range fresh {
			if !f {
				t.Errorf("the observation after %s step %d did not read Exchange afresh", k, i+1)
			}
		}
		if k != runbook.KindSetupUpgrade && ce.waits[k] > 0 {
			t.Errorf("%d wait polls verified a %s step: its postcondition reads Exchange", ce.waits[k], k)
		}
	}
}
