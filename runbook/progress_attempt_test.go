package runbook

import "testing"

// A retry's running time counts from its own start; a re-attach to the
// same attempt after a resume does not restart it.
func TestAttemptStartedFollowsAttemptsNotReattaches(t *testing.T) {
	p := NewRunProgress()
	for _, ev := range []Event{
		{Seq: 1, Event: EvStepStarted, Step: "s04", Attempt: 1, Time: "2026-11-28T22:10:00.000Z"},
		{Seq: 2, Event: EvStepFailed, Step: "s04", Time: "2026-11-28T22:40:00.000Z"},
		{Seq: 3, Event: EvStepStarted, Step: "s04", Attempt: 2, Time: "2026-11-28T22:45:00.000Z"},
		{Seq: 4, Event: EvStepStarted, Step: "s04", Attempt: 2, Time: "2026-11-28T23:05:00.000Z"}, // re-attach
	} {
		p.Apply(ev)
	}
	s := p.Step("s04")
	if s.Started != "2026-11-28T22:10:00.000Z" || s.AttemptStarted != "2026-11-28T22:45:00.000Z" || s.Attempts != 2 {
		t.Fatalf("Started %s, AttemptStarted %s, attempts %d", s.Started, s.AttemptStarted, s.Attempts)
	}
}
