package runbook

import (
	"fmt"
	"strings"
	"testing"
)

func codes(fs []Finding) map[string]Finding {
	out := map[string]Finding{}
	for _, f := range fs {
		if _, ok := out[f.Code]; !ok {
			out[f.Code] = f
		}
	}
	return out
}

// ruleCase is one cluster that triggers a rule, and what the finding must be.
type ruleCase struct {
	name     string
	mutate   func(c *Cluster, o *Options)
	code     string
	severity Severity
	node     string
	say      []string // words the message or remedy must contain
}

// ruleCases drive every rule from a cluster that triggers it.
var ruleCases = []ruleCase{
	{"2003 SP1 before an Exchange SP", func(c *Cluster, o *Options) { c.OS.SP = 1 }, FindPrereqOSSP, Block, "EXNODE01",
		[]string{"Windows Server 2003 SP1", "needs Windows Server 2003 SP2"}},
	{"in-place OS upgrade", func(c *Cluster, o *Options) { o.Goal = GoalWindows2008 }, FindInplaceOSUpgrade, Block, "",
		[]string{"cannot be upgraded in place", "Move-Mailbox"}},
	{"node down", func(c *Cluster, o *Options) { c.Nodes[1].State = NodeDown }, FindNodeDown, Block, "EXNODE02",
		[]string{"EXNODE02 is Down", "net start clussvc"}},
	{"node joining", func(c *Cluster, o *Options) { c.Nodes[0].State = NodeJoining }, FindNodeDown, Block, "EXNODE01",
		[]string{"Joining"}},
	{"node left paused", func(c *Cluster, o *Options) { c.Nodes[1].State = NodePaused }, FindNodePaused, Warn, "EXNODE02",
		[]string{"already Paused", "cluster.exe node EXNODE02 /resume"}},
	{"CMS offline", func(c *Cluster, o *Options) { c.Groups[1].State = GroupOffline }, FindCMSNotOnline, Block, "EXNODE01",
		[]string{"EXCMS01 is Offline", "Start-ClusteredMailboxServer -Identity 'EXCMS01'"}},
	{"CMS partially online", func(c *Cluster, o *Options) { c.Groups[1].State = GroupPartiallyOnline }, FindCMSNotOnline, Block, "EXNODE01",
		[]string{"Partially Online"}},
	{"replication failed", func(c *Cluster, o *Options) { c.Replication.Healthy = false }, FindReplication, Block, "",
		[]string{"not Healthy", "Get-StorageGroupCopyStatus", "refuses the handoff", "inside the outage"}},
	{"queues building", func(c *Cluster, o *Options) { c.Replication.CopyQueue = 250 }, FindReplication, Block, "",
		[]string{"copy queue 250", "at most 10"}},
	{"replication failed before a rollup handoff", func(c *Cluster, o *Options) {
		c.Replication.Healthy = false
		o.Goal, o.Package = GoalRollup, `D:\u.msp`
	}, FindReplication, Block, "", []string{"refuses the handoff"}},
	{"replication lagging before an OS patch", func(c *Cluster, o *Options) {
		c.Replication.ReplayQueue = 500
		o.Goal, o.Package = GoalOSPatch, `D:\kb.exe`
	}, FindReplication, Block, "", []string{"replay queue 500"}},
	{"replication failed when nothing moves", func(c *Cluster, o *Options) {
		c.Replication.Healthy = false
		c.Nodes[0].Build, c.Nodes[1].Build = BuildSP2, BuildSP2
	}, FindReplication, Warn, "", []string{"No CMS moves"}},
	{"groups on the passive node", func(c *Cluster, o *Options) {}, FindGroupsOnPassive, Info, "EXNODE02",
		[]string{`"Cluster Group"`, "moves them off"}},
	{"pending restart on the passive node", func(c *Cluster, o *Options) { c.Nodes[1].Pending = true }, FindPendingReboot, Warn, "EXNODE02",
		[]string{"restart pending", "Setup refuses to start", "The plan restarts EXNODE02", "cluster.exe node EXNODE02 /pause", "shutdown /r /t 5", "cluster.exe node EXNODE02 /resume"}},
	{"pending restart on the node that owns the CMS", func(c *Cluster, o *Options) { c.Nodes[0].Pending = true }, FindPendingReboot, Block, "EXNODE01",
		[]string{"EXNODE01 owns EXCMS01", "Setup refuses to start while a restart is pending", "inside an outage",
			"Move-ClusteredMailboxServer -Identity 'EXCMS01' -TargetMachine 'EXNODE02'", "shutdown /r /t 5", "cluster.exe node EXNODE01 /status"}},
	{"quorum lost with the witness failed", func(c *Cluster, o *Options) {
		c.Quorum = Quorum{Model: QuorumMNSFSW, Witness: WitnessFailed}
	}, FindQuorumAtRisk, Block, "EXNODE01", []string{"mns-fsw", "file share witness is failed", "Taking EXNODE01 down", "EXCMS01 included",
		"Bring the file share witness back online before the window", "cluster.exe /quorum", "cluster.exe res"}},
	{"quorum with a witness nobody could read", func(c *Cluster, o *Options) {
		c.Quorum = Quorum{Model: QuorumMNSFSW}
	}, FindQuorumAtRisk, Block, "EXNODE01", []string{"of unknown state", "quorum: {model: mns-fsw, witness: online}"}},
	{"quorum disk failed", func(c *Cluster, o *Options) {
		*c = scc(3, 1)
		c.Quorum = Quorum{Model: QuorumDisk, Witness: WitnessFailed}
	}, FindQuorumAtRisk, Block, "SCCNODE01", []string{"quorum disk is failed", "Fix the quorum disk"}},
	{"two-node majority without a witness", func(c *Cluster, o *Options) {
		c.Quorum = Quorum{Model: QuorumNodeMajority}
	}, FindQuorumAtRisk, Block, "EXNODE01", []string{"node-majority", "MNSFileShare"}},
	{"setup left its watermark", func(c *Cluster, o *Options) {
		c.Nodes[1].SetupIncomplete, c.Nodes[1].Build = true, BuildSP2
	}, FindSetupIncomplete, Warn, "EXNODE02", []string{
		"Setup left its watermark on EXNODE02: new binaries, not configured; the plan runs Setup.com /mode:upgrade on it again before any stop",
		`D:\Exchange2007SP2\Setup.com /mode:upgrade`, `C:\ExchangeSetupLogs\ExchangeSetup.log`}},
	{"active node left paused", func(c *Cluster, o *Options) { c.Nodes[0].State = NodePaused }, FindNodePaused, Warn, "EXNODE01",
		[]string{"already Paused", "cluster.exe node EXNODE01 /resume"}},
	{"2008 cluster from a 2003 box", func(c *Cluster, o *Options) {
		c.OS = OS{Family: Windows2008, SP: 0}
		c.Management = &ManagementHost{OS{Family: Windows2003, SP: 2}, ToolsSP1}
	}, FindMgmtOSMismatch, Warn, "", []string{"Windows Server 2003", "Windows Server 2008", "RSAT-Clustering", "Remote Desktop", "two OS versions"}},
	{"2003 cluster from a 2008 box", func(c *Cluster, o *Options) {
		c.Management = &ManagementHost{OS{Family: Windows2008, SP: 0}, ToolsSP1}
	}, FindMgmtOSMismatch, Warn, "", []string{"Adminpak.msi"}},
	{"2003 cluster from XP is fine but Vista is not", func(c *Cluster, o *Options) {
		c.OS = OS{Family: Windows2008, SP: 0}
		c.Management = &ManagementHost{OS{Family: WindowsVista, SP: 1}, ToolsSP1}
	}, FindMgmtVista, Warn, "", []string{"Vista", "cannot be managed remotely"}},
	{"RTM tools before an SP", func(c *Cluster, o *Options) {
		c.Management = &ManagementHost{OS{Family: Windows2003, SP: 2}, ToolsRTM}
	}, FindMgmtToolsVersion, Warn, "", []string{"RTM tools manage only an RTM CMS", "/upgradecms"}},
	{"SP tools on an RTM CMS", func(c *Cluster, o *Options) {
		c.Management = &ManagementHost{OS{Family: WindowsXP, SP: 3}, ToolsSP1}
	}, FindMgmtToolsVersion, Warn, "", []string{"SP1", "until /upgradecms"}},
	{"Setup.com only", func(c *Cluster, o *Options) {}, FindSetupComOnly, Info, "", []string{"Setup.exe wizard"}},
	{"rollups removed", func(c *Cluster, o *Options) {
		c.Nodes[0].Build, c.Nodes[1].Build = MustBuild("8.1.263.1"), MustBuild("8.1.263.1")
	}, FindRollupsRemoved, Info, "EXNODE01", []string{"SP1 RU1", "removes installed update rollups"}},
	{"already at target", func(c *Cluster, o *Options) { c.Nodes[1].Build = BuildSP2 }, FindAlreadyAtTarget, Info, "EXNODE02",
		[]string{"already runs SP2"}},
	{"downgrade", func(c *Cluster, o *Options) {
		c.Nodes[0].Build, c.Nodes[1].Build = BuildSP3, BuildSP3
	}, FindDowngrade, Block, "EXNODE01", []string{"cannot be rolled back"}},
	{"no media", func(c *Cluster, o *Options) { o.Media = "" }, FindMissingMedia, Block, "", []string{"Setup.com"}},
	{"no package", func(c *Cluster, o *Options) { o.Goal = GoalRollup }, FindMissingPackage, Block, "", []string{"package"}},
	{"rollup for another SP", func(c *Cluster, o *Options) {
		o.Goal, o.Package, o.PackageBuild = GoalRollup, `D:\u.msp`, MustBuild("8.2.217.3")
	}, FindRollupSPMismatch, Block, "EXNODE01", []string{"rollup for SP2", "latest update rollup for RTM"}},
	{"failed Cluster Group", func(c *Cluster, o *Options) { c.Groups[0].State = GroupFailed }, FindGroupFailed, Block, "EXNODE02",
		[]string{`"Cluster Group" is Failed`, "quorum resource", `cluster.exe group "Cluster Group" /online /wait:300`, "cluster.exe res"}},
	{"partially online Cluster Group", func(c *Cluster, o *Options) { c.Groups[0].State = GroupPartiallyOnline }, FindGroupFailed, Block, "EXNODE02",
		[]string{`"Cluster Group" is Partially Online`}},
	{"failed application group", func(c *Cluster, o *Options) {
		c.Groups = append(c.Groups, Group{Name: "Backup Agent", Owner: "EXNODE02", State: GroupFailed})
	}, FindGroupFailed, Block, "EXNODE02", []string{`"Backup Agent" is Failed`, "cannot"}},
	{"RTM copy status", func(c *Cluster, o *Options) {}, FindRTMCopyStatus, Info, "", []string{"shrinking"}},
	{"SP2 on 2008 R2", func(c *Cluster, o *Options) {
		c.OS = OS{Family: Windows2008R2, SP: 1}
		c.Nodes[0].Build, c.Nodes[1].Build = BuildSP3, BuildSP3
	}, FindExchangeOSUnsupported, Block, "EXNODE01", []string{"Windows Server 2008 R2", "supports only Exchange 2007 SP3 or later", "Exchange 2007 SP2 is not supported", "Plan Exchange 2007 SP3"}},
	{"RTM already on 2008", func(c *Cluster, o *Options) {
		c.OS, o.Goal = OS{Family: Windows2008, SP: 2}, GoalRollup
		o.Package = `D:\u.msp`
	}, FindExchangeOSUnsupported, Warn, "EXNODE01", []string{"Exchange 2007 RTM", "supports only Exchange 2007 SP1 or later", "does not support"}},
	{"2008 R2 cluster from a 2008 box", func(c *Cluster, o *Options) {
		c.OS = OS{Family: Windows2008R2, SP: 1}
		c.Management = &ManagementHost{OS{Family: Windows2008, SP: 2}, ToolsSP2}
	}, FindMgmtOSMismatch, Warn, "", []string{"runs Windows Server 2008 but the cluster runs Windows Server 2008 R2", "RSAT-Clustering"}},
}

// TestRules drives every rule from a cluster that triggers it and checks
// the code, severity, node, and that message and remedy say something a
// person can act on.
func TestRules(t *testing.T) {
	for _, tc := range ruleCases {
		t.Run(tc.name, func(t *testing.T) {
			c, o := ccr(), sp2()
			tc.mutate(&c, &o)
			fs := Check(&c, o)
			f, ok := codes(fs)[tc.code]
			if !ok {
				t.Fatalf("no %s finding; got %v", tc.code, fs)
			}
			if f.Severity != tc.severity || f.Node != tc.node {
				t.Errorf("%s: severity %s node %q, want %s %q", tc.code, f.Severity, f.Node, tc.severity, tc.node)
			}
			if f.Message == "" || f.Remedy == "" {
				t.Errorf("%s: empty message or remedy: %+v", tc.code, f)
			}
			text := f.Message + " " + f.Remedy
			for _, w := range tc.say {
				if !strings.Contains(text, w) {
					t.Errorf("%s does not say %q:\n%s", tc.code, w, text)
				}
			}
			if Blocking(fs) != (tc.severity == Block || hasBlock(fs)) {
				t.Errorf("Blocking() disagrees with the findings")
			}
		})
	}
}

func hasBlock(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Block {
			return true
		}
	}
	return false
}

// TestHealthyClusterHasNoWarnings: the default healthy CCR only informs.
func TestHealthyClusterHasNoWarnings(t *testing.T) {
	c := ccr()
	c.Management = &ManagementHost{OS{Family: Windows2003, SP: 2}, ToolsNone}
	for _, f := range Check(&c, sp2()) {
		if f.Severity != Info {
			t.Errorf("healthy cluster gave %s %s: %s", f.Severity, f.Code, f.Message)
		}
	}
	// XP and 2003 share cluster tools: no mismatch.
	c.Management = &ManagementHost{OS{Family: WindowsXP, SP: 3}, ToolsNone}
	if _, ok := codes(Check(&c, sp2()))[FindMgmtOSMismatch]; ok {
		t.Error("an XP admin box reported as mismatched with a 2003 cluster")
	}
}

// TestFindingsOrderedBySeverity: blocks first, so a reader sees them first.
func TestFindingsOrderedBySeverity(t *testing.T) {
	c := ccr()
	c.Nodes[1].State = NodePaused
	c.Groups[1].State = GroupFailed
	fs := Check(&c, sp2())
	last := -1
	for _, f := range fs {
		r := severityRank[f.Severity]
		if r < last {
			t.Fatalf("findings out of order: %v", fs)
		}
		last = r
	}
}

// boundaryCase is one rule at an edge: the findings it gives, as
// "code severity node".
type boundaryCase struct {
	name   string
	rule   func(*Cluster, Options) []Finding
	mutate func(c *Cluster, o *Options)
	want   []string
}

var boundaryCases = []boundaryCase{
	{"2003 SP2 meets the prerequisite", prereqOSSPRule, func(c *Cluster, o *Options) {}, nil},
	{"2008 has no service pack to need", prereqOSSPRule, func(c *Cluster, o *Options) { c.OS = OS{Family: Windows2008, SP: 0} }, nil},
	{"SP3 on 2008 R2 is supported", exchangeOSSupportRule, func(c *Cluster, o *Options) {
		c.OS, o.Goal = OS{Family: Windows2008R2, SP: 1}, GoalSP3
		c.Nodes[0].Build, c.Nodes[1].Build = BuildSP2, BuildSP2
	}, nil},
	{"a rollup on SP3 on 2008 R2 is supported", exchangeOSSupportRule, func(c *Cluster, o *Options) {
		c.OS, o.Goal = OS{Family: Windows2008R2, SP: 0}, GoalRollup
		c.Nodes[0].Build, c.Nodes[1].Build = MustBuild("8.3.106.2"), BuildSP3
	}, nil},
	{"SP1 on 2008 is supported", exchangeOSSupportRule, func(c *Cluster, o *Options) {
		c.OS, o.Goal = OS{Family: Windows2008, SP: 0}, GoalSP1
	}, nil},
	{"2003 supports every release", exchangeOSSupportRule, func(c *Cluster, o *Options) { o.Goal = GoalSP1 }, nil},
	{"a rollup does not need 2003 SP2", prereqOSSPRule, func(c *Cluster, o *Options) {
		c.OS.SP, o.Goal = 1, GoalRollup
	}, nil},
	{"a node's own OS counts", prereqOSSPRule, func(c *Cluster, o *Options) { c.Nodes[1].OS = OS{Family: Windows2003, SP: 1} },
		[]string{"prereq-os-sp block EXNODE02"}},
	{"same service pack is no downgrade", downgradeRule, func(c *Cluster, o *Options) { c.Nodes[0].Build = BuildSP2 }, nil},
	{"media of blanks is missing", missingMediaRule, func(c *Cluster, o *Options) { o.Media = "  " },
		[]string{"media-missing block "}},
	{"a rollup needs no media", missingMediaRule, func(c *Cluster, o *Options) { o.Goal, o.Media = GoalRollup, "" }, nil},
	{"a rollup for the nodes' SP fits", rollupSPMismatchRule, func(c *Cluster, o *Options) {
		o.Goal, o.PackageBuild = GoalRollup, MustBuild("8.0.708.3")
	}, nil},
	{"a node's state and pending reboot stay together", nodeHealthRule, func(c *Cluster, o *Options) {
		c.Nodes[0].State, c.Nodes[0].Pending = NodeDown, true
		c.Nodes[1].State, c.Nodes[1].Pending = NodePaused, true
	}, []string{"node-down block EXNODE01", "pending-reboot block EXNODE01", "node-paused warn EXNODE02", "pending-reboot warn EXNODE02"}},
	{"a pending restart blocks only on the CMS's node", nodeHealthRule, func(c *Cluster, o *Options) {
		*c = scc(3, 1)
		c.Nodes[0].Pending, c.Nodes[1].Pending, c.Nodes[2].Pending = true, true, true
	}, []string{"pending-reboot block SCCNODE01", "pending-reboot warn SCCNODE02", "pending-reboot warn SCCNODE03"}},
	{"a Failed CMS is not a failed group", groupFailedRule, func(c *Cluster, o *Options) { c.Groups[1].State = GroupFailed }, nil},
	{"an offline application group is not failed", groupFailedRule, func(c *Cluster, o *Options) { c.Groups[0].State = GroupOffline }, nil},
	{"a healthy witness keeps quorum", quorumRule, func(c *Cluster, o *Options) {
		c.Quorum = Quorum{Model: QuorumMNSFSW, Witness: WitnessOnline}
	}, nil},
	{"an unknown quorum model says nothing", quorumRule, func(c *Cluster, o *Options) { c.Quorum = Quorum{Witness: WitnessFailed} }, nil},
	{"every node the window reboots is named", quorumRule, func(c *Cluster, o *Options) {
		c.Quorum = Quorum{Model: QuorumMNSFSW, Witness: WitnessFailed}
	}, []string{"quorum-at-risk block EXNODE01", "quorum-at-risk block EXNODE02"}},
	{"a Down node is not rebooted", quorumRule, func(c *Cluster, o *Options) {
		c.Quorum = Quorum{Model: QuorumMNSFSW, Witness: WitnessOnline}
		c.Nodes[1].State = NodeDown
	}, []string{"quorum-at-risk block EXNODE01"}},
	{"three nodes in a majority survive one reboot", quorumRule, func(c *Cluster, o *Options) {
		*c = scc(3, 1)
		c.Quorum = Quorum{Model: QuorumNodeMajority}
	}, nil},
	{"three nodes with one down do not", quorumRule, func(c *Cluster, o *Options) {
		*c = scc(3, 1)
		c.Quorum = Quorum{Model: QuorumNodeMajority}
		c.Nodes[2].State = NodeDown
	}, []string{"quorum-at-risk block SCCNODE01", "quorum-at-risk block SCCNODE02"}},
	{"a quorum disk that is online is safe", quorumRule, func(c *Cluster, o *Options) {
		*c = scc(2, 1)
		c.Quorum = Quorum{Model: QuorumDisk, Witness: WitnessOnline}
	}, nil},
	{"no watermark, no finding", setupIncompleteRule, func(c *Cluster, o *Options) {}, nil},
	{"each watermarked node is named", setupIncompleteRule, func(c *Cluster, o *Options) {
		c.Nodes[0].SetupIncomplete, c.Nodes[1].SetupIncomplete = true, true
	}, []string{"setup-incomplete warn EXNODE01", "setup-incomplete warn EXNODE02"}},
	{"queues at the near-zero limit are healthy", replicationRule, func(c *Cluster, o *Options) {
		c.Replication.CopyQueue, c.Replication.ReplayQueue = NearZeroQueue, NearZeroQueue
	}, nil},
	{"a replay queue past the limit blocks", replicationRule, func(c *Cluster, o *Options) {
		c.Replication.ReplayQueue = NearZeroQueue + 1
	}, []string{"replication-unhealthy block "}},
	{"a rollup whose nodes all run it moves nothing", replicationRule, func(c *Cluster, o *Options) {
		o.Goal, o.Package, o.PackageBuild = GoalRollup, `D:\u.msp`, MustBuild("8.0.708.3")
		c.Nodes[0].Build, c.Nodes[1].Build = MustBuild("8.0.708.3"), MustBuild("8.0.708.3")
		c.Replication.Healthy = false
	}, []string{"replication-unhealthy warn "}},
	{"a CMS whose node left a watermark still moves", replicationRule, func(c *Cluster, o *Options) {
		c.Nodes[0].Build, c.Nodes[1].Build = BuildSP2, BuildSP2
		c.Nodes[0].SetupIncomplete = true
		c.Replication.Healthy = false
	}, []string{"replication-unhealthy block "}},
	{"an SCC has no replication", replicationRule, func(c *Cluster, o *Options) {
		*c = scc(2, 1)
		c.Replication.Healthy = false
	}, nil},
	{"an SP1 CMS's copy status can be trusted", rtmCopyStatusRule, func(c *Cluster, o *Options) {
		c.Nodes[0].Build, c.Nodes[1].Build = BuildSP1, BuildSP1
	}, nil},
	{"bare service-pack builds have no rollups to remove", rollupsRemovedRule, func(c *Cluster, o *Options) {
		c.Nodes[0].Build, c.Nodes[1].Build = BuildSP1, BuildRTMb
	}, nil},
}

// TestRuleBoundaries drives single preflight rules at the edges where each
// must stay silent or speak, listing what a user would see: each finding's
// code, severity and node, in order.
func TestRuleBoundaries(t *testing.T) {
	for _, tc := range boundaryCases {
		t.Run(tc.name, func(t *testing.T) {
			c, o := ccr(), sp2()
			tc.mutate(&c, &o)
			var got []string
			for _, f := range tc.rule(&c, o) {
				got = append(got, fmt.Sprintf("%s %s %s", f.Code, f.Severity, f.Node))
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestActiveNodeLeftPausedPlans: a Paused node that owns the CMS is only a
// warning, for every goal, and planning around it panics nowhere.
func TestActiveNodeLeftPausedPlans(t *testing.T) {
	c := ccr()
	c.Nodes[0].State = NodePaused
	for _, o := range []Options{sp2(), {Goal: GoalRollup, Package: `D:\u.msp`}, {Goal: GoalOSPatch, Package: `D:\kb.exe`}} {
		p, err := MakePlan(c, o)
		if err != nil {
			t.Fatalf("%s: %v", o.Goal, err)
		}
		f, ok := codes(p.Findings)[FindNodePaused]
		if !ok || f.Severity != Warn || f.Node != "EXNODE01" || Blocking(p.Findings) {
			t.Errorf("%s: findings %+v", o.Goal, p.Findings)
		}
	}
}
