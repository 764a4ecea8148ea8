package tui

import (
	"charm.land/bubbles/v2/key"

	"cmsrunbook/internal/i18n"
)

// keyMap is every key of the runbook screen, in the order help lists
// them. Bindings carry their own help text so the help panel, the hint
// line and the palette cannot disagree with what the keys do. The help
// texts are catalogue keys (i18n.N): the help panel translates them.
type keyMap struct {
	Enter, Skip, Tab, ShiftTab, Up, Down, PgUp, PgDn, Top, Bottom  key.Binding
	Search, NextMatch, PrevMatch, Palette, Help, Explain, Findings key.Binding
	Faster, Slower, Quit, Times, Left, Right                       key.Binding
}

func defaultKeys() keyMap {
	b := func(help string, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return keyMap{
		Enter:     b("enter", i18n.N("run the next step (opens the confirmation), or reopen the failure panel"), "enter"),
		Skip:      b("s", i18n.N("skip the next step (asks first; the skip is journaled)"), "s"),
		Tab:       b("tab", i18n.N("next pane (topology, runbook, output)"), "tab"),
		ShiftTab:  b("shift+tab", i18n.N("previous pane"), "shift+tab"),
		Up:        b("↑/k", i18n.N("select the previous step / scroll up"), "up", "k"),
		Down:      b("↓/j", i18n.N("select the next step / scroll down"), "down", "j"),
		PgUp:      b("pgup", i18n.N("scroll the output up a page"), "pgup", "ctrl+b"),
		PgDn:      b("pgdn", i18n.N("scroll the output down a page"), "pgdown", "ctrl+f"),
		Top:       b("g/home", i18n.N("top of the step's output"), "home", "g"),
		Bottom:    b("G/end", i18n.N("bottom of the output (follow it live)"), "end", "G"),
		Search:    b("/", i18n.N("search the output (incremental)"), "/"),
		NextMatch: b("n", i18n.N("next match"), "n"),
		PrevMatch: b("N", i18n.N("previous match"), "N"),
		Palette:   b("ctrl+p", i18n.N("command palette: steps, nodes, groups, actions"), "ctrl+p"),
		Help:      b("?", i18n.N("this help"), "?"),
		Explain:   b("e", i18n.N("explain the selected step: why it is here, why now"), "e"),
		Findings:  b("f", i18n.N("findings: every preflight finding with its remedy"), "f"),
		Faster:    b("+", i18n.N("simulation faster"), "+", "="),
		Slower:    b("-", i18n.N("simulation slower"), "-", "_"),
		Times:     b("t", i18n.N("show or hide each output line's time"), "t"),
		Left:      b("←/h", i18n.N("scroll the output left (long lines)"), "left", "h"),
		Right:     b("→/l", i18n.N("scroll the output right: the rest of long lines, never wrapped"), "right", "l"),
		Quit:      b("q/ctrl+c", i18n.N("quit (asks while a step runs, a node is paused or a CMS is down)"), "q", "ctrl+c"),
	}
}

// list returns the bindings in help order.
func (k keyMap) list() []key.Binding {
	return []key.Binding{k.Enter, k.Skip, k.Tab, k.ShiftTab, k.Up, k.Down, k.PgUp, k.PgDn, k.Top, k.Bottom,
		k.Left, k.Right, k.Search, k.NextMatch, k.PrevMatch, k.Palette, k.Help, k.Explain, k.Findings, k.Times, k.Faster, k.Slower, k.Quit}
}
