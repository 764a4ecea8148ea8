package remote_test

import (
	"context"
	"testing"

	"cmsrunbook/runbook"
)

// TestObserveHalfDoneNodeAndWitness discovers, over WinRM, a node whose
// Setup left its watermark and a cluster whose file share witness is down:
// the watermark from the registry, the build from the configured version,
// the quorum model from WMI and (Windows Server 2003: WMI cannot tell) the
// witness's state from the inventory serve-sim wrote.
func TestObserveHalfDoneNodeAndWitness(t *testing.T) {
	w := serve(t, "setup-incomplete-node", worldOpts{})
	obs, err := w.exec.Observe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := obs.Cluster.Node("EXNODE02")
	if !n.SetupIncomplete || n.Build != runbook.BuildRTM {
		t.Errorf("EXNODE02 %+v: want RTM configured, Setup's watermark", n)
	}
	if obs.Cluster.Node("EXNODE01").SetupIncomplete {
		t.Error("EXNODE01 has no watermark")
	}

	w = serve(t, "block-witness-failed", worldOpts{})
	if w.inv.Quorum != (runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessFailed}) {
		t.Fatalf("serve-sim's inventory quorum %+v", w.inv.Quorum)
	}
	obs, err = w.exec.Observe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if q := obs.Cluster.Quorum; q.Model != runbook.QuorumMNSFSW || q.Witness != runbook.WitnessFailed {
		t.Errorf("quorum %+v", q)
	}
	var blocked bool
	for _, f := range runbook.Check(&obs.Cluster, w.inv.Options) {
		blocked = blocked || f.Code == runbook.FindQuorumAtRisk && f.Severity == runbook.Block
	}
	if !blocked {
		t.Error("the discovered cluster does not block on its quorum")
	}
	if g := obs.Cluster.Group("EXCMS01"); g.State != runbook.GroupOnline || g.Build != runbook.BuildRTM {
		t.Errorf("CMS %+v", g)
	}
}
