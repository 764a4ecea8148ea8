package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/sahilm/fuzzy"

	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// paletteItem is one thing ctrl+p can jump to or do.
type paletteItem struct {
	label string // what is matched and shown; kept short, fuzzy ranks short strings higher
	kind  string // step, node, group, action, in the screen's language
	act   dialogAction
}

type paletteItems []paletteItem

func (p paletteItems) String(i int) string { return p[i].label }
func (p paletteItems) Len() int            { return len(p) }

// palette is the command palette: fuzzy search (sahilm/fuzzy) over the
// steps, nodes, groups and actions, with the matched characters
// highlighted. The list is a few dozen entries, so it filters in Update.
type palette struct {
	p       *i18n.Printer
	input   textinput.Model
	items   paletteItems
	matches fuzzy.Matches
	sel     int
}

// newPalette lists the plan's steps, the cluster's nodes and groups and
// the screen's actions (the speed ones only when speedKeys).
func newPalette(tr *i18n.Printer, steps []runbook.Step, c runbook.Cluster, speedKeys bool) *palette {
	p := &palette{p: tr, input: newLineInput(0)}
	add := func(label, kind string, a dialogAction) {
		p.items = append(p.items, paletteItem{label: label, kind: kind, act: a})
	}
	for i, s := range steps {
		add(fmt.Sprintf("%2d %s", s.N, tr.Text(s.Title)), tr.Tr("step"), gotoStep{i})
	}
	for _, n := range c.Nodes {
		add(n.Name, tr.Tr("node"), showNode{n.Name}) // the kind column says "node"
	}
	for _, g := range c.Groups {
		add(g.Name, tr.Tr("group"), showGroup{g.Name})
	}
	act := func(label string, c command) { add(label, tr.Tr("action"), runCommand{c}) }
	act(tr.Tr("run the next step"), cmdRunNext)
	act(tr.Tr("skip the next step"), cmdSkipNext)
	act(tr.Tr("findings"), cmdFindings)
	act(tr.Tr("explain the selected step"), cmdExplain)
	act(tr.Tr("search the output"), cmdSearch)
	act(tr.Tr("help: keys"), cmdHelp)
	if speedKeys {
		act(tr.Tr("simulation faster"), cmdFaster)
		act(tr.Tr("simulation slower"), cmdSlower)
	}
	act(tr.Tr("follow the running step"), cmdFollow)
	act(tr.Tr("quit"), cmdQuit)
	p.filter()
	return p
}

func (p *palette) filter() {
	if q := p.input.Value(); q != "" {
		p.matches = fuzzy.FindFrom(q, p.items)
	} else {
		p.matches = make(fuzzy.Matches, len(p.items))
		for i := range p.items {
			p.matches[i] = fuzzy.Match{Str: p.items[i].label, Index: i}
		}
	}
	p.sel = min(p.sel, max(len(p.matches)-1, 0))
}

// key: enter closes the palette and does the chosen item; typing filters.
func (p *palette) key(k tea.KeyPressMsg) dialogAction {
	switch {
	case key.Matches(k, dialogKeys.PaletteClose):
		return closeDialog{}
	case key.Matches(k, dialogKeys.Up):
		p.sel = max(p.sel-1, 0)
	case key.Matches(k, dialogKeys.Down):
		p.sel = min(p.sel+1, max(len(p.matches)-1, 0))
	case key.Matches(k, dialogKeys.Submit):
		if len(p.matches) == 0 {
			return nil
		}
		return actions{closeDialog{}, p.items[p.matches[p.sel].Index].act}
	default:
		before := p.input.Value()
		if editKey(&p.input, k) && p.input.Value() != before {
			p.sel = 0
			p.filter()
		}
	}
	return nil
}

func (p *palette) paste(s string) {
	pasteInput(&p.input, strings.TrimSpace(Sanitize(s)))
	p.filter()
}

func (p *palette) render(lk look, w, h int) []string {
	st, g, tr := lk.st, lk.g, lk.p
	inner := w - 4
	rows := max(h-7, 3)
	kindW := 6
	for _, it := range p.items {
		kindW = max(kindW, ansi.StringWidth(it.kind))
	}
	var l []string
	l = append(l, st.Key.Render(g.Prompt)+" "+p.input.Value()+"_")
	top := 0
	if p.sel >= rows {
		top = p.sel - rows + 1
	}
	for i := top; i < min(top+rows, len(p.matches)); i++ {
		mt := p.matches[i]
		it := p.items[mt.Index]
		label := highlight(st, mt.Str, mt.MatchedIndexes, inner-kindW-4)
		kind := st.Dim.Render(padRight(it.kind, kindW))
		if !strings.Contains(kind, "\x1b") {
			kind += " " // without colour the kind column is a cell wider, as it always was
		}
		line := kind + " " + label
		if i == p.sel {
			line = st.Selected.Render(fit(g.Prompt+" "+padRight(it.kind, kindW)+" "+mt.Str, inner, g))
		} else {
			line = "  " + line
		}
		l = append(l, line)
	}
	if len(p.matches) == 0 {
		l = append(l, st.Dim.Render("  "+tr.Tr("nothing matches")))
	}
	for len(l) < rows+1 {
		l = append(l, "")
	}
	l = append(l, keyHint(st, "enter", tr.Tr("go"), "up/down", tr.Tr("select"), "esc", tr.Tr("close")))
	return dialogBox(st, g, tr.Tr("Command palette"), l, w, h, false)
}

// highlight styles the matched characters. fuzzy reports byte offsets, so
// the string is walked by bytes and only ASCII-safe boundaries are cut;
// the label is cut to width before highlighting, and offsets past the cut
// are ignored.
func highlight(st Styles, s string, idx []int, w int) string {
	if ansi.StringWidth(s) > w && w > 1 {
		// Cut by cells, never inside a wide letter (fit pads the line).
		s = ansi.Truncate(s, w-1, "")
	}
	hit := make(map[int]bool, len(idx))
	for _, i := range idx {
		hit[i] = true
	}
	var b strings.Builder
	for i, r := range s {
		if hit[i] {
			b.WriteString(st.Key.Render(string(r)))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
