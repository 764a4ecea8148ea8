package runbook

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidateHostName enforces the NetBIOS/DNS host-name rules for node, cluster
// and CMS names: 1 to 15 letters, digits or hyphens, not all digits, no
// leading or trailing hyphen. Anything else could not be passed to cluster.exe
// or a cmdlet without quoting tricks, so it is an input error.
func ValidateHostName(s string) error {
	if s == "" {
		return errors.New(say("name is empty"))
	}
	if len(s) > 15 {
		return errors.New(say("name %q is %d characters long; NetBIOS names have at most 15", s, len(s)))
	}
	digits := true
	for i, r := range s {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
			digits = false
		case r >= '0' && r <= '9':
		case r == '-':
			digits = false
			if i == 0 || i == len(s)-1 {
				return errors.New(say("name %q starts or ends with a hyphen", s))
			}
		default:
			return errors.New(say("name %q contains %s; host names may hold only letters, digits and hyphens", s, strconv.QuoteRune(r)))
		}
	}
	if digits {
		return errors.New(say("name %q is all digits", s))
	}
	return nil
}

// smartQuotes are the characters PowerShell treats as a single quote.
const smartQuotes = "\u2018\u2019\u201a\u201b"

// ValidateGroupName accepts cluster group names that can be passed inside
// double quotes to cluster.exe and inside single quotes to PowerShell 1.0
// without any character changing what runs (DESIGN section 11).
func ValidateGroupName(s string) error {
	if s == "" {
		return errors.New(say("group name is empty"))
	}
	if !utf8.ValidString(s) {
		return errors.New(say("group name %q is not valid UTF-8", s))
	}
	if n := utf8.RuneCountInString(s); n > 128 {
		return errors.New(say("group name is %d characters long; at most 128", n))
	}
	if strings.TrimSpace(s) != s {
		return errors.New(say("group name %q starts or ends with a space", s))
	}
	if s[0] == '/' || s[0] == '-' {
		return errors.New(say("group name %q starts with %s, which cluster.exe would read as an option", s, strconv.QuoteRune(rune(s[0]))))
	}
	if strings.HasSuffix(s, `\`) {
		return errors.New(say("group name %q ends with a backslash, which would escape the closing quote", s))
	}
	for _, r := range s {
		switch {
		case r == '"' || r == '%':
			return errors.New(say("group name %q contains %s, which cmd.exe cannot pass safely", s, strconv.QuoteRune(r)))
		case r == '\'' || strings.ContainsRune(smartQuotes, r):
			return errors.New(say("group name %q contains a quote character", s))
		case unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\ufeff':
			return errors.New(say("group name %q contains a control character", s))
		case !unicode.IsPrint(r) && r != ' ':
			return errors.New(say("group name %q contains the unprintable character %s", s, fmt.Sprintf("%U", r)))
		}
	}
	return nil
}

// ValidateWindowsPath accepts an absolute Windows path (D:\dir or
// \\server\share\dir) that can be quoted for cmd.exe: no quote, percent,
// control character or wildcard.
func ValidateWindowsPath(s string) error {
	if s == "" {
		return errors.New(say("path is empty"))
	}
	if len(s) > 240 {
		return errors.New(say("path is %d characters long; at most 240", len(s)))
	}
	if !utf8.ValidString(s) {
		return errors.New(say("path %q is not valid UTF-8", s))
	}
	abs := (len(s) >= 3 && isLetter(s[0]) && s[1] == ':' && s[2] == '\\') || strings.HasPrefix(s, `\\`)
	if !abs {
		return errors.New(say("path %q is not an absolute Windows path like D:\\Exchange2007SP2 or \\\\server\\share", s))
	}
	for _, r := range s {
		switch {
		case r == '"' || r == '%' || r == '*' || r == '?' || r == '<' || r == '>' || r == '|' || r == '\'':
			return errors.New(say("path %q contains %s, which cannot be passed safely", s, strconv.QuoteRune(r)))
		case strings.ContainsRune(smartQuotes, r):
			return errors.New(say("path %q contains a quote character", s))
		case unicode.IsControl(r) || !unicode.IsPrint(r) && r != ' ':
			return errors.New(say("path %q contains an unprintable character", s))
		}
	}
	if strings.Contains(s[2:], ":") {
		return errors.New(say("path %q contains a colon after the drive", s))
	}
	return nil
}

func isLetter(b byte) bool { return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' }

// CmdQuote quotes an argument for cmd.exe and the argv parser of cluster.exe
// and Setup.com. Callers pass only validated names and paths; it quotes
// whenever the text holds a space or a cmd.exe metacharacter.
func CmdQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t&|<>^()!,;=") {
		return s
	}
	return `"` + s + `"`
}

// PSQuote makes a PowerShell 1.0 single-quoted literal: nothing inside is
// expanded; a quote (straight or typographic) is doubled.
func PSQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		if r == '\'' || strings.ContainsRune(smartQuotes, r) {
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// sayWrap is err reworded as msg (a say sentence), still wrapping err.
func sayWrap(err error, msg string) error { return &wrapError{msg, err} }

type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }
func (e *wrapError) Unwrap() error { return e.err }
