package tui

import (
	"strings"
	"testing"

	"cmsrunbook/runbook"
)

// A line longer than the pane is cut with an ellipsis; → shows the rest
// of it (never wrapped, so a copied command or path stays whole), the
// title says from which column, and ← goes back.
func TestOutputScrollsSideways(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, true, false)
	s := h.step(0)
	long := "Setup log: C:\\ExchangeSetupLogs\\ExchangeSetup.log " + strings.Repeat("x", 60) + " END-OF-LINE-42"
	h.event(runbook.Event{Event: runbook.EvStepStarted, Step: s.ID, Node: s.Node, Attempt: 1})
	h.event(runbook.Event{Event: runbook.EvOutput, Step: s.ID, Node: s.Node, Stream: runbook.Stdout, Text: long})
	h.frame()
	if scr := h.m.Render(); strings.Contains(scr, "END-OF-LINE-42") {
		t.Fatalf("the long line's end shows before scrolling:\n%s", scr)
	}
	h.press("right", "right", "right")
	h.frame()
	scr := h.m.Render()
	if !strings.Contains(scr, "END-OF-LINE-42") {
		t.Fatalf("→ does not show the end of the long line:\n%s", scr)
	}
	if !strings.Contains(scr, "from column 61") {
		t.Errorf("the title does not say the output is scrolled sideways:\n%s", scr)
	}
	h.press("left", "left", "left", "left")
	h.frame()
	if scr := h.m.Render(); !strings.Contains(scr, "Setup log: C:") || strings.Contains(scr, "from column") {
		t.Errorf("← does not go back to the start of the lines:\n%s", scr)
	}
}
