// Package i18n turns what the tool says into the operator's language:
// English, Japanese, Brazilian Portuguese or Italian.
//
// The domain speaks English sentences built from fixed formats (runbook's
// say, a view's Printer.Tr); each format is the message's key in the
// catalogues under assets/i18n, in the style of golang.org/x/text/message,
// which does the formatting and the language matching. A sentence that was
// built and recorded in English (a finding in the journal, a diagnosis on
// the wire from the engine) is translated by matching it against the keys
// (Printer.Text), so the run record stays the English change record it
// always was and a report can still be read in any language, even from a
// journal written before the catalogues existed. Codes, commands, cmdlet
// names, node and group names and JSON keys are never translated.
package i18n

import (
	"fmt"
	"strings"
)

// Lang is a language the tool speaks: its BCP 47 tag as the --lang flag
// takes it.
type Lang string

const (
	English    Lang = "en"
	Japanese   Lang = "ja"
	Portuguese Lang = "pt-BR"
	Italian    Lang = "it"
	// Pseudo is the pseudo-localised language the tests lay screens out
	// in: every translated word in wide letters and brackets, so a pane
	// that cuts, pads or wraps by bytes or runes shows it, and a string
	// that never went through a catalogue stands out in plain ASCII.
	Pseudo Lang = "qps"
)

// Langs are the shipped languages, English first.
var Langs = []Lang{English, Japanese, Portuguese, Italian}

// Parse reads a language as a person or a locale writes it: en, ja,
// ja-JP, ja_JP.UTF-8, pt, pt-BR, pt_BR.utf8, it, it-IT, it_IT@euro. Any
// other Portuguese is Brazilian (the only one shipped). It refuses what it
// does not know, naming the languages it does.
func Parse(s string) (Lang, error) {
	t := strings.TrimSpace(s)
	if i := strings.IndexAny(t, ".@"); i >= 0 {
		t = t[:i] // ja_JP.UTF-8, it_IT@euro
	}
	t = strings.ToLower(strings.ReplaceAll(t, "_", "-"))
	base, _, _ := strings.Cut(t, "-")
	switch base {
	case "en", "c", "posix":
		return English, nil
	case "ja":
		return Japanese, nil
	case "pt":
		return Portuguese, nil
	case "it":
		return Italian, nil
	case "qps":
		return Pseudo, nil
	}
	return "", fmt.Errorf("unknown language %q: use en, ja, pt-BR or it", s)
}

// FromEnv chooses the language from the locale the way POSIX programs
// do: LC_ALL, else LC_MESSAGES, else LANG; then, on Windows, the user's
// UI language; else English. A locale naming a language the tool does
// not speak means English, not an error: the flag is where a person asks.
func FromEnv(getenv func(string) string) Lang {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := getenv(v); s != "" {
			if l, err := Parse(s); err == nil && l != Pseudo {
				return l
			}
			return English
		}
	}
	if s := userUILanguage(); s != "" {
		if l, err := Parse(s); err == nil && l != Pseudo {
			return l
		}
	}
	return English
}

// Choose is --lang if given, else the locale.
func Choose(flag string, getenv func(string) string) (Lang, error) {
	if flag != "" {
		return Parse(flag)
	}
	return FromEnv(getenv), nil
}
