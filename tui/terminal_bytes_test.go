package tui

import (
	"context"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"cmsrunbook/runbook"
)

// countingWriter counts what the screen writes to the terminal.
type countingWriter struct {
	n     atomic.Int64
	drawn atomic.Int64 // writes that drew Setup output lines
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	if strings.Contains(string(p), "Copying Exchange files") {
		c.drawn.Add(1)
	}
	return len(p), nil
}

// TestTerminalBytesBoundedByFramesNotLines (DESIGN section 10): while a
// node floods the output pane, what reaches the terminal is bounded by the
// frame rate and the cells that change, not by the number of lines. Over a
// slow RDP link this is what keeps the screen usable. 100,000 lines of
// Setup output (about 9 MB) must cost the terminal a small fraction of
// that. This asserts bytes, not time.
func TestTerminalBytesBoundedByFramesNotLines(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole screen for a second; skipped with -short")
	}
	sc, plan := loadScenario(t, "ccr-2003-sp2")
	out := &countingWriter{}
	inR, inW := io.Pipe()
	defer inW.Close()
	const lines = 100000
	var raw int64
	engineDone := make(chan struct{})
	engineFlooded := make(chan struct{}, 1)
	run := func(ctx context.Context, h Hooks) (int, error) {
		defer close(engineDone)
		time.Sleep(400 * time.Millisecond) // the findings panel opens first
		_, _ = inW.Write([]byte{0x1b})     // esc: close it, so the whole output pane shows
		time.Sleep(400 * time.Millisecond)
		s := plan.Steps[3]
		h.Event(runbook.Event{Event: runbook.EvStepStarted, Step: s.ID, Kind: s.Kind, Node: s.Node, Attempt: 1, Commands: s.Commands})
		for i := range lines {
			text := setupLine(i)
			raw += int64(len(text) + 1)
			h.Event(runbook.Event{Event: runbook.EvOutput, Step: s.ID, Kind: s.Kind, Node: s.Node, Text: text})
			if i%5000 == 0 {
				time.Sleep(20 * time.Millisecond) // let frames go by while the flood runs
			}
		}
		engineFlooded <- struct{}{}
		<-ctx.Done()
		return 0, nil
	}
	go func() {
		select {
		case <-engineFlooded:
		case <-engineDone:
		}
		time.Sleep(300 * time.Millisecond) // the last frames
		_, _ = inW.Write([]byte("q"))      // a step runs: the screen asks first
		time.Sleep(InputGrace + 300*time.Millisecond)
		_, _ = inW.Write([]byte("y"))
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := Run(ctx, Options{Plan: plan, Cluster: sc.Cluster, NoColor: true}, run,
		tea.WithInput(inR), tea.WithOutput(out), tea.WithWindowSize(80, 24), tea.WithoutSignalHandler()); err != nil {
		t.Fatal(err)
	}
	written := out.n.Load()
	t.Logf("%d lines, %d bytes of output; %d bytes written to the terminal in %d frames that drew output (%.2f%%)", lines, raw, written, out.drawn.Load(), 100*float64(written)/float64(raw))
	if out.drawn.Load() < 1 {
		t.Fatalf("the flood was drawn in %d frames; the test did not see the output pane", out.drawn.Load())
	}
	if written > raw/20 {
		t.Errorf("the terminal got %d bytes for %d bytes of output: more than 5%%, so it grows with the lines, not the frames", written, raw)
	}
}

// TestTerminalBytesWithinBudget (DESIGN section 10) streams Setup output
// at a sustained rate into the real program at 120x40 in colour and
// checks the bytes, on Bubble Tea's Linux renderer and on its Windows one
// (scroll optimisation off): at most 10 KB/s at 300 lines/s, and at least
// 20x fewer bytes than a line printer at 1,000 lines/s. It asserts bytes
// per second of streaming, which a slow machine can only lower (fewer
// frames), never a duration.
func TestTerminalBytesWithinBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("streams for seconds; skipped with -short")
	}
	const budget = 10 << 10
	r := measurePane(t, 300, 2*time.Second)
	t.Logf("300 lines/s: %.0f B/s (Linux renderer), %.0f B/s (Windows renderer); a printer: %.0f B/s", r.real, r.windows, r.printer)
	if r.real > budget || r.windows > budget {
		t.Errorf("300 lines/s cost %.0f B/s on Linux and %.0f B/s on Windows; the budget is %d", r.real, r.windows, budget)
	}
	r = measurePane(t, 1000, 2*time.Second)
	t.Logf("1000 lines/s: %.0f B/s (Linux), %.0f B/s (Windows); a printer: %.0f B/s", r.real, r.windows, r.printer)
	if r.printer < 20*r.real || r.printer < 20*r.windows {
		t.Errorf("1000 lines/s: %.0f and %.0f B/s, less than 20x under a printer's %.0f B/s", r.real, r.windows, r.printer)
	}
}
