package i18n

import (
	"fmt"
	"testing"
)

// sampleArgs formats a key with distinct arguments of the right kinds.
func sampleArgs(verbs []byte) []any {
	args := make([]any, len(verbs))
	for i, v := range verbs {
		switch v {
		case 'd':
			args[i] = 40 + i
		default:
			args[i] = fmt.Sprintf("ARG%d", i+1)
		}
	}
	return args
}

// TestEveryKeyMatchesItself: each shipped key, formatted with arguments,
// is matched back to that very key with those arguments, so no other key
// shadows it and the translation a person reads is the one written for
// that sentence.
func TestEveryKeyMatchesItself(t *testing.T) {
	cats, err := catalogues()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, c := range cats {
		for k := range c {
			keys[k] = true
		}
	}
	list := make([]string, 0, len(keys))
	for k := range keys {
		list = append(list, k)
	}
	m := newMatcher(list)
	for k := range keys {
		if !matchable(k) {
			continue // Tr only
		}
		verbs, _, _, ok := compileKey(k)
		if !ok {
			t.Errorf("key %q uses a verb other than %%s %%v %%d %%q: it can only be used with Tr, not matched", k)
			continue
		}
		args := sampleArgs(verbs)
		s := fmt.Sprintf(k, args...)
		got, gotArgs, ok := m.match(s)
		if !ok {
			t.Errorf("key %q: %q matches no key", k, s)
			continue
		}
		if got != k && fmt.Sprintf(got, gotArgs...) == s && got != s {
			t.Errorf("key %q: %q is matched by the key %q instead", k, s, got)
		}
	}
}

func BenchmarkText(b *testing.B) {
	p := For(Japanese)
	p.mu.Lock()
	p.cache = map[string]string{}
	p.mu.Unlock()
	s := "Pause EXNODE02 and move every group it owns"
	for b.Loop() {
		p.mu.Lock()
		clear(p.cache)
		p.mu.Unlock()
		_ = p.Text(s)
	}
}

// TestOpenShortKeysAreTrOnly: a short key that begins with a verb never
// translates a word out of the middle of a sentence no key produced.
func TestOpenShortKeysAreTrOnly(t *testing.T) {
	cat := Catalogue{"%s at %s": "%s alle %s", "%s (%s to %s)": "%s (da %s a %s)", "INFO %s: %s": "INFO %s: %s", "Pause %s": "Sospensione di %s"}
	p := newPrinter(Italian, map[Lang]Catalogue{Italian: cat})
	const s = "cluster EXCLUS01 is already being driven by root; one run per cluster at a time"
	if got := p.Text(s); got != s {
		t.Errorf("an untranslated sentence was changed: %q", got)
	}
	if got := p.Tr("%s at %s", "alice", "22:00"); got != "alice alle 22:00" {
		t.Errorf("Tr of a short key: %q", got)
	}
	if got := p.Text("Pause EXNODE02"); got != "Sospensione di EXNODE02" {
		t.Errorf("a key with a literal head still matches: %q", got)
	}
}
