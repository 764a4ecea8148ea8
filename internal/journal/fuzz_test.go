package journal

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"cmsrunbook/runbook"
)

// FuzzReadReader: any bytes give a Replay or an error, never a panic, and
// a Replay keeps its promises: increasing seqs, one integrity verdict, a
// good prefix inside the input, a torn line only with a line number.
func FuzzReadReader(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed.jsonl")
	w, err := Create(path)
	if err != nil {
		f.Fatal(err)
	}
	code := 0
	for _, ev := range []runbook.Event{
		{Time: "t0", Event: runbook.EvRunStarted, Digest: "0123456789abcdef", Plan: []runbook.Step{{N: 1, ID: "s1", Commands: []string{"cluster.exe node N2 /pause"}}}},
		{Time: "t1", Event: runbook.EvStepStarted, Step: "s1", Commands: []string{"cluster.exe node N2 /pause"}},
		{Time: "t2", Event: runbook.EvOutput, Step: "s1", Text: "Pausing node 'N2'..."},
		{Time: "t3", Event: runbook.EvStepSucceeded, Step: "s1", ExitCode: &code},
	} {
		if err := w.Write(ev); err != nil {
			f.Fatal(err)
		}
	}
	w.Close()
	good, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-7])
	f.Add(bytes.Replace(good, []byte("pause"), []byte("evict"), 1))
	f.Add([]byte(`{"seq":1,"event":"run-started"}` + "\n" + `{"seq":2,"event":"x","chain":"` + string(bytes.Repeat([]byte("a"), 64)) + `"}`))
	f.Add([]byte("\x00\x00\n\n{"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := ReadReader(bytes.NewReader(data), "fuzz.jsonl")
		if err != nil {
			return
		}
		var last int64
		for _, ev := range rep.Events {
			if ev.Seq <= last || ev.Event == "" {
				t.Fatalf("accepted seq %d after %d, event %q", ev.Seq, last, ev.Event)
			}
			last = ev.Seq
		}
		in := rep.Integrity
		states := 0
		for _, b := range []bool{in.Verified, in.Unchained, in.FirstBadLine > 0} {
			if b {
				states++
			}
		}
		if states != 1 || in.Verified != (in.Problem == "") {
			t.Fatalf("integrity %+v is not one verdict", in)
		}
		if rep.end < 0 || rep.end > int64(len(data)) || rep.Torn != (rep.TornLine > 0) {
			t.Fatalf("end %d of %d, torn %v line %d", rep.end, len(data), rep.Torn, rep.TornLine)
		}
		if in.Verified && len(rep.Events) > 0 && len(rep.chain) != chainHexLen {
			t.Fatalf("verified with chain %q", rep.chain)
		}
	})
}
