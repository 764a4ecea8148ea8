package runbook

import "strings"

// GuardError is a step the procedure forbids in the current state (DESIGN
// section 11). The planner never produces one; the engine checks every step
// again against live state before it runs, so a skipped /upgradecms or a
// hand-reordered window is refused rather than executed.
type GuardError struct {
	// Code is a diagnosis code: "upgradecms-skipped" for the broken-CMS
	// case, "unsafe-step" for the others.
	Code    string
	Message string
}

func (e *GuardError) Error() string { return e.Message }

// Guard diagnosis codes.
const (
	DiagUpgradeCMSSkipped = "upgradecms-skipped"
	DiagUnsafeStep        = "unsafe-step"
)

// Guard checks a step against the state it would run in. origOwner maps
// each CMS (upper case) to the node that owned it when the window began.
func Guard(c *Cluster, s Step, o Options, origOwner map[string]string) error {
	switch s.Kind {
	case KindSetupUpgrade, KindInstallRollup, KindInstallPatch:
		for _, g := range c.CMSs() {
			if strings.EqualFold(g.Owner, s.Node) {
				return &GuardError{DiagUnsafeStep, say("%s owns the CMS %s. Setup restarts the Cluster service, so installing on the active node would fail the CMS over mid-install; move the CMS off first.", s.Node, g.Name)}
			}
		}
		if s.Kind == KindSetupUpgrade {
			target := o.Goal.TargetBuild()
			for cms, owner := range origOwner {
				g := c.Group(cms)
				if g == nil || !strings.EqualFold(owner, s.Node) {
					continue
				}
				if !c.CMSBuild(g).AtLeast(target) {
					return &GuardError{DiagUpgradeCMSSkipped, say("%s was the active node of %s, which has not been upgraded with Setup.com /upgradecms yet. Upgrading the old active node first leaves every node on the new build and the CMS on the old one: Exchange will not start it and /upgradecms then refuses to run (the fix needs a registry edit).", s.Node, g.Name)}
				}
			}
		}
	case KindPauseNode:
		up := 0
		for _, n := range c.Nodes {
			if n.State == NodeUp && !strings.EqualFold(n.Name, s.Node) {
				up++
			}
		}
		if up == 0 {
			return &GuardError{DiagUnsafeStep, say("Pausing %s would leave no node Up to run the cluster's groups.", s.Node)}
		}
	case KindMoveCMS:
		t := c.Node(s.Target)
		if t == nil {
			return &GuardError{DiagUnsafeStep, say("%s is not a node of the cluster.", s.Target)}
		}
		if t.State != NodeUp {
			return &GuardError{DiagUnsafeStep, say("%s is %s: a CMS cannot move to a node that is not Up.", t.Name, t.State.Display())}
		}
		if o.Goal.IsServicePack() && !t.Build.AtLeast(o.Goal.TargetBuild()) {
			return &GuardError{DiagUnsafeStep, say("%s runs %s, not yet %s: the CMS may only move to an upgraded node.", t.Name, Describe(t.Build), Describe(o.Goal.TargetBuild()))}
		}
		for _, g := range c.CMSs() {
			if strings.EqualFold(g.Owner, t.Name) && !strings.EqualFold(g.Name, s.CMS) {
				return &GuardError{DiagUnsafeStep, say("%s already runs the CMS %s; Move-ClusteredMailboxServer needs a passive target.", t.Name, g.Name)}
			}
		}
	case KindMoveGroups:
		if s.Target != "" {
			t := c.Node(s.Target)
			if t == nil || t.State != NodeUp {
				return &GuardError{DiagUnsafeStep, say("Groups cannot move to %s: it is not Up.", s.Target)}
			}
		}
	case KindUpgradeCMS:
		g := c.Group(s.CMS)
		if g == nil || !strings.EqualFold(g.Owner, s.Node) {
			return &GuardError{DiagUnsafeStep, say("/upgradecms runs on the node that owns %s, and %s does not own it.", s.CMS, s.Node)}
		}
	}
	return nil
}

// Apply changes the cluster as the step would when it succeeds. The planner
// uses it to choose the next step; the simulator and tests use it to reason
// about the expected world.
func Apply(c *Cluster, s Step, o Options) {
	switch s.Kind {
	case KindPauseNode:
		if n := c.Node(s.Node); n != nil {
			n.State = NodePaused
		}
	case KindResumeNode:
		if n := c.Node(s.Node); n != nil {
			n.State = NodeUp
		}
	case KindMoveGroups:
		for _, name := range s.Groups {
			if g := c.Group(name); g != nil {
				g.Owner = s.Target
			}
		}
	case KindSetupUpgrade:
		if n := c.Node(s.Node); n != nil {
			// Pin each CMS's build before its node changes, so a CMS that
			// has not been /upgradecms'd keeps the old build.
			for i := range c.Groups {
				if c.Groups[i].CMS && c.Groups[i].Build.IsZero() {
					c.Groups[i].Build = c.CMSBuild(&c.Groups[i])
				}
			}
			n.Build = o.Goal.TargetBuild()
			n.Pending = false
		}
	case KindInstallRollup:
		if n := c.Node(s.Node); n != nil && !o.PackageBuild.IsZero() {
			n.Build = o.PackageBuild
		}
	case KindStopCMS:
		if g := c.Group(s.CMS); g != nil {
			g.State = GroupOffline
		}
	case KindMoveCMS:
		if g := c.Group(s.CMS); g != nil {
			g.Owner = s.Target
		}
	case KindUpgradeCMS:
		if g := c.Group(s.CMS); g != nil {
			g.Build = o.Goal.TargetBuild()
			g.State = GroupOnline
		}
	case KindStartCMS:
		if g := c.Group(s.CMS); g != nil {
			g.State = GroupOnline
		}
	}
}
