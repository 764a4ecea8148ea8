package sim

import (
	"context"
	"encoding/base64"
	"io/fs"
	"strconv"
	"strings"
	"testing"
	"time"

	"cmsrunbook/assets"
	"cmsrunbook/internal/remote"
	"cmsrunbook/runbook"
)

// script runs one of the project's scripts on a node as the WinRM
// executor sends it, in a powershell.exe of a WinRM shell (a network
// logon), with stdin as its standard input. It returns the exit code, the
// stdout records and stderr.
func script(t *testing.T, s *Sim, node, name string, params []remote.Param, stdin string) (int, [][]string, string) {
	t.Helper()
	src, err := remote.BuildScript(name, params, "")
	if err != nil {
		t.Fatal(err)
	}
	var out, errs []string
	code, err := s.RunPowerShell(context.Background(), node, src,
		HostOptions{Logon: LogonNetwork, Account: testAccount, Stdin: strings.NewReader(stdin)},
		func(l string) { out = append(out, l) }, func(l string) { errs = append(errs, l) })
	if err != nil {
		t.Fatal(err)
	}
	var recs [][]string
	for _, l := range out {
		recs = append(recs, strings.Split(l, "\t"))
	}
	return code, recs, strings.Join(errs, "\n")
}

// startJob runs job-start.ps1 for a command line on a node, with the
// password and the batch file on its standard input.
func startJob(t *testing.T, s *Sim, node, id, line, password string) (int, [][]string, string) {
	t.Helper()
	batch, err := remote.JobBatch(id, line)
	if err != nil {
		t.Fatal(err)
	}
	stdin := password + "\r\n" + base64.StdEncoding.EncodeToString([]byte(batch)) + "\r\n"
	return script(t, s, node, remote.ScriptJobStart, []remote.Param{{Name: "JobId", Value: id}, {Name: "User", Value: testAccount.User}}, stdin)
}

// tailed is what job-tail reported, read to the job's end.
type tailed struct {
	log   string
	state []string // state found running exit size why
}

// tailJob polls job-tail.ps1 every 30 simulated seconds until the job is
// no longer running, reading its log as the executor does.
func tailJob(t *testing.T, s *Sim, node, id string) tailed {
	t.Helper()
	var tl tailed
	var off int64
	for i := 0; i < 500; i++ {
		code, recs, errs := script(t, s, node, remote.ScriptJobTail, []remote.Param{
			{Name: "JobId", Value: id}, {Name: "Offset", Value: strconv.FormatInt(off, 10)}, {Name: "Read", Value: "1"}, {Name: "Forget", Value: "0"}}, "")
		if code != 0 {
			t.Fatalf("job-tail: exit %d\n%s", code, errs)
		}
		for _, r := range recs {
			switch r[0] {
			case "data":
				b, err := base64.StdEncoding.DecodeString(r[2])
				if err != nil {
					t.Fatal(err)
				}
				tl.log += string(b)
				off, _ = strconv.ParseInt(r[1], 10, 64)
			case "state":
				tl.state = r
			}
		}
		if len(tl.state) < 6 {
			t.Fatalf("job-tail printed %q", recs)
		}
		if tl.state[2] != "1" {
			return tl
		}
		if err := s.Sleep(context.Background(), 30*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("job %s still running", id)
	return tl
}

// encoded is the command line that runs a script in powershell.exe.
func encoded(t *testing.T, name string, params []remote.Param, line string) string {
	t.Helper()
	src, err := remote.BuildScript(name, params, line)
	if err != nil {
		t.Fatal(err)
	}
	cmd, err := remote.EncodeCommand(src)
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

// checkRecords holds a discovery script's records to the fields the
// parser reads.
func checkRecords(t *testing.T, name string, recs [][]string) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range recs {
		want, ok := remote.RecordFields[name][r[0]]
		if !ok || len(r) != want {
			t.Errorf("%s: %q has %d fields, the parser reads %d", name, r, len(r), want)
		}
		seen[r[0]] = true
	}
	for rec := range remote.RecordFields[name] {
		if !seen[rec] {
			t.Errorf("%s never printed %q records", name, rec)
		}
	}
}

// parseLog splits a job's log into records.
func parseLog(log string) [][]string {
	var recs [][]string
	for _, l := range splitLines(log) {
		recs = append(recs, strings.Split(l, "\t"))
	}
	return recs
}

// TestEveryScriptRunsThroughTheInterpreter runs each script in
// assets/scripts through the PowerShell subset against simulated nodes
// of an embedded scenario, the Exchange ones through the task runner as
// the executor does, and checks what they print.
func TestEveryScriptRunsThroughTheInterpreter(t *testing.T) {
	ran := map[string]bool{}
	s := newSim(t, "ccr-2008-sp1-to-sp2")

	paths := []remote.Param{{Name: "Paths", Value: `D:\Exchange2007SP2\Setup.com|D:\Updates\missing.msp`}}
	code, recs, errs := script(t, s, "EXNODE02", remote.ScriptDiscoverNode, paths, "")
	if code != 0 {
		t.Fatalf("discover-node: exit %d\n%s", code, errs)
	}
	checkRecords(t, remote.ScriptDiscoverNode, recs)
	for _, r := range recs {
		switch {
		case r[0] == "os" && (r[1] != "6.0.6002" || r[2] != "2" || !strings.HasSuffix(r[3], ".000000+000")):
			t.Errorf("os record %q", r)
		case r[0] == "path" && strings.HasSuffix(r[1], "Setup.com") && r[2] != "1",
			r[0] == "path" && strings.HasSuffix(r[1], "missing.msp") && r[2] != "0":
			t.Errorf("path record %q", r)
		case r[0] == "exchange" && r[1] != "8.1.436.0":
			t.Errorf("exchange record %q", r)
		}
	}
	ran[remote.ScriptDiscoverNode] = true

	code, recs, errs = script(t, s, "EXNODE01", remote.ScriptDiscoverCluster, nil, "")
	if code != 0 {
		t.Fatalf("discover-cluster: exit %d\n%s", code, errs)
	}
	checkRecords(t, remote.ScriptDiscoverCluster, recs)
	ran[remote.ScriptDiscoverCluster] = true

	// discover-exchange needs Active Directory: straight in the WinRM
	// shell it learns nothing, through the task runner it reads the CMS.
	cms := []remote.Param{{Name: "Cms", Value: "EXCMS01"}}
	if _, recs, errs := script(t, s, "EXNODE01", remote.ScriptDiscoverExchange, cms, ""); len(recs) > 0 && len(recs[0]) > 2 && recs[0][2] != "" || !strings.Contains(errs, "000004DC") {
		t.Errorf("discover-exchange in a network logon: %q\n%s", recs, errs)
	}
	if code, recs, errs := startJob(t, s, "EXNODE01", "D1", encoded(t, remote.ScriptDiscoverExchange, cms, ""), testAccount.Password); code != 0 || len(recs) != 1 || recs[0][0] != "started" {
		t.Fatalf("job-start of discover-exchange: exit %d %q\n%s", code, recs, errs)
	}
	tl := tailJob(t, s, "EXNODE01", "D1")
	if tl.state[3] != "0" {
		t.Errorf("discover-exchange job ended %q\n%s", tl.state, tl.log)
	}
	ex := parseLog(tl.log)
	checkRecords(t, remote.ScriptDiscoverExchange, ex)
	if len(ex) == 0 || strings.Join(ex[0], " ") != "cms EXCMS01 NonShared 8.1.436.0 Online" {
		t.Errorf("cms record %q", ex)
	}
	ran[remote.ScriptDiscoverExchange] = true
	ran[remote.ScriptJobStart], ran[remote.ScriptJobTail] = true, true

	line := encoded(t, remote.ScriptCmdlet, nil, "Get-ClusteredMailboxServerStatus -Identity EXCMS01 | Format-List")
	if code, _, errs := startJob(t, s, "EXNODE01", "C1", line, testAccount.Password); code != 0 {
		t.Fatalf("job-start of a cmdlet: exit %d\n%s", code, errs)
	}
	tl = tailJob(t, s, "EXNODE01", "C1")
	if tl.state[3] != "0" || !strings.Contains(tl.log, "State") || !strings.Contains(tl.log, "Online") {
		t.Errorf("cmdlet job: %q\n%s", tl.state, tl.log)
	}
	ran[remote.ScriptCmdlet] = true

	files, err := fs.ReadDir(assets.Scripts, "scripts")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if name := strings.TrimSuffix(f.Name(), ".ps1"); strings.HasSuffix(f.Name(), ".ps1") && !ran[name] {
			t.Errorf("%s never ran through the interpreter in this test", f.Name())
		}
	}
}

// TestSetupJobThroughTheRunner: job-start and job-tail run Setup to its
// end on both Windows versions (Task Scheduler 2.0 on 2008, schtasks on
// 2003); a wrong password is refused; a reboot under a running job reads
// back as restarted.
func TestSetupJobThroughTheRunner(t *testing.T) {
	for _, sc := range []string{"ccr-2008-sp1-to-sp2", "ccr-2003-sp2"} {
		t.Run(sc, func(t *testing.T) {
			s := newSim(t, sc)
			setup := `"D:\Exchange2007SP2\Setup.com" /mode:upgrade`
			if code, recs, _ := startJob(t, s, "EXNODE02", "S0", setup, "wrong"); code != 1 || len(recs) == 0 || recs[0][0] != "failed" {
				t.Errorf("job-start with a wrong password: exit %d %q", code, recs)
			}
			if code, recs, errs := startJob(t, s, "EXNODE02", "S1", setup, testAccount.Password); code != 0 || len(recs) != 1 || strings.Join(recs[0], " ") != "started cmsrunbook-S1" {
				t.Fatalf("job-start: exit %d %q\n%s", code, recs, errs)
			}
			if code, recs, _ := startJob(t, s, "EXNODE02", "S1", setup, testAccount.Password); code != 0 || strings.Join(recs[0], " ") != "exists S1" {
				t.Errorf("job-start of a job that exists: exit %d %q", code, recs)
			}
			tl := tailJob(t, s, "EXNODE02", "S1")
			if tl.state[3] != "0" || !strings.Contains(tl.log, "completed successfully") {
				t.Errorf("Setup job: %q\n%s", tl.state, tl.log)
			}
			if n := s.SetupStarts("EXNODE02"); n != 1 {
				t.Errorf("Setup started %d times", n)
			}
			snap := s.Snapshot()
			if got := snap.Cluster.Node("EXNODE02").Build; got != runbook.BuildSP2 {
				t.Errorf("EXNODE02 at %s after Setup", got)
			}

			if code, _, errs := startJob(t, s, "EXNODE01", "S2", setup, testAccount.Password); code != 0 {
				t.Fatalf("job-start: %s", errs)
			}
			if r := console(t, s, "EXNODE01", "shutdown /r /t 0"); r.exit != 0 {
				t.Fatal(r)
			}
			if err := s.Sleep(context.Background(), time.Hour); err != nil {
				t.Fatal(err)
			}
			if tl := tailJob(t, s, "EXNODE01", "S2"); strings.Join(tl.state[2:], " ") != "0 -1 "+strconv.Itoa(len(tl.log))+" restarted" {
				t.Errorf("after a reboot: %q", tl.state)
			}
		})
	}
}

// TestJapaneseNodeJobs: on a Japanese node (OEM code page 932) a batch
// file whose command line the code page cannot hold is refused before
// anything runs, and a job's log is written in code page 932.
func TestJapaneseNodeJobs(t *testing.T) {
	s := newSim(t, "ccr-2003-rollup-ja")
	code, recs, _ := startJob(t, s, "EXNODE02", "R0", `msiexec.exe /update "D:\Updates\Média.msp" /quiet /norestart`, testAccount.Password)
	if code != 1 || len(recs) != 1 || recs[0][0] != "refused" {
		t.Errorf("a path code page 932 cannot hold: exit %d %q", code, recs)
	}
	if code, _, errs := startJob(t, s, "EXNODE02", "R1", `cluster.exe node EXNODE02 /status`, testAccount.Password); code != 0 {
		t.Fatalf("job-start: %s", errs)
	}
	tl := tailJob(t, s, "EXNODE02", "R1")
	if tl.state[3] != "0" {
		t.Fatalf("job: %q", tl.state)
	}
	if text := decodeCP(932, []byte(tl.log)); !strings.Contains(text, "稼働中") {
		t.Errorf("the log does not read as code page 932:\n%s", text)
	}
}

// TestJobTailWhyAJobEnded: job-tail tells a job whose task never began
// (two minutes after it was set up) from one whose cmd.exe is gone.
func TestJobTailWhyAJobEnded(t *testing.T) {
	s := newSim(t, "ccr-2008-sp1-to-sp2")
	dir := `C:\WINDOWS\Temp\cmsrunbook\`
	put := func(name, text string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		n := s.w.node("EXNODE02")
		if err := s.mkdir(n, dir); err != nil {
			t.Fatal(err)
		}
		if err := s.writeFile(n, dir+name, []byte(text), false); err != nil {
			t.Fatal(err)
		}
	}
	state := func(id string) string {
		_, recs, errs := script(t, s, "EXNODE02", remote.ScriptJobTail, []remote.Param{{Name: "JobId", Value: id}, {Name: "Offset", Value: "0"}, {Name: "Read", Value: "0"}, {Name: "Forget", Value: "0"}}, "")
		if len(recs) != 1 {
			t.Fatalf("job-tail: %q\n%s", recs, errs)
		}
		return strings.Join(recs[0][1:], " ")
	}
	put("N1.cmd", "@echo off\r\n")
	put("N1.task", "cmsrunbook-N1")
	if got := state("N1"); got != "1 1 0 0 " {
		t.Errorf("a job just set up: %q", got)
	}
	if err := s.Sleep(context.Background(), 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := state("N1"); got != "1 0 -1 0 notstarted" {
		t.Errorf("a job that never began: %q", got)
	}
	put("G1.cmd", "@echo off\r\n")
	put("G1.began", "1\r\n")
	if got := state("G1"); got != "1 0 -1 0 gone" {
		t.Errorf("a job whose cmd.exe is gone: %q", got)
	}
	if got := state("NOPE"); got != "0 0 0 0 " {
		t.Errorf("no such job: %q", got)
	}
}
