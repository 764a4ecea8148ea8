package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"cmsrunbook/runbook"
)

// TestWatchScreenIsReadOnly feeds the watch screen a window's events and
// presses every key that acts on a run: none opens a question or changes
// the speed, the header says WATCHING, and run-finished shows as the end.
func TestWatchScreenIsReadOnly(t *testing.T) {
	sc, plan := loadScenario(t, "ccr-2003-sp2")
	window, wall := &fakeClock{epoch}, &fakeClock{epoch}
	var speeds []float64
	wm, m := NewWatch(Options{Title: "watching run.jsonl", Plan: plan, Cluster: sc.Cluster, Speed: 60,
		SetSpeed: func(v float64) { speeds = append(speeds, v) }, Now: window.now, Wall: wall.now})
	wm.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	if len(m.dialogs) != 0 {
		t.Fatalf("the watch screen opened a dialog by itself: %T", m.top())
	}
	h := m.Hooks()
	s0, s1 := plan.Steps[0], plan.Steps[1]
	h.Event(runbook.Event{Event: runbook.EvStepConfirmed, Step: s0.ID, By: "--yes"})
	h.Event(runbook.Event{Event: runbook.EvStepStarted, Step: s0.ID, Node: s0.Node, Commands: s0.Commands})
	h.Event(runbook.Event{Event: runbook.EvStepSucceeded, Step: s0.ID})
	h.Event(runbook.Event{Event: runbook.EvStepStarted, Step: s1.ID, Node: s1.Node, Commands: s1.Commands})
	wm.Update(frameMsg{})
	scr := RenderWatch(wm)
	if !strings.Contains(strings.Split(scr, "\n")[0], "WATCHING (read-only)") {
		t.Fatalf("the header does not say WATCHING:\n%s", scr)
	}
	if !strings.Contains(scr, "step 2/") {
		t.Fatalf("the watch screen does not follow the events:\n%s", scr)
	}
	for _, k := range []string{"enter", "y", "s", "r", "+", "-", "m", "d"} {
		wm.Update(keyMsg(k))
		if m.top() != nil || m.confirm != nil || m.decide != nil || m.quitting {
			t.Fatalf("key %q acted on the watch screen: dialog %T", k, m.top())
		}
	}
	if len(speeds) != 0 {
		t.Fatalf("the speed keys changed the speed: %v", speeds)
	}
	wm.Update(keyMsg("enter"))
	if !strings.Contains(RenderWatch(wm), "WATCHING (read-only)") || !strings.Contains(m.flash, "read-only") {
		t.Fatalf("enter does not say the screen is read-only: %q", m.flash)
	}
	// Looking still works: help opens and closes, the palette opens.
	wm.Update(keyMsg("?"))
	if m.top() == nil {
		t.Fatal("? did not open the help")
	}
	// The help lists only what this screen answers: no key that acts.
	help := RenderWatch(wm)
	for range 4 {
		wm.Update(keyMsg("pgdown"))
		help += RenderWatch(wm)
	}
	for _, acting := range []string{"run the step", "In the failure panel", "skip"} {
		if strings.Contains(help, acting) {
			t.Errorf("the watch screen's help offers %q:\n%s", acting, help)
		}
	}
	if !strings.Contains(help, "sends nothing to the cluster") {
		t.Errorf("the watch screen's help does not say it only watches:\n%s", help)
	}
	wm.Update(keyMsg("esc"))
	h.Event(runbook.Event{Event: runbook.EvRunFinished, Status: runbook.RunSucceeded})
	m.in.finish(0, nil)
	wm.Update(frameMsg{})
	if scr := RenderWatch(wm); !strings.Contains(scr, "run finished: succeeded") {
		t.Fatalf("run-finished does not show:\n%s", scr)
	}
	// q quits without asking.
	wm.Update(keyMsg("q"))
	if !m.quitting {
		t.Fatal("q did not quit the watch screen")
	}
}

// TestWatchKeysNeverAnswerAQuestion: the watch never asks the screen a
// question, but were one asked, enter and s still would not answer it.
func TestWatchKeysNeverAnswerAQuestion(t *testing.T) {
	sc, plan := loadScenario(t, "ccr-2003-sp2")
	wall := &fakeClock{epoch}
	wm, m := NewWatch(Options{Plan: plan, Cluster: sc.Cluster, Wall: wall.now})
	wm.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	answered := make(chan struct{})
	go func() {
		_, _ = m.Hooks().Confirmer.Confirm(ctx, plan.Steps[0])
		close(answered)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for m.confirm == nil {
		if time.Now().After(deadline) {
			t.Fatal("the question did not reach the screen")
		}
		time.Sleep(5 * time.Millisecond)
		wm.Update(frameMsg{})
	}
	for _, k := range []string{"enter", "y", "s", "enter", "y"} {
		wm.Update(keyMsg(k))
		wall.advance(time.Second)
		if m.top() != nil {
			t.Fatalf("key %q opened %T on the watch screen", k, m.top())
		}
	}
	select {
	case <-answered:
		t.Fatal("a key on the watch screen answered the question")
	case <-time.After(50 * time.Millisecond):
	}
}
