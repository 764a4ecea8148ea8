package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// twinDir is a folder for a test's twins under /tmp/h5-twin-*.
func twinDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "h5-twin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// planJSON is a plan's steps and findings, as `plan --format json` prints.
type planJSON struct {
	Steps    json.RawMessage `json:"steps"`
	Findings json.RawMessage `json:"findings"`
}

func mustPlanJSON(t *testing.T, args ...string) planJSON {
	t.Helper()
	code, out, errOut := runMain(t, "", append([]string{"plan", "--format", "json"}, args...)...)
	if code != ExitOK && code != ExitFailed {
		t.Fatalf("plan %v: exit %d: %s", args, code, errOut)
	}
	var p planJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("plan %v: %v: %s %s", args, err, out, errOut)
	}
	return p
}

// assertNoSecret checks that a twin holds none of what connects to the
// cluster: the password, the addresses, the account (extra), and no
// connection key at all.
func assertNoSecret(t *testing.T, file string, extra ...string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	low := bytes.ToLower(data)
	for _, s := range append([]string{servePass, "127.0.0.1", "localhost", "winrm:", "user:", "address:", "port:"}, extra...) {
		if bytes.Contains(low, bytes.ToLower([]byte(s))) {
			t.Errorf("%s holds %q:\n%s", file, s, data)
		}
	}
}

// TestTwinOfDiscoveredClusterPlansAlike: each cluster served over WinRM
// is discovered read-only, saved as a twin, and the twin plans exactly as
// the inventory does (steps and findings); the twin holds no secret and
// says where and when it was discovered.
func TestTwinOfDiscoveredClusterPlansAlike(t *testing.T) {
	for _, sc := range []string{"ccr-2003-sp2", "scc-8node-2cms-sp3", "ccr-2008-rollup", "pending-restart-passive", "block-replication-unhealthy"} {
		t.Run(sc, func(t *testing.T) {
			inv := startServeSim(t, "--scenario", sc, "--speed", "max")
			twin := filepath.Join(twinDir(t), "twin.yaml")
			wantCode, _, _ := runMain(t, "", "check", "--scenario", sc)
			code, out, errOut := runMain(t, "", "check", "--inventory", inv, "--save-scenario", twin)
			if code != wantCode {
				t.Fatalf("check --save-scenario: exit %d, want %d: %s %s", code, wantCode, out, errOut)
			}
			if !strings.Contains(errOut, "saved a twin of") || !strings.Contains(errOut, "sim --scenario "+twin) {
				t.Errorf("check does not say where the twin is and how to rehearse it: %s", errOut)
			}
			assertNoSecret(t, twin, "cmsrunbook")
			a, b := mustPlanJSON(t, "--inventory", inv), mustPlanJSON(t, "--scenario", twin)
			if !bytes.Equal(a.Steps, b.Steps) {
				t.Fatalf("steps differ:\ninventory: %s\ntwin:      %s", a.Steps, b.Steps)
			}
			if !bytes.Equal(a.Findings, b.Findings) {
				t.Errorf("findings differ:\ninventory: %s\ntwin:      %s", a.Findings, b.Findings)
			}
			data, _ := os.ReadFile(twin)
			if !regexp.MustCompile(`(?m)^title: 'Twin of EX\w+ .*discovered \d{4}-\d\d-\d\d \d\d:\d\d UTC'$`).Match(data) ||
				!regexp.MustCompile(`(?m)^twin: \{cluster: 'EX\w+', discovered: '\d{4}-`).Match(data) {
				t.Errorf("the twin does not say where and when:\n%s", data)
			}
		})
	}
}

// TestTwinRehearsal: the twin of a served cluster is rehearsed headless to
// the end; with --fault move-refused@move-cms it stops with
// cms-move-failed (exit 1); the change records say which cluster was
// rehearsed, discovered when, and with which fault.
func TestTwinRehearsal(t *testing.T) {
	inv := startServeSim(t, "--scenario", "ccr-2003-sp2", "--speed", "max")
	dir := twinDir(t)
	twin := filepath.Join(dir, "twin.yaml")
	if code, out, errOut := runMain(t, "", "check", "--inventory", inv, "--save-scenario", twin); code != ExitOK {
		t.Fatalf("check: exit %d: %s %s", code, out, errOut)
	}
	j1 := filepath.Join(dir, "clean.jsonl")
	code, out, errOut := runMain(t, "", "sim", "--scenario", twin, "--headless", "--yes", "--speed", "max", "--journal", j1)
	if code != ExitOK {
		t.Fatalf("sim on the twin: exit %d\n%s\n%s", code, out, errOut)
	}
	_, rec, _ := runMain(t, "", "report", "--journal", j1)
	if !regexp.MustCompile(`SIMULATION: a dress rehearsal on a simulated twin of cluster EXCLUS01, discovered \d{4}-\d\d-\d\d \d\d:\d\d UTC; nothing was sent`).MatchString(rec) {
		t.Errorf("the change record does not say what was rehearsed:\n%s", head(rec, 8))
	}
	_, jrec, _ := runMain(t, "", "report", "--journal", j1, "--format", "json")
	if !strings.Contains(jrec, `"twin-of":"EXCLUS01"`) && !strings.Contains(jrec, `"twin-of": "EXCLUS01"`) {
		t.Errorf("the JSON record lacks twin-of")
	}
	_, hrec, _ := runMain(t, "", "report", "--journal", j1, "--format", "html")
	if !strings.Contains(hrec, "dress rehearsal on a simulated twin of cluster EXCLUS01") {
		t.Errorf("the HTML record does not say what was rehearsed")
	}

	j2 := filepath.Join(dir, "fault.jsonl")
	code, out, errOut = runMain(t, "", "sim", "--scenario", twin, "--fault", "move-refused@move-cms", "--headless", "--yes", "--on-failure", "abort", "--speed", "max", "--journal", j2)
	if code != ExitFailed || !strings.Contains(out, "cms-move-failed") {
		t.Fatalf("sim --fault move-refused@move-cms: exit %d, want 1 with cms-move-failed\n%s\n%s", code, out, errOut)
	}
	_, rec, _ = runMain(t, "", "report", "--journal", j2)
	if !strings.Contains(rec, "twin of cluster EXCLUS01") || !strings.Contains(rec, "with faults added (move-refused@move-cms)") {
		t.Errorf("the record does not name the twin and the fault:\n%s", head(rec, 8))
	}
	// The fault came from the command line: the twin file is unchanged.
	if data, _ := os.ReadFile(twin); bytes.Contains(data, []byte("faults:")) {
		t.Error("--fault wrote into the scenario file")
	}
}

func head(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// TestFaultFlagOnEmbeddedScenario: --fault adds to any scenario, repeated
// faults and xTIMES included, and a resume applies them again.
func TestFaultFlagOnEmbeddedScenario(t *testing.T) {
	dir := twinDir(t)
	j := filepath.Join(dir, "run.jsonl")
	code, out, errOut := run(t, "sim", "--scenario", "ccr-2003-sp2", "--fault", "reboot-timeout@reboot-node:EXNODE02x5",
		"--fault", "pause-fails@pause-node:EXNODE01", "--headless", "--yes", "--speed", "max", "--journal", j)
	if code != ExitFailed || !strings.Contains(out, "reboot-timeout") {
		t.Fatalf("exit %d, want 1 with reboot-timeout\n%s\n%s", code, out, errOut)
	}
	data, _ := os.ReadFile(j)
	if !bytes.Contains(data, []byte(`"faults":"reboot-timeout@reboot-node:EXNODE02x5,pause-fails@pause-node:EXNODE01"`)) {
		t.Errorf("run-started does not record the faults")
	}
	// The resume finds EXNODE02 back up and goes on; the recorded
	// pause-fails fault still applies, so the rehearsal stops again at
	// the pause of EXNODE01 (without it, ccr-2003-sp2 runs to the end).
	code, out, errOut = run(t, "resume", "--journal", j, "--headless", "--yes")
	if code != ExitFailed || !strings.Contains(out, "FAILED [node-not-paused]") || !strings.Contains(out, "EXNODE01 is Up, not Paused") {
		t.Fatalf("resume: exit %d, want 1 with node-not-paused on EXNODE01\n%s\n%s", code, out, errOut)
	}
}

// TestBadFaultSpecs: a bad --fault is exit 2, before any run, with a
// message that lists the kinds and the steps they happen in.
func TestBadFaultSpecs(t *testing.T) {
	cases := []struct{ scenario, spec, msg string }{
		{"ccr-2003-sp2", "bogus@move-cms", `fault kind "bogus" is not one of`},
		{"ccr-2003-sp2", "move-refused@pause-node", "happens in a move-cms step, not pause-node"},
		{"ccr-2003-sp2", "reboot-timeout@reboot-node:EXNODE07", `"EXNODE07" is not a node of cluster EXCLUS01`},
		{"ccr-2003-sp2", "move-refused@move-cmsx0", "from 1 to 100"},
		{"ccr-2003-sp2", "move-refused", ""}, // fine on its own: see below
		{"ccr-2008-rollup", "setup-fails@setup-upgrade", "has no setup-upgrade step, so the fault would never happen"},
		{"fault-move-refused", "move-refused@move-cms", "already has this fault"},
	}
	for _, c := range cases {
		if c.msg == "" {
			continue
		}
		code, out, errOut := run(t, "sim", "--scenario", c.scenario, "--fault", c.spec, "--headless", "--yes", "--speed", "max", "--journal", filepath.Join(twinDir(t), "j.jsonl"))
		if code != ExitUsage || !strings.Contains(errOut, c.msg) {
			t.Errorf("--fault %s: exit %d, want 2 with %q\n%s%s", c.spec, code, c.msg, out, errOut)
			continue
		}
		if c.msg == "already has this fault" {
			continue
		}
		for _, want := range []string{"KIND@STEP[:NODE][xTIMES]", "move-refused", "move-cms", "reboot-timeout", "reboot-node", "setup-fails"} {
			if !strings.Contains(errOut, want) {
				t.Errorf("--fault %s: the message does not list %q:\n%s", c.spec, want, errOut)
			}
		}
	}
	code, _, errOut := run(t, "sim", "--fault", "", "--headless", "--yes")
	if code != ExitUsage || !strings.Contains(errOut, "KIND@STEP") {
		t.Errorf("--fault '': exit %d: %s", code, errOut)
	}
}

// TestSaveScenarioNeedsInventory: --save-scenario writes what discovery
// found, so with --scenario it is bad usage.
func TestSaveScenarioNeedsInventory(t *testing.T) {
	out := filepath.Join(twinDir(t), "twin.yaml")
	code, _, errOut := run(t, "check", "--scenario", "ccr-2003-sp2", "--save-scenario", out)
	if code != ExitUsage || !strings.Contains(errOut, "--save-scenario") || !strings.Contains(errOut, "--inventory") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a twin was written")
	}
}

// TestTwinValidatesLikeAnyScenario: an edited twin with a mistake is exit
// 2 naming file:line:col and the field.
func TestTwinValidatesLikeAnyScenario(t *testing.T) {
	inv := startServeSim(t, "--scenario", "ccr-2003-sp2", "--speed", "max")
	twin := filepath.Join(twinDir(t), "twin.yaml")
	if code, out, errOut := runMain(t, "", "check", "--inventory", inv, "--save-scenario", twin); code != ExitOK {
		t.Fatalf("check: exit %d: %s %s", code, out, errOut)
	}
	data, _ := os.ReadFile(twin)
	bad := bytes.Replace(data, []byte("state: up"), []byte("state: upp"), 1)
	if err := os.WriteFile(twin, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runMain(t, "", "plan", "--scenario", twin)
	if code != ExitUsage || !regexp.MustCompile(regexp.QuoteMeta(twin)+`:\d+:\d+: nodes\[0\]\.state: `).MatchString(errOut) {
		t.Fatalf("plan on a broken twin: exit %d: %s", code, errOut)
	}
}

// TestTwinNeverHoldsThePassword: the password may turn up in other
// fields of an inventory or of the cluster. Where the twin would not hold
// it (the inventory's folder name), the twin is written without it; where
// it would (a media path, a group's name), no twin is written, the run
// says which line and why without printing the password, and exits 2.
func TestTwinNeverHoldsThePassword(t *testing.T) {
	t.Run("in the inventory's folder", func(t *testing.T) {
		inv := startServeSim(t, "--scenario", "ccr-2003-sp2", "--speed", "max")
		dir := filepath.Join(twinDir(t), "inv-"+servePass)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(inv)
		moved := filepath.Join(dir, "inventory.yaml")
		if err := os.WriteFile(moved, data, 0o600); err != nil {
			t.Fatal(err)
		}
		twin := filepath.Join(dir, "twin.yaml")
		code, out, errOut := runMain(t, "", "check", "--inventory", moved, "--save-scenario", twin)
		if code != ExitOK {
			t.Fatalf("exit %d: %s %s", code, out, errOut)
		}
		assertNoSecret(t, twin, "cmsrunbook", "inv-")
	})
	t.Run("in the media path", func(t *testing.T) {
		inv := startServeSim(t, "--scenario", "ccr-2003-sp2", "--speed", "max")
		data, _ := os.ReadFile(inv)
		data = bytes.Replace(data, []byte(`media: 'D:\Exchange2007SP2'`), []byte(`media: 'D:\`+servePass+`\SP2'`), 1)
		if !bytes.Contains(data, []byte(servePass)) {
			t.Fatalf("the inventory has no media line to edit:\n%s", data)
		}
		if err := os.WriteFile(inv, data, 0o600); err != nil {
			t.Fatal(err)
		}
		twin := filepath.Join(twinDir(t), "twin.yaml")
		code, out, errOut := runMain(t, "", "check", "--inventory", inv, "--save-scenario", twin)
		refused(t, twin, code, out, errOut)
	})
	t.Run("in a group's name", func(t *testing.T) {
		base, err := os.ReadFile("../../assets/scenarios/ccr-2003-sp2.yaml")
		if err != nil {
			t.Fatal(err)
		}
		sc := filepath.Join(twinDir(t), "leaky.yaml")
		body := strings.Replace(string(base), "groups:\n", "groups:\n  - {name: 'Backup "+servePass+"', owner: EXNODE02, state: online}\n", 1)
		if err := os.WriteFile(sc, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		inv := startServeSim(t, "--scenario", sc, "--speed", "max")
		twin := filepath.Join(twinDir(t), "twin.yaml")
		code, out, errOut := runMain(t, "", "check", "--inventory", inv, "--save-scenario", twin)
		refused(t, twin, code, out, errOut)
	})
}

// refused asserts a --save-scenario that was refused for the password:
// exit 2, no file, a message naming the twin's line, and the password
// printed nowhere.
func refused(t *testing.T, twin string, code int, out, errOut string) {
	t.Helper()
	if code != ExitUsage || !regexp.MustCompile(`not written: its line \d+ would hold the WinRM password`).MatchString(errOut) {
		t.Fatalf("exit %d, want 2 with the refusal:\n%s\n%s", code, out, errOut)
	}
	if _, err := os.Stat(twin); err == nil {
		t.Error("the twin was written")
	}
	if strings.Contains(errOut, servePass) {
		t.Errorf("the password was printed: %s", errOut)
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(twin), ".*tmp*"))
	if len(matches) > 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

// TestScenariosListsLocalFiles: `scenarios` lists the scenario files of
// the user's scenario folder after the embedded ones, marked local with
// their path, and names a broken one on stderr with file:line:col.
func TestScenariosListsLocalFiles(t *testing.T) {
	dir := filepath.Join(stateDir(t), "scenarios")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	base, err := os.ReadFile("../../assets/scenarios/ccr-2003-sp2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	twin := strings.Replace(string(base), "name: ccr-2003-sp2", "name: twin-exclus01", 1)
	broken := strings.Replace(twin, "exchange: 8.0.685.24", "exchange: 9.9", 1)
	for name, body := range map[string]string{"twin.yaml": twin, "broken.yaml": broken} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errOut := run(t, "scenarios")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "twin-exclus01 ") || !strings.HasSuffix(last, "(local: "+filepath.Join(dir, "twin.yaml")+")") {
		t.Errorf("the local scenario is not listed last, marked local:\n%s", out)
	}
	if !strings.HasPrefix(lines[0], "ccr-2003-sp2 ") || !strings.Contains(lines[0], "(default)") {
		t.Errorf("the embedded default is not first: %s", lines[0])
	}
	if !regexp.MustCompile(`not listed: .*broken\.yaml:\d+:\d+: nodes\[0\]\.exchange`).MatchString(errOut) {
		t.Errorf("the broken scenario is not reported: %q", errOut)
	}
}
