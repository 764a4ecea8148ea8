package headless

import (
	"bytes"
	"strings"
	"testing"

	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// TestNotesTranslatedNodeOutputNot: a line the engine wrote into a
// step's output (stream "note") is shown in the operator's language; the
// very same words printed by a node are shown as the node printed them.
func TestNotesTranslatedNodeOutputNot(t *testing.T) {
	plan := langPlan()
	var out bytes.Buffer
	p := NewPrinter(&out, plan, i18n.Japanese)
	const words = "waiting for replication: copy queue 12, replay queue 3"
	_ = p.Print(runbook.Event{Event: runbook.EvOutput, Time: "2026-11-28T22:00:02Z", Step: plan.Steps[0].ID, Stream: runbook.Note, Text: words})
	_ = p.Print(runbook.Event{Event: runbook.EvOutput, Time: "2026-11-28T22:00:03Z", Step: plan.Steps[0].ID, Node: "EXNODE02", Stream: runbook.Stdout, Text: words})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", out.String())
	}
	if !strings.Contains(lines[0], "レプリケーションを待機しています: コピー キュー 12、再生キュー 3") {
		t.Errorf("the engine's note is not in Japanese: %q", lines[0])
	}
	if !strings.HasSuffix(lines[1], "| "+words) {
		t.Errorf("a node's output was changed: %q", lines[1])
	}
}
