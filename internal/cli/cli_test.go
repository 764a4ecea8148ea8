package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/journal"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// run calls Main as the process would and returns exit code and output.
func run(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: testGetenv(t, nil)})
	return code, out.String(), errb.String()
}

// stateDirs are the tests' state folders (see stateDir).
var stateDirs sync.Map // testing.TB -> string

// stateDir is the test's CMSRUNBOOK_STATE_DIR, where its runs keep their
// cluster locks: one per test, so no test holds another's cluster, and
// never the real user's.
func stateDir(t testing.TB) string {
	if d, ok := stateDirs.Load(t); ok {
		return d.(string)
	}
	d := filepath.Join(t.TempDir(), "state")
	stateDirs.Store(t, d)
	t.Cleanup(func() { stateDirs.Delete(t) })
	return d
}

// testGetenv is the environment of the test's runs: its state folder, and
// what env (if not nil) holds.
func testGetenv(t testing.TB, env func(string) string) func(string) string {
	dir := stateDir(t)
	return func(k string) string {
		if k == journal.StateDirEnv {
			return dir
		}
		if env != nil {
			return env(k)
		}
		return ""
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file; if the change is intended run go test ./internal/cli -update and review the diff.\n--- got:\n%s", path, got)
	}
}

// TestGoldenPlans pins the plan of every embedded scenario in markdown (what
// a change board reads) and JSON (what scripts read).
func TestGoldenPlans(t *testing.T) {
	list, err := config.ListScenarios(assets.Scenarios)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) < 20 {
		t.Fatalf("only %d embedded scenarios", len(list))
	}
	for _, s := range list {
		t.Run(s.Name, func(t *testing.T) {
			code, md, stderr := run(t, "plan", "--scenario", s.Name, "--format", "markdown")
			if code != 0 && code != 1 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			blocked := strings.Contains(md, "**BLOCKED**")
			if (code == 1) != blocked {
				t.Errorf("exit %d but blocked=%v", code, blocked)
			}
			golden(t, s.Name+".md", md)
			_, js, _ := run(t, "plan", "--scenario", s.Name, "--format", "json")
			var obj map[string]any
			if err := json.Unmarshal([]byte(js), &obj); err != nil {
				t.Fatalf("plan JSON does not parse: %v", err)
			}
			for _, k := range []string{"goal", "cluster", "findings", "steps"} {
				if _, ok := obj[k]; !ok {
					t.Errorf("plan JSON lacks %q", k)
				}
			}
			golden(t, s.Name+".json", js)
		})
	}
}

// TestBlockingScenariosExit1: every block-* scenario is refused with its
// finding, in plan and in check.
func TestBlockingScenariosExit1(t *testing.T) {
	want := map[string]string{
		"block-os-sp1":       "prereq-os-sp",
		"block-windows-2008": "inplace-os-upgrade",
		"block-node-down":    "node-down",
		"block-cms-offline":  "cms-not-online",
	}
	for name, code := range want {
		c, out, _ := run(t, "check", "--scenario", name, "--format", "json")
		if c != 1 {
			t.Errorf("%s: check exit %d, want 1", name, c)
		}
		var obj struct {
			Blocked  bool
			Findings []struct{ Code, Severity string }
		}
		if err := json.Unmarshal([]byte(out), &obj); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		found := false
		for _, f := range obj.Findings {
			found = found || f.Code == code && f.Severity == "block"
		}
		if !found || !obj.Blocked {
			t.Errorf("%s: no blocking %s in %+v", name, code, obj.Findings)
		}
	}
	if c, _, _ := run(t, "check", "--scenario", "ccr-2003-sp2"); c != 0 {
		t.Errorf("healthy default scenario: check exit %d", c)
	}
}

func TestPlanText(t *testing.T) {
	code, out, _ := run(t, "plan", "--scenario", "ccr-2003-sp2")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"Exchange 2007 SP2 on EXCLUS01 (CCR, Windows Server 2003 SP2)",
		"2. Pause EXNODE02",
		"> cluster.exe node EXNODE02 /pause",
		"[OUTAGE STARTS] [type EXCMS01 to confirm]",
		`PS> Stop-ClusteredMailboxServer -Identity 'EXCMS01'`,
		`Setup.com /upgradecms`,
		"mgmt-tools-version",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("plan text lacks %q", want)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		// Commands are printed whole so they can be copied; prose wraps.
		if len([]rune(line)) > 80 && !strings.Contains(line, "> ") {
			t.Errorf("prose line longer than 80 columns: %q", line)
		}
	}
}

func TestGoalOverride(t *testing.T) {
	code, out, _ := run(t, "plan", "--scenario", "ccr-2003-sp2", "--goal", "windows-2008", "--format", "json")
	if code != 1 || !strings.Contains(out, `"inplace-os-upgrade"`) {
		t.Errorf("--goal windows-2008: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "plan", "--scenario", "ccr-2008-rollup", "--package", `E:\RU\Exchange2007-KB999999-x64-EN.msp`)
	if code != 0 || !strings.Contains(out, `msiexec.exe /update E:\RU\Exchange2007-KB999999-x64-EN.msp /quiet /norestart`) {
		t.Errorf("--package not used: exit %d\n%s", code, out)
	}
}

func TestScenariosCommand(t *testing.T) {
	code, out, _ := run(t, "scenarios")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	first := strings.SplitN(out, "\n", 2)[0]
	if !strings.HasPrefix(first, "ccr-2003-sp2 ") || !strings.Contains(first, "(default)") {
		t.Errorf("first line %q is not the default scenario", first)
	}
	for _, name := range []string{"fault-move-refused", "scc-3node-sp2", "block-windows-2008"} {
		if !strings.Contains(out, name) {
			t.Errorf("scenarios lacks %s", name)
		}
	}
}

func TestTrainingWithoutArguments(t *testing.T) {
	code, out, _ := run(t)
	if code != 0 || !strings.Contains(out, "Training scenario:") || !strings.Contains(out, "Pause EXNODE02") {
		t.Errorf("no-argument run: exit %d\n%s", code, out)
	}
}

// TestBadInput: every kind of bad input exits 2 with a message that names
// what is wrong (file, line and field for files), and never a stack trace.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, err := assets.Scenarios.ReadFile("scenarios/ccr-2003-sp2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sub := func(old, new string) string {
		if !strings.Contains(string(good), old) {
			t.Fatalf("default scenario lacks %q", old)
		}
		return strings.Replace(string(good), old, new, 1)
	}
	lineOf := func(body, needle string) string {
		for i, l := range strings.Split(body, "\n") {
			if strings.Contains(l, needle) {
				return ":" + itoa(i+1) + ":"
			}
		}
		t.Fatalf("%q not in body", needle)
		return ""
	}
	unknown := sub("goal: exchange-sp2", "goal: exchange-sp2\ncolour: blue")
	badState := sub("state: up", "state: sleepy")
	badName := sub("name: EXNODE02", "name: EX NODE02")
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"unknown command", []string{"frobnicate"}, []string{`unknown command "frobnicate"`}},
		{"unknown flag", []string{"plan", "--scenaro", "x"}, []string{"scenaro"}},
		{"no source", []string{"plan"}, []string{"--inventory FILE or --scenario"}},
		{"both sources", []string{"plan", "--scenario", "a", "--inventory", "b"}, []string{"not both"}},
		{"bad format", []string{"plan", "--scenario", "ccr-2003-sp2", "--format", "html"}, []string{`"html"`}},
		{"markdown check", []string{"check", "--scenario", "ccr-2003-sp2", "--format", "markdown"}, []string{"text|json"}},
		{"bad goal", []string{"plan", "--scenario", "ccr-2003-sp2", "--goal", "exchange-sp9"}, []string{"exchange-sp9"}},
		{"bad package", []string{"plan", "--scenario", "ccr-2008-rollup", "--package", "ru.msp"}, []string{"--package", "absolute"}},
		{"unknown scenario", []string{"plan", "--scenario", "no-such-scenario"}, []string{"no-such-scenario", "ccr-2003-sp2"}},
		{"stray argument", []string{"scenarios", "extra"}, []string{`"extra"`}},
		{"unknown key", []string{"plan", "--scenario", write("unknown.yaml", unknown)}, []string{"unknown.yaml" + lineOf(unknown, "colour"), "colour"}},
		{"bad state", []string{"plan", "--scenario", write("state.yaml", badState)}, []string{"state.yaml" + lineOf(badState, "sleepy"), "state", "sleepy"}},
		{"bad node name", []string{"plan", "--scenario", write("name.yaml", badName)}, []string{"name.yaml" + lineOf(badName, "EX NODE02"), "name"}},
		{"not YAML", []string{"plan", "--scenario", write("junk.yaml", "nodes: [unclosed\n")}, []string{"junk.yaml"}},
		{"missing file", []string{"plan", "--scenario", filepath.Join(dir, "absent.yaml")}, []string{"absent.yaml"}},
		{"inventory with a password", []string{"plan", "--inventory", write("inv.yaml", "cluster: EXCLUS01\npassword: hunter2\nnodes:\n  - {name: EXNODE01, address: a}\n")}, []string{"inv.yaml:2:", "password"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := run(t, tc.args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr)
			}
			if out != "" {
				t.Errorf("bad input printed to stdout: %q", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace on bad input:\n%s", stderr)
			}
			if strings.Contains(stderr, "hunter2") {
				t.Errorf("a password reached the screen:\n%s", stderr)
			}
		})
	}
}

func itoa(n int) string {
	b := []byte{}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// BenchmarkPlanCommand is `plan` on an embedded scenario, end to end from
// the embedded YAML to the markdown document (budget: under 20 ms).
func BenchmarkPlanCommand(b *testing.B) {
	for b.Loop() {
		if code, _, stderr := run(b, "plan", "--scenario", "ccr-2003-sp2", "--format", "markdown"); code != 0 {
			b.Fatal(stderr)
		}
	}
}
