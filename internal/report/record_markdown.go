package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// RunMarkdown writes the change record for the change board. With
// WithIntegrity, a journal that does not verify gets a warning at the top.
func RunMarkdown(w io.Writer, events []runbook.Event, opts ...RunOption) error {
	r, err := buildRun(events, opts)
	if err != nil {
		return fmt.Errorf("change record: %w", err)
	}
	b := &strings.Builder{}
	r.writeHeader(b)
	r.writeClusters(b)
	r.writeWindow(b)
	r.writeOutage(b)
	r.writeSteps(b)
	r.writeDeviations(b)
	r.writeBackout(b)
	r.writeFollowUps(b)
	r.writeFindings(b)
	r.writeFailures(b)
	_, err = io.WriteString(w, b.String())
	return err
}

// writeHeader writes the title and the summary table.
func (r *runRecord) writeHeader(b *strings.Builder) {
	s, p := &r.Summary, r.tr()
	cluster := orDefault(s.Cluster, p.Tr("unknown cluster"))
	fmt.Fprintf(b, "# %s\n\n", r.title(p))
	r.writeIntegrityWarning(b) // an altered record is said first of all
	if banner := modeBanner(p, s); banner != "" {
		fmt.Fprintf(b, "> **%s**\n\n", banner)
	}
	b.WriteString("| | |\n|---|---|\n")
	if r.beforeCluster != nil {
		row(b, p.Tr("Cluster"), mdCell(clusterLine(r.beforeCluster)))
	} else {
		row(b, p.Tr("Cluster"), mdCell(cluster))
	}
	if s.Goal != "" {
		row(b, p.Tr("Goal"), fmt.Sprintf("`%s` (%s)", s.Goal, mdCell(p.Text(s.GoalLabel))))
	}
	row(b, p.Tr("Source"), mdCell(orDefault(s.Source, p.Tr("not recorded"))))
	row(b, p.Tr("Operator"), mdCell(orDefault(s.Operator, p.Tr("not recorded"))))
	switch {
	case s.Digest == "":
		row(b, p.Tr("Plan digest"), p.Tr("not recorded"))
	case s.DigestVerified:
		row(b, p.Tr("Plan digest"), p.Tr("`%s` (matches the recorded plan)", s.Digest))
	default:
		row(b, p.Tr("Plan digest"), p.Tr("`%s` (**does not match the recorded plan**)", s.Digest))
	}
	r.integrityRow(b)
	r.writeTiming(b)
	row(b, p.Tr("User-visible outage"), mdCell(outageSummary(p, r)))
	row(b, p.Tr("Steps"), stepCounts(p, r))
	b.WriteString("\n")
}

// title is the record's title: the goal and the cluster.
func (r *runRecord) title(p *i18n.Printer) string {
	s := &r.Summary
	cluster := orDefault(s.Cluster, p.Tr("unknown cluster"))
	if s.GoalLabel == "" {
		return p.Tr("Change record: Run on %s", cluster)
	}
	return p.Tr("Change record: %s on %s", p.Text(s.GoalLabel), cluster)
}

// row writes one row of a two-column table.
func row(b *strings.Builder, label, value string) {
	fmt.Fprintf(b, "| %s | %s |\n", label, value)
}

// headerRow writes a table's header and its rule.
func headerRow(b *strings.Builder, cells ...string) {
	b.WriteString("| " + strings.Join(cells, " | ") + " |\n|" + strings.Repeat("---|", len(cells)) + "\n")
}

// writeTiming writes the summary rows for when the run began and ended,
// how it ended and whether it was resumed.
func (r *runRecord) writeTiming(b *strings.Builder) {
	s, p := &r.Summary, r.tr()
	row(b, p.Tr("Started"), r.fullClock(s.Started))
	if s.Finished != "" {
		row(b, p.Tr("Finished"), r.fullClock(s.Finished))
		row(b, p.Tr("Duration"), p.Text(s.Duration))
	} else {
		row(b, p.Tr("Finished"), p.Tr("not recorded; last event at %s", r.fullClock(s.LastEvent)))
		row(b, p.Tr("Duration"), p.Tr("%s up to the last event", p.Text(s.Duration)))
	}
	res := statusLabel(p, *s)
	if s.Message != "" {
		res += " (" + p.Text(s.Message) + ")"
	}
	row(b, p.Tr("Result"), mdCell(res))
	if s.Resumed {
		row(b, p.Tr("Resumed"), p.Tr("yes, %d time(s)", s.Resumes))
	} else {
		row(b, p.Tr("Resumed"), p.Tr("no"))
	}
}

func (r *runRecord) writeClusters(b *strings.Builder) {
	p := r.tr()
	fmt.Fprintf(b, "## %s\n\n", p.Tr("Cluster before the window"))
	if r.beforeCluster == nil {
		b.WriteString(p.Tr("Not recorded.") + "\n\n")
	} else {
		clusterTables(b, p, r.beforeCluster, nil)
	}
	fmt.Fprintf(b, "## %s\n\n", p.Tr("Cluster after the window"))
	if r.afterCluster == nil {
		b.WriteString(p.Tr("Not recorded: the run did not finish, so the cluster's final state was never read. Check it before closing the change.") + "\n\n")
	} else {
		clusterTables(b, p, r.afterCluster, r.beforeCluster)
	}
}

func (r *runRecord) writeOutage(b *strings.Builder) {
	p := r.tr()
	fmt.Fprintf(b, "## %s\n\n", p.Tr("Outage"))
	if !r.Outage.Occurred {
		b.WriteString(p.Tr("No user-visible outage was recorded.") + "\n\n")
		return
	}
	headerRow(b, p.Tr("Started"), p.Tr("Ended"), p.Tr("Length"), p.Tr("Step"), p.Tr("Note"))
	for _, o := range r.Outage.Windows {
		ended := r.clock(o.Ended)
		if o.Open {
			ended = "**" + p.Tr("still open") + "**"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", r.clock(o.Started), ended, p.Text(o.Duration), mdCell(o.Step), mdCell(p.Text(o.Message)))
	}
	if r.Outage.Open {
		b.WriteString("\n" + p.Tr("**The outage never ended in this record: users may still be without their mailboxes.** See Backout for the way back.") + "\n")
	}
	b.WriteString("\n")
}

// confirmedBy is who confirmed a step, and when.
func (r *runRecord) confirmedBy(p *i18n.Printer, st *runStep) string {
	var conf []string
	for _, c := range st.Confirmations {
		who := orDefault(c.By, p.Tr("unknown"))
		if c.Typed != "" {
			conf = append(conf, p.Tr("%s (typed %q) at %s", who, c.Typed, r.clock(c.Time)))
		} else {
			conf = append(conf, p.Tr("%s at %s", who, r.clock(c.Time)))
		}
	}
	return orDefault(strings.Join(conf, "; "), "-")
}

func (r *runRecord) writeSteps(b *strings.Builder) {
	p := r.tr()
	fmt.Fprintf(b, "## %s\n\n", p.Tr("Steps"))
	if len(r.Steps) == 0 {
		b.WriteString(p.Tr("No step was recorded.") + "\n\n")
		return
	}
	headerRow(b, "#", p.Tr("Step"), p.Tr("Node"), p.Tr("Confirmed by"), p.Tr("Started"), p.Tr("Duration"), p.Tr("Result"), p.Tr("Attempts"), p.Tr("Manual fallback"))
	for i := range r.Steps {
		st := &r.Steps[i]
		n := "-"
		if st.N > 0 {
			n = fmt.Sprint(st.N)
		}
		manual := ""
		if st.Manual {
			manual = p.Tr("yes")
		}
		dur := st.Duration
		if dur == durUnknown {
			dur = "-"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %d | %s |\n", n, mdCell(p.Text(st.Title)), mdCell(orDefault(st.Node, p.Tr("all"))),
			mdCell(r.confirmedBy(p, st)), r.clock(st.Started), dur, mdCell(resultLabel(p, st)), st.Attempts, manual)
	}
	b.WriteString("\n")
}

// resultLabel is a step's result as the steps table shows it.
func resultLabel(p *i18n.Printer, st *runStep) string {
	switch runbook.StepStatus(st.Result) {
	case runbook.StepFailed:
		if st.Diagnosis != "" {
			return "**" + p.Tr("FAILED") + "** `" + st.Diagnosis + "`"
		}
		return "**" + p.Tr("FAILED") + "**"
	case runbook.StepSkipped:
		return p.Tr("skipped: %s", p.Text(orDefault(st.Reason, noReason)))
	case runbook.StepStarted:
		return "**" + p.Tr("started, no result recorded") + "**"
	case runbook.StepNotRun:
		return p.Tr("not run")
	}
	return p.Text(st.Result)
}

// deviationKind is the kind of a deviation in p's words (the JSON keeps
// the word).
func deviationKind(p *i18n.Printer, k string) string {
	switch k {
	case "skip":
		return p.Tr("skip")
	case "retry":
		return p.Tr("retry")
	case "re-attach":
		return p.Tr("re-attach")
	case "manual":
		return p.Tr("manual")
	case "decision":
		return p.Tr("decision")
	case "resume":
		return p.Tr("resume")
	}
	return k
}

// writeDeviations lists every place the run left the plan. A deviation
// without a recorded author (a journal from before the engine named who
// decided) shows "-".
func (r *runRecord) writeDeviations(b *strings.Builder) {
	p := r.tr()
	fmt.Fprintf(b, "## %s\n\n", p.Tr("Deviations from the plan"))
	if len(r.Deviations) == 0 {
		b.WriteString(p.Tr("None: every step ran once, as planned.") + "\n\n")
		return
	}
	headerRow(b, p.Tr("Time"), p.Tr("Kind"), p.Tr("Step"), p.Tr("By"), p.Tr("Detail"))
	for _, d := range r.Deviations {
		stepName := d.Step
		if d.N > 0 {
			stepName = fmt.Sprintf("%d (%s)", d.N, d.Step)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", r.clock(d.Time), deviationKind(p, d.Kind), mdCell(orDefault(stepName, "-")), mdCell(orDefault(d.By, "-")), mdCell(p.Text(d.Detail)))
	}
	b.WriteString("\n")
}

func (r *runRecord) writeFindings(b *strings.Builder) {
	p := r.tr()
	fmt.Fprintf(b, "## %s\n\n", p.Tr("Findings"))
	fs := make([]runbook.Finding, len(r.Findings))
	for i, f := range r.Findings {
		fs[i] = f.Finding
	}
	findingsTableIn(b, p, fs)
	b.WriteString("\n")
}

func (r *runRecord) writeFailures(b *strings.Builder) {
	p := r.tr()
	fmt.Fprintf(b, "## %s\n\n", p.Tr("Failures"))
	if len(r.Failures) == 0 {
		b.WriteString(p.Tr("None.") + "\n")
	}
	for i := range r.Failures {
		r.writeFailure(b, p, &r.Failures[i])
	}
}

// failureName is a failure's step: "Step 3, Move the CMS" or the title.
func failureName(p *i18n.Printer, f *runFailure) string {
	if f.N > 0 {
		return p.Tr("Step %d, %s", f.N, p.Text(f.Title))
	}
	return p.Text(f.Title)
}

// failureWhere is "Attempt 2, at TIME on NODE, exit code 1603".
func (r *runRecord) failureWhere(p *i18n.Printer, f *runFailure, at string) string {
	var s string
	if f.Node != "" {
		s = p.Tr("Attempt %d, at %s on %s", f.Attempt, at, f.Node)
	} else {
		s = p.Tr("Attempt %d, at %s", f.Attempt, at)
	}
	if f.ExitCode != nil {
		s = p.Tr("%s, exit code %s", s, strconv.Itoa(*f.ExitCode))
	}
	return s
}

// writeFailure writes one failure: where, what the node said, the
// remedies offered and which one was taken.
func (r *runRecord) writeFailure(b *strings.Builder, p *i18n.Printer, f *runFailure) {
	fmt.Fprintf(b, "### %s: `%s`\n\n", failureName(p, f), f.Diagnosis.Code)
	b.WriteString(r.failureWhere(p, f, r.clock(f.Time)) + p.Tr(".") + "\n\n")
	fmt.Fprintf(b, "%s\n\n", p.Lines(f.Diagnosis.Message))
	if f.Diagnosis.Why != "" {
		fmt.Fprintf(b, "%s\n\n", p.Tr("Why it matters: %s", p.Lines(f.Diagnosis.Why)))
	}
	if len(f.Diagnosis.Lines) > 0 {
		// The node's own output: quoted as it was, never translated.
		b.WriteString(p.Tr("Output that shows it:") + "\n\n")
		fence := codeFence(f.Diagnosis.Lines)
		b.WriteString(fence + "\n")
		for _, l := range f.Diagnosis.Lines {
			b.WriteString(l + "\n")
		}
		b.WriteString(fence + "\n\n")
	}
	writeRemedies(b, p, f)
	if f.Taken == "" {
		fmt.Fprintf(b, "%s\n\n", p.Tr("Chosen: %s.", p.Text(f.Outcome)))
		return
	}
	if f.TakenBy != "" {
		fmt.Fprintf(b, "%s\n\n", p.Tr("Chosen: **%s** by %s.", f.Taken, f.TakenBy))
		return
	}
	fmt.Fprintf(b, "%s\n\n", p.Tr("Chosen: **%s**.", f.Taken))
}

// writeRemedies lists the remedies the failure offered, marking the one
// taken.
func writeRemedies(b *strings.Builder, p *i18n.Printer, f *runFailure) {
	if len(f.Diagnosis.Remedies) == 0 {
		return
	}
	b.WriteString(p.Tr("Remedies offered:") + "\n\n")
	for _, rem := range f.Diagnosis.Remedies {
		line := fmt.Sprintf("- [%s] %s", rem.Key, p.Text(rem.Label))
		if rem.Command != "" {
			line += ": `" + rem.Command + "`"
		}
		if rem.Warning != "" {
			line += " " + p.Tr("(warning: %s)", p.Text(rem.Warning))
		}
		if f.Taken != "" && string(rem.Action) == f.Taken {
			if f.TakenBy != "" {
				line += " **" + p.Tr("<- taken by %s", f.TakenBy) + "**"
			} else {
				line += " **" + p.Tr("<- taken") + "**"
			}
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("\n")
}

// clock shows a timestamp for a person: one format everywhere, the date
// and time in the offset of the run's first event, with that offset.
func (r *runRecord) clock(s string) string {
	t, ok := parseTime(s)
	if !ok {
		if s == "" {
			return "-"
		}
		return s
	}
	return r.in(t)
}

// fullClock is clock with "not recorded" for a missing time, for the
// header.
func (r *runRecord) fullClock(s string) string {
	if s == "" {
		return r.tr().Tr("not recorded")
	}
	return r.clock(s)
}

// modeBanner is the line a record opens with: a rehearsal must never be
// taken for the real window, nor the other way round.
func modeBanner(p *i18n.Printer, s *runSummary) string {
	switch s.Mode {
	case "sim":
		return rehearsalBanner(p, s.Options)
	case "real":
		return p.Tr("LIVE CLUSTER: every step below was sent to the real cluster.")
	}
	return ""
}

// rehearsalBanner says what a simulated run rehearsed: a twin of which
// real cluster, discovered when, and the faults added for it, so a
// rehearsal of the real window is told apart from generic training.
func rehearsalBanner(p *i18n.Printer, o map[string]string) string {
	faults := ""
	if f := o["faults"]; f != "" {
		faults = strings.ReplaceAll(f, ",", ", ")
	}
	c := o["twin-of"]
	if c == "" {
		if faults != "" {
			return p.Tr("SIMULATION: a rehearsal against a simulated cluster, with faults added (%s); nothing was sent to a real cluster.", faults)
		}
		return p.Tr("SIMULATION: a rehearsal against a simulated cluster; nothing was sent to a real cluster.")
	}
	twin := p.Tr("SIMULATION: a dress rehearsal on a simulated twin of cluster %s", c)
	if t, err := time.Parse(time.RFC3339, o["twin-discovered"]); err == nil {
		twin = p.Tr("SIMULATION: a dress rehearsal on a simulated twin of cluster %s, discovered %s", c, t.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if faults != "" {
		return p.Tr("%s, with faults added (%s); nothing was sent to a real cluster.", twin, faults)
	}
	return p.Tr("%s; nothing was sent to a real cluster.", twin)
}

func statusLabel(p *i18n.Printer, s runSummary) string {
	switch s.Status {
	case string(runbook.RunSucceeded):
		return "**" + p.Tr("SUCCEEDED") + "**"
	case string(runbook.RunFailed):
		return "**" + p.Tr("FAILED") + "**: " + p.Tr("the runbook stopped on a failure")
	case string(runbook.RunAborted):
		return "**" + p.Tr("ABORTED") + "** " + p.Tr("by the operator, a deliberate stop")
	case statusInterrupted:
		if s.Ending == endDeliberate {
			return "**" + p.Tr("INTERRUPTED") + "**: " + p.Tr("a deliberate stop, not a crash (the run recorded why it stopped); resume with `cmsrunbook resume --journal FILE`")
		}
		return "**" + p.Tr("INTERRUPTED") + "**: " + p.Tr("a crash, not a deliberate stop: the journal simply ends, without run-finished or run-interrupted (crash, kill or lost power); resume with `cmsrunbook resume --journal FILE`")
	}
	return "**" + strings.ToUpper(s.Status) + "**"
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

func outageSummary(p *i18n.Printer, r *runRecord) string {
	o := r.Outage
	if !o.Occurred {
		return p.Tr("none recorded")
	}
	if o.Open {
		return p.Tr("**still open**: started %s, %s up to the last event", r.clock(o.Started), p.Text(o.Duration))
	}
	if len(o.Windows) > 1 {
		return p.Tr("%s in %d windows (%s to %s)", p.Text(o.Duration), len(o.Windows), r.clock(o.Started), r.clock(o.Ended))
	}
	return p.Tr("%s (%s to %s)", p.Text(o.Duration), r.clock(o.Started), r.clock(o.Ended))
}

func stepCounts(p *i18n.Printer, r *runRecord) string {
	var parts []string
	for _, st := range []runbook.StepStatus{runbook.StepSucceeded, runbook.StepFailed, runbook.StepSkipped, runbook.StepStarted, runbook.StepNotRun} {
		if n := r.Summary.StepCounts[string(st)]; n > 0 {
			parts = append(parts, countWord(p, n, st))
		}
	}
	if len(parts) == 0 {
		return p.Tr("none")
	}
	return fmt.Sprintf("%d: %s", len(r.Steps), strings.Join(parts, ", "))
}

// countWord is "3 succeeded", "1 not run".
func countWord(p *i18n.Printer, n int, st runbook.StepStatus) string {
	switch st {
	case runbook.StepSucceeded:
		return p.Tr("%d succeeded", n)
	case runbook.StepFailed:
		return p.Tr("%d failed", n)
	case runbook.StepSkipped:
		return p.Tr("%d skipped", n)
	case runbook.StepStarted:
		return p.Tr("%d started", n)
	case runbook.StepNotRun:
		return p.Tr("%d not run", n)
	}
	return fmt.Sprintf("%d %s", n, strings.ReplaceAll(string(st), "-", " "))
}

// clusterTables writes the node and group tables; with before, a Change
// column says what the window changed, which is what the board checks.
func clusterTables(b *strings.Builder, p *i18n.Printer, c, before *runbook.Cluster) {
	nodeTable(b, p, c, before)
	groupTable(b, p, c, before)
	if c.Type == runbook.CCR {
		rp := c.Replication
		h := p.Tr("Healthy")
		if !rp.Healthy {
			h = "**" + p.Tr("not Healthy") + "**"
		}
		b.WriteString("\n" + p.Tr("Replication: %s, copy queue %d, replay queue %d.", h, rp.CopyQueue, rp.ReplayQueue) + "\n")
	}
	b.WriteString("\n")
}

func nodeTable(b *strings.Builder, p *i18n.Printer, c, before *runbook.Cluster) {
	cols := []string{p.Tr("Node"), p.Tr("State"), p.Tr("Role"), p.Tr("Exchange build")}
	if before != nil {
		cols = append(cols, p.Tr("Change"))
	}
	headerRow(b, cols...)
	for i := range c.Nodes {
		n := &c.Nodes[i]
		fmt.Fprintf(b, "| %s | %s | %s | %s |", n.Name, p.Text(n.State.Display()), p.Text(role(c, n.Name)), mdCell(p.Text(runbook.Describe(n.Build))))
		if before != nil {
			var diffs []string
			if o := before.Node(n.Name); o == nil {
				diffs = append(diffs, p.Tr("new"))
			} else {
				if o.Build != n.Build {
					diffs = append(diffs, fmt.Sprintf("Exchange %s -> %s", o.Build, n.Build))
				}
				if o.State != n.State {
					diffs = append(diffs, p.Tr("state %s -> %s", p.Text(o.State.Display()), p.Text(n.State.Display())))
				}
			}
			changeCell(b, diffs)
		}
		b.WriteString("\n")
	}
}

func groupTable(b *strings.Builder, p *i18n.Printer, c, before *runbook.Cluster) {
	cols := []string{p.Tr("Group"), p.Tr("Owner"), p.Tr("State"), p.Tr("Clustered mailbox server")}
	if before != nil {
		cols = append(cols, p.Tr("Change"))
	}
	b.WriteString("\n")
	headerRow(b, cols...)
	for i := range c.Groups {
		g := &c.Groups[i]
		cms := ""
		if g.CMS {
			cms = p.Tr("yes, %s", p.Text(runbook.Describe(c.CMSBuild(g))))
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |", mdCell(g.Name), g.Owner, p.Text(g.State.Display()), mdCell(cms))
		if before != nil {
			var diffs []string
			if o := before.Group(g.Name); o == nil {
				diffs = append(diffs, p.Tr("new"))
			} else {
				if !strings.EqualFold(o.Owner, g.Owner) {
					diffs = append(diffs, p.Tr("owner %s -> %s", o.Owner, g.Owner))
				}
				if o.State != g.State {
					diffs = append(diffs, p.Tr("state %s -> %s", p.Text(o.State.Display()), p.Text(g.State.Display())))
				}
				if g.CMS && before.CMSBuild(o) != c.CMSBuild(g) {
					diffs = append(diffs, fmt.Sprintf("CMS %s -> %s", before.CMSBuild(o), c.CMSBuild(g)))
				}
			}
			changeCell(b, diffs)
		}
		b.WriteString("\n")
	}
}

// changeCell ends a row with what the window changed, or "-".
func changeCell(b *strings.Builder, diffs []string) {
	fmt.Fprintf(b, " %s |", mdCell(orDefault(strings.Join(diffs, "; "), "-")))
}

// writeWindow sets the planned window (when the inventory gave one)
// beside the actual one.
func (r *runRecord) writeWindow(b *strings.Builder) {
	w, p := r.Window, r.tr()
	fmt.Fprintf(b, "## %s\n\n", p.Tr("Planned and actual"))
	fmt.Fprintf(b, "| | %s | %s |\n|---|---|---|\n", p.Tr("Planned"), p.Tr("Actual"))
	planned := w.PlannedStart != "" || w.PlannedEnd != ""
	cell := func(s string) string {
		if !planned {
			return p.Tr("not recorded")
		}
		return r.fullClock(s)
	}
	fmt.Fprintf(b, "| %s | %s | %s |\n", p.Tr("Start"), cell(w.PlannedStart), r.fullClock(w.ActualStart))
	end := r.fullClock(w.ActualEnd)
	if r.Summary.Finished == "" {
		end += " " + p.Tr("(last event)")
	}
	if w.Overran {
		end += " **" + p.Tr("after the planned end") + "**"
	}
	fmt.Fprintf(b, "| %s | %s | %s |\n", p.Tr("End"), cell(w.PlannedEnd), end)
	plannedDur := "-"
	if d, ok := between(w.PlannedStart, w.PlannedEnd); ok {
		plannedDur = fmtDur(d.Milliseconds(), true)
	}
	fmt.Fprintf(b, "| %s | %s | %s |\n", p.Tr("Duration"), plannedDur, p.Text(r.Summary.Duration))
	fmt.Fprintf(b, "| %s | - | %s |\n\n", p.Tr("User-visible outage"), outageTotal(p, r.Outage))
}

// writeBackout says what returning to the old state means from where the
// run ended, with the commands.
func (r *runRecord) writeBackout(b *strings.Builder) {
	p := r.tr()
	fmt.Fprintf(b, "## %s\n\n", p.Tr("Backout"))
	for _, it := range r.backoutIn(p) {
		if it.Alert != "" {
			b.WriteString("**" + it.Alert + "** ")
		}
		b.WriteString(mdCell(it.Text))
		if len(it.Commands) > 0 {
			b.WriteString(": `" + strings.Join(it.Commands, "` "+p.Tr("then")+" `") + "`")
		}
		b.WriteString(p.Tr("."))
		b.WriteString("\n\n")
	}
}

func (r *runRecord) writeFollowUps(b *strings.Builder) {
	p := r.tr()
	fmt.Fprintf(b, "## %s\n\n", p.Tr("Follow-ups"))
	fus := r.followUpsIn(p)
	if len(fus) == 0 {
		b.WriteString(p.Tr("None.") + "\n\n")
		return
	}
	for _, f := range fus {
		b.WriteString("- " + f + "\n")
	}
	b.WriteString("\n")
}
