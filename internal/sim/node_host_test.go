package sim

import (
	"context"
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/sim/ps"
	"cmsrunbook/runbook"
)

// psOut collects what a host command writes.
type psOut struct {
	objs []any
	errs []*ps.ErrorRecord
}

func (o *psOut) Object(v any)            { o.objs = append(o.objs, v) }
func (o *psOut) Error(e *ps.ErrorRecord) { o.errs = append(o.errs, e) }

// testAccount is what the simulated nodes accept in these tests.
var testAccount = Account{User: `EXAMPLE\admin`, Password: "right horse"}

// host opens a powershell.exe on a node of s.
func host(t *testing.T, s *Sim, node string, logon Logon) *NodeHost {
	t.Helper()
	h, err := s.NodeHost(node, HostOptions{Logon: logon, Account: testAccount, ExchangeShell: true})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// cmdLine runs a line in a WinRM cmd shell of the node.
func cmdLine(t *testing.T, s *Sim, node, line string) result {
	t.Helper()
	var lines []string
	res, err := s.RunCmd(context.Background(), node, line, HostOptions{Logon: LogonNetwork, Account: testAccount}, collect(&lines))
	return result{strings.Join(lines, "\n"), res.ExitCode, err}
}

// readFile reads a file on a node as the node has it now; ok is false
// when it is not there.
func readFile(s *Sim, node, path string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	n := s.w.node(node)
	s.settleBatches(n)
	st := s.stat(n, path)
	if !st.exists || st.f == nil {
		return "", st.exists
	}
	return string(s.content(n, st.f)), true
}

// TestCmdRedirectionsAsCmdExeReadsThem: the exit-code line the old job
// wrapper wrote (`echo %ERRORLEVEL%> file`) loses exit codes 1-9 here as
// on Windows, and the fixed form (`> file echo %ERRORLEVEL%`) keeps them.
func TestCmdRedirectionsAsCmdExeReadsThem(t *testing.T) {
	s := newSim(t, "ccr-2008-sp1-to-sp2")
	for _, tc := range []struct{ line, file, want string }{
		{`echo 1> C:\WINDOWS\Temp\a.txt`, `C:\WINDOWS\Temp\a.txt`, "ECHO is on.\r\n"},
		{`echo 1603> C:\WINDOWS\Temp\b.txt`, `C:\WINDOWS\Temp\b.txt`, "1603\r\n"},
		{`> "C:\WINDOWS\Temp\c.txt" echo 1`, `C:\WINDOWS\Temp\c.txt`, "1\r\n"},
		{`echo 2 > "c:\windows\temp\D.TXT"`, `C:\WINDOWS\Temp\d.txt`, "2 \r\n"},
	} {
		if r := cmdLine(t, s, "EXNODE01", tc.line); r.err != nil || r.exit != 0 || r.out != "" {
			t.Errorf("%s: %v", tc.line, r)
		}
		if got, _ := readFile(s, "EXNODE01", tc.file); got != tc.want {
			t.Errorf("%s wrote %q, want %q", tc.line, got, tc.want)
		}
	}
	if r := cmdLine(t, s, "EXNODE01", `echo x > "Q:\nowhere\f.txt"`); r.exit != 1 || !strings.Contains(r.out, "cannot find the path") {
		t.Errorf("redirection into a missing folder: %v", r)
	}
}

// TestOldWrapperLosesExitCode1: in a batch file (echo off), the old
// wrapper's exit-code line writes "ECHO is off." for exit code 1, which
// job-tail read as 0; the new one writes 1. 1603 survives both.
func TestOldWrapperLosesExitCode1(t *testing.T) {
	s := newSim(t, "ccr-2008-sp1-to-sp2")
	for _, tc := range []struct{ code, wrapper, want string }{
		{"1", `echo %ERRORLEVEL%> "%~dp0X.exit"`, "ECHO is off.\r\n"},
		{"1", `> "%~dp0X.exit" echo %ERRORLEVEL%`, "1\r\n"},
		{"1603", `echo %ERRORLEVEL%> "%~dp0X.exit"`, "1603\r\n"},
	} {
		dir := `C:\WINDOWS\Temp`
		b := "@echo off\r\ncmd /c exit " + tc.code + "\r\n" + tc.wrapper + "\r\n"
		s.mu.Lock()
		n := s.w.node("EXNODE01")
		if err := s.writeFile(n, dir+`\X.cmd`, []byte(b), false); err != nil {
			t.Fatal(err)
		}
		s.startBatch(context.Background(), n, dir+`\X.cmd`, `cmd.exe /c C:\WINDOWS\Temp\X.cmd`, LogonTask, testAccount)
		s.mu.Unlock()
		if got, _ := readFile(s, "EXNODE01", dir+`\X.exit`); got != tc.want {
			t.Errorf("exit %s through %s: %q, want %q", tc.code, tc.wrapper, got, tc.want)
		}
	}
}

// TestProgramsNotOnTheNode: only the scenario's media and package and the
// system programs exist; anything else is cmd's 'not recognized' (9009),
// or 'path not found' (3) when its folder is missing.
func TestProgramsNotOnTheNode(t *testing.T) {
	s := newSim(t, "ccr-2008-sp1-to-sp2")
	for _, tc := range []struct {
		line string
		exit int
		want string
	}{
		{`D:\Exchange2007SP3\Setup.com /mode:upgrade`, 3, "The system cannot find the path specified."},
		{`"D:\Exchange2007SP2\setup.exe" /mode:upgrade`, 9009, `'"D:\Exchange2007SP2\setup.exe"' is not recognized as an internal or external command,` + "\noperable program or batch file."},
		{`nosuch.exe /x`, 9009, `'nosuch.exe' is not recognized as an internal or external command,`},
	} {
		r := cmdLine(t, s, "EXNODE02", tc.line)
		if r.err != nil || r.exit != tc.exit || !strings.Contains(r.out, tc.want) {
			t.Errorf("%s: %v; want exit %d and %q", tc.line, r, tc.exit, tc.want)
		}
	}
	if n := s.SetupStarts("EXNODE02"); n != 0 {
		t.Errorf("Setup started %d times", n)
	}
}

// TestTheDoubleHop: from a WinRM shell's network logon, Setup.com and the
// Exchange cmdlets fail on Active Directory; from a scheduled task's logon
// the same cmdlet answers.
func TestTheDoubleHop(t *testing.T) {
	s := newSim(t, "ccr-2008-sp1-to-sp2")
	r := cmdLine(t, s, "EXNODE02", `"D:\Exchange2007SP2\Setup.com" /mode:upgrade`)
	if r.err != nil || r.exit == 0 || !strings.Contains(r.out, "000004DC") || !strings.Contains(r.out, "Exchange Server setup encountered an error.") {
		t.Errorf("Setup.com in a WinRM shell: %v", r)
	}
	if n := s.SetupStarts("EXNODE02"); n != 0 {
		t.Errorf("Setup got past AD %d times", n)
	}
	args := []ps.Arg{{Name: "Identity", Value: "EXCMS01", HasValue: true}}
	var out psOut
	_, err := host(t, s, "EXNODE01", LogonNetwork).Command(context.Background(), "Get-ClusteredMailboxServerStatus", args, nil, &out)
	if err == nil || !strings.Contains(err.Error(), "Active Directory operation failed") || len(out.objs) != 0 {
		t.Errorf("Exchange cmdlet on a network logon: %v, %v", err, out.objs)
	}
	out = psOut{}
	if _, err := host(t, s, "EXNODE01", LogonTask).Command(context.Background(), "Get-ClusteredMailboxServerStatus", args, nil, &out); err != nil || len(out.objs) != 1 {
		t.Fatalf("Exchange cmdlet on a task logon: %v, %v", err, out.objs)
	}
	if st, _ := out.objs[0].(ps.Object).Property("State"); st != "Online" {
		t.Errorf("State %v, want Online", st)
	}
}

// call calls a method of a host object, failing the test on an error.
func call(t *testing.T, o any, name string, args ...any) any {
	t.Helper()
	v, err := o.(ps.Object).Method(context.Background(), name, args)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func prop(t *testing.T, o any, name string) any {
	t.Helper()
	v, ok := o.(ps.Object).Property(name)
	if !ok {
		t.Fatalf("%s has no property %s", o.(ps.Object).TypeName(), name)
	}
	return v
}

// writeBatch puts a job's batch file on a node, as job-start does.
func writeBatch(t *testing.T, s *Sim, node, id, line string) string {
	t.Helper()
	dir := `C:\WINDOWS\Temp\cmsrunbook`
	b := "@echo off\r\n> \"%~dp0" + id + ".began\" echo 1\r\n" + line + " > \"%~dp0" + id + ".log\" 2>&1\r\n" +
		"> \"%~dp0" + id + ".tmp\" echo %ERRORLEVEL%\r\nmove /y \"%~dp0" + id + ".tmp\" \"%~dp0" + id + ".exit\" > nul\r\n"
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.w.node(node)
	if err := s.mkdir(n, dir); err != nil {
		t.Fatal(err)
	}
	if err := s.writeFile(n, dir+`\`+id+".cmd", []byte(b), false); err != nil {
		t.Fatal(err)
	}
	return dir + `\` + id
}

// registerCOM registers and runs a task through Task Scheduler 2.0 as
// job-start does on Windows Server 2008.
func registerCOM(t *testing.T, h *NodeHost, name, cmdPath, password string) error {
	t.Helper()
	svc, err := h.New(context.Background(), "Schedule.Service", nil, true)
	if err != nil {
		t.Fatal(err)
	}
	call(t, svc, "Connect")
	def := call(t, svc, "NewTask", int64(0))
	if err := prop(t, def, "Settings").(ps.Object).SetProperty("ExecutionTimeLimit", "PT0S"); err != nil {
		t.Fatal(err)
	}
	act := call(t, prop(t, def, "Actions"), "Create", int64(0))
	_ = act.(ps.Object).SetProperty("Path", "cmd.exe")
	_ = act.(ps.Object).SetProperty("Arguments", "/c "+cmdPath)
	folder := call(t, svc, "GetFolder", `\`)
	task, err := folder.(ps.Object).Method(context.Background(), "RegisterTaskDefinition", []any{name, def, int64(6), testAccount.User, password, int64(1)})
	if err != nil {
		return err
	}
	call(t, task, "Run", nil)
	return nil
}

// TestSetupThroughTheTaskRunner: a batch file run by a task with the
// right password runs Setup on the simulated clock; its log grows in the
// job's .log, and the batch writes the exit code to .exit when it ends.
// A wrong password is refused as Windows refuses it.
func TestSetupThroughTheTaskRunner(t *testing.T) {
	s := newSim(t, "ccr-2008-sp1-to-sp2")
	j := writeBatch(t, s, "EXNODE02", "J1", `"D:\Exchange2007SP2\Setup.com" /mode:upgrade`)
	h := host(t, s, "EXNODE02", LogonNetwork)
	err := registerCOM(t, h, "cmsrunbook-J1", j+".cmd", "wrong")
	if err == nil || !strings.Contains(err.Error(), "0x8007052E") || !strings.Contains(err.Error(), "unknown user name or bad password") {
		t.Fatalf("a wrong password: %v", err)
	}
	if _, ok := readFile(s, "EXNODE02", j+".began"); ok {
		t.Fatal("the job began with a wrong password")
	}
	if err := registerCOM(t, h, "cmsrunbook-J1", j+".cmd", testAccount.Password); err != nil {
		t.Fatal(err)
	}
	if got, _ := readFile(s, "EXNODE02", j+".began"); got != "1\r\n" {
		t.Errorf(".began %q", got)
	}
	if _, ok := readFile(s, "EXNODE02", j+".exit"); ok {
		t.Fatal(".exit before Setup ran")
	}
	var procs psOut
	if _, err := h.Command(context.Background(), "Get-WmiObject", []ps.Arg{{Value: "Win32_Process"}, {Name: "Filter", Value: "Name='cmd.exe'", HasValue: true}}, nil, &procs); err != nil || len(procs.objs) != 1 {
		t.Fatalf("cmd.exe processes: %v %v", procs.objs, err)
	}
	if cl := prop(t, procs.objs[0], "CommandLine"); cl != "cmd.exe /c "+j+".cmd" {
		t.Errorf("CommandLine %q", cl)
	}
	if err := s.Sleep(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, _ := readFile(s, "EXNODE02", j+".exit"); got != "0\r\n" {
		t.Errorf(".exit %q, want 0", got)
	}
	if _, ok := readFile(s, "EXNODE02", j+".tmp"); ok {
		t.Error(".tmp left behind")
	}
	if log, _ := readFile(s, "EXNODE02", j+".log"); !strings.Contains(log, "completed successfully") {
		t.Errorf("log:\n%s", log)
	}
	if n := s.SetupStarts("EXNODE02"); n != 1 {
		t.Errorf("Setup started %d times", n)
	}
}

// TestSchtasksOn2003 does the same through schtasks.exe, which Windows
// Server 2003 has instead of the 2.0 API (New-Object fails there).
func TestSchtasksOn2003(t *testing.T) {
	s := newSim(t, "ccr-2003-sp2")
	h := host(t, s, "EXNODE02", LogonNetwork)
	if _, err := h.New(context.Background(), "Schedule.Service", nil, true); err == nil {
		t.Error("Task Scheduler 2.0 on Windows Server 2003")
	}
	j := writeBatch(t, s, "EXNODE02", "J2", `"D:\Exchange2007SP2\Setup.com" /mode:upgrade`)
	schtasks := func(args ...string) (ps.Result, psOut) {
		var out psOut
		var a []ps.Arg
		for _, v := range args {
			a = append(a, ps.Arg{Value: v})
		}
		res, err := h.Command(context.Background(), "schtasks.exe", a, nil, &out)
		if err != nil {
			t.Fatal(err)
		}
		return res, out
	}
	create := func(pass string) ps.Result {
		res, _ := schtasks("/create", "/tn", "cmsrunbook-J2", "/tr", "cmd.exe /c "+j+".cmd", "/sc", "once", "/st", "00:00:00", "/ru", testAccount.User, "/rp", pass)
		return res
	}
	if res := create("wrong"); !res.Native || res.ExitCode != 1 {
		t.Errorf("schtasks /create with a wrong password: %+v", res)
	}
	if res := create(testAccount.Password); res.ExitCode != 0 {
		t.Fatalf("schtasks /create: %+v", res)
	}
	if res, out := schtasks("/run", "/tn", "cmsrunbook-J2"); res.ExitCode != 0 || len(out.objs) != 1 {
		t.Fatalf("schtasks /run: %+v %v", res, out.objs)
	}
	if err := s.Sleep(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, _ := readFile(s, "EXNODE02", j+".exit"); got != "0\r\n" {
		t.Errorf(".exit %q", got)
	}
	if res, _ := schtasks("/delete", "/tn", "cmsrunbook-J2", "/f"); res.ExitCode != 0 {
		t.Errorf("schtasks /delete: %+v", res)
	}
	if res, _ := schtasks("/run", "/tn", "cmsrunbook-J2"); res.ExitCode != 1 {
		t.Errorf("schtasks /run of a deleted task: %+v", res)
	}
}

// TestRebootKillsTheJob: a restart while Setup runs kills it; the batch
// never writes .exit, no cmd.exe runs it any more, and LastBootUpTime
// changes.
func TestRebootKillsTheJob(t *testing.T) {
	s := newSim(t, "ccr-2008-sp1-to-sp2")
	h := host(t, s, "EXNODE02", LogonNetwork)
	boot := func() any {
		var out psOut
		if _, err := h.Command(context.Background(), "Get-WmiObject", []ps.Arg{{Value: "Win32_OperatingSystem"}}, nil, &out); err != nil || len(out.objs) != 1 {
			t.Fatalf("Win32_OperatingSystem: %v", err)
		}
		return prop(t, out.objs[0], "LastBootUpTime")
	}
	before := boot()
	j := writeBatch(t, s, "EXNODE02", "J3", `"D:\Exchange2007SP2\Setup.com" /mode:upgrade`)
	if err := registerCOM(t, h, "cmsrunbook-J3", j+".cmd", testAccount.Password); err != nil {
		t.Fatal(err)
	}
	if err := s.Sleep(context.Background(), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if r := console(t, s, "EXNODE02", "shutdown /r /t 0"); r.exit != 0 {
		t.Fatal(r)
	}
	if err := s.Sleep(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, ok := readFile(s, "EXNODE02", j+".exit"); ok {
		t.Error("a killed job wrote .exit")
	}
	if log, _ := readFile(s, "EXNODE02", j+".log"); log == "" || strings.Contains(log, "completed successfully") {
		t.Errorf("log of the killed Setup:\n%s", log)
	}
	var procs psOut
	if _, err := h.Command(context.Background(), "Get-WmiObject", []ps.Arg{{Value: "Win32_Process"}, {Name: "Filter", Value: "Name='cmd.exe'", HasValue: true}}, nil, &procs); err != nil || len(procs.objs) != 0 {
		t.Errorf("cmd.exe after the reboot: %v %v", procs.objs, err)
	}
	if after := boot(); after == before {
		t.Errorf("LastBootUpTime still %v", after)
	}
}

// TestRegistryAndFilesFollowTheWorld: discover-node's registry reads and
// the file version come from the node's state at the time of the read.
func TestRegistryAndFilesFollowTheWorld(t *testing.T) {
	s := newSim(t, "setup-incomplete-node")
	h := host(t, s, "EXNODE02", LogonNetwork)
	var out psOut
	if _, err := h.Command(context.Background(), "Get-ItemProperty", []ps.Arg{{Value: `HKLM:\SOFTWARE\Microsoft\Exchange\v8.0\MailboxRole`}}, nil, &out); err != nil || len(out.objs) != 1 {
		t.Fatalf("MailboxRole: %v %v", out.objs, err)
	}
	if w := prop(t, out.objs[0], "Watermark"); w == "" {
		t.Error("no Watermark on the half-done node")
	}
	v, err := h.Static(context.Background(), "Diagnostics.FileVersionInfo", "GetVersionInfo", []any{exchangeInstallPath + `bin\ExSetup.exe`}, true)
	if err != nil || prop(t, v, "FileVersion") != runbook.BuildSP2.String() {
		t.Errorf("ExSetup.exe version: %v %v", v, err)
	}
	out = psOut{}
	if _, err := h.Command(context.Background(), "Get-ItemProperty", []ps.Arg{{Value: `HKLM:\SOFTWARE\NoSuchKey`}}, nil, &out); err != nil || len(out.errs) != 1 || !strings.Contains(out.errs[0].Message, "does not exist") {
		t.Errorf("a missing key: %v %v", out.errs, err)
	}
}

// TestWMIProcessCreateKeepsTheNetworkLogon: a process started with
// Win32_Process.Create (the old job runner) runs detached but under the
// WinRM shell's network logon, so Setup fails on Active Directory in its
// log and the batch records a non-zero exit code.
func TestWMIProcessCreateKeepsTheNetworkLogon(t *testing.T) {
	s := newSim(t, "ccr-2008-sp1-to-sp2")
	j := writeBatch(t, s, "EXNODE02", "W1", `"D:\Exchange2007SP2\Setup.com" /mode:upgrade`)
	h := host(t, s, "EXNODE02", LogonNetwork)
	cls, err := h.Cast(context.Background(), "wmiclass", `root\cimv2:Win32_Process`)
	if err != nil {
		t.Fatal(err)
	}
	r := call(t, cls, "Create", `cmd.exe /c "`+j+`.cmd"`, `C:\WINDOWS\Temp`, nil)
	if rv := prop(t, r, "ReturnValue"); rv != int64(0) {
		t.Fatalf("ReturnValue %v", rv)
	}
	if err := s.Sleep(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, _ := readFile(s, "EXNODE02", j+".exit"); got != "1\r\n" {
		t.Errorf(".exit %q, want 1", got)
	}
	if log, _ := readFile(s, "EXNODE02", j+".log"); !strings.Contains(log, "000004DC") {
		t.Errorf("log:\n%s", log)
	}
	if _, err := h.Cast(context.Background(), "wmiclass", `root\cimv2:Win32_Nothing`); err == nil {
		t.Error("a class WMI does not have")
	}
}

// TestExchangeOneLinersPrintAsTheConsole: an engineer's Exchange
// one-liners run on a node with AD access print what the simulator's own
// console prints for them (the reference for PowerShell 1.0's layout),
// and change the world the same way.
func TestExchangeOneLinersPrintAsTheConsole(t *testing.T) {
	for _, l := range []string{
		"Get-StorageGroupCopyStatus -Server EXCMS01",
		"Get-ClusteredMailboxServerStatus -Identity EXCMS01",
		"Get-MailboxDatabase -Status | Format-Table Name,Mounted",
		"Get-ExchangeServer EXCMS01",
		"Move-ClusteredMailboxServer -Identity EXCMS01 -TargetMachine EXNODE02 -MoveComment x -Confirm:$false",
		"Get-ClusteredMailboxServerStatus -Identity NOPE",
	} {
		want := console(t, newSim(t, "ccr-2008-sp1-to-sp2"), "EXNODE01", l)
		s := newSim(t, "ccr-2008-sp1-to-sp2")
		var out []string
		code, err := s.RunPowerShell(context.Background(), "EXNODE01", l, HostOptions{Logon: LogonTask, Account: testAccount, ExchangeShell: true},
			func(x string) { out = append(out, x) }, func(x string) { out = append(out, x) })
		if err != nil || code != want.exit || strings.Join(out, "\n") != want.out {
			t.Errorf("%s: exit %d (console %d), %v\n%s\n--- the console prints:\n%s", l, code, want.exit, err, strings.Join(out, "\n"), want.out)
		}
	}
}
