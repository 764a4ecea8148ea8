package ps

import (
	"io/fs"
	"testing"

	"cmsrunbook/assets"
)

// FuzzParse feeds the parser the project's scripts and mutations of
// them: it must return a script or a *ParseError, never panic or hang
// (every loop in the parser consumes input, and nesting is bounded).
func FuzzParse(f *testing.F) {
	for _, n := range scriptNames(f) {
		raw, err := fs.ReadFile(assets.Scripts, "scripts/"+n+".ps1")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(raw))
	}
	for _, s := range []string{"@{a=1}", "\"$($x)\"", "[int]'1' -f 2..3", "$a[0].b::c(1,@(2))", "@'\nx\n'@", "((((", "1 |"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		s, err := Parse(src)
		if err == nil && s == nil {
			t.Fatal("no script and no error")
		}
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error of type %T", err)
			}
			_ = parseErrorLines(src, err.(*ParseError))
		}
	})
}
