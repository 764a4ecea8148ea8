// Package config loads the two kinds of file cmsrunbook reads: the
// inventory of a real cluster and the scenario of a simulated one (DESIGN
// section 8). Both are YAML. A file is parsed to the YAML AST, read strictly
// against its schema (an unknown key is an error, not a silent no-op) and
// validated against the runbook domain, so a typo in a maintenance-window
// file is caught at load time with FILE:LINE:COL and the field's path rather
// than half-way through the window.
package config

import (
	"fmt"
	"strings"

	"cmsrunbook/internal/i18n"
)

// Error is the only error type the loaders return. The CLI prints it as is
// and exits 2 (DESIGN section 3), so it must name the file, the line and the
// field an engineer has to fix.
type Error struct {
	// File is the path the loader was given (or the fs.FS name).
	File string
	// Line and Col are 1-based; 0 when no line applies (the file is
	// missing, empty, or the error is about the file as a whole).
	Line, Col int
	// Field is the path of the offending field, like nodes[1].state
	// (list indexes count from 0); empty when the error is not about one
	// field (a YAML syntax error, an unreadable file).
	Field string
	// Msg says what is wrong and, where it helps, what would be right.
	Msg string
	// Err is the underlying cause when there is one (an fs error, a
	// runbook validation error), for errors.Is and errors.As.
	Err error
}

// Error reads FILE:LINE:COL: FIELD: message, leaving out the parts that do
// not apply, so editors and terminals can jump to the spot.
func (e *Error) Error() string {
	return e.prefix() + e.Msg
}

// In is Error in p's language: the same FILE:LINE:COL: FIELD: prefix
// (a path, a position and a field name are what the engineer types or
// jumps to, so they stay as they are) and the message translated line by
// line. A nil p speaks English: In(nil) is Error().
func (e *Error) In(p *i18n.Printer) string {
	return e.prefix() + p.Lines(e.Msg)
}

// prefix is FILE:LINE:COL: FIELD: , without the parts that do not apply.
func (e *Error) prefix() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, max(e.Col, 1))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	return b.String()
}

// Unwrap exposes the cause.
func (e *Error) Unwrap() error { return e.Err }
