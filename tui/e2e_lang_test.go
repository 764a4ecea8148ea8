package tui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
)

// boxRegion finds the box whose top edge holds title on a captured
// screen: the dialog, for checkBoxes.
func boxRegion(screen, title string) *region {
	g := cellGrid(screen)
	for r, l := range strings.Split(ansi.Strip(screen), "\n") {
		tc := strings.Index(l, title)
		if tc < 0 {
			continue
		}
		k := strings.LastIndex(l[:tc], "┌")
		if k < 0 {
			continue
		}
		c := ansi.StringWidth(l[:k])
		cr := -1
		for x := ansi.StringWidth(l[:tc]); x < len(g[r]); x++ {
			if g[r][x] == "┐" {
				cr = x
				break
			}
		}
		for rr := r + 1; rr < len(g) && cr >= 0; rr++ {
			if cellAt(g, rr, c) == "└" {
				return &region{x: c, y: r, w: cr - c + 1, h: rr - r + 1}
			}
		}
	}
	return nil
}

// TestE2EJapaneseScreenInTmux runs the real binary in Japanese at the
// design size: every captured line fits the 80 columns a wide letter
// takes two of, every box's borders line up, and the words are Japanese.
func TestE2EJapaneseScreenInTmux(t *testing.T) {
	needTmux(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	jpath := filepath.Join(dir, "window.jsonl")
	s := startTmux(t, 80, 24, e2eEnv, dir, bin, "sim", "--lang", "ja", "--speed", "max", "--journal", jpath)

	check := func(name, scr string, dlg *region) {
		t.Helper()
		lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
		if len(lines) > 24 {
			t.Errorf("%s: %d lines on a 24-line terminal:\n%s", name, len(lines), scr)
		}
		checkWidths(t, name, strings.Join(lines, "\n"), 80, false)
		checkBoxes(t, name, scr, dlg)
	}

	scr := s.waitFor(`手順 1/\d+ 確認待ち`, 20*time.Second)
	if strings.Contains(scr, "検出事項 (") {
		// The scenario's warnings open the findings before the first step.
		check("findings first", scr, boxRegion(scr, "検出事項"))
		s.keys("Escape")
		s.waitGone(`検出事項 \(\d+\)`, 10*time.Second)
		scr = s.capture()
	}
	check("waiting", scr, nil)
	for _, w := range []string{"シミュレーション", "トポロジ", "手順書", "確認待ち", "ヘルプ"} {
		if !strings.Contains(scr, w) {
			t.Errorf("%q is not on the Japanese screen:\n%s", w, scr)
		}
	}

	s.keys("Enter")
	scr = s.waitFor(`手順の確認`, 10*time.Second)
	check("confirm", scr, boxRegion(scr, "手順の確認"))
	if !strings.Contains(scr, "実行しますか? [y/N]") {
		t.Errorf("the confirmation does not ask in Japanese:\n%s", scr)
	}
	time.Sleep(InputGrace + 100*time.Millisecond)
	s.keys("y")
	scr = s.waitFor(`手順 2/\d+ 確認待ち`, 20*time.Second)
	check("after step 1", scr, nil)
	if !strings.Contains(scr, "完了") {
		t.Errorf("no step shows done in Japanese:\n%s", scr)
	}

	s.keys("?")
	scr = s.waitFor(`このヘルプ|次の手順を実行`, 10*time.Second)
	check("help", scr, boxRegion(scr, "キー"))
	s.keys("Escape")
	s.waitGone(`次の手順を実行 \(確認を開く\)`, 10*time.Second)

	s.keys("f")
	scr = s.waitFor(`検出事項 \(\d+\)`, 10*time.Second)
	check("findings", scr, boxRegion(scr, "検出事項"))
	s.keys("Escape")
	s.waitGone(`検出事項 \(\d+\)`, 10*time.Second)

	s.keys("q")
	scr = s.waitFor(`終了しますか|EXITED`, 10*time.Second)
	if strings.Contains(scr, "終了しますか") {
		check("quit question", scr, boxRegion(scr, "終了しますか"))
		time.Sleep(InputGrace + 100*time.Millisecond)
		s.keys("y")
	}
	s.waitFor(`EXITED`, 10*time.Second)
}
