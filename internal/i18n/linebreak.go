package i18n

import "strings"

// noLineStartRunes are what Japanese typesetting (kinsoku shori) never
// puts at the start of a line: closing punctuation and brackets, the
// long vowel mark, the middle dot and the small kana. The plan's wrapper
// and the screen's both ask here, so a word breaks the same way on paper
// and on screen.
const noLineStartRunes = "、。，．）」』】〕！？ー・：；ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"

// NoLineStart reports whether r may not begin a line.
func NoLineStart(r rune) bool { return strings.ContainsRune(noLineStartRunes, r) }
