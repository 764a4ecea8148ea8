package remote_test

import (
	"context"
	"testing"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/headless"
	"cmsrunbook/runbook"
)

// runWindow runs the scenario's whole plan through the WinRM executor
// with --yes, the simulator's clock as the engine's clock.
func runWindow(t *testing.T, w *world, of headless.OnFailure) (runbook.RunStatus, []runbook.Event) {
	t.Helper()
	obs, err := w.exec.Observe(context.Background())
	if err != nil {
		t.Fatalf("Observe: %v", err)
	}
	plan, err := runbook.MakePlan(obs.Cluster, w.inv.Options)
	if err != nil {
		t.Fatal(err)
	}
	var evs []runbook.Event
	eng := engine.New(engine.Config{Exec: w.exec, Clock: w.sim, Confirmer: headless.Auto{OnFailure: of},
		Emit: func(ev runbook.Event) error { evs = append(evs, ev); return nil }, RunID: "rtest", Options: w.inv.Options})
	st, err := eng.Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	return st, evs
}

func TestWholeWindowOverWinRM(t *testing.T) {
	w := serve(t, config.DefaultScenario, worldOpts{})
	st, evs := runWindow(t, w, headless.FailAbort)
	if st != runbook.RunSucceeded {
		for _, ev := range evs {
			if ev.Event != runbook.EvOutput {
				t.Logf("%s %s %s %s", ev.Event, ev.Step, ev.Reason, ev.Message)
			}
			if ev.Diagnosis != nil {
				t.Logf("  diagnosis %s: %s", ev.Diagnosis.Code, ev.Diagnosis.Message)
			}
		}
		t.Fatalf("status %s", st)
	}
	snap := w.sim.Snapshot()
	for _, n := range snap.Cluster.Nodes {
		if n.State != runbook.NodeUp {
			t.Errorf("%s is %s after the window", n.Name, n.State)
		}
	}
}

func TestWholeWindowStartsSetupOncePerNode(t *testing.T) {
	w := serve(t, config.DefaultScenario, worldOpts{})
	st, evs := runWindow(t, w, headless.FailAbort)
	if st != runbook.RunSucceeded {
		t.Fatalf("status %s", st)
	}
	ok, out := 0, 0
	want := map[string]int{}
	for _, ev := range evs {
		if ev.Event == runbook.EvStepStarted && (ev.Kind == runbook.KindSetupUpgrade || ev.Kind == runbook.KindUpgradeCMS) {
			want[ev.Node]++
		}
		switch ev.Event {
		case runbook.EvStepSucceeded:
			ok++
		case runbook.EvOutput:
			out++
		}
	}
	if ok < 10 || out == 0 {
		t.Fatalf("%d steps succeeded, %d output lines: the window did not really run", ok, out)
	}
	for _, n := range w.sc.Cluster.Nodes {
		if got := w.sim.SetupStarts(n.Name); got != want[n.Name] || got == 0 {
			t.Errorf("Setup started %d times on %s, the engine started %d Setup steps", got, n.Name, want[n.Name])
		}
	}
}
