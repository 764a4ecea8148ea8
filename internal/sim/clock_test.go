package sim

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// TestDeterminism: the same seed and the same calls give the same
// transcript, timestamps included.
func TestDeterminism(t *testing.T) {
	sc := load(t, "ccr-2003-sp2")
	var trs []string
	for i := 0; i < 2; i++ {
		s := New(sc, Options{Seed: 42})
		trs = append(trs, driveWindow(t, s, plan(t, sc))+s.Now().String())
	}
	if trs[0] != trs[1] {
		t.Error("two runs with the same seed differ")
	}
}

// TestMaxSpeedNeverWaits: a simulated 30-minute Setup takes well under a
// second of real time.
func TestMaxSpeedNeverWaits(t *testing.T) {
	for _, speed := range []float64{0, math.Inf(1)} {
		sc := load(t, "ccr-2003-sp2")
		sc.Timing.SetupUpgrade = 30 * time.Minute
		s := New(sc, Options{Speed: speed})
		start := time.Now()
		_, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, `Setup.com /mode:upgrade`, "x")
		if real := time.Since(start); real > 5*time.Second { // it would be 30 minutes if it waited
			t.Errorf("speed %v: a 30-minute Setup took %v of real time", speed, real)
		}
		if sim := s.Now().Sub(Epoch); sim < 30*time.Minute || st.Running || st.ExitCode != 0 {
			t.Errorf("speed %v: simulated %v, state %+v", speed, sim, st)
		}
	}
}

// TestFiniteSpeed: at a finite speed Sleep waits the scaled real time, and
// SetSpeed from another goroutine re-plans a wait already under way.
func TestFiniteSpeed(t *testing.T) {
	s := New(load(t, "ccr-2003-sp2"), Options{Speed: 600})
	start := time.Now()
	if err := s.Sleep(context.Background(), 6*time.Second); err != nil {
		t.Fatal(err)
	}
	if real := time.Since(start); real < 8*time.Millisecond {
		t.Errorf("6 s at speed 600 took only %v", real)
	}
	s.SetSpeed(1) // an hour's sleep would take an hour...
	done := make(chan error, 1)
	go func() { done <- s.Sleep(context.Background(), time.Hour) }()
	time.Sleep(20 * time.Millisecond)
	s.SetSpeed(0) // ...until the trainee presses + to max.
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Sleep did not notice the speed change")
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.SetSpeed(1)
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if err := s.Sleep(ctx, time.Hour); err == nil {
		t.Error("a cancelled Sleep returned nil")
	}
}

// TestConcurrentUse drives a window while other goroutines read the world
// and type into the console; run with -race.
func TestConcurrentUse(t *testing.T) {
	sc := load(t, "ccr-2003-sp2")
	s := New(sc, Options{Seed: 3})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				_ = s.Snapshot()
				_ = s.Now()
				_, _ = s.Console(context.Background(), "EXNODE01", "cluster group", func(runbook.OutputLine) { _ = s.Snapshot() })
			}
		}()
	}
	driveWindow(t, s, plan(t, sc))
	close(stop)
	wg.Wait()
}

// BenchmarkWholeWindow is DESIGN section 10's budget: a simulated CCR
// service-pack window at maximum speed, under a second.
func BenchmarkWholeWindow(b *testing.B) {
	sc := load(b, "ccr-2003-sp2")
	p := plan(b, sc)
	b.ReportAllocs()
	for b.Loop() {
		driveWindow(b, New(sc, Options{Seed: 1}), p)
	}
}

// BenchmarkWindowSetupLog is a whole CCR window at maximum speed with a
// replayed Setup log of 1k, 10k and 100k lines on each node's upgrade
// (DESIGN section 10: the cost grows linearly with the log). ns/line is
// the cost per replayed line; flat across sizes means linear.
func BenchmarkWindowSetupLog(b *testing.B) {
	sc := load(b, "ccr-2003-sp2")
	p := plan(b, sc)
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("lines=%d", n), func(b *testing.B) {
			var t strings.Builder
			for i := range n {
				fmt.Fprintf(&t, "[07/14/2008 10:%02d:%02d] [1] Copying file 'C:\\Program Files\\Microsoft\\Exchange Server\\Bin\\file%05d.dll'.\r\n", i/60%60, i%60, i)
			}
			c := *sc
			c.Outputs = append(append([]config.Output(nil), sc.Outputs...),
				config.Output{Step: runbook.KindSetupUpgrade, Text: t.String(), Effect: config.EffectSuccess})
			b.ReportAllocs()
			for b.Loop() {
				driveWindow(b, New(&c, Options{Seed: 1}), p)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(2*n), "ns/line")
		})
	}
}
