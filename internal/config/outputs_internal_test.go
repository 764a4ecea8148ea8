package config

import (
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzOutputPath: whatever a scenario writes as outputs[].file, outputPath
// either refuses it or returns a clean slash path that cannot leave the
// folder it is joined to.
func FuzzOutputPath(f *testing.F) {
	for _, s := range []string{
		"captured/ok.txt", `captured\ok.txt`, "../x", `..\x`, "/etc/passwd", `C:\x`, `c:x`,
		`\\server\share\x`, "a/../../x", "a/./b/../c", ".", "", "NUL", "a\x00b", "..a/b", "a/..",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rel string) {
		clean, problem := outputPath(rel)
		if problem != "" {
			if clean != "" || !strings.Contains(problem, "must stay inside") {
				t.Fatalf("outputPath(%q) = %q, %q", rel, clean, problem)
			}
			return
		}
		if !filepath.IsLocal(filepath.FromSlash(clean)) || path.Clean(clean) != clean || strings.Contains(clean, `\`) {
			t.Fatalf("outputPath(%q) = %q: not a clean local path", rel, clean)
		}
		if j := path.Join("scn", clean); j != "scn" && !strings.HasPrefix(j, "scn/") {
			t.Fatalf("outputPath(%q) = %q joins to %q, outside scn", rel, clean, j)
		}
	})
}
