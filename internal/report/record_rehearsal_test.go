package report

import (
	"bytes"
	"strings"
	"testing"
)

// TestRehearsalBanner: a rehearsal's record says what it rehearsed: a
// twin of which cluster, discovered when, with which faults added; plain
// training keeps the plain banner; a live run never reads as a rehearsal.
func TestRehearsalBanner(t *testing.T) {
	cases := []struct {
		opts map[string]string
		want string
	}{
		{map[string]string{"mode": "sim"}, "> **SIMULATION: a rehearsal against a simulated cluster; nothing was sent to a real cluster.**"},
		{map[string]string{"mode": "sim", "faults": "move-refused@move-cms,reboot-timeout@reboot-node:EXNODE02x2"},
			"> **SIMULATION: a rehearsal against a simulated cluster, with faults added (move-refused@move-cms, reboot-timeout@reboot-node:EXNODE02x2); nothing was sent to a real cluster.**"},
		{map[string]string{"mode": "sim", "twin-of": "EXCLUS01", "twin-discovered": "2026-11-28T20:05:00Z"},
			"> **SIMULATION: a dress rehearsal on a simulated twin of cluster EXCLUS01, discovered 2026-11-28 20:05 UTC; nothing was sent to a real cluster.**"},
		{map[string]string{"mode": "sim", "twin-of": "EXCLUS01", "twin-discovered": "garbage", "faults": "pause-fails@pause-node"},
			"> **SIMULATION: a dress rehearsal on a simulated twin of cluster EXCLUS01, with faults added (pause-fails@pause-node); nothing was sent to a real cluster.**"},
		{map[string]string{"mode": "real", "twin-of": "EXCLUS01"}, "> **LIVE CLUSTER: every step below was sent to the real cluster.**"},
	}
	for _, c := range cases {
		evs := successfulRun()
		evs[0].Options = c.opts
		doc := markdown(t, evs)
		if !strings.Contains(doc, c.want) {
			t.Errorf("options %v: banner not found:\n%s", c.opts, head(doc))
		}
		var h bytes.Buffer
		if err := RunHTML(&h, evs); err != nil {
			t.Fatal(err)
		}
		plain := strings.TrimSuffix(strings.TrimPrefix(c.want, "> **"), "**")
		if !strings.Contains(h.String(), plain) {
			t.Errorf("options %v: the HTML record lacks %q", c.opts, plain)
		}
	}
}

func head(s string) string {
	if i := strings.Index(s, "| |"); i > 0 {
		return s[:i]
	}
	return s
}
