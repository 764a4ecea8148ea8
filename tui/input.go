package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// The one-line editors (the typed confirmation, search, the palette and
// the chooser's filter) are bubbles textinputs. Only two kinds of key
// reach one: a key that types printable text, and the deletions below.
// Everything else (arrows, tab, ctrl and alt combinations, the
// clipboard key) stays with the dialog, so nothing appears in an input
// that the person did not type or paste, and the cursor always sits at
// the end of the text, where the screen draws it.

// inputKeys are the editing keys the inputs take.
var inputKeys = textinput.KeyMap{
	DeleteCharacterBackward: key.NewBinding(key.WithKeys("backspace", "ctrl+h")),
	DeleteBeforeCursor:      key.NewBinding(key.WithKeys("ctrl+u")),
}

// newLineInput is a focused one-line input of at most limit characters
// (0: no limit).
func newLineInput(limit int) textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	in.CharLimit = limit
	in.KeyMap = inputKeys
	in.SetVirtualCursor(false)
	in.Focus() // the blink command is not needed: the screen draws its own cursor
	return in
}

// editKey gives k to the input when it types text or deletes, and
// reports whether it did.
func editKey(in *textinput.Model, k tea.KeyPressMsg) bool {
	if !in.Focused() {
		return false
	}
	if key.Matches(k, inputKeys.DeleteCharacterBackward, inputKeys.DeleteBeforeCursor) {
		*in, _ = in.Update(k)
		return true
	}
	t := typedText(k)
	if t == "" {
		return false
	}
	k.Text = t
	*in, _ = in.Update(k)
	return true
}

// pasteInput adds pasted text, cleaned of escape sequences and control
// characters, at the end of the input.
func pasteInput(in *textinput.Model, s string) {
	if s = Sanitize(s); s != "" && in.Focused() {
		*in, _ = in.Update(tea.PasteMsg{Content: s})
	}
}
