package runbook

import (
	"fmt"
	"strings"
)

// targetFor finds the node a CMS moves to: done (upgraded or patched), Up,
// Setup complete, no restart pending, a possible owner, running no other
// CMS. With none free (an SCC with more CMSs than passive nodes), a node
// whose own CMSs have left it (and, for a service pack, been upgraded) is
// brought up to date and used. With none at all, the plan stops with a
// blocking finding that says why each node cannot take it.
func (pl *planner) targetFor(g *Group) (string, error) {
	if t := pl.pickTarget(g); t != "" {
		return t, nil
	}
	for _, name := range pl.nodeNames() {
		if pl.done[strings.ToUpper(name)] || len(pl.cmsOwnedBy(name)) > 0 || !g.MayRunOn(name) {
			continue
		}
		if pl.opts.Goal.IsServicePack() && !pl.cmsUpgradedFrom(name) {
			continue
		}
		if err := pl.node(name); err != nil {
			return "", err
		}
		if t := pl.pickTarget(g); t != "" {
			return t, nil
		}
	}
	return "", pl.noTarget(g)
}

// pickTarget is the free node for g that the fewest other CMSs still to
// move may run on (their possible owners), so one CMS does not take the
// only node another could use; ties go to the first node in the cluster's
// order.
func (pl *planner) pickTarget(g *Group) string {
	best, bestDemand := "", 0
	for _, name := range pl.nodeNames() {
		if strings.EqualFold(name, g.Owner) || pl.targetProblem(g, pl.state.Node(name)) != "" {
			continue
		}
		d := 0
		for _, other := range pl.state.CMSs() {
			if other != g && pl.needsMove(other) && other.MayRunOn(name) {
				d++
			}
		}
		if best == "" || d < bestDemand {
			best, bestDemand = name, d
		}
	}
	return best
}

// needsMove reports a CMS the plan has still to move: for a service pack,
// one not upgraded; otherwise one whose node is not done.
func (pl *planner) needsMove(g *Group) bool {
	if pl.opts.Goal.IsServicePack() {
		return !pl.cmsUpgraded(g)
	}
	return !pl.upToDate(pl.state.Node(g.Owner))
}

// targetProblem says why node n cannot take the CMS g now; "" when it can.
// These are the conditions the engine's handoff gate checks on live state
// before the outage opens.
func (pl *planner) targetProblem(g *Group, n *Node) string {
	switch {
	case !g.MayRunOn(n.Name):
		return fmt.Sprintf("%s is not a possible owner of %s", n.Name, g.Name)
	case n.State != NodeUp:
		return fmt.Sprintf("%s is %s", n.Name, n.State.Display())
	case !pl.upToDate(n) && pl.opts.Goal.IsServicePack():
		if n.SetupIncomplete {
			return fmt.Sprintf("Setup left its watermark on %s (not configured)", n.Name)
		}
		return fmt.Sprintf("%s runs %s, not %s", n.Name, Describe(n.Build), Describe(pl.opts.Goal.TargetBuild()))
	case !pl.upToDate(n):
		return fmt.Sprintf("%s is not updated", n.Name)
	case n.SetupIncomplete:
		return fmt.Sprintf("Setup left its watermark on %s (not configured)", n.Name)
	case n.Pending:
		return fmt.Sprintf("%s has a restart pending", n.Name)
	}
	for _, other := range pl.cmsOwnedBy(n.Name) {
		if !strings.EqualFold(other, g.Name) {
			return fmt.Sprintf("%s already runs %s", n.Name, other)
		}
	}
	return ""
}

// noTarget is the blocking finding when no node can take g.
func (pl *planner) noTarget(g *Group) error {
	var why []string
	for _, name := range pl.nodeNames() {
		if strings.EqualFold(name, g.Owner) {
			continue
		}
		if p := pl.targetProblem(g, pl.state.Node(name)); p != "" {
			why = append(why, p)
		}
	}
	done, moveTo := "updated", "take "+g.Name
	if pl.opts.Goal.IsServicePack() {
		done, moveTo = "upgraded", "take "+g.Name+" for its /upgradecms"
	}
	return &PlanError{Finding{Code: FindNoUpgradeTarget, Severity: Block, Node: g.Owner,
		Message: fmt.Sprintf("No %s node is free to %s: %s. The plan stops before the outage, because a CMS taken down with nowhere to go stays down.", done, moveTo, strings.Join(why, "; ")),
		Remedy:  "A CMS can move only to a passive node that is Up, on the new build with Setup complete, with no restart pending and among its possible owners. Add or free such a node (resume a Paused one, bring a Down one back, restart one with a reboot pending, widen the possible owners with cluster.exe group \"" + g.Name + "\" /setowners), then plan again."}}
}
