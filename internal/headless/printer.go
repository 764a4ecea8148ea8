// Package headless is the no-TUI face of a run: a printer that writes one
// readable line per engine event, and the confirmers for --yes and for a
// person answering on standard input.
package headless

import (
	"cmsrunbook/internal/i18n"
	"fmt"
	"io"
	"strings"
	"time"

	"cmsrunbook/internal/termsafe"
	"cmsrunbook/runbook"
)

// Printer writes engine events for a person reading a log or a terminal.
// It folds what it prints with the shared reducer, so the attempt numbers
// and the closing tally are the journal's, not a count of its own.
type Printer struct {
	// tr speaks the chosen language.
	tr    *i18n.Printer
	w     io.Writer
	steps map[string]runbook.Step
	total int
	prog  *runbook.RunProgress
	// Quiet drops the node's output lines (the journal keeps them).
	Quiet bool
}

// NewPrinter prints events of the given plan to w.
//
// lang is the language of the lines' words ("" is English); the line's
// shape (the clock, the [ n/N] tag), commands, codes, node names and the
// nodes' output are printed as they are.
func NewPrinter(w io.Writer, plan *runbook.Plan, lang i18n.Lang) *Printer {
	if lang == "" {
		lang = i18n.English
	}
	p := &Printer{w: w, steps: map[string]runbook.Step{}, total: len(plan.Steps), prog: runbook.NewRunProgress(), tr: i18n.For(lang)}
	for _, s := range plan.Steps {
		p.steps[s.ID] = s
	}
	return p
}

// Known folds events recorded before this printer started (a resumed
// run's journal) without printing them.
func (p *Printer) Known(events []runbook.Event) {
	for _, ev := range events {
		if ev.Event != runbook.EvOutput {
			p.prog.Apply(ev)
		}
	}
}

// tally says how the plan's steps ended, from the fold.
func (p *Printer) tally() string {
	counts := map[runbook.StepStatus]int{}
	for id := range p.steps {
		counts[p.prog.Step(id).Status]++
	}
	var parts []string
	for _, st := range []runbook.StepStatus{runbook.StepSucceeded, runbook.StepSkipped, runbook.StepFailed, runbook.StepStarted, runbook.StepConfirmed, runbook.StepNotRun} {
		if n := counts[st]; n > 0 {
			parts = append(parts, p.count(n, st))
		}
	}
	return strings.Join(parts, ", ")
}

// count is "2 succeeded", "1 not-run" in the printer's words.
func (p *Printer) count(n int, st runbook.StepStatus) string {
	tr := p.tr
	switch st {
	case runbook.StepSucceeded:
		return tr.Tr("%d succeeded", n)
	case runbook.StepSkipped:
		return tr.Tr("%d skipped", n)
	case runbook.StepFailed:
		return tr.Tr("%d failed", n)
	case runbook.StepStarted:
		return tr.Tr("%d started", n)
	case runbook.StepConfirmed:
		return tr.Tr("%d confirmed", n)
	case runbook.StepNotRun:
		return tr.Tr("%d not-run", n)
	}
	return fmt.Sprintf("%d %s", n, st)
}

// runStatus is the run's closing status word in the printer's words.
func runStatus(tr *i18n.Printer, s runbook.RunStatus) string {
	switch s {
	case runbook.RunSucceeded:
		return tr.Tr("succeeded")
	case runbook.RunFailed:
		return tr.Tr("failed")
	case runbook.RunAborted:
		return tr.Tr("aborted")
	}
	return tr.Text(string(s))
}

func clock(ts string) string {
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return ts
	}
	return t.Format("15:04:05")
}

// Print writes one event. It never fails the run: a closed terminal must
// not stop a window whose journal is still being written.
func (p *Printer) Print(ev runbook.Event) error {
	if ev.Event != runbook.EvOutput {
		p.prog.Apply(ev)
	}
	if ev.Event == runbook.EvOutput && (p.Quiet || p.w == io.Discard) {
		// Under the screen the printer writes to io.Discard: formatting
		// every output line to nowhere cost more than journaling it.
		return nil
	}
	s := p.steps[ev.Step]
	tag := ""
	if s.N > 0 {
		tag = fmt.Sprintf("[%2d/%d] ", s.N, p.total)
	}
	tr := p.tr
	line := ""
	switch ev.Event {
	case runbook.EvRunStarted:
		line = tr.Tr("run started: %s, %d steps, from %s (plan %s)", tr.Text(ev.Goal.Label()), p.total, ev.Source, ev.Digest)
	case runbook.EvRunResumed:
		line = tr.Tr("run resumed: %s", tr.Text(ev.Message))
	case runbook.EvFinding:
		if f := ev.Finding; f != nil {
			node := ""
			if f.Node != "" {
				node = " [" + f.Node + "]"
			}
			// The severity and the code stay as they are: a script greps them.
			line = fmt.Sprintf("%-5s %s%s: %s\n          %s", strings.ToUpper(string(f.Severity)), f.Code, node, tr.Lines(f.Message), tr.Tr("remedy: %s", tr.Lines(f.Remedy)))
		}
	case runbook.EvStepConfirmed:
		by := ev.By
		if ev.Typed != "" {
			by = tr.Tr("%s, typed %q", by, ev.Typed)
		}
		line = tag + tr.Tr("%s (%s on %s) confirmed by %s", tr.Text(s.Title), s.Kind, nodeOr(tr, s.Node), by)
	case runbook.EvStepStarted:
		switch {
		case ev.Message != "":
			line = tag + tr.Text(ev.Message)
		case len(ev.Commands) == 0:
			line = tag + tr.Tr("%s: checking", tr.Text(s.Title))
		default:
			what := strings.Join(ev.Commands, " && ")
			if ev.Manual {
				what = tr.Tr("MANUAL FALLBACK: %s", what)
			}
			line = fmt.Sprintf("%s%s> %s", tag, nodeOr(tr, ev.Node), what)
			if n := p.prog.Step(ev.Step).Attempts; n > 1 {
				line += "   " + tr.Tr("(attempt %d)", n)
			}
		}
	case runbook.EvOutput:
		text := ev.Text
		if ev.Stream == runbook.Note {
			text = tr.Text(text) // the engine's own words; a node's are never translated
		}
		line = fmt.Sprintf("%s  | %s", tag, termsafe.Line(text, 0))
	case runbook.EvStepSucceeded:
		line = tag + tr.Tr("ok: %s", tr.Text(s.Post.Text))
		if ev.Message != "" {
			line += " (" + tr.Text(ev.Message) + ")"
		}
	case runbook.EvStepSkipped:
		line = tag + tr.Tr("skipped: %s", tr.Text(ev.Reason))
	case runbook.EvStepFailed:
		line = p.failure(tag, ev)
	case runbook.EvDecision:
		if ev.By != "" {
			line = tag + tr.Tr("decision: %s by %s", ev.Choice, ev.By)
		} else {
			line = tag + tr.Tr("decision: %s", ev.Choice)
		}
		for _, c := range ev.Commands {
			line += "\n          " + tr.Tr("sends on %s: %s", nodeOr(tr, ev.Node), c)
		}
	case runbook.EvOutageStarted:
		line = tag + tr.Tr("OUTAGE STARTED: users cannot reach their mailboxes")
	case runbook.EvOutageEnded:
		line = tag + tr.Tr("OUTAGE ENDED after %s", (time.Duration(ev.OutageMS)*time.Millisecond).Round(time.Second).String())
	case runbook.EvRunInterrupted:
		line = tr.Tr("run interrupted: %s (resumable)", tr.Text(ev.Message))
	case runbook.EvRunFinished:
		st := runStatus(tr, ev.Status)
		if ev.Message != "" {
			line = tr.Tr("run finished: %s: %s (steps: %s)", st, tr.Text(ev.Message), p.tally())
		} else {
			line = tr.Tr("run finished: %s (steps: %s)", st, p.tally())
		}
	default:
		line = fmt.Sprintf("%s%s", tag, ev.Event)
	}
	if line == "" {
		return nil
	}
	fmt.Fprintf(p.w, "%s  %s\n", clock(ev.Time), safeLines(line))
	return nil
}

func (p *Printer) failure(tag string, ev runbook.Event) string {
	tr := p.tr
	d := ev.Diagnosis
	if d == nil {
		return tag + tr.Tr("FAILED")
	}
	var b strings.Builder
	// "FAILED [code]": the code is never translated.
	b.WriteString(tag + tr.Tr("FAILED [%s] %s", d.Code, tr.Lines(d.Message)))
	if d.Why != "" {
		b.WriteString("\n          " + tr.Tr("why: %s", tr.Lines(d.Why)))
	}
	for _, l := range d.Lines {
		// The node's own output, as it said it.
		fmt.Fprintf(&b, "\n          > %s", l)
	}
	for _, r := range d.Remedies {
		fmt.Fprintf(&b, "\n          [%s] %s", r.Key, tr.Text(r.Label))
		if r.Command != "" {
			fmt.Fprintf(&b, ": %s", r.Command)
		}
		if r.Warning != "" {
			b.WriteString(" " + tr.Tr("(warning: %s)", tr.Text(r.Warning)))
		}
	}
	return b.String()
}

// nodeOr is the node a line is about, or all of them.
func nodeOr(tr *i18n.Printer, n string) string {
	if n == "" {
		return tr.Tr("all nodes")
	}
	return n
}

// safeLines neutralises escape sequences and control characters in every
// line of a printed event: a diagnosis quotes a node's output, and a
// message may carry it too. The printer's own line breaks are kept.
func safeLines(s string) string {
	parts := strings.Split(s, "\n")
	for i, p := range parts {
		parts[i] = termsafe.Line(p, 0)
	}
	return strings.Join(parts, "\n")
}
