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

// TestRules drives every rule from a cluster that triggers it and checks
// the code, severity, node, and that message and remedy say something a
// person can act on.
func TestRules(t *testing.T) {
	cases := []struct {
		name     string
		mutate   func(c *Cluster, o *Options)
		code     string
		severity Severity
		node     string
		say      []string // words the message or remedy must contain
	}{
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
		{"replication failed", func(c *Cluster, o *Options) { c.Replication.Healthy = false }, FindReplication, Warn, "",
			[]string{"not Healthy", "Get-StorageGroupCopyStatus", "refuses the handoff"}},
		{"queues building", func(c *Cluster, o *Options) { c.Replication.CopyQueue = 250 }, FindReplication, Warn, "",
			[]string{"copy queue 250"}},
		{"groups on the passive node", func(c *Cluster, o *Options) {}, FindGroupsOnPassive, Info, "EXNODE02",
			[]string{`"Cluster Group"`, "moves them off"}},
		{"pending reboot", func(c *Cluster, o *Options) { c.Nodes[0].Pending = true }, FindPendingReboot, Warn, "EXNODE01",
			[]string{"reboot pending"}},
		{"2008 cluster from a 2003 box", func(c *Cluster, o *Options) {
			c.OS = OS{Windows2008, 0}
			c.Management = &ManagementHost{OS{Windows2003, 2}, ToolsSP1}
		}, FindMgmtOSMismatch, Warn, "", []string{"Windows Server 2003", "Windows Server 2008", "RSAT-Clustering", "Remote Desktop", "two OS versions"}},
		{"2003 cluster from a 2008 box", func(c *Cluster, o *Options) {
			c.Management = &ManagementHost{OS{Windows2008, 0}, ToolsSP1}
		}, FindMgmtOSMismatch, Warn, "", []string{"Adminpak.msi"}},
		{"2003 cluster from XP is fine but Vista is not", func(c *Cluster, o *Options) {
			c.OS = OS{Windows2008, 0}
			c.Management = &ManagementHost{OS{WindowsVista, 1}, ToolsSP1}
		}, FindMgmtVista, Warn, "", []string{"Vista", "cannot be managed remotely"}},
		{"RTM tools before an SP", func(c *Cluster, o *Options) {
			c.Management = &ManagementHost{OS{Windows2003, 2}, ToolsRTM}
		}, FindMgmtToolsVersion, Warn, "", []string{"RTM tools manage only an RTM CMS", "/upgradecms"}},
		{"SP tools on an RTM CMS", func(c *Cluster, o *Options) {
			c.Management = &ManagementHost{OS{WindowsXP, 3}, ToolsSP1}
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
		{"failed group", func(c *Cluster, o *Options) { c.Groups[0].State = GroupFailed }, FindGroupFailed, Warn, "EXNODE02",
			[]string{`"Cluster Group" is Failed`}},
		{"RTM copy status", func(c *Cluster, o *Options) {}, FindRTMCopyStatus, Info, "", []string{"shrinking"}},
	}
	for _, tc := range cases {
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
	c.Management = &ManagementHost{OS{Windows2003, 2}, ToolsNone}
	for _, f := range Check(&c, sp2()) {
		if f.Severity != Info {
			t.Errorf("healthy cluster gave %s %s: %s", f.Severity, f.Code, f.Message)
		}
	}
	// XP and 2003 share cluster tools: no mismatch.
	c.Management = &ManagementHost{OS{WindowsXP, 3}, ToolsNone}
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

// TestRuleBoundaries drives single preflight rules at the edges where each
// must stay silent or speak, listing what a user would see: each finding's
// code, severity and node, in order.
func TestRuleBoundaries(t *testing.T) {
	cases := []struct {
		name   string
		rule   func(*Cluster, Options) []Finding
		mutate func(c *Cluster, o *Options)
		want   []string // "code severity node"
	}{
		{"2003 SP2 meets the prerequisite", prereqOSSPRule, func(c *Cluster, o *Options) {}, nil},
		{"2008 has no service pack to need", prereqOSSPRule, func(c *Cluster, o *Options) { c.OS = OS{Windows2008, 0} }, nil},
		{"a rollup does not need 2003 SP2", prereqOSSPRule, func(c *Cluster, o *Options) {
			c.OS.SP, o.Goal = 1, GoalRollup
		}, nil},
		{"a node's own OS counts", prereqOSSPRule, func(c *Cluster, o *Options) { c.Nodes[1].OS = OS{Windows2003, 1} },
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
		}, []string{"node-down block EXNODE01", "pending-reboot warn EXNODE01", "node-paused warn EXNODE02", "pending-reboot warn EXNODE02"}},
		{"a Failed CMS is not a failed group", groupFailedRule, func(c *Cluster, o *Options) { c.Groups[1].State = GroupFailed }, nil},
		{"queues at the near-zero limit are healthy", replicationRule, func(c *Cluster, o *Options) {
			c.Replication.CopyQueue, c.Replication.ReplayQueue = NearZeroQueue, NearZeroQueue
		}, nil},
		{"a replay queue past the limit warns", replicationRule, func(c *Cluster, o *Options) {
			c.Replication.ReplayQueue = NearZeroQueue + 1
		}, []string{"replication-unhealthy warn "}},
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
	for _, tc := range cases {
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
