package tui

import (
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"cmsrunbook/internal/engine"
	"cmsrunbook/runbook"
)

// Dialogs on their own: keys in, actions out, no screen behind them.

func typedStep(t *testing.T) runbook.Step {
	t.Helper()
	_, plan := loadScenario(t, "ccr-2003-sp2")
	for _, s := range plan.Steps {
		if s.Confirm == runbook.ConfirmTyped {
			return s
		}
	}
	t.Fatal("the plan has no typed step")
	return runbook.Step{}
}

// keyAll sends keys to a dialog and returns the last action.
func keyAll(d dialog, keys ...string) dialogAction {
	var a dialogAction
	for _, k := range keys {
		a = d.key(keyMsg(k))
	}
	return a
}

func typeAll(d dialog, s string) dialogAction {
	var a dialogAction
	for _, r := range s {
		a = d.key(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return a
}

func TestTypedConfirmDialogAlone(t *testing.T) {
	s := typedStep(t)
	req := &confirmReq{step: s}
	d := newConfirmDialog(req, 16, false)
	if a := keyAll(d, "y", "enter"); a != nil {
		t.Fatalf("y then enter on a typed step gave %#v", a)
	}
	if a := typeAll(d, s.CMS+"X"); a != nil {
		t.Fatalf("typing gave %#v", a)
	}
	if a := keyAll(d, "enter"); a != nil {
		t.Fatalf("the wrong name confirmed: %#v", a)
	}
	if !strings.Contains(d.err, "is not "+s.CMS) || d.input.Value() != "" {
		t.Fatalf("after a wrong name: err %q, input %q", d.err, d.input.Value())
	}
	// Keys that type nothing echo nothing.
	for _, k := range []tea.KeyPressMsg{{Code: tea.KeyLeft}, {Code: 'x', Mod: tea.ModCtrl}, {Code: 'x', Mod: tea.ModAlt, Text: "x"},
		{Code: tea.KeyTab}, {Code: 'v', Mod: tea.ModCtrl}} {
		d.key(k)
	}
	if v := d.input.Value(); v != "" {
		t.Fatalf("keys that type nothing put %q in the input", v)
	}
	typeAll(d, strings.ToLower(s.CMS))
	if a := keyAll(d, "enter"); a != nil {
		t.Fatalf("the name in lower case confirmed: %#v", a)
	}
	typeAll(d, s.CMS)
	want := confirmStep{req: req, answer: engine.AnswerRun, typed: s.CMS}
	if a := keyAll(d, "enter"); a != want {
		t.Fatalf("the exact name gave %#v, want %#v", a, want)
	}
}

func TestTypedConfirmDialogPaste(t *testing.T) {
	s := typedStep(t)
	d := newConfirmDialog(&confirmReq{step: s}, 16, false)
	d.paste("  \x1b[31m" + s.CMS + "\x1b[0m\r\n")
	if v := d.input.Value(); v != s.CMS {
		t.Fatalf("paste left %q in the input", v)
	}
	if a, ok := keyAll(d, "enter").(confirmStep); !ok || a.typed != s.CMS {
		t.Fatalf("enter after the paste gave %#v", a)
	}
}

func TestKeyConfirmDialogAlone(t *testing.T) {
	_, plan := loadScenario(t, "ccr-2003-sp2")
	req := &confirmReq{step: plan.Steps[1]}
	d := newConfirmDialog(req, len(plan.Steps), false)
	for _, k := range []string{"enter", "x", "s", "a"} {
		if a := keyAll(d, k); a != nil {
			t.Fatalf("%s gave %#v", k, a)
		}
	}
	if a := keyAll(d, "y"); a != (confirmStep{req: req, answer: engine.AnswerRun}) {
		t.Fatalf("y gave %#v", a)
	}
	for _, k := range []string{"n", "esc"} {
		a, ok := keyAll(d, k).(actions)
		if !ok || len(a) != 2 || a[0] != (closeDialog{}) {
			t.Fatalf("%s gave %#v", k, a)
		}
		if f, ok := a[1].(setFlash); !ok || !strings.Contains(f.text, "was not run") {
			t.Fatalf("%s: %#v", k, a[1])
		}
	}
}

func TestFailurePanelAlone(t *testing.T) {
	_, plan := loadScenario(t, "ccr-2003-sp2")
	req := &decideReq{step: plan.Steps[7], diag: failureDiag(), attempt: 1}
	p := &failurePanel{req: req}
	for k, want := range map[string]runbook.RemedyAction{"r": runbook.RemedyRetry, "w": runbook.RemedyWait,
		"m": runbook.RemedyManual, "d": runbook.RemedyMount, "a": runbook.RemedyAbort} {
		if a := keyAll(p, k); a != (decideRemedy{req: req, action: want}) {
			t.Errorf("%s gave %#v", k, a)
		}
	}
	if a := keyAll(p, "z"); a != nil {
		t.Errorf("z gave %#v", a)
	}
	// Skip asks first; the question answers no by closing itself (back
	// to the panel under it), and yes decides skip.
	o, ok := keyAll(p, "s").(openDialog)
	if !ok {
		t.Fatalf("s gave %#v", keyAll(p, "s"))
	}
	ask, ok := o.d.(*askDialog)
	if !ok || !strings.Contains(ask.title, "Skip failed step 8") {
		t.Fatalf("s opened %#v", o.d)
	}
	if a := keyAll(ask, "n"); a != (closeDialog{}) {
		t.Fatalf("no gave %#v", a)
	}
	if a := keyAll(ask, "enter"); a != nil {
		t.Fatalf("enter answered the question: %#v", a)
	}
	want := actions{closeDialog{}, decideRemedy{req: req, action: runbook.RemedySkip}}
	if a := keyAll(ask, "y"); !reflect.DeepEqual(a, want) {
		t.Fatalf("yes gave %#v", a)
	}
}

// The keys are the diagnosis' own: a diagnosis that offers a remedy on
// an unusual key gets it there, and the usual keys do nothing.
func TestFailurePanelKeysComeFromTheDiagnosis(t *testing.T) {
	_, plan := loadScenario(t, "ccr-2003-sp2")
	d := runbook.Diagnosis{Code: "x", Message: "x", Remedies: []runbook.Remedy{
		{Action: runbook.RemedyRetry, Key: "t", Label: "Try again"},
		{Action: runbook.RemedyAbort, Key: "a", Label: "Abort"}}}
	req := &decideReq{step: plan.Steps[3], diag: d, attempt: 1}
	p := &failurePanel{req: req}
	for _, k := range []string{"r", "w", "m", "d", "s"} {
		if a := keyAll(p, k); a != nil {
			t.Errorf("%s, not offered, gave %#v", k, a)
		}
	}
	if a := keyAll(p, "t"); a != (decideRemedy{req: req, action: runbook.RemedyRetry}) {
		t.Errorf("t gave %#v", a)
	}
}

func TestPaletteAlone(t *testing.T) {
	sc, plan := loadScenario(t, "ccr-2003-sp2")
	p := newPalette(nil, plan.Steps, sc.Cluster, true)
	if a := typeAll(p, "findings"); a != nil {
		t.Fatalf("typing gave %#v", a)
	}
	if a := keyAll(p, "enter"); !reflect.DeepEqual(a, actions{closeDialog{}, runCommand{cmdFindings}}) {
		t.Fatalf("enter on findings gave %#v", a)
	}
	if a := keyAll(p, "ctrl+p"); a != (closeDialog{}) {
		t.Fatalf("ctrl+p gave %#v", a)
	}
}

// decidedBy starts an engine-side Decide and returns the whole decision.
func (h *harness) decidedBy(i int, d runbook.Diagnosis) <-chan engine.Decision {
	ch := make(chan engine.Decision, 1)
	s := h.step(i)
	go func() {
		if dec, err := h.m.Hooks().Confirmer.Decide(h.t.Context(), s, d, 1); err == nil {
			ch <- dec
		}
	}()
	h.waitFor(func() bool { h.frame(); return h.m.decide != nil })
	return ch
}

func TestDecisionCarriesOperator(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	ans := h.decidedBy(3, failureDiag())
	h.afterGrace()
	h.press("r")
	got, ok := recv(t, ans)
	if !ok || got != (engine.Decision{Action: runbook.RemedyRetry, By: "trainee"}) {
		t.Fatalf("the engine got %+v %v", got, ok)
	}
}

func TestSkipFromFailurePanelStack(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	ans := h.decidedBy(3, failureDiag())
	h.afterGrace()
	h.press("s")
	if _, ok := h.m.top().(*askDialog); !ok || len(h.m.dialogs) != 2 {
		t.Fatalf("s: top %T, %d dialogs", h.m.top(), len(h.m.dialogs))
	}
	if !strings.Contains(screen(h), "Skip failed step 4?") {
		t.Fatalf("the question is not on screen:\n%s", screen(h))
	}
	h.afterGrace()
	h.press("n")
	if p, ok := h.m.top().(*failurePanel); !ok || p.req != h.m.decide || len(h.m.dialogs) != 1 {
		t.Fatalf("no did not go back to the panel: top %T, %d dialogs", h.m.top(), len(h.m.dialogs))
	}
	if !strings.Contains(screen(h), "What you can do") {
		t.Fatalf("the panel is not on screen after no:\n%s", screen(h))
	}
	if _, ok := recv(t, ans); ok {
		t.Fatal("no answered the engine")
	}
	// The panel is back with a fresh grace period: a key pressed twice
	// does not answer it.
	h.press("r")
	if _, ok := recv(t, ans); ok {
		t.Fatal("a key right after the panel came back answered")
	}
	h.afterGrace()
	h.press("s")
	h.afterGrace()
	h.press("y")
	got, ok := recv(t, ans)
	if !ok || got != (engine.Decision{Action: runbook.RemedySkip, By: "trainee"}) {
		t.Fatalf("yes gave %+v %v", got, ok)
	}
	if len(h.m.dialogs) != 0 || h.m.decide != nil {
		t.Fatalf("after yes: %d dialogs, decide %v", len(h.m.dialogs), h.m.decide)
	}
}

func TestHiddenPanelOnlyOfferedKeysBringItBack(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	d := runbook.Diagnosis{Code: "setup-failed", Message: "Setup failed", Remedies: []runbook.Remedy{{Action: runbook.RemedyAbort, Key: "a", Label: "Abort"}}}
	ans := h.decidedBy(3, d)
	h.afterGrace()
	h.press("esc")
	if h.m.top() != nil {
		t.Fatal("esc did not hide the panel")
	}
	h.press("r", "w", "m", "d")
	if h.m.top() != nil {
		t.Fatalf("a remedy key not offered brought the panel back: %T", h.m.top())
	}
	h.press("a")
	if _, ok := h.m.top().(*failurePanel); !ok {
		t.Fatalf("the offered key did not bring the panel back: %T", h.m.top())
	}
	if _, ok := recv(t, ans); ok {
		t.Fatal("bringing the panel back answered the engine")
	}
	h.afterGrace()
	h.press("a")
	if got, ok := recv(t, ans); !ok || got.Action != runbook.RemedyAbort || got.By != "trainee" {
		t.Fatalf("a gave %+v %v", got, ok)
	}
}

func TestSkipConfirmationCarriesOperator(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	ans := h.asked(0)
	h.press("s")
	h.afterGrace()
	h.press("y")
	c, ok := recv(t, ans)
	if !ok || c != (engine.Confirmation{Answer: engine.AnswerSkip, By: "trainee"}) {
		t.Fatalf("skip gave %+v %v", c, ok)
	}
	if len(h.m.dialogs) != 0 {
		t.Fatalf("%d dialogs left open", len(h.m.dialogs))
	}
}

// The runbook pane reads the shared reducer: marks, attempts, the done
// count, and a confirmed step shows so at once, before its event.
func TestRunbookPaneFromReducer(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 140, 45, true, false)
	h.playSteps(1)
	ans := h.asked(1)
	h.press("enter")
	h.afterGrace()
	h.press("y")
	if _, ok := recv(t, ans); !ok {
		t.Fatal("y did not answer")
	}
	id := h.step(1).ID
	if got := h.m.progress.Step(id).Status; got != runbook.StepNotRun {
		t.Fatalf("the reducer already has %s", got)
	}
	if got := h.m.stepProgress(1).Status; got != runbook.StepConfirmed {
		t.Fatalf("a step just confirmed shows %s", got)
	}
	h.event(runbook.Event{Event: runbook.EvStepConfirmed, Step: id, By: "trainee"})
	h.event(runbook.Event{Event: runbook.EvStepStarted, Step: id, Attempt: 1})
	h.event(runbook.Event{Event: runbook.EvStepFailed, Step: id})
	h.event(runbook.Event{Event: runbook.EvDecision, Step: id, Choice: string(runbook.RemedyRetry), By: "trainee"})
	h.event(runbook.Event{Event: runbook.EvStepStarted, Step: id, Attempt: 2})
	h.frame()
	if h.m.answered[id] {
		t.Fatal("the local confirmation outlived the journal's")
	}
	out := screen(h)
	if !strings.Contains(out, h.step(1).Title+"  attempt 2") {
		t.Fatalf("no attempt 2 on the running step:\n%s", out)
	}
	if !strings.Contains(out, "decision: retry by trainee") {
		t.Fatalf("the decision does not say who:\n%s", out)
	}
	h.event(runbook.Event{Event: runbook.EvStepSkipped, Step: id, Reason: "skipped by trainee", By: "trainee"})
	h.frame()
	if !strings.Contains(screen(h), "Runbook 2/") {
		t.Fatalf("a skipped step does not count as done:\n%s", screen(h))
	}
	if mark, _ := h.m.stepMark(h.m.stepProgress(1).Status, false); mark != h.m.g.Skipped {
		t.Fatalf("skipped step mark %q", mark)
	}
}
