package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cmsrunbook/internal/i18n"

	"github.com/charmbracelet/x/ansi"
)

// runEnv is run with the locale env sets (LANG, LC_ALL, ...).
func runEnv(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := testGetenv(t, func(k string) string { return env[k] })
	code := Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: getenv})
	return code, out.String(), errb.String()
}

// The usage commands are the same in every language: only the words
// around them are translated.
var usageCommands = []string{
	"cmsrunbook plan  (--inventory FILE | --scenario NAME|FILE) [--goal G] [--format text|markdown|json]",
	"cmsrunbook sim [--scenario NAME|FILE] [--speed X|max] [--headless --yes [--on-failure abort|retry|manual]]",
	"cmsrunbook resume --journal FILE [--headless --yes]",
	"cmsrunbook watch --journal FILE",
	"os-patch (--package PATH), windows-2008",
}

func TestHelpSpeaksTheLanguageAsked(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		env   map[string]string
		words []string
	}{
		{[]string{"help", "--lang", "pt-BR"}, nil, []string{"Uso:", "treinamento no cluster simulado padrão", "Códigos de saída:"}},
		{[]string{"help", "--lang=it"}, nil, []string{"Utilizzo:", "server di cassette postali in cluster", "Codici di uscita:"}},
		{[]string{"help", "--lang", "ja"}, nil, []string{"使い方:", "クラスタ化メールボックス サーバー", "終了コード:"}},
		// No flag: the locale's language.
		{[]string{"help"}, map[string]string{"LANG": "ja_JP.UTF-8"}, []string{"使い方:"}},
		{[]string{"--help"}, map[string]string{"LC_ALL": "pt_BR.UTF-8", "LANG": "C"}, []string{"Uso:"}},
		// --lang before the command is the command's.
		{[]string{"--lang", "it", "help"}, nil, []string{"Utilizzo:"}},
	} {
		code, out, errb := runEnv(t, tc.env, tc.args...)
		if code != ExitOK {
			t.Errorf("%v: exit %d: %s", tc.args, code, errb)
			continue
		}
		for _, w := range append(tc.words, usageCommands...) {
			if !strings.Contains(out, w) {
				t.Errorf("%v: the usage lacks %q:\n%s", tc.args, w, out)
			}
		}
	}
}

func TestHelpInEnglishIsUnchanged(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"help", "--lang", "en"}, {"--lang", "en", "help"}} {
		code, out, _ := runEnv(t, map[string]string{"LANG": "C.UTF-8"}, args...)
		if code != ExitOK || out != usageText {
			t.Errorf("%v: exit %d, usage differs from the English text:\n%s", args, code, out)
		}
	}
}

func TestUnknownLanguageIsAUsageError(t *testing.T) {
	for _, args := range [][]string{
		{"--lang", "xx"},
		{"--lang=xx", "plan", "--scenario", "ccr-2003-sp1-to-sp2"},
		{"plan", "--scenario", "ccr-2003-sp1-to-sp2", "--lang", "xx"},
		{"help", "--lang", "xx"},
		{"scenarios", "--lang", "xx"},
	} {
		code, out, errb := runEnv(t, map[string]string{"LANG": "C.UTF-8"}, args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
		for _, l := range []string{"en", "ja", "pt-BR", "it", `"xx"`} {
			if !strings.Contains(errb, l) {
				t.Errorf("%v: the error does not name %s: %q", args, l, errb)
			}
		}
		if out != "" {
			t.Errorf("%v: printed %q", args, out)
		}
	}
}

func TestLeadingLangStartsTrainingInThatLanguage(t *testing.T) {
	for _, args := range [][]string{{"--lang", "ja"}, {"--lang=ja"}, {"-lang", "ja"}} {
		// Standard output is not a terminal: training prints the default
		// scenario's plan, in Japanese.
		code, out, errb := runEnv(t, map[string]string{"LANG": "C.UTF-8"}, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errb)
		}
		for _, w := range []string{"トレーニング シナリオ:", "ほかのシナリオ: cmsrunbook scenarios --long", "cmsrunbook plan --scenario NAME --format markdown"} {
			if !strings.Contains(out, w) {
				t.Errorf("%v: the training intro lacks %q:\n%s", args, w, out)
			}
		}
	}
	// The locale alone does the same.
	code, out, errb := runEnv(t, map[string]string{"LANG": "it_IT.UTF-8"})
	if code != ExitOK || !strings.Contains(out, "Scenario di formazione:") || !strings.Contains(out, "Altri scenari:") {
		t.Errorf("LANG=it_IT: exit %d: %s\n%s", code, errb, out)
	}
	// English stays as it was.
	code, out, _ = runEnv(t, map[string]string{"LANG": "C.UTF-8"})
	if code != ExitOK || !strings.HasPrefix(out, "Training scenario: ") || !strings.Contains(out, "\nOther scenarios: cmsrunbook scenarios --long;") {
		t.Errorf("English training intro changed: exit %d:\n%s", code, out)
	}
}

func TestScenarioTitlesGoThroughTheCatalogues(t *testing.T) {
	// The pseudo-language shows every catalogue word wide and bracketed:
	// a title that did not go through a catalogue stays plain ASCII.
	code, out, errb := runEnv(t, nil, "scenarios", "--long", "--lang", string(i18n.Pseudo))
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	lines := 0
	for _, l := range strings.Split(out, "\n") {
		if l == "" || strings.HasPrefix(l, " ") {
			continue // a description line
		}
		lines++
		name, rest, _ := strings.Cut(l, "  ")
		if strings.ContainsAny(name, "「」") {
			t.Errorf("the scenario name was translated: %q", l)
		}
		if !strings.Contains(rest, "「") {
			t.Errorf("the title did not go through the catalogue: %q", l)
		}
	}
	if lines == 0 {
		t.Fatalf("no scenario listed:\n%s", out)
	}
	if !strings.Contains(out, i18n.Pseudolocalize("(default)")) {
		t.Errorf("(default) is not translated:\n%s", out)
	}
	// The names line up by display width: every title starts in the
	// same column.
	col := -1
	for _, l := range strings.Split(out, "\n") {
		if l == "" || strings.HasPrefix(l, " ") {
			continue
		}
		i := strings.Index(l, "  「")
		if col >= 0 && i != col {
			t.Errorf("title column %d, want %d: %q", i, col, l)
		}
		col = i
	}
}

func TestUsageErrorsSpeakTheLanguage(t *testing.T) {
	code, _, errb := runEnv(t, nil, "report", "--lang", "ja")
	if code != ExitUsage || !strings.Contains(errb, "report: --journal FILE が必要です") || !strings.Contains(errb, "使い方は 'cmsrunbook help' で確認してください。") {
		t.Errorf("exit %d: %q", code, errb)
	}
	// --lang decides even when the flags do not parse.
	code, _, errb = runEnv(t, nil, "watch", "--lang", "pt-BR", "stray")
	if code != ExitUsage || !strings.Contains(errb, `watch: argumento inesperado "stray"`) {
		t.Errorf("exit %d: %q", code, errb)
	}
	code, _, errb = runEnv(t, map[string]string{"LANG": "it_IT.UTF-8"}, "frobnicate")
	if code != ExitUsage || !strings.Contains(errb, `comando sconosciuto "frobnicate"`) || !strings.Contains(errb, "Eseguire 'cmsrunbook help'") {
		t.Errorf("exit %d: %q", code, errb)
	}
}

func TestBadInputStillNamesFileAndLineInEveryLanguage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: bad\ntitle: [unclosed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"en", "ja", "pt-BR", "it"} {
		code, _, errb := runEnv(t, nil, "plan", "--scenario", bad, "--lang", l)
		if code != ExitUsage {
			t.Errorf("%s: exit %d, want 2: %s", l, code, errb)
		}
		if !strings.Contains(errb, bad) || !strings.Contains(errb, ":2") {
			t.Errorf("%s: the error does not name the file and line: %q", l, errb)
		}
	}
}

func TestArgLang(t *testing.T) {
	env := func(k string) string {
		if k == "LANG" {
			return "ja_JP.UTF-8"
		}
		return ""
	}
	for _, tc := range []struct {
		args []string
		want i18n.Lang
	}{
		{nil, i18n.Japanese},
		{[]string{"plan", "--lang", "it"}, i18n.Italian},
		{[]string{"plan", "-lang=pt-BR"}, i18n.Portuguese},
		{[]string{"--lang", "en", "plan", "--lang", "it"}, i18n.Italian},
		{[]string{"plan", "--lang", "xx"}, i18n.Japanese},
		{[]string{"plan", "--", "--lang", "it"}, i18n.Japanese},
	} {
		if got := argLang(tc.args, env); got != tc.want {
			t.Errorf("argLang(%q) = %s, want %s", tc.args, got, tc.want)
		}
	}
}

func TestScenarioDescriptionsWrapByDisplayWidth(t *testing.T) {
	for _, l := range []string{"ja", "pt-BR", "it"} {
		code, out, errb := runEnv(t, nil, "scenarios", "--long", "--lang", l)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", l, code, errb)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, " ") && ansi.StringWidth(line) > 78 {
				t.Errorf("%s: a description line is %d cells wide, more than 78: %q", l, ansi.StringWidth(line), line)
			}
		}
	}
}
