package runbook

import (
	"fmt"
	"sort"
	"strings"
)

// Check runs the preflight rules of DESIGN section 6 on a cluster for a
// goal. Findings come out in a stable order: cluster-wide rules first, then
// per node in file order, then the management host, then information.
func Check(c *Cluster, o Options) []Finding {
	if o.Goal == GoalWindows2008 {
		return []Finding{inplaceOSUpgrade(c)}
	}
	var fs []Finding
	for _, rule := range preflightRules {
		fs = append(fs, rule(c, o)...)
	}
	sort.SliceStable(fs, func(i, j int) bool { return severityRank[fs[i].Severity] < severityRank[fs[j].Severity] })
	return fs
}

// preflightRules are Check's rules, one concern each, in the order their
// findings are listed before the stable sort by severity: the golden plans
// and scripts reading the findings rely on this order, so append new rules
// where their findings belong rather than at random.
var preflightRules = []func(*Cluster, Options) []Finding{
	// Prerequisites and what the goal needs.
	prereqOSSPRule,
	exchangeOSSupportRule,
	downgradeRule,
	missingMediaRule,
	missingPackageRule,
	rollupSPMismatchRule,
	// Node health.
	nodeHealthRule,
	setupIncompleteRule,
	// The CMSs, the other groups, quorum and replication.
	cmsNotOnlineRule,
	groupFailedRule,
	quorumRule,
	replicationRule,
	rtmCopyStatusRule,
	// Groups on passive nodes.
	groupsOnPassiveRule,
	// The management host.
	managementFindings,
	// Information.
	setupComOnlyRule,
	rollupsRemovedRule,
	alreadyAtTarget,
}

var severityRank = map[Severity]int{Block: 0, Warn: 1, Info: 2}

// prereqOSSPRule blocks a service pack on a node still below Windows Server
// 2003 SP2: Exchange SP1 and later need Windows Server 2003 SP2.
func prereqOSSPRule(c *Cluster, o Options) []Finding {
	goal := o.Goal
	if !goal.IsServicePack() {
		return nil
	}
	var fs []Finding
	for i := range c.Nodes {
		n := &c.Nodes[i]
		os := c.NodeOS(n)
		if os.Family == Windows2003 && os.SP < 2 {
			fs = append(fs, Finding{Code: FindPrereqOSSP, Severity: Block, Node: n.Name,
				Message: say("%s runs %s. %s needs Windows Server 2003 SP2 (or Windows Server 2008); Setup will refuse to run.", n.Name, os, goal.Label()),
				Remedy:  say("Install Windows Server 2003 SP2 on every node first, node by node in its own window (pause the node, move its groups off, install, reboot, resume), then plan %s again.", goal.Label())})
		}
	}
	return fs
}

// exchangeOSSupportRule holds the cluster to the Exchange 2007 releases its
// Windows supports (PROCEDURES 5): Windows Server 2008 needs SP1 or later,
// 2008 R2 needs SP3 (SP3 added 2008 R2; RTM, SP1 and SP2 are not supported
// there). A service-pack goal below that blocks: Setup would put the node
// on a release Microsoft does not support on it. A node already running
// such a release is only warned about, since the window cannot fix it
// unless its goal is the supported service pack.
func exchangeOSSupportRule(c *Cluster, o Options) []Finding {
	var fs []Finding
	for i := range c.Nodes {
		n := &c.Nodes[i]
		os := c.NodeOS(n)
		min := os.Family.ExchangeMinSP()
		if min == 0 {
			continue
		}
		need := say("Exchange 2007 SP%d or later", min)
		switch {
		case o.Goal.IsServicePack() && o.Goal.TargetBuild().ServicePack() < min:
			fs = append(fs, Finding{Code: FindExchangeOSUnsupported, Severity: Block, Node: n.Name,
				Message: say("%s runs %s, which supports only %s; %s is not supported on it.", n.Name, os.Family.Name(), need, o.Goal.Label()),
				Remedy:  say("Plan %s instead (the media of the service pack that supports %s).", GoalForSP(min).Label(), os.Family.Name())})
		case !n.Build.IsZero() && n.Build.ServicePack() < min && !(o.Goal.IsServicePack() && o.Goal.TargetBuild().ServicePack() >= min):
			fs = append(fs, Finding{Code: FindExchangeOSUnsupported, Severity: Warn, Node: n.Name,
				Message: say("%s runs Exchange 2007 %s on %s, which supports only %s: this cluster is in a configuration Microsoft does not support.", n.Name, Describe(n.Build), os.Family.Name(), need),
				Remedy:  say("Plan %s in a window of its own.", GoalForSP(min).Label())})
		}
	}
	return fs
}

// GoalForSP is the service-pack goal that brings service pack sp.
func GoalForSP(sp int) Goal {
	switch sp {
	case 1:
		return GoalSP1
	case 2:
		return GoalSP2
	}
	return GoalSP3
}

// downgradeRule blocks a service pack on a node already past it.
func downgradeRule(c *Cluster, o Options) []Finding {
	goal := o.Goal
	if !goal.IsServicePack() {
		return nil
	}
	target := goal.TargetBuild()
	var fs []Finding
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if !n.Build.IsZero() && n.Build.ServicePack() > target.ServicePack() {
			fs = append(fs, Finding{Code: FindDowngrade, Severity: Block, Node: n.Name,
				Message: say("%s already runs %s, newer than %s. Exchange service packs cannot be rolled back.", n.Name, Describe(n.Build), goal.Label()),
				Remedy:  say("Choose the goal that matches the newest build in the cluster, or none: a node cannot go back to an older service pack.")})
		}
	}
	return fs
}

// missingMediaRule blocks a service pack with no media path to Setup.com,
// and a window whose media or package discovery did not find on a node.
func missingMediaRule(c *Cluster, o Options) []Finding {
	if fs := missingOnNodes(c); fs != nil {
		return fs
	}
	if !o.Goal.IsServicePack() || strings.TrimSpace(o.Media) != "" {
		return nil
	}
	return []Finding{{Code: FindMissingMedia, Severity: Block,
		Message: say("No media path is set, so the runbook does not know where Setup.com is on the nodes."),
		Remedy:  say(`Set media: 'D:\Exchange2007SP2' (the folder holding Setup.com on every node) in the inventory.`)}}
}

// missingOnNodes reports each node where discovery did not find a file
// the window runs: Setup would fail there with "is not recognized" in the
// middle of the window.
func missingOnNodes(c *Cluster) []Finding {
	var fs []Finding
	for _, n := range c.Nodes {
		if len(n.MissingFiles) == 0 {
			continue
		}
		fs = append(fs, Finding{Code: FindMissingMedia, Severity: Block, Node: n.Name,
			Message: say("%s does not have %s.", n.Name, strings.Join(n.MissingFiles, " or ")),
			Remedy:  say("Copy the media or package to the same path on every node (or correct media:/package: in the inventory), then check again.")})
	}
	return fs
}

// missingPackageRule blocks a rollup or OS patch with no package to install.
func missingPackageRule(c *Cluster, o Options) []Finding {
	if !o.Goal.NeedsPackage() || strings.TrimSpace(o.Package) != "" {
		return nil
	}
	return []Finding{{Code: FindMissingPackage, Severity: Block,
		Message: say("No package is set for this goal, so there is nothing to install."),
		Remedy:  say(`Set package: 'D:\Updates\Exchange2007-KBnnnnnn-x64-EN.msp' in the inventory or pass --package.`)}}
}

// rollupSPMismatchRule blocks a rollup on a node whose service pack is not
// the one the rollup was built for.
func rollupSPMismatchRule(c *Cluster, o Options) []Finding {
	if o.Goal != GoalRollup || o.PackageBuild.IsZero() {
		return nil
	}
	var fs []Finding
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if !n.Build.IsZero() && n.Build.ServicePack() != o.PackageBuild.ServicePack() {
			fs = append(fs, Finding{Code: FindRollupSPMismatch, Severity: Block, Node: n.Name,
				Message: say("%s runs %s but the package is a rollup for %s. A rollup installs only on the service pack it was built for.", n.Name, Describe(n.Build), spName(o.PackageBuild.ServicePack())),
				Remedy:  say("Download the latest update rollup for %s (rollups are cumulative: install only the latest one).", spName(n.Build.ServicePack()))})
		}
	}
	return fs
}

// nodeHealthRule reports, node by node, a node that is not Up and a node
// with a reboot pending; both findings of a node stay together.
func nodeHealthRule(c *Cluster, o Options) []Finding {
	var fs []Finding
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if f, ok := nodeStateFinding(n); ok {
			fs = append(fs, f)
		}
		if n.Pending {
			fs = append(fs, pendingRebootFinding(c, n))
		}
	}
	return fs
}

// pendingRebootFinding: Setup refuses to start while a restart is pending
// (TechNet cc164360). The plan restarts a passive node before its Setup,
// which costs nothing; the node that owns a CMS cannot be restarted
// without taking the CMS down with it, so there it blocks.
func pendingRebootFinding(c *Cluster, n *Node) Finding {
	var cms []string
	for _, g := range c.CMSs() {
		if strings.EqualFold(g.Owner, n.Name) {
			cms = append(cms, g.Name)
		}
	}
	if len(cms) == 0 {
		return Finding{Code: FindPendingReboot, Severity: Warn, Node: n.Name,
			Message: say("%s already has a restart pending. Setup refuses to start while a restart is pending, and an installer may fail on files in use.", n.Name),
			Remedy: say("The plan restarts %s before anything is installed on it, once it is paused and owns no group. To clear it before the window instead: %s, move its groups off, %s, then %s once it is back.",
				n.Name, PauseNodeCommand(n.Name), RebootCommand(ReasonPlannedOther, "restart "+n.Name+" (restart already pending) before the window"), ResumeNodeCommand(n.Name))}
	}
	owned := strings.Join(cms, ", ")
	return Finding{Code: FindPendingReboot, Severity: Block, Node: n.Name,
		Message: say("%s owns %s and already has a restart pending. Setup refuses to start while a restart is pending, and a restart of the node that owns the CMS takes %s down with it: on %s the restart, or Setup's refusal, would come inside an outage.", n.Name, owned, owned, n.Name),
		Remedy: say("Before the window, in a quiet hour: hand %s over to a passive node (%s, a brief outage), restart %s (%s), check it rejoins with %s and that no restart is pending any more, then plan again (%s is then passive and goes first).",
			owned, MoveCMSCommand(cms[0], passiveNodeName(c, n.Name), "restart pending on "+n.Name), n.Name, RebootCommand(ReasonPlannedOther, "cmsrunbook: restart "+n.Name+" (restart already pending) before the window"), "cluster.exe node "+CmdQuote(n.Name)+" /status", n.Name)}
}

// passiveNodeName names a node other than node that runs no CMS, for a
// remedy's command; "PASSIVENODE" when there is none.
func passiveNodeName(c *Cluster, node string) string {
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if !strings.EqualFold(n.Name, node) && !c.IsActive(n.Name) && n.State == NodeUp {
			return n.Name
		}
	}
	return "PASSIVENODE"
}

// setupIncompleteRule warns of a node whose last Setup left its watermark:
// its binaries are new but its roles are not configured, so its build says
// nothing about what is installed; the plan runs Setup on it again.
func setupIncompleteRule(c *Cluster, o Options) []Finding {
	var fs []Finding
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if !n.SetupIncomplete {
			continue
		}
		fs = append(fs, Finding{Code: FindSetupIncomplete, Severity: Warn, Node: n.Name,
			Message: say("Setup left its watermark on %s: new binaries, not configured; the plan runs Setup.com /mode:upgrade on it again before any stop.", n.Name),
			Remedy: say("Read %s on %s for the task that failed last time and fix its cause before the window; Setup (%s) then resumes from the watermark (the Watermark and Action values under HKLM\\SOFTWARE\\Microsoft\\Exchange\\v8.0\\<role>). No CMS may move to %s until Setup has finished there.",
				SetupLogPath, n.Name, SetupUpgradeCommand(mediaOr(o.Media)), n.Name)})
	}
	return fs
}

// mediaOr is the media folder for a command in a finding, or a placeholder.
func mediaOr(media string) string {
	if strings.TrimSpace(media) == "" {
		return `D:\Exchange2007SPn`
	}
	return media
}

// nodeStateFinding blocks a Down or Joining node and warns of one left
// Paused; ok is false for an Up node.
func nodeStateFinding(n *Node) (f Finding, ok bool) {
	switch n.State {
	case NodeDown, NodeJoining:
		return Finding{Code: FindNodeDown, Severity: Block, Node: n.Name,
			Message: say("%s is %s. A rolling upgrade needs every node Up: while one node is paused the other must carry the CMS.", n.Name, n.State.Display()),
			Remedy:  say("Bring %s back first: check the console (out-of-band), start the Cluster service (net start clussvc), and confirm with cluster.exe node %s /status.", n.Name, n.Name)}, true
	case NodePaused:
		return Finding{Code: FindNodePaused, Severity: Warn, Node: n.Name,
			Message: say("%s is already Paused, probably left from an earlier window. A pause survives reboots, so nothing can fail over to it.", n.Name),
			Remedy:  say("The plan resumes it (%s) and checks it shows Up; find out why it was left paused.", ResumeNodeCommand(n.Name))}, true
	}
	return Finding{}, false
}

// cmsNotOnlineRule blocks when a CMS is not Online.
func cmsNotOnlineRule(c *Cluster, o Options) []Finding {
	var fs []Finding
	for _, g := range c.CMSs() {
		if g.State != GroupOnline {
			fs = append(fs, Finding{Code: FindCMSNotOnline, Severity: Block, Node: g.Owner,
				Message: say("The clustered mailbox server %s is %s on %s. The window starts from a healthy, Online CMS, or every later check is meaningless.", g.Name, g.State.Display(), g.Owner),
				Remedy:  say("Find out why (%s), then bring it online: %s.", CMSStatusCommand(g.Name), StartCMSCommand(g.Name))})
		}
	}
	return fs
}

// groupFailedRule blocks on a group other than a CMS that is Failed or
// Partially Online: "Cluster Group" holds the cluster name and the quorum
// (or witness) resource, and a group that cannot move or come Online
// fails the move-groups step of every node that owns it.
func groupFailedRule(c *Cluster, o Options) []Finding {
	var fs []Finding
	for i := range c.Groups {
		g := &c.Groups[i]
		if g.CMS || g.State != GroupFailed && g.State != GroupPartiallyOnline {
			continue
		}
		what := say("Moving it off its node before Setup will fail too, and a node that has to take it over cannot.")
		if strings.EqualFold(g.Name, "Cluster Group") {
			what = say("It holds the cluster's name, IP address and quorum resource (the majority node set or its file share witness, or the quorum disk): with one of them down, taking a node out for its reboot can stop the whole cluster.")
		}
		fs = append(fs, Finding{Code: FindGroupFailed, Severity: Block, Node: g.Owner,
			Message: say("The group %q is %s on %s. %s", g.Name, g.State.Display(), g.Owner, what),
			Remedy:  say("Before the window, find the resource that is not Online (cluster.exe res, and the cluster log), repair it and bring the group online: cluster.exe group \"%s\" /online /wait:%d; then check cluster.exe group shows it Online.", g.Name, DefaultMoveWait)})
	}
	return fs
}

// quorumRule blocks when taking any node down for its reboot (every node
// that is not already Down is rebooted in the window) would lose the
// cluster's quorum, which stops the Cluster service on the other nodes
// and takes every group, the CMS included, down with it.
func quorumRule(c *Cluster, o Options) []Finding {
	var fs []Finding
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if n.State == NodeDown || n.State == NodeJoining {
			continue
		}
		why := c.QuorumLostWithout(n.Name)
		if why == "" {
			continue
		}
		fs = append(fs, Finding{Code: FindQuorumAtRisk, Severity: Block, Node: n.Name,
			Message: quorumMessage(c, n.Name, why),
			Remedy:  quorumRemedy(c)})
	}
	return fs
}

// quorumModelWords names a quorum model as Cluster Administrator does.
func quorumModelWords(m QuorumModel) string {
	switch m {
	case QuorumNodeMajority:
		return say("a majority node set (node-majority)")
	case QuorumMNSFSW:
		return say("a majority node set and a file share witness (mns-fsw)")
	case QuorumDisk:
		return say("a quorum disk (disk)")
	}
	return say("an unknown quorum model")
}

func witnessName(m QuorumModel) string {
	switch m {
	case QuorumDisk:
		return say("quorum disk")
	case QuorumNodeMajority:
		return say("witness (there is none)")
	}
	return say("file share witness")
}

// quorumMessage says how the cluster keeps quorum and why taking node
// down for its reboot loses it; one sentence per witness state, so that
// each is its own message.
func quorumMessage(c *Cluster, node, why string) string {
	model, witness, cms := quorumModelWords(c.Quorum.Model), witnessName(c.Quorum.Model), cmsNames(c)
	switch c.Quorum.Witness {
	case WitnessOnline:
		return say("%s keeps quorum with %s and the %s is online. Taking %s down for its reboot would lose quorum (%s): Windows stops the Cluster service on the other nodes and every group, %s included, goes offline.",
			c.Name, model, witness, node, why, cms)
	case WitnessFailed:
		return say("%s keeps quorum with %s and the %s is failed. Taking %s down for its reboot would lose quorum (%s): Windows stops the Cluster service on the other nodes and every group, %s included, goes offline.",
			c.Name, model, witness, node, why, cms)
	}
	return say("%s keeps quorum with %s and the %s is of unknown state. Taking %s down for its reboot would lose quorum (%s): Windows stops the Cluster service on the other nodes and every group, %s included, goes offline.",
		c.Name, model, witness, node, why, cms)
}

func cmsNames(c *Cluster) string {
	var names []string
	for _, g := range c.CMSs() {
		names = append(names, g.Name)
	}
	if len(names) == 0 {
		return say("every CMS")
	}
	return strings.Join(names, ", ")
}

// quorumRemedy says what to repair before the window, and how to check.
func quorumRemedy(c *Cluster) string {
	check := say("Check with cluster.exe /quorum (the quorum resource) and cluster.exe res (its state)")
	switch c.Quorum.Model {
	case QuorumDisk:
		return say("Fix the quorum disk before the window (its storage path and the Physical Disk resource), bring it online and plan again. %s.", check)
	case QuorumNodeMajority:
		return say("Bring every node back before the window, or configure a file share witness so the cluster can lose one node (Windows Server 2003 SP2: cluster.exe res \"Majority Node Set\" /priv MNSFileShare=\\\\SERVER\\SHARE). %s.", check)
	}
	msg := say("Bring the file share witness back online before the window: the share must answer from every node and the cluster account must be able to write to it. %s; on Windows Server 2003 the witness is the MNSFileShare private property (cluster.exe res \"Majority Node Set\" /priv). Then plan again.", check)
	if c.Quorum.Witness == WitnessUnknown {
		msg = say("%s If the witness is healthy but discovery cannot tell, say so in the inventory: quorum: {model: mns-fsw, witness: online}.", msg)
	}
	return msg
}

// replicationRule reports a CCR copy that is not Healthy or whose queues
// are longer than near zero. It blocks whenever the window moves a CMS:
// Move-ClusteredMailboxServer refuses the handoff, and for a service pack
// the refusal comes after the CMS was stopped, inside the outage.
func replicationRule(c *Cluster, o Options) []Finding {
	r := c.Replication
	unhealthy := !r.Healthy || r.CopyQueue > NearZeroQueue || r.ReplayQueue > NearZeroQueue
	if c.Type != CCR || !unhealthy {
		return nil
	}
	cms := c.CMSs()[0].Name
	sev, when := Warn, say("No CMS moves in this window, but the end-of-window check needs a Healthy copy.")
	if movesACMS(c, o) {
		sev = Block
		if o.Goal.IsServicePack() {
			when = say("Move-ClusteredMailboxServer refuses the handoff until the copy is Healthy and the queues are near zero, and in a service pack that refusal comes after the CMS was stopped: inside the outage.")
		} else {
			when = say("Move-ClusteredMailboxServer refuses the handoff until the copy is Healthy and the queues are near zero.")
		}
	}
	msg := say("Replication reports Healthy but the queues are long (copy queue %d, replay queue %d). %s", r.CopyQueue, r.ReplayQueue, when)
	if !r.Healthy {
		msg = say("Replication is not Healthy (copy queue %d, replay queue %d). %s", r.CopyQueue, r.ReplayQueue, when)
	}
	return []Finding{{Code: FindReplication, Severity: sev,
		Message: msg,
		Remedy:  say("Before the window, watch %s until every storage group is Healthy and both queues are at most %d; a Suspended copy needs Resume-StorageGroupCopy, a Failed one Update-StorageGroupCopy (reseed). Then plan again.", CopyStatusCommand(cms), NearZeroQueue)}}
}

// movesACMS reports whether the window moves a CMS: a service pack moves
// every CMS not yet upgraded and every CMS whose node still needs Setup;
// a rollup or OS patch hands every CMS over to a patched node, unless its
// node already runs the rollup.
func movesACMS(c *Cluster, o Options) bool {
	target := o.Goal.TargetBuild()
	if o.Goal == GoalRollup {
		target = o.PackageBuild
	}
	if target.IsZero() {
		return true // an OS patch, or a rollup of unknown build: every node is patched
	}
	for _, g := range c.CMSs() {
		n := c.Node(g.Owner)
		if n == nil || !n.Build.AtLeast(target) || n.SetupIncomplete {
			return true
		}
		if o.Goal.IsServicePack() && !c.CMSBuild(g).AtLeast(target) {
			return true
		}
	}
	return false
}

// rtmCopyStatusRule notes that an RTM CCR's copy status cannot be taken at
// its word.
func rtmCopyStatusRule(c *Cluster, o Options) []Finding {
	if c.Type != CCR {
		return nil
	}
	if b := c.CMSBuild(c.CMSs()[0]); b.IsZero() || b.ServicePack() != 0 {
		return nil
	}
	return []Finding{{Code: FindRTMCopyStatus, Severity: Info,
		Message: say("On Exchange 2007 RTM, Get-StorageGroupCopyStatus can show Healthy for an idle storage group or flap between Failed and Healthy."),
		Remedy:  say("Before the CMS moves, check that CopyQueueLength and ReplayQueueLength are actually shrinking, not only that the status says Healthy.")}}
}

// groupsOnPassiveRule notes the groups a passive node owns, which the plan
// moves off before installing.
func groupsOnPassiveRule(c *Cluster, o Options) []Finding {
	var fs []Finding
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if c.IsActive(n.Name) {
			continue
		}
		var names []string
		for _, g := range c.Owned(n.Name) {
			names = append(names, fmt.Sprintf("%q", g.Name))
		}
		if len(names) > 0 {
			fs = append(fs, Finding{Code: FindGroupsOnPassive, Severity: Info, Node: n.Name,
				Message: say("%s is passive but owns %s. Setup restarts the Cluster service, which would fail these groups over mid-install.", n.Name, strings.Join(names, ", ")),
				Remedy:  say("The plan moves them off %s before anything is installed (move-groups).", n.Name)})
		}
	}
	return fs
}

// setupComOnlyRule notes that a service pack on a CMS goes through
// Setup.com, never the wizard.
func setupComOnlyRule(c *Cluster, o Options) []Finding {
	if !o.Goal.IsServicePack() {
		return nil
	}
	return []Finding{{Code: FindSetupComOnly, Severity: Info,
		Message: say("A service pack on a clustered mailbox server goes through Setup.com on the command line. The Setup.exe wizard cannot upgrade a CMS node."),
		Remedy:  say("The plan runs Setup.com /mode:upgrade on each node and Setup.com /upgradecms for the CMS.")}}
}

// rollupsRemovedRule notes the nodes whose update rollups a service pack
// removes (a node below the target that is not on a bare RTM or SP build).
func rollupsRemovedRule(c *Cluster, o Options) []Finding {
	if !o.Goal.IsServicePack() {
		return nil
	}
	target := o.Goal.TargetBuild()
	var fs []Finding
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if !n.Build.IsZero() && n.Build.Compare(target) < 0 && !isSPBase(n.Build) {
			fs = append(fs, Finding{Code: FindRollupsRemoved, Severity: Info, Node: n.Name,
				Message: say("%s runs %s. The service pack removes installed update rollups automatically.", n.Name, Describe(n.Build)),
				Remedy:  say("After the window, install the latest update rollup for %s on every node (passive first).", spName(target.ServicePack()))})
		}
	}
	return fs
}

// isSPBase reports a bare RTM or service-pack build.
func isSPBase(b Build) bool {
	for _, s := range []Build{BuildRTM, BuildRTMb, BuildSP1, BuildSP2, BuildSP3} {
		if b == s {
			return true
		}
	}
	return false
}

// alreadyAtTarget lists the nodes and CMSs whose steps the planner skips.
func alreadyAtTarget(c *Cluster, o Options) []Finding {
	target := o.Goal.TargetBuild()
	if o.Goal == GoalRollup {
		target = o.PackageBuild
	}
	if target.IsZero() {
		return nil
	}
	var fs []Finding
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if n.Build.AtLeast(target) {
			fs = append(fs, Finding{Code: FindAlreadyAtTarget, Severity: Info, Node: n.Name,
				Message: say("%s already runs %s, probably from an earlier window.", n.Name, Describe(n.Build)),
				Remedy:  pausedRemedy(n)})
		}
	}
	if o.Goal.IsServicePack() {
		for _, g := range c.CMSs() {
			if c.CMSBuild(g).AtLeast(target) {
				fs = append(fs, Finding{Code: FindAlreadyAtTarget, Severity: Info, Node: g.Owner,
					Message: say("The CMS %s already runs %s.", g.Name, Describe(c.CMSBuild(g))),
					Remedy:  say("No /upgradecms for it; it is only checked at the end.")})
			}
		}
	}
	return fs
}

func pausedRemedy(n *Node) string {
	if n.State == NodePaused {
		return say("Its install steps are left out of the plan; it is still checked at the end, and resumed because it is Paused.")
	}
	return say("Its install steps are left out of the plan; it is still checked at the end.")
}

func inplaceOSUpgrade(c *Cluster) Finding {
	msg := say("A Windows Server 2003 failover cluster cannot be upgraded in place to Windows Server 2008: the cluster has to be rebuilt, and Exchange 2007 does not survive an in-place OS upgrade either.")
	if c.OS.Family.Is2008Kind() {
		msg = say("This cluster already runs %s; an in-place OS upgrade of an Exchange 2007 cluster is never supported.", c.OS.Family.Name())
	}
	// Exchange 2007 SP3 added Windows Server 2008 R2; RTM to SP2 are not
	// supported on it (PROCEDURES 5, corrected 2026-11-29).
	return Finding{Code: FindInplaceOSUpgrade, Severity: Block, Message: msg,
		Remedy: say("Build a new Windows Server 2008 failover cluster with a new CMS on Exchange 2007 SP1 or later (or a Windows Server 2008 R2 cluster with a CMS on Exchange 2007 SP3: SP3 is the first release supported on 2008 R2), move the mailboxes to it (Move-Mailbox), replicate the public folders, then retire this cluster.")}
}

// managementFindings are the limits of the admin box the engineer manages
// the cluster from (PROCEDURES 5): they bite mid-window if not known.
func managementFindings(c *Cluster, o Options) []Finding {
	m := c.Management
	if m == nil || m.OS.Family == "" {
		return nil
	}
	var fs []Finding
	way := say("Run the Exchange and cluster tools on a node over Remote Desktop, or let cmsrunbook run every step on the nodes (it does, over WinRM).")
	if m.OS.Family == WindowsVista {
		fs = append(fs, Finding{Code: FindMgmtVista, Severity: Warn,
			Message: say("The management host runs Windows Vista. A clustered mailbox server cannot be managed remotely from Vista (only a stand-alone Exchange server can)."),
			Remedy:  way})
	}
	if hg, cg := m.OS.Family.generation(), c.OS.Family.generation(); hg != 0 && cg != 0 && hg != cg {
		install := say("on Windows Server 2003 or XP the Administration Tools Pack (Adminpak.msi, KB 304718)")
		switch c.OS.Family {
		case Windows2008:
			install = say("on Windows Server 2008 ServerManagerCmd -i RSAT-Clustering")
		case Windows2008R2:
			install = say("on Windows Server 2008 R2 the Failover Clustering Tools feature, RSAT-Clustering")
		}
		fs = append(fs, Finding{Code: FindMgmtOSMismatch, Severity: Warn,
			Message: say("The management host runs %s but the cluster runs %s. The Cluster service does not let tools from another OS version manage it, so neither the cluster tools nor the Exchange tools on this box can manage this CMS.", m.OS.Family.Name(), c.OS.Family.Name()),
			Remedy:  say("%s To manage from an admin box, use one running the cluster's OS with the cluster tools installed (%s). Cluster tools of two OS versions cannot be installed on one computer.", way, install)})
	}
	if m.Tools != "" && m.Tools != ToolsNone && len(c.CMSs()) > 0 {
		cmsSP := c.CMSBuild(c.CMSs()[0]).ServicePack()
		toolsRTM := m.Tools == ToolsRTM
		switch {
		case toolsRTM && o.Goal.IsServicePack():
			fs = append(fs, Finding{Code: FindMgmtToolsVersion, Severity: Warn,
				Message: say("The Exchange tools on the management host are RTM. RTM tools manage only an RTM CMS: once /upgradecms has run, the CMS runs %s and these tools can no longer manage it.", spName(o.Goal.TargetBuild().ServicePack())),
				Remedy:  say("%s After the window, upgrade the tools on the admin box to %s.", way, spName(o.Goal.TargetBuild().ServicePack()))})
		case !toolsRTM && cmsSP == 0:
			fs = append(fs, Finding{Code: FindMgmtToolsVersion, Severity: Warn,
				Message: say("The Exchange tools on the management host are %s but the CMS runs RTM. Service-pack tools manage only a CMS on a service pack, so until /upgradecms they cannot manage this CMS.", strings.ToUpper(string(m.Tools))),
				Remedy:  way})
		}
	}
	return fs
}
