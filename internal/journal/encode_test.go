package journal

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"cmsrunbook/runbook"
)

// TestOutputEncodingMatchesMarshal: the output encoder writes exactly what
// json.Marshal writes, for every kind of text a node can print (control
// characters, HTML characters, invalid UTF-8, U+2028, code pages decoded
// to Unicode), so journals stay byte-identical and their chains valid.
func TestOutputEncodingMatchesMarshal(t *testing.T) {
	texts := []string{"", "plain", `a "quoted" \ path\x`, "<b>&amp;</b>", "tab\tcr\rlf\nff\fbs\b",
		"\x00\x01\x1f\x7f", "bad \xff\xfe utf8 \xc3", "line\u2028sep\u2029par", "日本語のノード",
		"C:\\Program Files\\Microsoft\\Exchange Server\\Bin\\ExSetup.exe", "emoji 😀 and \U0010FFFF"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		texts = append(texts, string(b))
	}
	for i, text := range texts {
		ev := runbook.Event{Seq: int64(i), Time: "2026-11-28T22:00:00.000+01:00", Event: runbook.EvOutput,
			Step: "s04-setup-upgrade-EXNODE02", Kind: runbook.KindSetupUpgrade, Node: "EXNODE02",
			Stream: runbook.Stderr, Text: text, Offset: int64(i * 97)}
		if i%3 == 0 {
			ev.Kind, ev.Node, ev.Stream, ev.Offset = "", "", "", 0
		}
		if !plainOutput(&ev) {
			t.Fatalf("%d: not plain", i)
		}
		want, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendOutput(nil, &ev); string(got) != string(want) {
			t.Fatalf("text %q:\n got %s\nwant %s", text, got, want)
		}
	}
	if ev := (runbook.Event{Event: runbook.EvOutput, Message: "m"}); plainOutput(&ev) {
		t.Fatal("an output event with a message is not plain")
	}
}
