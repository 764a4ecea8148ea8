package engine_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/sim"
	"cmsrunbook/runbook"
)

// window builds the default scenario's plan and a simulator at max speed.
func window(t *testing.T, name string) (*config.Scenario, *runbook.Plan, *sim.Sim) {
	t.Helper()
	sc, err := config.ResolveScenario(assets.Scenarios, name)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := runbook.MakePlan(sc.Cluster, sc.Options)
	if err != nil {
		t.Fatal(err)
	}
	return sc, plan, sim.New(sc, sim.Options{Speed: math.Inf(1), Seed: 1})
}

func runEngine(t *testing.T, sc *config.Scenario, plan *runbook.Plan, s *sim.Sim, c engine.Confirmer) (runbook.RunStatus, []runbook.Event) {
	t.Helper()
	var events []runbook.Event
	eng := engine.New(engine.Config{Exec: s, Clock: s, Confirmer: c, RunID: "t", Options: sc.Options,
		Emit: func(ev runbook.Event) error { events = append(events, ev); return nil }})
	status, err := eng.Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	return status, events
}

// TestAlreadyHoldsIsSkipped: an engineer paused the passive node by hand
// before the window; the pause step is not sent again but skipped with the
// reason, and nothing is asked.
func TestAlreadyHoldsIsSkipped(t *testing.T) {
	sc, plan, s := window(t, "ccr-2003-sp2")
	if _, err := s.Console(context.Background(), "EXNODE02", "cluster node EXNODE02 /pause", func(runbook.OutputLine) {}); err != nil {
		t.Fatal(err)
	}
	status, events := runEngine(t, sc, plan, s, headless.Auto{OnFailure: headless.FailAbort})
	if status != runbook.RunSucceeded {
		t.Fatalf("status %s", status)
	}
	for _, ev := range events {
		if ev.Step != "s02-pause-node-EXNODE02" {
			continue
		}
		if ev.Event == runbook.EvStepConfirmed || ev.Event == runbook.EvStepStarted {
			t.Errorf("the pause was confirmed or sent again: %s", ev.Event)
		}
		if ev.Event == runbook.EvStepSkipped && !strings.Contains(ev.Reason, "already holds") {
			t.Errorf("skip reason %q", ev.Reason)
		}
	}
}

// TestUpgradeCMSSkippedIsRefused: a plan edited so the old active node is
// upgraded before /upgradecms is refused by the engine with the
// upgradecms-skipped diagnosis, and nothing is sent for it.
func TestUpgradeCMSSkippedIsRefused(t *testing.T) {
	sc, plan, s := window(t, "ccr-2003-sp2")
	var steps []runbook.Step
	for _, st := range plan.Steps {
		if st.Kind == runbook.KindUpgradeCMS || st.Kind == runbook.KindStartCMS {
			continue // the forgotten /upgradecms of the SiliconExus story
		}
		steps = append(steps, st)
	}
	plan.Steps = steps
	status, events := runEngine(t, sc, plan, s, headless.Auto{OnFailure: headless.FailAbort})
	if status != runbook.RunAborted {
		t.Fatalf("status %s", status)
	}
	var failed *runbook.Event
	for i, ev := range events {
		if ev.Event == runbook.EvStepFailed {
			failed = &events[i]
			break
		}
	}
	if failed == nil || failed.Diagnosis.Code != runbook.DiagUpgradeCMSSkipped || failed.Kind != runbook.KindSetupUpgrade || failed.Node != "EXNODE01" {
		t.Fatalf("failure %+v", failed)
	}
	if n := s.SetupStarts("EXNODE01"); n != 0 {
		t.Errorf("Setup.com started %d times on the old active node", n)
	}
	for _, r := range failed.Diagnosis.Remedies {
		if r.Action == runbook.RemedyRetry || r.Action == runbook.RemedySkip {
			t.Errorf("a guard refusal offers %s", r.Action)
		}
	}
}

// TestPersonSkipsAndAborts: the prompt confirmer's answers are journaled
// as the person's decisions.
func TestPersonSkipsAndAborts(t *testing.T) {
	sc, plan, s := window(t, "ccr-2003-sp2")
	// y to preflight, s to the pause, then anything else aborts.
	in := strings.NewReader("y\ns\nno\n")
	var out strings.Builder
	status, events := runEngine(t, sc, plan, s, headless.NewPrompt(in, &out, "alice"))
	if status != runbook.RunAborted {
		t.Fatalf("status %s", status)
	}
	var seen []string
	for _, ev := range events {
		switch ev.Event {
		case runbook.EvStepConfirmed, runbook.EvStepSkipped, runbook.EvDecision:
			seen = append(seen, string(ev.Event)+":"+ev.Step+":"+ev.By+ev.Choice)
		}
	}
	want := []string{
		"step-confirmed:s01-preflight:alice",
		"decision:s02-pause-node-EXNODE02:aliceskip",
		"step-skipped:s02-pause-node-EXNODE02:alice",
		"decision:s03-move-groups-EXNODE02:aliceabort",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(out.String(), "Run it? [y/N") {
		t.Errorf("no prompt shown:\n%s", out.String())
	}
}
