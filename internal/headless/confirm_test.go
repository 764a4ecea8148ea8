package headless

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/engine"
	"cmsrunbook/runbook"
)

// TestPromptGivesUpOnInterrupt: Ctrl+C (the context ending) interrupts a
// question whose answer has not been typed, at once; the line typed
// afterwards answers the next question.
func TestPromptGivesUpOnInterrupt(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	p := NewPrompt(r, io.Discard, "alice")
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := p.Confirm(ctx, runbook.Step{N: 1, Title: "Pause EXNODE02"})
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted question: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the question did not give up when interrupted")
	}
	go func() { _, _ = io.WriteString(w, "y\n") }()
	c, err := p.Confirm(context.Background(), runbook.Step{N: 1, Title: "Pause EXNODE02"})
	if err != nil || c.Answer != engine.AnswerRun || c.By != "alice" {
		t.Fatalf("next answer: %+v %v", c, err)
	}
}

// TestPromptInputClosed: input that ends before an answer decides nothing:
// ErrInputClosed, which the session treats as an interruption.
func TestPromptInputClosed(t *testing.T) {
	p := NewPrompt(strings.NewReader("y\n"), io.Discard, "alice")
	defer p.Close()
	if c, err := p.Confirm(context.Background(), runbook.Step{N: 1}); err != nil || c.Answer != engine.AnswerRun {
		t.Fatalf("first: %+v %v", c, err)
	}
	_, err := p.Decide(context.Background(), runbook.Step{N: 2}, runbook.Diagnosis{Remedies: []runbook.Remedy{{Action: runbook.RemedyRetry, Key: "r"}}}, 1)
	if !errors.Is(err, ErrInputClosed) {
		t.Fatalf("after the input ended: %v", err)
	}
}
