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
// lang is the language of the lines' words; commands, codes and the
// nodes' output are printed as they are.
func NewPrinter(w io.Writer, plan *runbook.Plan, lang i18n.Lang) *Printer {
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
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	return strings.Join(parts, ", ")
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
	line := ""
	switch ev.Event {
	case runbook.EvRunStarted:
		line = fmt.Sprintf("run started: %s, %d steps, from %s (plan %s)", ev.Goal.Label(), p.total, ev.Source, ev.Digest)
	case runbook.EvRunResumed:
		line = "run resumed: " + ev.Message
	case runbook.EvFinding:
		if f := ev.Finding; f != nil {
			node := ""
			if f.Node != "" {
				node = " [" + f.Node + "]"
			}
			line = fmt.Sprintf("%-5s %s%s: %s\n          remedy: %s", strings.ToUpper(string(f.Severity)), f.Code, node, f.Message, f.Remedy)
		}
	case runbook.EvStepConfirmed:
		by := ev.By
		if ev.Typed != "" {
			by += fmt.Sprintf(", typed %q", ev.Typed)
		}
		line = fmt.Sprintf("%s%s (%s on %s) confirmed by %s", tag, s.Title, s.Kind, nodeOr(s.Node), by)
	case runbook.EvStepStarted:
		switch {
		case ev.Message != "":
			line = tag + ev.Message
		case len(ev.Commands) == 0:
			line = fmt.Sprintf("%s%s: checking", tag, s.Title)
		default:
			what := strings.Join(ev.Commands, " && ")
			if ev.Manual {
				what = "MANUAL FALLBACK: " + what
			}
			line = fmt.Sprintf("%s%s> %s", tag, nodeOr(ev.Node), what)
			if n := p.prog.Step(ev.Step).Attempts; n > 1 {
				line += fmt.Sprintf("   (attempt %d)", n)
			}
		}
	case runbook.EvOutput:
		line = fmt.Sprintf("%s  | %s", tag, termsafe.Line(ev.Text, 0))
	case runbook.EvStepSucceeded:
		line = fmt.Sprintf("%sok: %s", tag, s.Post.Text)
		if ev.Message != "" {
			line += " (" + ev.Message + ")"
		}
	case runbook.EvStepSkipped:
		line = fmt.Sprintf("%sskipped: %s", tag, ev.Reason)
	case runbook.EvStepFailed:
		line = p.failure(tag, ev)
	case runbook.EvDecision:
		by := ""
		if ev.By != "" {
			by = " by " + ev.By
		}
		line = fmt.Sprintf("%sdecision: %s%s", tag, ev.Choice, by)
		for _, c := range ev.Commands {
			line += fmt.Sprintf("\n          sends on %s: %s", nodeOr(ev.Node), c)
		}
	case runbook.EvOutageStarted:
		line = tag + "OUTAGE STARTED: users cannot reach their mailboxes"
	case runbook.EvOutageEnded:
		line = fmt.Sprintf("%sOUTAGE ENDED after %s", tag, (time.Duration(ev.OutageMS) * time.Millisecond).Round(time.Second))
	case runbook.EvRunInterrupted:
		line = "run interrupted: " + ev.Message + " (resumable)"
	case runbook.EvRunFinished:
		line = fmt.Sprintf("run finished: %s", ev.Status)
		if ev.Message != "" {
			line += ": " + ev.Message
		}
		line += " (steps: " + p.tally() + ")"
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
	d := ev.Diagnosis
	if d == nil {
		return tag + "FAILED"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%sFAILED [%s] %s", tag, d.Code, d.Message)
	if d.Why != "" {
		fmt.Fprintf(&b, "\n          why: %s", d.Why)
	}
	for _, l := range d.Lines {
		fmt.Fprintf(&b, "\n          > %s", l)
	}
	for _, r := range d.Remedies {
		fmt.Fprintf(&b, "\n          [%s] %s", r.Key, r.Label)
		if r.Command != "" {
			fmt.Fprintf(&b, ": %s", r.Command)
		}
		if r.Warning != "" {
			fmt.Fprintf(&b, " (warning: %s)", r.Warning)
		}
	}
	return b.String()
}

func nodeOr(n string) string {
	if n == "" {
		return "all nodes"
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
