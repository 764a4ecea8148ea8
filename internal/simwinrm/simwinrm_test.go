package simwinrm_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/remote"
	"cmsrunbook/internal/sim"
	"cmsrunbook/internal/simwinrm"
	"cmsrunbook/runbook"
)

const (
	testUser = `EXAMPLE\admin`
	testPass = "right horse"
)

// run sends a command line to a node of the backend as a WinRM shell
// would, with stdin, and returns the exit code, stdout and stderr.
func run(t *testing.T, b *simwinrm.Backend, node, line, stdin string) (int, string, string) {
	t.Helper()
	var out, errs strings.Builder
	code, err := b.Exec(context.Background(), node, line, nil, strings.NewReader(stdin), func(stream string, p []byte) {
		if stream == "stdout" {
			out.Write(p)
		} else {
			errs.Write(p)
		}
	})
	if err != nil {
		t.Fatalf("%s on %s: %v", line, node, err)
	}
	return code, out.String(), errs.String()
}

// records splits output into tab-separated records.
func records(out string) [][]string {
	var recs [][]string
	for _, l := range strings.Split(strings.TrimRight(out, "\r\n"), "\r\n") {
		if l != "" {
			recs = append(recs, strings.Split(l, "\t"))
		}
	}
	return recs
}

// exec runs one of the project's scripts on a node of the backend, as the
// WinRM executor sends it, and returns its stdout records.
func exec(t *testing.T, b *simwinrm.Backend, node, script string, params []remote.Param, stdin string) [][]string {
	t.Helper()
	code, out, errs := run(t, b, node, encode(t, script, params, ""), stdin)
	if code != 0 {
		t.Fatalf("%s on %s: exit %d\n%s", script, node, code, errs)
	}
	return records(out)
}

func encode(t *testing.T, script string, params []remote.Param, line string) string {
	t.Helper()
	s, err := remote.BuildScript(script, params, line)
	if err != nil {
		t.Fatal(err)
	}
	l, err := remote.EncodeCommand(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// viaJob runs a command line through the job runner (job-start, then
// job-tail until it ends) and returns its log and its final state record.
func viaJob(t *testing.T, b *simwinrm.Backend, node, id, line string) (string, []string) {
	t.Helper()
	batch, err := remote.JobBatch(id, line)
	if err != nil {
		t.Fatal(err)
	}
	stdin := testPass + "\r\n" + base64.StdEncoding.EncodeToString([]byte(batch)) + "\r\n"
	if r := exec(t, b, node, remote.ScriptJobStart, []remote.Param{{Name: "JobId", Value: id}, {Name: "User", Value: testUser}}, stdin); len(r) != 1 || r[0][0] != "started" {
		t.Fatalf("job-start: %q", r)
	}
	var log strings.Builder
	off := "0"
	for range 100 {
		var state []string
		for _, r := range exec(t, b, node, remote.ScriptJobTail, []remote.Param{{Name: "JobId", Value: id}, {Name: "Offset", Value: off}, {Name: "Read", Value: "1"}, {Name: "Forget", Value: "1"}}, "") {
			switch r[0] {
			case "data":
				d, err := base64.StdEncoding.DecodeString(r[2])
				if err != nil {
					t.Fatal(err)
				}
				log.Write(d)
				off = r[1]
			case "state":
				state = r
			}
		}
		if len(state) != 6 {
			t.Fatalf("job-tail state %q", state)
		}
		if state[2] == "0" {
			return log.String(), state
		}
	}
	t.Fatalf("job %s never ended", id)
	return "", nil
}

// TestEmulatorPrintsWhatTheScriptsPrint: behind WinRM the simulator runs
// each discovery script as written and it prints exactly the fields the
// parser reads (remote.RecordFields), for every record; a record the
// parser reads that never appears is reported too. discover-exchange runs
// through the job runner, as the executor runs it.
func TestEmulatorPrintsWhatTheScriptsPrint(t *testing.T) {
	sc, err := config.ResolveScenario(assets.Scenarios, "setup-incomplete-node")
	if err != nil {
		t.Fatal(err)
	}
	sc.Cluster.Quorum = runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessOnline}
	b := simwinrm.New(sim.New(sc, sim.Options{Seed: 1}))
	b.SetAccount(testUser, testPass)
	paths := []remote.Param{{Name: "Paths", Value: sc.Options.Media + `\Setup.com`}}
	got := map[string][][]string{}
	for _, node := range []string{"EXNODE01", "EXNODE02"} {
		got[remote.ScriptDiscoverNode] = append(got[remote.ScriptDiscoverNode], exec(t, b, node, remote.ScriptDiscoverNode, paths, "")...)
		got[remote.ScriptDiscoverCluster] = append(got[remote.ScriptDiscoverCluster], exec(t, b, node, remote.ScriptDiscoverCluster, nil, "")...)
		log, state := viaJob(t, b, node, "X-"+node, encode(t, remote.ScriptDiscoverExchange, []remote.Param{{Name: "Cms", Value: "EXCMS01"}}, ""))
		if state[3] != "0" {
			t.Errorf("discover-exchange on %s: %q\n%s", node, state, log)
		}
		got[remote.ScriptDiscoverExchange] = append(got[remote.ScriptDiscoverExchange], records(log)...)
	}
	for name, recs := range got {
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
				t.Errorf("%s: the emulator never prints %q records", name, rec)
			}
		}
	}
	// The half-done node reads as it would on Windows: the new file
	// version, the old configured version, Setup's watermark.
	for _, r := range exec(t, b, "EXNODE02", remote.ScriptDiscoverNode, paths, "") {
		switch {
		case r[0] == "exchange" && r[1] != runbook.BuildSP2.String():
			t.Errorf("file version %q, want SP2's", r)
		case r[0] == "role" && r[1] == "MailboxRole" && (r[2] != runbook.BuildRTM.String() || r[3] == "" || r[4] == ""):
			t.Errorf("Mailbox role %q, want RTM configured with a Watermark and an Action", r)
		case r[0] == "path" && r[2] != "1":
			t.Errorf("the media is not on the node: %q", r)
		}
	}
}

// TestTheHopBehindWinRM: an Exchange cmdlet sent straight in a WinRM
// shell (as pywinrm's run_ps sends one) fails on Active Directory; the
// same through the job runner answers; a task registered with a wrong
// password is refused.
func TestTheHopBehindWinRM(t *testing.T) {
	sc, err := config.ResolveScenario(assets.Scenarios, "ccr-2008-sp1-to-sp2")
	if err != nil {
		t.Fatal(err)
	}
	b := simwinrm.New(sim.New(sc, sim.Options{Seed: 1}))
	b.SetAccount(testUser, testPass)
	straight := "$ProgressPreference = 'SilentlyContinue'; Add-PSSnapin Microsoft.Exchange.Management.PowerShell.Admin; Get-ClusteredMailboxServerStatus -Identity EXCMS01"
	line, err := remote.EncodeCommand(straight)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := run(t, b, "EXNODE01", line, "")
	if code == 0 || strings.Contains(out, "Online") || !strings.Contains(errs, "Active Directory operation failed") {
		t.Errorf("a cmdlet straight in the shell: exit %d\n%s\n%s", code, out, errs)
	}
	log, state := viaJob(t, b, "EXNODE01", "hop1", encode(t, remote.ScriptCmdlet, nil, "Get-ClusteredMailboxServerStatus -Identity EXCMS01"))
	if state[3] != "0" || !strings.Contains(log, "State") || !strings.Contains(log, "Online") {
		t.Errorf("the cmdlet through the runner: %q\n%s", state, log)
	}

	batch, err := remote.JobBatch("hop2", `"D:\Exchange2007SP2\Setup.com" /mode:upgrade`)
	if err != nil {
		t.Fatal(err)
	}
	stdin := "not the password\r\n" + base64.StdEncoding.EncodeToString([]byte(batch)) + "\r\n"
	code, out, _ = run(t, b, "EXNODE02", encode(t, remote.ScriptJobStart, []remote.Param{{Name: "JobId", Value: "hop2"}, {Name: "User", Value: testUser}}, ""), stdin)
	if code != 1 || !strings.Contains(out, "failed") {
		t.Errorf("job-start with a wrong password: exit %d\n%s", code, out)
	}
	if n := b.Sim().SetupStarts("EXNODE02"); n != 0 {
		t.Errorf("Setup started %d times", n)
	}
}

// TestCmdShellFilesAndPrograms: a WinRM cmd shell finds only what is on
// the node: the media's Setup.com (which fails on AD from this network
// logon), and nothing at a path that is not there.
func TestCmdShellFilesAndPrograms(t *testing.T) {
	sc, err := config.ResolveScenario(assets.Scenarios, "ccr-2008-sp1-to-sp2")
	if err != nil {
		t.Fatal(err)
	}
	b := simwinrm.New(sim.New(sc, sim.Options{Seed: 1}))
	for _, tc := range []struct {
		line string
		code int
		want string
	}{
		{`D:\Exchange2007SP3\Setup.com /mode:upgrade`, 3, "The system cannot find the path specified."},
		{`"D:\Exchange2007SP2\Setup.exe" /mode:upgrade`, 9009, "is not recognized as an internal or external command"},
		{`"D:\Exchange2007SP2\Setup.com" /mode:upgrade`, 1, "000004DC"},
		{`cluster.exe node EXNODE02 /status`, 0, "EXNODE02"},
	} {
		code, out, errs := run(t, b, "EXNODE02", tc.line, "")
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%s: exit %d (want %d)\n%s%s", tc.line, code, tc.code, out, errs)
		}
	}
}

// TestJapaneseNodeAnswersInItsCodePage: a cmd shell's output on a Japanese
// node is in code page 932, as cluster.exe writes it there.
func TestJapaneseNodeAnswersInItsCodePage(t *testing.T) {
	sc, err := config.ResolveScenario(assets.Scenarios, "ccr-2003-rollup-ja")
	if err != nil {
		t.Fatal(err)
	}
	b := simwinrm.New(sim.New(sc, sim.Options{Seed: 1}))
	code, out, errs := run(t, b, "EXNODE02", "cluster.exe node EXNODE02 /status", "")
	if code != 0 || utf8.ValidString(out) {
		t.Fatalf("exit %d, UTF-8 output %q %s", code, out, errs)
	}
	text, err := japanese.ShiftJIS.NewDecoder().String(out)
	if err != nil || !strings.Contains(text, "稼働中") {
		t.Errorf("not code page 932: %q %v", text, err)
	}
}
