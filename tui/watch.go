package tui

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// The watch screen: the runbook screen, read-only, over a window another
// process runs (`cmsrunbook watch --journal FILE`). The same panes show
// what the journal records; the engine function only follows the file and
// feeds its events through Hooks.Event, and never asks a question, so no
// confirmation, skip question or failure panel ever opens. On top of that
// Options.ReadOnly stops every command that would act on a run (enter,
// s, + and -, and the palette's same actions) in Model.run. The header
// carries a WATCHING (read-only) badge and the hint line says what the
// keys here can and cannot do.

// WatchBadge is the header's mark of a watch screen.
const WatchBadge = " WATCHING (read-only) "

// watchRefuses reports whether the read-only screen refuses command c,
// and says why on the hint line. Quit never asks: watching sends nothing,
// so there is nothing a quit could cut short.
func (m *Model) watchRefuses(c command) bool {
	switch c {
	case cmdRunNext, cmdSkipNext:
		m.flash = m.p.Tr("WATCHING (read-only): steps are confirmed at the window's own screen, not here.")
		return true
	case cmdFaster, cmdSlower:
		m.flash = m.p.Tr("WATCHING (read-only): the speed is the window's own.")
		return true
	case cmdQuit:
		m.quit()
		return true
	}
	return false
}

// watchModel is the Model under a read-only header and hint line.
type watchModel struct{ m *Model }

func (w watchModel) Init() tea.Cmd { return w.m.Init() }

func (w watchModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := w.m.Update(msg)
	return w, cmd
}

func (w watchModel) View() tea.View {
	v := w.m.View()
	v.SetContent(w.Render())
	v.WindowTitle = "cmsrunbook: " + w.m.p.Tr("WATCHING") + " " + w.m.cluster.Name
	return v
}

// Render is the watch screen as text: the runbook screen's, with the
// watch header and, when nothing else has the hint line, the watch hints.
func (w watchModel) Render() string {
	m := w.m
	lines := m.lines()
	if m.width < MinWidth || m.height < MinHeight || len(lines) < 2 {
		return strings.Join(lines, "\n")
	}
	lines[0] = w.header()
	if m.flash == "" && len(m.dialogs) == 0 && !m.search.editing {
		h := m.screenHints()
		if m.g.Ellipsis == ASCIIGlyphs.Ellipsis {
			h = strings.ReplaceAll(h, "↑↓", "up/dn")
		}
		lines[len(lines)-1] = fit(" "+m.p.Tr("read-only")+" "+m.g.Sep+" "+h, m.width, m.g)
	}
	return strings.Join(lines, "\n")
}

// header is the watch badge, then what the window's own header says.
func (w watchModel) header() string {
	m := w.m
	mode := m.p.Tr("simulation")
	if m.opts.Real {
		mode = m.p.Tr("LIVE CLUSTER")
	}
	rest := fmt.Sprintf(" %s %s %s %s %s", mode, m.g.Sep, m.cluster.Name, m.g.Sep, m.p.Text(m.plan.Goal.Label()))
	if m.opts.Title != "" {
		rest += " " + m.g.Sep + " " + m.p.Text(m.opts.Title)
	}
	wb := WatchBadge
	if !isEnglish(m.p) {
		wb = " " + m.p.Tr("WATCHING (read-only)") + " "
	}
	badge := m.st.Badge.Render(wb)
	if m.opts.Real {
		badge = m.st.LiveBadge.Render(wb)
	}
	return fit(badge+m.st.Header.Render(rest), m.width, m.g)
}

// NewWatch builds the read-only screen; tests drive it through Update.
func NewWatch(o Options) (tea.Model, *Model) {
	o.ReadOnly, o.SetSpeed = true, nil
	m := New(o)
	// The findings panel New opens is the window's operator's to read
	// before confirming; a watcher opens it with f.
	clear(m.dialogs)
	m.dialogs = m.dialogs[:0]
	return watchModel{m}, m
}

// RenderWatch is the watch screen as text, for tests.
func RenderWatch(w tea.Model) string {
	if wm, ok := w.(watchModel); ok {
		return wm.Render()
	}
	return ""
}

// Watch shows the read-only screen while follow feeds it the journal's
// events through Hooks.Event (it never uses Hooks.Confirmer). follow
// returns when the run it watches has finished, or when ctx ends (the
// person quit); the screen stays open until the person quits. The result
// is follow's.
func Watch(ctx context.Context, o Options, follow EngineFunc, popts ...tea.ProgramOption) (int, error) {
	wm, m := NewWatch(o)
	return runWith(ctx, wm, m, follow, "following the journal", "nothing was sent", popts)
}
