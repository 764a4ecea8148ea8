package runbook

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzPlan builds a random valid cluster from the fuzz bytes (CCR: 2 nodes
// and 1 CMS; SCC: 2-8 nodes and 1-3 CMSs; node states, owners, builds,
// pending reboots, unfinished Setups, group states, replication, quorum,
// possible owners) and a random goal, and holds the planner to its
// contract: it never panics and never errors on a valid cluster; every
// plan, blocked or not, opens no outage it does not close, moves each CMS
// at most once (a service pack) and resumes every node it pauses; and a
// plan with no blocking finding replays with the safety rules of DESIGN
// section 11 holding at every step and ends with the window done.
func FuzzPlan(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, o := fuzzCluster(data)
		if c.Validate() != nil {
			t.Skip()
		}
		p, err := MakePlan(c, o)
		if err != nil {
			t.Fatalf("MakePlan refused a valid cluster: %v\n%s", err, describeCase(c, o))
		}
		if v := planViolations(c, o, p); len(v) > 0 {
			t.Fatalf("%s\n%s\nplan:\n%s", strings.Join(v, "\n"), describeCase(c, o), planLines(p))
		}
	})
}

// The fuzz input is read a byte at a time (missing bytes read 0): a
// header (type, node count, CMS count, goal, options, base build,
// replication, quorum, OS, management host), two bytes per node (state,
// build), then the CMSs, the Cluster Group and an optional file-share
// group (owner, state, possible owners, and for a CMS its build). Most
// byte values decode to a healthy cluster, so that plans with no blocking
// finding, which the replay checks, are common.

var fuzzBuilds = []Build{BuildRTM, BuildRTMb, MustBuild("8.0.708.3"), MustBuild("8.0.813.0"),
	BuildSP1, MustBuild("8.1.263.1"), MustBuild("8.1.436.0"),
	BuildSP2, MustBuild("8.2.217.3"), MustBuild("8.2.305.3"),
	BuildSP3, MustBuild("8.3.106.2"), MustBuild("8.3.517.0"), {}}

var (
	fuzzBadNodeStates  = []NodeState{NodePaused, NodeDown, NodeJoining, NodePaused}
	fuzzBadGroupStates = []GroupState{GroupOffline, GroupFailed, GroupPartiallyOnline, GroupOnlinePending, GroupOfflinePending}
	fuzzQuorumModels   = []QuorumModel{QuorumUnknown, QuorumUnknown, QuorumUnknown, QuorumUnknown, QuorumUnknown, QuorumNodeMajority, QuorumMNSFSW, QuorumDisk}
	fuzzWitnesses      = []WitnessState{WitnessOnline, WitnessOnline, WitnessFailed, WitnessUnknown}
	fuzzOSes           = []OS{{Family: Windows2003, SP: 2}, {Family: Windows2003, SP: 2}, {Family: Windows2003, SP: 2}, {Family: Windows2008, SP: 0}, {Family: Windows2008, SP: 0}, {Family: Windows2008, SP: 0}, {Family: Windows2003, SP: 1}, {Family: Windows2008, SP: 2}}
	fuzzMgmt           = []*ManagementHost{nil, {OS{Family: Windows2003, SP: 2}, ToolsRTM}, {OS{Family: Windows2008, SP: 0}, ToolsSP1}, {OS{Family: WindowsVista, SP: 1}, ToolsSP2}}
)

type fuzzBytes struct {
	b []byte
	i int
}

func (r *fuzzBytes) next() int {
	if r.i >= len(r.b) {
		return 0
	}
	r.i++
	return int(r.b[r.i-1])
}

func fuzzCluster(data []byte) (Cluster, Options) {
	r := &fuzzBytes{b: data}
	c := Cluster{Name: "EXCLUS01", Type: CCR}
	typ, nb, kb := r.next(), r.next(), r.next()
	n, k := 2, 1
	if typ&1 != 0 {
		c.Type = SCC
		n = 2 + nb%7
		k = min(1+kb%3, n-1)
	}
	goal, opt, base := r.next(), r.next(), fuzzBuilds[r.next()%len(fuzzBuilds)]
	o := fuzzOptions(goal, opt, base)
	if rep := r.next(); rep%4 == 0 {
		c.Replication = Replication{Healthy: rep&4 == 0, CopyQueue: (rep >> 3 & 3) * 8, ReplayQueue: (rep >> 5 & 3) * 8}
	} else {
		c.Replication = Replication{Healthy: true}
	}
	q := r.next()
	c.Quorum = Quorum{Model: fuzzQuorumModels[q%8], Witness: fuzzWitnesses[q>>3%4]}
	if c.Quorum.Model == QuorumUnknown {
		c.Quorum.Witness = WitnessUnknown
	}
	c.OS = fuzzOSes[r.next()%len(fuzzOSes)]
	if m := fuzzMgmt[r.next()%len(fuzzMgmt)]; m != nil {
		mm := *m
		c.Management = &mm
	}
	for i := 0; i < n; i++ {
		s, b := r.next(), r.next()
		nd := Node{Name: fmt.Sprintf("EXNODE%02d", i+1), State: NodeUp, Build: base,
			Pending: s>>4&3 == 3, SetupIncomplete: s>>6&3 == 3}
		if s&3 == 0 {
			nd.State = fuzzBadNodeStates[s>>2&3]
		}
		switch b % 4 {
		case 2:
			nd.Build = fuzzGoalBuild(o, base)
		case 3:
			nd.Build = fuzzBuilds[(b>>2)%len(fuzzBuilds)]
		}
		c.Nodes = append(c.Nodes, nd)
	}
	for i := 0; i < k; i++ {
		g := fuzzGroup(r, c.Nodes, fmt.Sprintf("EXCMS%02d", i+1))
		g.CMS = true
		switch b := r.next(); b % 4 {
		case 2:
			g.Build = base
		case 3:
			g.Build = fuzzBuilds[(b>>2)%len(fuzzBuilds)]
		}
		c.Groups = append(c.Groups, g)
	}
	c.Groups = append(c.Groups, fuzzGroup(r, c.Nodes, "Cluster Group"))
	if r.next()%4 == 3 {
		c.Groups = append(c.Groups, fuzzGroup(r, c.Nodes, "FileShare Group"))
	}
	return c, o
}

// fuzzGroup reads owner, state and possible owners (a flag byte, and when
// it is a multiple of 4 a node mask byte; otherwise any node).
func fuzzGroup(r *fuzzBytes, nodes []Node, name string) Group {
	g := Group{Name: name, Owner: nodes[r.next()%len(nodes)].Name, State: GroupOnline}
	if s := r.next(); s%4 == 0 {
		g.State = fuzzBadGroupStates[(s>>2)%len(fuzzBadGroupStates)]
	}
	if r.next()%4 == 0 {
		mask := r.next()
		for i := range nodes {
			if mask&(1<<i) != 0 {
				g.PossibleOwners = append(g.PossibleOwners, nodes[i].Name)
			}
		}
	}
	return g
}

// fuzzOptions: bit 0 move back, bit 1 reboot always, bits 2-3 the rollup's
// package build (0 unknown, 1 the next rollup on the base build's service
// pack, 2-3 fuzzBuilds[bits 4-7]).
func fuzzOptions(goal, opt int, base Build) Options {
	o := Options{Goal: Goals[goal%len(Goals)], MoveBack: opt&1 != 0}
	if opt&2 != 0 {
		o.Reboot = RebootAlways
	}
	switch {
	case o.Goal.IsServicePack():
		o.Media = `D:\Exchange2007` + strings.ToUpper(strings.TrimPrefix(string(o.Goal), "exchange-"))
	case o.Goal == GoalRollup:
		o.Package = `D:\Updates\Exchange2007-KB123456-x64-EN.msp`
		switch opt >> 2 & 3 {
		case 1:
			for _, b := range fuzzBuilds {
				if b.ServicePack() == base.ServicePack() && b.Compare(base) > 0 {
					o.PackageBuild = b
					break
				}
			}
		case 2, 3:
			o.PackageBuild = fuzzBuilds[(opt>>4)%len(fuzzBuilds)]
		}
	case o.Goal == GoalOSPatch:
		o.Package = `D:\Updates\Windows6.0-KB955302-x64.msu`
	}
	return o
}

// fuzzGoalBuild is the build a node has once the goal is done: the
// service pack, or the rollup when its build is known.
func fuzzGoalBuild(o Options, base Build) Build {
	switch {
	case o.Goal.IsServicePack():
		return o.Goal.TargetBuild()
	case o.Goal == GoalRollup && !o.PackageBuild.IsZero():
		return o.PackageBuild
	}
	return base
}
