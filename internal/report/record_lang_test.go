package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/internal/report"
)

// langWords are words each language's change record must say: the title,
// section headings and words from the failure and the summary.
var langWords = map[i18n.Lang][]string{
	i18n.Japanese:   {"# 変更記録: ", "## 手順", "## 計画からの逸脱", "## 切り戻し", "## フォローアップ", "## 失敗", "| 試行回数 |", "提示された対処:", "選択: **retry**", "再試行 を選択"},
	i18n.Portuguese: {"# Registro de alteração: ", "## Desvios do plano", "## Reversão", "## Acompanhamentos", "## Falhas", "| Tentativas |", "Soluções oferecidas:", "Escolha: **retry**"},
	i18n.Italian:    {"# Registro della modifica: ", "## Scostamenti dal piano", "## Ripristino", "## Attività successive", "## Errori", "| Tentativi |", "Rimedi proposti:", "Scelta: **retry**"},
}

// englishHeadings must not be left in a translated record.
var englishHeadings = []string{"# Change record:", "## Steps", "## Deviations from the plan", "## Backout", "## Follow-ups", "## Failures", "## Findings", "Remedies offered:", "Why it matters:", "| Attempts |"}

var (
	fenceRe    = regexp.MustCompile("(?s)\n(`{3,})\n.*?\n`{3,}\n")
	backtickRe = regexp.MustCompile("`[^`\n]+`")
	codeRe     = regexp.MustCompile(`(?s)<code>(.*?)</code>`)
	preRe      = regexp.MustCompile(`(?s)<pre>(.*?)</pre>`)
	htmlLangRe = regexp.MustCompile(`<html lang="([^"]*)"`)
	h2Re       = regexp.MustCompile(`<h2>([^<]*)</h2>`)
)

// spans are the inline code spans of a markdown record (commands, codes,
// the digest), its quoted output blocks taken out first.
func spans(md string) (inline, blocks []string) {
	blocks = fenceRe.FindAllString(md, -1)
	rest := fenceRe.ReplaceAllString(md, "\n")
	inline = backtickRe.FindAllString(rest, -1)
	slices.Sort(inline)
	return inline, blocks
}

func all(re *regexp.Regexp, s string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

func record(t *testing.T, write func(*bytes.Buffer) error) string {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestRunMarkdownInEachLanguage: the change record of a simulated window
// with a refused CMS move, retried, read in Japanese, Portuguese and
// Italian: the headings and the words are the language's, every command,
// code and digest is the English record's to the byte, the node's output
// is quoted as it was, and the JSON does not change at all.
func TestRunMarkdownInEachLanguage(t *testing.T) {
	events := simulate(t, "fault-move-refused", headless.FailRetry, "")
	en := record(t, func(b *bytes.Buffer) error { return report.RunMarkdown(b, events) })
	enInline, enBlocks := spans(en)
	if len(enInline) < 5 || len(enBlocks) == 0 {
		t.Fatalf("the English record has too few commands (%d) or no quoted output (%d) to compare", len(enInline), len(enBlocks))
	}
	enJSON := record(t, func(b *bytes.Buffer) error { return report.RunJSON(b, events) })
	for _, lang := range []i18n.Lang{i18n.Japanese, i18n.Portuguese, i18n.Italian} {
		t.Run(string(lang), func(t *testing.T) {
			md := record(t, func(b *bytes.Buffer) error { return report.RunMarkdown(b, events, report.WithLang(lang)) })
			for _, w := range langWords[lang] {
				if !strings.Contains(md, w) {
					t.Errorf("the %s record lacks %q", lang, w)
				}
			}
			for _, w := range englishHeadings {
				if strings.Contains(md, w) {
					t.Errorf("the %s record still says %q", lang, w)
				}
			}
			inline, blocks := spans(md)
			if !slices.Equal(inline, enInline) {
				t.Errorf("commands and codes differ from the English record:\n en: %q\n %s: %q", enInline, lang, inline)
			}
			if !slices.Equal(blocks, enBlocks) {
				t.Errorf("the quoted node output differs from the English record:\n en: %q\n %s: %q", enBlocks, lang, blocks)
			}
			// The table rows keep their columns: a translated word never
			// brings a pipe of its own.
			for _, l := range strings.Split(md, "\n") {
				if strings.HasPrefix(l, "| 1 | ") && strings.Count(l, "|")-strings.Count(l, `\|`) != 10 {
					t.Errorf("a step row lost its columns: %q", l)
				}
			}
			js := record(t, func(b *bytes.Buffer) error { return report.RunJSON(b, events, report.WithLang(lang)) })
			if js != enJSON {
				t.Error("--format json changed with the language; it must stay the English record")
			}
		})
	}
}

// TestRunMarkdownIntegrityWarningInJapanese: a journal whose chain breaks
// is warned about in the reader's language, at the top, with the line
// numbers as they are (never "1,234").
func TestRunMarkdownIntegrityWarningInJapanese(t *testing.T) {
	events := simulate(t, "ccr-2003-sp2", headless.FailAbort, "")
	in := report.Integrity{FirstBadLine: 1234, Problem: "hash mismatch"}
	md := record(t, func(b *bytes.Buffer) error {
		return report.RunMarkdown(b, events, report.WithLang(i18n.Japanese), report.WithIntegrity(in))
	})
	lines := strings.Split(md, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[2], "> **警告:** この記録は改変されている可能性があります") {
		t.Errorf("the warning is not the first thing under the title:\n%s", strings.Join(lines[:min(len(lines), 4)], "\n"))
	}
	for _, want := range []string{"1234 行目", "1 行目から 1233 行目まで", "resume はこのジャーナルを受け付けません。", "**ハッシュ チェーンが 1234 行目で途切れています**"} {
		if !strings.Contains(md, want) {
			t.Errorf("the Japanese record lacks %q", want)
		}
	}
	if strings.Contains(md, "1,23") {
		t.Error("a line number was written with a digit separator")
	}
	if got := in.WarningIn(i18n.Japanese); !strings.HasPrefix(got, "この記録は改変されている可能性があります") {
		t.Errorf("WarningIn(ja) = %q", got)
	}
	if in.WarningIn("") != in.Warning() {
		t.Error("WarningIn with no language is not the English warning")
	}
}

// TestRunHTMLInEachLanguage: the page says its language (lang="ja"), its
// headings are translated, and every <code> (commands, codes, digest) and
// <pre> (the node's output) is the English page's to the byte.
func TestRunHTMLInEachLanguage(t *testing.T) {
	events, en := htmlRun(t)
	enCode, enPre := all(codeRe, string(en)), all(preRe, string(en))
	if len(enCode) < 5 || len(enPre) == 0 {
		t.Fatalf("the English page has too few commands (%d) or no output (%d) to compare", len(enCode), len(enPre))
	}
	enH2 := all(h2Re, string(en))
	heading := map[i18n.Lang]string{i18n.Japanese: "計画からの逸脱", i18n.Portuguese: "Desvios do plano", i18n.Italian: "Scostamenti dal piano"}
	for _, lang := range []i18n.Lang{i18n.Japanese, i18n.Portuguese, i18n.Italian} {
		t.Run(string(lang), func(t *testing.T) {
			page := record(t, func(b *bytes.Buffer) error { return report.RunHTML(b, events, report.WithLang(lang)) })
			if m := htmlLangRe.FindStringSubmatch(page); m == nil || m[1] != string(lang) {
				t.Errorf("the page's lang attribute: %v, want %s", m, lang)
			}
			h2 := all(h2Re, page)
			if !slices.Contains(h2, heading[lang]) {
				t.Errorf("the page's headings %q lack %q", h2, heading[lang])
			}
			for _, h := range h2 {
				if slices.Contains(enH2, h) && h != "Backout" {
					t.Errorf("heading %q is still English", h)
				}
			}
			if got := all(codeRe, page); !slices.Equal(got, enCode) {
				t.Errorf("<code> differs from the English page:\n en: %q\n %s: %q", enCode, lang, got)
			}
			if got := all(preRe, page); !slices.Equal(got, enPre) {
				t.Errorf("<pre> differs from the English page")
			}
			if strings.Contains(page, "<script>") {
				t.Error("journal text became markup")
			}
		})
	}
}

// TestRunHTMLInChromiumJapanese opens the Japanese page in headless
// Chromium: the browser's document says lang="ja", the title is the
// Japanese one, the timeline has its bars and no planted script ran.
func TestRunHTMLInChromiumJapanese(t *testing.T) {
	bin := chromium(t)
	events, en := htmlRun(t)
	page := record(t, func(b *bytes.Buffer) error { return report.RunHTML(b, events, report.WithLang(i18n.Japanese)) })
	dir := t.TempDir()
	file := filepath.Join(dir, "record-ja.html")
	if err := os.WriteFile(file, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	dom := runChromium(t, bin, dir, "--dump-dom", "file://"+file)
	if m := htmlLangRe.FindStringSubmatch(dom); m == nil || m[1] != "ja" {
		t.Errorf("the browser's document lang: %v", m)
	}
	if m := titleRe.FindStringSubmatch(dom); m == nil || !strings.HasPrefix(m[1], "変更記録: ") || strings.Contains(m[1], "PWNED") {
		t.Errorf("page title: %v", m)
	}
	if got, want := len(barRe.FindAllString(dom, -1)), len(barRe.FindAllString(string(en), -1)); got != want || got == 0 {
		t.Errorf("the Japanese timeline has %d bars, the English %d", got, want)
	}
	if !strings.Contains(dom, "クラスタ全体") {
		t.Error("the timeline's cluster-wide lane is not named in Japanese")
	}
}

// TestRunRecordKeepsTheNodesOutput: output a node printed is never
// translated, even where it reads like one of the record's sentences.
func TestRunRecordKeepsTheNodesOutput(t *testing.T) {
	events := simulate(t, "fault-move-refused", headless.FailRetry, "")
	planted := "the step failed; no diagnosis was recorded"
	for i := range events {
		if d := events[i].Diagnosis; d != nil {
			d.Lines = append(d.Lines, planted)
			break
		}
	}
	md := record(t, func(b *bytes.Buffer) error { return report.RunMarkdown(b, events, report.WithLang(i18n.Japanese)) })
	_, blocks := spans(md)
	found := false
	for _, b := range blocks {
		found = found || strings.Contains(b, "\n"+planted+"\n")
	}
	if !found {
		t.Errorf("the node's line was not quoted as it was:\n%q", blocks)
	}
}
