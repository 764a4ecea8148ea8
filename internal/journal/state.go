package journal

import "cmsrunbook/runbook"

// StepStatus is where a step got to, as far as the journal knows.
type StepStatus string

const (
	StepNotRun    StepStatus = ""
	StepConfirmed StepStatus = "confirmed"
	StepStarted   StepStatus = "started"
	StepSucceeded StepStatus = "succeeded"
	StepFailed    StepStatus = "failed"
	StepSkipped   StepStatus = "skipped"
)

// Done reports a status resume must not run again.
func (s StepStatus) Done() bool { return s == StepSucceeded || s == StepSkipped }

// StepState is what the journal says about one step.
type StepState struct {
	ID     string
	Status StepStatus
	// Attempts counts the step's starts (the engine's own attempt number
	// wins when it is higher, as after a resume that restarted counting).
	Attempts int
	// Job is the detached job ID of the latest start, so a resume can
	// re-attach to a Setup.com still running on the node instead of
	// starting a second one.
	Job string
	// Offset is how many bytes of the job's log were already recorded, so
	// the re-attached tail does not repeat them.
	Offset int64
	// Manual: the latest start ran the manual fallback.
	Manual bool
	// Diagnosis is the latest failure's, if the step ever failed.
	Diagnosis *runbook.Diagnosis
}

// RunState is a journal folded into what resume needs.
type RunState struct {
	// Started is the run-started event: goal, source, options, operator,
	// plan digest, plan and the cluster as found. Nil if the run died
	// before recording it.
	Started *runbook.Event
	// Finished is the run-finished event, nil while the run is unfinished.
	Finished *runbook.Event
	// Resumes counts run-resumed events.
	Resumes int
	// Steps maps step ID to its state; steps never mentioned are absent.
	Steps map[string]*StepState
	// OutageOpen: an outage started and has not ended, so whoever resumes
	// is inside the user-visible outage and should hear about it.
	OutageOpen bool
	// LastSeq is the last event's sequence number.
	LastSeq int64
}

// IsFinished reports whether the run recorded its end; a finished run is
// not resumed.
func (s *RunState) IsFinished() bool { return s.Finished != nil }

// Step returns the state of one step; a step the journal never mentions is
// StepNotRun.
func (s *RunState) Step(id string) StepState {
	if st, ok := s.Steps[id]; ok {
		return *st
	}
	return StepState{ID: id}
}

// Remaining lists the plan's steps that resume still has to run (neither
// succeeded nor skipped), in plan order.
func (s *RunState) Remaining() []runbook.Step {
	if s.Started == nil {
		return nil
	}
	var out []runbook.Step
	for _, st := range s.Started.Plan {
		if !s.Step(st.ID).Status.Done() {
			out = append(out, st)
		}
	}
	return out
}

// State folds events, in journal order, into a RunState.
func State(events []runbook.Event) RunState {
	rs := RunState{Steps: map[string]*StepState{}}
	step := func(id string) *StepState {
		st, ok := rs.Steps[id]
		if !ok {
			st = &StepState{ID: id}
			rs.Steps[id] = st
		}
		return st
	}
	for i := range events {
		ev := &events[i]
		rs.LastSeq = ev.Seq
		switch ev.Event {
		case runbook.EvRunStarted:
			if rs.Started == nil {
				rs.Started = ev
			}
		case runbook.EvRunResumed:
			rs.Resumes++
		case runbook.EvRunFinished:
			rs.Finished = ev
		case runbook.EvOutageStarted:
			rs.OutageOpen = true
		case runbook.EvOutageEnded:
			rs.OutageOpen = false
		}
		if ev.Step == "" {
			continue
		}
		switch ev.Event {
		case runbook.EvStepConfirmed:
			st := step(ev.Step)
			if st.Status == StepNotRun || st.Status == StepFailed {
				st.Status = StepConfirmed
			}
		case runbook.EvStepStarted:
			st := step(ev.Step)
			st.Status = StepStarted
			st.Attempts++
			if ev.Attempt > st.Attempts {
				st.Attempts = ev.Attempt
			}
			if ev.Job != st.Job {
				st.Offset = 0 // a new job has a new log
			}
			st.Job = ev.Job
			st.Manual = ev.Manual
		case runbook.EvOutput:
			if ev.Offset > 0 {
				step(ev.Step).Offset = ev.Offset
			}
		case runbook.EvStepSucceeded:
			step(ev.Step).Status = StepSucceeded
		case runbook.EvStepFailed:
			st := step(ev.Step)
			st.Status = StepFailed
			if ev.Diagnosis != nil {
				st.Diagnosis = ev.Diagnosis
			}
		case runbook.EvStepSkipped:
			step(ev.Step).Status = StepSkipped
		}
	}
	return rs
}
