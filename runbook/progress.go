package runbook

import "strings"

// The step-status reducer: the one place where the run record's events are
// folded into "where did each step get to". Journal replay (resume), the
// screen, the change record and the headless printer all read the same
// fold, so they cannot disagree about what happened.

// StepStatus is where a step got to according to the events.
type StepStatus string

const (
	StepNotRun    StepStatus = "not-run"
	StepConfirmed StepStatus = "confirmed"
	StepStarted   StepStatus = "started" // started, no result recorded yet
	StepSucceeded StepStatus = "succeeded"
	StepFailed    StepStatus = "failed"
	StepSkipped   StepStatus = "skipped"
)

// Done reports a status a resume must not run again.
func (s StepStatus) Done() bool { return s == StepSucceeded || s == StepSkipped }

// Confirmation records who confirmed a step, and when.
type Confirmation struct {
	By    string `json:"by"`
	Typed string `json:"typed,omitempty"`
	Time  string `json:"time"`
}

// DecisionRecord is one remedy chosen after a failure (or at a prompt).
type DecisionRecord struct {
	Seq    int64  `json:"seq"`
	Time   string `json:"time"`
	Choice string `json:"choice"`
	By     string `json:"by"`
}

// StepProgress is what the events say about one step.
type StepProgress struct {
	ID     string
	Status StepStatus
	// Attempts counts the step's starts (the engine's own attempt number
	// wins when it is higher).
	Attempts int
	// Job is the detached job ID of the latest start, so a resume can
	// re-attach to a Setup.com still running on the node.
	Job string
	// Offset is how many bytes of the job's log were already recorded.
	Offset int64
	// Manual: the latest start ran the manual fallback; EverManual: any did.
	Manual, EverManual bool
	// Boot is the node's boot ID recorded at the first start of a reboot
	// step, so a resume can tell whether the reboot already happened.
	Boot string
	// Started is the first start's time, Ended the latest result's;
	// EndedSeq is the latest result's sequence number. AttemptStarted is
	// when the latest attempt began (a re-attach to it keeps the time).
	Started, Ended string
	AttemptStarted string
	EndedSeq       int64
	// ExitCode is the latest result's exit code, if any.
	ExitCode *int
	// DurationMS is the latest result's recorded duration, if any.
	DurationMS int64
	// Diagnosis is the latest failure's.
	Diagnosis *Diagnosis
	// Reason is why the step was skipped.
	Reason string
	// SkippedBy is who skipped it, when a person or --yes did.
	SkippedBy     string
	Confirmations []Confirmation
	Decisions     []DecisionRecord
}

// LastChoice is the latest decision's choice, or "".
func (s *StepProgress) LastChoice() RemedyAction {
	if len(s.Decisions) == 0 {
		return ""
	}
	return RemedyAction(s.Decisions[len(s.Decisions)-1].Choice)
}

// OutageInterval is one stretch of time in which users could not reach a
// CMS. End is empty while it is open.
type OutageInterval struct {
	Start, End string
	Step, Node string
	Message    string
	// MS is the length the engine recorded at the end (0 while open).
	MS   int64
	Open bool
}

// RunProgress is a run record folded into per-step status, decisions and
// outage intervals.
type RunProgress struct {
	// Started is the run-started event (nil if the run died before it).
	Started *Event
	// Finished is the run-finished event, nil while the run is unfinished.
	Finished *Event
	Resumes  int
	// Steps maps step ID to its progress; Order lists the IDs in order of
	// first appearance.
	Steps map[string]*StepProgress
	Order []string
	// Findings are the findings recorded, in order.
	Findings []Finding
	// Outages are the outage intervals in order; OutageOpen says the last
	// one has not ended (whoever resumes is inside the outage).
	Outages    []OutageInterval
	OutageOpen bool
	// Events counts the events folded; LastSeq and LastTime are the last one's.
	Events   int
	LastSeq  int64
	LastTime string
}

// NewRunProgress returns an empty fold.
func NewRunProgress() *RunProgress {
	return &RunProgress{Steps: map[string]*StepProgress{}}
}

// Fold folds events, in record order.
func Fold(events []Event) *RunProgress {
	p := NewRunProgress()
	for i := range events {
		p.Apply(events[i])
	}
	return p
}

// IsFinished reports whether the run recorded its end.
func (p *RunProgress) IsFinished() bool { return p.Finished != nil }

// Step returns one step's progress; a step never mentioned is StepNotRun.
func (p *RunProgress) Step(id string) StepProgress {
	if st, ok := p.Steps[id]; ok {
		return *st
	}
	return StepProgress{ID: id, Status: StepNotRun}
}

// Plan is the plan recorded at the start, or nil.
func (p *RunProgress) Plan() *Plan {
	if p.Started == nil {
		return nil
	}
	pl := &Plan{Goal: p.Started.Goal, Steps: p.Started.Plan}
	pl.FillExec()
	return pl
}

// Remaining lists the recorded plan's steps not yet done, in plan order.
func (p *RunProgress) Remaining() []Step {
	if p.Started == nil {
		return nil
	}
	var out []Step
	for _, s := range p.Started.Plan {
		if !p.Step(s.ID).Status.Done() {
			out = append(out, s)
		}
	}
	return out
}

// OrigOwners is each CMS's owner (by upper-case name) when the run began.
func (p *RunProgress) OrigOwners() map[string]string {
	if p.Started == nil || p.Started.Cluster == nil {
		return nil
	}
	m := map[string]string{}
	for _, g := range p.Started.Cluster.CMSs() {
		m[strings.ToUpper(g.Name)] = g.Owner
	}
	return m
}

func (p *RunProgress) step(ev *Event) *StepProgress {
	st, ok := p.Steps[ev.Step]
	if !ok {
		st = &StepProgress{ID: ev.Step, Status: StepNotRun}
		p.Steps[ev.Step] = st
		p.Order = append(p.Order, ev.Step)
	}
	return st
}

// Apply folds one event.
func (p *RunProgress) Apply(ev Event) {
	p.Events++
	p.LastSeq, p.LastTime = ev.Seq, ev.Time
	p.applyRun(&ev)
	if ev.Step == "" {
		return
	}
	switch ev.Event {
	case EvStepConfirmed:
		st := p.step(&ev)
		st.Confirmations = append(st.Confirmations, Confirmation{By: ev.By, Typed: ev.Typed, Time: ev.Time})
		if st.Status == StepNotRun || st.Status == StepFailed {
			st.Status = StepConfirmed
		}
	case EvStepStarted:
		p.applyStart(p.step(&ev), &ev)
	case EvOutput:
		if ev.Offset > 0 {
			p.step(&ev).Offset = ev.Offset
		}
	case EvStepSucceeded, EvStepFailed, EvStepSkipped:
		p.applyResult(p.step(&ev), &ev)
	case EvDecision:
		st := p.step(&ev)
		st.Decisions = append(st.Decisions, DecisionRecord{Seq: ev.Seq, Time: ev.Time, Choice: ev.Choice, By: ev.By})
	}
}

// applyRun folds the events about the run as a whole.
func (p *RunProgress) applyRun(ev *Event) {
	switch ev.Event {
	case EvRunStarted:
		if p.Started == nil {
			e := *ev
			p.Started = &e
		}
	case EvRunResumed:
		// A run that stopped (aborted, failed) and is resumed is not
		// finished any more.
		p.Resumes++
		p.Finished = nil
	case EvRunFinished:
		e := *ev
		p.Finished = &e
	case EvFinding:
		if ev.Finding != nil {
			p.Findings = append(p.Findings, *ev.Finding)
		}
	case EvOutageStarted:
		if p.OutageOpen { // a second start without an end closes the first where it begins
			p.Outages[len(p.Outages)-1].End = ev.Time
			p.Outages[len(p.Outages)-1].Open = false
		}
		p.Outages = append(p.Outages, OutageInterval{Start: ev.Time, Step: ev.Step, Node: ev.Node, Message: ev.Message, Open: true})
		p.OutageOpen = true
	case EvOutageEnded:
		if !p.OutageOpen { // an end without a start: an interval of unknown start
			p.Outages = append(p.Outages, OutageInterval{Step: ev.Step, Node: ev.Node, Message: ev.Message})
		}
		o := &p.Outages[len(p.Outages)-1]
		o.End, o.MS, o.Open = ev.Time, ev.OutageMS, false
		p.OutageOpen = false
	}
}

func (p *RunProgress) applyStart(st *StepProgress, ev *Event) {
	st.Status = StepStarted
	// The engine numbers its attempts; a re-attach after a resume is the
	// same attempt recorded again. Records without numbers count starts.
	switch {
	case ev.Attempt > st.Attempts || ev.Attempt == 0:
		st.AttemptStarted = ev.Time // a new attempt
	case st.AttemptStarted == "":
		st.AttemptStarted = ev.Time
	}
	if ev.Attempt > 0 {
		st.Attempts = max(st.Attempts, ev.Attempt)
	} else {
		st.Attempts++
	}
	if st.Started == "" {
		st.Started = ev.Time
	}
	if ev.Job != st.Job {
		st.Offset = 0 // a new job has a new log
	}
	st.Job = ev.Job
	st.Manual = ev.Manual
	st.EverManual = st.EverManual || ev.Manual
	if st.Boot == "" {
		st.Boot = ev.Boot // the first start's boot ID
	}
}

func (p *RunProgress) applyResult(st *StepProgress, ev *Event) {
	st.Ended, st.EndedSeq = ev.Time, ev.Seq
	st.ExitCode = ev.ExitCode
	st.DurationMS = ev.DurationMS
	switch ev.Event {
	case EvStepSucceeded:
		st.Status = StepSucceeded
	case EvStepFailed:
		st.Status = StepFailed
		if ev.Diagnosis != nil {
			st.Diagnosis = ev.Diagnosis
		}
	case EvStepSkipped:
		st.Status = StepSkipped
		st.Reason, st.SkippedBy = ev.Reason, ev.By
	}
}
