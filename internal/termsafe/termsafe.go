// Package termsafe makes text that came from a node safe to write to a
// terminal: the screen and the line printer both write node output, and a
// node is not trusted (an escape sequence could retitle the window, write
// to the clipboard through OSC 52, or draw a fake prompt).
package termsafe

import (
	"strings"
	"unicode/utf8"
)

// Line makes one line of remote output safe to write to a terminal. Nodes are not
// trusted: a carriage return would jump to column 0 of the whole screen and
// overwrite the neighbouring pane, escape sequences could move the cursor,
// change the title or spoof a confirmation dialog, and tabs and other
// control characters break the width arithmetic of the layout. So:
//   - a progress bar's "\r" keeps only what was drawn last;
//   - every escape sequence (CSI, OSC, DCS, APC, ...) is dropped, colour
//     included: the pane styles lines itself;
//   - tabs become spaces to the next multiple of 8;
//   - other C0/C1 controls and invalid UTF-8 are dropped or replaced;
//   - with max > 0, the line is cut at max runes with a marker.
func Line(s string, max int) string {
	if clean(s, max) {
		return s
	}
	// Keep the last segment a carriage return started (ignoring one at the
	// very end, as CRLF output leaves).
	s = strings.TrimRight(s, "\r\n")
	if i := strings.LastIndexByte(s, '\r'); i >= 0 {
		s = s[i+1:]
	}
	var b strings.Builder
	b.Grow(len(s))
	col := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b:
			i = skipEscape(s, i)
			continue
		case c == '\t':
			n := 8 - col%8
			b.WriteString("        "[:n])
			col += n
			i++
		case c < 0x20 || c == 0x7f:
			i++
			continue
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			col++
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			if r == utf8.RuneError && size <= 1 {
				r = '?'
			}
			if r >= 0x80 && r <= 0x9f { // C1 controls, including the 8-bit CSI
				continue
			}
			b.WriteRune(r)
			col++
		}
		if max > 0 && col >= max {
			if i < len(s) {
				b.WriteString(" [cut]")
			}
			break
		}
	}
	return b.String()
}

// clean is the fast path: printable ASCII that fits needs no copy.
func clean(s string, max int) bool {
	if max > 0 && len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// skipEscape returns the index after the escape sequence starting at s[i]
// (an ESC). Unknown or cut-off sequences are skipped to a sensible end so
// that no part of them reaches the screen.
func skipEscape(s string, i int) int {
	i++ // ESC
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[': // CSI: parameters and intermediates, then a final byte 0x40-0x7e
		i++
		for i < len(s) && (s[i] < 0x40 || s[i] > 0x7e) {
			i++
		}
		return min(i+1, len(s))
	case ']', 'P', '_', '^', 'X': // OSC, DCS, APC, PM, SOS: up to BEL or ESC \
		i++
		for i < len(s) {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			i++
		}
		return i
	default: // two-byte sequences (ESC c, ESC 7, ...) and charset selection
		if s[i] == '(' || s[i] == ')' || s[i] == '#' {
			return min(i+2, len(s))
		}
		return i + 1
	}
}
