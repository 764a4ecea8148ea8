package ps

import (
	"encoding/base64"
	"io/fs"
	"strings"
	"testing"

	"cmsrunbook/assets"
	"cmsrunbook/internal/remote"
)

// scriptNames lists assets/scripts, so a new script is covered by the
// parse test and the fuzz seeds without editing them.
func scriptNames(t testing.TB) []string {
	ents, err := fs.ReadDir(assets.Scripts, "scripts")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".ps1"); ok {
			names = append(names, n)
		}
	}
	return names
}

// sent builds a script as the executor sends it and decodes it as a node
// does, so the test runs exactly what powershell.exe would.
func sent(t *testing.T, name string, params []remote.Param, line string) string {
	t.Helper()
	s, err := remote.BuildScript(name, params, line)
	if err != nil {
		t.Fatal(err)
	}
	cmd, err := remote.EncodeCommand(s)
	if err != nil {
		t.Fatal(err)
	}
	back, ok, err := remote.DecodeCommand(cmd)
	if !ok || err != nil {
		t.Fatalf("decode: %v %v", ok, err)
	}
	return back
}

func TestScriptsParse(t *testing.T) {
	for _, n := range scriptNames(t) {
		raw, err := fs.ReadFile(assets.Scripts, "scripts/"+n+".ps1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(string(raw)); err != nil {
			t.Errorf("%s as written: %v", n, err)
		}
		built, err := remote.BuildScript(n, []remote.Param{{Name: "X", Value: "it's"}}, "Get-ExchangeServer")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(built); err != nil {
			t.Errorf("%s as sent: %v", n, err)
		}
	}
}

func record(out []string, kind string) string {
	for _, l := range out {
		if strings.HasPrefix(l, kind+"\t") {
			return l
		}
	}
	return ""
}

// TestScriptsRun runs every script against the fake node and checks the
// records the executor parses.
func TestScriptsRun(t *testing.T) {
	covered := map[string]bool{}
	check := func(name string, r result, code int, want ...string) {
		t.Helper()
		covered[name] = true
		if r.code != code {
			t.Errorf("%s: exit %d, want %d\n%s", name, r.code, code, r)
		}
		for _, w := range want {
			found := false
			for _, l := range r.out {
				found = found || l == w
			}
			if !found {
				t.Errorf("%s: no record %q\n%s", name, w, r)
			}
		}
	}

	h := newFakeHost()
	r := runOn(h, sent(t, "discover-node", []remote.Param{{Name: "Paths", Value: `C:\Program Files\Microsoft\Exchange Server\bin\ExSetup.exe|D:\nope\Setup.com`}}, ""))
	check("discover-node", r, 0, "host\tEXNODE01", "os\t5.2.3790\t2\t20261128080000.000000+000", "cp\t437", "clussvc\t1",
		"exchange\t08.01.0240.006", "pending\t1\tPendingFileRenameOperations",
		"path\t"+`C:\Program Files\Microsoft\Exchange Server\bin\ExSetup.exe`+"\t1")
	if !strings.Contains(strings.Join(r.out, "\n"), "role\tClusteredMailboxServer\t8.1.240.6\tSetup.Mailbox\t") {
		t.Errorf("discover-node roles:\n%s", r)
	}

	r = runOn(newFakeHost(), sent(t, "discover-cluster", nil, ""))
	check("discover-cluster", r, 0, "cluster\tEXCLU01", "node\tEXNODE01\t0",
		"group\tEXCMS01\t0\tEXNODE01\t1", "quorum\tMajority Node Set\t2\t\\\\HUB01\\FSW\t")

	r = runOn(newFakeHost(), sent(t, "discover-exchange", []remote.Param{{Name: "Cms", Value: "EXCMS01,"}}, ""))
	check("discover-exchange", r, 0, "cms\tEXCMS01\tNonShared\t8.1.240.6\tOnline", "copy\tEXCMS01\tFirst Storage Group\tHealthy\t0\t0")

	r = runOn(newFakeHost(), sent(t, "cmdlet", nil, "Get-ClusteredMailboxServerStatus -Identity 'EXCMS01' | Format-List State"))
	check("cmdlet", r, 0)
	if strings.Join(r.out, "\n") != "\nState : Online\n\n" {
		t.Errorf("cmdlet output %q", r.out)
	}
	// Straight in a WinRM shell the snap-in cannot reach AD: the trap
	// prints the error to stdout and the script exits 1.
	h = newFakeHost()
	h.noAD = true
	r = runOn(h, sent(t, "cmdlet", nil, "Get-ClusteredMailboxServerStatus -Identity 'EXCMS01'"))
	if r.code != 1 || !strings.HasPrefix(strings.Join(r.out, "\n"), "Get-ClusteredMailboxServerStatus : Active Directory operation failed") {
		t.Errorf("cmdlet without AD: exit %d\n%s", r.code, r)
	}

	testJobStart(t, check)
	testJobTail(t, check)

	for _, n := range scriptNames(t) {
		if !covered[n] {
			t.Errorf("script %s is not run by this test", n)
		}
	}
}

func jobStdin(password, batch string) string {
	return password + "\r\n" + base64.StdEncoding.EncodeToString([]byte(batch)) + "\r\n"
}

func testJobStart(t *testing.T, check func(string, result, int, ...string)) {
	params := []remote.Param{{Name: "JobId", Value: "j1"}, {Name: "User", Value: `CONTOSO\admin`}}
	batch, err := remote.JobBatch("j1", `"D:\Exchange2007SP2\Setup.com" /mode:upgrade`)
	if err != nil {
		t.Fatal(err)
	}
	dir := `c:\windows\temp\cmsrunbook\`
	for _, version := range []string{"5.2.3790", "6.0.6002"} {
		h := newFakeHost()
		h.version = version
		h.stdin = jobStdin("s3cret", batch)
		r := runOn(h, sent(t, "job-start", params, ""))
		check("job-start", r, 0, "started\tcmsrunbook-j1")
		if h.files[dir+"j1.cmd"] != batch || !h.tasks["cmsrunbook-j1"] {
			t.Errorf("%s: batch or task missing: %v %v", version, h.files, h.tasks)
		}
		// Once started, the same job ID is never started again.
		h.stdin = jobStdin("s3cret", batch)
		r = runOn(h, sent(t, "job-start", params, ""))
		check("job-start", r, 0, "exists\tj1")

		h = newFakeHost()
		h.version = version
		h.stdin = jobStdin("wrong", batch)
		r = runOn(h, sent(t, "job-start", params, ""))
		if r.code != 1 || !strings.HasPrefix(record(r.out, "failed"), "failed\t") || h.files[dir+"j1.cmd"] != "" {
			t.Errorf("%s wrong password: exit %d, .cmd left %v\n%s", version, r.code, h.files[dir+"j1.cmd"] != "", r)
		}
	}
	h := newFakeHost()
	h.stdin = jobStdin("s3cret", "@echo off\r\n\"D:\\\u65e5\u672c\\Setup.com\"\r\n")
	r := runOn(h, sent(t, "job-start", params, ""))
	if r.code != 1 || !strings.HasPrefix(record(r.out, "refused"), "refused\tcode page 437") {
		t.Errorf("unmappable batch: exit %d\n%s", r.code, r)
	}
}

func testJobTail(t *testing.T, check func(string, result, int, ...string)) {
	dir := `c:\windows\temp\cmsrunbook\`
	params := func(offset, read, forget string) []remote.Param {
		return []remote.Param{{Name: "JobId", Value: "j1"}, {Name: "Offset", Value: offset}, {Name: "Read", Value: read}, {Name: "Forget", Value: forget}}
	}
	h := newFakeHost()
	h.files[dir+"j1.cmd"] = "x"
	h.files[dir+"j1.task"] = "cmsrunbook-j1"
	h.files[dir+"j1.began"] = "1"
	h.files[dir+"j1.log"] = "Setup failed\r\n"
	h.files[dir+"j1.exit"] = "1603 \r\n"
	h.tasks["cmsrunbook-j1"] = true
	r := runOn(h, sent(t, "job-tail", params("6", "1", "1"), ""))
	check("job-tail", r, 0, "data\t14\t"+base64.StdEncoding.EncodeToString([]byte("failed\r\n")), "state\t1\t0\t1603\t14\t")
	if h.tasks["cmsrunbook-j1"] || h.files[dir+"j1.log"] != "" || h.files[dir+"j1.cmd"] != "" {
		t.Errorf("an ended job forgotten keeps its task or files: %v %v", h.tasks, h.files)
	}

	h = newFakeHost()
	h.files[dir+"j1.cmd"] = "x"
	h.files[dir+"j1.task"] = "cmsrunbook-j1"
	h.files[dir+"j1.began"] = "1"
	h.procs = []string{`cmd.exe /c C:\WINDOWS\Temp\cmsrunbook\j1.cmd`}
	r = runOn(h, sent(t, "job-tail", params("0", "1", "0"), ""))
	check("job-tail", r, 0, "state\t1\t1\t0\t0\t")

	h.procs = nil
	r = runOn(h, sent(t, "job-tail", params("0", "1", "0"), ""))
	check("job-tail", r, 0, "state\t1\t0\t-1\t0\tgone")

	r = runOn(newFakeHost(), sent(t, "job-tail", params("0", "1", "0"), ""))
	check("job-tail", r, 0, "state\t0\t0\t0\t0\t")
}
