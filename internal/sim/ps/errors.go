package ps

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// PowerShell 1.0 prints an error as three parts, kept here as the
// simulator printed them before this package existed:
//
//	Get-Item : Cannot find path 'C:\nope' because it does not exist.
//	At line:1 char:9
//	+ Get-Item  <<<< C:\nope
//
// The "+ CategoryInfo" and "FullyQualifiedErrorId" lines came with
// PowerShell 2.0, so ErrorRecord.Category and ErrorID are not printed.

type errKind int

const (
	kindCommand  errKind = iota // a cmdlet's error: marked after its name
	kindNotFound                // "The term ... is not recognized"
	kindExpr                    // a language or method error
)

// errPos is where an error happened, for the layout.
type errPos struct {
	off     int
	kind    errKind
	stopped bool // a non-terminating error the Stop preference ended the script with
}

// stopPrefix is PowerShell 1.0's message for a non-terminating error that
// the Stop preference turned into a terminating one.
const stopPrefix = `Command execution stopped because the shell variable "ErrorActionPreference" is set to Stop: `

func (x *interp) writeError(rec *ErrorRecord, w func(string)) {
	for _, l := range x.errorLines(rec, false) {
		w(l)
	}
}

// errorLines lays an error out. inTrap is true for $_ written by a trap,
// which shows the original error without the Stop prefix.
func (x *interp) errorLines(rec *ErrorRecord, inTrap bool) []string {
	pos, known := x.errPos[rec]
	msg := rec.Message
	if pos.stopped && !inTrap {
		msg = stopPrefix + msg
	}
	head := msg
	if rec.Command != "" {
		head = rec.Command + " : " + msg
	}
	out := strings.Split(strings.ReplaceAll(head, "\r\n", "\n"), "\n")
	if !known {
		return out
	}
	line, text, col := lineAt(x.src, pos.off)
	c := clampIdx(text, col)
	rc := utf8.RuneCountInString(text[:c])
	switch pos.kind {
	case kindCommand:
		out = append(out, fmt.Sprintf("At line:%d char:%d", line, rc+1),
			"+ "+text[:c]+"  <<<< "+strings.TrimLeft(text[c:], " \t"))
	case kindNotFound:
		out = append(out, fmt.Sprintf("At line:%d char:%d", line, rc+1),
			"+ "+text[:c]+" <<<< "+strings.TrimLeft(text[c:], " \t"))
	default:
		out = append(out, fmt.Sprintf("At line:%d char:%d", line, max(rc, 1)),
			"+ "+text[:c]+" <<<< "+text[c:])
	}
	return out
}

// lineAt returns the 1-based line of byte offset off in src, that line's
// text, and off's byte column in it.
func lineAt(src string, off int) (line int, text string, col int) {
	off = max(0, min(off, len(src)))
	start := strings.LastIndexByte(src[:off], '\n') + 1
	end := strings.IndexByte(src[off:], '\n')
	if end < 0 {
		end = len(src)
	} else {
		end += off
	}
	text = strings.TrimRight(src[start:end], "\r")
	return strings.Count(src[:start], "\n") + 1, text, off - start
}

// clampIdx keeps a byte column inside text and on a rune boundary.
func clampIdx(text string, col int) int {
	col = max(0, min(col, len(text)))
	for col > 0 && col < len(text) && !utf8.RuneStart(text[col]) {
		col--
	}
	return col
}

// parseErrorLines lays out a parse error: PowerShell prints it like a
// runtime error and runs nothing.
func parseErrorLines(src string, pe *ParseError) []string {
	line, text, col := lineAt(src, pe.Pos)
	c := clampIdx(text, col)
	return []string{
		pe.Msg,
		fmt.Sprintf("At line:%d char:%d", line, utf8.RuneCountInString(text[:c])+1),
		"+ " + text[:c] + " <<<< " + text[c:],
	}
}
