package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cmsrunbook/runbook"
)

// scroller is the scrolling shared by the panels: up/down (j/k),
// pgup/pgdn (space), home (g). Panels that take typed text use arrowKey,
// which leaves the letters alone.
type scroller struct{ top int }

func (s *scroller) scrollKey(k tea.KeyPressMsg) bool {
	if s.arrowKey(k) {
		return true
	}
	switch {
	case key.Matches(k, dialogKeys.ScrollUp):
		s.top = max(s.top-1, 0)
	case key.Matches(k, dialogKeys.ScrollDown):
		s.top++
	case key.Matches(k, dialogKeys.PgDown):
		s.top += 10
	case key.Matches(k, dialogKeys.ScrollTop):
		s.top = 0
	default:
		return false
	}
	return true
}

// arrowKey scrolls on the arrow and page keys only.
func (s *scroller) arrowKey(k tea.KeyPressMsg) bool {
	switch k.String() {
	case "up":
		s.top = max(s.top-1, 0)
	case "down":
		s.top++
	case "pgup":
		s.top = max(s.top-10, 0)
	case "pgdown":
		s.top += 10
	default:
		return false
	}
	return true
}

// view cuts lines to h rows from the scroll position. When there is more
// above or below, the first or last row says so ("▲ more" / "▼ more"),
// so a panel never drops a line without a mark.
func (s *scroller) view(lk look, l []string, h int) []string {
	if h <= 0 {
		return nil
	}
	if len(l) <= h {
		s.top = 0
		return l
	}
	if h < 3 { // no room for markers: show the top
		s.top = 0
		return append([]string(nil), l[:h]...)
	}
	s.top = min(max(s.top, 0), len(l)-(h-1))
	rows := h
	if s.top > 0 {
		rows--
	}
	end := s.top + rows
	if end < len(l) {
		end--
	}
	out := make([]string, 0, h)
	if s.top > 0 {
		out = append(out, lk.st.Dim.Render(lk.p.Tr("%s (%d above: up/pgup)", moreMark(lk.p, lk.g.MoreUp), s.top)))
	}
	out = append(out, l[s.top:end]...)
	if end < len(l) {
		out = append(out, lk.st.Dim.Render(lk.p.Tr("%s (%d below: down/pgdn)", moreMark(lk.p, lk.g.MoreDown), len(l)-end)))
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
	st, tr := lk.st, lk.p
	var l []string
	if len(fs) == 0 {
		l = append(l, tr.Tr("Preflight found nothing to report."))
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
			head := sty.Render(tr.Text(sev.Label())) + " " + st.Bold.Render(f.Code)
			if f.Node != "" {
				head += tr.Tr(" on %s", f.Node)
			}
			l = append(l, head)
			l = append(l, indent(wrap(tr.Lines(f.Message), inner-2), "  ")...)
			label := tr.Tr("Remedy:")
			for i, x := range wrap(label+" "+tr.Lines(f.Remedy), inner-2) {
				if i == 0 {
					x = strings.Replace(x, label, st.Key.Render(label), 1)
				}
				l = append(l, "  "+x)
			}
			l = append(l, "")
		}
	}
	return scrollBox(lk, &p.scroller, tr.Tr("Findings (%d)", len(fs)), l,
		[]string{scrollHint(lk, "esc/f", tr.Tr("close"))}, w, h, runbook.Blocking(fs))
}
