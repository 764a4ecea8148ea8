package headless

import (
	"context"
	"strings"
	"testing"

	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// langPlan is a short window: a pause, and a typed CMS move that fails.
func langPlan() *runbook.Plan {
	return &runbook.Plan{Goal: runbook.GoalSP2, Steps: []runbook.Step{
		{N: 1, ID: "s01-pause-node-EXNODE02", Kind: runbook.KindPauseNode, Title: "Pause EXNODE02", Node: "EXNODE02",
			Commands: []string{"cluster.exe node EXNODE02 /pause"}, Post: runbook.Post{Text: "EXNODE02 shows Paused"}},
		{N: 2, ID: "s02-move-cms-EXCMS01", Kind: runbook.KindMoveCMS, Title: "Move EXCMS01 to EXNODE02", Node: "EXNODE01", CMS: "EXCMS01",
			Confirm: runbook.ConfirmTyped, Outage: runbook.OutageBrief,
			Commands: []string{"Move-ClusteredMailboxServer -Identity 'EXCMS01' -TargetMachine 'EXNODE02' -Confirm:$false"}},
	}}
}

// langEvents are the events the printer is given for langPlan.
func langEvents(plan *runbook.Plan) []runbook.Event {
	move := plan.Steps[1]
	return []runbook.Event{
		{Event: runbook.EvRunStarted, Time: "2026-11-28T22:00:00Z", Goal: plan.Goal, Source: "ccr-2003-sp2", Digest: "fc9e1ac9"},
		{Event: runbook.EvStepConfirmed, Time: "2026-11-28T22:00:01Z", Step: "s01-pause-node-EXNODE02", By: "alice"},
		{Event: runbook.EvStepStarted, Time: "2026-11-28T22:00:01Z", Step: "s01-pause-node-EXNODE02", Node: "EXNODE02", Commands: plan.Steps[0].Commands},
		{Event: runbook.EvOutput, Time: "2026-11-28T22:00:02Z", Step: "s01-pause-node-EXNODE02", Text: "Pausing node 'EXNODE02'..."},
		{Event: runbook.EvStepSucceeded, Time: "2026-11-28T22:00:03Z", Step: "s01-pause-node-EXNODE02"},
		{Event: runbook.EvStepConfirmed, Time: "2026-11-28T22:00:04Z", Step: move.ID, By: "alice", Typed: "EXCMS01"},
		{Event: runbook.EvStepStarted, Time: "2026-11-28T22:00:04Z", Step: move.ID, Node: "EXNODE01", Commands: move.Commands},
		{Event: runbook.EvOutageStarted, Time: "2026-11-28T22:00:04Z", Step: move.ID},
		{Event: runbook.EvStepFailed, Time: "2026-11-28T22:00:09Z", Step: move.ID, Diagnosis: &runbook.Diagnosis{Code: "cms-move-failed",
			Message: "The move failed.", Lines: []string{"Move-ClusteredMailboxServer : Replication is not healthy enough for a handoff"},
			Remedies: []runbook.Remedy{{Action: runbook.RemedyRetry, Key: "r", Label: "Re-check the live state and retry the step if it still does not hold"}}}},
		{Event: runbook.EvDecision, Time: "2026-11-28T22:00:10Z", Step: move.ID, Choice: "abort", By: "alice"},
		{Event: runbook.EvOutageEnded, Time: "2026-11-28T22:00:12Z", Step: move.ID, OutageMS: 8000},
		{Event: runbook.EvRunFinished, Time: "2026-11-28T22:00:12Z", Status: runbook.RunAborted},
	}
}

func printed(t *testing.T, lang i18n.Lang) string {
	t.Helper()
	plan := langPlan()
	var out strings.Builder
	p := NewPrinter(&out, plan, lang)
	for _, ev := range langEvents(plan) {
		if err := p.Print(ev); err != nil {
			t.Fatal(err)
		}
	}
	return out.String()
}

// TestPrinterInJapanese: the headless lines of a window in Japanese say
// the printer's words in Japanese, and keep what a script or a person
// greps for exactly as in English: the clock and the [ n/N] tag, the
// commands, the step kinds, the finding and diagnosis codes, the remedy
// keys and the node's output.
func TestPrinterInJapanese(t *testing.T) {
	en, ja := printed(t, i18n.English), printed(t, i18n.Japanese)
	for _, want := range []string{"実行開始: ", "確認者: alice", `"EXCMS01" を入力`, "ダウンタイム開始", "判断: abort (alice)", "実行終了: 中止 (手順: 成功 1", "失敗 [cms-move-failed]"} {
		if !strings.Contains(ja, want) {
			t.Errorf("the Japanese lines lack %q:\n%s", want, ja)
		}
	}
	for _, same := range []string{
		"22:00:01  [ 1/2] EXNODE02> cluster.exe node EXNODE02 /pause\n",
		"22:00:02  [ 1/2]   | Pausing node 'EXNODE02'...\n",
		"EXNODE01> Move-ClusteredMailboxServer -Identity 'EXCMS01' -TargetMachine 'EXNODE02' -Confirm:$false\n",
		"          > Move-ClusteredMailboxServer : Replication is not healthy enough for a handoff\n",
		"(pause-node、EXNODE02)", "[cms-move-failed]", "\n          [r] ",
	} {
		if !strings.Contains(en, strings.ReplaceAll(same, "、", " on ")) && !strings.Contains(en, same) {
			t.Fatalf("the English lines lack %q (the test's premise):\n%s", same, en)
		}
		if !strings.Contains(ja, same) {
			t.Errorf("the Japanese lines changed %q:\n%s", same, ja)
		}
	}
	for _, english := range []string{"run started", "confirmed by", "OUTAGE STARTED", "run finished", "decision:", "why:"} {
		if strings.Contains(ja, english) {
			t.Errorf("the Japanese lines still say %q:\n%s", english, ja)
		}
	}
	if enLines, jaLines := strings.Count(en, "\n"), strings.Count(ja, "\n"); enLines != jaLines {
		t.Errorf("Japanese printed %d lines, English %d", jaLines, enLines)
	}
}

// TestPromptInEachLanguage: the questions are the operator's language,
// the answers are not: y runs a step, and a typed step wants the CMS
// name exactly; the commands are shown as they are sent.
func TestPromptInEachLanguage(t *testing.T) {
	plan := langPlan()
	for _, c := range []struct {
		lang       i18n.Lang
		key, type_ string
	}{
		{i18n.Japanese, "実行しますか? [y/N]", "確認するには EXCMS01 と入力してください"},
		{i18n.Portuguese, "Executar? [y/N]", "Digite EXCMS01 para confirmar"},
		{i18n.Italian, "Eseguire? [y/N]", "Digitare EXCMS01 per confermare"},
	} {
		t.Run(string(c.lang), func(t *testing.T) {
			var out strings.Builder
			p := NewPrompt(strings.NewReader("y\nEXCMS01\n"), &out, "alice")
			p.Lang = c.lang
			defer p.Close()
			ctx := context.Background()
			got, err := p.Confirm(ctx, plan.Steps[0])
			if err != nil || got.Answer != engine.AnswerRun {
				t.Fatalf("y did not run the step in %s: %+v %v", c.lang, got, err)
			}
			got, err = p.Confirm(ctx, plan.Steps[1])
			if err != nil || got.Answer != engine.AnswerRun || got.Typed != "EXCMS01" {
				t.Fatalf("the typed CMS name did not confirm in %s: %+v %v", c.lang, got, err)
			}
			s := out.String()
			for _, want := range []string{c.key, c.type_, "    cluster.exe node EXNODE02 /pause\n", "    Move-ClusteredMailboxServer -Identity 'EXCMS01' -TargetMachine 'EXNODE02' -Confirm:$false\n", "brief"} {
				if !strings.Contains(s, want) {
					t.Errorf("the %s questions lack %q:\n%s", c.lang, want, s)
				}
			}
			if strings.Contains(s, "Run it?") || strings.Contains(s, "to confirm") {
				t.Errorf("the %s questions are still English:\n%s", c.lang, s)
			}
		})
	}
}
