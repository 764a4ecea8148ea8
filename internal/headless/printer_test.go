package headless

import (
	"strings"
	"testing"

	"cmsrunbook/runbook"
)

// TestPrinterFoldsTheRecord: the attempt a retry shows and the closing
// tally come from the fold of the events, counting the part of the run
// recorded before a resume.
func TestPrinterFoldsTheRecord(t *testing.T) {
	plan := &runbook.Plan{Steps: []runbook.Step{
		{N: 1, ID: "s1", Title: "Pause EXNODE02", Node: "EXNODE02", Post: runbook.Post{Text: "paused"}},
		{N: 2, ID: "s2", Title: "Move groups", Node: "EXNODE02", Post: runbook.Post{Text: "moved"}},
		{N: 3, ID: "s3", Title: "Setup", Node: "EXNODE02", Post: runbook.Post{Text: "upgraded"}},
	}}
	var out strings.Builder
	p := NewPrinter(&out, plan, "")
	p.Known([]runbook.Event{
		{Event: runbook.EvStepStarted, Step: "s1", Attempt: 1},
		{Event: runbook.EvStepSucceeded, Step: "s1"},
	})
	for _, ev := range []runbook.Event{
		{Event: runbook.EvStepStarted, Step: "s2", Node: "EXNODE02", Commands: []string{"cluster group x /move"}},
		{Event: runbook.EvStepFailed, Step: "s2", Diagnosis: &runbook.Diagnosis{Code: "group-move-failed", Message: "no"}},
		{Event: runbook.EvDecision, Step: "s2", Choice: "retry", By: "alice"},
		{Event: runbook.EvStepStarted, Step: "s2", Node: "EXNODE02", Commands: []string{"cluster group x /move"}},
		{Event: runbook.EvStepSucceeded, Step: "s2"},
		{Event: runbook.EvRunFinished, Status: runbook.RunAborted},
	} {
		if err := p.Print(ev); err != nil {
			t.Fatal(err)
		}
	}
	got := out.String()
	for _, want := range []string{"(attempt 2)", "decision: retry by alice", "run finished: aborted (steps: 2 succeeded, 1 not-run)"} {
		if !strings.Contains(got, want) {
			t.Errorf("printer output lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "(attempt") != 1 {
		t.Errorf("the first attempt is numbered:\n%s", got)
	}
	if strings.Contains(got, "Pause EXNODE02") {
		t.Errorf("a known event was printed again:\n%s", got)
	}
}

// TestPrinterNeutralisesEscapes: a node's output cannot retitle the
// window, write to the clipboard (OSC 52) or move the cursor in the line
// output, nor through a diagnosis that quotes it.
func TestPrinterNeutralisesEscapes(t *testing.T) {
	var out strings.Builder
	p := NewPrinter(&out, &runbook.Plan{Steps: []runbook.Step{{N: 1, ID: "s1"}}}, "")
	hostile := "ok\x1b]0;pwned\x07 \x1b]52;c;ZWNobyBoaQ==\x07\x1b[2J\x1b[1;1Hdone\u009b31m"
	_ = p.Print(runbook.Event{Event: runbook.EvOutput, Step: "s1", Text: hostile})
	_ = p.Print(runbook.Event{Event: runbook.EvStepFailed, Step: "s1", Diagnosis: &runbook.Diagnosis{Code: "x", Message: "m", Lines: []string{hostile}}})
	got := out.String()
	if strings.ContainsAny(got, "\x1b\x07") || strings.Contains(got, "\u009b") {
		t.Errorf("escape sequences reached the output: %q", got)
	}
	if !strings.Contains(got, "ok done31m") {
		t.Errorf("the text around the escapes was lost: %q", got)
	}
}
