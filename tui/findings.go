package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"cmsrunbook/runbook"
)

// scroller is the scrolling shared by the read-only panels.
type scroller struct{ top int }

func (s *scroller) scrollKey(k string) bool {
	switch k {
	case "up", "k":
		s.top = max(s.top-1, 0)
	case "down", "j":
		s.top++
	case "pgup":
		s.top = max(s.top-10, 0)
	case "pgdown", "space":
		s.top += 10
	case "home", "g":
		s.top = 0
	default:
		return false
	}
	return true
}

// view cuts lines to h rows from the scroll position, with a marker when
// more follows.
func (s *scroller) view(m *Model, l []string, h int) []string {
	if h <= 0 {
		return nil
	}
	s.top = min(s.top, max(len(l)-h, 0))
	end := min(s.top+h, len(l))
	out := append([]string(nil), l[s.top:end]...)
	if end < len(l) && len(out) > 0 {
		out[len(out)-1] = m.st.Dim.Render(fmt.Sprintf("%s %d more lines: down/pgdn", m.g.Ellipsis, len(l)-end))
	}
	return out
}

// findingsPanel lists every preflight finding with its remedy: blocking
// ones first, the management-host limits among the warnings. It opens
// before the first step when anything is a warning, and on `f`.
type findingsPanel struct{ scroller }

func (p *findingsPanel) key(m *Model, k tea.KeyPressMsg) tea.Cmd {
	ks := k.String()
	if p.scrollKey(ks) {
		return nil
	}
	switch ks {
	case "esc", "f", "q", "enter":
		m.closeDialog()
	}
	return nil
}

func (p *findingsPanel) render(m *Model, w, h int) []string {
	inner := w - 4
	fs := m.plan.Findings
	var l []string
	if len(fs) == 0 {
		l = append(l, "Preflight found nothing to report.")
	}
	for _, sev := range []runbook.Severity{runbook.Block, runbook.Warn, runbook.Info} {
		for _, f := range fs {
			if f.Severity != sev {
				continue
			}
			st := m.st.Dim
			switch sev {
			case runbook.Block:
				st = m.st.Failed
			case runbook.Warn:
				st = m.st.Warn
			}
			head := st.Render(strings.ToUpper(string(sev))) + " " + m.st.Bold.Render(f.Code)
			if f.Node != "" {
				head += " on " + f.Node
			}
			l = append(l, head)
			l = append(l, indent(wrap(f.Message, inner-2), "  ")...)
			for i, x := range wrap("Remedy: "+f.Remedy, inner-2) {
				if i == 0 {
					x = strings.Replace(x, "Remedy:", m.st.Key.Render("Remedy:"), 1)
				}
				l = append(l, "  "+x)
			}
			l = append(l, "")
		}
	}
	body := p.view(m, l, h-6)
	body = append(body, keyHint(m.st, "↑↓", "scroll", "esc/f", "close"))
	if m.g.Ellipsis == ASCIIGlyphs.Ellipsis {
		body[len(body)-1] = keyHint(m.st, "up/dn", "scroll", "esc/f", "close")
	}
	return dialogBox(m.st, m.g, fmt.Sprintf("Findings (%d)", len(fs)), body, w, h, runbook.Blocking(fs))
}
