package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"cmsrunbook/runbook"
)

// The change record (`cmsrunbook report --journal FILE`) is what a change
// board reads after the window: what was planned, who confirmed what, what
// ran, how long users were without their mailboxes, and every place where
// the run left the plan. Both writers build the same runRecord from the
// journal's events first, so the markdown and the JSON can never disagree.

// Status words of the change record beyond runbook.RunStatus: a journal
// without run-finished is a run that was killed, crashed or lost its
// session, which a change board must tell apart from a clean abort.
const (
	statusInterrupted = "interrupted"
	stepNotRun        = "not-run"
	stepRunning       = "started" // started, no result recorded
)

type runRecord struct {
	Summary    runSummary     `json:"summary"`
	Before     *jsonCluster   `json:"before"`
	After      *jsonCluster   `json:"after"`
	Outage     runOutage      `json:"outage"`
	Steps      []runStep      `json:"steps"`
	Deviations []runDeviation `json:"deviations"`
	Findings   []runFinding   `json:"findings"`
	Failures   []runFailure   `json:"failures"`

	// for the markdown only
	beforeCluster, afterCluster *runbook.Cluster
	start                       time.Time
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
	Resumed        bool              `json:"resumed"`
	Resumes        int               `json:"resumes"`
	Events         int               `json:"events"`
	StepCounts     map[string]int    `json:"step_counts"`
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

type runConfirmation struct {
	By    string `json:"by"`
	Typed string `json:"typed,omitempty"`
	Time  string `json:"time"`
}

type runDeviation struct {
	Seq    int64  `json:"seq"`
	Time   string `json:"time"`
	Kind   string `json:"kind"` // skip, retry, manual, decision, resume
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
func buildRun(events []runbook.Event) (*runRecord, error) {
	if len(events) == 0 {
		return nil, errors.New("the journal holds no events")
	}
	r := &runRecord{Steps: []runStep{}, Deviations: []runDeviation{}, Findings: []runFinding{}, Failures: []runFailure{}}
	r.Summary.StepCounts = map[string]int{}
	r.Outage.Windows = []outageWindow{}
	r.Summary.Events = len(events)

	var startEv, finishEv *runbook.Event
	for i := range events {
		ev := &events[i]
		switch ev.Event {
		case runbook.EvRunStarted:
			if startEv == nil {
				startEv = ev
			}
		case runbook.EvRunFinished:
			finishEv = ev
		}
	}
	last := &events[len(events)-1]
	s := &r.Summary
	s.LastEvent = last.Time
	s.Started = events[0].Time
	if startEv != nil {
		s.Goal, s.Source, s.Operator, s.Digest, s.Options = startEv.Goal, startEv.Source, startEv.Operator, startEv.Digest, startEv.Options
		s.Started = startEv.Time
		s.DigestVerified = startEv.Digest != "" && (&runbook.Plan{Steps: startEv.Plan}).Digest() == startEv.Digest
		if startEv.Cluster != nil {
			s.Cluster = startEv.Cluster.Name
			r.beforeCluster = startEv.Cluster
			c := clusterJSON(startEv.Cluster)
			r.Before = &c
		}
	}
	s.GoalLabel = s.Goal.Label()
	r.start, _ = parseTime(s.Started)
	end := last.Time
	s.Status = statusInterrupted
	if finishEv != nil {
		s.Finished, end = finishEv.Time, finishEv.Time
		s.Status = string(finishEv.Status)
		if s.Status == "" {
			s.Status = "unknown"
		}
		s.Message = finishEv.Message
		if finishEv.Cluster != nil {
			r.afterCluster = finishEv.Cluster
			c := clusterJSON(finishEv.Cluster)
			r.After = &c
			if s.Cluster == "" {
				s.Cluster = finishEv.Cluster.Name
			}
		}
	}
	if d, ok := between(s.Started, end); ok {
		s.DurationMS = d.Milliseconds()
	}
	s.Duration = fmtDur(s.DurationMS, s.Started != "" && end != "")

	// Steps in plan order, then any step the plan does not list (a journal
	// without run-started, or a step added on resume) in order of appearance.
	idx := map[string]int{}
	if startEv != nil {
		for i := range startEv.Plan {
			p := &startEv.Plan[i]
			idx[p.ID] = len(r.Steps)
			r.Steps = append(r.Steps, runStep{N: p.N, ID: p.ID, Kind: p.Kind, Title: p.Title, Node: p.Node, Outage: p.Outage,
				InPlan: true, Confirmations: []runConfirmation{}, Result: stepNotRun, Commands: p.Commands, plan: p})
		}
	}
	step := func(ev *runbook.Event) *runStep {
		i, ok := idx[ev.Step]
		if !ok {
			i = len(r.Steps)
			idx[ev.Step] = i
			r.Steps = append(r.Steps, runStep{ID: ev.Step, Kind: ev.Kind, Title: ev.Step, Node: ev.Node,
				Confirmations: []runConfirmation{}, Result: stepNotRun})
		}
		return &r.Steps[i]
	}

	var open *outageWindow
	for i := range events {
		ev := &events[i]
		switch ev.Event {
		case runbook.EvRunResumed:
			s.Resumed = true
			s.Resumes++
			r.Deviations = append(r.Deviations, runDeviation{Seq: ev.Seq, Time: ev.Time, Kind: "resume", By: ev.By,
				Detail: orDefault(ev.Message, "the run was resumed from the journal")})
		case runbook.EvFinding:
			if ev.Finding != nil {
				r.Findings = append(r.Findings, runFinding{Finding: *ev.Finding, Time: ev.Time})
			}
		case runbook.EvOutageStarted:
			if open != nil { // a second start without an end: close the first where the second begins
				closeOutage(open, ev.Time, 0)
				r.Outage.Windows = append(r.Outage.Windows, *open)
			}
			open = &outageWindow{Started: ev.Time, Step: ev.Step, Node: ev.Node, Message: ev.Message}
		case runbook.EvOutageEnded:
			if open == nil {
				open = &outageWindow{Step: ev.Step, Node: ev.Node, Message: ev.Message}
			}
			closeOutage(open, ev.Time, ev.OutageMS)
			r.Outage.Windows = append(r.Outage.Windows, *open)
			open = nil
		}
		if ev.Step == "" {
			continue
		}
		switch ev.Event {
		case runbook.EvStepConfirmed:
			st := step(ev)
			st.Confirmations = append(st.Confirmations, runConfirmation{By: ev.By, Typed: ev.Typed, Time: ev.Time})
		case runbook.EvStepStarted:
			st := step(ev)
			st.Attempts++
			if ev.Attempt > st.Attempts {
				st.Attempts = ev.Attempt
			}
			if st.Started == "" {
				st.Started = ev.Time
			}
			st.Result = stepRunning
			if ev.Manual {
				st.Manual = true
				r.Deviations = append(r.Deviations, runDeviation{Seq: ev.Seq, Time: ev.Time, Kind: "manual", Step: st.ID, N: st.N, Node: st.Node,
					Detail: "manual fallback run: " + orDefault(strings.Join(ev.Commands, "; "), "(command not recorded)")})
			} else if st.Attempts > 1 {
				r.Deviations = append(r.Deviations, runDeviation{Seq: ev.Seq, Time: ev.Time, Kind: "retry", Step: st.ID, N: st.N, Node: st.Node,
					Detail: fmt.Sprintf("attempt %d", st.Attempts)})
			}
		case runbook.EvStepSucceeded, runbook.EvStepFailed, runbook.EvStepSkipped:
			st := step(ev)
			st.Ended = ev.Time
			st.ExitCode = ev.ExitCode
			switch ev.Event {
			case runbook.EvStepSucceeded:
				st.Result = "succeeded"
			case runbook.EvStepFailed:
				st.Result = "failed"
				f := failureOf(ev, st)
				st.Diagnosis = f.Diagnosis.Code
				r.Failures = append(r.Failures, f)
			case runbook.EvStepSkipped:
				st.Result = "skipped"
				st.Reason = ev.Reason
				detail := orDefault(ev.Reason, "no reason recorded")
				if st.plan != nil && st.plan.When != runbook.Always && st.Attempts == 0 {
					detail += " (conditional step: " + whenLabel(st.plan.When) + ")"
				}
				r.Deviations = append(r.Deviations, runDeviation{Seq: ev.Seq, Time: ev.Time, Kind: "skip", Step: st.ID, N: st.N, Node: st.Node, By: ev.By, Detail: detail})
			}
			if d, ok := between(st.Started, st.Ended); ok && st.Started != "" {
				st.DurationMS = d.Milliseconds()
			} else if ev.DurationMS > 0 {
				st.DurationMS = ev.DurationMS
			}
		case runbook.EvDecision:
			st := step(ev)
			detail := "chose " + orDefault(ev.Choice, "(no choice recorded)")
			if ev.Message != "" {
				detail += ": " + ev.Message
			}
			r.Deviations = append(r.Deviations, runDeviation{Seq: ev.Seq, Time: ev.Time, Kind: "decision", Step: st.ID, N: st.N, Node: st.Node,
				Choice: ev.Choice, By: ev.By, Detail: detail})
			// The decision answers the latest failure of this step that has none yet.
			for j := len(r.Failures) - 1; j >= 0; j-- {
				if f := &r.Failures[j]; f.Step == ev.Step {
					if f.Taken == "" {
						f.Taken, f.TakenBy = ev.Choice, ev.By
					}
					break
				}
			}
		}
	}
	if open != nil {
		open.Open = true
		if d, ok := between(open.Started, last.Time); ok {
			open.DurationMS = d.Milliseconds()
		}
		open.Duration = fmtDur(open.DurationMS, open.Started != "") + " so far"
		r.Outage.Windows = append(r.Outage.Windows, *open)
	}
	for _, w := range r.Outage.Windows {
		r.Outage.Occurred = true
		r.Outage.DurationMS += w.DurationMS
		if r.Outage.Started == "" {
			r.Outage.Started = w.Started
		}
		r.Outage.Ended = w.Ended
		r.Outage.Open = w.Open
	}
	r.Outage.Duration = fmtDur(r.Outage.DurationMS, r.Outage.Occurred)
	if r.Outage.Open {
		r.Outage.Ended = ""
	}

	for i := range r.Failures {
		f := &r.Failures[i]
		if f.Taken != "" {
			continue
		}
		switch {
		case i+1 < len(r.Failures) || stepLaterStarted(events, f):
			f.Outcome = "no decision recorded"
		case finishEv != nil:
			f.Outcome = "no remedy taken: the run ended " + s.Status
		default:
			f.Outcome = "no remedy taken: the journal ends here (run interrupted)"
		}
	}
	for i := range r.Steps {
		st := &r.Steps[i]
		st.Duration = fmtDur(st.DurationMS, (st.Started != "" && st.Ended != "") || st.DurationMS > 0)
		s.StepCounts[st.Result]++
	}
	return r, nil
}

func failureOf(ev *runbook.Event, st *runStep) runFailure {
	f := runFailure{Seq: ev.Seq, Time: ev.Time, Step: st.ID, N: st.N, Title: st.Title, Node: st.Node,
		Attempt: max(st.Attempts, ev.Attempt), ExitCode: ev.ExitCode}
	if ev.Diagnosis != nil {
		f.Diagnosis = *ev.Diagnosis
	} else {
		f.Diagnosis = runbook.Diagnosis{Code: "unknown", Message: orDefault(ev.Message, "the step failed; no diagnosis was recorded")}
	}
	if f.Diagnosis.Remedies == nil {
		f.Diagnosis.Remedies = []runbook.Remedy{}
	}
	return f
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

func closeOutage(w *outageWindow, ended string, ms int64) {
	w.Ended = ended
	if d, ok := between(w.Started, ended); ok && w.Started != "" {
		w.DurationMS = d.Milliseconds()
	} else if ms > 0 {
		w.DurationMS = ms
	}
	w.Duration = fmtDur(w.DurationMS, w.Started != "" || ms > 0)
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
		return "unknown"
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

// RunJSON writes the change record as one JSON object: summary, before,
// after, outage, steps, deviations, findings and failures.
func RunJSON(w io.Writer, events []runbook.Event) error {
	r, err := buildRun(events)
	if err != nil {
		return fmt.Errorf("change record: %w", err)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing change record JSON: %w", err)
	}
	return nil
}

// clock shows a timestamp for a person: the full date and time in the
// offset the engine recorded, or only the time of day when it falls on the
// run's start date (most of a window's events), so the tables stay narrow.
func (r *runRecord) clock(s string) string {
	t, ok := parseTime(s)
	if !ok {
		if s == "" {
			return "-"
		}
		return s
	}
	if !r.start.IsZero() {
		y1, m1, d1 := t.Date()
		y2, m2, d2 := r.start.In(t.Location()).Date()
		if y1 == y2 && m1 == m2 && d1 == d2 {
			return t.Format("15:04:05")
		}
	}
	return t.Format("2006-01-02 15:04:05 -07:00")
}

// fullClock is a timestamp with its date, for the header.
func fullClock(s string) string {
	if t, ok := parseTime(s); ok {
		return t.Format("2006-01-02 15:04:05 -07:00")
	}
	if s == "" {
		return "not recorded"
	}
	return s
}

func statusLabel(s runSummary) string {
	switch s.Status {
	case string(runbook.RunSucceeded):
		return "**SUCCEEDED**"
	case string(runbook.RunFailed):
		return "**FAILED**: the runbook stopped on a failure"
	case string(runbook.RunAborted):
		return "**ABORTED** by the operator"
	case statusInterrupted:
		return "**INTERRUPTED**: the journal ends without run-finished (crash, kill or lost session); resume with `cmsrunbook resume --journal FILE`"
	}
	return "**" + strings.ToUpper(s.Status) + "**"
}

func stepLabel(st *runStep) string {
	if st.N > 0 {
		return fmt.Sprintf("%d. %s", st.N, st.Title)
	}
	return st.Title
}

// RunMarkdown writes the change record for the change board.
func RunMarkdown(w io.Writer, events []runbook.Event) error {
	r, err := buildRun(events)
	if err != nil {
		return fmt.Errorf("change record: %w", err)
	}
	s := &r.Summary
	b := &strings.Builder{}
	cluster := orDefault(s.Cluster, "unknown cluster")
	goal := s.GoalLabel
	if goal == "" {
		goal = "Run"
	}
	fmt.Fprintf(b, "# Change record: %s on %s\n\n", goal, cluster)
	b.WriteString("| | |\n|---|---|\n")
	if r.beforeCluster != nil {
		fmt.Fprintf(b, "| Cluster | %s |\n", mdCell(clusterLine(r.beforeCluster)))
	} else {
		fmt.Fprintf(b, "| Cluster | %s |\n", mdCell(cluster))
	}
	if s.Goal != "" {
		fmt.Fprintf(b, "| Goal | `%s` (%s) |\n", s.Goal, mdCell(s.GoalLabel))
	}
	fmt.Fprintf(b, "| Source | %s |\n", mdCell(orDefault(s.Source, "not recorded")))
	fmt.Fprintf(b, "| Operator | %s |\n", mdCell(orDefault(s.Operator, "not recorded")))
	switch {
	case s.Digest == "":
		b.WriteString("| Plan digest | not recorded |\n")
	case s.DigestVerified:
		fmt.Fprintf(b, "| Plan digest | `%s` (matches the recorded plan) |\n", s.Digest)
	default:
		fmt.Fprintf(b, "| Plan digest | `%s` (**does not match the recorded plan**) |\n", s.Digest)
	}
	fmt.Fprintf(b, "| Started | %s |\n", fullClock(s.Started))
	if s.Finished != "" {
		fmt.Fprintf(b, "| Finished | %s |\n", fullClock(s.Finished))
		fmt.Fprintf(b, "| Duration | %s |\n", s.Duration)
	} else {
		fmt.Fprintf(b, "| Finished | not recorded; last event at %s |\n", fullClock(s.LastEvent))
		fmt.Fprintf(b, "| Duration | %s up to the last event |\n", s.Duration)
	}
	res := statusLabel(*s)
	if s.Message != "" {
		res += " (" + s.Message + ")"
	}
	fmt.Fprintf(b, "| Result | %s |\n", mdCell(res))
	if s.Resumed {
		fmt.Fprintf(b, "| Resumed | yes, %d time(s) |\n", s.Resumes)
	} else {
		b.WriteString("| Resumed | no |\n")
	}
	fmt.Fprintf(b, "| User-visible outage | %s |\n", mdCell(outageSummary(r)))
	fmt.Fprintf(b, "| Steps | %s |\n\n", stepCounts(r))

	b.WriteString("## Cluster before the window\n\n")
	if r.beforeCluster == nil {
		b.WriteString("Not recorded.\n\n")
	} else {
		clusterTables(b, r.beforeCluster, nil)
	}
	b.WriteString("## Cluster after the window\n\n")
	if r.afterCluster == nil {
		b.WriteString("Not recorded: the run did not finish, so the cluster's final state was never read. Check it before closing the change.\n\n")
	} else {
		clusterTables(b, r.afterCluster, r.beforeCluster)
	}

	b.WriteString("## Outage\n\n")
	if !r.Outage.Occurred {
		b.WriteString("No user-visible outage was recorded.\n\n")
	} else {
		b.WriteString("| Started | Ended | Length | Step | Note |\n|---|---|---|---|---|\n")
		for _, o := range r.Outage.Windows {
			ended := r.clock(o.Ended)
			if o.Open {
				ended = "**still open**"
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", r.clock(o.Started), ended, o.Duration, mdCell(o.Step), mdCell(o.Message))
		}
		if r.Outage.Open {
			b.WriteString("\n**The outage never ended in this record: users may still be without their mailboxes.**\n")
		}
		b.WriteString("\n")
	}

	b.WriteString("## Steps\n\n")
	if len(r.Steps) == 0 {
		b.WriteString("No step was recorded.\n\n")
	} else {
		b.WriteString("| # | Step | Node | Confirmed by | Started | Duration | Result | Attempts | Manual fallback |\n|---|---|---|---|---|---|---|---|---|\n")
		for i := range r.Steps {
			st := &r.Steps[i]
			n := "-"
			if st.N > 0 {
				n = fmt.Sprint(st.N)
			}
			var conf []string
			for _, c := range st.Confirmations {
				t := orDefault(c.By, "unknown")
				if c.Typed != "" {
					t += fmt.Sprintf(" (typed %q)", c.Typed)
				}
				conf = append(conf, t+" at "+r.clock(c.Time))
			}
			result := st.Result
			switch st.Result {
			case "failed":
				result = "**FAILED**"
				if st.Diagnosis != "" {
					result += " `" + st.Diagnosis + "`"
				}
			case "skipped":
				result = "skipped: " + orDefault(st.Reason, "no reason recorded")
			case stepRunning:
				result = "**started, no result recorded**"
			case stepNotRun:
				result = "not run"
			}
			manual := ""
			if st.Manual {
				manual = "yes"
			}
			dur := st.Duration
			if dur == "unknown" {
				dur = "-"
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %d | %s |\n", n, mdCell(st.Title), mdCell(orDefault(st.Node, "all")),
				mdCell(orDefault(strings.Join(conf, "; "), "-")), r.clock(st.Started), dur, mdCell(result), st.Attempts, manual)
		}
		b.WriteString("\n")
	}

	b.WriteString("## Deviations from the plan\n\n")
	if len(r.Deviations) == 0 {
		b.WriteString("None: every step ran once, as planned.\n\n")
	} else {
		b.WriteString("| Time | Kind | Step | By | Detail |\n|---|---|---|---|---|\n")
		for _, d := range r.Deviations {
			stepName := d.Step
			if d.N > 0 {
				stepName = fmt.Sprintf("%d (%s)", d.N, d.Step)
			}
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", r.clock(d.Time), d.Kind, mdCell(orDefault(stepName, "-")), mdCell(orDefault(d.By, "-")), mdCell(d.Detail))
		}
		b.WriteString("\n")
	}

	b.WriteString("## Findings\n\n")
	fs := make([]runbook.Finding, len(r.Findings))
	for i, f := range r.Findings {
		fs[i] = f.Finding
	}
	findingsTable(b, fs)
	b.WriteString("\n")

	b.WriteString("## Failures\n\n")
	if len(r.Failures) == 0 {
		b.WriteString("None.\n")
	}
	for _, f := range r.Failures {
		name := f.Title
		if f.N > 0 {
			name = fmt.Sprintf("Step %d, %s", f.N, f.Title)
		}
		fmt.Fprintf(b, "### %s: `%s`\n\n", name, f.Diagnosis.Code)
		where := "at " + r.clock(f.Time)
		if f.Node != "" {
			where += " on " + f.Node
		}
		fmt.Fprintf(b, "Attempt %d, %s", f.Attempt, where)
		if f.ExitCode != nil {
			fmt.Fprintf(b, ", exit code %d", *f.ExitCode)
		}
		b.WriteString(".\n\n")
		fmt.Fprintf(b, "%s\n\n", f.Diagnosis.Message)
		if f.Diagnosis.Why != "" {
			fmt.Fprintf(b, "Why it matters: %s\n\n", f.Diagnosis.Why)
		}
		if len(f.Diagnosis.Lines) > 0 {
			b.WriteString("Output that shows it:\n\n")
			fence := codeFence(f.Diagnosis.Lines)
			b.WriteString(fence + "\n")
			for _, l := range f.Diagnosis.Lines {
				b.WriteString(l + "\n")
			}
			b.WriteString(fence + "\n\n")
		}
		if len(f.Diagnosis.Remedies) > 0 {
			b.WriteString("Remedies offered:\n\n")
			for _, rem := range f.Diagnosis.Remedies {
				line := fmt.Sprintf("- [%s] %s", rem.Key, rem.Label)
				if rem.Command != "" {
					line += ": `" + rem.Command + "`"
				}
				if rem.Warning != "" {
					line += " (warning: " + rem.Warning + ")"
				}
				if f.Taken != "" && string(rem.Action) == f.Taken {
					line += " **<- taken"
					if f.TakenBy != "" {
						line += " by " + f.TakenBy
					}
					line += "**"
				}
				b.WriteString(line + "\n")
			}
			b.WriteString("\n")
		}
		switch {
		case f.Taken != "":
			by := ""
			if f.TakenBy != "" {
				by = " by " + f.TakenBy
			}
			fmt.Fprintf(b, "Chosen: **%s**%s.\n\n", f.Taken, by)
		default:
			fmt.Fprintf(b, "Chosen: %s.\n\n", f.Outcome)
		}
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// codeFence picks a fence longer than any backtick run in the quoted
// output, so a node's output cannot close the block early.
func codeFence(lines []string) string {
	n := 3
	for _, l := range lines {
		run := 0
		for _, c := range l {
			if c == '`' {
				run++
				if run >= n {
					n = run + 1
				}
			} else {
				run = 0
			}
		}
	}
	return strings.Repeat("`", n)
}

func outageSummary(r *runRecord) string {
	o := r.Outage
	if !o.Occurred {
		return "none recorded"
	}
	if o.Open {
		return fmt.Sprintf("**still open**: started %s, %s up to the last event", r.clock(o.Started), o.Duration)
	}
	windows := ""
	if len(o.Windows) > 1 {
		windows = fmt.Sprintf(" in %d windows", len(o.Windows))
	}
	return fmt.Sprintf("%s%s (%s to %s)", o.Duration, windows, r.clock(o.Started), r.clock(o.Ended))
}

func stepCounts(r *runRecord) string {
	var parts []string
	for _, k := range []string{"succeeded", "failed", "skipped", stepRunning, stepNotRun} {
		if n := r.Summary.StepCounts[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, strings.ReplaceAll(k, "-", " ")))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return fmt.Sprintf("%d: %s", len(r.Steps), strings.Join(parts, ", "))
}

// clusterTables writes the node and group tables; with before, a Change
// column says what the window changed, which is what the board checks.
func clusterTables(b *strings.Builder, c, before *runbook.Cluster) {
	change := before != nil
	if change {
		b.WriteString("| Node | State | Role | Exchange build | Change |\n|---|---|---|---|---|\n")
	} else {
		b.WriteString("| Node | State | Role | Exchange build |\n|---|---|---|---|\n")
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		fmt.Fprintf(b, "| %s | %s | %s | %s |", n.Name, n.State.Display(), role(c, n.Name), mdCell(runbook.Describe(n.Build)))
		if change {
			var diffs []string
			if p := before.Node(n.Name); p == nil {
				diffs = append(diffs, "new")
			} else {
				if p.Build != n.Build {
					diffs = append(diffs, fmt.Sprintf("Exchange %s -> %s", p.Build, n.Build))
				}
				if p.State != n.State {
					diffs = append(diffs, fmt.Sprintf("state %s -> %s", p.State.Display(), n.State.Display()))
				}
			}
			fmt.Fprintf(b, " %s |", mdCell(orDefault(strings.Join(diffs, "; "), "-")))
		}
		b.WriteString("\n")
	}
	if change {
		b.WriteString("\n| Group | Owner | State | Clustered mailbox server | Change |\n|---|---|---|---|---|\n")
	} else {
		b.WriteString("\n| Group | Owner | State | Clustered mailbox server |\n|---|---|---|---|\n")
	}
	for i := range c.Groups {
		g := &c.Groups[i]
		cms := ""
		if g.CMS {
			cms = "yes, " + runbook.Describe(c.CMSBuild(g))
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |", mdCell(g.Name), g.Owner, g.State.Display(), mdCell(cms))
		if change {
			var diffs []string
			if p := before.Group(g.Name); p == nil {
				diffs = append(diffs, "new")
			} else {
				if !strings.EqualFold(p.Owner, g.Owner) {
					diffs = append(diffs, fmt.Sprintf("owner %s -> %s", p.Owner, g.Owner))
				}
				if p.State != g.State {
					diffs = append(diffs, fmt.Sprintf("state %s -> %s", p.State.Display(), g.State.Display()))
				}
				if g.CMS && before.CMSBuild(p) != c.CMSBuild(g) {
					diffs = append(diffs, fmt.Sprintf("CMS %s -> %s", before.CMSBuild(p), c.CMSBuild(g)))
				}
			}
			fmt.Fprintf(b, " %s |", mdCell(orDefault(strings.Join(diffs, "; "), "-")))
		}
		b.WriteString("\n")
	}
	if c.Type == runbook.CCR {
		rp := c.Replication
		h := "Healthy"
		if !rp.Healthy {
			h = "**not Healthy**"
		}
		fmt.Fprintf(b, "\nReplication: %s, copy queue %d, replay queue %d.\n", h, rp.CopyQueue, rp.ReplayQueue)
	}
	b.WriteString("\n")
}
