package tui

import "charm.land/bubbles/v2/key"

// keyMap is every key of the runbook screen, in the order help lists
// them. Bindings carry their own help text so the help panel, the hint
// line and the palette cannot disagree with what the keys do.
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
		Enter:     b("enter", "run the next step (opens the confirmation), or reopen the failure panel", "enter"),
		Skip:      b("s", "skip the next step (asks first; the skip is journaled)", "s"),
		Tab:       b("tab", "next pane (topology, runbook, output)", "tab"),
		ShiftTab:  b("shift+tab", "previous pane", "shift+tab"),
		Up:        b("↑/k", "select the previous step / scroll up", "up", "k"),
		Down:      b("↓/j", "select the next step / scroll down", "down", "j"),
		PgUp:      b("pgup", "scroll the output up a page", "pgup", "ctrl+b"),
		PgDn:      b("pgdn", "scroll the output down a page", "pgdown", "ctrl+f"),
		Top:       b("g/home", "top of the step's output", "home", "g"),
		Bottom:    b("G/end", "bottom of the output (follow it live)", "end", "G"),
		Search:    b("/", "search the output (incremental)", "/"),
		NextMatch: b("n", "next match", "n"),
		PrevMatch: b("N", "previous match", "N"),
		Palette:   b("ctrl+p", "command palette: steps, nodes, groups, actions", "ctrl+p"),
		Help:      b("?", "this help", "?"),
		Explain:   b("e", "explain the selected step: why it is here, why now", "e"),
		Findings:  b("f", "findings: every preflight finding with its remedy", "f"),
		Faster:    b("+", "simulation faster", "+", "="),
		Slower:    b("-", "simulation slower", "-", "_"),
		Times:     b("t", "show or hide each output line's time", "t"),
		Left:      b("←/h", "scroll the output left (long lines)", "left", "h"),
		Right:     b("→/l", "scroll the output right: the rest of long lines, never wrapped", "right", "l"),
		Quit:      b("q/ctrl+c", "quit (asks while a step runs, a node is paused or a CMS is down)", "q", "ctrl+c"),
	}
}

// list returns the bindings in help order.
func (k keyMap) list() []key.Binding {
	return []key.Binding{k.Enter, k.Skip, k.Tab, k.ShiftTab, k.Up, k.Down, k.PgUp, k.PgDn, k.Top, k.Bottom,
		k.Left, k.Right, k.Search, k.NextMatch, k.PrevMatch, k.Palette, k.Help, k.Explain, k.Findings, k.Times, k.Faster, k.Slower, k.Quit}
}
