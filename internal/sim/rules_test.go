package sim

import (
	"context"
	"strings"
	"testing"
	"time"

	"cmsrunbook/runbook"
)

func sleep(t *testing.T, s *Sim, d time.Duration) {
	t.Helper()
	if err := s.Sleep(context.Background(), d); err != nil {
		t.Fatal(err)
	}
}

func expectOK(t *testing.T, r result) {
	t.Helper()
	if r.err != nil || r.exit != 0 {
		t.Fatalf("command failed:\n%s", r)
	}
}

func TestPausedNodeCannotTakeGroups(t *testing.T) {
	s := newSim(t, "ccr-2003-sp2")
	expectOK(t, console(t, s, "EXNODE01", "cluster node EXNODE01 /pause"))
	r := console(t, s, "EXNODE02", `cluster group "Cluster Group" /move:EXNODE01`)
	if r.exit != errNodePaused || !strings.Contains(r.out, "The cluster node is paused.") {
		t.Errorf("move to a paused node:\n%s", r)
	}
	if o := s.Snapshot(); o.Cluster.Group("Cluster Group").Owner != "EXNODE02" {
		t.Error("the group moved to a paused node")
	}
	expectOK(t, console(t, s, "EXNODE01", "cluster node EXNODE02 /pause"))
	r = console(t, s, "EXNODE01", "Move-ClusteredMailboxServer EXCMS01 -TargetMachine EXNODE02 -MoveComment x -Confirm:$false")
	if r.exit != 1 || !strings.Contains(r.out, "cluster node state is Paused") {
		t.Errorf("CMS move to a paused node:\n%s", r)
	}
}

func TestGroupMoveIsPendingFirst(t *testing.T) {
	s := newSim(t, "ccr-2003-sp2")
	r := console(t, s, "EXNODE02", runbook.MoveGroupCommand("Cluster Group", "EXNODE01", 300))
	expectOK(t, r)
	if !strings.Contains(r.out, "Moving resource group 'Cluster Group'...") || !strings.Contains(r.out, "Cluster Group        EXNODE01        Online Pending") {
		t.Errorf("move output:\n%s", r)
	}
	g := snapGroup(s, "Cluster Group")
	if g.Owner != "EXNODE01" || g.State != runbook.GroupOnlinePending {
		t.Errorf("right after the move: %+v, want owner EXNODE01, Online Pending", g)
	}
	sleep(t, s, 30*time.Second)
	if g := snapGroup(s, "Cluster Group"); g.State != runbook.GroupOnline {
		t.Errorf("30 s later: %+v, want Online", g)
	}
}

func TestPauseSurvivesReboot(t *testing.T) {
	s := newSim(t, "ccr-2003-sp2")
	before := snapFact(s, "EXNODE02")
	expectOK(t, console(t, s, "EXNODE02", "cluster node EXNODE02 /pause"))
	expectOK(t, console(t, s, "EXNODE02", runbook.RebootCommand(runbook.ReasonPlannedOther, "test")))
	sleep(t, s, 6*time.Second)
	o := s.Snapshot()
	if f := o.Fact("EXNODE02"); f.Reachable || f.ClusterService || nodeState(o, "EXNODE02") != runbook.NodeDown {
		t.Errorf("6 s after shutdown /t 5: %+v, %s", f, nodeState(o, "EXNODE02"))
	}
	// Groups it owned failed over to the node that is Up.
	if g := o.Cluster.Group("Cluster Group"); g.Owner != "EXNODE01" {
		t.Errorf("Cluster Group did not fail over: %+v", g)
	}
	if _, err := s.Run(context.Background(), runbook.Command{Node: "EXNODE02", Line: "hostname"}, nil); err == nil {
		t.Error("a rebooting node answered")
	}
	o = waitFor(t, s, 10*time.Minute, "EXNODE02 back", func(o runbook.Observation) bool { return o.Fact("EXNODE02").ClusterService })
	if f := o.Fact("EXNODE02"); f.BootID == before.BootID || !f.Reachable {
		t.Errorf("after the reboot: %+v (before %+v)", f, before)
	}
	if st := nodeState(o, "EXNODE02"); st != runbook.NodePaused {
		t.Errorf("after the reboot EXNODE02 is %s, want Paused (a pause survives a reboot)", st)
	}
	expectOK(t, console(t, s, "EXNODE02", "cluster node EXNODE02 /resume"))
	if st := nodeState(s.Snapshot(), "EXNODE02"); st != runbook.NodeUp {
		t.Errorf("after resume: %s", st)
	}
}

func TestSetupFailsOverOwnedGroups(t *testing.T) {
	s := newSim(t, "ccr-2003-sp2")
	// EXNODE02 still owns Cluster Group: the Cluster service restart in
	// the middle of Setup fails it over to EXNODE01.
	out, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, runbook.SetupUpgradeCommand(`D:\Exchange2007SP2`), "j1")
	if st.ExitCode != 0 || runbook.ClassifySetup(out, st.ExitCode).Outcome != runbook.OutcomeSuccess {
		t.Fatalf("setup: %+v\n%s", st, out)
	}
	o := s.Snapshot()
	if g := o.Cluster.Group("Cluster Group"); g.Owner != "EXNODE01" || g.State != runbook.GroupOnline {
		t.Errorf("Cluster Group after Setup on its owner: %+v", g)
	}
	if n := o.Cluster.Node("EXNODE02"); n.Build != runbook.BuildSP2 || !n.Pending {
		t.Errorf("EXNODE02 after Setup: %+v", n)
	}
}

func TestSetupRefusesOnCMSOwner(t *testing.T) {
	s := newSim(t, "ccr-2003-sp2")
	out, st := job(t, s, "EXNODE01", runbook.KindSetupUpgrade, runbook.SetupUpgradeCommand(`D:\Exchange2007SP2`), "j1")
	if st.ExitCode == 0 || !strings.Contains(out, "Mailbox Role Checks              ......................... FAILED") ||
		!strings.Contains(strings.ReplaceAll(out, "\n", ""), "The clustered mailbox server 'EXCMS01' is running on this node") {
		t.Errorf("Setup on the CMS owner:\n%s", out)
	}
	if snapNode(s, "EXNODE01").Build != runbook.BuildRTM {
		t.Error("build changed")
	}
}

// upgradePassive runs the passive half of the procedure on EXNODE02 by hand.
func upgradePassive(t *testing.T, s *Sim) {
	t.Helper()
	expectOK(t, console(t, s, "EXNODE02", "cluster node EXNODE02 /pause"))
	expectOK(t, console(t, s, "EXNODE02", runbook.MoveGroupCommand("Cluster Group", "EXNODE01", 300)))
	if _, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, runbook.SetupUpgradeCommand(`D:\Exchange2007SP2`), "up2"); st.ExitCode != 0 {
		t.Fatalf("setup on EXNODE02: %+v", st)
	}
	rebootAndWait(t, s, "EXNODE02") // Setup leaves a restart pending
	expectOK(t, console(t, s, "EXNODE02", "cluster node EXNODE02 /resume"))
}

// rebootAndWait restarts a node and waits until its Cluster service is back.
func rebootAndWait(t *testing.T, s *Sim, node string) {
	t.Helper()
	boot := snapFact(s, node).BootID
	expectOK(t, console(t, s, node, runbook.RebootCommand(runbook.ReasonPlannedOther, "test")))
	waitFor(t, s, 30*time.Minute, node+" back from its restart", func(o runbook.Observation) bool {
		f := o.Fact(node)
		return f.Reachable && f.ClusterService && f.BootID != boot
	})
}

func TestUpgradeCMSSkippedBreaksTheCMS(t *testing.T) {
	s := newSim(t, "ccr-2003-sp2")
	upgradePassive(t, s)
	expectOK(t, console(t, s, "EXNODE01", runbook.StopCMSCommand("EXCMS01", "x")))
	expectOK(t, console(t, s, "EXNODE01", runbook.MoveCMSCommand("EXCMS01", "EXNODE02", "x")))
	// The mistake: upgrade the old active node before /upgradecms.
	expectOK(t, console(t, s, "EXNODE01", "cluster node EXNODE01 /pause"))
	if _, st := job(t, s, "EXNODE01", runbook.KindSetupUpgrade, runbook.SetupUpgradeCommand(`D:\Exchange2007SP2`), "up1"); st.ExitCode != 0 {
		t.Fatalf("setup on EXNODE01: %+v", st)
	}
	if g := snapGroup(s, "EXCMS01"); g.State != runbook.GroupFailed {
		t.Errorf("CMS after every node was upgraded before /upgradecms: %+v, want Failed", g)
	}
	r := console(t, s, "EXNODE02", runbook.StartCMSCommand("EXCMS01"))
	if r.exit != 1 || !strings.Contains(r.out, "failed to come online") {
		t.Errorf("Start-ClusteredMailboxServer on a broken CMS:\n%s", r)
	}
	out, st := job(t, s, "EXNODE02", runbook.KindUpgradeCMS, runbook.UpgradeCMSCommand(`D:\Exchange2007SP2`), "ucms")
	if st.ExitCode == 0 || runbook.ClassifySetup(out, st.ExitCode).Outcome != runbook.OutcomeFailure {
		t.Errorf("/upgradecms on a broken CMS: %+v\n%s", st, out)
	}
}

func TestUpgradeCMSRules(t *testing.T) {
	s := newSim(t, "ccr-2003-sp2")
	media := `D:\Exchange2007SP2`
	// On the owner, still at RTM: refused.
	out, st := job(t, s, "EXNODE01", runbook.KindUpgradeCMS, runbook.UpgradeCMSCommand(media), "u1")
	if st.ExitCode == 0 || !strings.Contains(strings.ReplaceAll(out, "\n", ""), "Run Setup.com /mode:upgrade on this node") {
		t.Errorf("/upgradecms on an RTM owner:\n%s", out)
	}
	upgradePassive(t, s)
	// On a node that does not own the CMS: refused.
	out, st = job(t, s, "EXNODE02", runbook.KindUpgradeCMS, runbook.UpgradeCMSCommand(media), "u2")
	if st.ExitCode == 0 || !strings.Contains(out, "does not own a clustered mailbox server") {
		t.Errorf("/upgradecms on a passive node:\n%s", out)
	}
	expectOK(t, console(t, s, "EXNODE01", runbook.StopCMSCommand("EXCMS01", "x")))
	if g := snapGroup(s, "EXCMS01"); g.State != runbook.GroupOffline {
		t.Errorf("after Stop: %+v", g)
	}
	expectOK(t, console(t, s, "EXNODE01", runbook.MoveCMSCommand("EXCMS01", "EXNODE02", "x")))
	if g := snapGroup(s, "EXCMS01"); g.Owner != "EXNODE02" || g.State != runbook.GroupOffline {
		t.Errorf("after moving the stopped CMS: %+v", g)
	}
	// Starting the RTM CMS on the SP2 node fails: it needs /upgradecms.
	if r := console(t, s, "EXNODE02", runbook.StartCMSCommand("EXCMS01")); r.exit != 1 {
		t.Errorf("start before /upgradecms:\n%s", r)
	}
	out, st = job(t, s, "EXNODE02", runbook.KindUpgradeCMS, runbook.UpgradeCMSCommand(media), "u3")
	if st.ExitCode != 0 || runbook.ClassifySetup(out, 0).Outcome != runbook.OutcomeSuccess {
		t.Fatalf("/upgradecms: %+v\n%s", st, out)
	}
	o := waitFor(t, s, time.Minute, "CMS online", func(o runbook.Observation) bool {
		return o.Cluster.Group("EXCMS01").State == runbook.GroupOnline
	})
	if g := o.Cluster.Group("EXCMS01"); g.Build != runbook.BuildSP2 || g.Owner != "EXNODE02" {
		t.Errorf("after /upgradecms: %+v", g)
	}
}

func TestMoveCMSRefusedWhileReplicationLags(t *testing.T) {
	sc := load(t, "fault-move-refused")
	sc.Cluster.Replication = runbook.Replication{Healthy: true, CopyQueue: 48, ReplayQueue: 135}
	s := New(sc, Options{Seed: 1})
	r := console(t, s, "EXNODE01", runbook.MoveCMSCommand("EXCMS01", "EXNODE02", "x"))
	if r.exit != 1 || !strings.Contains(r.out, "CopyQueueLength 48 and ReplayQueueLength 135") {
		t.Errorf("move with long queues:\n%s", r)
	}
	if g := snapGroup(s, "EXCMS01"); g.Owner != "EXNODE01" {
		t.Errorf("refused move moved: %+v", g)
	}
	sleep(t, s, 5*time.Minute) // replication_catchup: 4m
	if rep := s.Snapshot().Cluster.Replication; !rep.Healthy || rep.CopyQueue != 0 || rep.ReplayQueue != 0 {
		t.Errorf("after catch-up: %+v", rep)
	}
	// Console: no fault applies; the world's own rule now allows it.
	expectOK(t, console(t, s, "EXNODE01", runbook.MoveCMSCommand("EXCMS01", "EXNODE02", "x")))
	if g := snapGroup(s, "EXCMS01"); g.Owner != "EXNODE02" || g.State != runbook.GroupOnline {
		t.Errorf("after the handoff: %+v", g)
	}
}

func TestMoveCMSToNodeRunningACMS(t *testing.T) {
	s := newSim(t, "scc-8node-2cms-sp3")
	o := s.Snapshot()
	var cmss []runbook.Group
	for _, g := range o.Cluster.Groups {
		if g.CMS {
			cmss = append(cmss, g)
		}
	}
	r := console(t, s, cmss[0].Owner, runbook.MoveCMSCommand(cmss[0].Name, cmss[1].Owner, "x"))
	if r.exit != 1 || !strings.Contains(r.out, "a node can run only one clustered mailbox server") {
		t.Errorf("move onto a node running a CMS:\n%s", r)
	}
}

func TestRollupRaisesBuild(t *testing.T) {
	s := newSim(t, "ccr-2008-rollup") // package_build 8.2.217.3
	sc := load(t, "ccr-2008-rollup")
	passive := "EXNODE02"
	_, st := job(t, s, passive, runbook.KindInstallRollup, runbook.InstallRollupCommand(sc.Options.Package), "ru")
	if st.ExitCode != 0 && st.ExitCode != 3010 {
		t.Fatalf("rollup: %+v", st)
	}
	if b := snapNode(s, passive).Build; b != sc.Options.PackageBuild {
		t.Errorf("build after rollup %s, want %s", b, sc.Options.PackageBuild)
	}
	// Without a package build: the next catalogued rollup of the SP.
	s = newSim(t, "fault-move-refused")
	_, st = job(t, s, "EXNODE02", runbook.KindInstallRollup, `msiexec.exe /update D:\x.msp /quiet /norestart`, "ru")
	if b := snapNode(s, "EXNODE02").Build; st.ExitCode != 0 || b != runbook.MustBuild("8.2.217.3") {
		t.Errorf("rollup of unknown build: exit %d, build %s", st.ExitCode, b)
	}
}

func TestStopStartCMS(t *testing.T) {
	s := newSim(t, "ccr-2003-sp2")
	expectOK(t, run(t, s, "EXNODE01", runbook.KindStopCMS, runbook.ShellPowerShell, runbook.StopCMSCommand("EXCMS01", "test")))
	if g := snapGroup(s, "EXCMS01"); g.State != runbook.GroupOffline {
		t.Errorf("after stop: %s", g.State)
	}
	r := console(t, s, "EXNODE01", "Get-MailboxDatabase -Server 'EXCMS01' -Status")
	if strings.Contains(r.out, "True") {
		t.Errorf("a stopped CMS shows mounted databases:\n%s", r)
	}
	expectOK(t, run(t, s, "EXNODE01", runbook.KindStartCMS, runbook.ShellPowerShell, runbook.StartCMSCommand("EXCMS01")))
	if g := snapGroup(s, "EXCMS01"); g.State != runbook.GroupOnline {
		t.Errorf("after start: %s", g.State)
	}
}
