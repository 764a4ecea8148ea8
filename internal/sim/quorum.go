package sim

import "cmsrunbook/runbook"

// quorum is how the simulated cluster keeps quorum (the scenario's quorum
// block) and whether its witness answers. The zero value (a scenario
// without a quorum block) never loses quorum, so the worlds written before
// quorum was modelled behave as they always did.
//
// The rules are Windows': a majority node set runs while more than half of
// its votes are present, a file share witness adding one vote; a cluster
// whose quorum disk has failed survives no member leaving. When a Cluster
// service stops and quorum goes with it, the Cluster service stops on every
// other node too and every group goes offline (PROCEDURES 6, story 9: the
// "partition in time"). The services wait; as soon as enough members are
// back, the cluster forms again and brings its groups back online.
type quorum struct {
	model   runbook.QuorumModel
	witness runbook.WitnessState
	lost    bool
}

// hasQuorum counts the members whose Cluster service runs (and, with
// waiting, those waiting for quorum) against the model.
func (s *Sim) hasQuorum(waiting bool) bool {
	q := s.w.quorum
	votes, total := 0, len(s.w.nodes)
	for _, n := range s.w.nodes {
		if n.reachable && (n.clussvc || waiting && n.waitQuorum) {
			votes++
		}
	}
	switch q.model {
	case runbook.QuorumNodeMajority:
		return votes*2 > total
	case runbook.QuorumMNSFSW:
		if q.witness == runbook.WitnessOnline {
			votes++
		}
		return votes*2 > total+1
	case runbook.QuorumDisk:
		return q.witness != runbook.WitnessFailed || votes == total
	}
	return true
}

// loseQuorum stops the Cluster service on every node still running it and
// takes every group offline; they come back when quorum does.
func (s *Sim) loseQuorum() {
	s.w.quorum.lost = true
	for _, n := range s.w.nodes {
		if n.clussvc {
			n.clussvc, n.waitQuorum = false, true
		}
	}
	for _, g := range s.w.groups {
		g.op++
		if g.state == runbook.GroupOffline || g.state == runbook.GroupFailed {
			continue
		}
		g.state, g.restore = runbook.GroupOffline, true
		for _, db := range g.dbs {
			db.mounted = false
		}
	}
}

// joinWithoutQuorum is a Cluster service starting while the cluster has
// no quorum: it waits, unless its vote is the one that was missing.
func (s *Sim) joinWithoutQuorum(n *node) {
	n.clussvc, n.waitQuorum = false, true
	if !s.hasQuorum(true) {
		return
	}
	s.w.quorum.lost = false
	for _, m := range s.w.nodes {
		if m.waitQuorum && m.reachable {
			m.clussvc, m.waitQuorum = true, false
		}
	}
	for _, g := range s.w.groups {
		if o := s.w.node(g.owner); g.restore && o != nil && o.clussvc {
			s.bringOnline(g, s.timing.GroupMove)
		}
	}
}

// quorumResource names the quorum (or witness) resource in "Cluster Group"
// and its resource type, as cluster.exe and WMI show them: on Windows
// Server 2003 the majority node set is the resource and its file share
// witness only a private property of it; on 2008 the witness is a "File
// Share Witness" resource and a bare node majority has none. A world
// without a quorum block keeps the resource every scenario showed before.
func (w *world) quorumResource() (name, typ string) {
	w2008 := w.os.Family.Is2008Kind()
	switch w.quorum.model {
	case runbook.QuorumDisk:
		return "Disk Q:", "Physical Disk"
	case runbook.QuorumNodeMajority:
		if w2008 {
			return "", ""
		}
	case runbook.QuorumMNSFSW, "":
		if w2008 {
			return "File Share Witness", "File Share Witness"
		}
	}
	return "Majority Node Set", "Majority Node Set"
}

// witnessResourceFailed reports the one resource a failed witness shows
// Failed: the 2008 File Share Witness or the quorum disk. A 2003 file
// share witness is no resource; its majority node set stays Online.
func (w *world) witnessResourceFailed(resource string) bool {
	name, typ := w.quorumResource()
	return resource == name && w.quorum.witness == runbook.WitnessFailed && typ != "Majority Node Set"
}

// fileShareWitness is the share of a 2003 majority node set's witness.
func (w *world) fileShareWitness() string {
	if w.quorum.model != runbook.QuorumMNSFSW {
		return ""
	}
	return `\\EXHUB01\FSW_` + w.name
}

// QuorumResource is what discovery reads of the quorum from WMI root\MSCluster:
// the quorum resource's type and state (MSCluster_Resource.State: 2 Online,
// 3 Offline, 4 Failed), the majority node set's MNSFileShare, and the state
// of a "File Share Witness" resource. Empty fields are what a real cluster
// leaves empty (no quorum resource, no witness resource).
type QuorumResource struct {
	Type, State, Share, Witness string
}

// QuorumResource reads the quorum as discover-cluster does.
func (s *Sim) QuorumResource() QuorumResource {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	w := &s.w
	if w.quorum.model == "" {
		return QuorumResource{}
	}
	name, typ := w.quorumResource()
	if name == "" {
		return QuorumResource{}
	}
	state := "2"
	if g := w.group("Cluster Group"); g != nil {
		state = resourceWMI(g.state)
	}
	if w.witnessResourceFailed(name) {
		state = "4"
	}
	q := QuorumResource{Type: typ, State: state, Share: w.fileShareWitness()}
	if typ == "File Share Witness" {
		q.Witness = state
	}
	return q
}

// resourceWMI is the MSCluster_Resource.State number of a resource in a
// group of state st.
func resourceWMI(st runbook.GroupState) string {
	switch st {
	case runbook.GroupOnline, runbook.GroupPartiallyOnline:
		return "2"
	case runbook.GroupFailed:
		return "4"
	case runbook.GroupOnlinePending:
		return "129"
	case runbook.GroupOfflinePending:
		return "130"
	}
	return "3"
}
