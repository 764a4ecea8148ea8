package tui

import (
	"strings"
	"testing"
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

func TestInboxDropsWhenFarBehind(t *testing.T) {
	sc, plan := loadScenario(t, "ccr-2003-sp2")
	_ = sc
	in := newInbox(plan)
	for range maxPending + 5 {
		in.push(outputEvent(plan.Steps[0].ID, "x"))
	}
	b := in.take(nil)
	if len(b.entries) != maxPending || b.dropped != 5 {
		t.Fatalf("%d pending, %d dropped", len(b.entries), b.dropped)
	}
}
