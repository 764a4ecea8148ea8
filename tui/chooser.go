package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/sahilm/fuzzy"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/i18n"
)

// Chooser is the training start screen: the embedded scenarios with
// their titles, and the scenario files found on disk (twins of real
// clusters, a trainer's own) marked local, filtered fuzzily as the
// trainee types, the default one preselected; Enter starts the
// highlighted one.
type Chooser struct {
	list    []config.ScenarioInfo
	input   textinput.Model // the filter
	matches []int           // indexes into list
	hits    map[int][]int
	sel     int
	p       *i18n.Printer
	st      Styles
	g       Glyphs
	width   int
	height  int
	// Chosen is what --scenario takes for the scenario Enter picked (an
	// embedded name, or a local file's path); "" when the person quit.
	Chosen string
}

// scenarioSource is what the filter matches: the name, then the title
// as shown (English and the screen's language both find it).
type scenarioSource struct {
	list []config.ScenarioInfo
	p    *i18n.Printer
}

func (s scenarioSource) String(i int) string {
	l := s.list[i]
	t := l.Name + " " + l.Title + localMark(l)
	if tt := s.p.Text(l.Title); tt != l.Title {
		t += " " + tt
	}
	return t
}
func (s scenarioSource) Len() int { return len(s.list) }

// NewChooser lists the scenarios with def selected, in English.
func NewChooser(list []config.ScenarioInfo, def string, ascii, noColor bool) *Chooser {
	return NewChooserLang(list, def, ascii, noColor, i18n.English)
}

// NewChooserLang is NewChooser in language lang: the scenarios' titles
// and descriptions are shown translated (their names never are).
func NewChooserLang(list []config.ScenarioInfo, def string, ascii, noColor bool, lang i18n.Lang) *Chooser {
	c := &Chooser{list: list, input: newLineInput(0), p: i18n.For(lang), st: NewStyles(noColor), g: UnicodeGlyphs, width: 80, height: 24}
	if ascii {
		c.g = ASCIIGlyphs
	}
	c.filter()
	for i, idx := range c.matches {
		if list[idx].Name == def && !list[idx].Local {
			c.sel = i
		}
	}
	return c
}

func (c *Chooser) filter() {
	c.matches = c.matches[:0]
	c.hits = map[int][]int{}
	if q := c.input.Value(); q == "" {
		for i := range c.list {
			c.matches = append(c.matches, i)
		}
	} else {
		for _, m := range fuzzy.FindFrom(q, scenarioSource{c.list, c.p}) {
			c.matches = append(c.matches, m.Index)
			c.hits[m.Index] = m.MatchedIndexes
		}
	}
	c.sel = min(c.sel, max(len(c.matches)-1, 0))
}

// Init does nothing: the chooser waits for keys.
func (c *Chooser) Init() tea.Cmd { return nil }

// Update handles typing, moving and choosing.
func (c *Chooser) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		c.width, c.height = msg.Width, msg.Height
	case tea.PasteMsg:
		pasteInput(&c.input, strings.TrimSpace(Sanitize(msg.Content)))
		c.sel = 0
		c.filter()
	case tea.KeyPressMsg:
		before := c.input.Value()
		switch {
		case msg.String() == "esc" && c.input.Value() != "":
			// esc clears a typed filter first; esc on an empty one quits
			c.input.Reset()
			c.sel = 0
			c.filter()
		case key.Matches(msg, dialogKeys.Cancel):
			return c, tea.Quit
		case key.Matches(msg, dialogKeys.Submit):
			if len(c.matches) > 0 {
				c.Chosen = c.list[c.matches[c.sel]].Arg()
				return c, tea.Quit
			}
		case key.Matches(msg, dialogKeys.Up):
			c.sel = max(c.sel-1, 0)
		case key.Matches(msg, dialogKeys.Down):
			c.sel = min(c.sel+1, max(len(c.matches)-1, 0))
		case editKey(&c.input, msg) && c.input.Value() != before:
			if typedText(msg) != "" {
				c.sel = 0
			}
			c.filter()
		}
	}
	return c, nil
}

// View draws the list and the highlighted scenario's description.
func (c *Chooser) View() tea.View {
	v := tea.NewView(c.Render())
	v.AltScreen = true
	v.WindowTitle = "cmsrunbook: " + c.p.Tr("training")
	return v
}

// Render is the chooser as text.
func (c *Chooser) Render() string {
	w, h := max(c.width, 40), max(c.height, 10)
	tr := c.p
	out := []string{fit(c.st.Badge.Render(" "+tr.Tr("SIMULATION")+" ")+c.st.Header.Render(" "+tr.Tr("cmsrunbook training: choose a scenario")), w, c.g), ""}
	out = append(out, fit(" "+c.st.Key.Render(tr.Tr("filter")+" "+c.g.Prompt)+" "+c.input.Value()+"_", w, c.g))
	descRows := 6
	listRows := max(h-len(out)-descRows-3, 3)
	top := 0
	if c.sel >= listRows {
		top = c.sel - listRows + 1
	}
	nameW := 0
	for _, s := range c.list {
		nameW = max(nameW, ansi.StringWidth(s.Name))
	}
	var rows []string
	for i := top; i < min(top+listRows, len(c.matches)); i++ {
		s := c.list[c.matches[i]]
		def := c.localMark(s)
		if s.Name == config.DefaultScenario && !s.Local {
			def = " " + tr.Tr("(default)")
		}
		title := tr.Text(s.Title)
		if i == c.sel {
			rows = append(rows, c.st.Selected.Render(fit(fmt.Sprintf("%s %s  %s%s", c.g.Prompt, padRight(s.Name, nameW), title, def), w-2, c.g)))
			continue
		}
		name := s.Name
		if hit := c.hits[c.matches[i]]; len(hit) > 0 {
			name = highlightPlain(c.st, s.Name, hit)
		}
		pad := strings.Repeat(" ", max(nameW-ansi.StringWidth(s.Name), 0))
		rows = append(rows, "  "+name+pad+"  "+c.st.Dim.Render(title+def))
	}
	if len(c.matches) == 0 {
		rows = append(rows, c.st.Dim.Render("  "+tr.Tr("no scenario matches")))
	}
	for len(rows) < listRows {
		rows = append(rows, "")
	}
	out = append(out, box(c.st, c.g, tr.Tr("Scenarios (%d)", len(c.matches)), rows, w, listRows+2, true)...)
	if len(c.matches) > 0 {
		s := c.list[c.matches[c.sel]]
		desc := tr.Lines(s.Description)
		if s.Local {
			desc = tr.Tr("Local file %s.", s.File) + " " + desc
		}
		for i, l := range wrap(desc, w-2) {
			if i == descRows {
				break
			}
			out = append(out, " "+l)
		}
	}
	for len(out) < h-1 {
		out = append(out, "")
	}
	out = out[:h-1]
	out = append(out, fit(" "+keyHint(c.st, tr.Tr("type"), tr.Tr("filter"), "up/down", tr.Tr("select"), "enter", tr.Tr("start"), "esc", c.escHint()), w, c.g))
	return strings.Join(out, "\n")
}

// highlightPlain styles the matched bytes of the name part (offsets past
// the name belong to the title and are not shown highlighted).
func highlightPlain(st Styles, s string, idx []int) string {
	hit := map[int]bool{}
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

func (c *Chooser) escHint() string {
	if c.input.Value() != "" {
		return c.p.Tr("clear")
	}
	return c.p.Tr("quit")
}

// localMark is localMark in the chooser's language.
func (c *Chooser) localMark(s config.ScenarioInfo) string {
	if s.Local {
		return " " + c.p.Tr("(local)")
	}
	return ""
}

// localMark tells a scenario file found on disk from an embedded one.
func localMark(s config.ScenarioInfo) string {
	if s.Local {
		return " (local)"
	}
	return ""
}
