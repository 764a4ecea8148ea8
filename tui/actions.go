package tui

import (
	"fmt"
	"strings"

	"cmsrunbook/internal/engine"
	"cmsrunbook/runbook"
)

// The dialog stack. Dialogs open on top of each other (the skip question
// over the failure panel), the top one takes the keys and is drawn, and
// closing it shows the one under it again.

// top is the dialog that takes the keys, or nil.
func (m *Model) top() dialog {
	if len(m.dialogs) == 0 {
		return nil
	}
	return m.dialogs[len(m.dialogs)-1].d
}

func (m *Model) push(d dialog) { m.dialogs = append(m.dialogs, shown{d: d, at: m.wall()}) }

// pop closes the top dialog. The one under it comes back with a fresh
// grace period: it is a question shown again, and a key pressed twice
// must not answer it.
func (m *Model) pop() {
	n := len(m.dialogs)
	if n == 0 {
		return
	}
	m.dialogs[n-1] = shown{}
	m.dialogs = m.dialogs[:n-1]
	if n > 1 {
		m.dialogs[n-2].at = m.wall()
	}
}

// inGrace reports whether the top dialog still ignores keys.
func (m *Model) inGrace() bool {
	if len(m.dialogs) == 0 {
		return false
	}
	t := m.dialogs[len(m.dialogs)-1]
	_, ok := t.d.(graced)
	return ok && m.wall().Sub(t.at) < InputGrace
}

// dropAsking closes every dialog about an answered question.
func (m *Model) dropAsking(req any) {
	kept := m.dialogs[:0]
	for _, s := range m.dialogs {
		if a, ok := s.d.(asking); ok && a.request() == req {
			continue
		}
		kept = append(kept, s)
	}
	clear(m.dialogs[len(kept):])
	m.dialogs = kept
}

// look is what the dialogs draw with.
func (m *Model) look() look { return look{st: m.st, g: m.g, p: m.p} }

// do carries out what a dialog's key asked for. This is the only place
// a dialog's decision changes the screen or reaches the engine.
func (m *Model) do(a dialogAction) {
	switch a := a.(type) {
	case nil:
	case actions:
		for _, x := range a {
			m.do(x)
		}
	case closeDialog:
		m.pop()
	case openDialog:
		m.push(a.d)
	case setFlash:
		m.flash = a.text
	case quit:
		m.quit()
	case confirmStep:
		m.answerConfirm(a.req, engine.Confirmation{Answer: a.answer, By: m.opts.Operator, Typed: a.typed})
	case decideRemedy:
		m.answerDecide(a.req, a.action)
	case givePassword:
		m.answerPassword(a.req, a.password)
	case gotoStep:
		m.focus = paneRunbook
		m.selectStep(a.idx)
		m.follow = m.sel == m.current
	case showNode:
		m.showNode(a.name)
	case showGroup:
		m.focus = paneTopology
		if g := m.cluster.Group(a.name); g != nil {
			if isEnglish(m.p) {
				m.flash = fmt.Sprintf("%s: %s on %s", g.Name, g.State.Display(), g.Owner)
			} else {
				m.flash = m.p.Tr("group %s: %s on node %s", g.Name, m.p.Text(g.State.Display()), g.Owner)
			}
		}
	case runCommand:
		m.run(a.c)
	default:
		m.log.Error("unknown dialog action", "action", fmt.Sprintf("%T", a))
	}
}

// showNode scrolls the topology to a node and says how it is.
func (m *Model) showNode(name string) {
	m.focus = paneTopology
	for i, l := range m.topologyLines(1000) {
		if strings.Contains(l, name) {
			m.topoTop = i
			break
		}
	}
	if n := m.cluster.Node(name); n != nil {
		m.flash = fmt.Sprintf("%s: %s, %s", n.Name, m.p.Text(n.State.Display()), m.cluster.NodeOS(n))
	}
}

// answerConfirm sends the person's answer to the engine. A step confirmed
// to run shows as confirmed at once (m.answered) until the engine's own
// step-confirmed event arrives.
func (m *Model) answerConfirm(req *confirmReq, c engine.Confirmation) {
	select {
	case req.reply <- c:
	default: // answered already: the engine takes one answer per question
	}
	m.in.answeredConfirm(req)
	if m.confirm == req {
		m.confirm = nil
	}
	m.dropAsking(req)
	if c.Answer == engine.AnswerRun {
		m.answered[req.step.ID] = true
	}
	m.follow = true
	m.log.Info("confirmation", "step", req.step.ID, "answer", c.Answer, "by", c.By)
}

// answerDecide sends the remedy chosen, with who chose it, to the engine.
func (m *Model) answerDecide(req *decideReq, a runbook.RemedyAction) {
	select {
	case req.reply <- engine.Decision{Action: a, By: m.opts.Operator}:
	default:
	}
	m.in.answeredDecide(req)
	if m.decide == req {
		m.decide = nil
	}
	m.dropAsking(req)
	m.follow = true
	m.log.Info("remedy", "step", req.step.ID, "action", a, "by", m.opts.Operator)
}
