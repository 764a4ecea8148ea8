package headless

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestAskPasswordOnTerminal(t *testing.T) {
	var out strings.Builder
	p := NewPrompt(strings.NewReader(""), &out, "alice")
	p.secret = func() ([]byte, error) { return []byte("N3w-Pa55"), nil }
	got, err := p.AskPassword(context.Background(), "New password for EXAMPLE\\exadmin (attempt 2 of 3)")
	if err != nil || got != "N3w-Pa55" {
		t.Fatalf("AskPassword = %q, %v", got, err)
	}
	if !strings.Contains(out.String(), "attempt 2 of 3") || strings.Contains(out.String(), "N3w-Pa55") {
		t.Errorf("shown %q: want the prompt and never the password", out.String())
	}
}

func TestAskPasswordRefusedWithoutTerminal(t *testing.T) {
	var out strings.Builder
	p := NewPrompt(strings.NewReader("hunter2\n"), &out, "alice")
	_, err := p.AskPassword(context.Background(), "New password")
	if !errors.Is(err, ErrNotTerminal) {
		t.Fatalf("err = %v, want ErrNotTerminal", err)
	}
	if out.Len() != 0 {
		t.Errorf("prompted %q on a pipe", out.String())
	}
}

func TestAskPasswordReadError(t *testing.T) {
	p := NewPrompt(strings.NewReader(""), &strings.Builder{}, "alice")
	boom := errors.New("terminal gone")
	p.secret = func() ([]byte, error) { return nil, boom }
	if _, err := p.AskPassword(context.Background(), "New password"); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
}
