package tui

import (
	"fmt"
	"strings"
	"testing"

	"cmsrunbook/runbook"
)

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                      "plain",
		"a\tb":                       "a       b",
		"12345678\tx":                "12345678        x",
		"progress 10%\rprogress 99%": "progress 99%",
		"line\r\n":                   "line",
		"\x1b[31mred\x1b[0m":         "red",
		"\x1b]0;evil title\x07after": "after",
		"\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\": "link",
		"\x1b[2J\x1b[Hclear":                       "clear",
		"bell\x07 back\x08space":                   "bell backspace",
		"bad \xff utf8":                            "bad ? utf8",
		"c1 \u009b31m":                             "c1 31m",
		"ünïcödé":                                  "ünïcödé",
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("x", 5000)
	if got := Sanitize(long); len([]rune(got)) > MaxLineWidth+8 || !strings.HasSuffix(got, "[cut]") {
		t.Errorf("a long line was not cut: %d", len(got))
	}
}

func TestRingEvictsAndSpansFollow(t *testing.T) {
	s := newStore(3, 10)
	for i := range 4 {
		s.add(newLine(0, lineStdout, "a"))
		_ = i
	}
	for range 12 {
		s.add(newLine(1, lineStdout, "b"))
	}
	from, to, ev := s.window(0)
	if from != to || ev != 4 {
		t.Fatalf("step 0 should be evicted: %d %d %d", from, to, ev)
	}
	from, to, ev = s.window(1)
	if to-from != 10 || ev != 2 {
		t.Fatalf("step 1: %d..%d evicted %d", from, to, ev)
	}
	for seq := from; seq < to; seq++ {
		if s.line(seq).text != "b" || s.line(seq).step != 1 {
			t.Fatalf("line %d: %+v", seq, *s.line(seq))
		}
	}
	if s.r.capacity() > 10 {
		t.Fatalf("the ring grew past its limit: %d", s.r.capacity())
	}
	if _, to, _ := s.window(2); to != 0 {
		t.Fatal("a step without output has lines")
	}
}

// TestInboxDropsWhenFarBehind: a stalled terminal never grows the queue
// past the ring's size; what is dropped is the oldest (it could not be
// shown anyway) and counted, and the newest line is still there.
func TestInboxDropsWhenFarBehind(t *testing.T) {
	_, plan := loadScenario(t, "ccr-2003-sp2")
	in := newInbox(plan, nil)
	const n = 3*maxPending + 5
	for i := range n {
		in.push(outputEvent(plan.Steps[0].ID, fmt.Sprint(i)))
	}
	in.push(runbook.Event{Event: runbook.EvStepSucceeded, Step: plan.Steps[0].ID})
	b := in.take(batch{}, false) // urgent: the event takes the lines with it
	if len(b.lines) > maxPending || len(b.lines)+b.dropped != n {
		t.Fatalf("%d pending, %d dropped of %d", len(b.lines), b.dropped, n)
	}
	if last := b.lines[len(b.lines)-1].text; last != fmt.Sprint(n-1) {
		t.Fatalf("the newest line is %q", last)
	}
	if len(b.events) != 1 || b.events[0].after != len(b.lines) {
		t.Fatalf("the event is not after the lines: %+v", b.events)
	}
}

// TestLowerMatchesToLower: the fast lower-casing of output lines is
// strings.ToLower, for ASCII and for anything else.
func TestLowerMatchesToLower(t *testing.T) {
	for _, s := range []string{"", "x", "Copying FILE C:\\Program Files", "no capitals here", "ÉCHEC de l'installation", "日本語 ABC", "\xffBAD"} {
		if got, want := lower(s), strings.ToLower(s); got != want {
			t.Errorf("lower(%q) = %q, want %q", s, got, want)
		}
	}
}
