package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// searchState is `/` over the selected step's output: a plain
// case-insensitive substring search (fuzzy matching is wrong for logs),
// recomputed on every keystroke over the held lines and extended as new
// lines arrive.
type searchState struct {
	editing bool
	input   textinput.Model // the query while editing
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
		m.flash = m.p.Tr("No search: press / to search the output.")
		return
	}
	if len(s.matches) == 0 {
		m.flash = m.p.Tr("%q is not in this step's output.", s.query)
		return
	}
	s.cur = (s.cur + d + len(s.matches)) % len(s.matches)
	m.showSeq(s.matches[s.cur])
}

// startSearch opens the search box with an empty query.
func (m *Model) startSearch() {
	m.search = searchState{editing: true, input: newLineInput(0)}
	m.searchUpdate()
}

func (m *Model) searchKey(k tea.KeyPressMsg) {
	s := &m.search
	switch {
	case key.Matches(k, dialogKeys.Cancel):
		*s = searchState{}
		m.outScroll = 0
	case key.Matches(k, dialogKeys.Submit):
		s.editing = false
		s.input.Blur()
		if s.query == "" {
			*s = searchState{}
		}
	case editKey(&s.input, k):
		m.searchEdited()
	}
}

// searchPaste adds pasted text to the query being edited.
func (m *Model) searchPaste(text string) {
	pasteInput(&m.search.input, text)
	m.searchEdited()
}

// searchEdited searches again when the input changed the query.
func (m *Model) searchEdited() {
	if v := m.search.input.Value(); v != m.search.query {
		m.search.query = v
		m.searchUpdate()
	}
}

func (m *Model) searchBar(w int) string {
	s := &m.search
	count := m.p.Tr("no matches")
	if len(s.matches) > 0 {
		count = fmt.Sprintf("%d/%d", s.cur+1, len(s.matches))
	}
	cursor := ""
	if s.editing {
		cursor = "_"
	}
	hint := "n/N " + m.p.Tr("next/prev") + "  esc " + m.p.Tr("clear")
	if s.editing {
		hint = "enter " + m.p.Tr("keep") + "  esc " + m.p.Tr("clear")
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
