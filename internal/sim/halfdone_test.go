package sim

import (
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// The tests below hold the simulator to the facts a window can be wrong
// about: a Setup that copied its binaries and stopped, a restart that is
// pending, a CMS that comes back with a database dismounted, a cluster
// whose quorum hangs on a failed witness, a copy that is Failed.

const sp2Media = `D:\Exchange2007SP2`

// prepPassive pauses EXNODE02 and moves "Cluster Group" off it.
func prepPassive(t *testing.T, s *Sim) {
	t.Helper()
	expectOK(t, console(t, s, "EXNODE02", "cluster node EXNODE02 /pause"))
	expectOK(t, console(t, s, "EXNODE02", runbook.MoveGroupCommand("Cluster Group", "EXNODE01", 300)))
	sleep(t, s, time.Minute)
}

// setupStepFor is a setup-upgrade step of EXNODE02, as the plan has it.
func setupStepFor(node string) runbook.Step {
	return runbook.Step{Kind: runbook.KindSetupUpgrade, Node: node,
		Post: runbook.Post{NodeBuild: runbook.BuildSP2.String()}}
}

func TestFaultSetupFailsAfterCopy(t *testing.T) {
	s := withFault(t, config.Fault{Step: runbook.KindSetupUpgrade, Node: "EXNODE02", Kind: config.FaultSetupFailsAfterCopy})
	prepPassive(t, s)
	cmd := runbook.SetupUpgradeCommand(sp2Media)
	out, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, cmd, "a1")
	if c := runbook.ClassifySetup(out, st.ExitCode); st.ExitCode == 0 || c.Outcome != runbook.OutcomeFailure {
		t.Fatalf("setup that fails after copying: %+v %+v\n%s", st, c, out)
	}
	copied, failed := strings.Index(out, "Copying Exchange files           ......................... COMPLETED"), strings.Index(out, "Mailbox Server Role              ......................... FAILED")
	if copied < 0 || failed < copied || !strings.Contains(out, "did not complete") {
		t.Errorf("the transcript does not fail after copying:\n%s", out)
	}
	// The file version is the target's; the node is not configured.
	reg, _ := s.Registry("EXNODE02")
	if reg.FileVersion != runbook.BuildSP2 || reg.Roles[0].Watermark == "" || reg.Roles[0].Action == "" || reg.Roles[0].ConfiguredVersion != runbook.BuildRTM {
		t.Errorf("registry after the failure: %+v", reg)
	}
	n := snapNode(s, "EXNODE02")
	if !n.SetupIncomplete || n.Build != runbook.BuildRTM {
		t.Errorf("node after the failure: %+v, want RTM configured with Setup's watermark", n)
	}
	obs := s.Snapshot()
	if runbook.Holds(setupStepFor("EXNODE02"), &obs, runbook.Options{Goal: runbook.GoalSP2}) {
		t.Error("a Setup that left its watermark is said to hold already")
	}
	// The retry resumes Setup and finishes it.
	out, st = job(t, s, "EXNODE02", runbook.KindSetupUpgrade, cmd, "a2")
	if st.ExitCode != 0 || runbook.ClassifySetup(out, 0).Outcome != runbook.OutcomeSuccess {
		t.Fatalf("retry: %+v\n%s", st, out)
	}
	n = snapNode(s, "EXNODE02")
	reg, _ = s.Registry("EXNODE02")
	if n.SetupIncomplete || n.Build != runbook.BuildSP2 || reg.Roles[0].Watermark != "" || reg.Roles[0].ConfiguredVersion != runbook.BuildSP2 {
		t.Errorf("after the retry: %+v %+v", n, reg)
	}
}

// TestHalfDoneNodeCannotRunTheCMS: a CMS moved to a node whose Setup left
// its watermark neither starts nor upgrades there: the outage the guards
// must prevent.
func TestHalfDoneNodeCannotRunTheCMS(t *testing.T) {
	sc := load(t, "ccr-2003-sp2")
	sc.Cluster.Nodes[1].SetupIncomplete = true
	s := New(sc, Options{Seed: 1})
	expectOK(t, console(t, s, "EXNODE01", runbook.StopCMSCommand("EXCMS01", "x")))
	expectOK(t, console(t, s, "EXNODE01", runbook.MoveCMSCommand("EXCMS01", "EXNODE02", "x")))
	out, st := job(t, s, "EXNODE02", runbook.KindUpgradeCMS, runbook.UpgradeCMSCommand(sp2Media), "u1")
	if st.ExitCode == 0 || !strings.Contains(strings.ReplaceAll(out, "\n", ""), "A previous Setup on this computer did not finish") {
		t.Errorf("/upgradecms on the half-done node:\n%s", out)
	}
	if r := console(t, s, "EXNODE02", runbook.StartCMSCommand("EXCMS01")); r.exit != 1 {
		t.Errorf("starting the CMS on the half-done node:\n%s", r)
	}
	if g := snapGroup(s, "EXCMS01"); g.State == runbook.GroupOnline {
		t.Errorf("CMS %+v", g)
	}
}

// TestPlainSetupFailureRollsBack: setup-fails fails while copying; the
// MSI rolls back and nothing is left half-done.
func TestPlainSetupFailureRollsBack(t *testing.T) {
	s := withFault(t, config.Fault{Step: runbook.KindSetupUpgrade, Node: "EXNODE02", Kind: config.FaultSetupFails})
	prepPassive(t, s)
	out, _ := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, runbook.SetupUpgradeCommand(sp2Media), "a1")
	if !strings.Contains(out, "Copying Exchange files           ......................... FAILED") {
		t.Errorf("transcript:\n%s", out)
	}
	if reg, _ := s.Registry("EXNODE02"); reg.FileVersion != runbook.BuildRTM || snapNode(s, "EXNODE02").SetupIncomplete {
		t.Errorf("after a rolled-back failure: %+v", reg)
	}
}

func TestSetupRefusesWithRestartPending(t *testing.T) {
	sc := load(t, "ccr-2003-sp2")
	sc.Cluster.Nodes[1].Pending = true
	s := New(sc, Options{Seed: 1})
	prepPassive(t, s)
	cmd := runbook.SetupUpgradeCommand(sp2Media)
	out, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, cmd, "a1")
	if st.ExitCode == 0 || !strings.Contains(strings.ReplaceAll(out, "\n", ""), "a restart from a previous installation or update is pending") {
		t.Errorf("setup with a restart pending:\n%s", out)
	}
	if n := snapNode(s, "EXNODE02"); n.Build != runbook.BuildRTM || n.SetupIncomplete || !n.Pending {
		t.Errorf("a refused Setup changed the node: %+v", n)
	}
	rebootAndWait(t, s, "EXNODE02")
	if _, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, cmd, "a2"); st.ExitCode != 0 {
		t.Errorf("setup after the restart: %+v", st)
	}
}

// TestScenarioWatermarkIsResumed: a node a scenario leaves with Setup's
// watermark has the goal's binaries, its old configuration, and Setup on
// it resumes rather than refusing "nothing to upgrade".
func TestScenarioWatermarkIsResumed(t *testing.T) {
	sc := load(t, "ccr-2003-sp2")
	sc.Cluster.Nodes[1].SetupIncomplete = true
	s := New(sc, Options{Seed: 1})
	reg, _ := s.Registry("EXNODE02")
	if reg.FileVersion != runbook.BuildSP2 || reg.Roles[0].Name != "MailboxRole" || reg.Roles[0].Watermark == "" {
		t.Errorf("registry of a half-done node: %+v", reg)
	}
	prepPassive(t, s)
	if out, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, runbook.SetupUpgradeCommand(sp2Media), "a1"); st.ExitCode != 0 {
		t.Fatalf("resumed setup: %+v\n%s", st, out)
	}
	if n := snapNode(s, "EXNODE02"); n.SetupIncomplete || n.Build != runbook.BuildSP2 {
		t.Errorf("after the resumed setup: %+v", n)
	}
}

func TestFaultUpgradeCMSPartiallyOnline(t *testing.T) {
	s := withFault(t, config.Fault{Step: runbook.KindUpgradeCMS, Kind: config.FaultUpgradeCMSPartiallyOnline})
	upgradePassive(t, s)
	expectOK(t, console(t, s, "EXNODE01", runbook.StopCMSCommand("EXCMS01", "x")))
	expectOK(t, console(t, s, "EXNODE01", runbook.MoveCMSCommand("EXCMS01", "EXNODE02", "x")))
	out, st := job(t, s, "EXNODE02", runbook.KindUpgradeCMS, runbook.UpgradeCMSCommand(sp2Media), "u1")
	if st.ExitCode != 0 || runbook.ClassifySetup(out, 0).Outcome != runbook.OutcomeSuccess {
		t.Fatalf("/upgradecms: %+v\n%s", st, out)
	}
	o := waitFor(t, s, 10*time.Minute, "the CMS settles", func(o runbook.Observation) bool {
		g := o.Cluster.Group("EXCMS01")
		return g.State != runbook.GroupOffline && g.State != runbook.GroupOfflinePending && g.State != runbook.GroupOnlinePending
	})
	if g := o.Cluster.Group("EXCMS01"); g.State != runbook.GroupPartiallyOnline || g.Build != runbook.BuildSP2 || g.Owner != "EXNODE02" {
		t.Fatalf("after /upgradecms: %+v, want Partially Online at SP2 on EXNODE02", g)
	}
	db := console(t, s, "EXNODE02", "Get-MailboxDatabase -Server EXCMS01 -Status")
	if !strings.Contains(db.out, "Mailbox Database 2") || !strings.Contains(db.out, "False") {
		t.Errorf("databases:\n%s", db)
	}
	sleep(t, s, 10*time.Minute) // it does not mount itself
	if g := snapGroup(s, "EXCMS01"); g.State != runbook.GroupPartiallyOnline {
		t.Errorf("10 minutes later: %+v", g)
	}
	// The remedy the diagnosis offers, run as the engine runs it.
	expectOK(t, run(t, s, "EXNODE02", runbook.KindUpgradeCMS, runbook.ShellPowerShell, runbook.MountDatabasesCommand("EXCMS01")))
	if g := snapGroup(s, "EXCMS01"); g.State != runbook.GroupOnline {
		t.Errorf("after Mount-Database: %+v", g)
	}
}

// withQuorum is the default scenario with a quorum block.
func withQuorum(t *testing.T, q runbook.Quorum) *Sim {
	t.Helper()
	sc := load(t, "ccr-2003-sp2")
	sc.Cluster.Quorum = q
	return New(sc, Options{Seed: 1})
}

func TestRebootWithFailedWitnessTakesTheCMSDown(t *testing.T) {
	s := withQuorum(t, runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessFailed})
	if q := s.Snapshot().Cluster.Quorum; q.Model != runbook.QuorumMNSFSW || q.Witness != runbook.WitnessFailed {
		t.Fatalf("observed quorum %+v", q)
	}
	prepPassive(t, s)
	expectOK(t, console(t, s, "EXNODE02", runbook.RebootCommand(runbook.ReasonPlannedOther, "test")))
	o := waitFor(t, s, 5*time.Minute, "EXNODE02 down", func(o runbook.Observation) bool { return !o.Fact("EXNODE02").Reachable })
	g := o.Cluster.Group("EXCMS01")
	if g.State != runbook.GroupOffline || nodeState(o, "EXNODE01") != runbook.NodeDown || o.Fact("EXNODE01").ClusterService {
		t.Errorf("with the passive node rebooting and the witness failed: CMS %+v, EXNODE01 %s", g, nodeState(o, "EXNODE01"))
	}
	if r := console(t, s, "EXNODE01", "cluster node"); r.exit != errRPCUnavailable {
		t.Errorf("cluster.exe without quorum:\n%s", r)
	}
	// Quorum comes back with EXNODE02, and the groups with it.
	o = waitFor(t, s, 30*time.Minute, "the CMS back", func(o runbook.Observation) bool {
		return o.Cluster.Group("EXCMS01").State == runbook.GroupOnline
	})
	if nodeState(o, "EXNODE01") != runbook.NodeUp || o.Cluster.Group("EXCMS01").Owner != "EXNODE01" {
		t.Errorf("after quorum came back: %+v", o.Cluster)
	}
}

// TestSetupRestartLosesQuorumToo: Setup restarts the Cluster service on
// its node, which costs the same vote as a reboot.
func TestSetupRestartLosesQuorumToo(t *testing.T) {
	s := withQuorum(t, runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessFailed})
	prepPassive(t, s)
	if err := s.StartJob(t.Context(), runbook.Command{Node: "EXNODE02", Kind: runbook.KindSetupUpgrade, Shell: runbook.ShellCmd, Line: runbook.SetupUpgradeCommand(sp2Media)}, "a1"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, 30*time.Minute, "the CMS down while Setup restarts the Cluster service", func(o runbook.Observation) bool {
		return o.Cluster.Group("EXCMS01").State == runbook.GroupOffline
	})
}

func TestRebootWithHealthyWitnessKeepsQuorum(t *testing.T) {
	for _, q := range []runbook.Quorum{{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessOnline}, {}} {
		s := withQuorum(t, q)
		prepPassive(t, s)
		expectOK(t, console(t, s, "EXNODE02", runbook.RebootCommand(runbook.ReasonPlannedOther, "test")))
		o := waitFor(t, s, 5*time.Minute, "EXNODE02 down", func(o runbook.Observation) bool { return !o.Fact("EXNODE02").Reachable })
		if g := o.Cluster.Group("EXCMS01"); g.State != runbook.GroupOnline || nodeState(o, "EXNODE01") != runbook.NodeUp {
			t.Errorf("quorum %+v: CMS %+v, EXNODE01 %s", q, g, nodeState(o, "EXNODE01"))
		}
	}
}

// TestTwoNodeMajorityWithoutWitness: a bare two-node majority node set
// cannot lose either node.
func TestTwoNodeMajorityWithoutWitness(t *testing.T) {
	s := withQuorum(t, runbook.Quorum{Model: runbook.QuorumNodeMajority})
	prepPassive(t, s)
	expectOK(t, console(t, s, "EXNODE02", runbook.RebootCommand(runbook.ReasonPlannedOther, "test")))
	o := waitFor(t, s, 5*time.Minute, "EXNODE02 down", func(o runbook.Observation) bool { return !o.Fact("EXNODE02").Reachable })
	if g := o.Cluster.Group("Cluster Group"); g.State != runbook.GroupOffline {
		t.Errorf("Cluster Group without quorum: %+v", g)
	}
}

func TestQuorumCommands(t *testing.T) {
	s := withQuorum(t, runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessFailed})
	r := console(t, s, "EXNODE01", "cluster /quorum")
	expectOK(t, r)
	if !strings.Contains(r.out, "Majority Node Set") {
		t.Errorf("cluster /quorum:\n%s", r)
	}
	r = console(t, s, "EXNODE01", `cluster res "Majority Node Set" /priv`)
	expectOK(t, r)
	if !strings.Contains(r.out, `MNSFileShare                   \\EXHUB01\FSW_EXCLUS01`) {
		t.Errorf("private properties:\n%s", r)
	}
	if q := s.QuorumResource(); q.Type != "Majority Node Set" || q.State != "2" || q.Share == "" || q.Witness != "" {
		t.Errorf("2003 quorum resource %+v: the witness is no resource of its own", q)
	}
	sc := load(t, "ccr-2008-rollup")
	sc.Cluster.Quorum = runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessFailed}
	s = New(sc, Options{Seed: 1})
	if q := s.QuorumResource(); q.Type != "File Share Witness" || q.State != "4" || q.Witness != "4" {
		t.Errorf("2008 quorum resource %+v", q)
	}
	r = console(t, s, "EXNODE01", "cluster res")
	if !strings.Contains(r.out, "File Share Witness   Cluster Group") || !strings.Contains(r.out, "Failed") {
		t.Errorf("cluster res with a failed 2008 witness:\n%s", r)
	}
	if g := snapGroup(s, "Cluster Group"); g.State != runbook.GroupPartiallyOnline {
		t.Errorf("Cluster Group with its witness failed: %+v, want Partially Online", g)
	}
}

// TestFailedCopyDoesNotHealItself: a Failed copy stays Failed however long
// one waits; lag alone drains.
func TestFailedCopyDoesNotHealItself(t *testing.T) {
	sc := load(t, "ccr-2003-sp2")
	sc.Cluster.Replication = runbook.Replication{Healthy: false, CopyQueue: 1800, ReplayQueue: 40}
	s := New(sc, Options{Seed: 1})
	sleep(t, s, time.Hour)
	if r := s.Snapshot().Cluster.Replication; r.Healthy || r.CopyQueue != 1800 {
		t.Errorf("an hour later: %+v", r)
	}
	sc.Cluster.Replication = runbook.Replication{Healthy: true, CopyQueue: 1800, ReplayQueue: 40}
	s = New(sc, Options{Seed: 1})
	sleep(t, s, time.Hour)
	if r := s.Snapshot().Cluster.Replication; !r.Healthy || r.CopyQueue != 0 {
		t.Errorf("lag an hour later: %+v", r)
	}
}
