package runbook

// Explain says in plain words why a step is in the runbook, why here, what
// the procedure says and what goes wrong if it is skipped. The TUI shows it
// on `e`; the markdown plan quotes it for the change board.
func Explain(k StepKind, g Goal) string {
	switch k {
	case KindPreflight:
		return say("Checks the cluster before anything changes: every node Up, the CMS Online, replication healthy, the OS prerequisites met, and the limits of the box you manage from. A blocking finding stops the window here, while nothing has been touched yet.")
	case KindPauseNode:
		return say("A paused node stays a cluster member but cannot take groups, so nothing fails over onto it while it is being upgraded and rebooted. The pause survives the reboot, which is why the node is resumed explicitly later.")
	case KindMoveGroups:
		return say("Setup and update rollups stop and restart the Cluster service on the node, and every group the node owns (the default \"Cluster Group\" too) then fails over or goes offline. Moving them off first keeps the node truly passive. cluster.exe returns when ownership changes, not when the group is Online, so each move waits and the group state is checked.")
	case KindSetupUpgrade:
		if g == GoalRollup || g == GoalOSPatch {
			return say("Installs the update on a passive node.")
		}
		return say("Upgrades the node's Exchange binaries with Setup.com /mode:upgrade. The Setup.exe wizard cannot upgrade a CMS node. Passive nodes go first so the CMS moves only once. Setup's exit code is not trusted alone: its output is read for FAILED steps and the success line, and the node's build is checked afterwards.")
	case KindInstallRollup:
		return say("Installs the update rollup on a node that owns no group. Microsoft Update does not offer rollups for clustered mailbox servers; they are installed by hand, passive node first. Exit codes 0, 3010 and 1641 mean success (3010: a restart is needed).")
	case KindInstallPatch:
		return say("Installs the operating-system update on a node that owns no group, so the restart of the Cluster service or of the node cannot take the CMS down.")
	case KindRebootNode:
		return say("Restarts the node so the new binaries are loaded. The runbook waits for it to go away and come back, and checks that its boot time changed and its Cluster service answers. Reboots are most of the window's elapsed time.")
	case KindResumeNode:
		return say("Brings the node back into service: without it the node stays Paused after the reboot, and nothing can fail over to it, which silently removes the cluster's redundancy.")
	case KindStopCMS:
		return say("The outage starts here: the clustered mailbox server is stopped so it can be moved and upgraded. Users lose access to their mailboxes until /upgradecms brings it back Online.")
	case KindMoveCMS:
		if g.IsServicePack() {
			return say("Moves the stopped CMS to a node that already runs the new service pack, the only place /upgradecms can run. Exchange's own cmdlet is used because it checks replication health and the target's state; cluster tools skip those checks and can leave databases offline.")
		}
		return say("Hands the running CMS over to a node that is already updated: the brief outage of the window. Exchange refuses the handoff while replication is unhealthy; a late failure can leave the databases dismounted, which the runbook checks.")
	case KindUpgradeCMS:
		return say("Upgrades the clustered instance itself with Setup.com /upgradecms on its new, upgraded owner, and brings it Online: the outage ends. It is a hard gate: if the old active node were upgraded before it, the CMS would be left on the old build with every node on the new one, and it would not start.")
	case KindStartCMS:
		return say("Starts the CMS if /upgradecms finished but left it offline. Skipped when the CMS is already Online.")
	case KindVerify:
		return say("The end-of-window invariants: every node Up and none left Paused, every node and CMS on the target build, the CMS Online, no Failed group and, for CCR, replication Healthy. The window is not done until these hold.")
	}
	return ""
}
