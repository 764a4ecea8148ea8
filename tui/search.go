package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// searchState is `/` over the selected step's output: a plain
// case-insensitive substring search (fuzzy matching is wrong for logs),
// recomputed on every keystroke over the held lines and extended as new
// lines arrive.
type searchState struct {
	editing bool
	query   string
	lower   string
	step    int
	matches []int // sequence numbers, ascending
	cur     int
}

func (s *searchState) lowerQuery() string { return s.lower }

// consider adds a newly arrived line to the matches.
func (s *searchState) consider(seq int, l *outLine) {
	if s.lower != "" && strings.Contains(l.lower, s.lower) {
		s.matches = append(s.matches, seq)
	}
}

// searchUpdate recomputes the matches over the selected step's held
// lines (one pass, no allocation per line: the lower-case text was made at
// ingestion) and jumps to the last match, the most recent output.
func (m *Model) searchUpdate() {
	s := &m.search
	s.lower = strings.ToLower(s.query)
	s.step = m.sel
	s.matches = s.matches[:0]
	s.cur = -1
	if s.lower == "" {
		return
	}
	from, to, _ := m.out.window(m.sel)
	for seq := from; seq < to; seq++ {
		if strings.Contains(m.out.line(seq).lower, s.lower) {
			s.matches = append(s.matches, seq)
		}
	}
	if len(s.matches) > 0 {
		s.cur = len(s.matches) - 1
		m.showSeq(s.matches[s.cur])
	}
}

// showSeq scrolls the output so the line is in view.
func (m *Model) showSeq(seq int) {
	_, to, _ := m.out.window(m.sel)
	rows := m.outputRows()
	below := to - 1 - seq // lines after it
	if below < m.outScroll || below >= m.outScroll+rows {
		m.outScroll = max(below-rows/2, 0)
	}
	m.scrollOutput(0)
}

func (m *Model) jumpMatch(d int) {
	s := &m.search
	if s.lower == "" {
		m.flash = "No search: press / to search the output."
		return
	}
	if len(s.matches) == 0 {
		m.flash = fmt.Sprintf("%q is not in this step's output.", s.query)
		return
	}
	s.cur = (s.cur + d + len(s.matches)) % len(s.matches)
	m.showSeq(s.matches[s.cur])
}

func (m *Model) searchKey(k tea.KeyPressMsg) {
	s := &m.search
	switch k.String() {
	case "esc", "ctrl+c":
		*s = searchState{}
		m.outScroll = 0
	case "enter":
		s.editing = false
		if s.query == "" {
			*s = searchState{}
		}
	case "backspace":
		if r := []rune(s.query); len(r) > 0 {
			s.query = string(r[:len(r)-1])
			m.searchUpdate()
		}
	case "ctrl+u":
		s.query = ""
		m.searchUpdate()
	default:
		if t := typedText(k); t != "" {
			s.query += t
			m.searchUpdate()
		}
	}
}

func (m *Model) searchBar(w int) string {
	s := &m.search
	count := "no matches"
	if len(s.matches) > 0 {
		count = fmt.Sprintf("%d/%d", s.cur+1, len(s.matches))
	}
	cursor := ""
	if s.editing {
		cursor = "_"
	}
	hint := "n/N next/prev  esc clear"
	if s.editing {
		hint = "enter keep  esc clear"
	}
	return fit(m.st.Key.Render("/")+s.query+cursor+"  "+m.st.Dim.Render(count+"  "+hint), w, m.g)
}

// typedText is the printable text a key types, or "" for keys that are
// commands (ctrl, alt, arrows).
func typedText(k tea.KeyPressMsg) string {
	if k.Text == "" || (k.Mod != 0 && k.Mod != tea.ModShift) {
		return ""
	}
	return Sanitize(k.Text)
}
