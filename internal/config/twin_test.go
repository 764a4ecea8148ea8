package config_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

var discovered = time.Date(2026, 11, 28, 21, 5, 0, 0, time.UTC)

// TestTwinRoundTripsEveryScenario writes every embedded scenario's
// cluster as a twin and loads it back: the same cluster, the same
// options, the same plan, and the twin says what it is a twin of.
func TestTwinRoundTripsEveryScenario(t *testing.T) {
	list, err := config.ListScenarios(assets.Scenarios)
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range list {
		t.Run(info.Name, func(t *testing.T) {
			sc, err := config.LoadScenarioFS(assets.Scenarios, info.File)
			if err != nil {
				t.Fatal(err)
			}
			data, err := config.MarshalTwin(config.Twin{Cluster: sc.Cluster, Options: sc.Options, Discovered: discovered})
			if err != nil {
				t.Fatal(err)
			}
			twin, err := config.ParseScenario("twin.yaml", data, nil)
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if !reflect.DeepEqual(twin.Cluster, sc.Cluster) {
				t.Errorf("cluster differs:\nscenario %+v\ntwin     %+v\n%s", sc.Cluster, twin.Cluster, data)
			}
			if !reflect.DeepEqual(twin.Options, sc.Options) {
				t.Errorf("options differ: %+v vs %+v", twin.Options, sc.Options)
			}
			if twin.Twin == nil || twin.Twin.Cluster != sc.Cluster.Name || !twin.Twin.Discovered.Equal(discovered) {
				t.Errorf("twin info %+v", twin.Twin)
			}
			if len(twin.Faults) != 0 {
				t.Errorf("a twin starts without faults, has %v", twin.Faults)
			}
			p1, err1 := runbook.MakePlan(sc.Cluster, sc.Options)
			p2, err2 := runbook.MakePlan(twin.Cluster, twin.Options)
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("plan errors differ: %v vs %v", err1, err2)
			}
			if err1 == nil {
				a, _ := json.Marshal(p1)
				b, _ := json.Marshal(p2)
				if string(a) != string(b) {
					t.Errorf("plans differ")
				}
			}
			if !strings.Contains(twin.Title, sc.Cluster.Name) || !strings.Contains(twin.Description, "2026-11-28 21:05 UTC") {
				t.Errorf("title/description do not say where and when: %q / %q", twin.Title, twin.Description)
			}
		})
	}
}

// TestTwinQuotesHostileGroupNames: a group name YAML would misread
// (a colon, a hash, a quote, a leading dash) survives the round trip.
func TestTwinQuotesHostileGroupNames(t *testing.T) {
	sc, err := config.ResolveScenario(assets.Scenarios, "ccr-2003-sp2")
	if err != nil {
		t.Fatal(err)
	}
	c := sc.Cluster.Clone()
	for _, name := range []string{"Backup: agent #1", "@home & more", "[x] {y}", "a,b: c"} {
		c.Groups = append(c.Groups, runbook.Group{Name: name, Owner: "EXNODE02", State: runbook.GroupOnline})
	}
	data, err := config.MarshalTwin(config.Twin{Cluster: c, Options: sc.Options, Discovered: discovered})
	if err != nil {
		t.Fatal(err)
	}
	twin, err := config.ParseScenario("twin.yaml", data, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if !reflect.DeepEqual(twin.Cluster.Groups, c.Groups) {
		t.Errorf("groups differ: %+v", twin.Cluster.Groups)
	}
}

// TestTwinRefusesAnIncoherentCluster: a discovery that does not fit the
// model is an error, never a twin that fails at the rehearsal.
func TestTwinRefusesAnIncoherentCluster(t *testing.T) {
	sc, _ := config.ResolveScenario(assets.Scenarios, "ccr-2003-sp2")
	c := sc.Cluster.Clone()
	c.Groups = c.Groups[:1] // no CMS
	if _, err := config.MarshalTwin(config.Twin{Cluster: c, Options: sc.Options, Discovered: discovered}); err == nil || !strings.Contains(err.Error(), "clustered mailbox server") {
		t.Fatalf("err = %v", err)
	}
}

func TestFindSecret(t *testing.T) {
	doc := "name: twin-exclus01\nmedia: 'D:\\Pa55-word!\\SP2'\ngroups:\n  - {name: 'Backup exadmin'}\n  - {name: 'exnode01.example.local'}\n"
	cases := []struct {
		s        config.TwinSecrets
		line     int
		what     string
		describe string
	}{
		{config.TwinSecrets{Password: "Pa55-word!"}, 2, "the WinRM password", "password inside a path"},
		{config.TwinSecrets{Password: "nothere"}, 0, "", "absent password"},
		{config.TwinSecrets{User: `EXAMPLE\exadmin`}, 4, "the WinRM user name", "account part of DOMAIN\\user"},
		{config.TwinSecrets{User: "exadmin@example.local"}, 4, "the WinRM user name", "account part of a UPN"},
		{config.TwinSecrets{User: "admin"}, 0, "", "a short account inside a longer word is not the account"},
		{config.TwinSecrets{Addresses: []string{"EXNODE01.example.local"}}, 5, "a node's address", "an address in any case"},
		{config.TwinSecrets{Addresses: []string{"10.0.0.1"}}, 0, "", "absent address"},
	}
	for _, c := range cases {
		line, what := config.FindSecret([]byte(doc), c.s)
		if line != c.line || what != c.what {
			t.Errorf("%s: got line %d %q, want %d %q", c.describe, line, what, c.line, c.what)
		}
	}
}

func TestParseFaultSpec(t *testing.T) {
	sc, err := config.ResolveScenario(assets.Scenarios, "ccr-2003-sp2")
	if err != nil {
		t.Fatal(err)
	}
	good := []struct {
		spec string
		want config.Fault
	}{
		{"move-refused@move-cms", config.Fault{Kind: config.FaultMoveRefused, Step: runbook.KindMoveCMS, Times: 1}},
		{"reboot-timeout@reboot-node:EXNODE02", config.Fault{Kind: config.FaultRebootTimeout, Step: runbook.KindRebootNode, Node: "EXNODE02", Times: 1}},
		{"reboot-timeout@reboot-node:exnode02x3", config.Fault{Kind: config.FaultRebootTimeout, Step: runbook.KindRebootNode, Node: "EXNODE02", Times: 3}},
		{"setup-fails@upgrade-cmsx2", config.Fault{Kind: config.FaultSetupFails, Step: runbook.KindUpgradeCMS, Times: 2}},
		{"setup-fails", config.Fault{Kind: config.FaultSetupFails, Step: runbook.KindSetupUpgrade, Times: 1}},
		{"Move-Refused@Move-CMS", config.Fault{Kind: config.FaultMoveRefused, Step: runbook.KindMoveCMS, Times: 1}},
	}
	for _, g := range good {
		f, err := config.ParseFaultSpec(g.spec, &sc.Cluster, sc.Goal)
		if err != nil || !reflect.DeepEqual(f, g.want) {
			t.Errorf("%s: got %+v, %v; want %+v", g.spec, f, err, g.want)
		}
		// What the journal records parses back to the same fault.
		if back, err := config.ParseFaultSpec(config.FormatFaultSpec(f), &sc.Cluster, sc.Goal); err != nil || back != f {
			t.Errorf("%s formats as %s, which reads back as %+v, %v", g.spec, config.FormatFaultSpec(f), back, err)
		}
	}
	bad := []struct{ spec, msg string }{
		{"bogus@move-cms", `fault kind "bogus" is not one of move-refused`},
		{"move-refused@pause-node", "a move-refused fault happens in a move-cms step, not pause-node"},
		{"move-refused@nowhere", `step "nowhere" is not a step kind`},
		{"reboot-timeout@reboot-node:EXNODE09", `"EXNODE09" is not a node of cluster EXCLUS01 (nodes: EXNODE01, EXNODE02)`},
		{"move-refused@move-cmsx0", "TIMES \"0\" is not a number from 1 to 100"},
		{"move-refused@move-cmsx101", "from 1 to 100"},
		{"@@", "is not written KIND@STEP[:NODE][xTIMES]"},
		{"", "is not written"},
	}
	for _, b := range bad {
		_, err := config.ParseFaultSpec(b.spec, &sc.Cluster, sc.Goal)
		if err == nil || !strings.Contains(err.Error(), b.msg) {
			t.Errorf("%q: err = %v; want %q", b.spec, err, b.msg)
			continue
		}
		// Every refusal teaches the syntax, the kinds with their steps
		// and the nodes.
		for _, want := range []string{"KIND@STEP[:NODE][xTIMES]", "move-refused", "reboot-timeout", "reboot-node", "auth-failure", "any step", "nodes: EXNODE01, EXNODE02"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%q: the message lacks %q:\n%v", b.spec, want, err)
			}
		}
	}
}

// TestAddFaultsRefusesADuplicate: a --fault the scenario already has is
// refused, pointing at the file's line.
func TestAddFaultsRefusesADuplicate(t *testing.T) {
	sc, err := config.ResolveScenario(assets.Scenarios, "fault-move-refused")
	if err != nil {
		t.Fatal(err)
	}
	before := len(sc.Faults)
	_, err = config.AddFaults(sc, []string{"reboot-timeout@reboot-node", "move-refused@move-cms"})
	if err == nil || !strings.Contains(err.Error(), "already has this fault (scenarios/fault-move-refused.yaml line") {
		t.Fatalf("err = %v", err)
	}
	sc, _ = config.ResolveScenario(assets.Scenarios, "ccr-2003-sp2")
	added, err := config.AddFaults(sc, []string{"move-refused@move-cms", "reboot-timeout@reboot-node:EXNODE02x2"})
	if err != nil || len(added) != 2 || len(sc.Faults) != 2 {
		t.Fatalf("added %v, faults %v, err %v (before %d)", added, sc.Faults, err, before)
	}
}

// TestListLocalScenarios: scenario files on disk are listed, marked
// local, with their path; an inventory or other YAML is left out
// quietly; a broken scenario is left out and reported with file:line:col.
func TestListLocalScenarios(t *testing.T) {
	dir, err := os.MkdirTemp("", "h5-twin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	good, _ := assets.Scenarios.ReadFile("scenarios/ccr-2003-sp2.yaml")
	twin := strings.Replace(string(good), "name: ccr-2003-sp2", "name: twin-exclus01", 1)
	broken := strings.Replace(twin, "state: up", "state: upp", 1)
	files := map[string]string{
		"twin.yaml":      twin,
		"broken.yml":     broken,
		"inventory.yaml": "cluster: EXCLUS01\nnodes:\n  - {name: EXNODE01, address: exnode01.example.local}\nwinrm: {user: 'EXAMPLE\\exadmin'}\n",
		"notes.txt":      twin,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	list, problems := config.ListLocalScenarios(dir, dir, filepath.Join(dir, "missing"))
	if len(list) != 1 || list[0].Name != "twin-exclus01" || !list[0].Local || list[0].File != filepath.Join(dir, "twin.yaml") || list[0].Arg() != list[0].File {
		t.Fatalf("list = %+v", list)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), "broken.yml:") || !strings.Contains(problems[0].Error(), "nodes[0].state") {
		t.Fatalf("problems = %v", problems)
	}
}
