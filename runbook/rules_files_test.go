package runbook

import (
	"strings"
	"testing"
)

// A media folder that is not on one node blocks the plan and names the
// node and the path; with it on every node, nothing is said.
func TestMissingFilesOnANodeBlock(t *testing.T) {
	c := ccr()
	if fs := Check(&c, sp2()); codes(fs)[FindMissingMedia].Code != "" {
		t.Fatalf("media-missing with the media on every node: %+v", fs)
	}
	c.Nodes[1].MissingFiles = []string{`D:\Exchange2007SP2\Setup.com`}
	f := codes(Check(&c, sp2()))[FindMissingMedia]
	if f.Severity != Block || f.Node != c.Nodes[1].Name || !strings.Contains(f.Message, `D:\Exchange2007SP2\Setup.com`) {
		t.Fatalf("finding %+v, want a block on %s naming Setup.com's path", f, c.Nodes[1].Name)
	}
	p, err := MakePlan(c, sp2())
	if err != nil || !hasBlock(p.Findings) {
		t.Errorf("MakePlan = %v, %v: want the plan's findings to block (the engine stops at preflight)", err, p)
	}
}
