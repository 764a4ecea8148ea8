package config

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// This file decides whether bytes are text a person wrote, before a parser
// sees them: a scenario or inventory must be UTF-8 YAML text of a sensible
// size, and a captured transcript UTF-8 text. Each refusal says what the
// file is instead (UTF-16, binary, another code page, too long) so the
// engineer knows what to do about it.

// textFault is why bytes are not UTF-8 text.
type textFault int

const (
	textOK      textFault = iota
	textUTF16             // a UTF-16 byte-order mark, or every other byte 0
	textNUL               // a NUL byte: a binary file
	textNotUTF8           // bytes that are not UTF-8: another code page
	textControl           // a control character other than tab, CR and LF
)

// findTextFault returns the first reason data is not UTF-8 text, the byte
// offset where it is (-1 when it is about the whole file) and, for
// textControl, the character. controls says whether control characters
// are a fault (YAML forbids them; a transcript may hold them).
func findTextFault(data []byte, controls bool) (fault textFault, off int, r rune) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || looksUTF16(data) {
		return textUTF16, -1, 0
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return textNUL, i, 0
	}
	for i := 0; i < len(data); {
		if c := data[i]; c < utf8.RuneSelf {
			if controls && isControl(rune(c)) {
				return textControl, i, rune(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return textNotUTF8, i, 0
		case controls && isControl(r):
			return textControl, i, r
		}
		i += size
	}
	return textOK, -1, 0
}

// isControl reports the characters YAML does not allow in a file: C0
// controls but tab, LF and CR; DEL; C1 controls.
func isControl(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7F || (r >= 0x80 && r <= 0x9F)
}

// looksUTF16 recognises UTF-16 saved without a byte-order mark: text in
// the Latin alphabet then has a 0 in every other byte, on one side.
func looksUTF16(data []byte) bool {
	n := min(len(data), 512) &^ 1
	if n < 8 {
		return false
	}
	var even, odd int
	for i := range n {
		if data[i] == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	pairs := n / 2
	return (odd*2 >= pairs && even*8 <= odd) || (even*2 >= pairs && odd*8 <= even)
}

// yamlTextProblem says what makes data unfit to be a cmsrunbook file
// before it is parsed, with the line and column where there is one (0, 0
// for the file as a whole); "" when it is fit. data has no UTF-8
// byte-order mark.
func yamlTextProblem(data []byte) (line, col int, msg string) {
	if len(data) > maxYAMLSize {
		return 0, 0, say("the file is %s, over the limit of %s; %s", humanSize(int64(len(data))), humanSize(maxYAMLSize), yamlSizeHint())
	}
	fault, off, r := findTextFault(data, true)
	if off >= 0 {
		line, col = offsetPosition(data, off)
	}
	switch fault {
	case textUTF16:
		return 0, 0, say("the file is saved as UTF-16 (Notepad's \"Unicode\"); save it as UTF-8")
	case textNUL:
		return line, col, say("the file holds a NUL byte here, so it is a binary file, not YAML text; is this the right file?")
	case textNotUTF8:
		return line, col, say("the file is not UTF-8 text (saved in another code page?); save it as UTF-8")
	case textControl:
		return line, col, say("the file holds the control character %s here; a cmsrunbook file is plain text, so remove it", fmt.Sprintf("%U", r))
	}
	switch {
	case len(data) == 0:
		return 0, 0, say("the file is empty")
	case len(bytes.TrimSpace(data)) == 0:
		return 0, 0, say("the file is empty: it holds only blank lines")
	}
	if n := lineCount(data); n > maxYAMLLines {
		return maxYAMLLines + 1, 1, say("the file has %d lines, over the limit of %d; a cmsrunbook file has a few dozen, so this is probably the wrong file", n, maxYAMLLines)
	}
	return 0, 0, ""
}

// lineCount counts lines as YAML does: LF, CRLF and a lone CR end one,
// and a last line without an end counts too.
func lineCount(data []byte) int {
	n := 0
	for i, c := range data {
		if c == '\n' || (c == '\r' && (i+1 == len(data) || data[i+1] != '\n')) {
			n++
		}
	}
	if last := data[len(data)-1]; last != '\n' && last != '\r' {
		n++
	}
	return n
}

// transcriptProblem says what makes the captured transcript rel unfit to
// replay; "" when it is fit.
func transcriptProblem(rel string, data []byte) string {
	fault, off, _ := findTextFault(data, false)
	line := 0
	if off >= 0 {
		line, _ = offsetPosition(data, off)
	}
	switch fault {
	case textUTF16:
		return say("%q is saved as UTF-16; convert the capture to UTF-8", rel)
	case textNUL:
		return say("%q holds a NUL byte on its line %s, so it is a binary file, not a captured transcript", rel, strconv.Itoa(line))
	case textNotUTF8:
		return say("%q is not UTF-8 text (its line %s); convert the capture to UTF-8", rel, strconv.Itoa(line))
	}
	return ""
}

// offsetPosition is the 1-based line and column of byte off.
func offsetPosition(data []byte, off int) (line, col int) {
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}
