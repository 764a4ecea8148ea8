package remote

import (
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// recordLine finds a record a script prints: 'name' + $t + ... on one
// line; tabJoin is each tab joined in.
var (
	recordLine = regexp.MustCompile(`'([a-z]+)' \+ \$t\b`)
	tabJoin    = regexp.MustCompile(`\+ \$t\b`)
)

// scriptRecords reads a discovery script's source and counts, per record,
// the tab-separated fields it prints (one more than the tabs joined in).
func scriptRecords(t *testing.T, name string) map[string]int {
	t.Helper()
	raw, err := fs.ReadFile(assets.Scripts, "scripts/"+name+".ps1")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		m := recordLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		n := len(tabJoin.FindAllString(l, -1)) + 1
		if prev, dup := out[m[1]]; dup && prev != n {
			t.Errorf("%s prints %q records with %d and %d fields", name, m[1], prev, n)
		}
		out[m[1]] = n
	}
	return out
}

// TestScriptsPrintWhatTheParserReads holds every discovery script to the
// field counts the parser reads: the review found discover-exchange
// printing 4 fields where the code read a 5th, which the simulator printed
// (so no test saw it).
func TestScriptsPrintWhatTheParserReads(t *testing.T) {
	var names []string
	for name := range RecordFields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		got := scriptRecords(t, name)
		want := RecordFields[name]
		for rec, n := range want {
			if got[rec] != n {
				t.Errorf("%s: the parser reads %d fields of %q records, the script prints %d", name, n, rec, got[rec])
			}
		}
		for rec := range got {
			if _, ok := want[rec]; !ok {
				t.Errorf("%s prints %q records nobody reads", name, rec)
			}
		}
	}
}

// Output as the scripts print it on a Windows Server 2003 SP2 node of a
// two-node CCR, one record per line with CRLF endings, a warning the
// snap-in printed, and empty trailing fields where a value is absent (the
// same shapes the scripts' concatenations produce).
const (
	realNodeOutput = "host\tEXNODE02\r\n" +
		"os\t5.2.3790\t2\t20261121031544.500000+060\r\n" +
		"cp\t850\r\n" +
		"clussvc\t1\r\n" +
		"exchange\t8.2.176.2\r\n" +
		"role\tAdminTools\t8.0.685.24\t\t\r\n" +
		"role\tMailboxRole\t8.0.685.24\t8d1c3a5e\tBuildToBuildUpgrade\r\n" +
		"pending\t0\t\r\n"
	realClusterOutput = "cluster\tEXCLUS01\r\n" +
		"node\tEXNODE01\t0\r\n" +
		"node\tEXNODE02\t2\r\n" +
		"group\tCluster Group\t0\tEXNODE01\t0\r\n" +
		"group\tEXCMS01\t0\tEXNODE01\t1\r\n" +
		"quorum\tMajority Node Set\t2\t\\\\EXHUB01\\FSW_EXCLUS01\t\r\n"
	realExchangeOutput = "WARNING: The snap-in is already loaded.\r\n" +
		"cms\tEXCMS01\tNonShared\t8.0.685.24\tPartiallyOnline\r\n" +
		"copy\tEXCMS01\tFirst Storage Group\tHealthy\t0\t1\r\n" +
		"copy\tEXCMS01\tSecond Storage Group\tHealthy\t2\t0\r\n"
)

// TestParseRealScriptOutput feeds the scripts' real output shape through
// the parsers into the cluster model: the watermark makes the node
// unfinished and its build the configured one, not the file's; the
// quorum's model comes from WMI and its witness from the inventory; the
// CMS's state from its fifth field.
func TestParseRealScriptOutput(t *testing.T) {
	var ni nodeInfo
	for _, r := range parseRecords(realNodeOutput) {
		ni.nodeRecord(r)
	}
	ni.ok = true
	ni.finish()
	if ni.files != runbook.BuildSP2 || ni.build != runbook.BuildRTM || len(ni.setup.watermarks) != 1 || ni.setup.watermarks[0] != "MailboxRole" {
		t.Errorf("node facts %+v", ni)
	}
	var ci clusterInfo
	for _, r := range parseRecords(realClusterOutput) {
		ci.clusterRecord(r)
	}
	var xi exchangeInfo
	xi.cms = map[string]record{}
	for _, r := range parseRecords(realExchangeOutput) {
		xi.exchangeRecord(r)
	}
	inv := &config.Inventory{Cluster: "EXCLUS01", Nodes: []config.InventoryNode{{Name: "EXNODE01", Address: "exnode01"}, {Name: "EXNODE02", Address: "exnode02"}},
		WinRM: config.WinRM{Transport: config.TransportHTTPS, Auth: config.AuthBasic, User: `EXAMPLE\exadmin`}, Quorum: runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessFailed}}
	e, err := New(inv, Options{Password: "x"})
	if err != nil {
		t.Fatal(err)
	}
	active := ni
	active.files, active.build, active.setup = runbook.BuildRTM, runbook.BuildRTM, setupState{}
	obs := e.assemble([]nodeInfo{active, ni}, ci, 0)
	applyExchange(&obs.Cluster, xi)
	c := &obs.Cluster
	n := c.Node("EXNODE02")
	if !n.SetupIncomplete || n.Build != runbook.BuildRTM || n.State != runbook.NodePaused {
		t.Errorf("EXNODE02 %+v: want Paused, RTM configured, Setup's watermark", n)
	}
	if c.Node("EXNODE01").SetupIncomplete {
		t.Error("EXNODE01 has no watermark")
	}
	if want := (runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessFailed}); c.Quorum != want {
		t.Errorf("quorum %+v, want %+v", c.Quorum, want)
	}
	g := c.Group("EXCMS01")
	if g == nil || !g.CMS || g.State != runbook.GroupPartiallyOnline || g.Build != runbook.BuildRTM || c.Type != runbook.CCR {
		t.Errorf("CMS %+v type %s", g, c.Type)
	}
	if r := c.Replication; !r.Healthy || r.CopyQueue != 2 || r.ReplayQueue != 1 {
		t.Errorf("replication %+v", r)
	}
	// The rules see it all.
	found := map[string]bool{}
	for _, f := range runbook.Check(c, runbook.Options{Goal: runbook.GoalSP2, Media: `D:\Exchange2007SP2`}) {
		found[f.Code+" "+f.Node] = true
	}
	for _, want := range []string{"setup-incomplete EXNODE02", "quorum-at-risk EXNODE01", "cms-not-online EXNODE01"} {
		if !found[want] {
			t.Errorf("no %s finding in %v", want, found)
		}
	}
}

func TestSetupStateFromRoles(t *testing.T) {
	cases := []struct {
		name       string
		roles      [][4]string // name, configured, watermark, action
		configured string
		incomplete bool
	}{
		{"finished", [][4]string{{"AdminTools", "8.2.176.2", "", ""}, {"MailboxRole", "8.2.176.2", "", ""}}, "8.2.176.2", false},
		{"mailbox role wins over a lower tools version", [][4]string{{"AdminTools", "8.0.685.24", "", ""}, {"MailboxRole", "8.1.240.6", "", ""}}, "8.1.240.6", false},
		{"lowest role without a mailbox role", [][4]string{{"HubTransportRole", "8.1.240.6", "", ""}, {"ClientAccessRole", "8.0.685.24", "", ""}}, "8.0.685.24", false},
		{"an Action alone is unfinished", [][4]string{{"MailboxRole", "8.1.240.6", "", "BuildToBuildUpgrade"}}, "8.1.240.6", true},
		{"a CMS key's watermark", [][4]string{{"MailboxRole", "8.1.240.6", "", ""}, {"ClusteredMailboxServer", "", "4f0e21aa", "Install"}}, "8.1.240.6", true},
		{"no configured version", [][4]string{{"MailboxRole", "", "8d1c3a5e", "BuildToBuildUpgrade"}}, "", true},
	}
	for _, c := range cases {
		var ni nodeInfo
		ni.files = runbook.BuildSP2
		for _, r := range c.roles {
			ni.setup.role(r[0], r[1], r[2], r[3])
		}
		ni.finish()
		want := runbook.BuildSP2
		if c.configured != "" {
			want = runbook.MustBuild(c.configured)
		}
		if ni.build != want || (len(ni.setup.watermarks) > 0) != c.incomplete {
			t.Errorf("%s: build %s watermarks %v, want %s incomplete=%v", c.name, ni.build, ni.setup.watermarks, want, c.incomplete)
		}
	}
}

func TestParseQuorum(t *testing.T) {
	cases := []struct {
		typ, state, share, fsw string
		want                   runbook.Quorum
	}{
		{"Majority Node Set", "2", `\\EXHUB01\FSW_EXCLUS01`, "", runbook.Quorum{Model: runbook.QuorumMNSFSW}},
		{"Majority Node Set", "2", "", "", runbook.Quorum{}}, // no share read: the inventory says
		{"File Share Witness", "2", "", "2", runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessOnline}},
		{"File Share Witness", "4", "", "4", runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessFailed}},
		{"File Share Witness", "129", "", "129", runbook.Quorum{Model: runbook.QuorumMNSFSW}},
		{"Physical Disk", "2", "", "", runbook.Quorum{Model: runbook.QuorumDisk, Witness: runbook.WitnessOnline}},
		{"Physical Disk", "3", "", "", runbook.Quorum{Model: runbook.QuorumDisk, Witness: runbook.WitnessFailed}},
		{"Local Quorum", "2", "", "", runbook.Quorum{}},
		{"", "", "", "", runbook.Quorum{}},
	}
	for _, c := range cases {
		if got := parseQuorum(c.typ, c.state, c.share, c.fsw); got != c.want {
			t.Errorf("parseQuorum(%q, %q, %q, %q) = %+v, want %+v", c.typ, c.state, c.share, c.fsw, got, c.want)
		}
	}
}

func TestMergeQuorum(t *testing.T) {
	fsw := runbook.Quorum{Model: runbook.QuorumMNSFSW}
	cases := []struct {
		found, inv, want runbook.Quorum
	}{
		{fsw, runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessOnline}, runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessOnline}},
		{runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessFailed}, runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessOnline}, runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessFailed}},
		{runbook.Quorum{}, runbook.Quorum{Model: runbook.QuorumNodeMajority}, runbook.Quorum{Model: runbook.QuorumNodeMajority}},
		{fsw, runbook.Quorum{Model: runbook.QuorumDisk, Witness: runbook.WitnessOnline}, fsw},
		{fsw, runbook.Quorum{}, fsw},
	}
	for _, c := range cases {
		if got := mergeQuorum(c.found, c.inv); got != c.want {
			t.Errorf("mergeQuorum(%+v, %+v) = %+v, want %+v", c.found, c.inv, got, c.want)
		}
	}
}
