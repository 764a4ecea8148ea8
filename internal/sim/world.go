package sim

import (
	"fmt"
	"strings"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// world is the cluster's state. Everything in it is read and changed with
// Sim.mu held.
type world struct {
	name   string
	typ    runbook.ClusterType
	os     runbook.OS
	mgmt   *runbook.ManagementHost
	domain string
	opts   runbook.Options
	nodes  []*node
	groups []*group
	repl   replication
	quorum quorum
}

// node is one cluster member. The state cluster.exe shows is derived from
// the facts (OS up, Cluster service running, paused flag), because a pause
// is a property of the membership that survives a reboot.
type node struct {
	name string
	id   int
	os   runbook.OS
	// build is what Setup last finished configuring (the roles'
	// ConfiguredVersion), which discovery reports; files is the version
	// of the Exchange binaries (ExSetup.exe). They differ only while a
	// Setup that copied new binaries has not finished: then watermark
	// names the role key holding Setup's Watermark and Action values.
	build     runbook.Build
	files     runbook.Build
	watermark string
	paused    bool
	reachable bool // the OS answers (WinRM)
	clussvc   bool // the Cluster service runs
	joining   bool // the Cluster service is starting after a boot
	// waitQuorum: the Cluster service stopped because the cluster lost
	// quorum; it starts again as soon as quorum is back.
	waitQuorum bool
	bootTime   time.Time
	pending    bool
	// epoch counts shutdowns, so events of an earlier boot (a Cluster
	// service restart scheduled by an install) do not touch the new one.
	epoch       int
	shutdownAt  time.Time // zero unless a shutdown is scheduled
	jobs        map[string]*proc
	live        []*proc // procs that may still run (a shutdown kills them)
	setupStarts int
	// missing are files the scenario says were never copied to this node
	// (its media or package): its disk lacks them.
	missing []string
}

func (n *node) state() runbook.NodeState {
	switch {
	case n.reachable && n.joining:
		return runbook.NodeJoining
	case !n.reachable || !n.clussvc:
		return runbook.NodeDown
	case n.paused:
		return runbook.NodePaused
	}
	return runbook.NodeUp
}

// canHost reports a node groups may move or fail over to: Up, not Paused.
func (n *node) canHost() bool { return n.state() == runbook.NodeUp }

func (n *node) bootID() string { return n.bootTime.UTC().Format(time.RFC3339) }

// group is a cluster resource group; a CMS is one with cms set.
type group struct {
	name  string
	owner string
	// state is the group's own state; for a CMS an Online state with a
	// dismounted database reads Partially Online (see displayState).
	state runbook.GroupState
	cms   bool
	build runbook.Build
	// broken: every node now runs a newer service pack than the CMS, so
	// it cannot start and /upgradecms refuses (PROCEDURES 6, story 1).
	broken    bool
	resources []string
	dbs       []*database
	// op identifies the transition in progress; a scheduled step of an
	// earlier transition is dropped when op has moved on.
	op int
	// restore: the group went offline because its node went down with
	// nowhere to fail over; it comes back when the node does.
	restore bool
	// witnessDown: the group holds the witness resource (a 2008 File
	// Share Witness, a quorum disk) and that resource has failed.
	witnessDown bool
}

// database is a mailbox database of a CMS, one per storage group.
type database struct {
	sg, name string
	mounted  bool
	// stuck: a late move failure left it dismounted; bringing the CMS
	// online does not mount it, Mount-Database does.
	stuck bool
}

func (g *group) displayState() runbook.GroupState {
	if g.witnessDown && g.state == runbook.GroupOnline {
		return runbook.GroupPartiallyOnline
	}
	if g.cms && g.state == runbook.GroupOnline {
		for _, d := range g.dbs {
			if !d.mounted {
				return runbook.GroupPartiallyOnline
			}
		}
	}
	return g.state
}

// replication is the CCR copy status summed over the storage groups. The
// queues drain linearly to zero over the catch-up time from drainStart.
type replication struct {
	enabled      bool
	healthy      bool
	copy, replay int
	drainStart   time.Time
	drainDur     time.Duration
}

// at returns the status at time t: queues drained by the catch-up time,
// healthy once drained or while both queues are near zero. A copy that is
// not healthy (Failed, Suspended) does not copy at all: it stays as it is
// until someone reseeds or resumes it, however long one waits.
func (r replication) at(t time.Time) (healthy bool, copyQ, replayQ int) {
	if !r.enabled {
		return true, 0, 0
	}
	if !r.healthy {
		return false, r.copy, r.replay
	}
	el := t.Sub(r.drainStart)
	if r.drainDur <= 0 || el >= r.drainDur {
		return true, 0, 0
	}
	left := float64(r.drainDur-el) / float64(r.drainDur)
	c := int(float64(r.copy)*left + 0.999)
	p := int(float64(r.replay)*left + 0.999)
	return r.healthy && c <= runbook.NearZeroQueue && p <= runbook.NearZeroQueue, c, p
}

// bump makes the queues at least copyQ/replayQ from now and drains them
// again over the catch-up time.
func (s *Sim) bumpReplication(copyQ, replayQ int) {
	r := &s.w.repl
	if !r.enabled {
		return
	}
	_, c, p := r.at(s.clk.now)
	r.healthy = true // lag, not a broken copy: healthy again once drained
	r.copy, r.replay = max(c, copyQ), max(p, replayQ)
	r.drainStart, r.drainDur = s.clk.now, s.timing.ReplicationCatchup
}

// buildWorld turns the scenario's cluster into the simulated one.
func (s *Sim) buildWorld(sc *config.Scenario) world {
	c := sc.Cluster
	w := world{name: c.Name, typ: c.Type, os: c.OS, mgmt: c.Management, domain: "example.local", opts: sc.Options}
	for i, n := range c.Nodes {
		os := n.OS
		if os.Family == "" {
			os = c.OS
		}
		nd := &node{
			name: n.Name, id: i + 1, os: os, build: n.Build, files: n.Build, pending: n.Pending,
			reachable: true, clussvc: true, jobs: map[string]*proc{},
			// Servers were last booted at some point in the past weeks.
			bootTime: Epoch.Add(-time.Duration(7*24+s.rng.IntN(21*24)) * time.Hour).Add(-time.Duration(s.rng.IntN(3600)) * time.Second),
		}
		switch n.State {
		case runbook.NodeDown:
			nd.reachable, nd.clussvc = false, false
		case runbook.NodePaused:
			nd.paused = true
		case runbook.NodeJoining:
			nd.clussvc, nd.joining = false, true
			s.after(2*time.Minute, func() { nd.joining, nd.clussvc = false, true; s.nodeJoined(nd) })
		}
		nd.missing = n.MissingFiles
		if n.SetupIncomplete {
			// An earlier Setup copied the goal's binaries and stopped
			// before it configured the Mailbox role.
			nd.watermark = "MailboxRole"
			if t := sc.Options.Goal.TargetBuild(); t.Compare(nd.files) > 0 {
				nd.files = t
			}
		}
		w.nodes = append(w.nodes, nd)
	}
	w.quorum = quorum{model: c.Quorum.Model, witness: c.Quorum.Witness}
	for _, g := range c.Groups {
		gr := &group{name: g.Name, owner: g.Owner, state: g.State, cms: g.CMS, build: g.Build}
		if gr.cms {
			if gr.build.IsZero() {
				if o := c.Node(g.Owner); o != nil {
					gr.build = o.Build
				}
			}
			gr.resources = []string{
				fmt.Sprintf("IP Address (%s)", g.Name),
				fmt.Sprintf("Network Name (%s)", g.Name),
				fmt.Sprintf("Exchange System Attendant Instance (%s)", g.Name),
				fmt.Sprintf("Exchange Information Store Instance (%s)", g.Name),
			}
			gr.dbs = []*database{
				{sg: "First Storage Group", name: "Mailbox Database", mounted: true},
				{sg: "Second Storage Group", name: "Mailbox Database 2", mounted: true},
			}
			switch g.State {
			case runbook.GroupPartiallyOnline:
				gr.state = runbook.GroupOnline
				gr.dbs[1].mounted = false
			case runbook.GroupOnline:
			default:
				for _, d := range gr.dbs {
					d.mounted = false
				}
			}
		} else if strings.EqualFold(g.Name, "Cluster Group") {
			gr.resources = []string{"Cluster IP Address", "Cluster Name"}
			if name, _ := w.quorumResource(); name != "" {
				gr.resources = append(gr.resources, name)
				gr.witnessDown = w.witnessResourceFailed(name)
			}
		} else {
			gr.resources = []string{g.Name}
		}
		if g.State == runbook.GroupOnlinePending || g.State == runbook.GroupOfflinePending {
			final := runbook.GroupOnline
			if g.State == runbook.GroupOfflinePending {
				final = runbook.GroupOffline
			}
			s.transition(gr, []step{{30 * time.Second, func() { gr.state = final }}})
		}
		w.groups = append(w.groups, gr)
	}
	w.repl = replication{
		enabled: c.Type == runbook.CCR, healthy: c.Replication.Healthy,
		copy: c.Replication.CopyQueue, replay: c.Replication.ReplayQueue,
		drainStart: Epoch,
	}
	if !w.repl.healthy || w.repl.copy > 0 || w.repl.replay > 0 {
		w.repl.drainDur = s.timing.ReplicationCatchup
	}
	return w
}

func (w *world) node(name string) *node {
	for _, n := range w.nodes {
		if eq(n.name, name) {
			return n
		}
	}
	return nil
}

func (w *world) group(name string) *group {
	for _, g := range w.groups {
		if eq(g.name, name) {
			return g
		}
	}
	return nil
}

// cms finds a CMS by name or FQDN.
func (w *world) cms(id string) *group {
	id = strings.TrimSuffix(strings.ToLower(id), "."+w.domain)
	for _, g := range w.groups {
		if g.cms && eq(g.name, id) {
			return g
		}
	}
	return nil
}

func (w *world) owned(node string) []*group {
	var out []*group
	for _, g := range w.groups {
		if eq(g.owner, node) {
			out = append(out, g)
		}
	}
	return out
}

func (w *world) runsCMS(node string) *group {
	for _, g := range w.groups {
		if g.cms && eq(g.owner, node) {
			return g
		}
	}
	return nil
}

// quorumOwner is the node that owns "Cluster Group".
func (w *world) quorumOwner() string {
	if g := w.group("Cluster Group"); g != nil {
		return g.owner
	}
	if len(w.nodes) > 0 {
		return w.nodes[0].name
	}
	return ""
}

// step is one timed part of a group transition.
type step struct {
	after time.Duration // from the start of the transition
	fn    func()
}

// transition starts a new state change of g made of timed steps; any
// transition still in progress is abandoned.
func (s *Sim) transition(g *group, steps []step) {
	g.op++
	op := g.op
	for _, st := range steps {
		fn := st.fn
		s.after(st.after, func() {
			if g.op == op {
				fn()
			}
		})
	}
}

// bringOnline runs the Online Pending -> Online transition of g on its
// current owner, taking d. A CMS that cannot run on its owner (broken, or
// its owner on another service pack) fails instead.
func (s *Sim) bringOnline(g *group, d time.Duration) {
	g.state = runbook.GroupOnlinePending
	g.restore = false
	s.transition(g, []step{{d, func() {
		if g.cms && !s.cmsCanRun(g, g.owner) {
			g.state = runbook.GroupFailed
			return
		}
		g.state = runbook.GroupOnline
		if g.cms {
			for _, db := range g.dbs {
				db.mounted = !db.stuck
			}
		}
	}}})
}

// cmsCanRun reports whether a CMS can start on a node: the node's Exchange
// binaries must be of the CMS's service pack, and configured (a node whose
// Setup left its watermark has no working Mailbox role).
func (s *Sim) cmsCanRun(g *group, node string) bool {
	n := s.w.node(node)
	return n != nil && !g.broken && n.watermark == "" && n.build.ServicePack() == g.build.ServicePack()
}

// failOver moves every group a node owns to another node that can host
// it, as the Cluster service does when the node's service stops; groups
// with nowhere to go go offline and come back with the node.
func (s *Sim) failOver(from *node) {
	for _, g := range s.w.owned(from.name) {
		if g.state == runbook.GroupOffline && !g.cms {
			continue
		}
		wasOffline := g.state == runbook.GroupOffline || g.state == runbook.GroupFailed
		var target *node
		for _, n := range s.w.nodes {
			if n != from && n.canHost() && (!g.cms || s.w.runsCMS(n.name) == nil) {
				target = n
				break
			}
		}
		if target == nil {
			if !wasOffline {
				g.state = runbook.GroupOffline
				g.restore = true
				g.op++
			}
			continue
		}
		g.owner = target.name
		if wasOffline {
			g.op++
			continue
		}
		if g.cms {
			for _, db := range g.dbs {
				db.mounted = false
			}
			s.bumpReplication(4, 9)
		}
		s.bringOnline(g, s.timing.GroupMove)
	}
}

// stopClusterService stops a node's Cluster service (an install restarting
// it, or a shutdown); its groups fail over, unless the cluster has just
// lost quorum, which takes every group down.
func (s *Sim) stopClusterService(n *node) {
	if !n.clussvc {
		return
	}
	n.clussvc = false
	if !s.hasQuorum(false) {
		s.loseQuorum()
		return
	}
	s.failOver(n)
}

// nodeJoined runs when a node's Cluster service is back: groups that went
// offline with it come back on it. Without quorum the service waits, and
// the node that brings quorum back starts every waiting one.
func (s *Sim) nodeJoined(n *node) {
	if s.w.quorum.lost {
		s.joinWithoutQuorum(n)
		return
	}
	for _, g := range s.w.owned(n.name) {
		if g.restore {
			s.bringOnline(g, s.timing.GroupMove)
		}
	}
}

// markBrokenCMSs applies the /upgradecms rule after a node's binaries
// change: a CMS older than every node can no longer start anywhere.
func (s *Sim) markBrokenCMSs() {
	for _, g := range s.w.groups {
		if !g.cms || g.broken {
			continue
		}
		older := true
		for _, n := range s.w.nodes {
			if n.build.ServicePack() <= g.build.ServicePack() {
				older = false
			}
		}
		if older {
			g.broken = true
			g.op++
			g.state = runbook.GroupFailed
			for _, db := range g.dbs {
				db.mounted = false
			}
		}
	}
}

// observation is the world as the engine reads it: nodes the others cannot
// reach show Down, and facts say what answered.
func (s *Sim) observation() runbook.Observation {
	c := runbook.Cluster{Name: s.w.name, Type: s.w.typ, OS: s.w.os}
	if s.w.mgmt != nil {
		m := *s.w.mgmt
		c.Management = &m
	}
	facts := map[string]runbook.NodeFacts{}
	for _, n := range s.w.nodes {
		c.Nodes = append(c.Nodes, runbook.Node{Name: n.name, State: n.state(), OS: n.os, Build: n.build, Pending: n.pending, SetupIncomplete: n.watermark != "", MissingFiles: n.missing})
		facts[strings.ToUpper(n.name)] = runbook.NodeFacts{Reachable: n.reachable, ClusterService: n.reachable && n.clussvc, BootID: n.bootID()}
	}
	for _, g := range s.w.groups {
		rg := runbook.Group{Name: g.name, Owner: g.owner, State: g.displayState(), CMS: g.cms}
		if g.cms {
			rg.Build = g.build
		}
		c.Groups = append(c.Groups, rg)
	}
	if s.w.repl.enabled {
		h, cq, rq := s.replicationNow()
		c.Replication = runbook.Replication{Healthy: h, CopyQueue: cq, ReplayQueue: rq}
	}
	c.Quorum = runbook.Quorum{Model: s.w.quorum.model, Witness: s.w.quorum.witness}
	return runbook.Observation{Cluster: c, Facts: facts}
}

// replicationNow is the copy status now; a copy whose node is down is not
// healthy whatever the queues say.
func (s *Sim) replicationNow() (bool, int, int) {
	h, cq, rq := s.w.repl.at(s.clk.now)
	for _, n := range s.w.nodes {
		if !n.reachable || !n.clussvc {
			h = false
		}
	}
	return h, cq, rq
}
