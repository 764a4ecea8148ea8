package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/journal"
	"cmsrunbook/runbook"
)

// askingConfirmer is a confirmer that can ask for a password.
type askingConfirmer struct {
	headless.Auto
	answer  string
	prompts []string
}

func (a *askingConfirmer) AskPassword(_ context.Context, prompt string) (string, error) {
	a.prompts = append(a.prompts, prompt)
	return a.answer, nil
}

type setter struct{ got []string }

func (s *setter) SetPassword(p string) { s.got = append(s.got, p) }

// TestReenterPassword: the password the person types reaches the executor
// and is masked on screen; the prompt says which attempt it is.
func TestReenterPassword(t *testing.T) {
	ask := &askingConfirmer{answer: "N3w-Pa55"}
	s := &Session{confirm: ask}
	ex := &setter{}
	if err := s.reenterPassword(ex, `EXAMPLE\exadmin`)(context.Background(), 2, 3); err != nil {
		t.Fatal(err)
	}
	if len(ex.got) != 1 || ex.got[0] != "N3w-Pa55" {
		t.Errorf("executor got %q", ex.got)
	}
	if len(ask.prompts) != 1 || !strings.Contains(ask.prompts[0], `EXAMPLE\exadmin`) || !strings.Contains(ask.prompts[0], "attempt 2 of 3") {
		t.Errorf("prompts %q", ask.prompts)
	}
	if len(s.secrets) != 1 || s.secrets[0] != "N3w-Pa55" {
		t.Errorf("the new password is not masked on screen: %q", s.secrets)
	}
}

func TestReenterPasswordEmptyGoesBack(t *testing.T) {
	s := &Session{confirm: &askingConfirmer{}}
	ex := &setter{}
	if err := s.reenterPassword(ex, "exadmin")(context.Background(), 2, 3); !errors.Is(err, engine.ErrNoPassword) {
		t.Fatalf("err = %v, want ErrNoPassword", err)
	}
	if len(ex.got) != 0 {
		t.Errorf("executor got %q", ex.got)
	}
}

// TestReenterPasswordCannotAsk: a confirmer that cannot ask (no terminal)
// never retries the old password in its place.
func TestReenterPasswordCannotAsk(t *testing.T) {
	s := &Session{confirm: headless.Auto{}}
	ex := &setter{}
	err := s.reenterPassword(ex, "exadmin")(context.Background(), 2, 3)
	if err == nil || !strings.Contains(err.Error(), PasswordEnv) || len(ex.got) != 0 {
		t.Fatalf("err = %v, set %q", err, ex.got)
	}
}

var _ engine.Confirmer = (*askingConfirmer)(nil)

// TestReenterPasswordMaskedInJournal: a node that echoes the new password
// (in an error message, say) never puts it in the change record.
func TestReenterPasswordMaskedInJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	jw, err := journal.Create(path, journal.WithSecrets("old-Pa55"))
	if err != nil {
		t.Fatal(err)
	}
	s := &Session{confirm: &askingConfirmer{answer: "N3w-Pa55"}, jw: jw}
	if err := s.reenterPassword(&setter{}, "exadmin")(context.Background(), 2, 3); err != nil {
		t.Fatal(err)
	}
	if err := jw.Write(runbook.Event{Event: runbook.EvOutput, Text: "logon failure for exadmin / N3w-Pa55"}); err != nil {
		t.Fatal(err)
	}
	if err := jw.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "N3w-Pa55") {
		t.Errorf("the re-entered password reached the journal:\n%s", b)
	}
}
