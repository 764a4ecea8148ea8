package report

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"

	"github.com/charmbracelet/x/ansi"
)

// langDoc is the plan document of an embedded scenario in lang.
func langDoc(t *testing.T, scenario string, lang i18n.Lang) PlanDoc {
	t.Helper()
	sc, err := config.ResolveScenario(assets.Scenarios, scenario)
	if err != nil {
		t.Fatal(err)
	}
	p, err := runbook.MakePlan(sc.Cluster, sc.Options)
	if err != nil {
		t.Fatal(err)
	}
	return PlanDoc{Source: "scenario " + sc.Name, Cluster: sc.Cluster, Plan: p, Lang: lang}
}

func render(t *testing.T, f func(*bytes.Buffer, PlanDoc) error, d PlanDoc) string {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func planText(b *bytes.Buffer, d PlanDoc) error     { return PlanText(b, d) }
func planMarkdown(b *bytes.Buffer, d PlanDoc) error { return PlanMarkdown(b, d) }
func checkText(b *bytes.Buffer, d PlanDoc) error    { return CheckText(b, d) }

// commandLines are the lines a person copies into a console: "> ..." and
// "PS> ..." in the text plan.
func commandLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		t := strings.TrimLeft(l, " ")
		if strings.HasPrefix(t, "> ") || strings.HasPrefix(t, "PS> ") {
			out = append(out, l)
		}
	}
	return out
}

// fencedLines are the lines inside ``` blocks of the markdown plan.
func fencedLines(s string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) == "```" {
			in = !in
			continue
		}
		if in {
			out = append(out, l)
		}
	}
	return out
}

var langWords = map[i18n.Lang][]string{
	i18n.Japanese:   {"検出事項", "手順", "対処: ", "確認: ", "EXNODE02 の一時停止", "ダウンタイム開始", "確認には EXCMS01 と入力", "稼働中", "パッシブ"},
	i18n.Portuguese: {"Constatações", "Etapas", "Solução: ", "verificação: ", "Pausar EXNODE02", "INÍCIO DA INATIVIDADE", "digite EXCMS01 para confirmar", "Ativo", "passivo"},
	i18n.Italian:    {"Problemi rilevati", "Passaggi", "Rimedio: ", "verifica: ", "Sospensione di EXNODE02", "INIZIO INATTIVITÀ", "digitare EXCMS01 per confermare", "Attivo", "passivo"},
}

// TestPlanTextInEveryLanguage: the text plan speaks the language asked
// for, and every command is exactly the English plan's.
func TestPlanTextInEveryLanguage(t *testing.T) {
	en := render(t, planText, langDoc(t, "ccr-2003-sp2", i18n.English))
	enCmds := commandLines(en)
	if len(enCmds) < 10 {
		t.Fatalf("only %d command lines in the English plan", len(enCmds))
	}
	for lang, words := range langWords {
		t.Run(string(lang), func(t *testing.T) {
			out := render(t, planText, langDoc(t, "ccr-2003-sp2", lang))
			flat := strings.Join(strings.Fields(out), " ")
			for _, w := range words {
				if !strings.Contains(out, w) && !strings.Contains(flat, w) {
					t.Errorf("the %s plan lacks %q", lang, w)
				}
			}
			for _, w := range []string{"Findings\n", "Remedy: ", "verify: ", "Pause EXNODE02", "OUTAGE STARTS", "press y", "Outage: "} {
				if strings.Contains(out, w) {
					t.Errorf("the %s plan still says %q in English", lang, w)
				}
			}
			if got := commandLines(out); strings.Join(got, "\n") != strings.Join(enCmds, "\n") {
				t.Errorf("the %s plan's commands differ from the English plan's:\n%s\n--- English:\n%s", lang, strings.Join(got, "\n"), strings.Join(enCmds, "\n"))
			}
			checkWidth(t, out, 78)
		})
	}
}

// checkWidth: no prose line is wider than width display cells (commands
// are printed whole so they can be copied) and no character is split.
func checkWidth(t *testing.T, out string, width int) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatal("output is not valid UTF-8: a character was split")
	}
	for _, l := range strings.Split(out, "\n") {
		if len(commandLines(l)) > 0 {
			continue
		}
		if w := ansi.StringWidth(l); w > width {
			t.Errorf("line is %d cells wide (more than %d): %q", w, width, l)
		}
	}
}

// TestEveryScenarioFits: every embedded scenario's text plan and check
// keeps to 78 cells in every translated language.
func TestEveryScenarioFits(t *testing.T) {
	list, err := config.ListScenarios(assets.Scenarios)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Langs[1:] {
		for _, s := range list {
			d := langDoc(t, s.Name, lang)
			checkWidth(t, render(t, planText, d), 78)
			checkWidth(t, render(t, checkText, d), 78)
		}
	}
}

// TestPlanMarkdownJapanese: the change-ticket plan in Japanese has the
// same commands and translated headings.
func TestPlanMarkdownJapanese(t *testing.T) {
	en := render(t, planMarkdown, langDoc(t, "ccr-2003-sp2", i18n.English))
	ja := render(t, planMarkdown, langDoc(t, "ccr-2003-sp2", i18n.Japanese))
	if a, b := strings.Join(fencedLines(ja), "\n"), strings.Join(fencedLines(en), "\n"); a != b || a == "" {
		t.Errorf("the Japanese markdown's commands differ from the English:\n%s\n--- English:\n%s", a, b)
	}
	for _, w := range []string{"# 変更計画: EXCLUS01 の Exchange 2007 SP2", "## 検出事項", "## 手順", "## メンテナンス期間前のクラスタ",
		"| 重大度 | コード | ノード | 検出事項 | 対処 |", "### 2. EXNODE02 の一時停止", "`mgmt-tools-version`", "- 種類: `pause-node`"} {
		if !strings.Contains(ja, w) {
			t.Errorf("the Japanese markdown lacks %q", w)
		}
	}
	for _, w := range []string{"## Findings", "## Steps", "- Why: ", "- Kind: "} {
		if strings.Contains(ja, w) {
			t.Errorf("the Japanese markdown still says %q", w)
		}
	}
}

// TestPlanJSONStaysEnglish: scripts read the same JSON whatever the
// language of the person who asked.
func TestPlanJSONStaysEnglish(t *testing.T) {
	var en, ja bytes.Buffer
	if err := PlanJSON(&en, langDoc(t, "ccr-2003-sp2", i18n.English), true); err != nil {
		t.Fatal(err)
	}
	if err := PlanJSON(&ja, langDoc(t, "ccr-2003-sp2", i18n.Japanese), true); err != nil {
		t.Fatal(err)
	}
	if en.String() != ja.String() {
		t.Error("plan JSON changes with the language")
	}
}

// TestWrapJapanese: text without spaces is broken between characters,
// by display width, and no line starts with closing punctuation.
func TestWrapJapanese(t *testing.T) {
	s := "管理用コンピュータの Exchange ツールは RTM です。RTM のツールで管理できるのは RTM の CMS だけです。/upgradecms の実行後は CMS が SP2 を実行するため、これらのツールでは管理できなくなります。CopyQueueLength と ReplayQueueLength が実際に減少していることを確認してください。"
	for _, width := range []int{20, 31, 40, 78} {
		out := Wrap(s, "    ", width)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) < 2 && width < 78 {
			t.Errorf("width %d: not wrapped: %q", width, out)
		}
		for _, l := range lines {
			if w := ansi.StringWidth(l); w > width {
				t.Errorf("width %d: line of %d cells: %q", width, w, l)
			}
			body := strings.TrimPrefix(l, "    ")
			if strings.HasPrefix(body, "。") || strings.HasPrefix(body, "、") {
				t.Errorf("width %d: line starts with closing punctuation: %q", width, l)
			}
		}
		for _, word := range []string{"CopyQueueLength", "ReplayQueueLength", "/upgradecms", "Exchange"} {
			if width > 20 && !strings.Contains(out, word) {
				t.Errorf("width %d: %q was broken: %q", width, word, out)
			}
		}
		joined := strings.ReplaceAll(strings.ReplaceAll(out, "\n    ", ""), "    ", "")
		if strings.ReplaceAll(strings.TrimSpace(joined), " ", "") != strings.ReplaceAll(s, " ", "") {
			t.Errorf("width %d: text lost or changed in wrapping:\n%s", width, out)
		}
	}
}

// TestWrapEnglishUnchanged: English prose wraps on spaces as it always has.
func TestWrapEnglishUnchanged(t *testing.T) {
	got := Wrap("Moving a CMS with the cluster tools skips Exchange's health checks and can leave databases offline or failed.", "  ", 40)
	want := "  Moving a CMS with the cluster tools\n  skips Exchange's health checks and can\n  leave databases offline or failed.\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
