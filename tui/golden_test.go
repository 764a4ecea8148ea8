package tui

import (
	"fmt"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// The golden files pin the screens as a person sees them, at the design
// size (80x24), 120x40 and a large terminal (140x45), with colour and with
// NO_COLOR. Regenerate after an intended change with
// go test ./tui -run Golden -update, and review the diff.

var goldenSizes = [][2]int{{80, 24}, {120, 40}, {140, 45}}

func forEachLook(t *testing.T, fn func(t *testing.T, w, h int, noColor bool)) {
	for _, sz := range goldenSizes {
		for _, nc := range []bool{false, true} {
			name := fmt.Sprintf("%dx%d", sz[0], sz[1])
			if nc {
				name += "-nocolor"
			}
			t.Run(name, func(t *testing.T) { fn(t, sz[0], sz[1], nc) })
		}
	}
}

// midWindow is a screen part way through: steps done, a node Paused,
// Setup streaming on the passive node.
func midWindow(t *testing.T, w, h int, noColor bool) *harness {
	hs := newHarness(t, "ccr-2003-sp2", w, h, noColor, false)
	hs.playSteps(3)
	s := hs.step(3)
	hs.event(runbook.Event{Event: runbook.EvStepConfirmed, Step: s.ID, By: "trainee"})
	hs.event(runbook.Event{Event: runbook.EvStepStarted, Step: s.ID, Node: s.Node, Attempt: 1, Commands: s.Commands})
	for i := range 40 {
		hs.event(outputEvent(s.ID, fmt.Sprintf("Mailbox Role ......................................... %d%%", i*100/40)))
	}
	hs.event(runbook.Event{Event: runbook.EvOutput, Step: s.ID, Stream: runbook.Stderr, Text: "Warning: the Exchange Server \x1b[1mpre-req\x1b[0m check took longer than expected\r"})
	c := hs.sc.Cluster.Clone()
	c.Node("EXNODE02").State = runbook.NodePaused
	c.Group("Cluster Group").Owner = "EXNODE01"
	hs.m.Hooks().Observed(runbook.Observation{Cluster: c})
	hs.window.advance(37*60e9 + 12e9)
	hs.frame()
	return hs
}

func TestGoldenRunbook(t *testing.T) {
	forEachLook(t, func(t *testing.T, w, h int, nc bool) {
		golden.RequireEqual(t, []byte(midWindow(t, w, h, nc).m.Render()))
	})
}

func TestGoldenConfirmTyped(t *testing.T) {
	forEachLook(t, func(t *testing.T, w, h int, nc bool) {
		hs := newHarness(t, "ccr-2003-sp2", w, h, nc, false)
		hs.playSteps(6)
		hs.asked(6)
		hs.press("enter")
		hs.afterGrace()
		hs.typeText("EXCMS")
		golden.RequireEqual(t, []byte(hs.m.Render()))
	})
}

func TestGoldenConfirmKey(t *testing.T) {
	forEachLook(t, func(t *testing.T, w, h int, nc bool) {
		hs := newHarness(t, "ccr-2003-sp2", w, h, nc, false)
		hs.playSteps(2)
		hs.asked(2)
		hs.press("enter")
		golden.RequireEqual(t, []byte(hs.m.Render()))
	})
}

func TestGoldenFailure(t *testing.T) {
	forEachLook(t, func(t *testing.T, w, h int, nc bool) {
		hs := newHarness(t, "ccr-2003-sp2", w, h, nc, false)
		hs.playSteps(7)
		s := hs.step(7)
		hs.event(runbook.Event{Event: runbook.EvStepStarted, Step: s.ID, Node: s.Node, Attempt: 1, Commands: s.Commands})
		hs.event(runbook.Event{Event: runbook.EvOutageStarted, Step: s.ID, Time: "2026-11-28T22:40:00.000Z"})
		hs.event(runbook.Event{Event: runbook.EvStepFailed, Step: s.ID, Diagnosis: ptr(failureDiag())})
		hs.window.advance(45 * 60e9)
		hs.decided(7, failureDiag())
		golden.RequireEqual(t, []byte(hs.m.Render()))
	})
}

func TestGoldenFindings(t *testing.T) {
	forEachLook(t, func(t *testing.T, w, h int, nc bool) {
		hs := newHarness(t, "mgmt-2003-box-2008-cluster", w, h, nc, false)
		hs.press("f")
		golden.RequireEqual(t, []byte(hs.m.Render()))
	})
}

func TestGoldenPalette(t *testing.T) {
	forEachLook(t, func(t *testing.T, w, h int, nc bool) {
		hs := newHarness(t, "ccr-2003-sp2", w, h, nc, false)
		hs.press("ctrl+p")
		hs.typeText("rbt")
		golden.RequireEqual(t, []byte(hs.m.Render()))
	})
}

func TestGoldenHelp(t *testing.T) {
	forEachLook(t, func(t *testing.T, w, h int, nc bool) {
		hs := newHarness(t, "ccr-2003-sp2", w, h, nc, false)
		hs.press("?")
		golden.RequireEqual(t, []byte(hs.m.Render()))
	})
}

func TestGoldenASCII(t *testing.T) {
	hs := newHarness(t, "ccr-2003-sp2", 80, 24, true, true)
	hs.playSteps(4)
	hs.asked(4)
	golden.RequireEqual(t, []byte(hs.m.Render()))
}

func TestGoldenChooser(t *testing.T) {
	list, err := config.ListScenarios(assets.Scenarios)
	if err != nil {
		t.Fatal(err)
	}
	forEachLook(t, func(t *testing.T, w, h int, nc bool) {
		c := NewChooser(list, config.DefaultScenario, false, nc)
		c.width, c.height = w, h
		golden.RequireEqual(t, []byte(c.Render()))
	})
	t.Run("filtered", func(t *testing.T) {
		c := NewChooser(list, config.DefaultScenario, false, true)
		for _, r := range "fault" {
			c.Update(keyMsg(string(r)))
		}
		golden.RequireEqual(t, []byte(c.Render()))
		c.Update(keyMsg("enter"))
		if c.Chosen == "" || c.Chosen[:5] != "fault" {
			t.Fatalf("chose %q", c.Chosen)
		}
	})
}
