package tui

import (
	"cmsrunbook/internal/i18n"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"cmsrunbook/runbook"
)

// The benchmarks behind DESIGN section 10's screen budgets; scripts/bench.sh
// prints them as a table. They measure, they do not assert: timing
// assertions are flaky on shared CI machines.

func benchModel(b *testing.B) (*Model, runbook.Step) {
	b.Helper()
	return benchModelIn(b, i18n.English)
}

// benchModelIn is benchModel speaking lang.
func benchModelIn(b *testing.B, lang i18n.Lang) (*Model, runbook.Step) {
	b.Helper()
	sc, plan := loadScenario(b, "ccr-2003-sp2")
	m := New(Options{Plan: plan, Cluster: sc.Cluster, Now: func() time.Time { return epoch }, Lang: lang})
	m.dialogs = nil
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	s := plan.Steps[3]
	m.Hooks().Event(runbook.Event{Event: runbook.EvStepStarted, Step: s.ID, Attempt: 1, Commands: s.Commands})
	m.drain()
	return m, s
}

func setupLine(i int) string {
	return fmt.Sprintf("[%06d] Copying Exchange files ... C:\\Program Files\\Microsoft\\Exchange Server\\Bin\\file%04d.dll", i, i%9999)
}

// fill pushes n lines through the inbox, draining once per 1,000 lines as
// frames would.
func fill(m *Model, s runbook.Step, n int) {
	ev := runbook.Event{Event: runbook.EvOutput, Step: s.ID}
	push := m.Hooks().Event
	for i := range n {
		ev.Text = setupLine(i)
		push(ev)
		if i%1000 == 999 {
			m.drain()
		}
	}
	m.drain()
}

// BenchmarkIngest is the engine-to-screen path per line: sanitise on the
// engine's goroutine, queue, drain into the ring on the frame. Budget:
// at least 200,000 lines/s (reported as lines/s).
func BenchmarkIngest(b *testing.B) {
	m, s := benchModel(b)
	lines := make([]string, 4096)
	for i := range lines {
		lines[i] = setupLine(i)
	}
	ev := runbook.Event{Event: runbook.EvOutput, Step: s.ID}
	push := m.Hooks().Event
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		ev.Text = lines[i%len(lines)]
		push(ev)
		if i%1000 == 999 {
			m.drain()
		}
	}
	m.drain()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lines/s")
}

// BenchmarkFrame is one whole frame at 120x40 while a step's log of
// 1,000 and of 1,000,000 lines grows: a new line queued and drained,
// View (lipgloss, the whole screen), and Bubble Tea's renderer (cells,
// diff, escapes) with scroll optimisation on (Linux) and off (Windows).
// The cost must not grow with the log; B/frame is what one frame with a
// new line writes to the terminal.
func BenchmarkFrame(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		for _, scroll := range []bool{true, false} {
			name := map[bool]string{true: "linux", false: "windows"}[scroll]
			b.Run(fmt.Sprintf("lines=%d/renderer=%s", n, name), func(b *testing.B) {
				m, s := benchModel(b)
				m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
				fill(m, s, n)
				r := newReplica(120, 40, scroll)
				r.frame(m.View().Content)
				ev := runbook.Event{Event: runbook.EvOutput, Step: s.ID}
				push := m.Hooks().Event
				before := r.w.n.Load()
				b.ReportAllocs()
				b.ResetTimer()
				i := n
				for b.Loop() {
					ev.Text = setupLog(i)
					i++
					push(ev)
					m.drain()
					r.frame(m.View().Content)
				}
				b.ReportMetric(float64(r.w.n.Load()-before)/float64(b.N), "B/frame")
			})
		}
	}
}

// BenchmarkFrameLang is one frame's View at 120x40 with a new output
// line, in English and in Japanese: the words go through the catalogue
// on every frame, and a translated screen must cost about what an
// English one does.
func BenchmarkFrameLang(b *testing.B) {
	for _, lang := range []i18n.Lang{i18n.English, i18n.Japanese} {
		b.Run(string(lang), func(b *testing.B) {
			m, s := benchModelIn(b, lang)
			m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
			fill(m, s, 1_000)
			ev := runbook.Event{Event: runbook.EvOutput, Step: s.ID}
			push := m.Hooks().Event
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				ev.Text = setupLog(i)
				i++
				push(ev)
				m.drain()
				_ = m.View()
			}
		})
	}
}

// BenchmarkSearchKeystroke is one keystroke of incremental search over a
// step with 100,000 held lines. Budget: under 20 ms.
func BenchmarkSearchKeystroke(b *testing.B) {
	m, s := benchModel(b)
	fill(m, s, 100_000)
	m.search.editing = true
	queries := []string{"f", "fi", "fil", "file", "file0", "file00", "file004"}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.search.query = queries[i%len(queries)]
		m.searchUpdate()
		i++
	}
}

// BenchmarkPaletteKeystroke filters the command palette once.
func BenchmarkPaletteKeystroke(b *testing.B) {
	m, _ := benchModel(b)
	p := newPalette(nil, m.plan.Steps, m.cluster, false)
	p.input.SetValue("rbt ex2")
	b.ResetTimer()
	for b.Loop() {
		p.filter()
	}
}

// BenchmarkFirstFrame is building the screen and drawing it once. Budget:
// under 150 ms.
func BenchmarkFirstFrame(b *testing.B) {
	sc, plan := loadScenario(b, "ccr-2003-sp2")
	for b.Loop() {
		m := New(Options{Plan: plan, Cluster: sc.Cluster})
		m.Update(tea.WindowSizeMsg{Width: 140, Height: 45})
		_ = m.View()
	}
}

// BenchmarkPaneVsNaive compares, at the same log size (100,000 lines), the
// cost of one more output line on screen: the naive design (a bubbles
// viewport handed the whole log on every line, then drawn) against this
// pane (the line queued, drained, and the whole screen drawn, as if every
// line were its own frame, which frames never are). It reports both and
// the ratio.
func BenchmarkPaneVsNaive(b *testing.B) {
	const size = 100_000
	m, s := benchModel(b)
	fill(m, s, size)
	all := make([]string, size)
	for i := range all {
		all[i] = setupLine(i)
	}
	vp := viewport.New(viewport.WithWidth(78), viewport.WithHeight(8))
	ev := runbook.Event{Event: runbook.EvOutput, Step: s.ID}

	const rounds = 2
	b.ResetTimer()
	var naive, pane time.Duration
	for b.Loop() {
		t0 := time.Now()
		for i := range rounds {
			all[size-1] = setupLine(i)
			vp.SetContent(strings.Join(all, "\n"))
			vp.GotoBottom()
			_ = vp.View()
		}
		naive += time.Since(t0)
		t1 := time.Now()
		for i := range rounds {
			ev.Text = setupLine(i)
			m.Hooks().Event(ev)
			m.drain()
			_ = m.View()
		}
		pane += time.Since(t1)
	}
	n := float64(b.N * rounds)
	b.ReportMetric(float64(naive.Nanoseconds())/n, "naive-ns/line")
	b.ReportMetric(float64(pane.Nanoseconds())/n, "pane-ns/line")
	b.ReportMetric(float64(naive)/float64(pane), "x-faster")
}

// BenchmarkMemory1M is the screen's memory after 1,000,000 output lines
// (DESIGN section 10: under 100 MB, also when the terminal stalls):
// streamed with a frame every 10,000 lines, and stalled (no frame until
// the end, so the inbox takes the whole flood). It reports the live heap
// after a collection and the process's peak RSS (Linux), in MB.
func BenchmarkMemory1M(b *testing.B) {
	for _, stalled := range []bool{false, true} {
		b.Run(map[bool]string{false: "streaming", true: "stalled"}[stalled], func(b *testing.B) {
			var heap float64
			for b.Loop() {
				m, s := benchModel(b)
				ev := runbook.Event{Event: runbook.EvOutput, Step: s.ID}
				push := m.Hooks().Event
				for i := range 1_000_000 {
					ev.Text = setupLog(i)
					push(ev)
					if !stalled && i%10_000 == 9_999 {
						m.drain()
					}
				}
				m.drain()
				heap = liveHeapMB()
				runtime.KeepAlive(m)
			}
			b.ReportMetric(heap, "heap-MB")
			b.ReportMetric(peakRSSMB(), "peak-rss-MB")
		})
	}
}

// liveHeapMB is the heap in use after a collection, in MB.
func liveHeapMB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapInuse) / (1 << 20)
}

// peakRSSMB is the process's peak resident set (VmHWM), in MB; 0 where
// /proc is not there.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}
