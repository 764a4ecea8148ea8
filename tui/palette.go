package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"
)

// paletteItem is one thing ctrl+p can jump to or do.
type paletteItem struct {
	label string // what is matched and shown; kept short, fuzzy ranks short strings higher
	kind  string // step, node, group, action
	run   func(m *Model)
}

type paletteItems []paletteItem

func (p paletteItems) String(i int) string { return p[i].label }
func (p paletteItems) Len() int            { return len(p) }

// palette is the command palette: fuzzy search (sahilm/fuzzy) over the
// steps, nodes, groups and actions, with the matched characters
// highlighted. The list is a few dozen entries, so it filters in Update.
type palette struct {
	query   string
	items   paletteItems
	matches fuzzy.Matches
	sel     int
}

func newPalette(m *Model) *palette {
	p := &palette{}
	for i, s := range m.plan.Steps {
		p.items = append(p.items, paletteItem{label: fmt.Sprintf("%d %s", s.N, s.Title), kind: "step", run: func(m *Model) {
			m.focus = paneRunbook
			m.selectStep(i)
			m.follow = m.sel == m.current
		}})
	}
	for _, n := range m.cluster.Nodes {
		name := n.Name
		p.items = append(p.items, paletteItem{label: "node " + name, kind: "node", run: func(m *Model) {
			m.focus = paneTopology
			for i, l := range m.topologyLines(1000) {
				if strings.Contains(l, name) {
					m.topoTop = i
					break
				}
			}
			if n := m.cluster.Node(name); n != nil {
				m.flash = fmt.Sprintf("%s: %s, %s", n.Name, n.State.Display(), m.cluster.NodeOS(n))
			}
		}})
	}
	for _, g := range m.cluster.Groups {
		name := g.Name
		p.items = append(p.items, paletteItem{label: "group " + name, kind: "group", run: func(m *Model) {
			m.focus = paneTopology
			if g := m.cluster.Group(name); g != nil {
				m.flash = fmt.Sprintf("%s: %s on %s", g.Name, g.State.Display(), g.Owner)
			}
		}})
	}
	act := func(label string, run func(m *Model)) {
		p.items = append(p.items, paletteItem{label: label, kind: "action", run: run})
	}
	act("run the next step", func(m *Model) { m.enter() })
	act("skip the next step", func(m *Model) { m.skip() })
	act("findings", func(m *Model) { m.openDialog(&findingsPanel{}) })
	act("explain the selected step", func(m *Model) { m.openDialog(&explainPanel{step: m.sel}) })
	act("search the output", func(m *Model) { m.search = searchState{editing: true}; m.searchUpdate() })
	act("help: keys", func(m *Model) { m.openDialog(&helpPanel{}) })
	if !m.opts.Real && m.opts.SetSpeed != nil {
		act("simulation faster", func(m *Model) { m.changeSpeed(1) })
		act("simulation slower", func(m *Model) { m.changeSpeed(-1) })
	}
	act("follow the running step", func(m *Model) { m.follow = true; m.selectStep(max(m.current, 0)); m.outScroll = 0 })
	act("quit", func(m *Model) { m.askQuit() })
	p.filter()
	return p
}

func (p *palette) filter() {
	if p.query == "" {
		p.matches = make(fuzzy.Matches, len(p.items))
		for i := range p.items {
			p.matches[i] = fuzzy.Match{Str: p.items[i].label, Index: i}
		}
	} else {
		p.matches = fuzzy.FindFrom(p.query, p.items)
	}
	p.sel = min(p.sel, max(len(p.matches)-1, 0))
}

func (p *palette) key(m *Model, k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "esc", "ctrl+c", "ctrl+p":
		m.closeDialog()
	case "up", "ctrl+k":
		p.sel = max(p.sel-1, 0)
	case "down", "ctrl+j", "tab":
		p.sel = min(p.sel+1, max(len(p.matches)-1, 0))
	case "enter":
		if len(p.matches) == 0 {
			return nil
		}
		it := p.items[p.matches[p.sel].Index]
		m.closeDialog()
		it.run(m)
	case "backspace":
		if r := []rune(p.query); len(r) > 0 {
			p.query = string(r[:len(r)-1])
			p.sel = 0
			p.filter()
		}
	case "ctrl+u":
		p.query = ""
		p.filter()
	default:
		if t := typedText(k); t != "" {
			p.query += t
			p.sel = 0
			p.filter()
		}
	}
	return nil
}

func (p *palette) paste(_ *Model, s string) {
	p.query += strings.TrimSpace(Sanitize(s))
	p.filter()
}

func (p *palette) render(m *Model, w, h int) []string {
	inner := w - 4
	rows := max(h-7, 3)
	var l []string
	l = append(l, m.st.Key.Render(m.g.Prompt)+" "+p.query+"_")
	top := 0
	if p.sel >= rows {
		top = p.sel - rows + 1
	}
	for i := top; i < min(top+rows, len(p.matches)); i++ {
		mt := p.matches[i]
		it := p.items[mt.Index]
		label := highlight(m, mt.Str, mt.MatchedIndexes, inner-10)
		line := fmt.Sprintf("%-7s %s", m.st.Dim.Render(fmt.Sprintf("%-6s", it.kind)), label)
		if i == p.sel {
			line = m.st.Selected.Render(fit(m.g.Prompt+" "+fmt.Sprintf("%-6s", it.kind)+" "+mt.Str, inner, m.g))
		} else {
			line = "  " + line
		}
		l = append(l, line)
	}
	if len(p.matches) == 0 {
		l = append(l, m.st.Dim.Render("  nothing matches"))
	}
	for len(l) < rows+1 {
		l = append(l, "")
	}
	l = append(l, keyHint(m.st, "enter", "go", "up/down", "select", "esc", "close"))
	return dialogBox(m.st, m.g, "Command palette", l, w, h, false)
}

// highlight styles the matched characters. fuzzy reports byte offsets, so
// the string is walked by bytes and only ASCII-safe boundaries are cut;
// the label is cut to width before highlighting, and offsets past the cut
// are ignored.
func highlight(m *Model, s string, idx []int, w int) string {
	if len([]rune(s)) > w && w > 1 {
		r := []rune(s)
		s = string(r[:w-1])
	}
	hit := make(map[int]bool, len(idx))
	for _, i := range idx {
		hit[i] = true
	}
	var b strings.Builder
	for i, r := range s {
		if hit[i] {
			b.WriteString(m.st.Key.Render(string(r)))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
