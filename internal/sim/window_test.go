package sim

import (
	"testing"

	"cmsrunbook/runbook"
)

// TestWholeCCRWindow drives the default scenario's plan (RTM -> SP2 on a
// two-node CCR) through Run, StartJob, TailJob and Observe and checks the
// end state of DESIGN section 5.
func TestWholeCCRWindow(t *testing.T) {
	sc := load(t, "ccr-2003-sp2")
	s := New(sc, Options{Seed: 7})
	p := plan(t, sc)
	tr := driveWindow(t, s, p)
	o := s.Snapshot()
	for _, n := range o.Cluster.Nodes {
		if n.State != runbook.NodeUp || n.Build != runbook.BuildSP2 {
			t.Errorf("node %s ends %s at %s, want Up at SP2", n.Name, n.State, n.Build)
		}
	}
	g := o.Cluster.Group("EXCMS01")
	if g.State != runbook.GroupOnline || g.Build != runbook.BuildSP2 {
		t.Errorf("EXCMS01 ends %s at %s, want Online at SP2", g.State, g.Build)
	}
	// /mode:upgrade on each node, and /upgradecms on EXNODE02: never twice.
	for n, want := range map[string]int{"EXNODE01": 1, "EXNODE02": 2} {
		if got := s.SetupStarts(n); got != want {
			t.Errorf("Setup started %d times on %s, want %d", got, n, want)
		}
	}
	if testing.Verbose() {
		t.Log(tr)
	}
}

// TestEmbeddedWindows drives every embedded scenario whose plan should
// simply work (no blocking finding, no fault) to its verified end state.
func TestEmbeddedWindows(t *testing.T) {
	for _, name := range []string{
		"ccr-2003-sp2", "ccr-2008-sp1-to-sp2", "ccr-passive-already-sp2", "scc-3node-sp2",
		"scc-8node-2cms-sp3", "ccr-2008-rollup", "ccr-2003-os-patch", "replay-captured-success",
		"mgmt-2003-box-2008-cluster", "mgmt-vista-2008-cluster",
	} {
		t.Run(name, func(t *testing.T) {
			sc := load(t, name)
			driveWindow(t, New(sc, Options{Seed: 5}), plan(t, sc))
		})
	}
}
