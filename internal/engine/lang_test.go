package engine_test

import (
	"strings"
	"testing"

	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// The engine records English; the views translate what it says with the
// catalogues. A skip reason the operator chose reads in their language.
func TestSkipReasonsAreCatalogueSentences(t *testing.T) {
	h := newHarness(t, ccr())
	h.conf.answers = []answer{skip("bob")}
	h.mustRun(runbook.RunSucceeded, nil, pauseStep("s1", node2))
	skipped := find(h.rec.events, runbook.EvStepSkipped)
	if len(skipped) != 1 {
		t.Fatalf("skips: %v", trace(h.rec.events))
	}
	reason := skipped[0].Reason
	if reason != "skipped by bob" {
		t.Fatalf("the journal's reason %q is not English", reason)
	}
	for l, want := range map[i18n.Lang]string{
		i18n.English: "skipped by bob", i18n.Japanese: "bob がスキップ",
		i18n.Portuguese: "ignorado por bob", i18n.Italian: "ignorato da bob",
	} {
		if got := i18n.For(l).Text(reason); got != want {
			t.Errorf("%s: %q, want %q", l, got, want)
		}
	}
}

func TestAlreadyHoldsIsTranslatedAroundTheCheck(t *testing.T) {
	obs := ccr()
	setNode(node2, runbook.NodePaused)(&obs)
	h := newHarness(t, obs)
	h.mustRun(runbook.RunSucceeded, nil, pauseStep("s1", node2))
	skipped := find(h.rec.events, runbook.EvStepSkipped)
	if len(skipped) != 1 || !strings.HasPrefix(skipped[0].Reason, "already holds: ") {
		t.Fatalf("skips: %v", trace(h.rec.events))
	}
	for l, head := range map[i18n.Lang]string{
		i18n.Japanese: "既に満たされています: ", i18n.Portuguese: "já atendido: ", i18n.Italian: "già soddisfatto: ",
	} {
		got := i18n.For(l).Text(skipped[0].Reason)
		if !strings.HasPrefix(got, head) || !strings.Contains(got, node2) {
			t.Errorf("%s: %q", l, got)
		}
	}
}

// Every sentence the engine words itself has a translation, with its
// names, codes and counts kept.
func TestEngineSentencesTranslate(t *testing.T) {
	for _, tc := range []struct {
		en   string
		ja   string
		keep []string
	}{
		{"waiting for replication: copy queue 12, replay queue 3", "レプリケーションを待機しています", []string{"12", "3"}},
		{"re-attaching to job r1-s05-1 on EXNODE02 (not started again)", "再接続", []string{"r1-s05-1", "EXNODE02"}},
		{"Re-enter the password and retry (attempt 2 of 3)", "パスワードを再入力して再試行", []string{"2/3"}},
		{"EXCMS01 is Online again: users are back. The window stops here; resume redoes the outage from the stop of EXCMS01 once the cause is fixed.", "再びオンライン", []string{"EXCMS01"}},
		{"BLOCK node-down: EXNODE01 is Down.", "ブロック node-down: ", []string{"EXNODE01"}},
		{"skipped after failure: move-refused", "失敗後にスキップ: move-refused", nil},
	} {
		got := i18n.For(i18n.Japanese).Text(tc.en)
		if !strings.Contains(got, tc.ja) {
			t.Errorf("%q: %q lacks %q", tc.en, got, tc.ja)
		}
		for _, k := range tc.keep {
			if !strings.Contains(got, k) {
				t.Errorf("%q: %q lost %q", tc.en, got, k)
			}
		}
	}
}
