package runbook

import "testing"

// TestBootChanged: boots are compared as instants: the same boot read in
// another offset (a daylight-saving change) or a second apart is the same
// boot; a restart is a change; unreadable readings compare as text.
func TestBootChanged(t *testing.T) {
	cases := []struct {
		before, now string
		changed     bool
	}{
		{"20091107220000.500000+060", "20091107220000.500000+060", false},
		{"20091107220000.500000+060", "20091107230000.500000+120", false}, // DST: same instant
		{"20091107220000.500000+060", "20091107220001.000000+060", false}, // WMI jitter
		{"20091107220000.500000+060", "20091107223500.000000+060", true},
		{"20091107220000.500000+060", "2009-11-07T21:00:00Z", false}, // the same instant in RFC 3339
		{"2009-11-07T21:00:00Z", "2009-11-07T22:00:00+01:00", false},
		{"2009-11-07T21:00:00Z", "2009-11-07T21:04:00Z", true},
		{"boot-a", "boot-a", false},
		{"boot-a", "boot-b", true},
		{"", "20091107220000.500000+060", true},
	}
	for _, c := range cases {
		if got := BootChanged(c.before, c.now); got != c.changed {
			t.Errorf("BootChanged(%q, %q) = %v, want %v", c.before, c.now, got, c.changed)
		}
	}
	if s, ok := bootSeconds("2009-11-07T21:00:00Z"); !ok || s != 1257627600 {
		t.Errorf("civil time: %d %v", s, ok)
	}
}
