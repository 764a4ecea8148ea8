package session

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/journal"
	"cmsrunbook/runbook"
	"cmsrunbook/tui"
)

// BenchmarkEmitPath is output lines through the whole emit path of a
// screen run (DESIGN section 10: at least 1M lines/s): emit journals the
// line (hash chain, a password registered), masks it, hands it to the
// real screen (tui.Run, drawing at its frame rate to a discarded
// terminal on its own goroutine) and to the printer, silent under the
// screen. It reports lines/s; ns/op is per line.
func BenchmarkEmitPath(b *testing.B) {
	sc, err := config.ResolveScenario(assets.Scenarios, "ccr-2003-sp2")
	if err != nil {
		b.Fatal(err)
	}
	plan, err := runbook.MakePlan(sc.Cluster, sc.Options)
	if err != nil {
		b.Fatal(err)
	}
	jw, err := journal.Create(filepath.Join(b.TempDir(), "run.jsonl"), journal.WithSecrets("Tr0ub4dor&3"))
	if err != nil {
		b.Fatal(err)
	}
	defer jw.Close()
	s := &Session{jw: jw, secrets: []string{"Tr0ub4dor&3"}, printer: headless.NewPrinter(io.Discard, plan, "")}
	lines := make([]string, 1000)
	for i := range lines {
		lines[i] = fmt.Sprintf("[07/14/2008 10:%02d:%02d] [1] Copying file 'C:\\Program Files\\Microsoft\\Exchange Server\\Bin\\file%04d.dll'.", i/60%60, i%60, i)
	}
	st := plan.Steps[3]
	var elapsed, cpu time.Duration
	inR, inW := io.Pipe()
	defer inW.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	_, err = tui.Run(ctx, tui.Options{Plan: plan, Cluster: sc.Cluster}, func(ectx context.Context, h tui.Hooks) (int, error) {
		defer cancel()
		s.sink = h.Event
		ev := runbook.Event{Time: "2026-11-28T22:00:00.000Z", Event: runbook.EvOutput, Step: st.ID, Kind: st.Kind, Node: st.Node, Stream: runbook.Stdout}
		b.ResetTimer()
		cpu0 := cpuTime()
		t0 := time.Now()
		for i := 0; i < b.N; i++ {
			ev.Text, ev.Offset = lines[i%len(lines)], int64(i)*120
			if err := s.emit(ev); err != nil {
				return 1, err
			}
		}
		elapsed = time.Since(t0)
		cpu = cpuTime() - cpu0
		b.StopTimer()
		return 0, nil
	}, tea.WithInput(inR), tea.WithOutput(io.Discard), tea.WithWindowSize(120, 40), tea.WithoutSignalHandler())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "lines/s")
	// The process's CPU per line (both goroutines): on a shared machine the
	// wall-clock rate moves with the load, the CPU cost much less.
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/line")
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "lines/cpu-s")
	}
}
