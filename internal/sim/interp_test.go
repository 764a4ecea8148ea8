package sim

import (
	"os"
	"strings"
	"testing"

	"cmsrunbook/runbook"
)

const samples = "../../../shared/domain/samples/"

// sampleLines reads a captured sample without its "# source/command" header.
func sampleLines(t *testing.T, name string) []string {
	t.Helper()
	data, err := os.ReadFile(samples + name)
	if err != nil {
		t.Skipf("sample %s not available: %v", name, err)
	}
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		if !strings.HasPrefix(l, "# ") {
			out = append(out, l)
		}
	}
	return out
}

// TestClusterNodeLayout checks `cluster node` against the real capture:
// same title, header and rule, and the capture's rows regenerate
// byte-for-byte through the simulator's row format.
func TestClusterNodeLayout(t *testing.T) {
	want := sampleLines(t, "cluster-node-windows-apg-1.txt")
	got := strings.Split(console(t, newSim(t, "ccr-2003-sp2"), "EXNODE01", "cluster node").out, "\n")
	for i := 0; i < 4; i++ {
		if got[i] != want[i] {
			t.Errorf("line %d = %q, want %q", i, got[i], want[i])
		}
	}
	for _, row := range want[4:] {
		f := strings.Fields(row)
		if len(f) != 3 {
			continue
		}
		var id int
		for _, c := range f[1] {
			id = id*10 + int(c-'0')
		}
		if g := nodeLine(f[0], id, f[2]); g != row {
			t.Errorf("row %q renders as %q", row, g)
		}
	}
	for i, n := range []string{"EXNODE01", "EXNODE02"} {
		if w := nodeLine(n, i+1, "Up"); got[4+i] != w {
			t.Errorf("row %d = %q, want %q", i, got[4+i], w)
		}
		if strings.Index(got[4+i], "Up") != strings.Index(want[4], "Up") {
			t.Errorf("status column of %q differs from the capture's %q", got[4+i], want[4])
		}
	}
}

// TestClusterResLayout checks `cluster res` against the real capture,
// including names that overflow their column.
func TestClusterResLayout(t *testing.T) {
	want := sampleLines(t, "cluster-res-windows-apg-1.txt")
	got := strings.Split(console(t, newSim(t, "ccr-2003-sp2"), "EXNODE01", "cluster res").out, "\n")
	for i := 0; i < 4; i++ {
		if got[i] != want[i] {
			t.Errorf("line %d = %q, want %q", i, got[i], want[i])
		}
	}
	overflow := 0
	for _, row := range want[4:] {
		if row == "" {
			continue
		}
		// Anchor on the known group names, as a parser must.
		var name, group string
		for _, g := range []string{"Disk Group", "RGAPM_1", "RGAPM_0", "Cluster Group"} {
			if i := strings.Index(row, " "+g+" "); i > 0 {
				name, group = strings.TrimRight(row[:i], " "), g
				break
			}
		}
		f := strings.Fields(row)
		node, state := f[len(f)-2], f[len(f)-1]
		if len(name) > 20 {
			overflow++
		}
		if g := resLine(name, group, node, state); g != row {
			t.Errorf("row %q renders as %q", row, g)
		}
	}
	if overflow == 0 {
		t.Fatal("the capture has overflowing names; none was checked")
	}
	var sawLong bool
	for _, l := range got[4:] {
		if strings.HasPrefix(l, "Exchange Information Store Instance (EXCMS01) EXCMS01 ") {
			sawLong = true
		}
	}
	if !sawLong {
		t.Errorf("long CMS resource names should overflow into the group column:\n%s", strings.Join(got, "\n"))
	}
}

func TestClusterGroupLayout(t *testing.T) {
	s := newSim(t, "ccr-2003-sp2")
	want := strings.Join([]string{
		"Listing status for all available resource groups:",
		"",
		"Group                Node            Status",
		"-------------------- --------------- ------",
		"Cluster Group        EXNODE02        Online",
		"EXCMS01              EXNODE01        Online",
		"",
	}, "\n")
	if r := console(t, s, "EXNODE01", "cluster group"); r.out != want || r.exit != 0 {
		t.Errorf("cluster group:\n%s\nwant:\n%s", r, want)
	}
	r := console(t, s, "EXNODE01", `cluster group "Cluster Group" /stat`)
	if !strings.HasPrefix(r.out, "Listing status for resource group 'Cluster Group':") || !strings.Contains(r.out, "Cluster Group        EXNODE02        Online") {
		t.Errorf("single group:\n%s", r)
	}
	if long := groupRow("A group name longer than twenty", "EXNODE01", runbook.GroupOnline); long != "A group name longer than twenty EXNODE01        Online" {
		t.Errorf("overflow row = %q", long)
	}
}

func TestClusterErrors(t *testing.T) {
	s := newSim(t, "ccr-2003-sp2")
	for _, c := range []struct {
		line string
		code int
		text string
	}{
		{"cluster node EXNODE09 /pause", errNodeNotFound, "The cluster node was not found."},
		{"cluster.exe node EXNODE02 /resume", errNodeNotPaused, "System error 5058 has occurred (0x000013c2).\nThe cluster node is not paused."},
		{`cluster group "No Such Group" /move:EXNODE01`, errGroupNotFound, "The cluster group could not be found."},
		{"cluster node EXNODE01 /frobnicate", errInvalidParameter, "The parameter is incorrect."},
		{"cluster res Nothing", errResourceNotFound, "The cluster resource could not be found."},
	} {
		r := console(t, s, "EXNODE01", c.line)
		if r.exit != c.code || !strings.Contains(r.out, c.text) {
			t.Errorf("%s:\n%s\nwant exit %d and %q", c.line, r, c.code, c.text)
		}
	}
}

func TestCmdBuiltins(t *testing.T) {
	s := newSim(t, "ccr-2003-sp2")
	if r := console(t, s, "exnode02", "hostname"); r.out != "EXNODE02" || r.exit != 0 {
		t.Errorf("hostname: %s", r)
	}
	if r := console(t, s, "EXNODE01", "ver"); !strings.Contains(r.out, "Microsoft Windows [Version 5.2.3790]") {
		t.Errorf("ver on 2003: %s", r)
	}
	if r := console(t, newSim(t, "fault-reboot-timeout"), "EXNODE01", "ver"); !strings.Contains(r.out, "[Version 6.0.6002]") {
		t.Errorf("ver on 2008 SP2: %s", r)
	}
	r := console(t, s, "EXNODE01", "frob /x")
	if r.exit != 1 || r.out != "'frob' is not recognized as an internal or external command,\noperable program or batch file." {
		t.Errorf("unknown command: %s", r)
	}
	// A cmdlet sent to cmd.exe is not a program either.
	if r := run(t, s, "EXNODE01", "", runbook.ShellCmd, "Get-ExchangeServer"); r.exit == 0 || !strings.Contains(r.out, "is not recognized") {
		t.Errorf("cmdlet in cmd: %s", r)
	}
}

func TestExchangeCmdlets(t *testing.T) {
	s := newSim(t, "ccr-2003-sp2")
	r := console(t, s, "EXNODE01", "Get-ClusteredMailboxServerStatus -Identity 'EXCMS01'")
	for _, want := range []string{
		"Identity                        : EXCMS01",
		"ClusteredMailboxServerName      : EXCMS01.example.local",
		"State                           : Online",
		"OperationalMachines             : {EXNODE01 <Active>, EXNODE02 <Quorum Owner>}",
		"FailedResources                 : {}",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("status lacks %q:\n%s", want, r)
		}
	}
	r = console(t, s, "EXNODE01", `Get-StorageGroupCopyStatus -Server "EXCMS01"`)
	lines := strings.Split(r.out, "\n")
	if len(lines) < 5 || lines[1] != "Name                 SummaryCopyStatus CopyQueueLength ReplayQueueLength LastInspectedLogTime" ||
		!strings.HasPrefix(lines[3], "First Storage Group  Healthy                         0                 0 11/28/2026 9:59:5") {
		t.Errorf("copy status:\n%s", r)
	}
	r = console(t, s, "EXNODE01", "Get-ExchangeServer EXNODE01 | fl AdminDisplayVersion")
	if r.out != "\nAdminDisplayVersion : Version 8.0 (Build 685.24)\n\n" {
		t.Errorf("Get-ExchangeServer | fl: %q", r.out)
	}
	r = console(t, s, "EXNODE01", "Get-MailboxDatabase -Server EXCMS01 -Status")
	if !strings.Contains(r.out, "Name               Server  StorageGroup                 Mounted") ||
		!strings.Contains(r.out, "Mailbox Database   EXCMS01 EXCMS01\\First Storage Group  True") {
		t.Errorf("Get-MailboxDatabase -Status:\n%s", r)
	}
	// PowerShell 1.0 errors: the cmdlet, the position, the marker.
	r = console(t, s, "EXNODE01", "Move-ClusteredMailboxServer -Identity 'EXCMS01' -TargetMachine 'EXNODE02'")
	want := "Move-ClusteredMailboxServer : Cannot process command because of one or more missing mandatory parameters: MoveComment.\n" +
		"At line:1 char:28\n" +
		"+ Move-ClusteredMailboxServer  <<<< -Identity 'EXCMS01' -TargetMachine 'EXNODE02'"
	if r.out != want || r.exit != 1 {
		t.Errorf("missing parameter:\n%s\nwant:\n%s", r, want)
	}
	r = console(t, s, "EXNODE01", "Get-ClusteredMailboxServerStatus -Identity NOPE")
	if r.exit != 1 || !strings.Contains(r.out, "object 'NOPE' could not be found") {
		t.Errorf("unknown identity: %s", r)
	}
	r = console(t, s, "EXNODE01", "Get-Frobnitz")
	if r.exit != 1 || !strings.HasPrefix(r.out, "The term 'Get-Frobnitz' is not recognized as a cmdlet") {
		t.Errorf("unknown cmdlet: %s", r)
	}
	// Abbreviated parameters, double quotes, the snap-in, statements.
	r = console(t, s, "EXNODE01", `Add-PSSnapin Microsoft.Exchange.Management.PowerShell.Admin; Get-ClusteredMailboxServerStatus -Ident "excms01" | fl State`)
	if r.out != "\nState : Online\n\n" {
		t.Errorf("snap-in and fl: %q", r.out)
	}
	// A native program from PowerShell.
	if r := run(t, s, "EXNODE01", "", runbook.ShellPowerShell, "cluster.exe node EXNODE01 /status"); !strings.Contains(r.out, "EXNODE01             1 Up") {
		t.Errorf("cluster.exe from PowerShell: %s", r)
	}
}

func TestRenderedCommandsParse(t *testing.T) {
	// Every command render.go produces is understood (none answered with
	// "not recognized" or a parameter error).
	s := newSim(t, "ccr-2003-sp2")
	for _, c := range []struct {
		shell runbook.Shell
		line  string
	}{
		{runbook.ShellCmd, runbook.GroupStatusCommand()},
		{runbook.ShellPowerShell, runbook.CMSStatusCommand("EXCMS01")},
		{runbook.ShellPowerShell, runbook.CopyStatusCommand("EXCMS01")},
		{runbook.ShellPowerShell, runbook.MountDatabasesCommand("EXCMS01")},
		{runbook.ShellCmd, runbook.PauseNodeCommand("EXNODE02")},
		{runbook.ShellCmd, runbook.ResumeNodeCommand("EXNODE02")},
		{runbook.ShellCmd, runbook.MoveGroupCommand("Cluster Group", "EXNODE01", 300)},
		{runbook.ShellPowerShell, runbook.StopCMSCommand("EXCMS01", "Exchange 2007 SP2 upgrade")},
		{runbook.ShellPowerShell, runbook.StartCMSCommand("EXCMS01")},
	} {
		r := run(t, s, "EXNODE01", "", c.shell, c.line)
		if r.err != nil || r.exit != 0 {
			t.Errorf("%s:\n%s", c.line, r)
		}
	}
}
