package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"cmsrunbook/internal/engine"
	"cmsrunbook/runbook"
)

// TestRefusedCredentialsStopPolling: a password refused while the engine
// polls live state is never tried again on its own (a domain account
// locks out after a few refusals): the poll stops at once and the person
// is shown the auth failure.
func TestRefusedCredentialsStopPolling(t *testing.T) {
	refused := fmt.Errorf("EXNODE01 refused the credentials: %w", runbook.ErrAuthFailed)
	h := newHarness(t, ccr())
	step := pauseStep("s1", node2)
	var observesAtSend int
	h.x.on(step.Commands[0], cmdScript{effect: func(*runbook.Observation) {
		// The command went through, but the node is not Paused yet, and
		// every read from now on is refused.
		observesAtSend = h.x.observes
		h.x.observeErrs = []error{refused, refused, refused, refused, refused}
	}})
	h.conf.answers = []answer{run("alice")}
	h.conf.decisions = []decision{choose(runbook.RemedyAbort, "alice")}
	h.mustRun(runbook.RunAborted, nil, step)
	equal(t, "events", trace(h.rec.events), []string{
		"step-confirmed s1 by=alice", "step-started s1 #1", "step-failed s1 #1 " + runbook.DiagAuthFailed, "decision s1 abort by=alice"})
	if n := h.x.observes - observesAtSend; n != 1 {
		t.Errorf("the refused credentials were tried %d times after the command, want once", n)
	}
	if h.clk.sleeps != 0 {
		t.Errorf("the engine slept %d times polling with refused credentials", h.clk.sleeps)
	}
}

// TestRefusedCredentialsWhileWaitingForReboot: the same while a node
// restarts, where the engine polls longest.
func TestRefusedCredentialsWhileWaitingForReboot(t *testing.T) {
	refused := fmt.Errorf("EXNODE02 refused the credentials: %w", runbook.ErrAuthFailed)
	h := newHarness(t, ccr())
	step := rebootStep("s1", node2, "")
	h.x.on(step.Commands[0], cmdScript{effect: func(*runbook.Observation) {
		h.x.observeErrs = []error{runbook.ErrConnectionLost, refused, refused, refused}
	}})
	h.conf.answers = []answer{run("alice")}
	h.conf.decisions = []decision{choose(runbook.RemedyAbort, "alice")}
	h.mustRun(runbook.RunAborted, nil, step)
	equal(t, "events", trace(h.rec.events), []string{
		"step-confirmed s1 by=alice", "step-started s1 #1", "step-failed s1 #1 " + runbook.DiagAuthFailed, "decision s1 abort by=alice"})
	if h.clk.sleeps != 1 {
		t.Errorf("slept %d times, want once (after the dropped connection only)", h.clk.sleeps)
	}
}

// reenters records the password prompts the engine asked for.
type reenters struct {
	calls [][2]int
	err   []error // answers in order; nil: a password was given
}

func (r *reenters) reenter(_ context.Context, attempt, max int) error {
	r.calls = append(r.calls, [2]int{attempt, max})
	if len(r.err) > 0 {
		err := r.err[0]
		r.err = r.err[1:]
		return err
	}
	return nil
}

func remedyLabel(d *runbook.Diagnosis, a runbook.RemedyAction) string {
	for _, r := range d.Remedies {
		if r.Action == a {
			return r.Label
		}
	}
	return ""
}

// TestReenterPassword: retrying after refused credentials asks for a new
// password first (counting the attempts), and the step then runs with it.
func TestReenterPassword(t *testing.T) {
	refused := fmt.Errorf("EXNODE02 refused the credentials: %w", runbook.ErrAuthFailed)
	h := newHarness(t, ccr())
	step := pauseStep("s1", node2)
	h.x.on(step.Commands[0], cmdScript{err: refused}, cmdScript{effect: setNode(node2, runbook.NodePaused)})
	re := &reenters{}
	h.cfg.Reenter = re.reenter
	h.conf.answers = []answer{run("alice")}
	h.conf.decisions = []decision{choose(runbook.RemedyRetry, "alice")}
	h.mustRun(runbook.RunSucceeded, nil, step)
	if len(re.calls) != 1 || re.calls[0] != [2]int{2, engine.MaxAuthAttempts} {
		t.Errorf("password asked %v, want once for attempt 2 of %d", re.calls, engine.MaxAuthAttempts)
	}
	d := find(h.rec.events, runbook.EvStepFailed)[0].Diagnosis
	if l := remedyLabel(d, runbook.RemedyRetry); !strings.Contains(l, "Re-enter the password") || !strings.Contains(l, "attempt 2 of 3") {
		t.Errorf("retry remedy %q", l)
	}
	if len(h.x.sent) != 2 {
		t.Errorf("sent %d commands, want the refused one and the retry", len(h.x.sent))
	}
}

// TestReenterStopsAfterThreeRefusals: after three refusals in a row the
// retry is no longer offered, and the diagnosis says why.
func TestReenterStopsAfterThreeRefusals(t *testing.T) {
	refused := fmt.Errorf("EXNODE02 refused the credentials: %w", runbook.ErrAuthFailed)
	h := newHarness(t, ccr())
	step := pauseStep("s1", node2)
	h.x.on(step.Commands[0], cmdScript{err: refused})
	// Once the command was refused, every read of live state is too (the
	// new passwords are wrong as well).
	h.x.onObserve = func(int, *runbook.Observation) {
		if len(h.x.sent) > 0 {
			h.x.observeErrs = []error{refused}
		}
	}
	re := &reenters{}
	h.cfg.Reenter = re.reenter
	h.conf.answers = []answer{run("alice")}
	h.conf.decisions = []decision{choose(runbook.RemedyRetry, "alice"), choose(runbook.RemedyRetry, "alice"), choose(runbook.RemedyAbort, "alice")}
	h.mustRun(runbook.RunAborted, nil, step)
	if len(h.conf.decided) != 3 {
		t.Fatalf("decided %d times", len(h.conf.decided))
	}
	equal(t, "offered at the first refusal", actions(h.conf.decided[0].offered), []string{"retry", "abort"})
	equal(t, "offered at the third", actions(h.conf.decided[2].offered), []string{"abort"})
	if len(re.calls) != 2 || re.calls[1] != [2]int{3, 3} {
		t.Errorf("password asked %v", re.calls)
	}
	last := find(h.rec.events, runbook.EvStepFailed)[2].Diagnosis
	if !strings.Contains(last.Why, "lock the account out") {
		t.Errorf("the last diagnosis does not warn of a lockout: %q", last.Why)
	}
}

// TestReenterNoPasswordOffersAgain: an empty answer sends nothing and
// records no decision; the remedies are offered again.
func TestReenterNoPasswordOffersAgain(t *testing.T) {
	refused := fmt.Errorf("EXNODE02 refused the credentials: %w", runbook.ErrAuthFailed)
	h := newHarness(t, ccr())
	step := pauseStep("s1", node2)
	h.x.on(step.Commands[0], cmdScript{err: refused})
	h.cfg.Reenter = (&reenters{err: []error{engine.ErrNoPassword}}).reenter
	h.conf.answers = []answer{run("alice")}
	h.conf.decisions = []decision{choose(runbook.RemedyRetry, "alice"), choose(runbook.RemedyAbort, "alice")}
	h.mustRun(runbook.RunAborted, nil, step)
	equal(t, "events", trace(h.rec.events), []string{
		"step-confirmed s1 by=alice", "step-started s1 #1", "step-failed s1 #1 " + runbook.DiagAuthFailed, "decision s1 abort by=alice"})
	if len(h.x.sent) != 1 {
		t.Errorf("sent %d commands, want 1", len(h.x.sent))
	}
}
