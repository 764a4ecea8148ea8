package engine

import (
	"context"
	"errors"
	"fmt"

	"cmsrunbook/runbook"
)

// MaxAuthAttempts is how many times in a row the credentials may be
// refused before re-entering them is no longer offered: domain lockout
// thresholds are commonly 3 to 5 bad passwords, and the engine never
// tries a refused password on its own.
const MaxAuthAttempts = 3

// ErrNoPassword is Config.Reenter's answer when the person gave no
// password (an empty answer, the dialog closed): the remedies are offered
// again and nothing is sent.
var ErrNoPassword = errors.New("no password given")

// authRefused counts a refusal and words the auth remedy: which attempt
// a retry would be, whether it asks for a new password, and none at all
// once MaxAuthAttempts refusals happened in a row.
func (e *Engine) authRefused(d *runbook.Diagnosis) {
	e.authRefusals++
	var keep []runbook.Remedy
	for _, r := range d.Remedies {
		if r.Action != runbook.RemedyRetry {
			keep = append(keep, r)
			continue
		}
		if e.authRefusals >= MaxAuthAttempts {
			continue
		}
		if e.cfg.Reenter != nil {
			r.Label = say("Re-enter the password and retry (attempt %d of %d)", e.authRefusals+1, MaxAuthAttempts)
		} else {
			r.Label = say("Retry with the same password (attempt %d of %d)", e.authRefusals+1, MaxAuthAttempts)
		}
		keep = append(keep, r)
	}
	d.Remedies = keep
	if e.authRefusals >= MaxAuthAttempts {
		d.Why = say("%s The credentials were refused %d times in a row; another try may lock the account out (domain lockout thresholds are commonly 3 to 5). Stop here, check the account with the domain administrators, then resume.", d.Why, e.authRefusals)
	}
}

// reenter asks for a new password when the person chose to retry after
// refused credentials. again is true when no password was given and the
// remedies are to be offered again.
func (e *Engine) reenter(ctx context.Context, st *stepRun, r runbook.Remedy) (again bool, err error) {
	if r.Action != runbook.RemedyRetry || st.failure == nil || !st.failure.Auth || e.cfg.Reenter == nil {
		return false, nil
	}
	err = e.cfg.Reenter(ctx, e.authRefusals+1, MaxAuthAttempts)
	switch {
	case errors.Is(err, ErrNoPassword):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("asking for the password: %w", err)
	}
	return false, nil
}
