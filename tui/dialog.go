package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"cmsrunbook/internal/engine"
	"cmsrunbook/runbook"
)

// dialog is anything drawn over the screen that takes the keys first.
type dialog interface {
	key(m *Model, k tea.KeyPressMsg) tea.Cmd
	render(m *Model, w, h int) []string
}

// graced dialogs ignore keys for InputGrace after they open: they ask for
// decisions, and a key meant for the screen behind must not answer them.
type graced interface {
	setOpened(time.Time)
	openedAt() time.Time
}

// paster dialogs take bracketed paste (a CMS name pasted from a ticket).
type paster interface{ paste(m *Model, s string) }

type grace struct{ at time.Time }

func (g *grace) setOpened(t time.Time) { g.at = t }
func (g *grace) openedAt() time.Time   { return g.at }

func (m *Model) closeDialog() { m.dlg = nil }

// confirmDialog asks before a step sends anything: the node, the exact
// commands, the expected effect and the outage impact. It defaults to No:
// only `y` (or, for typed steps, the CMS name followed by Enter) runs the
// step; `n` and Esc close it; any other key does nothing.
type confirmDialog struct {
	grace
	req   *confirmReq
	typed string
	err   string
}

func (d *confirmDialog) isTyped() bool { return d.req.step.Confirm == runbook.ConfirmTyped }

func (d *confirmDialog) key(m *Model, k tea.KeyPressMsg) tea.Cmd {
	s := d.req.step
	ks := k.String()
	if ks == "esc" || ks == "ctrl+c" {
		m.closeDialog()
		m.flash = fmt.Sprintf("Step %d was not run; it waits for you.", s.N)
		return nil
	}
	if !d.isTyped() {
		switch ks {
		case "y", "Y":
			m.closeDialog()
			m.answerConfirm(d.req, engine.Confirmation{Answer: engine.AnswerRun, By: m.opts.Operator})
		case "n", "N":
			m.closeDialog()
			m.flash = fmt.Sprintf("Step %d was not run; it waits for you.", s.N)
		}
		return nil
	}
	switch ks {
	case "enter":
		if d.typed == s.CMS {
			m.closeDialog()
			m.answerConfirm(d.req, engine.Confirmation{Answer: engine.AnswerRun, By: m.opts.Operator, Typed: d.typed})
			return nil
		}
		if d.typed != "" {
			d.err = fmt.Sprintf("%q is not %s. Type the name exactly, or esc to cancel.", d.typed, s.CMS)
		}
		d.typed = ""
	case "backspace":
		if r := []rune(d.typed); len(r) > 0 {
			d.typed = string(r[:len(r)-1])
		}
	case "ctrl+u":
		d.typed = ""
	default:
		if t := typedText(k); t != "" && len(d.typed) < 64 {
			d.typed += t
			d.err = ""
		}
	}
	return nil
}

func (d *confirmDialog) paste(_ *Model, s string) {
	if d.isTyped() {
		d.typed += strings.TrimSpace(Sanitize(s))
	}
}

// outageImpact says what the step does to the users' mailboxes.
func outageImpact(s runbook.Step) string {
	switch s.Outage {
	case runbook.OutageStarts:
		return "STARTS THE OUTAGE: users lose their mailboxes until the CMS is Online again."
	case runbook.OutageDuring:
		return "During the outage: the CMS is already down."
	case runbook.OutageEnds:
		return "Ends the outage when the CMS comes Online."
	case runbook.OutageBrief:
		return "A brief outage while the CMS changes node (about a minute)."
	}
	return "None: users are not affected."
}

func (d *confirmDialog) render(m *Model, w, h int) []string {
	s := d.req.step
	inner := w - 4
	node := s.Node
	if node == "" {
		node = "all nodes (reads state, sends no change)"
	}
	var l []string
	l = append(l, m.st.Bold.Render(fmt.Sprintf("Step %d of %d: %s", s.N, len(m.plan.Steps), s.Title)))
	l = append(l, "Node: "+m.st.Bold.Render(node))
	if s.Target != "" {
		l[len(l)-1] += "   Target: " + m.st.Bold.Render(s.Target)
	}
	if len(s.Commands) > 0 {
		l = append(l, "Commands, exactly as they will run:")
		for _, c := range s.Commands {
			for i, part := range wrap(c, inner-4) {
				p := "    "
				if i == 0 {
					p = "  " + m.g.Prompt + " "
				}
				l = append(l, p+m.st.Command.Render(part))
			}
		}
	} else {
		l = append(l, "Commands: none; it reads the cluster's state.")
	}
	for i, part := range wrap("Expected: "+s.Post.Text, inner) {
		if i == 0 {
			part = strings.Replace(part, "Expected:", m.st.Bold.Render("Expected:"), 1)
		}
		l = append(l, part)
	}
	impact := outageImpact(s)
	for i, part := range wrap("Outage: "+impact, inner) {
		if i == 0 {
			part = strings.Replace(part, "Outage:", m.st.Bold.Render("Outage:"), 1)
		}
		if s.Outage != runbook.OutageNone && s.Outage != "" {
			part = m.st.Outage.Render(part)
		}
		l = append(l, part)
	}
	l = append(l, "")
	danger := s.Outage == runbook.OutageStarts || s.Outage == runbook.OutageBrief || m.opts.Real
	if d.isTyped() {
		l = append(l, m.st.Warn.Render(fmt.Sprintf("Type %s to confirm", s.CMS))+", then enter:")
		l = append(l, "  "+m.g.Prompt+" "+m.st.Input.Render(fit(d.typed+"_", min(24, inner-4), m.g)))
		if d.err != "" {
			l = append(l, m.st.Failed.Render(d.err))
		}
		l = append(l, keyHint(m.st, "enter", "check the name", "esc", "cancel (nothing runs)"))
	} else {
		l = append(l, m.st.Bold.Render("Run it? [y/N]")+"  "+keyHint(m.st, "y", "run", "n/esc", "cancel"))
	}
	title := "Confirm step"
	if m.opts.Real {
		title = "Confirm step on the LIVE CLUSTER"
	}
	return dialogBox(m.st, m.g, title, l, w, h, danger)
}

func clip(l []string, h int) []string {
	if h > 0 && len(l) > h {
		return l[:h]
	}
	return l
}

// askDialog is a yes/no question that defaults to No (skip, quit).
type askDialog struct {
	grace
	title  string
	lines  []string
	danger bool
	yes    func(m *Model)
}

func (d *askDialog) key(m *Model, k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "y", "Y":
		m.closeDialog()
		d.yes(m)
	case "n", "N", "esc":
		m.closeDialog()
	case "ctrl+c":
		m.closeDialog()
	}
	return nil
}

func (d *askDialog) render(m *Model, w, h int) []string {
	var l []string
	for _, x := range d.lines {
		l = append(l, wrap(x, w-4)...)
	}
	l = append(l, "", m.st.Bold.Render("[y/N]")+"  "+keyHint(m.st, "y", "yes", "n/esc", "no"))
	return dialogBox(m.st, m.g, d.title, l, w, h, d.danger)
}
