package config

import "fmt"

// say words a message the loaders tell a person: an error's Msg, a hint,
// a warning. format is the English text and the message's key in the
// catalogues (assets/i18n/*/config.json): the CLI translates the message
// when it prints it (Error.In, i18n.Printer.Text), so the loaders stay
// free of languages and every test that reads English keeps reading it.
// Always pass a literal format (the catalogue test reads them from the
// source); %s for names, values as written, paths and line numbers, %d
// only for counts. A sentence inside a sentence (a hint, a kind of YAML
// node) is worded with its own say and translated on its own.
func say(format string, args ...any) string {
	return fmt.Sprintf(format, args...)
}
