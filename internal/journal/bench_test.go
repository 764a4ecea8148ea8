package journal

import (
	"fmt"
	"path/filepath"
	"testing"

	"cmsrunbook/runbook"
)

// BenchmarkWriteOutput writes what a Setup.com step produces: 10,000 output
// lines with a step boundary every 1,000, under a registered password.
func BenchmarkWriteOutput(b *testing.B) {
	lines := make([]string, 1000)
	for i := range lines {
		lines[i] = fmt.Sprintf("[11/28/2026 22:%02d:%02d] [1] Setup is configuring Microsoft.Exchange.Management ... %d", i/60%60, i%60, i)
	}
	dir := b.TempDir()
	b.ReportAllocs()
	for n := 0; b.Loop(); n++ {
		w, err := Create(filepath.Join(dir, fmt.Sprintf("run-%d.jsonl", n)), WithSecrets("Tr0ub4dor&3"))
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 10000; i++ {
			ev := runbook.Event{Time: "2026-11-28T22:00:00.000+01:00", Event: runbook.EvOutput, Step: "s04-setup-upgrade-EXNODE02",
				Stream: runbook.Stdout, Text: lines[i%1000], Offset: int64(i * 100)}
			if err := w.Write(ev); err != nil {
				b.Fatal(err)
			}
			if i%1000 == 999 {
				if err := w.Write(runbook.Event{Time: ev.Time, Event: runbook.EvStepSucceeded, Step: ev.Step}); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	path := filepath.Join(b.TempDir(), "run.jsonl")
	w, err := Create(path)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 10000; i++ {
		w.Write(runbook.Event{Time: "2026-11-28T22:00:00.000+01:00", Event: runbook.EvOutput, Step: "s04",
			Stream: runbook.Stdout, Text: fmt.Sprintf("Setup is configuring Microsoft.Exchange.Management %d", i)})
		if i%1000 == 999 {
			w.Write(runbook.Event{Event: runbook.EvStepSucceeded, Step: "s04"})
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rep, err := Read(path)
		if err != nil || len(rep.Events) != 10010 {
			b.Fatalf("%d events, %v", len(rep.Events), err)
		}
	}
}
