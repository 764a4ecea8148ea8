package engine

import "fmt"

// say words a sentence the engine tells a person (a skip reason, a remedy
// label, a progress message, a line of its own among a step's output).
// format is the English text and the message's key in the catalogues
// (assets/i18n): the journal keeps the English, and the views translate
// it by matching it against the keys (internal/i18n.Printer.Text). Always
// pass a literal format, %s for names, codes and builds and %d only for
// counts; a sentence with an optional tail takes the head as its own %s.
func say(format string, args ...any) string {
	return fmt.Sprintf(format, args...)
}
