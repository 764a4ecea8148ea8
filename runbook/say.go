package runbook

import "fmt"

// say words a sentence the runbook tells a person (a step title, a
// finding, a diagnosis, a remedy, a verdict). format is the English text
// and the message's key in the catalogues (assets/i18n): the views
// translate the sentence by matching it against the keys
// (internal/i18n.Printer.Text), so the runbook stays free of languages
// and the journal keeps English. Always pass a literal format (the
// catalogue test reads them from the source), use %s for names, codes
// and builds and %d only for counts, and build a longer sentence from
// shorter ones with another say: each part is translated on its own.
func say(format string, args ...any) string {
	return fmt.Sprintf(format, args...)
}
