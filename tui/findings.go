package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cmsrunbook/runbook"
)

// scroller is the scrolling shared by the read-only panels.
type scroller struct{ top int }

func (s *scroller) scrollKey(k tea.KeyPressMsg) bool {
	switch {
	case key.Matches(k, dialogKeys.ScrollUp):
		s.top = max(s.top-1, 0)
	case key.Matches(k, dialogKeys.ScrollDown):
		s.top++
	case key.Matches(k, dialogKeys.PgUp):
		s.top = max(s.top-10, 0)
	case key.Matches(k, dialogKeys.PgDown):
		s.top += 10
	case key.Matches(k, dialogKeys.ScrollTop):
		s.top = 0
	default:
		return false
	}
	return true
}

// view cuts lines to h rows from the scroll position, with a marker when
// more follows.
func (s *scroller) view(lk look, l []string, h int) []string {
	if h <= 0 {
		return nil
	}
	s.top = min(s.top, max(len(l)-h, 0))
	end := min(s.top+h, len(l))
	out := append([]string(nil), l[s.top:end]...)
	if end < len(l) && len(out) > 0 {
		out[len(out)-1] = lk.st.Dim.Render(fmt.Sprintf("%s %d more lines: down/pgdn", lk.g.Ellipsis, len(l)-end))
	}
	return out
}

// findingsPanel lists every preflight finding with its remedy: blocking
// ones first, the management-host limits among the warnings. It opens
// before the first step when anything is a warning, and on `f`.
type findingsPanel struct {
	scroller
	findings []runbook.Finding
}

func (p *findingsPanel) key(k tea.KeyPressMsg) dialogAction {
	if p.scrollKey(k) {
		return nil
	}
	if key.Matches(k, dialogKeys.CloseFindings) {
		return closeDialog{}
	}
	return nil
}

func (p *findingsPanel) render(lk look, w, h int) []string {
	inner := w - 4
	fs := p.findings
	st, g := lk.st, lk.g
	var l []string
	if len(fs) == 0 {
		l = append(l, "Preflight found nothing to report.")
	}
	for _, sev := range []runbook.Severity{runbook.Block, runbook.Warn, runbook.Info} {
		for _, f := range fs {
			if f.Severity != sev {
				continue
			}
			sty := st.Dim
			switch sev {
			case runbook.Block:
				sty = st.Failed
			case runbook.Warn:
				sty = st.Warn
			}
			head := sty.Render(strings.ToUpper(string(sev))) + " " + st.Bold.Render(f.Code)
			if f.Node != "" {
				head += " on " + f.Node
			}
			l = append(l, head)
			l = append(l, indent(wrap(f.Message, inner-2), "  ")...)
			for i, x := range wrap("Remedy: "+f.Remedy, inner-2) {
				if i == 0 {
					x = strings.Replace(x, "Remedy:", st.Key.Render("Remedy:"), 1)
				}
				l = append(l, "  "+x)
			}
			l = append(l, "")
		}
	}
	body := p.view(lk, l, h-6)
	body = append(body, keyHint(st, "↑↓", "scroll", "esc/f", "close"))
	if g.Ellipsis == ASCIIGlyphs.Ellipsis {
		body[len(body)-1] = keyHint(st, "up/dn", "scroll", "esc/f", "close")
	}
	return dialogBox(st, g, fmt.Sprintf("Findings (%d)", len(fs)), body, w, h, runbook.Blocking(fs))
}
