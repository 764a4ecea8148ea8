package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"cmsrunbook/assets"

	"github.com/goccy/go-yaml"
)

// keyUse is where a catalogue key is used.
type keyUse struct {
	key string
	at  string
}

// repoRoot is the module root, two levels up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// sourceKeys reads every message key the code says: the literal first
// argument of runbook's say(...), of any X.Tr(...) and of i18n.N(...), in
// every non-test Go file of the module. A call whose format is not a
// literal is reported, because no catalogue could hold its key.
func sourceKeys(t *testing.T) (uses []keyUse, bad []string) {
	t.Helper()
	root := repoRoot(t)
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "testdata" || strings.HasPrefix(n, ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 || !isMarker(call.Fun) {
				return true
			}
			pos := fset.Position(call.Pos())
			rel, _ := filepath.Rel(root, pos.Filename)
			at := fmt.Sprintf("%s:%d", rel, pos.Line)
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				bad = append(bad, at)
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				bad = append(bad, at)
				return true
			}
			uses = append(uses, keyUse{s, at})
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return uses, bad
}

// isMarker recognises say(...), X.Tr(...) and i18n.N(...).
func isMarker(fun ast.Expr) bool {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name == "say"
	case *ast.SelectorExpr:
		if f.Sel.Name == "Tr" {
			return true
		}
		if x, ok := f.X.(*ast.Ident); ok && x.Name == "i18n" && f.Sel.Name == "N" {
			return true
		}
	}
	return false
}

// scenarioKeys are the embedded scenarios' titles and descriptions,
// which the chooser and `scenarios` show translated.
func scenarioKeys(t *testing.T) []keyUse {
	t.Helper()
	var uses []keyUse
	files, err := fs.Glob(assets.Scenarios, "scenarios/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		data, err := fs.ReadFile(assets.Scenarios, f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Title       string `yaml:"title"`
			Description string `yaml:"description"`
		}
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, s := range []string{doc.Title, strings.TrimSpace(doc.Description)} {
			if s != "" {
				uses = append(uses, keyUse{s, "assets/" + f})
			}
		}
	}
	return uses
}

// TestCatalogueCompleteness lists, per shipped catalogue, every key the
// code or the scenarios use that it lacks, and every key it holds that
// nothing uses any more (a stale translation). The shipped catalogues
// lack none.
func TestCatalogueCompleteness(t *testing.T) {
	uses, bad := sourceKeys(t)
	for _, at := range bad {
		t.Errorf("%s: a message format that is not a string literal cannot be a catalogue key", at)
	}
	uses = append(uses, scenarioKeys(t)...)
	used := map[string]string{}
	for _, u := range uses {
		if _, ok := used[u.key]; !ok {
			used[u.key] = u.at
		}
	}
	cats, err := catalogues()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range Langs[1:] {
		var missing, stale []string
		for k, at := range used {
			if v, ok := cats[l][k]; !ok || v == "" {
				missing = append(missing, fmt.Sprintf("%s: %q", at, k))
			}
		}
		for k := range cats[l] {
			if _, ok := used[k]; !ok {
				stale = append(stale, strconv.Quote(k))
			}
		}
		sort.Strings(missing)
		sort.Strings(stale)
		if len(missing) > 0 {
			t.Errorf("catalogue %s lacks %d of %d keys:\n  %s", l, len(missing), len(used), strings.Join(missing, "\n  "))
		}
		if len(stale) > 0 {
			t.Errorf("catalogue %s holds %d keys nothing uses:\n  %s", l, len(stale), strings.Join(stale, "\n  "))
		}
	}
	if os.Getenv("CMSRUNBOOK_I18N_KEYS") != "" {
		// A helper for translators: print the used keys.
		keys := make([]string, 0, len(used))
		for k := range used {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t.Logf("%s\t%q", used[k], k)
		}
	}
}

// TestCatalogueFormats: a translation takes the same arguments as its
// key, so formatting it never prints %!s(MISSING) or %!(EXTRA ...).
func TestCatalogueFormats(t *testing.T) {
	cats, err := catalogues()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range Langs[1:] {
		for k, v := range cats[l] {
			if v == "" {
				continue
			}
			kv, tv := verbList(k), verbList(v)
			if kv != tv {
				t.Errorf("%s: %q translates %q with verbs %s, the key has %s", l, k, v, tv, kv)
			}
		}
	}
}

// verbList is a format's verbs in argument order (explicit indexes put
// back in order), e.g. "s,d".
func verbList(f string) string {
	var byIndex = map[int]byte{}
	next := 1
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 >= len(f) {
			continue
		}
		i++
		if f[i] == '%' {
			continue
		}
		idx := next
		if f[i] == '[' {
			j := strings.IndexByte(f[i:], ']')
			if j < 0 {
				return "bad"
			}
			n, err := strconv.Atoi(f[i+1 : i+j])
			if err != nil {
				return "bad"
			}
			idx = n
			i += j + 1
		}
		for i < len(f) && strings.IndexByte("+-# 0123456789.", f[i]) >= 0 {
			i++
		}
		if i >= len(f) {
			return "bad"
		}
		v := f[i]
		if v == 'v' {
			v = 's'
		}
		byIndex[idx] = v
		next = idx + 1
	}
	var out []string
	for i := 1; i <= len(byIndex); i++ {
		v, ok := byIndex[i]
		if !ok {
			return "bad"
		}
		out = append(out, string(v))
	}
	return strings.Join(out, ",")
}
