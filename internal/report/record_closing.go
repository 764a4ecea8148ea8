package report

import (
	"fmt"

	"cmsrunbook/internal/i18n"
	"strings"
	"time"

	"cmsrunbook/runbook"
)

// What a change board signs off besides the steps: whether this was a
// rehearsal, how the run stopped, the window it was given against the
// time it took, what returning to the old state means from where it
// ended, and what is left to do. The markdown, the JSON and the HTML all
// read these from the runRecord, so they say the same.

// How a run ended (runSummary.Ending).
const (
	endFinished    = "finished"     // run-finished was written
	endDeliberate  = "deliberate"   // run-interrupted: a signal, a closed session, input that ended
	endJournalEnds = "journal-ends" // neither: a crash, a kill, power lost
)

// runWindow is the planned window beside the actual one.
type runWindow struct {
	PlannedStart string `json:"planned_start,omitempty"`
	PlannedEnd   string `json:"planned_end,omitempty"`
	ActualStart  string `json:"actual_start"`
	ActualEnd    string `json:"actual_end"`
	// Overran: the run went on past the planned end (false when no window
	// was recorded).
	Overran bool   `json:"overran"`
	Outage  string `json:"outage"`
}

// backoutItem is one statement of the backout section, with the commands
// that carry it out (run on Node when one is named).
type backoutItem struct {
	Alert    string   `json:"alert,omitempty"` // what must not be missed: a CMS down
	Text     string   `json:"text"`
	Node     string   `json:"node,omitempty"`
	Commands []string `json:"commands,omitempty"`
}

// reattachMarkers are the step-started messages of a start that sends
// nothing new: the engine re-attached to a detached job, or re-checked a
// command that already went through, after a crash or a dropped session.
var reattachMarkers = []string{"re-attaching to job", "looking for job", "not sending it again"}

func isReattach(ev *runbook.Event) bool {
	for _, m := range reattachMarkers {
		if strings.Contains(ev.Message, m) {
			return true
		}
	}
	return false
}

// ending says how the run stopped: the last run-interrupted after the
// last resume is a deliberate stop; no end event at all is a crash.
func (r *runRecord) ending(events []runbook.Event, p *runbook.RunProgress) {
	s := &r.Summary
	if p.Started != nil {
		s.Mode = p.Started.Options["mode"]
	}
	if p.Finished != nil {
		s.Ending = endFinished
		return
	}
	s.Ending = endJournalEnds
	for i := len(events) - 1; i >= 0; i-- {
		switch ev := &events[i]; ev.Event {
		case runbook.EvRunResumed, runbook.EvRunStarted:
			return
		case runbook.EvRunInterrupted:
			s.Ending = endDeliberate
			s.Message = orDefault(ev.Message, i18n.N("interrupted"))
			s.Interrupted = ev.Time
			return
		}
	}
}

// window fills the planned window (run-started options window-start and
// window-end, RFC 3339, when the inventory gave one) beside the actual.
func (r *runRecord) window() {
	s := &r.Summary
	w := runWindow{ActualStart: s.Started, ActualEnd: orDefault(s.Finished, s.LastEvent), Outage: outageTotal(nil, r.Outage)}
	w.PlannedStart, w.PlannedEnd = s.Options["window-start"], s.Options["window-end"]
	if end, ok := parseTime(w.PlannedEnd); ok {
		if last, ok := parseTime(w.ActualEnd); ok && last.After(end) {
			w.Overran = true
		}
	}
	r.Window = w
}

// outageTotal is the window's outage in p's words (nil: English, the
// JSON's).
func outageTotal(p *i18n.Printer, o runOutage) string {
	switch {
	case !o.Occurred:
		return p.Tr("none")
	case o.Open:
		return p.Tr("%s (still open)", p.Text(o.Duration))
	}
	return p.Text(o.Duration)
}

// backout says what returning to the old state means from where the run
// ended (in English, the JSON's; the writers say it again in their
// language with backoutIn).
func (r *runRecord) backout() {
	r.Backout = r.backoutIn(nil)
}

// backoutIn is the backout in p's words; commands, names and cmdlets are
// never translated.
func (r *runRecord) backoutIn(p *i18n.Printer) []backoutItem {
	out := []backoutItem{}
	if r.Summary.Status == string(runbook.RunSucceeded) {
		return append(out, backoutItem{Text: p.Tr("No backout needed: the run succeeded. %s", noReturn(p, r.Summary.Goal))})
	}
	c := r.afterCluster
	if c == nil {
		return append(out, r.backoutUnknown(p))
	}
	for _, cms := range runbook.DownCMSs(c) {
		orig := ""
		if r.beforeCluster != nil {
			if g := r.beforeCluster.Group(cms); g != nil {
				orig = g.Owner
			}
		}
		it := backoutItem{Alert: p.Tr("%s IS DOWN at the end of this record.", cms)}
		if wb := runbook.WayBack(c, cms, orig); wb != nil {
			it.Text = p.Tr("%s; on %s run", p.Text(wb.Label), wb.Node)
			it.Node, it.Commands = wb.Node, wb.Commands
		} else {
			it.Text = p.Tr("No node can start it as the run left the cluster: bring its node back, then run")
			it.Commands = []string{runbook.StartCMSCommand(cms)}
		}
		out = append(out, it)
	}
	if paused := pausedNodes(c); len(paused) > 0 {
		it := backoutItem{Text: p.Tr("Left Paused: %s. To let them own groups again, resume them", strings.Join(paused, ", "))}
		for _, n := range paused {
			it.Commands = append(it.Commands, runbook.ResumeNodeCommand(n))
		}
		out = append(out, it)
	}
	if len(out) == 0 {
		out = append(out, backoutItem{Text: p.Tr("Every clustered mailbox server is online and no node is left paused: users have their mailboxes. Nodes already upgraded stay upgraded; the rest of the plan can run in a later window (cmsrunbook resume). %s", noReturn(p, r.Summary.Goal))})
	}
	return out
}

// backoutUnknown is the backout of a run whose final cluster was never
// read: what to check, and the commands for the worst case.
func (r *runRecord) backoutUnknown(p *i18n.Printer) backoutItem {
	it := backoutItem{Text: p.Tr("The cluster's final state was not read. Check Get-ClusteredMailboxServerStatus and cluster.exe node first; if a clustered mailbox server is down, start it; resume any node left Paused")}
	if r.Outage.Open {
		it.Text = p.Tr("The outage never ended in this record: a clustered mailbox server may be down. %s", it.Text)
	}
	if c := r.beforeCluster; c != nil {
		for i := range c.Groups {
			if c.Groups[i].CMS {
				it.Commands = append(it.Commands, runbook.StartCMSCommand(c.Groups[i].Name))
			}
		}
		for i := range c.Nodes {
			it.Commands = append(it.Commands, runbook.ResumeNodeCommand(c.Nodes[i].Name))
		}
	}
	return it
}

// noReturn is what returning to the previous build means for the goal.
func noReturn(p *i18n.Printer, g runbook.Goal) string {
	switch g {
	case runbook.GoalRollup:
		return p.Tr("To return to the previous build, uninstall the update rollup on each upgraded node (passive nodes first), then move the CMS back.")
	case runbook.GoalOSPatch:
		return p.Tr("To return to the previous state, uninstall the OS update on each patched node where its KB article allows it (passive nodes first).")
	}
	return p.Tr("To return to the previous build: not supported by a service pack (uninstall is not possible); the way back is a recovery from backup.")
}

func pausedNodes(c *runbook.Cluster) []string {
	var out []string
	for i := range c.Nodes {
		if c.Nodes[i].State == runbook.NodePaused {
			out = append(out, c.Nodes[i].Name)
		}
	}
	return out
}

// followUps lists what is left to do after the window (in English, the
// JSON's; the writers say it again in their language with followUpsIn).
func (r *runRecord) followUps() {
	r.FollowUps = r.followUpsIn(nil)
}

// followUpsIn is the follow-ups in p's words.
func (r *runRecord) followUpsIn(p *i18n.Printer) []string {
	out := []string{}
	add := func(s string) { out = append(out, s) }
	if r.Integrity != nil && !r.Integrity.Verified {
		add(p.Tr("The journal does not verify (%s): keep the file for review.", r.Integrity.warning(p)))
	}
	switch r.Summary.Ending {
	case endDeliberate:
		add(p.Tr("The run was stopped before it finished (%s): resume it (cmsrunbook resume --journal FILE) or close the change as partial.", p.Text(r.Summary.Message)))
	case endJournalEnds:
		add(p.Tr("The journal ends without a finish (a crash, a kill or lost power): check the cluster, then resume (cmsrunbook resume --journal FILE)."))
	}
	if c := r.afterCluster; c != nil {
		for _, cms := range runbook.DownCMSs(c) {
			add(p.Tr("%s is down: bring its users back (see Backout).", cms))
		}
		if paused := pausedNodes(c); len(paused) > 0 {
			add(p.Tr("Nodes left Paused: %s; resume them (cluster.exe node NAME /resume) when the window allows.", strings.Join(paused, ", ")))
		}
	}
	for i := range r.Steps {
		if st := &r.Steps[i]; st.Manual {
			name := st.ID
			if st.N > 0 {
				name = fmt.Sprint(st.N)
			}
			add(p.Tr("Step %s ran its manual fallback: check Get-ClusteredMailboxServerStatus and mount dismounted databases.", name))
			break
		}
	}
	for _, f := range r.Findings {
		if f.Severity == runbook.Warn {
			msg := p.Tr("Warning %s: %s", f.Code, p.Text(f.Message))
			if f.Remedy != "" {
				msg += " " + p.Lines(f.Remedy)
			}
			add(msg)
		}
	}
	return out
}

// in shows a timestamp in the run's offset (the one its first event
// recorded), with the date and the offset, so every time in the record
// reads the same way.
func (r *runRecord) in(t time.Time) string {
	if r.loc != nil {
		t = t.In(r.loc)
	}
	return t.Format("2006-01-02 15:04:05 -07:00")
}
