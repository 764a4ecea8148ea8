package tui

import (
	"context"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// epoch is the fixed window clock of the tests.
var epoch = time.Date(2026, 11, 28, 22, 0, 0, 0, time.UTC)

// fakeClock is a settable clock for the window and for the grace period.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

type harness struct {
	t      *testing.T
	m      *Model
	sc     *config.Scenario
	window *fakeClock
	wall   *fakeClock
	speeds []float64
}

func loadScenario(t testing.TB, name string) (*config.Scenario, *runbook.Plan) {
	t.Helper()
	sc, err := config.ResolveScenario(assets.Scenarios, name)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := runbook.MakePlan(sc.Cluster, sc.Options)
	if err != nil {
		t.Fatal(err)
	}
	return sc, plan
}

// newHarness builds the screen for a scenario at a size, with fake clocks.
// The findings panel the screen opens on warnings is closed, so tests
// start on the runbook screen unless they ask otherwise.
func newHarness(t *testing.T, scenario string, w, h int, noColor, ascii bool) *harness {
	t.Helper()
	return newHarnessLang(t, scenario, w, h, noColor, ascii, "")
}

// newHarnessLang is newHarness with the screen in language lang.
func newHarnessLang(t *testing.T, scenario string, w, h int, noColor, ascii bool, lang i18n.Lang) *harness {
	t.Helper()
	sc, plan := loadScenario(t, scenario)
	hs := &harness{t: t, sc: sc, window: &fakeClock{epoch}, wall: &fakeClock{epoch}}
	hs.m = New(Options{Title: sc.Title, Source: sc.Name, Plan: plan, Cluster: sc.Cluster, NoColor: noColor, ASCII: ascii,
		Speed: 60, SetSpeed: func(v float64) { hs.speeds = append(hs.speeds, v) }, Now: hs.window.now, Wall: hs.wall.now,
		Operator: "trainee", Journal: "/tmp/window.jsonl", Lang: lang})
	hs.m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	hs.m.dialogs = nil
	return hs
}

func (h *harness) frame() { h.m.Update(frameMsg{}) }

func (h *harness) event(ev runbook.Event) { h.m.Hooks().Event(ev) }

func (h *harness) step(i int) runbook.Step { return h.m.plan.Steps[i] }

// press sends keys by name: "enter", "esc", "tab", "ctrl+p", "backspace",
// or a single character.
func (h *harness) press(keys ...string) {
	for _, k := range keys {
		h.m.Update(keyMsg(k))
	}
}

// typeText types each character.
func (h *harness) typeText(s string) {
	for _, r := range s {
		h.m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "ctrl+p":
		return tea.KeyPressMsg{Code: 'p', Mod: tea.ModCtrl}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// afterGrace moves real time past the dialog's input grace period.
func (h *harness) afterGrace() { h.wall.advance(InputGrace + time.Millisecond) }

// asked starts an engine-side Confirm for step i and returns where its
// answer arrives.
func (h *harness) asked(i int) <-chan engine.Confirmation {
	ch := make(chan engine.Confirmation, 1)
	s := h.step(i)
	go func() {
		c, err := h.m.Hooks().Confirmer.Confirm(h.t.Context(), s)
		if err == nil {
			ch <- c
		}
	}()
	h.waitFor(func() bool { h.frame(); return h.m.confirm != nil && h.m.confirm.step.ID == s.ID })
	return ch
}

// decided starts an engine-side Decide for step i.
func (h *harness) decided(i int, d runbook.Diagnosis) <-chan runbook.RemedyAction {
	ch := make(chan runbook.RemedyAction, 1)
	s := h.step(i)
	go func() {
		dec, err := h.m.Hooks().Confirmer.Decide(h.t.Context(), s, d, 1)
		a := dec.Action
		if err == nil {
			ch <- a
		}
	}()
	h.waitFor(func() bool { h.frame(); return h.m.decide != nil })
	return ch
}

func (h *harness) waitFor(cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatal("timed out waiting for the engine side")
		}
		time.Sleep(time.Millisecond)
	}
}

func recv[T any](t *testing.T, ch <-chan T) (T, bool) {
	t.Helper()
	select {
	case v := <-ch:
		return v, true
	case <-time.After(60 * time.Millisecond):
		var zero T
		return zero, false
	}
}

// playSteps replays steps [0, n) as succeeded through the engine events,
// with a little output each.
func (h *harness) playSteps(n int) {
	for i := range n {
		s := h.step(i)
		h.event(runbook.Event{Event: runbook.EvStepConfirmed, Step: s.ID, By: "trainee"})
		h.event(runbook.Event{Event: runbook.EvStepStarted, Step: s.ID, Node: s.Node, Attempt: 1, Commands: s.Commands})
		h.event(runbook.Event{Event: runbook.EvOutput, Step: s.ID, Text: "output of " + s.ID})
		h.event(runbook.Event{Event: runbook.EvStepSucceeded, Step: s.ID, Attempt: 1})
	}
	h.frame()
}

var _ = context.Background

func outputEvent(step, text string) runbook.Event {
	return runbook.Event{Event: runbook.EvOutput, Step: step, Text: text}
}
