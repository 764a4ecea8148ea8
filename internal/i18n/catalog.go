package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"cmsrunbook/assets"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// Catalogue is one language's messages: English key -> translation.
type Catalogue map[string]string

// catalogues are the embedded files, read once. They are fixed at build
// time (a test reads every one), so there is nothing to reset.
var catalogues = sync.OnceValues(func() (map[Lang]Catalogue, error) {
	return LoadCatalogues(assets.I18n, "i18n")
})

// LoadCatalogues reads DIR/LANG/*.json for the shipped languages but
// English, whose messages are their own keys. Files of one language are
// merged; a key two files translate differently is an error naming both.
func LoadCatalogues(fsys fs.FS, dir string) (map[Lang]Catalogue, error) {
	out := map[Lang]Catalogue{}
	for _, l := range Langs[1:] {
		c := Catalogue{}
		from := map[string]string{}
		files, err := fs.Glob(fsys, path.Join(dir, string(l), "*.json"))
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, fmt.Errorf("catalogue %s: %w", f, err)
			}
			var m map[string]string
			if err := json.Unmarshal(data, &m); err != nil {
				return nil, fmt.Errorf("catalogue %s: %w", f, err)
			}
			for k, v := range m {
				if old, ok := c[k]; ok && old != v {
					return nil, fmt.Errorf("catalogue %s: key %q is translated differently in %s", f, k, from[k])
				}
				c[k], from[k] = v, f
			}
		}
		out[l] = c
	}
	return out, nil
}

// Printer speaks one language. A nil *Printer speaks English, so code
// that was given no language still says something sensible.
type Printer struct {
	lang Lang
	mp   *message.Printer
	m    *matcher

	mu    sync.Mutex
	cache map[string]string
}

var (
	printersMu sync.Mutex
	printers   = map[Lang]*Printer{}
)

// For returns the printer for l; every caller shares one per language, so
// the matcher is compiled and its cache warmed once. A catalogue that
// fails to load (a build with a broken file, which tests refuse) leaves the
// language speaking English rather than stopping a window.
func For(l Lang) *Printer {
	if l == "" {
		l = English // no language chosen: English, never x/text's undefined locale (which groups 1800 as 1,800)
	}
	printersMu.Lock()
	defer printersMu.Unlock()
	if p := printers[l]; p != nil {
		return p
	}
	var cats map[Lang]Catalogue
	if l != English {
		// English is its own keys: a process that speaks it (most of
		// them) never reads or parses the other catalogues, which keeps
		// `plan` a fast start.
		cats, _ = catalogues()
	}
	p := newPrinter(l, cats)
	printers[l] = p
	return p
}

func newPrinter(l Lang, cats map[Lang]Catalogue) *Printer {
	var c Catalogue
	switch l {
	case Pseudo:
		c = pseudoCatalogue(cats[Japanese])
	case English:
	default:
		c = cats[l]
	}
	tag := language.Make(string(l))
	if l == Pseudo {
		tag = language.Make("en-XA")
	}
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	keys := make([]string, 0, len(c))
	for k, v := range c {
		if v == "" {
			continue // not translated yet: English
		}
		_ = b.SetString(tag, k, v)
		keys = append(keys, k)
	}
	return &Printer{lang: l, mp: message.NewPrinter(tag, message.Catalog(b)), m: newMatcher(keys), cache: map[string]string{}}
}

// Lang is the language p speaks.
func (p *Printer) Lang() Lang {
	if p == nil {
		return English
	}
	return p.lang
}

// Tr formats a message the caller words: format is the English text and
// the catalogue key (always a literal, so the completeness test finds it).
func (p *Printer) Tr(format string, args ...any) string {
	if p == nil || p.lang == English {
		return fmt.Sprintf(format, args...)
	}
	return p.mp.Sprintf(format, args...)
}

// Text translates a sentence someone else built in English from a
// catalogue key (runbook's say, a recorded finding or diagnosis): it
// finds the key whose format produced it, translates the arguments that
// are messages themselves (a sentence inside a sentence, a state word),
// and formats the translation. A sentence no key produced is returned as
// it is: English is better than nothing at 2 a.m.
func (p *Printer) Text(s string) string {
	if p == nil || p.lang == English || s == "" {
		return s
	}
	return p.text(s, 0)
}

// Lines translates each line of a block (a multi-line remedy, a list).
func (p *Printer) Lines(s string) string {
	if !strings.Contains(s, "\n") {
		return p.Text(s)
	}
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = p.Text(l)
	}
	return strings.Join(ls, "\n")
}

// maxNest bounds how deep sentences inside sentences are translated.
const maxNest = 4

// maxCache bounds the memo of translated sentences; a long window's
// screens repeat the same few hundred.
const maxCache = 8192

func (p *Printer) text(s string, depth int) string {
	p.mu.Lock()
	if t, ok := p.cache[s]; ok {
		p.mu.Unlock()
		return t
	}
	p.mu.Unlock()
	t := s
	key, args, ok := p.m.match(s)
	if list, isList := p.list(s, key, ok, depth); isList {
		t = list
	} else if ok {
		for i, a := range args {
			if str, isStr := a.(string); isStr && depth < maxNest {
				args[i] = p.text(str, depth+1)
			}
		}
		t = p.mp.Sprintf(key, args...)
	}
	p.mu.Lock()
	if len(p.cache) >= maxCache {
		clear(p.cache)
	}
	p.cache[s] = t
	p.mu.Unlock()
	return t
}

// listSep joins the items of a list the runbook words as one sentence
// (unmet conditions, a gate's blockers).
const listSep = "; "

// list translates s item by item when it is such a list: an item
// between "; " is a message of its own (one a catalogue knows, at least). A key whose own words hold "; "
// (a head and its tail) is a sentence, not a list, and wins. Without
// this a key with an argument would swallow the rest of the list into
// that argument and leave it half English.
func (p *Printer) list(s, key string, matched bool, depth int) (string, bool) {
	if !strings.Contains(s, listSep) || depth >= maxNest || (matched && strings.Contains(key, listSep)) {
		return "", false
	}
	items := strings.Split(s, listSep)
	known := false
	for _, it := range items {
		if _, _, ok := p.m.match(it); ok {
			known = true
		}
	}
	if !known {
		return "", false
	}
	for i, it := range items { // an item no key produced stays English
		items[i] = p.text(it, depth+1)
	}
	return strings.Join(items, listSep), true
}

// N marks a literal as a catalogue key without translating it, for
// tables of words that are translated later with Printer.Text.
func N(format string) string { return format }
