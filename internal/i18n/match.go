package i18n

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// matcher finds which catalogue key produced an English sentence. A key
// without verbs is looked up whole; a key with verbs (%s, %v, %d, %q) is
// a pattern whose verbs capture the arguments. Keys are bucketed by their
// first byte so a sentence is tried against a few patterns, not all.
type matcher struct {
	literal map[string]bool
	byFirst map[byte][]*pattern
	any     []*pattern // keys that start with a verb
}

type pattern struct {
	key   string
	re    *regexp.Regexp
	verbs []byte // the verb letter of each capture
	lit   int    // literal bytes: the more, the more specific
}

func newMatcher(keys []string) *matcher {
	m := &matcher{literal: map[string]bool{}, byFirst: map[byte][]*pattern{}}
	for _, k := range keys {
		if !matchable(k) {
			continue
		}
		verbs, re, lit, ok := compileKey(k)
		if !ok {
			continue
		}
		if len(verbs) == 0 {
			m.literal[k] = true
			continue
		}
		p := &pattern{key: k, re: re, verbs: verbs, lit: lit}
		if k[0] == '%' && len(k) > 1 && k[1] != '%' {
			m.any = append(m.any, p)
		} else {
			m.byFirst[k[0]] = append(m.byFirst[k[0]], p)
		}
	}
	return m
}

// compileKey turns a format into an anchored pattern. Verbs other than
// %s %v %d %q (and %%) make a key that can only be used with Tr.
func compileKey(k string) (verbs []byte, re *regexp.Regexp, lit int, ok bool) {
	var b strings.Builder
	b.WriteString(`(?s)\A`)
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c != '%' {
			j := i
			for j < len(k) && k[j] != '%' {
				j++
			}
			b.WriteString(regexp.QuoteMeta(k[i:j]))
			lit += j - i
			i = j - 1
			continue
		}
		if i+1 >= len(k) {
			return nil, nil, 0, false
		}
		i++
		switch k[i] {
		case '%':
			b.WriteString("%")
			lit++
		case 's', 'v':
			b.WriteString(`(.*?)`)
			verbs = append(verbs, k[i])
		case 'q':
			b.WriteString(`("(?:[^"\\]|\\.)*")`)
			verbs = append(verbs, 'q')
		case 'd':
			b.WriteString(`(-?[0-9]+)`)
			verbs = append(verbs, 'd')
		default:
			return nil, nil, 0, false
		}
	}
	b.WriteString(`\z`)
	if len(verbs) == 0 {
		return nil, nil, lit, true
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, nil, 0, false
	}
	return verbs, re, lit, true
}

// match returns the most specific key that produces s and its arguments
// (strings, ints for %d, the unquoted text for %q).
func (m *matcher) match(s string) (string, []any, bool) {
	if m.literal[s] {
		return s, nil, true
	}
	if s == "" {
		return "", nil, false
	}
	var best *pattern
	var bestSub []string
	try := func(ps []*pattern) {
		for _, p := range ps {
			if best != nil && p.lit <= best.lit {
				continue
			}
			if sub := p.re.FindStringSubmatch(s); sub != nil {
				best, bestSub = p, sub
			}
		}
	}
	try(m.byFirst[s[0]])
	try(m.any)
	if best == nil {
		return "", nil, false
	}
	args := make([]any, len(best.verbs))
	for i, v := range best.verbs {
		a := bestSub[i+1]
		switch v {
		case 'd':
			n, err := strconv.ParseInt(a, 10, 64)
			if err != nil {
				return "", nil, false
			}
			args[i] = plainInt(n)
		case 'q':
			u, err := strconv.Unquote(a)
			if err != nil {
				return "", nil, false
			}
			args[i] = u
		default:
			args[i] = a
		}
	}
	return best.key, args, true
}

// plainInt is a number read back out of an English sentence. It prints
// as it was written: an exit code 1603 must not come back as "1,603",
// which golang.org/x/text would make of an int.
type plainInt int64

// Format writes the digits, whatever the verb.
func (n plainInt) Format(f fmt.State, _ rune) {
	f.Write([]byte(strconv.FormatInt(int64(n), 10)))
}

// minOpenLetters is how many letters a key that begins with a verb
// needs to be matched. "%s at %s" or "%s (%s to %s)" would otherwise
// claim any English sentence with " at " or " to " in it (an error from
// a package that speaks no catalogue) and translate a word out of its
// middle; such keys are for Tr only, where the caller names them.
const minOpenLetters = 3

// matchable reports whether Text may translate a sentence by key k.
func matchable(k string) bool {
	if len(k) < 2 || k[0] != '%' || k[1] == '%' {
		return true
	}
	letters := 0
	for i := 0; i < len(k); i++ {
		if k[i] == '%' && i+1 < len(k) {
			i++ // a verb's letter is not a word's
			continue
		}
		c := k[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			letters++
		}
	}
	return letters >= minOpenLetters
}
