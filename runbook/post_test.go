package runbook

import (
	"strings"
	"testing"
)

// setupStep is the plan's Setup step for EXNODE02 towards SP2.
func setupStep(t *testing.T) Step {
	t.Helper()
	p, err := MakePlan(ccr(), sp2())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Steps {
		if s.Kind == KindSetupUpgrade && s.Node == "EXNODE02" {
			return s
		}
	}
	t.Fatal("no setup-upgrade step for EXNODE02")
	return Step{}
}

// TestSetupPostconditionWatermark: a Setup that copied the new binaries
// but left its watermark has not done its job, whatever the build says,
// and a retry or resume never skips it as already done.
func TestSetupPostconditionWatermark(t *testing.T) {
	s := setupStep(t)
	cases := []struct {
		name       string
		build      Build
		incomplete bool
		unmet      []string
	}{
		{"upgraded and configured", BuildSP2, false, nil},
		{"new binaries, watermark left", BuildSP2, true, []string{"Setup left its watermark on EXNODE02: not configured"}},
		{"old build, watermark left", BuildRTM, true, []string{"EXNODE02 runs RTM", "Setup left its watermark on EXNODE02: not configured"}},
		{"not upgraded", BuildRTM, false, []string{"EXNODE02 runs RTM"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ccr()
			c.Nodes[1].Build, c.Nodes[1].SetupIncomplete = tc.build, tc.incomplete
			now := &Observation{Cluster: c}
			got := Unmet(s, now, nil, sp2())
			if len(got) != len(tc.unmet) {
				t.Fatalf("unmet %q, want %d items like %q", got, len(tc.unmet), tc.unmet)
			}
			for i, w := range tc.unmet {
				if !strings.Contains(got[i], w) {
					t.Errorf("unmet[%d] = %q, want it to say %q", i, got[i], w)
				}
			}
			if holds := Holds(s, now, sp2()); holds != (len(tc.unmet) == 0) {
				t.Errorf("Holds = %v with unmet %q", holds, got)
			}
		})
	}
}

// TestInvariantsWatermark: a window never ends "done" with a node whose
// Setup did not finish.
func TestInvariantsWatermark(t *testing.T) {
	c := ccr()
	for i := range c.Nodes {
		c.Nodes[i].Build = BuildSP2
	}
	c.Groups[1].Build = BuildSP2
	if bad := Invariants(&c, sp2()); len(bad) != 0 {
		t.Fatalf("upgraded cluster: %q", bad)
	}
	c.Nodes[0].SetupIncomplete = true
	bad := Invariants(&c, sp2())
	if len(bad) != 1 || bad[0] != "Setup left its watermark on EXNODE01: not configured" {
		t.Errorf("invariants %q", bad)
	}
}
