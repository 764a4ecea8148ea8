package session

import (
	"fmt"

	"cmsrunbook/internal/i18n"
)

// say words a sentence the session tells a person in an error or an
// event (the journal keeps it in English). format is the English text and
// the message's key in the catalogues (assets/i18n): whoever shows it
// translates it with i18n.Printer.Text, cli.Main for the errors, the
// views for the events. Always pass a literal format; %s for names,
// paths, codes and line numbers, %d only for counts.
func say(format string, args ...any) string {
	return fmt.Sprintf(format, args...)
}

func wrap(msg string, err error) error { return i18n.Wrap(msg, err) }

// usage is a usage error of the command line worded with say.
func usage(msg string) error { return &InputError{Msg: msg, Usage: true} }

// p speaks the language of what the session writes itself.
func (s *Session) p() *i18n.Printer { return i18n.For(s.view.Lang) }
