package sim

import (
	"strings"
	"testing"
)

// TestMediaNeverCopiedToANode: a node whose scenario says its media was
// never copied has no Setup.com there, as a twin of a real node without
// it has not, while the other node has it.
func TestMediaNeverCopiedToANode(t *testing.T) {
	sc := load(t, "ccr-2008-sp1-to-sp2")
	for i := range sc.Cluster.Nodes {
		if sc.Cluster.Nodes[i].Name == "EXNODE02" {
			sc.Cluster.Nodes[i].MissingFiles = []string{sc.Options.Media + `\Setup.com`}
		}
	}
	s := New(sc, Options{Seed: 1})
	line := `"` + sc.Options.Media + `\Setup.com" /mode:upgrade`
	if r := cmdLine(t, s, "EXNODE02", line); r.err != nil || r.exit != 9009 || !strings.Contains(r.out, "is not recognized") {
		t.Errorf("Setup.com on the node without the media: %v", r)
	}
	if r := cmdLine(t, s, "EXNODE01", line); r.exit == 9009 {
		t.Errorf("Setup.com missing on the node that has the media: %v", r)
	}
	snap := s.Snapshot()
	if n := snap.Cluster.Node("EXNODE02"); n == nil || len(n.MissingFiles) != 1 {
		t.Errorf("the observed node does not say its media is missing: %+v", n)
	}
}
