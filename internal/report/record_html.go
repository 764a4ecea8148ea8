package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"sync"
	"time"

	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// RunHTML writes the change record as one self-contained HTML page: no
// external resources, inline CSS, no script. A summary opens it, then an
// inline SVG timeline (a lane per node and one for cluster-wide steps,
// every executed step a bar, the outage a shaded band across the lanes,
// failures and decisions as markers), then the steps, deviations,
// backout, follow-ups, findings and failures. Every string from the
// journal goes through html/template, so a node's output cannot become
// markup.
func RunHTML(w io.Writer, events []runbook.Event, opts ...RunOption) error {
	r, err := buildRun(events, opts)
	if err != nil {
		return fmt.Errorf("change record: %w", err)
	}
	if err := recordPage().Execute(w, r.htmlView()); err != nil {
		return fmt.Errorf("writing change record HTML: %w", err)
	}
	return nil
}

//go:embed record_html.tmpl
var recordPageText string

// recordPage is parsed on first use: only `report --format html` needs
// it, and parsing it at start-up slowed every other command.
var recordPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("record").Funcs(template.FuncMap{
		"join": strings.Join,
	}).Parse(recordPageText))
})

// htmlView is what the page template reads: the record, with its times
// already in the run's one format, and the timeline's geometry.
type htmlView struct {
	R          *runRecord
	Lang       string // the page's lang attribute
	W          htmlWords
	Title      string
	Banner     string
	Mode       string // sim, real or ""
	Status     string // the status word
	StatusText string
	StatusCSS  string
	When       string
	Who        []string
	Outage     string
	Win        runWindow // the window, its times in the record's format
	Timeline   svgTimeline
	Steps      []htmlStep
	Deviations []htmlDeviation
	Failures   []htmlFailure
	// Integrity is the journal's warning, "" when it verifies.
	Integrity string
	// PlannedWindow is the planned window's start to end.
	PlannedWindow string
	Backout       []backoutItem
	FollowUps     []string
	Findings      []htmlFinding
	// Footer says how many events and how times read.
	Footer string
	// GoalText is the goal's label in the page's language.
	GoalText string
}

// htmlWords are the page's own words in its language.
type htmlWords struct {
	JournalIntegrity, Status, Cluster, Goal, Who, When, PlannedWindow, Overran, Outage, Source, PlanDigest, Matches, NotVerified string
	Timeline, TimelineLabel                                                                                                      string
	LegendSucceeded, LegendFailed, LegendNoResult, LegendOutage, LegendFailure, LegendDecision, LegendHover                      string
	PlannedAndActual, Planned, Actual, Start, End, NotRecorded, AfterPlannedEnd, OutageRow                                       string
	Backout, FollowUps, None                                                                                                     string
	Steps, Step, Node, ConfirmedBy, Started, Duration, Result, Attempts, ManualFallback, All                                     string
	Deviations, Time, Kind, By, Detail, NoDeviation                                                                              string
	Failures, WhyItMatters                                                                                                       string
	Findings, Severity, Code, Finding, Remedy                                                                                    string
}

func pageWords(p *i18n.Printer) htmlWords {
	return htmlWords{
		JournalIntegrity: p.Tr("Journal integrity:"), Status: p.Tr("Status"), Cluster: p.Tr("Cluster"), Goal: p.Tr("Goal"), Who: p.Tr("Who"),
		When: p.Tr("When"), PlannedWindow: p.Tr("Planned window"), Overran: p.Tr("(overran)"), Outage: p.Tr("User-visible outage"),
		Source: p.Tr("Source"), PlanDigest: p.Tr("Plan digest"), Matches: p.Tr("(matches the recorded plan)"), NotVerified: p.Tr("(not verified)"),
		Timeline: p.Tr("Timeline"), TimelineLabel: p.Tr("Timeline of the run"),
		LegendSucceeded: p.Tr("succeeded"), LegendFailed: p.Tr("failed"), LegendNoResult: p.Tr("no result recorded"),
		LegendOutage: p.Tr("user-visible outage"), LegendFailure: p.Tr("failure"), LegendDecision: p.Tr("decision"),
		LegendHover:      p.Tr("Hover a bar for the step."),
		PlannedAndActual: p.Tr("Planned and actual"), Planned: p.Tr("Planned"), Actual: p.Tr("Actual"), Start: p.Tr("Start"), End: p.Tr("End"),
		NotRecorded: p.Tr("not recorded"), AfterPlannedEnd: p.Tr("after the planned end"), OutageRow: p.Tr("Outage"),
		Backout: p.Tr("Backout"), FollowUps: p.Tr("Follow-ups"), None: p.Tr("None."),
		Steps: p.Tr("Steps"), Step: p.Tr("Step"), Node: p.Tr("Node"), ConfirmedBy: p.Tr("Confirmed by"), Started: p.Tr("Started"),
		Duration: p.Tr("Duration"), Result: p.Tr("Result"), Attempts: p.Tr("Attempts"), ManualFallback: p.Tr("(manual fallback)"), All: p.Tr("all"),
		Deviations: p.Tr("Deviations from the plan"), Time: p.Tr("Time"), Kind: p.Tr("Kind"), By: p.Tr("By"), Detail: p.Tr("Detail"),
		NoDeviation: p.Tr("None: every step ran once, as planned."),
		Failures:    p.Tr("Failures"), WhyItMatters: p.Tr("Why it matters:"),
		Findings: p.Tr("Findings"), Severity: p.Tr("Severity"), Code: p.Tr("Code"), Finding: p.Tr("Finding"), Remedy: p.Tr("Remedy"),
	}
}

type htmlStep struct {
	*runStep
	Confirmed, StartedAt, ResultText, ResultCSS string
	// TitleText and DurationText are the title and duration in the
	// page's language.
	TitleText, DurationText string
}

type htmlDeviation struct {
	runDeviation
	At, KindText, DetailText string
}

type htmlFailure struct {
	*runFailure
	At string
	// Name is "Step 3, TITLE"; Where is the attempt, time, node and exit
	// code; the rest are the diagnosis in the page's language.
	Name, Where, Message, Why string
	Remedies                  []htmlRemedy
	// Chosen is the closing line, split around its bold part.
	ChosenPre, ChosenBold, ChosenPost string
}

type htmlRemedy struct {
	runbook.Remedy
	Taken               bool
	LabelText, WarnText string
	TakenText           string // "<- taken by X", without the arrow
}

type htmlFinding struct {
	runFinding
	SeverityText, MessageText, RemedyText string
}

// boldMark stands for the bold part of a sentence the page splits around
// it: html/template escapes each part, so nothing in a journal can make
// markup.
const boldMark = "\x01"

// splitBold splits a translated sentence around its **boldMark** (or a
// bare boldMark, when a translation dropped the stars).
func splitBold(s string) (pre, post string) {
	if pre, post, ok := strings.Cut(s, "**"+boldMark+"**"); ok {
		return pre, post
	}
	if pre, post, ok := strings.Cut(s, boldMark); ok {
		return pre, post
	}
	return s, ""
}

func (r *runRecord) htmlView() htmlView {
	s, p := &r.Summary, r.tr()
	v := htmlView{R: r, Lang: string(p.Lang()), W: pageWords(p), Mode: s.Mode, Banner: modeBanner(p, s), Status: statusBadge(p, s.Status), StatusCSS: "st-" + s.Status}
	v.Title = r.title(p)
	v.GoalText = p.Text(s.GoalLabel)
	// The badge says the status word; the text says the rest.
	label := statusLabel(p, *s)
	if strings.HasPrefix(label, "**") {
		if i := strings.Index(label[2:], "**"); i >= 0 {
			label = strings.TrimLeft(label[i+4:], " :,")
		}
	}
	v.StatusText = strings.NewReplacer("**", "", "`", "").Replace(label)
	if s.Message != "" {
		v.StatusText += " (" + p.Text(s.Message) + ")"
	}
	if s.Finished == "" {
		v.When = p.Tr("%s to no finish recorded; last event %s (%s)", r.fullClock(s.Started), r.fullClock(s.LastEvent), p.Text(s.Duration))
	} else {
		v.When = p.Tr("%s to %s (%s)", r.fullClock(s.Started), r.fullClock(s.Finished), p.Text(s.Duration))
	}
	v.Outage = strings.NewReplacer("**", "").Replace(outageSummary(p, r))
	v.Who = r.people()
	v.Win = r.Window
	for _, t := range []*string{&v.Win.PlannedStart, &v.Win.PlannedEnd, &v.Win.ActualStart, &v.Win.ActualEnd} {
		if *t != "" {
			*t = r.fullClock(*t)
		}
	}
	v.Win.Outage = outageTotal(p, r.Outage)
	v.PlannedWindow = p.Tr("%s to %s", v.Win.PlannedStart, v.Win.PlannedEnd)
	if in := r.Integrity; in != nil && !in.Verified {
		v.Integrity = in.warning(p)
	}
	v.Backout, v.FollowUps = r.backoutIn(p), r.followUpsIn(p)
	v.Footer = p.Tr("%d journal events. Every time is local time with its UTC offset.", s.Events)
	v.Timeline = r.timeline(p)
	for i := range r.Steps {
		st := &r.Steps[i]
		v.Steps = append(v.Steps, htmlStep{runStep: st, Confirmed: r.confirmedBy(p, st), StartedAt: r.clock(st.Started),
			ResultText: strings.NewReplacer("**", "", "`", "").Replace(resultLabel(p, st)), ResultCSS: "res-" + st.Result,
			TitleText: p.Text(st.Title), DurationText: p.Text(st.Duration)})
	}
	for _, d := range r.Deviations {
		v.Deviations = append(v.Deviations, htmlDeviation{runDeviation: d, At: r.clock(d.Time), KindText: deviationKind(p, d.Kind), DetailText: p.Text(d.Detail)})
	}
	for i := range r.Failures {
		v.Failures = append(v.Failures, r.htmlFailure(p, &r.Failures[i]))
	}
	for _, f := range r.Findings {
		v.Findings = append(v.Findings, htmlFinding{runFinding: f, SeverityText: severityText(p, f.Severity), MessageText: p.Lines(f.Message), RemedyText: p.Lines(f.Remedy)})
	}
	return v
}

// statusBadge is the status word on the badge.
func statusBadge(p *i18n.Printer, status string) string {
	switch status {
	case string(runbook.RunSucceeded):
		return p.Tr("SUCCEEDED")
	case string(runbook.RunFailed):
		return p.Tr("FAILED")
	case string(runbook.RunAborted):
		return p.Tr("ABORTED")
	case statusInterrupted:
		return p.Tr("INTERRUPTED")
	}
	return strings.ToUpper(status)
}

// severityText is a finding's severity as the page shows it (the
// journal's word in English).
func severityText(p *i18n.Printer, s runbook.Severity) string {
	switch s {
	case runbook.Block:
		return p.Tr("block")
	case runbook.Warn:
		return p.Tr("warn")
	case runbook.Info:
		return p.Tr("info")
	}
	return string(s)
}

// htmlFailure is a failure in the page's language.
func (r *runRecord) htmlFailure(p *i18n.Printer, f *runFailure) htmlFailure {
	at := r.clock(f.Time)
	h := htmlFailure{runFailure: f, At: at, Name: failureName(p, f), Where: r.failureWhere(p, f, at) + p.Tr("."),
		Message: p.Lines(f.Diagnosis.Message), Why: p.Lines(f.Diagnosis.Why)}
	for _, rem := range f.Diagnosis.Remedies {
		hr := htmlRemedy{Remedy: rem, Taken: f.Taken != "" && string(rem.Action) == f.Taken, LabelText: p.Text(rem.Label)}
		if rem.Warning != "" {
			hr.WarnText = p.Tr("(warning: %s)", p.Text(rem.Warning))
		}
		if f.TakenBy != "" {
			hr.TakenText = p.Tr("taken by %s", f.TakenBy)
		} else {
			hr.TakenText = p.Tr("taken")
		}
		h.Remedies = append(h.Remedies, hr)
	}
	switch {
	case f.Taken == "":
		h.ChosenPre = p.Tr("Chosen: %s.", p.Text(f.Outcome))
	case f.TakenBy != "":
		h.ChosenPre, h.ChosenPost = splitBold(p.Tr("Chosen: **%s** by %s.", boldMark, f.TakenBy))
		h.ChosenBold = f.Taken
	default:
		h.ChosenPre, h.ChosenPost = splitBold(p.Tr("Chosen: **%s**.", boldMark))
		h.ChosenBold = f.Taken
	}
	return h
}

// people is who ran the window: the operator, then everyone who confirmed
// a step or made a decision, each once.
func (r *runRecord) people() []string {
	seen := map[string]bool{}
	var out []string
	add := func(who string) {
		if who != "" && !seen[who] {
			seen[who] = true
			out = append(out, who)
		}
	}
	add(r.Summary.Operator)
	for i := range r.Steps {
		for _, c := range r.Steps[i].Confirmations {
			add(c.By)
		}
	}
	for _, d := range r.Deviations {
		add(d.By)
	}
	return out
}

// The timeline's geometry, in SVG user units.
const (
	tlLabelW = 150.0 // the lane names
	tlChartW = 900.0
	tlAxisH  = 28.0
	tlLaneH  = 34.0
	tlBarH   = 18.0
	tlMinBar = 3.0
)

type svgTimeline struct {
	Width, Height, ChartX, ChartW, Top, Bottom string
	Lanes                                      []svgLane
	Ticks                                      []svgTick
	Bands                                      []svgRect
	Bars                                       []svgRect
	Markers                                    []svgMarker
}

type svgLane struct {
	Name, Y, TextY, H string
	Odd               bool
}

type svgTick struct{ X, Label string }

type svgRect struct {
	X, Y, W, H, Class, Step, Tip string
	Label, LabelX, LabelY        string // the step number, on a bar wide enough for it
}

type svgMarker struct {
	Path, Class, Tip string
}

// timeScale maps the run's times onto the chart.
type timeScale struct {
	t0   time.Time
	span time.Duration
}

func (s timeScale) x(t time.Time) float64 {
	return tlLabelW + float64(t.Sub(s.t0))/float64(s.span)*tlChartW
}

func f1(v float64) string { return fmt.Sprintf("%.1f", v) }

// timeline lays the record out on lanes: cluster-wide steps first, then
// one lane per node in the cluster's order.
func (r *runRecord) timeline(p *i18n.Printer) svgTimeline {
	sc, ok := r.scale()
	lanes, laneOf := r.lanes(p)
	tl := svgTimeline{ChartX: f1(tlLabelW), ChartW: f1(tlChartW), Top: f1(tlAxisH)}
	h := tlAxisH + float64(len(lanes))*tlLaneH
	tl.Width, tl.Height, tl.Bottom = f1(tlLabelW+tlChartW+20), f1(h+8), f1(h)
	for i, name := range lanes {
		y := tlAxisH + float64(i)*tlLaneH
		tl.Lanes = append(tl.Lanes, svgLane{Name: name, Y: f1(y), H: f1(tlLaneH), TextY: f1(y + tlLaneH/2 + 4), Odd: i%2 == 1})
	}
	if !ok {
		return tl
	}
	tl.Ticks = r.ticks(sc)
	last := r.lastTime()
	for _, w := range r.Outage.Windows {
		a, ok1 := parseTime(w.Started)
		b, ok2 := parseTime(w.Ended)
		if !ok1 {
			continue
		}
		if !ok2 || w.Open {
			b = last
		}
		x1, x2 := sc.x(a), max(sc.x(b), sc.x(a)+tlMinBar)
		tip := p.Tr("Outage %s: %s to %s", p.Text(w.Duration), r.clock(w.Started), orDefault(r.clock(w.Ended), p.Tr("still open")))
		tl.Bands = append(tl.Bands, svgRect{X: f1(x1), Y: f1(tlAxisH), W: f1(x2 - x1), H: f1(h - tlAxisH), Class: "outage", Tip: tip})
	}
	for i := range r.Steps {
		if bar, ok := r.bar(p, &r.Steps[i], sc, laneOf, last); ok {
			tl.Bars = append(tl.Bars, bar)
		}
	}
	tl.Markers = r.markers(p, sc, laneOf)
	return tl
}

// bar is an executed step's bar, from its first start to its result (or
// to the last event when it has none).
func (r *runRecord) bar(p *i18n.Printer, st *runStep, sc timeScale, laneOf func(string) int, last time.Time) (svgRect, bool) {
	a, ok := parseTime(st.Started)
	if !ok {
		return svgRect{}, false
	}
	b, ok := parseTime(st.Ended)
	if !ok || b.Before(a) {
		b = last
	}
	x1, x2 := sc.x(a), max(sc.x(b), sc.x(a)+tlMinBar)
	y := tlAxisH + float64(laneOf(st.Node))*tlLaneH + (tlLaneH-tlBarH)/2
	name := p.Text(st.Title)
	if st.N > 0 {
		name = fmt.Sprintf("%d. %s", st.N, name)
	}
	tip := p.Tr("%s\n%s on %s\n%s to %s (%s)\nattempts: %d", name, strings.ReplaceAll(resultLabel(p, st), "**", ""),
		orDefault(st.Node, p.Tr("the cluster")), r.clock(st.Started), r.clock(st.Ended), p.Text(st.Duration), st.Attempts)
	w := max(x2-x1-1, tlMinBar) // a gap between steps that follow each other on a lane
	bar := svgRect{X: f1(x1), Y: f1(y), W: f1(w), H: f1(tlBarH), Class: "bar res-" + st.Result, Step: st.ID, Tip: tip}
	if st.N > 0 && w >= 22 {
		bar.Label, bar.LabelX, bar.LabelY = fmt.Sprint(st.N), f1(x1+w/2), f1(y+tlBarH-5)
	}
	return bar, true
}

// markers are the failures (a red triangle above the bar) and decisions
// (a diamond below it), at their own times on their step's lane.
func (r *runRecord) markers(p *i18n.Printer, sc timeScale, laneOf func(string) int) []svgMarker {
	var out []svgMarker
	for i := range r.Failures {
		f := &r.Failures[i]
		t, ok := parseTime(f.Time)
		if !ok {
			continue
		}
		x, y := sc.x(t), tlAxisH+float64(laneOf(f.Node))*tlLaneH+(tlLaneH-tlBarH)/2
		out = append(out, svgMarker{Path: fmt.Sprintf("M%.1f %.1f l-5 -7 h10 z", x, y+1), Class: "m-failure",
			Tip: p.Tr("FAILED at %s: %s (%s) %s", r.clock(f.Time), p.Text(orDefault(f.Title, f.Step)), f.Diagnosis.Code, p.Lines(f.Diagnosis.Message))})
	}
	for _, d := range r.Deviations {
		t, ok := parseTime(d.Time)
		if !ok || d.Kind != "decision" {
			continue
		}
		x, y := sc.x(t), tlAxisH+float64(laneOf(d.Node))*tlLaneH+(tlLaneH+tlBarH)/2
		out = append(out, svgMarker{Path: fmt.Sprintf("M%.1f %.1f l5 5 l-5 5 l-5 -5 z", x, y-1), Class: "m-decision",
			Tip: p.Tr("decision at %s by %s: %s", r.clock(d.Time), orDefault(d.By, p.Tr("not recorded")), p.Text(d.Detail))})
	}
	return out
}

// scale spans the run from its start to its last event; false when the
// times do not read.
func (r *runRecord) scale() (timeScale, bool) {
	t0, ok := parseTime(r.Summary.Started)
	if !ok {
		for i := range r.Steps {
			if t, ok2 := parseTime(r.Steps[i].Started); ok2 && (!ok || t.Before(t0)) {
				t0, ok = t, true
			}
		}
	}
	t1 := r.lastTime()
	if !ok || t1.IsZero() {
		return timeScale{}, false
	}
	span := t1.Sub(t0)
	if span < time.Second {
		span = time.Second
	}
	return timeScale{t0: t0, span: span}, true
}

func (r *runRecord) lastTime() time.Time {
	t, _ := parseTime(orDefault(r.Summary.Finished, r.Summary.LastEvent))
	return t
}

// lanes names the lanes: cluster-wide steps, then the cluster's nodes,
// then any node only the steps name.
func (r *runRecord) lanes(p *i18n.Printer) ([]string, func(string) int) {
	names := []string{p.Tr("Cluster-wide")}
	idx := map[string]int{}
	add := func(n string) {
		if k := strings.ToUpper(n); n != "" {
			if _, ok := idx[k]; !ok {
				idx[k] = len(names)
				names = append(names, n)
			}
		}
	}
	if c := r.beforeCluster; c != nil {
		for i := range c.Nodes {
			add(c.Nodes[i].Name)
		}
	}
	for i := range r.Steps {
		add(r.Steps[i].Node)
	}
	return names, func(n string) int { return idx[strings.ToUpper(n)] }
}

// ticks are the axis labels: a round interval giving at most ten.
func (r *runRecord) ticks(sc timeScale) []svgTick {
	step := time.Second
	for _, d := range []time.Duration{time.Second, 5 * time.Second, 15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute,
		5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 4 * time.Hour} {
		step = d
		if sc.span/d <= 10 {
			break
		}
	}
	layout := "15:04"
	if step < time.Minute {
		layout = "15:04:05"
	}
	var out []svgTick
	first := sc.t0.Truncate(step)
	if first.Before(sc.t0) {
		first = first.Add(step)
	}
	for t := first; !t.After(sc.t0.Add(sc.span)); t = t.Add(step) {
		lt := t
		if r.loc != nil {
			lt = t.In(r.loc)
		}
		out = append(out, svgTick{X: f1(sc.x(t)), Label: lt.Format(layout)})
	}
	return out
}
