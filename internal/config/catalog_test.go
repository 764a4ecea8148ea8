package config_test

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// TestEmbeddedScenarios loads every embedded scenario: each must load, be
// named after its file, carry a title and description a trainee can read,
// and hold a cluster the domain accepts.
func TestEmbeddedScenarios(t *testing.T) {
	files, err := fs.Glob(assets.Scenarios, "scenarios/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("only %d embedded scenarios", len(files))
	}
	kinds := map[config.FaultKind]bool{}
	for _, f := range files {
		s, err := config.LoadScenarioFS(assets.Scenarios, f)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if want := strings.TrimSuffix(path.Base(f), ".yaml"); s.Name != want {
			t.Errorf("%s: name %q, want the file's name %q", f, s.Name, want)
		}
		if strings.TrimSpace(s.Title) == "" || strings.TrimSpace(s.Description) == "" {
			t.Errorf("%s: empty title or description", f)
		}
		if n := strings.Count(s.Description, ". ") + 1; n < 2 || n > 7 {
			t.Errorf("%s: description has about %d sentences; want 2 to 5", f, n)
		}
		if err := s.Cluster.Validate(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		for _, fl := range s.Faults {
			kinds[fl.Kind] = true
		}
	}
	for _, k := range config.FaultKinds() {
		if !kinds[k] {
			t.Errorf("no embedded scenario injects %s", k)
		}
	}
}

// TestDefaultScenario pins what the bare `cmsrunbook` trains on.
func TestDefaultScenario(t *testing.T) {
	s, err := config.ResolveScenario(assets.Scenarios, config.DefaultScenario)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Cluster
	if s.Goal != runbook.GoalSP2 || c.Type != runbook.CCR || c.OS != (runbook.OS{Family: runbook.Windows2003, SP: 2}) {
		t.Errorf("goal %s, cluster %s %s", s.Goal, c.Type, c.OS)
	}
	if g := c.Group("Cluster Group"); g == nil || g.Owner != "EXNODE02" {
		t.Errorf("Cluster Group = %+v, want it on EXNODE02", g)
	}
	if cms := c.CMSs(); len(cms) != 1 || cms[0].Name != "EXCMS01" || cms[0].Owner != "EXNODE01" {
		t.Errorf("CMSs = %+v", cms)
	}
	for _, n := range c.Nodes {
		if n.Build != runbook.BuildRTM {
			t.Errorf("%s on %s, want RTM", n.Name, n.Build)
		}
	}
	if m := c.Management; m == nil || m.OS.Family != runbook.Windows2003 || m.Tools != runbook.ToolsRTM {
		t.Errorf("Management = %+v", m)
	}
	if s.Options.Media != `D:\Exchange2007SP2` {
		t.Errorf("Media = %q", s.Options.Media)
	}
}

// TestEmbeddedOutputs checks the scenarios that replay transcripts really
// carry them.
func TestEmbeddedOutputs(t *testing.T) {
	for name, want := range map[string]string{
		"fault-setup-fails":       "Error code is 1603",
		"replay-captured-success": "setup operation completed successfully",
	} {
		s, err := config.ResolveScenario(assets.Scenarios, name)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Outputs) != 1 || !strings.Contains(strings.ReplaceAll(s.Outputs[0].Text, "\n", ""), want) {
			t.Errorf("%s: outputs %+v, want a text containing %q", name, s.Outputs, want)
			continue
		}
		for _, line := range strings.Split(s.Outputs[0].Text, "\n") {
			if len(line) > 80 {
				t.Errorf("%s: line longer than the console's 80 columns: %q", name, line)
			}
		}
	}
}

func TestListScenarios(t *testing.T) {
	list, err := config.ListScenarios(assets.Scenarios)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 || list[0].Name != config.DefaultScenario {
		t.Fatalf("first scenario = %+v, want %s", list[0], config.DefaultScenario)
	}
	for i, s := range list {
		if s.File != "scenarios/"+s.Name+".yaml" || s.Title == "" || s.Description == "" {
			t.Errorf("entry %+v", s)
		}
		if i > 1 && list[i-1].Name >= s.Name {
			t.Errorf("%s listed before %s", list[i-1].Name, s.Name)
		}
	}

	// A broken scenario is reported, not listed.
	bad := fstest.MapFS{"scenarios/x.yaml": {Data: []byte("name: x\n")}}
	if _, err := config.ListScenarios(bad); err == nil {
		t.Error("a broken scenario was listed")
	}
}

func TestResolveScenario(t *testing.T) {
	s, err := config.ResolveScenario(assets.Scenarios, "scc-3node-sp2")
	if err != nil || s.Path != "scenarios/scc-3node-sp2.yaml" {
		t.Fatalf("by name: %v %+v", err, s)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(file, []byte(goodScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = config.ResolveScenario(assets.Scenarios, file)
	if err != nil || s.Name != "test-scn" || s.Path != file {
		t.Fatalf("by file: %v %+v", err, s)
	}

	_, err = config.ResolveScenario(assets.Scenarios, "ccr-2003-sp9")
	checkBad(t, "ccr-2003-sp9", err, badCase{line: 0, msg: "the embedded scenarios are ccr-2003-sp2"})
	if !strings.Contains(err.Error(), "fault-setup-fails") {
		t.Errorf("%v does not list the embedded names", err)
	}
	_, err = config.ResolveScenario(assets.Scenarios, "")
	checkBad(t, "--scenario", err, badCase{line: 0, msg: "no scenario given"})

	// A file that exists but is broken reports its own error.
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("name: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = config.ResolveScenario(assets.Scenarios, broken)
	checkBad(t, broken, err, badCase{line: 1, msg: "not valid YAML"})
}
