package session

import (
	"context"
	"errors"

	"cmsrunbook/internal/engine"
)

// PasswordAsker is a confirmer that can ask for a password without echo:
// the runbook screen's masked dialog, or the line prompt when standard
// input is a terminal.
type PasswordAsker interface {
	// AskPassword shows prompt and returns what was typed, "" when the
	// person gave nothing (nothing is then sent).
	AskPassword(ctx context.Context, prompt string) (string, error)
}

// passwordSetter is the executor side: remote.Executor.SetPassword.
type passwordSetter interface{ SetPassword(string) }

// errCannotAsk: the run has no way to ask for a password (the input is
// not a terminal); the old one is never retried in its place.
var errCannotAsk = errors.New(say("this run cannot ask for a new password (standard input is not a terminal); stop here and resume with %s set to the right password", PasswordEnv))

// reenterPassword is the engine's Config.Reenter for a real run: it asks
// whichever confirmer runs the window at the time (the screen replaces
// the line prompt when it starts) and hands the password to the executor
// only. It also masks the new password wherever the screen shows an event
// and in the journal.
func (s *Session) reenterPassword(ex passwordSetter, user string) func(ctx context.Context, attempt, max int) error {
	return func(ctx context.Context, attempt, max int) error {
		a, ok := s.confirm.(PasswordAsker)
		if !ok {
			return errCannotAsk
		}
		p, err := a.AskPassword(ctx, s.p().Tr("New password for %s (attempt %d of %d; empty goes back to the remedies)", user, attempt, max))
		if err != nil {
			return err
		}
		if p == "" {
			return engine.ErrNoPassword
		}
		ex.SetPassword(p)
		s.secrets = append(s.secrets, p)
		if s.jw != nil {
			s.jw.AddSecrets(p) // a node that echoes it never puts it in the record
		}
		return nil
	}
}
