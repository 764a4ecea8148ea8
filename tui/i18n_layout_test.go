package tui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// The screens in another language: every pane and dialog laid out in the
// pseudo-language (every translated letter two cells wide, and longer than
// English), so a width, pad, cut or wrap that counts bytes or runes shows
// at once, and a word that never met the catalogue stands out in ASCII.

// langScreen is one screen of the tour, with the dialog drawn over it, if
// any, and where that dialog sits.
type langScreen struct {
	name   string
	text   string
	dialog *region
}

type region struct{ x, y, w, h int }

// dialogRegion is where Model.lines draws the top dialog.
func dialogRegion(m *Model) *region {
	d := m.top()
	if d == nil || m.width < MinWidth || m.height < MinHeight {
		return nil
	}
	room := m.height - 3
	dl := d.render(m.look(), m.dialogWidth(), room)
	x := (m.width - ansi.StringWidth(firstOr(dl))) / 2
	y := 1 + max((room-len(dl))/2, 0)
	return &region{x, y, ansi.StringWidth(firstOr(dl)), len(dl)}
}

func shot(name string, m *Model) langScreen {
	return langScreen{name: name, text: m.Render(), dialog: dialogRegion(m)}
}

// tourScreens drives a screen in lang at w x h through every pane and
// dialog a person reaches in a window.
func tourScreens(t *testing.T, lang i18n.Lang, w, h int) []langScreen {
	t.Helper()
	var out []langScreen

	// Part way through: Setup streaming, a node Paused, the outage on.
	hs := newHarnessLang(t, "ccr-2003-sp2", w, h, true, false, lang)
	hs.playSteps(3)
	s := hs.step(3)
	hs.event(runbook.Event{Event: runbook.EvStepConfirmed, Step: s.ID, By: "trainee"})
	hs.event(runbook.Event{Event: runbook.EvStepStarted, Step: s.ID, Node: s.Node, Attempt: 2, Commands: s.Commands})
	for i := range 30 {
		hs.event(outputEvent(s.ID, fmt.Sprintf("Mailbox Role ....................................... %d%%", i*100/30)))
	}
	c := hs.sc.Cluster.Clone()
	c.Node("EXNODE02").State = runbook.NodePaused
	c.Node("EXNODE02").Pending = true
	hs.m.Hooks().Observed(runbook.Observation{Cluster: c})
	hs.window.advance(12 * 60e9)
	hs.frame()
	out = append(out, shot("runbook", hs.m))
	hs.press("tab")
	out = append(out, shot("output focused", hs.m))
	hs.press("tab")
	out = append(out, shot("topology focused", hs.m))
	hs.press("tab")
	hs.press("?")
	out = append(out, shot("help", hs.m))
	hs.press("down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down", "down")
	out = append(out, shot("help scrolled", hs.m))
	hs.press("esc")
	hs.press("e")
	out = append(out, shot("explain", hs.m))
	hs.press("esc")
	hs.press("ctrl+p")
	out = append(out, shot("palette", hs.m))
	hs.typeText("EX")
	out = append(out, shot("palette filtered", hs.m))
	hs.press("esc")
	hs.press("/")
	hs.typeText("mailbox")
	out = append(out, shot("search", hs.m))
	hs.press("enter")
	hs.press("n")
	out = append(out, shot("search kept", hs.m))
	hs.press("esc")
	hs.press("q")
	out = append(out, shot("quit while running", hs.m))
	hs.afterGrace()
	hs.press("n")
	hs.press("down")
	out = append(out, shot("a step not run", hs.m))

	// A key confirmation, the skip question, a typed confirmation with a
	// wrong name typed.
	hs = newHarnessLang(t, "ccr-2003-sp2", w, h, false, false, lang)
	hs.playSteps(2)
	hs.asked(2)
	hs.frame()
	out = append(out, shot("waiting", hs.m))
	hs.press("enter")
	out = append(out, shot("confirm", hs.m))
	hs.afterGrace()
	hs.press("esc")
	hs.press("s")
	out = append(out, shot("skip question", hs.m))
	hs = newHarnessLang(t, "ccr-2003-sp2", w, h, false, false, lang)
	hs.playSteps(6)
	hs.asked(6)
	hs.press("enter")
	hs.afterGrace()
	hs.typeText("EXCMS")
	out = append(out, shot("typed confirm", hs.m))
	hs.press("enter")
	out = append(out, shot("typed confirm wrong", hs.m))

	// A failure, the outage clock running.
	hs = newHarnessLang(t, "ccr-2003-sp2", w, h, false, false, lang)
	hs.playSteps(7)
	s = hs.step(7)
	hs.event(runbook.Event{Event: runbook.EvStepStarted, Step: s.ID, Node: s.Node, Attempt: 1, Commands: s.Commands})
	hs.event(runbook.Event{Event: runbook.EvOutageStarted, Step: s.ID, Time: "2026-11-28T22:40:00.000Z"})
	hs.event(runbook.Event{Event: runbook.EvStepFailed, Step: s.ID, Diagnosis: ptr(failureDiag())})
	hs.window.advance(45 * 60e9)
	hs.decided(7, failureDiag())
	out = append(out, shot("failure", hs.m))
	hs.afterGrace()
	hs.press("s")
	out = append(out, shot("skip failed question", hs.m))
	hs.press("n")
	hs.afterGrace()
	hs.press("esc")
	out = append(out, shot("failure hidden", hs.m))

	// The password asked again.
	hs.m.push(newPasswordDialog(&passwordReq{prompt: "The nodes refused the password for CONTOSO\\admin.", reply: make(chan string, 1)}))
	out = append(out, shot("password", hs.m))

	// Findings, before the first step.
	hs = newHarnessLang(t, "mgmt-2003-box-2008-cluster", w, h, false, false, lang)
	hs.press("f")
	out = append(out, shot("findings", hs.m))

	// The run over.
	hs = newHarnessLang(t, "ccr-2003-sp2", w, h, false, false, lang)
	hs.playSteps(len(hs.m.plan.Steps))
	hs.event(runbook.Event{Event: runbook.EvRunFinished, Status: runbook.RunSucceeded})
	hs.m.in.finish(0, nil)
	hs.frame()
	hs.press("enter")
	out = append(out, shot("finished", hs.m))

	// Watching.
	sc, plan := loadScenario(t, "ccr-2003-sp2")
	wm, m := NewWatch(Options{Title: sc.Title, Plan: plan, Cluster: sc.Cluster, Now: func() time.Time { return epoch }, Lang: lang})
	wm.Update(tea.WindowSizeMsg{Width: w, Height: h})
	out = append(out, langScreen{name: "watch", text: RenderWatch(wm)})
	m.Update(keyMsg("enter"))
	out = append(out, langScreen{name: "watch refuses", text: RenderWatch(wm)})
	m.Update(keyMsg("?"))
	out = append(out, langScreen{name: "watch help", text: RenderWatch(wm), dialog: dialogRegion(m)})
	return out
}

// cellGrid is a screen as cells: a wide letter fills its cell and marks
// the next one as its tail ("").
func cellGrid(screen string) [][]string {
	var g [][]string
	for _, line := range strings.Split(ansi.Strip(screen), "\n") {
		var row []string
		for _, r := range line {
			s := string(r)
			row = append(row, s)
			for range ansi.StringWidth(s) - 1 {
				row = append(row, "")
			}
		}
		g = append(g, row)
	}
	return g
}

func cellAt(g [][]string, r, c int) string {
	if r < 0 || r >= len(g) || c < 0 || c >= len(g[r]) {
		return ""
	}
	return g[r][c]
}

func (rg *region) has(r, c int) bool {
	return rg != nil && r >= rg.y && r < rg.y+rg.h && c >= rg.x && c < rg.x+rg.w
}

// checkBoxes finds every box (a ┌ with its ┐ to the right) and checks
// that each of its rows has its left and right border in the same column
// as its corners, down to a └ and ┘ in those columns. Cells under the
// dialog belong to the dialog: a pane's border hidden there is not
// checked, the dialog's own box is.
func checkBoxes(t *testing.T, name string, screen string, dlg *region) {
	t.Helper()
	g := cellGrid(screen)
	boxes := 0
	for r := range g {
		for c := range g[r] {
			if g[r][c] != "┌" {
				continue
			}
			inDialog := dlg.has(r, c)
			cr := -1
			for x := c + 1; x < len(g[r]); x++ {
				if dlg.has(r, x) != inDialog {
					if inDialog {
						break // the dialog's box ends inside the dialog
					}
					continue // a pane's top edge runs under the dialog
				}
				if g[r][x] == "┐" {
					cr = x
					break
				}
			}
			if cr < 0 {
				t.Errorf("%s: the box at row %d col %d has no ┐ on its top row:\n%s", name, r, c, screen)
				continue
			}
			boxes++
			seen := func(rr, cc int) bool { return inDialog || !dlg.has(rr, cc) }
			for rr := r + 1; rr < len(g); rr++ {
				left, right := cellAt(g, rr, c), cellAt(g, rr, cr)
				if left == "└" || (!seen(rr, c) && right == "┘") {
					if seen(rr, cr) && right != "┘" {
						t.Errorf("%s: box at row %d col %d: its bottom row %d has %q, not ┘, at col %d:\n%s", name, r, c, rr, right, cr, screen)
					}
					break
				}
				if seen(rr, c) && left != "│" {
					t.Errorf("%s: box at row %d col %d: row %d has %q, not │, at its left edge (col %d):\n%s", name, r, c, rr, left, c, screen)
					break
				}
				if seen(rr, cr) && right != "│" {
					t.Errorf("%s: box at row %d col %d: row %d has %q, not │, at its right edge (col %d):\n%s", name, r, c, rr, right, cr, screen)
					break
				}
			}
		}
	}
	if boxes == 0 {
		t.Errorf("%s: no box on the screen:\n%s", name, screen)
	}
}

// checkWidths: no line wider than the terminal; the runbook screen fills
// every row exactly (a cut that drops a wide letter without padding moves
// everything right of it, a pane's border included).
func checkWidths(t *testing.T, name, screen string, w int, exact bool) {
	t.Helper()
	for i, l := range strings.Split(screen, "\n") {
		lw := ansi.StringWidth(l)
		if lw > w || (exact && lw != w) {
			t.Errorf("%s: line %d is %d cells wide on a %d-column terminal: %q", name, i, lw, w, ansi.Strip(l))
		}
	}
}

func TestPseudoLanguageLayout(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			for _, s := range tourScreens(t, i18n.Pseudo, sz[0], sz[1]) {
				if n := len(strings.Split(s.text, "\n")); n != sz[1] {
					t.Errorf("%s: %d lines on a %d-line terminal", s.name, n, sz[1])
				}
				checkWidths(t, s.name, s.text, sz[0], true)
				checkBoxes(t, s.name, s.text, s.dialog)
			}
		})
	}
}

// pseudo is a key as the pseudo-language shows it, without its brackets
// (a cut label loses its closing one).
func pseudo(key string) string {
	return strings.TrimSuffix(strings.TrimPrefix(i18n.Pseudolocalize(key), "「"), "」")
}

// TestPseudoLanguageWords: the screen's own words are all translated. The
// labels are looked for in their pseudo form, and any run of ASCII letters
// on the screen must be something that is never translated (a name, a
// command, a code, a key, a node's output) or domain text, which the
// runbook's catalogue translates.
func TestPseudoLanguageWords(t *testing.T) {
	want := map[string][]string{
		"runbook":              {pseudo("SIMULATION"), pseudo("Topology"), pseudo("Replication"), pseudo("Runbook"), pseudo("Output of step"), pseudo("help"), pseudo("speed")},
		"help":                 {pseudo("Keys"), pseudo("this help")},
		"explain":              {pseudo("Explain"), pseudo("Commands")},
		"palette":              {pseudo("Command palette"), pseudo("action")},
		"search":               {pseudo("keep")},
		"quit while running":   {pseudo("Quit while a step runs?")},
		"confirm":              {pseudo("Confirm step"), pseudo("Run it? [y/N]")},
		"skip question":        {pseudo("The step is not run")},
		"typed confirm wrong":  {pseudo("Type the name exactly")},
		"failure":              {pseudo("Step failed"), pseudo("What you can do"), pseudo("What happened")},
		"skip failed question": {pseudo("Later steps may fail")},
		"password":             {pseudo("Password refused")},
		"findings":             {pseudo("Findings"), pseudo("Remedy:")},
		"watch":                {pseudo("WATCHING (read-only)"), pseudo("read-only")},
		"watch refuses":        {pseudo("WATCHING (read-only): steps are")},
		"watch help":           {pseudo("Watching")},
		"a step not run":       {pseudo("Expected:")},
		"finished":             {pseudo("The run is over")},
	}
	sc, plan := loadScenario(t, "ccr-2003-sp2")
	allowed := domainWords(sc, plan)
	for _, name := range []string{"mgmt-2003-box-2008-cluster"} {
		s2, p2 := loadScenario(t, name)
		for w := range domainWords(s2, p2) {
			allowed[w] = true
		}
	}
	word := regexp.MustCompile(`[A-Za-z][A-Za-z'.-]*[A-Za-z]`)
	for _, s := range tourScreens(t, i18n.Pseudo, 120, 40) {
		flat := strings.ReplaceAll(ansi.Strip(s.text), "\n", " ")
		for _, wnt := range want[s.name] {
			if !strings.Contains(strings.ReplaceAll(flat, "  ", " "), wnt) && !strings.Contains(flat, wnt) {
				t.Errorf("%s: %q is not on the pseudo-language screen:\n%s", s.name, wnt, ansi.Strip(s.text))
			}
		}
		for _, l := range strings.Split(ansi.Strip(s.text), "\n") {
			for _, wd := range word.FindAllString(l, -1) {
				if !allowed[strings.ToLower(wd)] {
					t.Errorf("%s: %q was never translated: %q", s.name, wd, l)
				}
			}
		}
	}
}

// domainWords are the words a pseudo screen may show in ASCII: names,
// commands, codes, keys and node output, and the domain's own sentences.
func domainWords(sc *config.Scenario, plan *runbook.Plan) map[string]bool {
	var texts []string
	texts = append(texts, sc.Title, sc.Name, sc.Cluster.Name, plan.Goal.Label(), "cmsrunbook resume --journal", "cmsrunbook CMS WinRM enter esc tab shift ctrl pgup pgdn home end up down dn y N n G q s e f t r w m d a x max",
		"Mailbox Role output of", "CONTOSO admin", "The nodes refused the password for", "EXCMS /tmp/window.jsonl window jsonl")
	for _, n := range sc.Cluster.Nodes {
		texts = append(texts, n.Name, runbook.Describe(n.Build), sc.Cluster.NodeOS(&n).String())
	}
	for _, g := range sc.Cluster.Groups {
		texts = append(texts, g.Name, runbook.Describe(sc.Cluster.CMSBuild(&g)))
	}
	if mh := sc.Cluster.Management; mh != nil {
		texts = append(texts, runbook.OS{Family: mh.OS.Family, SP: mh.OS.SP}.Short(), string(mh.Tools))
	}
	for _, s := range plan.Steps {
		texts = append(texts, s.ID, string(s.Kind), s.Title, s.Post.Text, s.Why, runbook.Explain(s.Kind, plan.Goal), s.FallbackWarning, s.Node, s.Target, s.CMS)
		texts = append(texts, s.Commands...)
		texts = append(texts, s.Fallback...)
	}
	for _, f := range plan.Findings {
		texts = append(texts, f.Code, f.Node, f.Message, f.Remedy)
	}
	d := failureDiag()
	texts = append(texts, d.Code, d.Message, d.Why)
	texts = append(texts, d.Lines...)
	for _, r := range d.Remedies {
		texts = append(texts, r.Label, r.Command, r.Warning)
	}
	words := map[string]bool{}
	word := regexp.MustCompile(`[A-Za-z][A-Za-z'.-]*[A-Za-z]`)
	for _, t := range texts {
		for _, w := range word.FindAllString(t, -1) {
			words[strings.ToLower(w)] = true
			// a cut word shows its start
			for i := 2; i < len(w); i++ {
				words[strings.ToLower(w[:i])] = true
				words[strings.ToLower(w[i:])] = true // cut on the left by a dialog
			}
		}
	}
	return words
}

// TestJapaneseLayout lays the tour out in Japanese too: the real words,
// the real widths.
func TestJapaneseLayout(t *testing.T) {
	for _, lang := range []i18n.Lang{i18n.Japanese, i18n.Portuguese, i18n.Italian} {
		for _, sz := range [][2]int{{80, 24}, {120, 40}} {
			t.Run(fmt.Sprintf("%s-%dx%d", lang, sz[0], sz[1]), func(t *testing.T) {
				for _, s := range tourScreens(t, lang, sz[0], sz[1]) {
					checkWidths(t, s.name, s.text, sz[0], true)
					checkBoxes(t, s.name, s.text, s.dialog)
				}
			})
		}
	}
}

// The Japanese golden screens: the runbook mid-window, a typed
// confirmation, the failure panel, the findings and the help, at the
// design size and at 120x40. Regenerate with -update and review.
func TestGoldenJapanese(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		w, h := sz[0], sz[1]
		t.Run(fmt.Sprintf("%dx%d", w, h), func(t *testing.T) {
			screens := map[string]string{}
			for _, s := range tourScreens(t, i18n.Japanese, w, h) {
				screens[s.name] = ansi.Strip(s.text)
			}
			for _, name := range []string{"runbook", "typed confirm", "failure", "findings", "help", "watch"} {
				t.Run(strings.ReplaceAll(name, " ", "-"), func(t *testing.T) {
					golden.RequireEqual(t, []byte(screens[name]))
				})
			}
		})
	}
}

func TestChooserLanguages(t *testing.T) {
	list, err := config.ListScenarios(assets.Scenarios)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []i18n.Lang{i18n.Pseudo, i18n.Japanese} {
		for _, sz := range [][2]int{{80, 24}, {120, 40}} {
			c := NewChooserLang(list, config.DefaultScenario, false, true, lang)
			c.width, c.height = sz[0], sz[1]
			scr := c.Render()
			name := fmt.Sprintf("chooser %s %dx%d", lang, sz[0], sz[1])
			checkWidths(t, name, scr, sz[0], false)
			checkBoxes(t, name, scr, nil)
			if lang == i18n.Pseudo && !strings.Contains(scr, pseudo("Scenarios")) {
				t.Errorf("%s: the heading is not translated:\n%s", name, scr)
			}
			if lang == i18n.Japanese && !strings.Contains(scr, "シナリオ") {
				t.Errorf("%s: no Japanese on the chooser:\n%s", name, scr)
			}
		}
	}
}
