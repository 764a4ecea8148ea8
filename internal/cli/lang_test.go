package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// runWithEnv calls Main with the locale variables in env (and the test's
// state folder), as a shell with that locale would.
func runWithEnv(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := testGetenv(t, func(k string) string { return env[k] })
	code := Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: getenv})
	return code, out.String(), errb.String()
}

// commands are the lines of a text plan a person copies into a console.
func commands(plan string) []string {
	var out []string
	for _, l := range strings.Split(plan, "\n") {
		if t := strings.TrimLeft(l, " "); strings.HasPrefix(t, "> ") || strings.HasPrefix(t, "PS> ") {
			out = append(out, l)
		}
	}
	return out
}

// translated are words each language's plan of ccr-2003-sp2 must show,
// and english are the English words none of them may still show.
var (
	translated = map[string][]string{
		"ja":    {"検出事項", "手順", "対処: ", "EXNODE02 の一時停止", "ダウンタイム開始", "メンテナンス期間の最終状態の確認"},
		"pt-BR": {"Constatações", "Etapas", "Solução: ", "Pausar EXNODE02", "INÍCIO DA INATIVIDADE", "Verificar o estado final da janela de manutenção"},
		"it":    {"Problemi rilevati", "Passaggi", "Rimedio: ", "Sospensione di EXNODE02", "INIZIO INATTIVITÀ", "Verifica dello stato finale della finestra di manutenzione"},
	}
	english = []string{"Findings\n", "Steps\n", "Remedy: ", "verify: ", "Pause EXNODE02", "OUTAGE STARTS", "Verify the end state of the window"}
)

// TestPlanLang: `plan --lang L` speaks L, and every command line is
// byte for byte the English plan's; the text plans are pinned as golden
// files.
func TestPlanLang(t *testing.T) {
	code, en, stderr := run(t, "plan", "--scenario", "ccr-2003-sp2", "--lang", "en")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := commands(en)
	if len(want) < 10 {
		t.Fatalf("only %d commands in the English plan", len(want))
	}
	for lang, words := range translated {
		t.Run(lang, func(t *testing.T) {
			code, out, stderr := run(t, "plan", "--scenario", "ccr-2003-sp2", "--lang", lang)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			flat := strings.Join(strings.Fields(out), " ")
			for _, w := range words {
				if !strings.Contains(out, w) && !strings.Contains(flat, w) {
					t.Errorf("--lang %s: the plan lacks %q", lang, w)
				}
			}
			for _, w := range english {
				if strings.Contains(out, w) {
					t.Errorf("--lang %s: the plan still says %q", lang, w)
				}
			}
			if got := commands(out); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("--lang %s: commands differ from the English plan's:\n%s", lang, strings.Join(got, "\n"))
			}
			for _, l := range strings.Split(out, "\n") {
				if w := ansi.StringWidth(l); w > 78 && len(commands(l)) == 0 {
					t.Errorf("--lang %s: line %d cells wide: %q", lang, w, l)
				}
			}
			golden(t, "ccr-2003-sp2."+lang+".txt", out)
		})
	}
}

// TestPlanMarkdownLang: the change-ticket plan in Japanese keeps every
// command and translates the headings.
func TestPlanMarkdownLang(t *testing.T) {
	_, en, _ := run(t, "plan", "--scenario", "ccr-2003-sp2", "--format", "markdown", "--lang", "en")
	code, ja, stderr := run(t, "plan", "--scenario", "ccr-2003-sp2", "--format", "markdown", "--lang", "ja")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	fenced := func(s string) string {
		var out []string
		in := false
		for _, l := range strings.Split(s, "\n") {
			if strings.TrimSpace(l) == "```" {
				in = !in
			} else if in {
				out = append(out, l)
			}
		}
		return strings.Join(out, "\n")
	}
	if fenced(ja) != fenced(en) || fenced(en) == "" {
		t.Errorf("the Japanese markdown's commands differ:\n%s", fenced(ja))
	}
	for _, w := range []string{"# 変更計画:", "## 検出事項", "## 手順", "### 2. EXNODE02 の一時停止"} {
		if !strings.Contains(ja, w) {
			t.Errorf("the Japanese markdown lacks %q", w)
		}
	}
	if strings.Contains(ja, "## Findings") || strings.Contains(ja, "## Steps") {
		t.Error("the Japanese markdown still has English headings")
	}
	if en != goldenText(t, "ccr-2003-sp2.md") {
		t.Error("--lang en markdown differs from the English golden plan")
	}
}

// goldenText reads a golden file.
func goldenText(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestLangFromLocale: with no --lang the locale decides; a locale the
// tool does not speak means English, and a --lang it does not know is a
// usage error naming the languages.
func TestLangFromLocale(t *testing.T) {
	code, out, stderr := runWithEnv(t, map[string]string{"LANG": "ja_JP.UTF-8"}, "plan", "--scenario", "ccr-2003-sp2")
	if code != 0 {
		t.Fatalf("LANG=ja_JP.UTF-8: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "検出事項") || strings.Contains(out, "Findings\n") {
		t.Errorf("LANG=ja_JP.UTF-8 did not choose Japanese:\n%s", out)
	}

	code, out, stderr = runWithEnv(t, map[string]string{"LANG": "de_DE.UTF-8"}, "plan", "--scenario", "ccr-2003-sp2")
	if code != 0 {
		t.Fatalf("LANG=de_DE.UTF-8: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "Findings\n") || !strings.Contains(out, "2. Pause EXNODE02") {
		t.Errorf("LANG=de_DE.UTF-8 did not fall back to English:\n%s", out)
	}

	code, out, stderr = runWithEnv(t, map[string]string{"LANG": "ja_JP.UTF-8"}, "plan", "--scenario", "ccr-2003-sp2", "--lang", "en")
	if code != 0 || !strings.Contains(out, "Findings\n") {
		t.Errorf("--lang en under LANG=ja_JP.UTF-8: exit %d, not English:\n%s%s", code, out, stderr)
	}

	code, _, stderr = run(t, "plan", "--scenario", "ccr-2003-sp2", "--lang", "xx")
	if code != ExitUsage {
		t.Errorf("--lang xx: exit %d, want %d", code, ExitUsage)
	}
	for _, l := range []string{"en", "ja", "pt-BR", "it"} {
		if !strings.Contains(stderr, l) {
			t.Errorf("--lang xx: the message does not name %s: %q", l, stderr)
		}
	}
}
