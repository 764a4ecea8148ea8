package i18n

import "strings"

// pseudoCatalogue makes the pseudo-language from the keys of a complete
// catalogue: every letter of the English wide (Ａ-Ｚ, ａ-ｚ, two cells
// each) between 「 and 」, the verbs and escapes kept. A layout that
// measures bytes or runes instead of cells breaks on it at once, and any
// text on a pseudo screen still in plain ASCII never met a catalogue.
func pseudoCatalogue(keys Catalogue) Catalogue {
	c := Catalogue{}
	for k := range keys {
		c[k] = Pseudolocalize(k)
	}
	return c
}

// Pseudolocalize renders one format in the pseudo-language.
func Pseudolocalize(format string) string {
	var b strings.Builder
	b.WriteString("「")
	for i := 0; i < len(format); i++ {
		c := format[i]
		switch {
		case c == '%' && i+1 < len(format):
			// keep the verb, with any flags, width and index: %-10s, %[2]d
			j := i + 1
			for j < len(format) && strings.IndexByte("+-# 0123456789.[]", format[j]) >= 0 {
				j++
			}
			if j < len(format) {
				j++
			}
			b.WriteString(format[i:j])
			i = j - 1
		case c >= 'A' && c <= 'Z':
			b.WriteRune(rune(c-'A') + 'Ａ')
		case c >= 'a' && c <= 'z':
			b.WriteRune(rune(c-'a') + 'ａ')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteString("」")
	return b.String()
}
