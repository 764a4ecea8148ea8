package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// TestStatusLineWindowAndTransport: the approved window's time left (and
// when it is over), an unprotected WinRM transport, and a resumed window's
// clock counted from when the window began.
func TestStatusLineWindowAndTransport(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 200, 30, true, false)
	o := h.m.opts
	o.WindowEnd = epoch.Add(90 * time.Minute)
	o.Insecure = true
	o.Began = epoch.Add(-2 * time.Hour)
	h.m = New(o)
	h.m.Update(tea.WindowSizeMsg{Width: 200, Height: 30})
	line := h.m.statusLine()
	for _, want := range []string{"window ends " + o.WindowEnd.Format("15:04") + " (1:30:00 left)", "WinRM NOT PROTECTED", "+2:00:00"} {
		if !strings.Contains(line, want) {
			t.Errorf("status line lacks %q:\n%s", want, line)
		}
	}
	h.window.t = epoch.Add(2 * time.Hour)
	if line := h.m.statusLine(); !strings.Contains(line, "WINDOW OVER by 0:30:00") {
		t.Errorf("a window past its end is not flagged:\n%s", line)
	}
}
