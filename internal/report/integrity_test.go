package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func markdownWith(t *testing.T, in Integrity) string {
	t.Helper()
	var buf bytes.Buffer
	if err := RunMarkdown(&buf, successfulRun(), WithIntegrity(in)); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestIntegrityWarningAtTheTop: a journal whose chain breaks is still
// rendered whole, with the warning right under the title, where a change
// board reads first.
func TestIntegrityWarningAtTheTop(t *testing.T) {
	broken := Integrity{FirstBadLine: 7, Problem: "the step-started event (seq 7) does not match its hash chain value: the line was changed after the run wrote it"}
	md := markdownWith(t, broken)
	parts := strings.SplitN(md, "\n\n", 3)
	if !strings.HasPrefix(parts[0], "# Change record") || !strings.HasPrefix(parts[1], "> **WARNING:**") {
		t.Fatalf("the warning is not right under the title:\n%s", md[:min(len(md), 800)])
	}
	mustContain(t, parts[1], "ALTERED", "breaks at line 7: the step-started event (seq 7) does not match its hash chain value: the line was changed after the run wrote it.", "Lines 1 to 6 are as the run wrote them", "Resume refuses")
	mustContain(t, md, "| Journal integrity | **hash chain broken at line 7** |", "## Steps", "Move EXCMS01 to EXNODE02")

	first := markdownWith(t, Integrity{FirstBadLine: 1, Problem: "its hash chain value does not match"})
	mustContain(t, first, "breaks at line 1", "Nothing in it can be taken")

	old := markdownWith(t, Integrity{Unchained: true, Problem: "no line has a hash chain value"})
	mustContain(t, old, "> **WARNING:** This record is UNVERIFIED", "| Journal integrity | **unverified**: no hash chain |")
}

func TestIntegrityVerifiedHasNoWarning(t *testing.T) {
	md := markdownWith(t, Integrity{Verified: true})
	if strings.Contains(md, "WARNING") {
		t.Errorf("a verified journal is reported with a warning:\n%s", md)
	}
	mustContain(t, md, "| Journal integrity | hash chain verified")
	if (Integrity{Verified: true}).Warning() != "" {
		t.Error("a verified journal has a warning for standard error")
	}
	// Events that did not come from a file: nothing said either way.
	if md := markdown(t, successfulRun()); strings.Contains(md, "Journal integrity") || strings.Contains(md, "WARNING") {
		t.Error("a record built from events speaks of the journal's integrity")
	}
}

func TestIntegrityJSON(t *testing.T) {
	decode := func(opts ...RunOption) map[string]any {
		var buf bytes.Buffer
		if err := RunJSON(&buf, successfulRun(), opts...); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := decode(WithIntegrity(Integrity{FirstBadLine: 4, Problem: "its hash chain value does not match"}))
	in, ok := m["integrity"].(map[string]any)
	if !ok || in["verified"] != false || in["first_bad_line"] != float64(4) || in["problem"] != "its hash chain value does not match" {
		t.Errorf("integrity %v", m["integrity"])
	}
	if in := decode(WithIntegrity(Integrity{Verified: true}))["integrity"].(map[string]any); in["verified"] != true || len(in) != 1 {
		t.Errorf("verified integrity %v", in)
	}
	if in := decode(WithIntegrity(Integrity{Unchained: true, Problem: "x"}))["integrity"].(map[string]any); in["unchained"] != true || in["verified"] != false {
		t.Errorf("unchained integrity %v", in)
	}
	if _, ok := decode()["integrity"]; ok {
		t.Error("a record built from events has an integrity field")
	}
}
