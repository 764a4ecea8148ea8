package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"cmsrunbook/runbook"
)

// A finished step's output (its ok: line) stays on screen above the
// next step's preview until the person moves on.
func TestFinishedOutputStaysAbovePreview(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, true, false)
	h.playSteps(2)
	h.asked(2)
	out := screen(h)
	if !strings.Contains(out, "ok: ") || !strings.Contains(out, "Not run yet") {
		t.Fatalf("the finished step's ok: line is not above the next preview:\n%s", out)
	}
	h.press("t")
	if out := screen(h); !strings.Contains(out, "22:") {
		t.Fatalf("t shows no times:\n%s", out)
	}
}

// q and ctrl+c reach the quit question from inside the failure panel;
// a paused node is named; q never closes a panel.
func TestQuitFromFailurePanelNamesPausedNode(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	h.playSteps(3)
	c := h.sc.Cluster.Clone()
	c.Node("EXNODE02").State = runbook.NodePaused
	h.m.Hooks().Observed(runbook.Observation{Cluster: c})
	h.frame()
	h.decided(3, failureDiag())
	h.afterGrace()
	h.press("ctrl+c")
	if out := screen(h); h.m.quitting || !strings.Contains(out, "EXNODE02 is Paused") {
		t.Fatalf("ctrl+c in the failure panel did not ask, naming the paused node:\n%s", out)
	}
	h.afterGrace()
	h.press("esc")
	if _, ok := h.m.top().(*failurePanel); !ok {
		t.Fatalf("no back to the failure panel after no: %T", h.m.top())
	}
	h.m.dialogs = nil
	h.press("?")
	h.press("q")
	if _, ok := h.m.top().(*askDialog); !ok {
		t.Fatalf("q in help did not ask to quit: %T", h.m.top())
	}
}

// At 80x24 every remedy key of a failure is on screen or marked as more,
// and the panel scrolls to the rest.
func TestFailurePanelRemediesFirstAndScrolls(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, true)
	h.playSteps(7)
	d := failureDiag()
	d.Why = strings.Repeat("A long reason that takes room. ", 12)
	d.Lines = []string{"one", "two", "three", "four", "five", "six", "seven"}
	h.decided(7, d)
	out := screen(h)
	for _, r := range d.Remedies {
		if !strings.Contains(out, "["+r.Key+"]") && !strings.Contains(out, "v more") {
			t.Fatalf("remedy [%s] neither shown nor marked as more:\n%s", r.Key, out)
		}
	}
	if !strings.Contains(out, "v more") {
		t.Fatalf("no more marker on a panel that does not fit:\n%s", out)
	}
	h.afterGrace()
	for range 30 {
		h.press("down")
	}
	if out := screen(h); !strings.Contains(out, "^ more") || !strings.Contains(out, "six") {
		t.Fatalf("scrolled to the end, the panel does not show its last lines:\n%s", out)
	}
}

// At 60x16 the typed confirmation keeps its input line.
func TestTypedConfirmInputAtMinimumSize(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 60, 16, true, false)
	h.playSteps(6)
	h.asked(6)
	h.press("enter")
	h.afterGrace()
	h.typeText("EXC")
	if out := screen(h); !strings.Contains(out, "EXC_") || !strings.Contains(out, "Type EXCMS01") {
		t.Fatalf("the typed input is not visible at 60x16:\n%s", out)
	}
}

// Commands wrap at spaces only: no line of a wrapped command ends in a
// hyphen that was inside a word.
func TestWrapCommandKeepsHyphenatedWords(t *testing.T) {
	c := "Get-MailboxDatabase -Server 'EXCMS01' -Status | Where-Object { -not $_.Mounted } | Mount-Database; Get-ClusteredMailboxServerStatus -Identity 'EXCMS01'"
	for _, w := range []int{20, 33, 47, 70} {
		for _, l := range wrapCommand(c, w, UnicodeGlyphs) {
			if ansi.StringWidth(l) > w {
				t.Fatalf("width %d: %q is too wide", w, l)
			}
			l = strings.TrimPrefix(l, UnicodeGlyphs.Cont+" ")
			for _, word := range strings.Fields(l) {
				if strings.HasSuffix(word, UnicodeGlyphs.Ellipsis) {
					continue // longer than the line: cut with a mark
				}
				if !strings.Contains(c, " "+word) && !strings.HasPrefix(c, word) {
					t.Fatalf("width %d: %q was cut inside a word", w, word)
				}
			}
		}
	}
	for _, l := range wrap("check Get-ClusteredMailboxServerStatus -Identity 'EXCMS01' now", 30) {
		if strings.HasSuffix(l, "-") {
			t.Fatalf("prose wrapped at a hyphen: %q", l)
		}
	}
}

// The status bar keeps its background after the outage segment.
func TestStatusBarNoResetInside(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	h.event(runbook.Event{Event: runbook.EvOutageStarted, Step: h.step(6).ID, Time: epoch.Add(10 * 60e9).Format("2006-01-02T15:04:05.000Z07:00")})
	h.frame()
	bar := h.m.statusLine()
	// after the last reset, only the bar's own styled padding may follow
	segs := strings.Split(bar, "\x1b[m")
	for _, s := range segs[1:] {
		if strings.TrimSpace(ansi.Strip(s)) != "" && !strings.HasPrefix(s, "\x1b[") {
			t.Fatalf("text after a reset without the bar's style: %q", bar)
		}
	}
}
