package runbook

import ("testing";"strings";"time")

func TestZZPerfClassify(t *testing.T) {
	for _, in := range []string{
		strings.Repeat(strings.Repeat("x", 80)+"\n", 5000),
		strings.Repeat(strings.Repeat(".", 80)+"\n", 5000),
		strings.Repeat("    a "+strings.Repeat(".", 74)+"\n", 5000),
		strings.Repeat("restart", 100000),
		strings.Repeat("error code 1", 100000),
		strings.Repeat(".", 400000),
	} {
		s := time.Now()
		ClassifySetup(in, 0)
		ClassifyMsiexec(1603, in)
		t.Logf("%d bytes: %v", len(in), time.Since(s))
	}
}
