package runbook

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// fuzzEncode is fuzzCluster backwards, for the seed corpus: the seeds are
// written as clusters and TestFuzzSeedsRoundTrip holds the two together.
// Nodes are EXNODE01.., CMSs EXCMS01.. (listed first), then "Cluster
// Group" and an optional "FileShare Group"; media and package paths are
// the decoder's.
func fuzzEncode(c Cluster, o Options) []byte {
	typ, nb, kb := 0, 0, 0
	cms := c.CMSs()
	if c.Type == SCC {
		typ, nb, kb = 1, len(c.Nodes)-2, len(cms)-1
	}
	opt := 0
	if o.MoveBack {
		opt |= 1
	}
	if o.Reboot == RebootAlways {
		opt |= 2
	}
	if !o.PackageBuild.IsZero() {
		opt |= 2<<2 | slices.Index(fuzzBuilds, o.PackageBuild)<<4
	}
	b := []int{typ, nb, kb, slices.Index(Goals, o.Goal), opt, 0}
	rep := 1
	if r := c.Replication; !(r.Healthy && r.CopyQueue == 0 && r.ReplayQueue == 0) {
		rep = r.CopyQueue/8<<3 | r.ReplayQueue/8<<5
		if !r.Healthy {
			rep |= 4
		}
	}
	q := slices.Index(fuzzQuorumModels, c.Quorum.Model)
	if c.Quorum.Model != QuorumUnknown {
		q |= slices.Index(fuzzWitnesses, c.Quorum.Witness) << 3
	}
	mg := 0
	for i, m := range fuzzMgmt {
		if m != nil && c.Management != nil && *m == *c.Management {
			mg = i
		}
	}
	b = append(b, rep, q, slices.Index(fuzzOSes, c.OS), mg)
	for _, n := range c.Nodes {
		s := 1
		if n.State != NodeUp {
			s = slices.Index(fuzzBadNodeStates, n.State) << 2
		}
		if n.Pending {
			s |= 3 << 4
		}
		if n.SetupIncomplete {
			s |= 3 << 6
		}
		b = append(b, s, 3|slices.Index(fuzzBuilds, n.Build)<<2)
	}
	for _, g := range cms {
		b = append(b, encodeGroup(c, g)...)
		if g.Build.IsZero() {
			b = append(b, 0)
		} else {
			b = append(b, 3|slices.Index(fuzzBuilds, g.Build)<<2)
		}
	}
	b = append(b, encodeGroup(c, c.Group("Cluster Group"))...)
	if g := c.Group("FileShare Group"); g != nil {
		b = append(b, 3)
		b = append(b, encodeGroup(c, g)...)
	} else {
		b = append(b, 0)
	}
	out := make([]byte, len(b))
	for i, v := range b {
		out[i] = byte(v)
	}
	return out
}

func encodeGroup(c Cluster, g *Group) []int {
	owner := slices.IndexFunc(c.Nodes, func(n Node) bool { return n.Name == g.Owner })
	s := 1
	if g.State != GroupOnline {
		s = slices.Index(fuzzBadGroupStates, g.State) << 2
	}
	if len(g.PossibleOwners) == 0 {
		return []int{owner, s, 1}
	}
	mask := 0
	for i, n := range c.Nodes {
		if slices.Contains(g.PossibleOwners, n.Name) {
			mask |= 1 << i
		}
	}
	return []int{owner, s, 0, mask}
}

// seedCluster is a healthy cluster for a seed: n nodes on build, k CMSs
// on the first k nodes, the Cluster Group on the last node.
func seedCluster(typ ClusterType, n, k int, build Build) Cluster {
	c := Cluster{Name: "EXCLUS01", Type: typ, OS: OS{Family: Windows2003, SP: 2}, Replication: Replication{Healthy: true}}
	for i := 1; i <= n; i++ {
		c.Nodes = append(c.Nodes, Node{Name: fmt.Sprintf("EXNODE%02d", i), State: NodeUp, Build: build})
	}
	for i := 1; i <= k; i++ {
		c.Groups = append(c.Groups, Group{Name: fmt.Sprintf("EXCMS%02d", i), Owner: c.Nodes[i-1].Name, State: GroupOnline, CMS: true})
	}
	c.Groups = append(c.Groups, Group{Name: "Cluster Group", Owner: c.Nodes[n-1].Name, State: GroupOnline})
	return c
}

type fuzzSeedCase struct {
	name string
	c    Cluster
	o    Options
}

// fuzzSeedCases are the tricky shapes the corpus starts from.
func fuzzSeedCases() []fuzzSeedCase {
	spo := func(g Goal) Options { return fuzzOptions(slices.Index(Goals, g), 0, Build{}) }
	ru := spo(GoalRollup)
	ru.PackageBuild = MustBuild("8.2.217.3")
	with := func(c Cluster, f func(c *Cluster)) Cluster { f(&c); return c }
	ccr := func(f func(c *Cluster)) Cluster { return with(seedCluster(CCR, 2, 1, BuildRTM), f) }
	return []fuzzSeedCase{
		{"default CCR", ccr(func(c *Cluster) {}), spo(GoalSP2)},
		{"active node left Paused", ccr(func(c *Cluster) { c.Nodes[0].State = NodePaused }), spo(GoalSP2)},
		{"every node Paused", ccr(func(c *Cluster) { c.Nodes[0].State, c.Nodes[1].State = NodePaused, NodePaused }), spo(GoalSP2)},
		{"SCC every node Paused", with(seedCluster(SCC, 4, 2, BuildSP2), func(c *Cluster) {
			for i := range c.Nodes {
				c.Nodes[i].State = NodePaused
			}
		}), spo(GoalSP3)},
		{"SCC more CMSs than passive nodes", seedCluster(SCC, 4, 3, BuildSP1), spo(GoalSP2)},
		{"SCC rollup, more CMSs than passive nodes", seedCluster(SCC, 3, 2, BuildSP2), ru},
		{"passive node Down", ccr(func(c *Cluster) { c.Nodes[1].State = NodeDown }), spo(GoalSP2)},
		{"active node Down", ccr(func(c *Cluster) { c.Nodes[0].State = NodeDown }), spo(GoalSP2)},
		{"SCC nodes Joining and Down", with(seedCluster(SCC, 3, 1, BuildSP2), func(c *Cluster) {
			c.Nodes[1].State, c.Nodes[2].State = NodeJoining, NodeDown
		}), spo(GoalOSPatch)},
		{"passive already upgraded", ccr(func(c *Cluster) { c.Nodes[1].Build = BuildSP2 }), spo(GoalSP2)},
		{"CMS moved, Offline, before /upgradecms", ccr(func(c *Cluster) {
			c.Nodes[1].Build, c.Groups[0].Owner, c.Groups[0].State, c.Groups[0].Build = BuildSP2, "EXNODE02", GroupOffline, BuildRTM
			c.Groups[1].Owner = "EXNODE01"
		}), spo(GoalSP2)},
		{"CMS moved, Online, before /upgradecms", ccr(func(c *Cluster) {
			c.Nodes[1].Build, c.Groups[0].Owner, c.Groups[0].Build = BuildSP2, "EXNODE02", BuildRTM
			c.Groups[1].Owner = "EXNODE01"
		}), spo(GoalSP2)},
		{"CMS stopped, not moved", ccr(func(c *Cluster) { c.Nodes[1].Build, c.Groups[0].State = BuildSP2, GroupOffline }), spo(GoalSP2)},
		{"upgraded CMS left Offline", ccr(func(c *Cluster) {
			c.Nodes[0].Build, c.Nodes[1].Build, c.Groups[0].State, c.Groups[0].Build = BuildSP2, BuildSP2, GroupOffline, BuildSP2
		}), spo(GoalSP2)},
		{"passive Setup unfinished", ccr(func(c *Cluster) { c.Nodes[1].Build, c.Nodes[1].SetupIncomplete = BuildSP2, true }), spo(GoalSP2)},
		{"passive restart pending", ccr(func(c *Cluster) { c.Nodes[1].Pending = true }), spo(GoalSP2)},
		{"active restart pending", ccr(func(c *Cluster) { c.Nodes[0].Pending = true }), spo(GoalSP2)},
		{"SCC possible owners skip the first passive", with(seedCluster(SCC, 3, 1, BuildSP1), func(c *Cluster) {
			c.Groups[0].PossibleOwners = []string{"EXNODE01", "EXNODE03"}
		}), spo(GoalSP2)},
		{"SCC rollup, CMS pinned, Cluster Group Failed and pinned", with(seedCluster(SCC, 3, 1, BuildSP2), func(c *Cluster) {
			c.Groups[0].PossibleOwners = []string{"EXNODE01"}
			c.Groups[1].State, c.Groups[1].PossibleOwners = GroupFailed, []string{"EXNODE03"}
		}), ru},
		{"SCC file-share group, quorum disk", with(seedCluster(SCC, 5, 2, BuildSP2), func(c *Cluster) {
			c.Quorum = Quorum{Model: QuorumDisk, Witness: WitnessOnline}
			c.Groups = append(c.Groups, Group{Name: "FileShare Group", Owner: "EXNODE03", State: GroupOnline, PossibleOwners: []string{"EXNODE03", "EXNODE04"}})
		}), spo(GoalSP3)},
	}
}

var fuzzSeeds = func() [][]byte {
	var out [][]byte
	for _, s := range fuzzSeedCases() {
		out = append(out, fuzzEncode(s.c, s.o))
	}
	return out
}()

// TestFuzzSeedsRoundTrip: each seed decodes to the cluster it was written
// as, so the corpus holds the shapes its names say.
func TestFuzzSeedsRoundTrip(t *testing.T) {
	for _, s := range fuzzSeedCases() {
		c, o := fuzzCluster(fuzzEncode(s.c, s.o))
		if err := s.c.Validate(); err != nil {
			t.Errorf("%s: the seed is not a valid cluster: %v", s.name, err)
		}
		if !reflect.DeepEqual(c, s.c) || !reflect.DeepEqual(o, s.o) {
			t.Errorf("%s: decodes to\n%s\nwant\n%s", s.name, describeCase(c, o), describeCase(s.c, s.o))
		}
	}
}
