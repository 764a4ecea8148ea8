package remote

import (
	"fmt"

	"cmsrunbook/internal/i18n"
	"unicode/utf8"
)

// say words a sentence the engineer reads: an error, a warning, a line
// the executor writes into a step's output. format is the English text
// and the message's key in the catalogues (assets/i18n/*/remote.json):
// the views translate the sentence by matching it against the keys
// (internal/i18n.Printer.Text and Lines), so this package stays free of
// languages and the journal keeps English. Always pass a literal format
// (the catalogue test reads them from the source); use %s for names,
// codes, ports and exit codes (strconv them), %d only for counts. A
// cause this package did not word (a Go or Windows error) is a %s
// argument: it stays as it is while the sentence around it is
// translated.
func say(format string, args ...any) string {
	return fmt.Sprintf(format, args...)
}

// The runbook's two executor errors end most of the sentences below as
// their cause; their words are keys here too, so a view translates the
// tail with the head.
var _ = [...]string{say("connection to the node lost"), say("credentials refused")}

// wrap returns an error reading msg and wrapping cause (i18n.Wrap).
func wrap(msg string, cause error) error { return i18n.Wrap(msg, cause) }

// placed is an error worded before the node is known (a TLS refusal the
// dialer words knowing only the address, a script or job that cannot be
// built): its key begins with "%s", the place, which is "" or "NODE: ",
// so a caller that knows the node puts the name in front (at) and the
// whole stays one sentence of the catalogue.
type placed struct {
	text  func(at string) string
	cause error
}

func (p *placed) Error() string { return p.text("") }
func (p *placed) Unwrap() error { return p.cause }

// place returns an error worded by text (a say whose key begins with the
// place) and wrapping cause (nil for none).
func place(text func(at string) string, cause error) error {
	return &placed{text: text, cause: cause}
}

// at puts node's name in front of err, "NODE: text", as
// fmt.Errorf("%s: %w", node, err) does; a placed error takes the name
// into its own sentence.
func at(node string, err error) error {
	if p, ok := err.(*placed); ok {
		return &placed{text: func(a string) string { return p.text(a + node + ": ") }, cause: p.cause}
	}
	return fmt.Errorf("%s: %w", node, err)
}

// errText is an error's text as %v prints it ("<nil>" for none), for an
// error that is a sentence's argument.
func errText(err error) string { return fmt.Sprint(err) }

// clip is b's first n runes, as fmt's %.Ns would print them.
func clip(b []byte, n int) string {
	i := 0
	for ; i < len(b) && n > 0; n-- {
		_, w := utf8.DecodeRune(b[i:])
		i += w
	}
	return string(b[:i])
}
