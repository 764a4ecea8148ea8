package runbook

import "testing"

// TestFoldStepsAndRun: the reducer as resume reads it: steps done and not,
// the latest job and how much of its log is recorded, the outage still
// open, then a skip and the end.
func TestFoldStepsAndRun(t *testing.T) {
	code := 1
	diag := &Diagnosis{Code: "setup-failed", Message: "Setup.com failed"}
	start := Event{Seq: 1, Event: EvRunStarted, Goal: GoalSP2, Digest: "0123456789abcdef",
		Plan: []Step{{ID: "s01-pause"}, {ID: "s02-setup"}}}
	evs := []Event{
		start,
		{Seq: 2, Event: EvStepConfirmed, Step: "s01-pause", By: "exadmin"},
		{Seq: 3, Event: EvStepStarted, Step: "s01-pause", Attempt: 1},
		{Seq: 4, Event: EvStepSucceeded, Step: "s01-pause"},
		{Seq: 5, Event: EvStepConfirmed, Step: "s02-setup", By: "exadmin"},
		{Seq: 6, Event: EvStepStarted, Step: "s02-setup", Attempt: 1, Job: "job-1"},
		{Seq: 7, Event: EvOutput, Step: "s02-setup", Text: "a", Offset: 120},
		{Seq: 8, Event: EvStepFailed, Step: "s02-setup", ExitCode: &code, Diagnosis: diag},
		{Seq: 9, Event: EvDecision, Step: "s02-setup", Choice: "retry", By: "exadmin"},
		{Seq: 10, Event: EvStepStarted, Step: "s02-setup", Attempt: 2, Job: "job-2"},
		{Seq: 11, Event: EvOutageStarted, Time: "2026-11-28T22:10:00.000Z"},
		{Seq: 12, Event: EvOutput, Step: "s02-setup", Text: "b", Offset: 4096},
		{Seq: 13, Event: EvOutput, Step: "s02-setup", Text: "c"},
	}
	rs := Fold(evs)
	if rs.Started == nil || rs.Started.Goal != GoalSP2 || rs.Started.Digest != "0123456789abcdef" {
		t.Fatalf("run-started not found: %+v", rs.Started)
	}
	if rs.IsFinished() || rs.LastSeq != 13 || !rs.OutageOpen || len(rs.Outages) != 1 || !rs.Outages[0].Open {
		t.Errorf("finished=%v lastSeq=%d outageOpen=%v outages=%+v", rs.IsFinished(), rs.LastSeq, rs.OutageOpen, rs.Outages)
	}
	if st := rs.Step("s01-pause"); st.Status != StepSucceeded || st.Attempts != 1 || len(st.Confirmations) != 1 {
		t.Errorf("s01: %+v", st)
	}
	st := rs.Step("s02-setup")
	if st.Status != StepStarted || st.Attempts != 2 || st.Job != "job-2" || st.Offset != 4096 || st.Diagnosis != diag {
		t.Errorf("s02: %+v", st)
	}
	if st.LastChoice() != RemedyRetry || st.Decisions[0].By != "exadmin" {
		t.Errorf("s02 decisions: %+v", st.Decisions)
	}
	if rem := rs.Remaining(); len(rem) != 1 || rem[0].ID != "s02-setup" {
		t.Errorf("remaining %+v", rem)
	}
	if st := rs.Step("never"); st.Status != StepNotRun {
		t.Errorf("unknown step: %+v", st)
	}

	evs = append(evs, Event{Seq: 14, Event: EvRunResumed},
		Event{Seq: 15, Event: EvStepSkipped, Step: "s02-setup", Reason: "done by hand"},
		Event{Seq: 16, Event: EvOutageEnded, Time: "2026-11-28T22:20:00.000Z", OutageMS: 600000},
		Event{Seq: 17, Event: EvRunFinished, Status: RunSucceeded})
	rs = Fold(evs)
	if !rs.IsFinished() || rs.Finished.Status != RunSucceeded || rs.Resumes != 1 || rs.OutageOpen {
		t.Errorf("finished=%v resumes=%d outageOpen=%v", rs.IsFinished(), rs.Resumes, rs.OutageOpen)
	}
	if o := rs.Outages; len(o) != 1 || o[0].Open || o[0].MS != 600000 || o[0].End == "" {
		t.Errorf("outage: %+v", o)
	}
	if rs.Step("s02-setup").Status != StepSkipped || len(rs.Remaining()) != 0 {
		t.Errorf("s02 after skip: %+v", rs.Step("s02-setup"))
	}
}

// TestFoldTransitions: each event moves a step the way the record means,
// whatever came before; a new job resets the log offset; the first
// start's boot ID is kept for a reboot resumed after a crash.
func TestFoldTransitions(t *testing.T) {
	cases := []struct {
		name  string
		evs   []Event
		want  StepStatus
		check func(StepProgress) bool
	}{
		{"confirmed", []Event{{Event: EvStepConfirmed, Step: "s"}}, StepConfirmed, nil},
		{"confirm after failure re-arms", []Event{{Event: EvStepFailed, Step: "s"}, {Event: EvStepConfirmed, Step: "s"}}, StepConfirmed, nil},
		{"confirm does not undo a success", []Event{{Event: EvStepSucceeded, Step: "s"}, {Event: EvStepConfirmed, Step: "s"}}, StepSucceeded, nil},
		{"started", []Event{{Event: EvStepStarted, Step: "s", Job: "j1"}}, StepStarted,
			func(p StepProgress) bool { return p.Job == "j1" && p.Attempts == 1 }},
		{"new job resets offset", []Event{{Event: EvStepStarted, Step: "s", Job: "j1"}, {Event: EvOutput, Step: "s", Offset: 99},
			{Event: EvStepFailed, Step: "s"}, {Event: EvStepStarted, Step: "s", Job: "j2"}}, StepStarted,
			func(p StepProgress) bool { return p.Offset == 0 && p.Attempts == 2 }},
		{"engine attempt wins", []Event{{Event: EvStepStarted, Step: "s", Attempt: 4}}, StepStarted,
			func(p StepProgress) bool { return p.Attempts == 4 }},
		{"first boot kept", []Event{{Event: EvStepStarted, Step: "s", Boot: "b1"}, {Event: EvStepStarted, Step: "s", Boot: "b2"}}, StepStarted,
			func(p StepProgress) bool { return p.Boot == "b1" }},
		{"manual remembered", []Event{{Event: EvStepStarted, Step: "s", Manual: true}, {Event: EvStepStarted, Step: "s"}}, StepStarted,
			func(p StepProgress) bool { return !p.Manual && p.EverManual }},
		{"failed", []Event{{Event: EvStepStarted, Step: "s"}, {Event: EvStepFailed, Step: "s", Diagnosis: &Diagnosis{Code: "x"}}}, StepFailed,
			func(p StepProgress) bool { return p.Diagnosis.Code == "x" }},
		{"skipped", []Event{{Event: EvStepSkipped, Step: "s", Reason: "r", By: "bob"}}, StepSkipped,
			func(p StepProgress) bool { return p.Reason == "r" && p.SkippedBy == "bob" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Fold(tc.evs).Step("s")
			if p.Status != tc.want || (tc.check != nil && !tc.check(p)) {
				t.Errorf("got %+v", p)
			}
		})
	}
}

// TestFoldOutageEdges: a second start without an end closes the first
// where the second begins; an end without a start is an interval of
// unknown start.
func TestFoldOutageEdges(t *testing.T) {
	p := Fold([]Event{{Event: EvOutageStarted, Time: "t1"}, {Event: EvOutageStarted, Time: "t2"}, {Event: EvOutageEnded, Time: "t3", OutageMS: 5}})
	if len(p.Outages) != 2 || p.Outages[0].End != "t2" || p.Outages[1].Start != "t2" || p.Outages[1].End != "t3" || p.OutageOpen {
		t.Errorf("two starts: %+v", p.Outages)
	}
	p = Fold([]Event{{Event: EvOutageEnded, Time: "t9"}})
	if len(p.Outages) != 1 || p.Outages[0].Start != "" || p.Outages[0].End != "t9" || p.OutageOpen {
		t.Errorf("end only: %+v", p.Outages)
	}
}
