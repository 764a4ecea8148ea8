package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"cmsrunbook/runbook"
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
	for _, want := range []string{"window ends " + o.WindowEnd.Format("15:04") + " (1:30:00 left", "WinRM NOT PROTECTED", "+2:00:00"} {
		if !strings.Contains(line, want) {
			t.Errorf("status line lacks %q:\n%s", want, line)
		}
	}
	h.window.t = epoch.Add(2 * time.Hour)
	if line := h.m.statusLine(); !strings.Contains(line, "WINDOW OVER by 0:30:00") {
		t.Errorf("a window past its end is not flagged:\n%s", line)
	}
}

// TestStatusLineShowsHowLongAStepMayRun: a running reboot shows its
// elapsed time and the limit after which the engine gives up on it.
func TestStatusLineShowsHowLongAStepMayRun(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 160, 30, true, false)
	var reboot runbook.Step
	for _, s := range h.m.plan.Steps {
		if s.Exec == runbook.ExecReboot {
			reboot = s
			break
		}
	}
	o := h.m.opts
	o.WaitLimit = func(s runbook.Step) time.Duration {
		return runbook.WaitLimit(s, runbook.Options{}, 20*time.Minute, 5*time.Minute)
	}
	h.m = New(o)
	h.m.Update(tea.WindowSizeMsg{Width: 160, Height: 30})
	h.event(runbook.Event{Event: runbook.EvStepStarted, Step: reboot.ID, Node: reboot.Node, Time: epoch.Format(time.RFC3339), Attempt: 1})
	h.window.t = epoch.Add(3*time.Minute + 10*time.Second)
	h.frame()
	if line := h.m.statusLine(); !strings.Contains(line, "for 0:03:10 of at most 0:20:00") {
		t.Errorf("the running reboot's elapsed time and limit are not shown:\n%s", line)
	}
}

// TestStatusLineWarnsWhenThePlanDoesNotFit: with the whole SP2 window
// still to run (two Setup.com runs alone take 1:30:00 typically) and 1:30
// left, the status line says the plan needs more than the window has.
func TestStatusLineWarnsWhenThePlanDoesNotFit(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 200, 30, true, false)
	o := h.m.opts
	o.WindowEnd = epoch.Add(90 * time.Minute)
	h.m = New(o)
	h.m.Update(tea.WindowSizeMsg{Width: 200, Height: 30})
	line := h.m.statusLine()
	if !strings.Contains(line, "plan needs ~") {
		t.Errorf("a plan longer than the window left is not flagged:\n%s", line)
	}
	o.WindowEnd = epoch.Add(8 * time.Hour)
	h.m = New(o)
	h.m.Update(tea.WindowSizeMsg{Width: 200, Height: 30})
	if line := h.m.statusLine(); strings.Contains(line, "plan needs") || !strings.Contains(line, "window ends") {
		t.Errorf("a plan that fits is flagged, or the window is not shown:\n%s", line)
	}
}

// TestStatusLineSaysHowLongSetupUsuallyTakes: a Setup job has no limit
// (it runs until it ends), so the status line gives its typical length.
func TestStatusLineSaysHowLongSetupUsuallyTakes(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 160, 30, true, false)
	var setup runbook.Step
	for _, s := range h.m.plan.Steps {
		if s.Kind == runbook.KindSetupUpgrade {
			setup = s
			break
		}
	}
	h.event(runbook.Event{Event: runbook.EvStepStarted, Step: setup.ID, Node: setup.Node, Time: epoch.Format(time.RFC3339), Attempt: 1, Job: "j1"})
	h.window.t = epoch.Add(12 * time.Minute)
	h.frame()
	if line := h.m.statusLine(); !strings.Contains(line, "for 0:12:00 (typically ~0:45:00)") {
		t.Errorf("the running Setup's usual length is not shown:\n%s", line)
	}
}
