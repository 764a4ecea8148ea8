package runbook

import (
	"fmt"
	"strings"
)

// Unmet lists, in words, the parts of a step's postcondition that do not
// hold in the observed state; empty means the step did what it should.
// before is the state read just before the step ran (for "build went up"
// and "boot time changed"); it may be nil when resuming, in which case
// those two cannot be judged and count as unmet.
func Unmet(s Step, now *Observation, before *Observation, o Options) []string {
	var out []string
	c := &now.Cluster
	p := s.Post
	if p.NodeState != "" {
		if n := c.Node(s.Node); n == nil || n.State != p.NodeState {
			out = append(out, nodeNotIn(s.Node, stateOf(n), p.NodeState))
		}
	}
	if p.OwnsNoGroups {
		var owned []string
		for _, g := range c.Owned(s.Node) {
			owned = append(owned, `"`+g.Name+`"`)
		}
		if len(owned) > 0 {
			out = append(out, say("%s still owns %s", s.Node, strings.Join(owned, ", ")))
		}
	}
	for _, name := range p.GroupsOnline {
		if g := c.Group(name); g == nil || g.State != GroupOnline {
			if g == nil {
				out = append(out, say("group %q is missing, not Online", name))
			} else {
				out = append(out, say("group %q is %s on %s, not Online", name, g.State.Display(), g.Owner))
			}
		}
	}
	if p.NodeBuild != "" {
		want, _ := ParseBuild(p.NodeBuild)
		if n := c.Node(s.Node); n == nil || !n.Build.AtLeast(want) {
			out = append(out, say("%s runs %s, not %s", s.Node, buildOf(n), Describe(want)))
		}
	}
	if s.Kind == KindSetupUpgrade {
		// New binaries are not an upgrade: until Setup has configured every
		// role and removed its watermark, the node is not on the new build,
		// whatever its file version says.
		if n := c.Node(s.Node); n != nil && n.SetupIncomplete {
			out = append(out, watermarkUnmet(n.Name))
		}
	}
	if p.BuildChanged {
		n := c.Node(s.Node)
		var was *Node
		if before != nil {
			was = before.Cluster.Node(s.Node)
		}
		if n == nil || was == nil || n.Build.Compare(was.Build) <= 0 {
			out = append(out, say("%s's build did not go up (now %s)", s.Node, buildOf(n)))
		}
	}
	if p.BootChanged {
		f := now.Fact(s.Node)
		switch {
		case !f.Reachable:
			out = append(out, say("%s does not answer", s.Node))
		case before == nil || !BootChanged(before.Fact(s.Node).BootID, f.BootID):
			out = append(out, say("%s has not restarted (same boot time)", s.Node))
		case !f.ClusterService:
			out = append(out, say("%s's Cluster service does not answer", s.Node))
		}
	}
	if p.CMS != "" {
		g := c.Group(p.CMS)
		if g == nil {
			out = append(out, say("the CMS %s is not in the cluster", p.CMS))
		} else {
			if p.CMSState != "" && g.State != p.CMSState {
				out = append(out, groupNotIn(g.Name, g.State.Display(), p.CMSState))
			}
			if p.CMSOwner != "" && !strings.EqualFold(g.Owner, p.CMSOwner) {
				out = append(out, say("%s is owned by %s, not %s", g.Name, g.Owner, p.CMSOwner))
			}
			if p.CMSBuild != "" {
				want, _ := ParseBuild(p.CMSBuild)
				if !c.CMSBuild(g).AtLeast(want) {
					out = append(out, say("%s runs %s, not %s", g.Name, Describe(c.CMSBuild(g)), Describe(want)))
				}
			}
		}
	}
	if p.Invariants {
		out = append(out, Invariants(c, o)...)
	}
	return out
}

// Invariants are the end-of-window checks of DESIGN section 5: what must
// hold before a window may be called done.
func Invariants(c *Cluster, o Options) []string {
	var out []string
	target := o.Goal.TargetBuild()
	if o.Goal == GoalRollup {
		target = o.PackageBuild
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if n.State != NodeUp {
			out = append(out, say("%s is %s, not Up", n.Name, n.State.Display()))
		}
		if !target.IsZero() && !n.Build.AtLeast(target) {
			out = append(out, say("%s runs %s, not %s", n.Name, Describe(n.Build), Describe(target)))
		}
		if n.SetupIncomplete {
			out = append(out, watermarkUnmet(n.Name))
		}
	}
	for _, g := range c.CMSs() {
		if g.State != GroupOnline {
			out = append(out, say("%s is %s, not Online", g.Name, g.State.Display()))
		}
		if o.Goal.IsServicePack() && !c.CMSBuild(g).AtLeast(target) {
			out = append(out, say("%s runs %s, not %s", g.Name, Describe(c.CMSBuild(g)), Describe(target)))
		}
	}
	for i := range c.Groups {
		if g := &c.Groups[i]; g.State == GroupFailed && !g.CMS {
			out = append(out, say("group %q is Failed", g.Name))
		}
	}
	if c.Type == CCR && !c.Replication.Healthy {
		out = append(out, say("replication is not Healthy (copy queue %d, replay queue %d)", c.Replication.CopyQueue, c.Replication.ReplayQueue))
	}
	return out
}

// watermarkUnmet is what a node whose Setup did not finish lacks.
func watermarkUnmet(node string) string {
	return say("Setup left its watermark on %s: not configured", node)
}

func stateOf(n *Node) string {
	if n == nil {
		return say("missing")
	}
	return n.State.Display()
}

func buildOf(n *Node) string {
	if n == nil {
		return say("nothing (node missing)")
	}
	return Describe(n.Build)
}

// Holds reports whether a step's effect is already in place, so a retry or
// a resume skips it instead of running it again. Steps whose effect cannot
// be seen in the state (a reboot, preflight, verify) never "already hold",
// and Setup never holds on a node whose last Setup left its watermark (its
// file version is new, its roles are not configured).
func Holds(s Step, now *Observation, o Options) bool {
	switch s.Kind {
	case KindPreflight, KindVerify, KindRebootNode:
		return false
	case KindInstallRollup, KindInstallPatch:
		if s.Post.NodeBuild == "" {
			return false // nothing observable says an OS patch is in
		}
	}
	return len(Unmet(s, now, nil, o)) == 0
}

// sayList joins sentences with "; " so that each one is still its own
// message: a view translates the list one sentence at a time.
func sayList(items []string) string {
	if len(items) == 0 {
		return ""
	}
	out := items[len(items)-1]
	for i := len(items) - 2; i >= 0; i-- {
		out = say("%s; %s", items[i], out)
	}
	return out
}

// nodeNotIn says a node is not in the state a step wanted. One sentence
// per wanted state, so no catalogue key is open at both ends ("%s is %s,
// not %s" would claim any English "X is Y, not Z", a Go error's too).
func nodeNotIn(node, is string, want NodeState) string {
	switch want {
	case NodeUp:
		return say("%s is %s, not Up", node, is)
	case NodePaused:
		return say("%s is %s, not Paused", node, is)
	case NodeDown:
		return say("%s is %s, not Down", node, is)
	}
	return fmt.Sprintf("%s is %s, not %s", node, is, want.Display())
}

// groupNotIn says a CMS group is not in the state a step wanted, one
// sentence per wanted state (see nodeNotIn).
func groupNotIn(group, is string, want GroupState) string {
	switch want {
	case GroupOnline:
		return say("%s is %s, not Online", group, is)
	case GroupOffline:
		return say("%s is %s, not Offline", group, is)
	}
	return fmt.Sprintf("%s is %s, not %s", group, is, want.Display())
}
