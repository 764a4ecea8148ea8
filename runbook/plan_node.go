package runbook

import (
	"fmt"
	"strings"
)

// FindNoGroupTarget is the planner's blocking finding when no node may take
// the groups a node must shed before its install.
const FindNoGroupTarget = "no-group-target"

// resumeActive resumes every CMS owner left Paused by an earlier window,
// before anything that needs it Up: while it is paused no other node may
// be paused (it would be the last Up node), nothing can fail over to it,
// and the groups of the passive nodes have nowhere to go.
func (pl *planner) resumeActive() {
	for _, name := range pl.nodeNames() {
		n := pl.state.Node(name)
		cms := pl.cmsOwnedBy(name)
		if n.State != NodePaused || len(cms) == 0 {
			continue
		}
		pl.resume(n.Name, say("Resume %s (left Paused; it runs %s)", n.Name, strings.Join(cms, ", ")),
			say("%s runs %s but was left Paused, probably by an earlier window. While it is paused nothing can fail over to it and no other node may be paused (it would leave no node Up to run the groups), so it is resumed before anything else.", n.Name, strings.Join(cms, ", ")), true)
	}
}

// node plans one node's maintenance: pause, move its groups off, restart
// it first when a reboot is already pending, install, reboot, resume. A
// node up to date gets only the restart it still owes (never while it runs
// a CMS) and a resume if it was left Paused. It must not own a CMS when it
// needs an install: the callers hand its CMSs over first.
func (pl *planner) node(name string) error {
	key := strings.ToUpper(name)
	n := pl.state.Node(name)
	install := !pl.done[key] && !pl.upToDate(n)
	restart := n.Pending && !pl.state.IsActive(n.Name)
	if !install && !restart {
		pl.done[key] = true
		if n.State == NodePaused {
			pl.resume(n.Name, say("Resume %s (left Paused)", n.Name), "", true)
		}
		return nil
	}
	target, groups, err := pl.groupsOff(n.Name)
	if err != nil {
		return err
	}
	pl.done[key] = true
	if n.State != NodePaused {
		pl.add(Step{Kind: KindPauseNode, Node: n.Name, Shell: ShellCmd,
			Title:    say("Pause %s", n.Name),
			Commands: []string{PauseNodeCommand(n.Name)},
			Post:     Post{NodeState: NodePaused, Text: say("%s shows Paused", n.Name)}})
	}
	pl.moveGroups(n.Name, target, groups)
	if restart {
		pl.restartPending(n)
	}
	if install {
		pl.installStep(n)
		when := Always
		if !pl.opts.Goal.IsServicePack() && pl.opts.Reboot != RebootAlways {
			when = IfRebootRequired
		}
		pl.add(Step{Kind: KindRebootNode, Node: n.Name, Shell: ShellCmd, When: when,
			Title:    say("Reboot %s", n.Name),
			Commands: []string{RebootCommand(RebootReason(pl.opts.Goal), fmt.Sprintf("cmsrunbook step reboot-node: restart %s after %s", n.Name, pl.opts.Goal.Label()))},
			Post:     Post{BootChanged: true, Text: say("%s restarted (boot time changed) and its Cluster service answers", n.Name)}})
	}
	pl.resume(n.Name, say("Resume %s", n.Name), "", false)
	return nil
}

// resume adds a resume step. A node's maintenance ends with one (left is
// false: its pause survived the reboot); a node left Paused before the
// window gets one with left true and, when it matters, why.
func (pl *planner) resume(name, title, why string, left bool) {
	post := say("%s shows Up (a pause survives the reboot)", name)
	if left {
		post = say("%s shows Up", name)
	}
	pl.add(Step{Kind: KindResumeNode, Node: name, Shell: ShellCmd, Title: title,
		Commands: []string{ResumeNodeCommand(name)},
		Post:     Post{NodeState: NodeUp, Text: post},
		Why:      why})
}

// restartPending restarts a paused node that owns no group because a
// reboot was already pending: Setup will not start until it is done.
func (pl *planner) restartPending(n *Node) {
	pl.add(Step{Kind: KindRebootNode, Node: n.Name, Shell: ShellCmd,
		Title:    say("Restart %s (a reboot is already pending)", n.Name),
		Commands: []string{RebootCommand(ReasonPlannedOther, fmt.Sprintf("cmsrunbook step reboot-node: restart %s (restart already pending) before %s", n.Name, pl.opts.Goal.Label()))},
		Post:     Post{BootChanged: true, Text: say("%s restarted (boot time changed) and its Cluster service answers", n.Name)},
		Why:      say("%s already had a reboot pending before the window. Setup.com (/mode:upgrade and /upgradecms) refuses to start while a restart is pending, and an installer can fail on files in use, so the node restarts now, paused and owning no group, before anything runs on it. The pause survives the restart.", n.Name)})
}

// groupsOff lists the groups a node must shed before its install or
// restart, and the node they go to.
func (pl *planner) groupsOff(name string) (target string, groups []string, err error) {
	for _, g := range pl.state.Owned(name) {
		if !g.CMS {
			groups = append(groups, g.Name)
		}
	}
	if len(groups) == 0 {
		return "", nil, nil
	}
	if target = pl.groupTarget(name, groups); target != "" {
		return target, groups, nil
	}
	return "", nil, &PlanError{Finding{Code: FindNoGroupTarget, Severity: Block, Node: name,
		Message: say("No node can take %s from %s: no other node is Up and a possible owner of every one of them. Setup and installers restart the Cluster service, so these groups would fail over or go offline mid-install.", quoteList(groups), name),
		Remedy:  say("Bring another node Up, or widen the groups' possible owners (cluster.exe group \"%s\" /listowners, then /setowners), then plan again.", groups[0])}}
}

func (pl *planner) moveGroups(name, target string, groups []string) {
	if len(groups) == 0 {
		pl.add(Step{Kind: KindMoveGroups, Node: name, Shell: ShellCmd,
			Title:    say("Check that %s owns no groups", name),
			Commands: []string{GroupStatusCommand()},
			Post:     Post{OwnsNoGroups: true, Text: say("%s owns no group", name)}})
		return
	}
	cmds := make([]string, len(groups))
	for i, g := range groups {
		cmds[i] = MoveGroupCommand(g, target, pl.opts.MoveWait)
	}
	pl.add(Step{Kind: KindMoveGroups, Node: name, Target: target, Groups: groups, Shell: ShellCmd,
		Title:    say("Move %s off %s to %s", quoteList(groups), name, target),
		Commands: cmds,
		Post:     Post{OwnsNoGroups: true, GroupsOnline: groups, Text: say("%s owns no group; %s Online on %s", name, quoteList(groups), target)},
		Fallback: cmds, FallbackShell: ShellCmd})
}

func (pl *planner) installStep(n *Node) {
	switch {
	case pl.opts.Goal.IsServicePack():
		t := pl.opts.Goal.TargetBuild()
		title, why := say("Upgrade %s to %s with Setup.com /mode:upgrade", n.Name, spName(t.ServicePack())), ""
		if n.SetupIncomplete {
			title = say("Run Setup.com /mode:upgrade on %s again (an earlier Setup did not finish)", n.Name)
			why = say("An earlier Setup left its watermark on %s: the new binaries are copied but not configured, so its build (%s) says nothing about what runs. Setup.com /mode:upgrade runs again and resumes from the watermark; until it has finished, %s cannot take a CMS, so it comes before any stop. Its output is read for FAILED steps and the success line.", n.Name, Describe(n.Build), n.Name)
		}
		pl.add(Step{Kind: KindSetupUpgrade, Node: n.Name, Shell: ShellCmd,
			Title:    title,
			Why:      why,
			Commands: []string{SetupUpgradeCommand(pl.opts.Media)},
			Post:     Post{NodeBuild: t.String(), Text: say("Setup.com reports success with no FAILED step; %s runs %s", n.Name, Describe(t))}})
	case pl.opts.Goal == GoalRollup:
		post := Post{ExitCodes: []int{0, 3010, 1641}, BuildChanged: true, Text: say("msiexec exits 0, 3010 or 1641; %s's build went up", n.Name)}
		if !pl.opts.PackageBuild.IsZero() {
			post = Post{ExitCodes: []int{0, 3010, 1641}, NodeBuild: pl.opts.PackageBuild.String(), Text: say("msiexec exits 0, 3010 or 1641; %s runs %s", n.Name, Describe(pl.opts.PackageBuild))}
		}
		pl.add(Step{Kind: KindInstallRollup, Node: n.Name, Shell: ShellCmd,
			Title:    say("Install the update rollup on %s", n.Name),
			Commands: []string{InstallRollupCommand(pl.opts.Package)},
			Post:     post})
	default:
		pl.add(Step{Kind: KindInstallPatch, Node: n.Name, Shell: ShellCmd,
			Title:    say("Install the update on %s", n.Name),
			Commands: []string{InstallPatchCommand(pl.opts.Package)},
			Post:     Post{ExitCodes: []int{0, 3010}, Text: say("the installer exits 0 or 3010")}})
	}
}

// groupTarget picks where a node's groups go: a node that is Up (not
// Paused) and a possible owner of every one of them, preferring one that
// runs a CMS, so a passive node stays truly passive for the install that
// follows.
func (pl *planner) groupTarget(from string, groups []string) string {
	var fallback string
	for _, name := range pl.nodeNames() {
		n := pl.state.Node(name)
		if strings.EqualFold(name, from) || n.State != NodeUp || !pl.mayTakeAll(name, groups) {
			continue
		}
		if pl.state.IsActive(name) {
			return n.Name
		}
		if fallback == "" {
			fallback = n.Name
		}
	}
	return fallback
}

func (pl *planner) mayTakeAll(node string, groups []string) bool {
	for _, g := range groups {
		if !pl.state.Group(g).MayRunOn(node) {
			return false
		}
	}
	return true
}
