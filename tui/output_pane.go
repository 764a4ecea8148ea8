package tui

import (
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"cmsrunbook/runbook"
)

func (m *Model) outputTitle(w int) string {
	if m.sel < 0 || m.sel >= len(m.plan.Steps) {
		return m.p.Tr("Output")
	}
	s := m.plan.Steps[m.sel]
	from, to, ev := m.out.window(m.sel)
	t := m.p.Tr("Output of step %d: %s", s.N, m.p.Text(s.Title))
	n := to - from + ev
	info := m.p.Tr("%d lines", n)
	if n == 1 {
		info = m.p.Tr("1 line")
	}
	if m.outScroll > 0 {
		info += m.p.Tr(", %d below: G follows", m.outScroll)
	}
	if m.outLeft > 0 {
		info += m.p.Tr(", from column %d: %s back", m.outLeft+1, m.keys.Left.Help().Key)
	}
	info = " (" + info + ")"
	return ansi.Truncate(t, max(w-ansi.StringWidth(info), 10), m.g.Ellipsis) + info
}

// sideStep is how far ←/→ scroll the output sideways.
const sideStep = 20

// outputView draws only the visible window of the selected step's lines:
// its cost depends on the pane's height, never on the log's length.
func (m *Model) outputView(w, h int) []string {
	rows := h
	bar := m.search.editing || m.search.query != ""
	if bar {
		rows--
	}
	from, to, evicted := m.out.window(m.sel)
	out := make([]string, 0, h)
	if to == from {
		out = m.previewView(w, rows)
	} else {
		end := to - m.outScroll
		start := max(from, end-rows)
		if start == from && evicted > 0 && rows > 1 {
			out = append(out, m.st.Dim.Render(m.p.Tr("%s %d earlier lines are only in the journal", m.g.Ellipsis, evicted)))
			start++
		}
		for seq := start; seq < end; seq++ {
			out = append(out, m.timedLine(seq, w))
		}
	}
	if bar {
		for len(out) < rows {
			out = append(out, "")
		}
		out = append(out, m.searchBar(w))
	}
	return out
}

// previewView is what a step that has not run shows: what it will run
// and expect. Above it stays the end of the previous step's output (its
// ok: line, the table it checked), so the evidence of what just happened
// is on screen until the person moves on to this step.
func (m *Model) previewView(w, rows int) []string {
	if m.sel >= len(m.plan.Steps) || m.stepProgress(m.sel).Status != runbook.StepNotRun {
		return []string{m.st.Dim.Render(m.p.Tr("No output yet."))}
	}
	s := m.plan.Steps[m.sel]
	pre := []string{m.st.Dim.Render(m.p.Tr("Not run yet. When confirmed it runs on %s:", nodeOr(m.p, s.Node)))}
	for _, c := range s.Commands {
		pre = append(pre, m.st.Command.Render(m.g.Prompt+" "+c))
	}
	pre = append(pre, m.st.Dim.Render(m.p.Tr("Expected:")+" "+m.p.Text(s.Post.Text)))
	prev := m.finishedBefore(m.sel)
	if prev < 0 || rows < 4 {
		return clip(pre, rows)
	}
	pre = clip(pre, max(rows-3, 1))
	p := m.plan.Steps[prev]
	mark, style := m.stepMark(m.stepProgress(prev).Status, false)
	out := []string{style.Render(m.p.Tr("%s Step %d %s: %s", mark, p.N, m.statusText(string(m.stepProgress(prev).Status)), m.p.Text(p.Title)))}
	from, to, _ := m.out.window(prev)
	for seq := max(from, to-(rows-len(pre)-1)); seq < to; seq++ {
		out = append(out, m.timedLine(seq, w))
	}
	return append(out, pre...)
}

// finishedBefore is the step before i that has output and is done, or -1.
func (m *Model) finishedBefore(i int) int {
	for j := i - 1; j >= 0; j-- {
		if from, to, _ := m.out.window(j); to > from {
			if m.stepProgress(j).Status.Done() {
				return j
			}
			return -1
		}
	}
	return -1
}

// timedLine is a stored line, with its time in front when t is on.
func (m *Model) timedLine(seq, w int) string {
	if !m.showTimes || w < 20 {
		return m.styleLine(seq, w)
	}
	at := "--:--:--"
	if t, err := time.Parse(time.RFC3339Nano, m.out.line(seq).at); err == nil {
		at = t.In(m.opts.Now().Location()).Format("15:04:05")
	}
	return m.st.Dim.Render(at) + " " + m.styleLine(seq, w-9)
}

// styleLine renders one stored line: cut to the width first, then styled
// by kind, with search matches highlighted (the current one differently).
func (m *Model) styleLine(seq, w int) string {
	l := m.out.line(seq)
	text, lowerText := l.text, l.lower
	if m.outLeft > 0 {
		// Scrolled sideways: the same columns of the text and of its
		// lower-case copy (ASCII lower-casing keeps every width), so search
		// matches still line up.
		text = ansi.Cut(text, m.outLeft, m.outLeft+ansi.StringWidth(text))
		if len(lowerText) == len(l.text) {
			lowerText = ansi.Cut(lowerText, m.outLeft, m.outLeft+ansi.StringWidth(lowerText))
		}
	}
	limit := len(text) // matches must end before the ellipsis of a cut line
	if ansi.StringWidth(text) > w {
		text = ansi.Truncate(text, w, m.g.Ellipsis)
		limit = max(len(text)-len(m.g.Ellipsis), 0)
	}
	var base styleRenderer
	switch l.kind {
	case lineStderr:
		base = m.st.Stderr
	case lineCommand:
		base = m.st.Command
	case lineOK:
		base = m.st.OK
	case lineFailed:
		base = m.st.Failed
	case lineNote:
		base = m.st.Warn
	}
	q := m.search.lowerQuery()
	if q == "" || len(lowerText) != len(text) || !strings.Contains(lowerText, q) {
		if base == nil {
			return text
		}
		return base.Render(text)
	}
	hl := m.st.Match
	if m.search.cur >= 0 && m.search.cur < len(m.search.matches) && m.search.matches[m.search.cur] == seq {
		hl = m.st.Current
	}
	lower := lowerText[:min(limit, len(lowerText))]
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(lower[i:], q)
		if j < 0 || i+j+len(q) > limit {
			break
		}
		seg := text[i : i+j]
		if base != nil && seg != "" {
			seg = base.Render(seg)
		}
		b.WriteString(seg)
		b.WriteString(hl.Render(text[i+j : i+j+len(q)]))
		i += j + len(q)
	}
	rest := text[i:]
	if base != nil && rest != "" {
		rest = base.Render(rest)
	}
	b.WriteString(rest)
	return b.String()
}
