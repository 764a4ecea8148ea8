package remote_test

import (
	"context"
	"testing"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/remote"
	"cmsrunbook/runbook"
)

// BenchmarkRoundTrip compares one short command over WinRM (the
// emulator on loopback, a shell per command as on a real node) with the
// same command run in-process by the simulator.
func BenchmarkRoundTrip(b *testing.B) {
	w := serve(b, config.DefaultScenario, worldOpts{})
	cmd := runbook.Command{Node: "EXNODE01", Line: "cluster.exe node"}
	ctx := context.Background()
	b.Run("winrm", func(b *testing.B) {
		for b.Loop() {
			if _, err := w.exec.Run(ctx, cmd, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("in-process", func(b *testing.B) {
		for b.Loop() {
			if _, err := w.sim.Run(ctx, cmd, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDiscovery is the DESIGN section 10 budget: discovering the
// 8-node SCC (nodes in parallel) takes under 1.5x discovering one node.
// latency=0 measures only the loopback emulator's CPU (client and server
// share this process's cores); latency=20ms gives every script the node-side
// time a real node spends in powershell.exe and WMI, which is what running
// the nodes in parallel saves.
func BenchmarkDiscovery(b *testing.B) {
	for _, lat := range []time.Duration{0, 20 * time.Millisecond} {
		b.Run("latency="+lat.String(), func(b *testing.B) { benchDiscovery(b, lat) })
	}
}

func benchDiscovery(b *testing.B, latency time.Duration) {
	w := serve(b, "scc-8node-2cms-sp3", worldOpts{})
	w.sv.Backend.ScriptLatency = latency
	one := *w.inv
	one.Nodes = one.Nodes[:1]
	ex1, err := remote.New(&one, remote.Options{Password: testPass})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		name string
		ex   *remote.Executor
	}{{"nodes=1", ex1}, {"nodes=8", w.exec}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.ex.Observe(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
