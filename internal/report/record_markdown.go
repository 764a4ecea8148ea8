package report

import (
	"fmt"
	"io"
	"strings"
	"time"

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
	s := &r.Summary
	cluster := orDefault(s.Cluster, "unknown cluster")
	goal := s.GoalLabel
	if goal == "" {
		goal = "Run"
	}
	fmt.Fprintf(b, "# Change record: %s on %s\n\n", goal, cluster)
	r.writeIntegrityWarning(b) // an altered record is said first of all
	if banner := modeBanner(s); banner != "" {
		fmt.Fprintf(b, "> **%s**\n\n", banner)
	}
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
	r.integrityRow(b)
	r.writeTiming(b)
	fmt.Fprintf(b, "| User-visible outage | %s |\n", mdCell(outageSummary(r)))
	fmt.Fprintf(b, "| Steps | %s |\n\n", stepCounts(r))
}

// writeTiming writes the summary rows for when the run began and ended,
// how it ended and whether it was resumed.
func (r *runRecord) writeTiming(b *strings.Builder) {
	s := &r.Summary
	fmt.Fprintf(b, "| Started | %s |\n", r.fullClock(s.Started))
	if s.Finished != "" {
		fmt.Fprintf(b, "| Finished | %s |\n", r.fullClock(s.Finished))
		fmt.Fprintf(b, "| Duration | %s |\n", s.Duration)
	} else {
		fmt.Fprintf(b, "| Finished | not recorded; last event at %s |\n", r.fullClock(s.LastEvent))
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
}

func (r *runRecord) writeClusters(b *strings.Builder) {
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
}

func (r *runRecord) writeOutage(b *strings.Builder) {
	b.WriteString("## Outage\n\n")
	if !r.Outage.Occurred {
		b.WriteString("No user-visible outage was recorded.\n\n")
		return
	}
	b.WriteString("| Started | Ended | Length | Step | Note |\n|---|---|---|---|---|\n")
	for _, o := range r.Outage.Windows {
		ended := r.clock(o.Ended)
		if o.Open {
			ended = "**still open**"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", r.clock(o.Started), ended, o.Duration, mdCell(o.Step), mdCell(o.Message))
	}
	if r.Outage.Open {
		b.WriteString("\n**The outage never ended in this record: users may still be without their mailboxes.** See Backout for the way back.\n")
	}
	b.WriteString("\n")
}

func (r *runRecord) writeSteps(b *strings.Builder) {
	b.WriteString("## Steps\n\n")
	if len(r.Steps) == 0 {
		b.WriteString("No step was recorded.\n\n")
		return
	}
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
		manual := ""
		if st.Manual {
			manual = "yes"
		}
		dur := st.Duration
		if dur == "unknown" {
			dur = "-"
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %d | %s |\n", n, mdCell(st.Title), mdCell(orDefault(st.Node, "all")),
			mdCell(orDefault(strings.Join(conf, "; "), "-")), r.clock(st.Started), dur, mdCell(resultLabel(st)), st.Attempts, manual)
	}
	b.WriteString("\n")
}

// resultLabel is a step's result as the steps table shows it.
func resultLabel(st *runStep) string {
	switch runbook.StepStatus(st.Result) {
	case runbook.StepFailed:
		if st.Diagnosis != "" {
			return "**FAILED** `" + st.Diagnosis + "`"
		}
		return "**FAILED**"
	case runbook.StepSkipped:
		return "skipped: " + orDefault(st.Reason, "no reason recorded")
	case runbook.StepStarted:
		return "**started, no result recorded**"
	case runbook.StepNotRun:
		return "not run"
	}
	return st.Result
}

// writeDeviations lists every place the run left the plan. A deviation
// without a recorded author (a journal from before the engine named who
// decided) shows "-".
func (r *runRecord) writeDeviations(b *strings.Builder) {
	b.WriteString("## Deviations from the plan\n\n")
	if len(r.Deviations) == 0 {
		b.WriteString("None: every step ran once, as planned.\n\n")
		return
	}
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

func (r *runRecord) writeFindings(b *strings.Builder) {
	b.WriteString("## Findings\n\n")
	fs := make([]runbook.Finding, len(r.Findings))
	for i, f := range r.Findings {
		fs[i] = f.Finding
	}
	findingsTable(b, fs)
	b.WriteString("\n")
}

func (r *runRecord) writeFailures(b *strings.Builder) {
	b.WriteString("## Failures\n\n")
	if len(r.Failures) == 0 {
		b.WriteString("None.\n")
	}
	for i := range r.Failures {
		r.writeFailure(b, &r.Failures[i])
	}
}

// writeFailure writes one failure: where, what the node said, the
// remedies offered and which one was taken.
func (r *runRecord) writeFailure(b *strings.Builder, f *runFailure) {
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
	writeRemedies(b, f)
	if f.Taken == "" {
		fmt.Fprintf(b, "Chosen: %s.\n\n", f.Outcome)
		return
	}
	by := ""
	if f.TakenBy != "" {
		by = " by " + f.TakenBy
	}
	fmt.Fprintf(b, "Chosen: **%s**%s.\n\n", f.Taken, by)
}

// writeRemedies lists the remedies the failure offered, marking the one
// taken.
func writeRemedies(b *strings.Builder, f *runFailure) {
	if len(f.Diagnosis.Remedies) == 0 {
		return
	}
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
		return "not recorded"
	}
	return r.clock(s)
}

// modeBanner is the line a record opens with: a rehearsal must never be
// taken for the real window, nor the other way round.
func modeBanner(s *runSummary) string {
	switch s.Mode {
	case "sim":
		return rehearsalBanner(s.Options)
	case "real":
		return "LIVE CLUSTER: every step below was sent to the real cluster."
	}
	return ""
}

// rehearsalBanner says what a simulated run rehearsed: a twin of which
// real cluster, discovered when, and the faults added for it, so a
// rehearsal of the real window is told apart from generic training.
func rehearsalBanner(o map[string]string) string {
	b := "SIMULATION: a rehearsal against a simulated cluster"
	if c := o["twin-of"]; c != "" {
		b = "SIMULATION: a dress rehearsal on a simulated twin of cluster " + c
		if t, err := time.Parse(time.RFC3339, o["twin-discovered"]); err == nil {
			b += ", discovered " + t.UTC().Format("2006-01-02 15:04 UTC")
		}
	}
	if f := o["faults"]; f != "" {
		b += ", with faults added (" + strings.ReplaceAll(f, ",", ", ") + ")"
	}
	return b + "; nothing was sent to a real cluster."
}

func statusLabel(s runSummary) string {
	switch s.Status {
	case string(runbook.RunSucceeded):
		return "**SUCCEEDED**"
	case string(runbook.RunFailed):
		return "**FAILED**: the runbook stopped on a failure"
	case string(runbook.RunAborted):
		return "**ABORTED** by the operator, a deliberate stop"
	case statusInterrupted:
		if s.Ending == endDeliberate {
			return "**INTERRUPTED**: a deliberate stop, not a crash (the run recorded why it stopped); resume with `cmsrunbook resume --journal FILE`"
		}
		return "**INTERRUPTED**: a crash, not a deliberate stop: the journal simply ends, without run-finished or run-interrupted (crash, kill or lost power); resume with `cmsrunbook resume --journal FILE`"
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
	for _, st := range []runbook.StepStatus{runbook.StepSucceeded, runbook.StepFailed, runbook.StepSkipped, runbook.StepStarted, runbook.StepNotRun} {
		k := string(st)
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
	nodeTable(b, c, before)
	groupTable(b, c, before)
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

func nodeTable(b *strings.Builder, c, before *runbook.Cluster) {
	if before != nil {
		b.WriteString("| Node | State | Role | Exchange build | Change |\n|---|---|---|---|---|\n")
	} else {
		b.WriteString("| Node | State | Role | Exchange build |\n|---|---|---|---|\n")
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		fmt.Fprintf(b, "| %s | %s | %s | %s |", n.Name, n.State.Display(), role(c, n.Name), mdCell(runbook.Describe(n.Build)))
		if before != nil {
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
			changeCell(b, diffs)
		}
		b.WriteString("\n")
	}
}

func groupTable(b *strings.Builder, c, before *runbook.Cluster) {
	if before != nil {
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
		if before != nil {
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
	w := r.Window
	b.WriteString("## Planned and actual\n\n| | Planned | Actual |\n|---|---|---|\n")
	planned := w.PlannedStart != "" || w.PlannedEnd != ""
	cell := func(s string) string {
		if !planned {
			return "not recorded"
		}
		return r.fullClock(s)
	}
	fmt.Fprintf(b, "| Start | %s | %s |\n", cell(w.PlannedStart), r.fullClock(w.ActualStart))
	end := r.fullClock(w.ActualEnd)
	if r.Summary.Finished == "" {
		end += " (last event)"
	}
	if w.Overran {
		end += " **after the planned end**"
	}
	fmt.Fprintf(b, "| End | %s | %s |\n", cell(w.PlannedEnd), end)
	plannedDur := "-"
	if d, ok := between(w.PlannedStart, w.PlannedEnd); ok {
		plannedDur = fmtDur(d.Milliseconds(), true)
	}
	fmt.Fprintf(b, "| Duration | %s | %s |\n", plannedDur, r.Summary.Duration)
	fmt.Fprintf(b, "| User-visible outage | - | %s |\n\n", w.Outage)
}

// writeBackout says what returning to the old state means from where the
// run ended, with the commands.
func (r *runRecord) writeBackout(b *strings.Builder) {
	b.WriteString("## Backout\n\n")
	for _, it := range r.Backout {
		if it.Alert != "" {
			b.WriteString("**" + it.Alert + "** ")
		}
		b.WriteString(mdCell(it.Text))
		if len(it.Commands) > 0 {
			b.WriteString(": `" + strings.Join(it.Commands, "` then `") + "`")
		}
		b.WriteString(".")
		b.WriteString("\n\n")
	}
}

func (r *runRecord) writeFollowUps(b *strings.Builder) {
	b.WriteString("## Follow-ups\n\n")
	if len(r.FollowUps) == 0 {
		b.WriteString("None.\n\n")
		return
	}
	for _, f := range r.FollowUps {
		b.WriteString("- " + f + "\n")
	}
	b.WriteString("\n")
}
