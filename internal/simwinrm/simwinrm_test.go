package simwinrm_test

import (
	"context"
	"strings"
	"testing"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/remote"
	"cmsrunbook/internal/sim"
	"cmsrunbook/internal/simwinrm"
	"cmsrunbook/runbook"
)

// exec runs one of the project's scripts on a node of the backend, as the
// WinRM executor sends it, and returns its stdout records.
func exec(t *testing.T, b *simwinrm.Backend, node, script string, params []remote.Param) [][]string {
	t.Helper()
	s, err := remote.BuildScript(script, params, "")
	if err != nil {
		t.Fatal(err)
	}
	line, err := remote.EncodeCommand(s)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	code, err := b.Exec(context.Background(), node, line, nil, nil, func(stream string, p []byte) {
		if stream == "stdout" {
			out.Write(p)
		}
	})
	if err != nil || code != 0 {
		t.Fatalf("%s on %s: exit %d, %v", script, node, code, err)
	}
	var recs [][]string
	for _, l := range strings.Split(strings.TrimRight(out.String(), "\r\n"), "\r\n") {
		recs = append(recs, strings.Split(l, "\t"))
	}
	return recs
}

// TestEmulatorPrintsWhatTheScriptsPrint: behind WinRM the simulator
// answers each discovery script with exactly the fields the real script
// prints and the parser reads (remote.RecordFields), for every record it
// prints; a record the parser reads that the emulator never prints is
// reported too.
func TestEmulatorPrintsWhatTheScriptsPrint(t *testing.T) {
	sc, err := config.ResolveScenario(assets.Scenarios, "setup-incomplete-node")
	if err != nil {
		t.Fatal(err)
	}
	sc.Cluster.Quorum = runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessOnline}
	b := simwinrm.New(sim.New(sc, sim.Options{Seed: 1}))
	scripts := []struct {
		name   string
		params []remote.Param
	}{
		{remote.ScriptDiscoverNode, nil},
		{remote.ScriptDiscoverCluster, nil},
		{remote.ScriptDiscoverExchange, []remote.Param{{Name: "Cms", Value: "EXCMS01"}}},
	}
	for _, s := range scripts {
		seen := map[string]bool{}
		for _, node := range []string{"EXNODE01", "EXNODE02"} {
			for _, r := range exec(t, b, node, s.name, s.params) {
				want, ok := remote.RecordFields[s.name][r[0]]
				if !ok || len(r) != want {
					t.Errorf("%s on %s: %q has %d fields, the parser reads %d", s.name, node, r, len(r), want)
				}
				seen[r[0]] = true
			}
		}
		for rec := range remote.RecordFields[s.name] {
			if !seen[rec] {
				t.Errorf("%s: the emulator never prints %q records", s.name, rec)
			}
		}
	}
	// The half-done node reads as it would on Windows: the new file
	// version, the old configured version, Setup's watermark.
	for _, r := range exec(t, b, "EXNODE02", remote.ScriptDiscoverNode, nil) {
		switch {
		case r[0] == "exchange" && r[1] != runbook.BuildSP2.String():
			t.Errorf("file version %q, want SP2's", r)
		case r[0] == "role" && r[1] == "MailboxRole" && (r[2] != runbook.BuildRTM.String() || r[3] == "" || r[4] == ""):
			t.Errorf("Mailbox role %q, want RTM configured with a Watermark and an Action", r)
		}
	}
}
