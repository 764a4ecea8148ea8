package wsman

import (
	"regexp"
	"strings"
	"testing"
)

// TestIsDNSLabel holds the hand-written rule to the regexp it replaced.
func TestIsDNSLabel(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	for _, n := range []string{"", "a", "-", "a-", "-a", "EXNODE01", "ex-node-01", "ex_node", "ex.node", "127.0.0.1", "ÉX", strings.Repeat("a", 63), strings.Repeat("a", 64), "a--b"} {
		if got, want := isDNSLabel(n), re.MatchString(n); got != want {
			t.Errorf("isDNSLabel(%q) = %v, the regexp says %v", n, got, want)
		}
	}
}
