package runbook

import "testing"

// TestStateCodesRoundTrip: what the simulator writes, the WinRM executor
// reads back as the same state; unknown codes read as the blocking state.
func TestStateCodesRoundTrip(t *testing.T) {
	for _, s := range []NodeState{NodeUp, NodeDown, NodePaused, NodeJoining} {
		if got := NodeStateFromWMI(s.WMI()); got != s {
			t.Errorf("node %s -> %s -> %s", s, s.WMI(), got)
		}
	}
	for _, s := range []GroupState{GroupOnline, GroupOffline, GroupFailed, GroupPartiallyOnline, GroupOnlinePending} {
		if got := GroupStateFromWMI(s.WMI()); got != s {
			t.Errorf("group %s -> %s -> %s", s, s.WMI(), got)
		}
	}
	for s := range cmsEnum {
		if got, ok := CMSStateFromEnum(s.CMSEnum()); !ok || got != s {
			t.Errorf("cms %s -> %s -> %s", s, s.CMSEnum(), got)
		}
	}
	if NodeStateFromWMI("-1") != NodeDown || NodeStateFromWMI("x") != NodeDown || NodeStateFromWMI("9") != NodeDown {
		t.Error("an unknown node state does not read as Down")
	}
	if _, ok := CMSStateFromEnum("Bereit"); ok {
		t.Error("a localised word read as a CMS state")
	}
	if s, _ := CMSStateFromEnum(" partiallyonline "); s != GroupPartiallyOnline {
		t.Error("enum names are read case-insensitively")
	}
}
