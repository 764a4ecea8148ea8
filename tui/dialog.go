package tui

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// dialog is anything drawn over the screen that takes the keys first.
// A dialog changes only itself: its key handler returns an action and
// the root model carries it out (Model.do). It draws from what it was
// given when it opened and from the look passed to render; it never
// holds the root model.
type dialog interface {
	key(k tea.KeyPressMsg) dialogAction
	render(lk look, w, h int) []string
}

// look is what a dialog draws with.
type look struct {
	st Styles
	g  Glyphs
	p  *i18n.Printer // the screen's language
}

// graced dialogs ignore keys for InputGrace after they open (or come
// back to the top of the stack): they ask for decisions, and a key meant
// for the screen behind must not answer them.
type graced interface{ graced() }

// paster dialogs take bracketed paste (a CMS name pasted from a ticket).
type paster interface{ paste(s string) }

// asking dialogs belong to one of the engine's questions (a *confirmReq
// or *decideReq): once it is answered, every dialog about it closes.
type asking interface{ request() any }

// dialogAction is what a dialog's key asks the root model to do; nil
// asks nothing.
type dialogAction interface{}

type (
	// closeDialog closes the top dialog; the one under it, if any, is
	// shown again.
	closeDialog struct{}
	// openDialog opens d over the current dialog (or the screen).
	openDialog struct{ d dialog }
	// setFlash shows text on the hint line.
	setFlash struct{ text string }
	// quit leaves the screen.
	quit struct{}
	// confirmStep answers the engine's confirmation (run or skip); the
	// root adds who answered.
	confirmStep struct {
		req    *confirmReq
		answer engine.Answer
		typed  string
	}
	// decideRemedy answers the engine's question after a failure; the
	// root adds who decided.
	decideRemedy struct {
		req    *decideReq
		action runbook.RemedyAction
	}
	// gotoStep selects step idx in the runbook pane.
	gotoStep struct{ idx int }
	// showNode and showGroup point the topology pane at a node or group.
	showNode  struct{ name string }
	showGroup struct{ name string }
	// runCommand does what a screen key does.
	runCommand struct{ c command }
	// actions are done in order.
	actions []dialogAction
)

// shown is a dialog on the stack and when it came to the top.
type shown struct {
	d  dialog
	at time.Time
}

// dialogKeys are the keys the dialogs answer to.
var dialogKeys = struct {
	Yes, No, Cancel, Submit, Hide      key.Binding
	Up, Down, PaletteClose             key.Binding
	ScrollUp, ScrollDown, PgUp, PgDown key.Binding
	ScrollTop                          key.Binding
	CloseHelp, CloseExplain            key.Binding
	CloseFindings                      key.Binding
}{
	Yes:           key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
	No:            key.NewBinding(key.WithKeys("n", "N"), key.WithHelp("n", "no")),
	Cancel:        key.NewBinding(key.WithKeys("esc", "ctrl+c"), key.WithHelp("esc", "cancel")),
	Submit:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "go")),
	Hide:          key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "hide")),
	Up:            key.NewBinding(key.WithKeys("up", "ctrl+k"), key.WithHelp("up", "select")),
	Down:          key.NewBinding(key.WithKeys("down", "ctrl+j", "tab"), key.WithHelp("down", "select")),
	PaletteClose:  key.NewBinding(key.WithKeys("esc", "ctrl+c", "ctrl+p"), key.WithHelp("esc", "close")),
	ScrollUp:      key.NewBinding(key.WithKeys("up", "k")),
	ScrollDown:    key.NewBinding(key.WithKeys("down", "j")),
	PgUp:          key.NewBinding(key.WithKeys("pgup")),
	PgDown:        key.NewBinding(key.WithKeys("pgdown", "space")),
	ScrollTop:     key.NewBinding(key.WithKeys("home", "g")),
	CloseHelp:     key.NewBinding(key.WithKeys("esc", "?", "enter")),
	CloseExplain:  key.NewBinding(key.WithKeys("esc", "e", "enter")),
	CloseFindings: key.NewBinding(key.WithKeys("esc", "f", "enter")),
}

// askDialog is a yes/no question that defaults to No (skip, quit). Yes
// closes it and does yes; n and esc close it; other keys do nothing.
type askDialog struct {
	title  string
	lines  []string
	danger bool
	yes    dialogAction
	req    any  // the engine's question it belongs to, if any
	isQuit bool // the quit question: q and ctrl+c answer it, not ask again
}

func (d *askDialog) graced()      {}
func (d *askDialog) request() any { return d.req }

func (d *askDialog) key(k tea.KeyPressMsg) dialogAction {
	switch {
	case key.Matches(k, dialogKeys.Yes):
		return actions{closeDialog{}, d.yes}
	case key.Matches(k, dialogKeys.No, dialogKeys.Cancel):
		return closeDialog{}
	}
	return nil
}

func (d *askDialog) render(lk look, w, h int) []string {
	var l []string
	for _, x := range d.lines {
		l = append(l, wrap(x, w-4)...)
	}
	l = append(l, "", lk.st.Bold.Render("[y/N]")+"  "+keyHint(lk.st, "y", lk.p.Tr("yes"), "n/esc", lk.p.Tr("no")))
	return dialogBox(lk.st, lk.g, d.title, l, w, h, d.danger)
}
