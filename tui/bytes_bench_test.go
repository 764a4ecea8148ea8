package tui

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	uv "github.com/charmbracelet/ultraviolet"

	"cmsrunbook/runbook"
)

// The honest terminal-bytes measurement (DESIGN section 10): the real
// program (Run's own loop, Bubble Tea's renderer writing to a counting
// writer, 120x40, 256 colours) fed Setup-like output at a fixed rate, next
// to the same screen through Bubble Tea's renderer with scroll
// optimisation off (what GOOS=windows gets), a naive Bubble Tea design
// and a plain line printer, in the same run. Bytes per second depend on
// the frames, not on the machine's speed (a starved machine draws fewer
// frames, so fewer bytes: the safe direction).

// setupLog is a line shaped like ExchangeSetup.log: varied message shapes
// of 40 to 250 characters, a timestamp that moves every 17 lines.
func setupLog(i int) string {
	ts := fmt.Sprintf("[%02d/%02d/2008 %02d:%02d:%02d] [1] ", 7, 14, 10+i/17/3600%12, i/17/60%60, i/17%60)
	switch i % 14 {
	case 0:
		return ts + fmt.Sprintf("Executing: \"Install-MailboxRole -DomainController 'DC01.contoso.local' -ClusteredMailboxServerName 'EXCMS%02d'\"", i%7)
	case 1:
		return ts + fmt.Sprintf("Copying file 'C:\\Program Files\\Microsoft\\Exchange Server\\Bin\\Microsoft.Exchange.Data.Storage%04d.dll'.", i%9973)
	case 2:
		return ts + fmt.Sprintf("Registry key 'HKLM\\SOFTWARE\\Microsoft\\Exchange\\v8.0\\MailboxRole' value 'ConfiguredVersion' set to '8.%d.%d.3'.", i%4, i%900)
	case 3:
		return ts + "Active Directory session settings for 'Install-MailboxRole' are: View Entire Forest: 'True', Configuration Domain Controller: 'DC01.contoso.local', Preferred Global Catalog: 'DC01.contoso.local'"
	case 4:
		return ts + fmt.Sprintf("MSI action 'InstallFiles' progress %d of 4127.", i%4127)
	case 5:
		return ts + fmt.Sprintf("Ending processing. GUID {%08X-3A1F-4C2B-9D1E-%012X}", uint32(i*2654435761), i*40503)
	case 6:
		return ts + "Beginning processing."
	case 7:
		return ts + fmt.Sprintf("The operation completed in %d.%03d seconds.", i%60, i%1000)
	case 8:
		return ts + fmt.Sprintf("Processing component 'Mailbox Service Configuration' (task %d of 212).", i%212)
	case 9:
		return ts + fmt.Sprintf("Service 'MSExchangeIS' state is 'Stopped'; waiting %d ms.", 250*(i%8))
	case 10:
		return ts + fmt.Sprintf("Updating performance counters in 'C:\\Program Files\\Microsoft\\Exchange Server\\Setup\\Perf\\ExchangeStorePerf%03d.xml'. Counter category 'MSExchangeIS Mailbox' rebuilt with 184 counters; previous category removed.", i%500)
	case 11:
		return ts + "Setup previously failed while performing the action \"BuildToBuildUpgrade\". You cannot resume setup by performing the action \"Install\"."
	case 12:
		return ts + fmt.Sprintf("Loaded %d of 57 cmdlet configuration entries.", i%57)
	default:
		return ts + fmt.Sprintf("Verifying: RMS shared identity user account (%d).", i)
	}
}

// replica is Bubble Tea v2.0.10's frame pipeline (cursed_renderer.flush:
// the view drawn into a cell buffer, diffed and flushed by ultraviolet's
// terminal renderer, alt screen, absolute cursor, no hard tabs) with
// scroll optimisation set as asked: off is the Windows renderer, which
// cannot be chosen on Linux through Bubble Tea's options.
type replica struct {
	w    countingWriter
	scr  *uv.TerminalRenderer
	buf  uv.ScreenBuffer
	last string
}

func newReplica(w, h int, scroll bool) *replica {
	r := &replica{buf: uv.NewScreenBuffer(w, h)}
	r.scr = uv.NewTerminalRenderer(&r.w, []string{"TERM=xterm-256color"})
	r.scr.SetColorProfile(colorprofile.ANSI256)
	r.scr.SetTabStops(-1)
	r.scr.SetScrollOptim(scroll)
	r.scr.Resize(w, h)
	r.scr.SaveCursor()
	r.scr.SetFullscreen(true)
	r.scr.SetRelativeCursor(false)
	r.scr.Erase()
	return r
}

// frame draws one view; an unchanged view costs nothing, as in Bubble Tea.
func (r *replica) frame(content string) {
	if content == r.last {
		return
	}
	r.last = content
	r.buf.Clear()
	uv.NewStyledString(content).Draw(r.buf, r.buf.Bounds())
	r.scr.Render(r.buf.RenderBuffer)
	_ = r.scr.Flush()
}

// tapped runs a model and shows the views it draws to replicas too, at
// Bubble Tea's pace: the latest view once per frame (FPS), from a
// goroutine that start owns and that ends with ctx.
type tapped struct {
	inner  tea.Model
	taps   []*replica
	mu     sync.Mutex
	latest string
	done   chan struct{}
}

func (t *tapped) Init() tea.Cmd { return t.inner.Init() }

func (t *tapped) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := t.inner.Update(msg)
	return t, cmd
}

func (t *tapped) View() tea.View {
	v := t.inner.View()
	t.mu.Lock()
	t.latest = v.Content
	t.mu.Unlock()
	return v
}

// start draws the latest view to the replicas once per frame until ctx
// ends; wait returns once the goroutine has.
func (t *tapped) start(ctx context.Context) {
	t.done = make(chan struct{})
	go func() {
		defer close(t.done)
		tick := time.NewTicker(time.Second / FPS)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				t.mu.Lock()
				c := t.latest
				t.mu.Unlock()
				for _, r := range t.taps {
					r.frame(c)
				}
			}
		}
	}()
}

func (t *tapped) wait() { <-t.done }

// byteRates is what one design wrote per second while the lines streamed.
type byteRates struct {
	real, replicaLinux, windows float64 // bytes per second
	printer                     float64 // what a line printer writes per second
	lines                       int
}

// streamer offers lines at a fixed rate for d and counts the bytes each
// writer received meanwhile.
type streamer struct {
	rate    int
	d       time.Duration
	writers []*atomic.Int64
	before  []int64
	rates   []float64
	printed int64
	sent    int
}

func (s *streamer) run(ctx context.Context, send func(string)) {
	for _, w := range s.writers {
		s.before = append(s.before, w.Load())
	}
	t0 := time.Now()
	for ctx.Err() == nil {
		el := time.Since(t0)
		if el >= s.d {
			break
		}
		for want := int(float64(s.rate) * el.Seconds()); s.sent < want; s.sent++ {
			l := setupLog(s.sent)
			s.printed += int64(len(l) + 2) // the line and CRLF
			send(l)
		}
		time.Sleep(5 * time.Millisecond)
	}
	secs := time.Since(t0).Seconds()
	for i, w := range s.writers {
		s.rates = append(s.rates, float64(w.Load()-s.before[i])/secs)
	}
	s.printed = int64(float64(s.printed) / secs)
}

// measurePane runs the runbook screen (Run's loop) at 120x40 with Setup
// output arriving at rate lines/s for d.
func measurePane(tb testing.TB, rate int, d time.Duration) byteRates {
	tb.Helper()
	sc, plan := loadScenario(tb, "ccr-2003-sp2")
	m := New(Options{Plan: plan, Cluster: sc.Cluster})
	m.dialogs = nil // no findings panel over the output pane
	lin, win := newReplica(120, 40, true), newReplica(120, 40, false)
	real := &countingWriter{}
	st := &streamer{rate: rate, d: d, writers: []*atomic.Int64{&real.n, &lin.w.n, &win.w.n}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run := func(ectx context.Context, h Hooks) (int, error) {
		s := plan.Steps[3]
		h.Event(runbook.Event{Event: runbook.EvStepStarted, Step: s.ID, Kind: s.Kind, Node: s.Node, Attempt: 1, Commands: s.Commands})
		time.Sleep(300 * time.Millisecond) // the first frames: the whole screen
		st.run(ectx, func(l string) {
			h.Event(runbook.Event{Event: runbook.EvOutput, Step: s.ID, Kind: s.Kind, Node: s.Node, Text: l})
		})
		cancel()
		return 0, nil
	}
	inR, inW := io.Pipe()
	defer inW.Close()
	tap := &tapped{inner: m, taps: []*replica{lin, win}}
	tap.start(ctx)
	defer tap.wait()
	if _, err := runWith(ctx, tap, m, run, "the feeder", "", []tea.ProgramOption{
		tea.WithInput(inR), tea.WithOutput(real), tea.WithWindowSize(120, 40), tea.WithoutSignalHandler(),
		tea.WithColorProfile(colorprofile.ANSI256), tea.WithEnvironment([]string{"TERM=xterm-256color"})}); err != nil {
		tb.Fatal(err)
	}
	return byteRates{real: st.rates[0], replicaLinux: st.rates[1], windows: st.rates[2], printer: float64(st.printed), lines: st.sent}
}

// naiveModel is the design the pane is measured against: every line is a
// message, and Update hands the whole log to a bubbles viewport.
type naiveModel struct {
	vp  viewport.Model
	all []string
}

type naiveLine string

func (n *naiveModel) Init() tea.Cmd { return nil }

func (n *naiveModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case naiveLine:
		n.all = append(n.all, string(msg))
		n.vp.SetContent(strings.Join(n.all, "\n"))
		n.vp.GotoBottom()
	case tea.KeyPressMsg:
		return n, tea.Quit
	}
	return n, nil
}

func (n *naiveModel) View() tea.View {
	v := tea.NewView("Output of step 4 (" + fmt.Sprint(len(n.all)) + " lines)\n" + n.vp.View())
	v.AltScreen = true
	return v
}

// measureNaive runs the naive design at 120x40 with the same feed.
func measureNaive(tb testing.TB, rate int, d time.Duration) byteRates {
	tb.Helper()
	n := &naiveModel{vp: viewport.New(viewport.WithWidth(120), viewport.WithHeight(39))}
	lin, win := newReplica(120, 40, true), newReplica(120, 40, false)
	real := &countingWriter{}
	st := &streamer{rate: rate, d: d, writers: []*atomic.Int64{&real.n, &lin.w.n, &win.w.n}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inR, inW := io.Pipe()
	defer inW.Close()
	tap := &tapped{inner: n, taps: []*replica{lin, win}}
	tap.start(ctx)
	defer tap.wait()
	p := tea.NewProgram(tap, tea.WithContext(ctx), tea.WithFPS(FPS),
		tea.WithInput(inR), tea.WithOutput(real), tea.WithWindowSize(120, 40), tea.WithoutSignalHandler(),
		tea.WithColorProfile(colorprofile.ANSI256), tea.WithEnvironment([]string{"TERM=xterm-256color"}))
	go func() {
		time.Sleep(300 * time.Millisecond)
		st.run(ctx, func(l string) { p.Send(naiveLine(l)) })
		cancel()
	}()
	_, _ = p.Run()
	return byteRates{real: st.rates[0], replicaLinux: st.rates[1], windows: st.rates[2], printer: float64(st.printed), lines: st.sent}
}

// BenchmarkTerminalBytes is bytes/s written to the terminal at 120x40 in
// colour while Setup output streams at 30, 300 and 1,000 lines/s for 3 s
// each, and idle, on the Linux renderer (the real program) and the
// Windows one, with the ratios to a line printer and to the naive design
// in the same run. Budget: at most 10 KB/s at 300 lines/s on both; at least 20x fewer
// bytes than the printer at 1,000 lines/s. Run it with -benchtime 1x:
// each round streams for seconds.
func BenchmarkTerminalBytes(b *testing.B) {
	b.Run("idle", func(b *testing.B) {
		// No output: the clocks and the frame ticks alone (a person
		// reading a confirmation dialog).
		var pane byteRates
		for range b.N {
			pane = measurePane(b, 0, 3*time.Second)
		}
		b.ReportMetric(pane.real, "linux-B/s")
		b.ReportMetric(pane.windows, "windows-B/s")
		b.ReportMetric(0, "ns/op")
	})
	for _, rate := range []int{30, 300, 1000} {
		b.Run(fmt.Sprintf("rate=%d", rate), func(b *testing.B) {
			var pane, naive byteRates
			for range b.N {
				pane = measurePane(b, rate, 3*time.Second)
				naive = measureNaive(b, rate, 3*time.Second)
			}
			b.ReportMetric(pane.real, "linux-B/s")
			b.ReportMetric(pane.windows, "windows-B/s")
			b.ReportMetric(pane.replicaLinux, "replica-linux-B/s")
			b.ReportMetric(pane.printer, "printer-B/s")
			b.ReportMetric(naive.real, "naive-linux-B/s")
			b.ReportMetric(naive.windows, "naive-windows-B/s")
			b.ReportMetric(pane.printer/pane.real, "x-printer-linux")
			b.ReportMetric(pane.printer/pane.windows, "x-printer-windows")
			b.ReportMetric(naive.real/pane.real, "x-naive-linux")
			b.ReportMetric(naive.windows/pane.windows, "x-naive-windows")
			b.ReportMetric(0, "ns/op")
		})
	}
}
