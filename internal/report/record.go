package report

import (
	"cmsrunbook/internal/i18n"
	"errors"
	"fmt"
	"strings"
	"time"

	"cmsrunbook/runbook"
)

// The change record (`cmsrunbook report --journal FILE`) is what a change
// board reads after the window: what was planned, who confirmed what, what
// ran, how long users were without their mailboxes, and every place where
// the run left the plan. Both writers build the same runRecord from the
// journal's events first, so the markdown and the JSON can never disagree.
//
// Where each step got to (result, attempts, times, exit code, skip reason,
// confirmations) and the outage intervals come from runbook.Fold, the same
// reducer that resume, the screen and the headless printer read, so the
// record cannot tell a different story from the run that wrote it. Only
// what needs each event's own sequence and time (deviations, failures,
// findings) is read from the events themselves.

// statusInterrupted is the record's status beyond runbook.RunStatus: a
// journal without run-finished is a run that was killed, crashed or lost
// its session, which a change board must tell apart from a clean abort.
const statusInterrupted = "interrupted"

type runRecord struct {
	// lang is the language of the markdown and html words (WithLang).
	lang       i18n.Lang
	Integrity  *Integrity     `json:"integrity,omitempty"` // the journal's hash chain, when read from a file
	Summary    runSummary     `json:"summary"`
	Before     *jsonCluster   `json:"before"`
	After      *jsonCluster   `json:"after"`
	Outage     runOutage      `json:"outage"`
	Steps      []runStep      `json:"steps"`
	Deviations []runDeviation `json:"deviations"`
	Findings   []runFinding   `json:"findings"`
	Failures   []runFailure   `json:"failures"`
	Window     runWindow      `json:"window"`
	Backout    []backoutItem  `json:"backout"`
	FollowUps  []string       `json:"follow_ups"`

	// for the markdown and the HTML only
	beforeCluster, afterCluster *runbook.Cluster
	start                       time.Time
	loc                         *time.Location // the offset of the run's first event
}

type runSummary struct {
	Cluster        string            `json:"cluster"`
	Goal           runbook.Goal      `json:"goal"`
	GoalLabel      string            `json:"goal_label"`
	Source         string            `json:"source"`
	Operator       string            `json:"operator"`
	Digest         string            `json:"digest"`
	DigestVerified bool              `json:"digest_verified"` // the recorded plan hashes to the recorded digest
	Options        map[string]string `json:"options,omitempty"`
	Started        string            `json:"started"`
	Finished       string            `json:"finished,omitempty"`
	LastEvent      string            `json:"last_event"`
	DurationMS     int64             `json:"duration_ms"`
	Duration       string            `json:"duration"`
	Status         string            `json:"status"` // succeeded, failed, aborted, interrupted
	Message        string            `json:"message,omitempty"`
	Mode           string            `json:"mode,omitempty"` // sim or real, from run-started
	// Ending: finished (run-finished), deliberate (run-interrupted: a
	// signal, a closed session) or journal-ends (a crash).
	Ending      string         `json:"ending"`
	Interrupted string         `json:"interrupted,omitempty"` // when run-interrupted was written
	Resumed     bool           `json:"resumed"`
	Resumes     int            `json:"resumes"`
	Events      int            `json:"events"`
	StepCounts  map[string]int `json:"step_counts"`
}

type runOutage struct {
	Occurred   bool           `json:"occurred"`
	Open       bool           `json:"open"` // an outage started and never ended
	Started    string         `json:"started,omitempty"`
	Ended      string         `json:"ended,omitempty"`
	DurationMS int64          `json:"duration_ms"` // sum of the windows; open ones up to the last event
	Duration   string         `json:"duration"`
	Windows    []outageWindow `json:"windows"`
}

type outageWindow struct {
	Started    string `json:"started"`
	Ended      string `json:"ended,omitempty"`
	Open       bool   `json:"open"`
	DurationMS int64  `json:"duration_ms"`
	Duration   string `json:"duration"`
	Step       string `json:"step,omitempty"`
	Node       string `json:"node,omitempty"`
	Message    string `json:"message,omitempty"`
}

type runStep struct {
	N             int               `json:"n"`
	ID            string            `json:"id"`
	Kind          runbook.StepKind  `json:"kind,omitempty"`
	Title         string            `json:"title"`
	Node          string            `json:"node,omitempty"`
	Outage        runbook.Outage    `json:"outage,omitempty"`
	InPlan        bool              `json:"in_plan"`
	Confirmations []runConfirmation `json:"confirmations"`
	Started       string            `json:"started,omitempty"`
	Ended         string            `json:"ended,omitempty"`
	DurationMS    int64             `json:"duration_ms"`
	Duration      string            `json:"duration"`
	Result        string            `json:"result"` // succeeded, failed, skipped, not-run, started (no result recorded)
	Reason        string            `json:"reason,omitempty"`
	Attempts      int               `json:"attempts"`
	Manual        bool              `json:"manual"`
	ExitCode      *int              `json:"exit_code,omitempty"`
	Diagnosis     string            `json:"diagnosis,omitempty"` // code of the last failure
	Commands      []string          `json:"commands,omitempty"`
	plan          *runbook.Step
}

// runConfirmation is the reducer's confirmation; its JSON (by, typed,
// time) is the record's.
type runConfirmation = runbook.Confirmation

type runDeviation struct {
	Seq    int64  `json:"seq"`
	Time   string `json:"time"`
	Kind   string `json:"kind"` // skip, retry, re-attach, manual, decision, resume
	Step   string `json:"step,omitempty"`
	N      int    `json:"n,omitempty"`
	Node   string `json:"node,omitempty"`
	Choice string `json:"choice,omitempty"`
	By     string `json:"by,omitempty"`
	Detail string `json:"detail"`
}

type runFinding struct {
	runbook.Finding
	Time string `json:"time"`
}

type runFailure struct {
	Seq       int64             `json:"seq"`
	Time      string            `json:"time"`
	Step      string            `json:"step"`
	N         int               `json:"n,omitempty"`
	Title     string            `json:"title,omitempty"`
	Node      string            `json:"node,omitempty"`
	Attempt   int               `json:"attempt"`
	ExitCode  *int              `json:"exit_code,omitempty"`
	Diagnosis runbook.Diagnosis `json:"diagnosis"`
	// Taken is the remedy chosen next for this step (the decision's
	// choice), or "" when the run ended or stopped before a decision.
	Taken   string `json:"taken,omitempty"`
	TakenBy string `json:"taken_by,omitempty"`
	// Outcome says what happened when nothing was chosen.
	Outcome string `json:"outcome,omitempty"`
}

// buildRun folds the events into the record. It never fails on odd
// content (a report must still come out of a damaged or partial run);
// only an empty journal is an error.
func buildRun(events []runbook.Event, opts []RunOption) (*runRecord, error) {
	if len(events) == 0 {
		return nil, errors.New("the journal holds no events")
	}
	p := runbook.Fold(events)
	r := &runRecord{Steps: []runStep{}, Deviations: []runDeviation{}, Findings: []runFinding{}, Failures: []runFailure{}}
	for _, o := range opts {
		o(r)
	}
	r.summarize(p, events[0].Time)
	idx := r.listSteps(p.Started, events)
	r.walk(events, idx)
	r.stepStates(p, idx) // after walk: a confirmed step's word needs the failures
	r.outageWindows(p)
	r.failureOutcomes(events, p.IsFinished())
	r.ending(events, p)
	r.window()
	r.backout()
	r.followUps()
	return r, nil
}

// summarize fills the summary from the run's start and end events.
func (r *runRecord) summarize(p *runbook.RunProgress, first string) {
	s := &r.Summary
	s.StepCounts = map[string]int{}
	s.Events, s.LastEvent, s.Started = p.Events, p.LastTime, first
	s.Resumes, s.Resumed = p.Resumes, p.Resumes > 0
	if ev := p.Started; ev != nil {
		s.Goal, s.Source, s.Operator, s.Digest, s.Options = ev.Goal, ev.Source, ev.Operator, ev.Digest, ev.Options
		s.Started = ev.Time
		s.DigestVerified = ev.Digest != "" && (&runbook.Plan{Steps: ev.Plan}).Digest() == ev.Digest
		if ev.Cluster != nil {
			s.Cluster = ev.Cluster.Name
			r.beforeCluster = ev.Cluster
			c := clusterJSON(ev.Cluster)
			r.Before = &c
		}
	}
	s.GoalLabel = s.Goal.Label()
	r.start, _ = parseTime(s.Started)
	if t, ok := parseTime(first); ok {
		r.loc = t.Location()
	} else if !r.start.IsZero() {
		r.loc = r.start.Location()
	}
	end := p.LastTime
	s.Status = statusInterrupted
	if ev := p.Finished; ev != nil {
		end = ev.Time
		r.summarizeFinish(ev)
	}
	if d, ok := between(s.Started, end); ok {
		s.DurationMS = d.Milliseconds()
	}
	s.Duration = fmtDur(s.DurationMS, s.Started != "" && end != "")
}

// summarizeFinish reads the run-finished event: the status, and the
// cluster as the run left it.
func (r *runRecord) summarizeFinish(ev *runbook.Event) {
	s := &r.Summary
	s.Finished = ev.Time
	s.Status = string(ev.Status)
	if s.Status == "" {
		s.Status = "unknown"
	}
	s.Message = ev.Message
	if ev.Cluster != nil {
		r.afterCluster = ev.Cluster
		c := clusterJSON(ev.Cluster)
		r.After = &c
		if s.Cluster == "" {
			s.Cluster = ev.Cluster.Name
		}
	}
}

// listSteps lists the steps in plan order, then any step the plan does not
// list (a journal without run-started, or a step added on resume) in order
// of appearance, and returns each ID's index. The reducer keeps where a
// step got to but not what it is, so a step outside the plan takes its
// kind and node from the first event that names it.
func (r *runRecord) listSteps(start *runbook.Event, events []runbook.Event) map[string]int {
	idx := map[string]int{}
	if start != nil {
		for i := range start.Plan {
			ps := &start.Plan[i]
			idx[ps.ID] = len(r.Steps)
			r.Steps = append(r.Steps, runStep{N: ps.N, ID: ps.ID, Kind: ps.Kind, Title: ps.Title, Node: ps.Node, Outage: ps.Outage,
				InPlan: true, Confirmations: []runConfirmation{}, Result: string(runbook.StepNotRun), Commands: ps.Commands, plan: ps})
		}
	}
	for i := range events {
		ev := &events[i]
		if _, ok := idx[ev.Step]; ok || ev.Step == "" || !namesStep(ev.Event) {
			continue
		}
		idx[ev.Step] = len(r.Steps)
		r.Steps = append(r.Steps, runStep{ID: ev.Step, Kind: ev.Kind, Title: ev.Step, Node: ev.Node,
			Confirmations: []runConfirmation{}, Result: string(runbook.StepNotRun)})
	}
	return idx
}

// namesStep reports the events that put a step in the record; output and
// outage events mention a step without making it one.
func namesStep(t runbook.EventType) bool {
	switch t {
	case runbook.EvStepConfirmed, runbook.EvStepStarted, runbook.EvStepSucceeded,
		runbook.EvStepFailed, runbook.EvStepSkipped, runbook.EvDecision:
		return true
	}
	return false
}

// walk records what needs each event's own sequence and time: resumes,
// findings, manual runs, retries, skips, decisions and failures. at is the
// reducer as it stood at each event, so a retry says which attempt it was.
func (r *runRecord) walk(events []runbook.Event, idx map[string]int) {
	at := runbook.NewRunProgress()
	for i := range events {
		ev := &events[i]
		at.Apply(*ev)
		switch ev.Event {
		case runbook.EvRunResumed:
			r.Deviations = append(r.Deviations, runDeviation{Seq: ev.Seq, Time: ev.Time, Kind: "resume", By: ev.By,
				Detail: orDefault(ev.Message, i18n.N("the run was resumed from the journal"))})
		case runbook.EvFinding:
			if ev.Finding != nil {
				r.Findings = append(r.Findings, runFinding{Finding: *ev.Finding, Time: ev.Time})
			}
		}
		if ev.Step == "" || !namesStep(ev.Event) {
			continue
		}
		st, attempts := &r.Steps[idx[ev.Step]], at.Steps[ev.Step].Attempts
		switch ev.Event {
		case runbook.EvStepStarted:
			r.started(ev, st, attempts)
		case runbook.EvStepFailed:
			f := failureOf(ev, st, attempts)
			st.Diagnosis = f.Diagnosis.Code
			r.Failures = append(r.Failures, f)
		case runbook.EvStepSkipped:
			r.skipped(ev, st, attempts)
		case runbook.EvDecision:
			r.decided(ev, st)
		}
	}
}

// started notes a start that left the plan: a manual fallback, or any
// attempt after the first.
func (r *runRecord) started(ev *runbook.Event, st *runStep, attempts int) {
	d := runDeviation{Seq: ev.Seq, Time: ev.Time, Step: st.ID, N: st.N, Node: st.Node}
	switch {
	case isReattach(ev):
		// Nothing was sent again: not a retry.
		d.Kind, d.Detail = "re-attach", ev.Message
	case ev.Manual:
		d.Kind, d.By = "manual", r.decidedBy(st.ID)
		d.Detail = fmt.Sprintf(i18n.N("manual fallback run: %s"), orDefault(strings.Join(ev.Commands, "; "), i18n.N("(command not recorded)")))
	case attempts > 1:
		d.Kind, d.By = "retry", r.decidedBy(st.ID)
		d.Detail = fmt.Sprintf(i18n.N("attempt %d"), attempts)
	default:
		return
	}
	r.Deviations = append(r.Deviations, d)
}

// decidedBy is who made the latest decision on a step, which a retry or
// a manual run carries out; "" when none was recorded.
func (r *runRecord) decidedBy(step string) string {
	for j := len(r.Deviations) - 1; j >= 0; j-- {
		if d := &r.Deviations[j]; d.Kind == "decision" && d.Step == step {
			return d.By
		}
	}
	return ""
}

func (r *runRecord) skipped(ev *runbook.Event, st *runStep, attempts int) {
	detail := orDefault(ev.Reason, noReason)
	if st.plan != nil && st.plan.When != runbook.Always && attempts == 0 {
		detail = fmt.Sprintf(i18n.N("%s (conditional step: %s)"), detail, whenLabel(st.plan.When))
	}
	r.Deviations = append(r.Deviations, runDeviation{Seq: ev.Seq, Time: ev.Time, Kind: "skip", Step: st.ID, N: st.N, Node: st.Node, By: ev.By, Detail: detail})
}

// decided notes a decision; it answers the latest failure of this step
// that has none yet.
func (r *runRecord) decided(ev *runbook.Event, st *runStep) {
	// Each part is a catalogue key of its own, so the markdown and the
	// page translate the recorded English sentence by matching it.
	choice := orDefault(ev.Choice, i18n.N("(no choice recorded)"))
	detail := fmt.Sprintf(i18n.N("chose %s"), choice)
	if ev.Message != "" {
		detail = fmt.Sprintf(i18n.N("chose %s: %s"), choice, ev.Message)
	}
	if len(ev.Commands) > 0 {
		// A remedy that changed the cluster: exactly what it sent.
		detail = fmt.Sprintf(i18n.N("%s; sent: %s"), detail, strings.Join(ev.Commands, "; "))
		if ev.Typed != "" {
			detail = fmt.Sprintf(i18n.N("%s (confirmed by typing %q)"), detail, ev.Typed)
		}
	}
	r.Deviations = append(r.Deviations, runDeviation{Seq: ev.Seq, Time: ev.Time, Kind: "decision", Step: st.ID, N: st.N, Node: st.Node,
		Choice: ev.Choice, By: ev.By, Detail: detail})
	for j := len(r.Failures) - 1; j >= 0; j-- {
		if f := &r.Failures[j]; f.Step == ev.Step {
			if f.Taken == "" {
				f.Taken, f.TakenBy = ev.Choice, ev.By
			}
			break
		}
	}
}

func failureOf(ev *runbook.Event, st *runStep, attempts int) runFailure {
	f := runFailure{Seq: ev.Seq, Time: ev.Time, Step: st.ID, N: st.N, Title: st.Title, Node: st.Node,
		Attempt: max(attempts, ev.Attempt), ExitCode: ev.ExitCode}
	if ev.Diagnosis != nil {
		f.Diagnosis = *ev.Diagnosis
	} else {
		f.Diagnosis = runbook.Diagnosis{Code: "unknown", Message: orDefault(ev.Message, i18n.N("the step failed; no diagnosis was recorded"))}
	}
	if f.Diagnosis.Remedies == nil {
		f.Diagnosis.Remedies = []runbook.Remedy{}
	}
	return f
}

// stepStates copies where each step got to from the reducer, then counts
// the results for the summary. A step's duration runs from its first
// start to its latest result; when those times do not read, it is the
// duration the latest result recorded.
func (r *runRecord) stepStates(p *runbook.RunProgress, idx map[string]int) {
	for id, i := range idx {
		st, sp := &r.Steps[i], p.Step(id)
		st.Confirmations = append(st.Confirmations, sp.Confirmations...)
		st.Started, st.Ended, st.ExitCode = sp.Started, sp.Ended, sp.ExitCode
		st.Attempts, st.Manual, st.Reason = sp.Attempts, sp.EverManual, sp.Reason
		st.Result = r.resultWord(id, sp.Status)
		if d, ok := between(st.Started, st.Ended); ok && st.Started != "" {
			st.DurationMS = d.Milliseconds()
		} else {
			st.DurationMS = sp.DurationMS
		}
	}
	for i := range r.Steps {
		st := &r.Steps[i]
		st.Duration = fmtDur(st.DurationMS, (st.Started != "" && st.Ended != "") || st.DurationMS > 0)
		r.Summary.StepCounts[st.Result]++
	}
}

// resultWord is the record's word for a step's status. The reducer's
// "confirmed" is not a result: the step keeps its last one, failed when a
// failure is recorded (a resume confirms a failed step before running it
// again), else not-run.
func (r *runRecord) resultWord(id string, s runbook.StepStatus) string {
	if s != runbook.StepConfirmed {
		return string(s)
	}
	for i := range r.Failures {
		if r.Failures[i].Step == id {
			return string(runbook.StepFailed)
		}
	}
	return string(runbook.StepNotRun)
}

// outageWindows lists the reducer's outage intervals and sums them; an
// interval still open counts up to the last event.
func (r *runRecord) outageWindows(p *runbook.RunProgress) {
	o := &r.Outage
	o.Windows = []outageWindow{}
	for _, in := range p.Outages {
		w := windowOf(in, p.LastTime)
		o.Windows = append(o.Windows, w)
		o.Occurred = true
		o.DurationMS += w.DurationMS
		if o.Started == "" {
			o.Started = w.Started
		}
		o.Ended, o.Open = w.Ended, w.Open
	}
	o.Duration = fmtDur(o.DurationMS, o.Occurred)
	if o.Open {
		o.Ended = ""
	}
}

// windowOf measures one interval: by its start and end times when both
// read, else by the length the engine recorded at the end.
func windowOf(in runbook.OutageInterval, last string) outageWindow {
	w := outageWindow{Started: in.Start, Ended: in.End, Open: in.Open, Step: in.Step, Node: in.Node, Message: in.Message}
	if in.Open {
		if d, ok := between(in.Start, last); ok {
			w.DurationMS = d.Milliseconds()
		}
		w.Duration = fmt.Sprintf(i18n.N("%s so far"), fmtDur(w.DurationMS, in.Start != ""))
		return w
	}
	if d, ok := between(in.Start, in.End); ok && in.Start != "" {
		w.DurationMS = d.Milliseconds()
	} else if in.MS > 0 {
		w.DurationMS = in.MS
	}
	w.Duration = fmtDur(w.DurationMS, in.Start != "" || in.MS > 0)
	return w
}

// failureOutcomes says, for each failure without a decision, what
// happened next.
func (r *runRecord) failureOutcomes(events []runbook.Event, finished bool) {
	for i := range r.Failures {
		f := &r.Failures[i]
		if f.Taken != "" {
			continue
		}
		switch {
		case i+1 < len(r.Failures) || stepLaterStarted(events, f):
			f.Outcome = i18n.N("no decision recorded")
		case finished:
			f.Outcome = fmt.Sprintf(i18n.N("no remedy taken: the run ended %s"), r.Summary.Status)
		default:
			f.Outcome = i18n.N("no remedy taken: the journal ends here (run interrupted)")
		}
	}
}

// stepLaterStarted reports a start of f's step after f: the run went on
// without a recorded decision (an older engine, or --on-failure applied
// silently), which the record should say rather than guess.
func stepLaterStarted(events []runbook.Event, f *runFailure) bool {
	for i := range events {
		if ev := &events[i]; ev.Seq > f.Seq && ev.Step == f.Step && ev.Event == runbook.EvStepStarted {
			return true
		}
	}
	return false
}

// noReason and durUnknown are words the record keeps in English (the
// JSON's) and the markdown and the page translate.
var (
	noReason   = i18n.N("no reason recorded")
	durUnknown = i18n.N("unknown")
)

// statusWords are the run's and the steps' status words, keys for the
// sentences that quote them (the JSON keeps the words as they are).
var statusWords = []string{i18n.N("succeeded"), i18n.N("failed"), i18n.N("aborted"), i18n.N("interrupted"), i18n.N("skipped"), i18n.N("started"), i18n.N("not-run")}

// tr is the printer of the record's words; no language is English.
func (r *runRecord) tr() *i18n.Printer {
	if r.lang == "" {
		return i18n.For(i18n.English)
	}
	return i18n.For(r.lang)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// parseTime reads the journal's RFC 3339 timestamps.
func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// between is the time from a to b, when both parse and b is not earlier.
func between(a, b string) (time.Duration, bool) {
	ta, ok1 := parseTime(a)
	tb, ok2 := parseTime(b)
	if !ok1 || !ok2 || tb.Before(ta) {
		return 0, false
	}
	return tb.Sub(ta), true
}

// fmtDur is "1h 02m 03s", "12m 30s", "45s" or "0.4s"; known is false when
// the times were missing or unreadable, and the answer is then "unknown".
func fmtDur(ms int64, known bool) string {
	if !known {
		return durUnknown
	}
	d := time.Duration(ms) * time.Millisecond
	if d < time.Second {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	d = d.Round(time.Second)
	h, m, sec := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case h > 0:
		return fmt.Sprintf("%dh %02dm %02ds", h, m, sec)
	case m > 0:
		return fmt.Sprintf("%dm %02ds", m, sec)
	}
	return fmt.Sprintf("%ds", sec)
}
