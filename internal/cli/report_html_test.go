package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestReportHTML: `report --format html` writes one self-contained page
// of a simulated window, with the SIMULATION banner and the timeline;
// an unknown format is a usage error that names html.
func TestReportHTML(t *testing.T) {
	jp := filepath.Join(t.TempDir(), "j.jsonl")
	if code, out, _ := run(t, "sim", "--headless", "--yes", "--speed", "max", "--scenario", "ccr-2003-sp2", "--journal", jp, "--quiet"); code != 0 {
		t.Fatalf("sim exit %d\n%s", code, out)
	}
	code, page, stderr := run(t, "report", "--journal", jp, "--format", "html")
	if code != 0 || stderr != "" {
		t.Fatalf("report --format html: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"<!DOCTYPE html>", "<title>Change record: ", "SIMULATION", "<svg", "data-step=", "data-outage="} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if code, _, stderr := run(t, "report", "--journal", jp, "--format", "pdf"); code != 2 || !strings.Contains(stderr, "html") {
		t.Errorf("--format pdf: exit %d, %q", code, stderr)
	}
}
