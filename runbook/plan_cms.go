package runbook

import "strings"

// servicePack plans Setup.com /mode:upgrade on every node and /upgradecms
// for every CMS (DESIGN section 5), from wherever the cluster is.
func (pl *planner) servicePack() error {
	// 1. An interrupted window: a CMS already on an upgraded node waits
	// only for its /upgradecms, and that comes before any other Setup, so
	// no node is upgraded while a CMS on the old build waits for it.
	for _, g := range pl.state.CMSs() {
		if !pl.cmsUpgraded(g) && pl.upToDate(pl.state.Node(g.Owner)) {
			pl.upgradeCMS(g.Name, g.Owner)
		}
	}
	// 2. Passive nodes first, so each CMS moves only once.
	if err := pl.passiveNodes(); err != nil {
		return err
	}
	// 3. Each CMS: stop, move to an upgraded free node, /upgradecms. The
	// target is found before the stop: no outage is opened that the plan
	// cannot close.
	for _, g := range pl.state.CMSs() {
		if pl.cmsUpgraded(g) {
			continue
		}
		t, err := pl.targetFor(g)
		if err != nil {
			return err
		}
		pl.upgradeCMS(g.Name, t)
	}
	// 4. The old active nodes, only now that their CMS is upgraded.
	return pl.remainingNodes()
}

// install plans an update rollup or OS patch: passive nodes, one handoff
// per CMS to a patched node, then the old active nodes.
func (pl *planner) install() error {
	if err := pl.passiveNodes(); err != nil {
		return err
	}
	for _, g := range pl.state.CMSs() {
		if pl.upToDate(pl.state.Node(g.Owner)) {
			continue
		}
		if err := pl.handoff(g); err != nil {
			return err
		}
	}
	if err := pl.remainingNodes(); err != nil {
		return err
	}
	if pl.opts.MoveBack {
		for _, g := range pl.state.CMSs() {
			orig := pl.state.Node(pl.origOwner[strings.ToUpper(g.Name)])
			if !strings.EqualFold(orig.Name, g.Owner) && pl.targetProblem(g, orig) == "" {
				pl.addMove(g.Name, orig.Name, "move back after "+pl.opts.Goal.Label())
			}
		}
	}
	return nil
}

func (pl *planner) passiveNodes() error {
	for _, name := range pl.nodeNames() {
		if pl.state.IsActive(name) {
			continue
		}
		if err := pl.node(name); err != nil {
			return err
		}
	}
	return nil
}

// remainingNodes plans every node not planned yet, handing its CMSs over
// to a node that is done first (Setup must never run on a node owning a
// CMS).
func (pl *planner) remainingNodes() error {
	for _, name := range pl.nodeNames() {
		if !pl.done[strings.ToUpper(name)] && !pl.upToDate(pl.state.Node(name)) {
			for _, g := range pl.state.CMSs() {
				if strings.EqualFold(g.Owner, name) {
					if err := pl.handoff(g); err != nil {
						return err
					}
				}
			}
		}
		if err := pl.node(name); err != nil {
			return err
		}
	}
	return nil
}

// startUpgradedCMSs starts a CMS that is not Online but needs no
// /upgradecms (an earlier window's /upgradecms that left it offline):
// users come back first, and a handoff needs it running.
func (pl *planner) startUpgradedCMSs() {
	for _, g := range pl.state.CMSs() {
		sp := pl.opts.Goal.IsServicePack()
		if g.State == GroupOnline || sp && (!pl.cmsUpgraded(g) || !pl.upToDate(pl.state.Node(g.Owner))) {
			continue // its /upgradecms starts it, or it cannot start on that node's binaries
		}
		pl.add(Step{Kind: KindStartCMS, Node: g.Owner, CMS: g.Name, Shell: ShellPowerShell,
			Title:    say("Start %s (it is %s)", g.Name, g.State.Display()),
			Commands: []string{StartCMSCommand(g.Name)},
			Outage:   OutageEnds,
			Post:     Post{CMS: g.Name, CMSState: GroupOnline, Text: say("%s is Online", g.Name)},
			Why:      say("%s is %s before the window and needs no /upgradecms. It is started first: users come back, and the steps after it need it running.", g.Name, g.State.Display())})
	}
}

// upgradeCMS plans the outage of one CMS: stop it (unless it is already
// Offline), move it to t (unless it is there already), /upgradecms on t,
// and start it if /upgradecms left it offline. The caller has checked that
// t can take it.
func (pl *planner) upgradeCMS(cms, t string) {
	g := pl.state.Group(cms)
	owner, label, target := g.Owner, pl.opts.Goal.Label(), pl.opts.Goal.TargetBuild()
	inPlace, stopped := strings.EqualFold(owner, t), g.State == GroupOffline
	if !stopped {
		why := ""
		if inPlace {
			why = say("The outage starts here: %s already sits on %s, which runs %s, but the clustered instance is still on %s (an earlier window moved it and stopped before /upgradecms). It is stopped for /upgradecms where it is; users lose access until it is back Online.", cms, t, Describe(target), Describe(pl.state.CMSBuild(g)))
		}
		pl.add(Step{Kind: KindStopCMS, Node: owner, CMS: cms, Shell: ShellPowerShell,
			Title:    say("Stop %s (outage starts)", cms),
			Commands: []string{StopCMSCommand(cms, label+" upgrade")},
			Outage:   OutageStarts, Confirm: ConfirmTyped,
			Post: Post{CMS: cms, CMSState: GroupOffline, Text: say("%s is Offline", cms)},
			Why:  why})
	}
	if !inPlace {
		mv := Step{Kind: KindMoveCMS, Node: owner, CMS: cms, Target: t, Shell: ShellPowerShell,
			Title:    say("Move %s to %s", cms, t),
			Commands: []string{MoveCMSCommand(cms, t, label+" upgrade")},
			Outage:   OutageDuring,
			Post:     Post{CMS: cms, CMSOwner: t, Text: say("%s is owned by %s (still Offline)", cms, t)},
			Fallback: []string{MoveGroupCommand(cms, t, pl.opts.MoveWait)}, FallbackShell: ShellCmd,
			FallbackWarning: say("Moving a CMS with the cluster tools skips Exchange's health checks and can leave databases offline or failed. Afterwards check %s and mount any dismounted database.", CMSStatusCommand(cms))}
		if stopped {
			// Already stopped (an earlier window stopped before the move):
			// the outage is on, and for this plan it starts here.
			mv.Title = say("Move %s (already Offline) to %s", cms, t)
			mv.Outage, mv.Confirm = OutageStarts, ConfirmTyped
			mv.Why = say("%s is already Offline, so users are already off their mailboxes: no stop is needed. It moves, still stopped, to %s, which runs %s, the only place /upgradecms can run; the outage ends when /upgradecms brings it back Online.", cms, t, Describe(target))
		}
		pl.add(mv)
	}
	title := say("Upgrade %s with Setup.com /upgradecms on %s (outage ends)", cms, t)
	why := ""
	if inPlace {
		title = say("Upgrade %s with Setup.com /upgradecms on %s, where it already is (outage ends)", cms, t)
		why = say("%s already sits on the upgraded node %s but the clustered instance is still on %s: an earlier window stopped before /upgradecms. It runs now, before Setup runs on any other node, so no node is upgraded while the CMS waits (the CMS would then not start and /upgradecms would refuse to run).", cms, t, Describe(pl.state.CMSBuild(g)))
	}
	pl.add(Step{Kind: KindUpgradeCMS, Node: t, CMS: cms, Shell: ShellCmd,
		Title:    title,
		Commands: []string{UpgradeCMSCommand(pl.opts.Media)},
		Outage:   OutageEnds,
		Post: Post{CMS: cms, CMSState: GroupOnline, CMSBuild: target.String(), CMSOwner: t,
			Text: say("Setup.com reports success; %s is Online on %s at %s", cms, t, Describe(target))},
		Why: why})
	pl.add(Step{Kind: KindStartCMS, Node: t, CMS: cms, Shell: ShellPowerShell, When: IfCMSNotOnline,
		Title:    say("Start %s if /upgradecms left it offline", cms),
		Commands: []string{StartCMSCommand(cms)},
		Outage:   OutageEnds,
		Post:     Post{CMS: cms, CMSState: GroupOnline, Text: say("%s is Online", cms)}})
}

// handoff moves a running CMS off its node to one that is done.
func (pl *planner) handoff(g *Group) error {
	t, err := pl.targetFor(g)
	if err != nil {
		return err
	}
	pl.addMove(g.Name, t, pl.opts.Goal.Label())
	return nil
}

// addMove is a handoff of a running CMS: a brief outage, typed confirmation.
func (pl *planner) addMove(cms, target, comment string) {
	owner := pl.state.Group(cms).Owner
	pl.add(Step{Kind: KindMoveCMS, Node: owner, CMS: cms, Target: target, Shell: ShellPowerShell,
		Title:    say("Hand %s over to %s (brief outage)", cms, target),
		Commands: []string{MoveCMSCommand(cms, target, comment)},
		Outage:   OutageBrief, Confirm: ConfirmTyped,
		Post:     Post{CMS: cms, CMSOwner: target, CMSState: GroupOnline, Text: say("%s is Online on %s", cms, target)},
		Fallback: []string{MoveGroupCommand(cms, target, pl.opts.MoveWait)}, FallbackShell: ShellCmd,
		FallbackWarning: say("Moving a CMS with the cluster tools skips Exchange's health checks and can leave databases offline or failed. Afterwards check %s and mount any dismounted database.", CMSStatusCommand(cms))})
}
