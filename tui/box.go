package tui

import (
	"strings"
	"unicode/utf8"

	"cmsrunbook/internal/i18n"

	"github.com/charmbracelet/x/ansi"
)

// fit cuts or pads a (possibly styled) line to exactly w cells. Every
// string that reaches the screen goes through it, so no pane can push its
// neighbour sideways.
func fit(s string, w int, g Glyphs) string {
	if w <= 0 {
		return ""
	}
	sw := ansi.StringWidth(s)
	if sw > w {
		// A wide letter that would straddle the edge is dropped whole, so
		// the cut can be a cell short: pad it back to w.
		s = ansi.Truncate(s, w, g.Ellipsis)
		sw = ansi.StringWidth(s)
	}
	return s + strings.Repeat(" ", max(w-sw, 0))
}

// clip keeps at most h lines (all of them when h <= 0).
func clip(l []string, h int) []string {
	if h > 0 && len(l) > h {
		return l[:h]
	}
	return l
}

// box draws a pane: a border with the title in its top edge and content
// cut to the inside. The focused pane's top edge uses HF (heavy or '='),
// so focus shows without colour too.
func box(st Styles, g Glyphs, title string, content []string, w, h int, focused bool) []string {
	if w < 4 || h < 2 {
		return nil
	}
	border, h1 := st.Border, g.H
	tstyle := st.Title
	if focused {
		border, h1 = st.BorderFoc, g.HF
		tstyle = st.TitleFocused
	}
	inner := w - 2
	t := ansi.Truncate(" "+title+" ", max(inner-2, 0), g.Ellipsis)
	tw := ansi.StringWidth(t)
	top := border.Render(g.TL+h1) + tstyle.Render(t) + border.Render(strings.Repeat(h1, max(inner-1-tw, 0))+g.TR)
	out := make([]string, 0, h)
	out = append(out, top)
	v := border.Render(g.V)
	for i := 0; i < h-2; i++ {
		line := ""
		if i < len(content) {
			line = content[i]
		}
		out = append(out, v+fit(line, inner, g)+v)
	}
	out = append(out, border.Render(g.BL+strings.Repeat(g.H, inner)+g.BR))
	return out
}

// sideBySide joins two column blocks of equal height.
func sideBySide(a, b []string) []string {
	n := max(len(a), len(b))
	out := make([]string, n)
	for i := range n {
		l, r := "", ""
		if i < len(a) {
			l = a[i]
		}
		if i < len(b) {
			r = b[i]
		}
		out[i] = l + r
	}
	return out
}

// overlay draws a dialog's lines over the screen's lines at column x,
// row y. Each covered row is cut around the dialog with ansi-aware cuts,
// and styles are reset at the seams so the screen's colours cannot bleed
// into the dialog or the dialog's out of it.
func overlay(base []string, dlg []string, x, y int) []string {
	out := append([]string(nil), base...)
	for i, dl := range dlg {
		row := y + i
		if row < 0 || row >= len(out) {
			continue
		}
		dw := ansi.StringWidth(dl)
		line := out[row]
		left := ansi.Truncate(line, x, "")
		if lw := ansi.StringWidth(left); lw < x {
			left += strings.Repeat(" ", x-lw)
		}
		right := ansi.TruncateLeft(line, x+dw, "")
		// A wide letter cut by the dialog's right edge is dropped whole:
		// blanks keep the rest of the row (a pane's border) in its column.
		// One cut into a wide letter keeps it whole: drop it for blanks.
		if want := ansi.StringWidth(line) - x - dw; want > 0 {
			rw := ansi.StringWidth(right)
			for k, r := rw-want, right; rw > want && k <= rw; k++ {
				right = ansi.TruncateLeft(r, k, "")
				rw = ansi.StringWidth(right)
			}
			right = strings.Repeat(" ", max(want-rw, 0)) + right
		}
		out[row] = left + "\x1b[m" + dl + "\x1b[m" + right
	}
	return out
}

// wrap breaks text to width w (in cells) at spaces (never at a hyphen,
// so "Get-ClusteredMailboxServerStatus" or "-not" stays whole) and
// between wide letters: Japanese has no spaces and breaks between any two
// of its letters (no line begins with closing punctuation such as 。、」).
// A single word longer than the line, such as a quoted path, is broken
// hard, never inside a wide letter.
func wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		cur, cw := "", 0
		for _, word := range strings.Split(para, " ") {
			for j, u := range wrapUnits(word) {
				uw := ansi.StringWidth(u)
				sep, sw := " ", 1
				if j > 0 {
					sep, sw = "", 0 // a break between wide letters adds no space
				}
				switch {
				case cw > 0 && cw+sw+uw <= w:
					cur, cw = cur+sep+u, cw+sw+uw
					continue
				case j > 0 && noLineStart(u) && canPullLast(cur):
					// Closing punctuation goes down with the letter before it.
					last, rest := lastLetter(cur)
					out = append(out, rest)
					cur, cw = last+u, ansi.StringWidth(last)+uw
					continue
				case cw > 0 || cur != "":
					out = append(out, cur)
				}
				cur, cw = u, uw
				for cw > w {
					head := cutCells(cur, w)
					out = append(out, head)
					cur = cur[len(head):]
					cw = ansi.StringWidth(cur)
				}
			}
		}
		out = append(out, cur)
	}
	return out
}

// wrapUnits splits a space-free word where a line may break: before and
// after each wide letter. A word of narrow letters (any ASCII word, an
// accented Italian or Portuguese one) is one unit.
func wrapUnits(word string) []string {
	wide := false
	for _, r := range word {
		if r >= 0x1100 && ansi.StringWidth(string(r)) > 1 {
			wide = true
			break
		}
	}
	if !wide {
		return []string{word}
	}
	var units []string
	start := 0
	for i, r := range word {
		if ansi.StringWidth(string(r)) > 1 || noLineStart(string(r)) && r >= 0x3000 {
			if i > start {
				units = append(units, word[start:i])
			}
			units = append(units, string(r))
			start = i + len(string(r))
		}
	}
	if start < len(word) {
		units = append(units, word[start:])
	}
	return units
}

// noLineStart is Japanese closing punctuation, the long vowel mark and
// small kana, which never begin a line.
func noLineStart(u string) bool {
	r, n := utf8.DecodeRuneInString(u)
	return n > 0 && n == len(u) && i18n.NoLineStart(r)
}

// canPullLast reports whether the line ends in a wide letter that can go
// down to the next line with the punctuation after it (never an ASCII
// word's letter, and never the line's only letter).
func canPullLast(s string) bool {
	r, n := utf8.DecodeLastRuneInString(s)
	return r != utf8.RuneError && n < len(s) && ansi.StringWidth(string(r)) > 1 && !noLineStart(string(r))
}

// lastLetter splits the last letter off a plain line.
func lastLetter(s string) (last, rest string) {
	_, n := utf8.DecodeLastRuneInString(s)
	return s[len(s)-n:], s[:len(s)-n]
}

// cutCells is the longest prefix of plain text s at most w cells wide,
// never splitting a wide letter; at least one letter, so a loop over it
// always ends.
func cutCells(s string, w int) string {
	head := ansi.Truncate(s, w, "")
	if head == "" || !strings.HasPrefix(s, head) {
		_, n := utf8.DecodeRuneInString(s)
		return s[:n]
	}
	return head
}

// dialogBox frames dialog content: a full border with a title, width w,
// at most h rows. Blank padding rows are added only when they fit; when
// the content itself does not fit, rows are dropped before the last one,
// which is always the dialog's key hint.
func dialogBox(st Styles, g Glyphs, title string, lines []string, w, h int, danger bool) []string {
	border := st.DialogBorder
	if danger {
		border = st.DangerBorder
	}
	inner := w - 4
	pad := len(lines)+4 <= h
	if room := h - 2; !pad && len(lines) > room && room > 1 {
		lines = append(append([]string(nil), lines[:room-1]...), lines[len(lines)-1])
	}
	content := make([]string, 0, len(lines)+2)
	if pad {
		content = append(content, "")
	}
	for _, l := range lines {
		content = append(content, " "+fit(l, inner, g)+" ")
	}
	if pad {
		content = append(content, "")
	}
	t := ansi.Truncate(" "+title+" ", max(w-4, 0), g.Ellipsis)
	tw := ansi.StringWidth(t)
	out := []string{border.Render(g.TL+g.H) + st.Bold.Render(t) + border.Render(strings.Repeat(g.H, max(w-3-tw, 0))+g.TR)}
	v := border.Render(g.V)
	for _, c := range content {
		out = append(out, v+fit(c, w-2, g)+v)
	}
	out = append(out, border.Render(g.BL+strings.Repeat(g.H, w-2)+g.BR))
	return out
}

// keyHint renders "k label" pairs for hint lines.
func keyHint(st Styles, pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if i > 0 {
			b.WriteString("  ")
		}
		b.WriteString(st.Key.Render(pairs[i]))
		b.WriteString(" ")
		b.WriteString(pairs[i+1])
	}
	return b.String()
}

// scrollBox is a dialog whose body scrolls (with "more" markers) above a
// footer that always shows (a key hint, a typed input). The body gets
// every row the footer and the border leave.
func scrollBox(lk look, sc *scroller, title string, body, footer []string, w, h int, danger bool) []string {
	room := max(h-2-len(footer), 1)
	lines := append(sc.view(lk, body, room), footer...)
	return dialogBox(lk.st, lk.g, title, lines, w, h, danger)
}

// scrollHint is a panel's footer: how to scroll, then its own keys.
func scrollHint(lk look, pairs ...string) string {
	arrows := "↑↓ pgup/pgdn"
	if lk.g.Ellipsis == ASCIIGlyphs.Ellipsis {
		arrows = "up/dn pgup/pgdn"
	}
	return keyHint(lk.st, append([]string{arrows, lk.p.Tr("scroll")}, pairs...)...)
}

// wrapCommand breaks a command for display at spaces only, never inside
// a word or at a hyphen (Get-ClusteredMailboxServerStatus stays whole,
// so it can be copied). Continuation lines start with g.Cont. A single
// word longer than the width is cut with the ellipsis.
func wrapCommand(s string, w int, g Glyphs) []string {
	if w <= 4 {
		return []string{fit(s, max(w, 1), g)}
	}
	var out []string
	cur := ""
	limit := w
	for _, word := range strings.Split(s, " ") {
		switch {
		case cur == "":
			cur = word
		case ansi.StringWidth(cur)+1+ansi.StringWidth(word) <= limit:
			cur += " " + word
		default:
			out = append(out, cutWord(cur, limit, g))
			cur = word
			limit = w - ansi.StringWidth(g.Cont) - 1
		}
	}
	out = append(out, cutWord(cur, limit, g))
	for i := 1; i < len(out); i++ {
		out[i] = g.Cont + " " + out[i]
	}
	return out
}

func cutWord(s string, w int, g Glyphs) string {
	if ansi.StringWidth(s) > w {
		return ansi.Truncate(s, w, g.Ellipsis)
	}
	return s
}

// isEnglish reports whether p speaks English (a nil printer, or the
// language "" or en), where a few lines keep their historical layout.
func isEnglish(p interface{ Lang() i18n.Lang }) bool {
	l := p.Lang()
	return l == "" || l == i18n.English
}

// moreMark is a glyph set's "more" mark (▲ more, ^ more) in p's language.
func moreMark(p *i18n.Printer, mark string) string {
	if isEnglish(p) {
		return mark
	}
	return strings.Replace(mark, "more", p.Tr("more"), 1)
}
