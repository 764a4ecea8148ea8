package cli

import (
	"fmt"
	"strings"

	"cmsrunbook/internal/i18n"
)

// say words a message of the command line (a usage error, a note): format
// is the English text and its key in the catalogues (assets/i18n). The
// message is built in English and translated where it is printed (Main,
// with i18n.Printer.Text), so an error keeps one wording wherever it
// goes. Always pass a literal format; %s for names, paths and line
// numbers, %d only for counts.
func say(format string, args ...any) string {
	return fmt.Sprintf(format, args...)
}

// usage is a usage error worded with say.
func usage(msg string) error { return &usageError{msg} }

// argLang is the language a command line asks for with --lang (the last
// one before a "--", as the flag package takes it), else the locale's.
// It decides the language of the messages Main prints, including those
// about a command line whose flags did not parse.
func argLang(args []string, getenv func(string) string) i18n.Lang {
	v := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "lang" {
			continue
		}
		switch {
		case hasVal:
			v = val
		case i+1 < len(args):
			v = args[i+1]
			i++
		}
	}
	if l, err := i18n.Parse(v); v != "" && err == nil {
		return l
	}
	return i18n.FromEnv(getenv)
}

// leadingLang takes a --lang L (or --lang=L) given before the command off
// the front of args: `cmsrunbook --lang ja` is training in Japanese, and
// `cmsrunbook --lang ja plan ...` is plan in Japanese. ok is false when
// args do not start with --lang; a --lang without its value is an error.
func leadingLang(args []string) (lang string, rest []string, ok bool, err error) {
	if len(args) == 0 {
		return "", args, false, nil
	}
	name, val, hasVal := strings.Cut(args[0], "=")
	if name != "--lang" && name != "-lang" {
		return "", args, false, nil
	}
	if hasVal {
		lang, rest = val, args[1:]
	} else {
		if len(args) < 2 {
			return "", nil, true, usage(say("flag needs an argument: %s", "-lang"))
		}
		lang, rest = args[1], args[2:]
	}
	if _, err := i18n.Parse(lang); err != nil {
		return "", nil, true, usage(say("--lang: %s", err))
	}
	return lang, rest, true, nil
}
