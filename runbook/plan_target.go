package runbook

import "strings"

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
		return say("%s is not a possible owner of %s", n.Name, g.Name)
	case n.State != NodeUp:
		return nodeNotUp(n)
	case !pl.upToDate(n) && pl.opts.Goal.IsServicePack():
		if n.SetupIncomplete {
			return say("Setup left its watermark on %s (not configured)", n.Name)
		}
		return say("%s runs %s, not %s", n.Name, Describe(n.Build), Describe(pl.opts.Goal.TargetBuild()))
	case !pl.upToDate(n):
		return say("%s is not updated", n.Name)
	case n.SetupIncomplete:
		return say("Setup left its watermark on %s (not configured)", n.Name)
	case n.Pending:
		return say("%s has a restart pending", n.Name)
	}
	for _, other := range pl.cmsOwnedBy(n.Name) {
		if !strings.EqualFold(other, g.Name) {
			return say("%s already runs %s", n.Name, other)
		}
	}
	return ""
}

// nodeNotUp says that n is not Up, one sentence per state so that each is
// its own message.
func nodeNotUp(n *Node) string {
	switch n.State {
	case NodeDown:
		return say("%s is Down", n.Name)
	case NodePaused:
		return say("%s is Paused", n.Name)
	case NodeJoining:
		return say("%s is Joining", n.Name)
	case "":
		return say("%s is Unknown", n.Name)
	}
	return n.Name + " is " + n.State.Display()
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
	msg := say("No updated node is free to take %s: %s. The plan stops before the outage, because a CMS taken down with nowhere to go stays down.", g.Name, strings.Join(why, "; "))
	if pl.opts.Goal.IsServicePack() {
		msg = say("No upgraded node is free to take %s for its /upgradecms: %s. The plan stops before the outage, because a CMS taken down with nowhere to go stays down.", g.Name, strings.Join(why, "; "))
	}
	return &PlanError{Finding{Code: FindNoUpgradeTarget, Severity: Block, Node: g.Owner,
		Message: msg,
		Remedy:  say("A CMS can move only to a passive node that is Up, on the new build with Setup complete, with no restart pending and among its possible owners. Add or free such a node (resume a Paused one, bring a Down one back, restart one with a reboot pending, widen the possible owners with cluster.exe group \"%s\" /setowners), then plan again.", g.Name)}}
}
