package tui

import (
	"context"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// passwordReq is the engine waiting for a new password after the nodes
// refused one; the screen answers through reply ("" goes back to the
// remedies).
type passwordReq struct {
	prompt string
	reply  chan string
}

// AskPassword is the screen's password prompt (session.PasswordAsker): a
// masked dialog. What is typed is never drawn, logged or journaled; it
// goes from the dialog to the engine's goroutine through reply only.
func (c *inboxConfirmer) AskPassword(ctx context.Context, prompt string) (string, error) {
	in := (*inbox)(c)
	r := &passwordReq{prompt: prompt, reply: make(chan string, 1)}
	in.mu.Lock()
	in.password = r
	in.mu.Unlock()
	select {
	case p := <-r.reply:
		return p, nil
	case <-ctx.Done():
		in.answeredPassword(r)
		return "", ctx.Err()
	}
}

func (in *inbox) answeredPassword(r *passwordReq) {
	in.mu.Lock()
	if in.password == r {
		in.password = nil
	}
	in.mu.Unlock()
}

// maxPassword bounds what the dialog takes (Windows allows 256).
const maxPassword = 256

// passwordDialog asks for the password without showing it: each
// character is drawn as a mask. Enter gives it to the engine; esc gives
// nothing back, and the remedies are offered again.
type passwordDialog struct {
	req   *passwordReq
	input textinput.Model
}

func newPasswordDialog(req *passwordReq) *passwordDialog {
	in := newLineInput(maxPassword)
	in.EchoMode = textinput.EchoPassword
	return &passwordDialog{req: req, input: in}
}

func (d *passwordDialog) graced()      {}
func (d *passwordDialog) request() any { return d.req }

// givePassword answers the engine's password question.
type givePassword struct {
	req      *passwordReq
	password string
}

func (d *passwordDialog) key(k tea.KeyPressMsg) dialogAction {
	switch {
	case key.Matches(k, dialogKeys.Cancel):
		d.input.Reset()
		return givePassword{req: d.req}
	case key.Matches(k, dialogKeys.Submit):
		p := d.input.Value()
		d.input.Reset()
		return givePassword{req: d.req, password: p}
	}
	editKey(&d.input, k)
	return nil
}

// paste takes a password pasted from a password manager, as typed.
func (d *passwordDialog) paste(s string) { pasteInput(&d.input, strings.TrimRight(s, "\r\n")) }

func (d *passwordDialog) render(lk look, w, h int) []string {
	st, g, tr := lk.st, lk.g, lk.p
	inner := w - 4
	l := wrap(tr.Text(d.req.prompt), inner)
	l = append(l, wrap(tr.Tr("The password is sent to the nodes only, never shown or written down."), inner)...)
	l = append(l, "")
	mask := strings.Repeat("*", utf8.RuneCountInString(d.input.Value()))
	l = append(l, "  "+g.Prompt+" "+st.Input.Render(fit(mask+"_", min(32, inner-4), g)))
	l = append(l, "", keyHint(st, "enter", tr.Tr("try it"), "esc", tr.Tr("back to the remedies (nothing is sent)")))
	return dialogBox(st, g, tr.Tr("Password refused: enter it again"), l, w, h, true)
}

// answerPassword hands the typed password to the engine and closes the
// dialog. The password is not logged.
func (m *Model) answerPassword(req *passwordReq, p string) {
	select {
	case req.reply <- p:
	default:
	}
	m.in.answeredPassword(req)
	if m.password == req {
		m.password = nil
	}
	m.dropAsking(req)
	m.follow = true
	m.log.Info("password entered", "given", p != "")
}
