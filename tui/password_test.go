package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// askedPassword starts an engine-side AskPassword and returns where the
// answer arrives.
func (h *harness) askedPassword(prompt string) <-chan string {
	ch := make(chan string, 1)
	go func() {
		if p, err := h.m.Hooks().Confirmer.(*inboxConfirmer).AskPassword(h.t.Context(), prompt); err == nil {
			ch <- p
		}
	}()
	h.waitFor(func() bool { h.frame(); return h.m.password != nil })
	return ch
}

func TestPasswordDialogMasksAndAnswers(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 100, 30, true, false)
	ans := h.askedPassword(`New password for EXAMPLE\exadmin (attempt 2 of 3; empty goes back to the remedies)`)
	h.afterGrace()
	h.typeText("S3cr3t!x")
	h.press("backspace")
	d, ok := h.m.top().(*passwordDialog)
	if !ok {
		t.Fatalf("top dialog is %T", h.m.top())
	}
	screen := ansi.Strip(strings.Join(d.render(h.m.look(), 100, 30), "\n"))
	if strings.Contains(screen, "S3cr3t") || !strings.Contains(screen, "*******_") || !strings.Contains(screen, "attempt 2 of 3") {
		t.Errorf("the dialog shows:\n%s", screen)
	}
	if v := h.m.View(); strings.Contains(v.Content, "S3cr3t") {
		t.Error("the screen shows the password")
	}
	h.press("enter")
	got, ok := recv(t, ans)
	if !ok || got != "S3cr3t!" {
		t.Fatalf("the engine got %q %v", got, ok)
	}
	if h.m.top() != nil || h.m.password != nil {
		t.Errorf("the dialog stays open: %T", h.m.top())
	}
}

func TestPasswordDialogEscGivesNothing(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 100, 30, true, false)
	ans := h.askedPassword("New password")
	h.afterGrace()
	h.typeText("half")
	h.press("esc")
	got, ok := recv(t, ans)
	if !ok || got != "" {
		t.Fatalf("the engine got %q %v, want nothing", got, ok)
	}
}

// TestPasswordDialogGrace: keys pressed as the dialog opens (an Enter
// meant for the remedy) do not answer it.
func TestPasswordDialogGrace(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 100, 30, true, false)
	ans := h.askedPassword("New password")
	h.press("enter")
	if got, ok := recv(t, ans); ok {
		t.Fatalf("answered %q within the grace period", got)
	}
}
