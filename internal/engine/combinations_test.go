package engine_test

import (
	"context"
	"fmt"
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

// skipper confirms like --yes except that it skips one step (by number)
// and takes --on-failure's remedies after a failure.
type skipper struct {
	auto headless.Auto
	skip int
}

func (k skipper) Confirm(ctx context.Context, s runbook.Step) (engine.Confirmation, error) {
	if s.N == k.skip {
		return engine.Confirmation{Answer: engine.AnswerSkip, By: "tester"}, nil
	}
	return k.auto.Confirm(ctx, s)
}

func (k skipper) Decide(ctx context.Context, s runbook.Step, d runbook.Diagnosis, attempt int) (engine.Decision, error) {
	return k.auto.Decide(ctx, s, d, attempt)
}

// TestNoOutageWithoutAWayBack drives every embedded scenario through the
// simulator with every --on-failure choice and every single skipped step:
// no run may end with a CMS down unless its last failure offered the way
// back (and none may end "succeeded" with a CMS down).
func TestNoOutageWithoutAWayBack(t *testing.T) {
	list, err := config.ListScenarios(assets.Scenarios)
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range list {
		sc, err := config.ResolveScenario(assets.Scenarios, info.Name)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := runbook.MakePlan(sc.Cluster, sc.Options)
		if err != nil || len(plan.Steps) == 0 {
			continue
		}
		t.Run(info.Name, func(t *testing.T) {
			t.Parallel()
			for _, of := range []headless.OnFailure{headless.FailAbort, headless.FailRetry, headless.FailManual} {
				for skip := 0; skip <= len(plan.Steps); skip++ {
					checkWayBack(t, sc, of, skip)
				}
			}
		})
	}
}

func checkWayBack(t *testing.T, sc *config.Scenario, of headless.OnFailure, skip int) {
	t.Helper()
	plan, err := runbook.MakePlan(sc.Cluster, sc.Options)
	if err != nil {
		t.Fatal(err)
	}
	s := sim.New(sc, sim.Options{Speed: math.Inf(1), Seed: 1})
	var events []runbook.Event
	eng := engine.New(engine.Config{Exec: s, Clock: s, Confirmer: skipper{headless.Auto{OnFailure: of}, skip}, RunID: "t", Options: sc.Options,
		Emit: func(ev runbook.Event) error { events = append(events, ev); return nil }})
	status, err := eng.Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatalf("%s skip %d: %v", of, skip, err)
	}
	obs, err := s.Observe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	down := runbook.DownCMSs(&obs.Cluster)
	ways := []runbook.RemedyAction{runbook.RemedyStartCMS, runbook.RemedyMoveBack}
	if len(down) == 0 {
		for _, g := range obs.Cluster.CMSs() {
			if g.State == runbook.GroupPartiallyOnline {
				down = append(down, g.Name+" (Partially Online)")
			}
		}
		ways = []runbook.RemedyAction{runbook.RemedyMount}
	}
	if len(down) == 0 {
		return
	}
	where := fmt.Sprintf("--on-failure %s, skipping step %d: the run ended %s with %s down", of, skip, status, strings.Join(down, ", "))
	if status == runbook.RunSucceeded {
		t.Errorf("%s", where)
		return
	}
	var last *runbook.Diagnosis
	for i := range events {
		if events[i].Event == runbook.EvStepFailed {
			last = events[i].Diagnosis
		}
	}
	if last == nil {
		t.Errorf("%s and no failure said so", where)
		return
	}
	for _, r := range last.Remedies {
		for _, w := range ways {
			if r.Action == w {
				return
			}
		}
	}
	t.Errorf("%s; the last failure (%s: %s) offered no way back", where, last.Code, last.Message)
}

// TestSkippedSetupNeverStopsTheCMS: the story of the issue: the passive
// node's Setup skipped, everything else confirmed. The stop is refused by
// the gate before it is sent, so users never go offline.
func TestSkippedSetupNeverStopsTheCMS(t *testing.T) {
	sc, plan, s := window(t, "ccr-2003-sp2")
	setup := 0
	for _, st := range plan.Steps {
		if st.Kind == runbook.KindSetupUpgrade && setup == 0 {
			setup = st.N
		}
	}
	var events []runbook.Event
	eng := engine.New(engine.Config{Exec: s, Clock: s, Confirmer: skipper{headless.Auto{OnFailure: headless.FailRetry}, setup}, RunID: "t", Options: sc.Options,
		Emit: func(ev runbook.Event) error { events = append(events, ev); return nil }})
	status, err := eng.Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if status != runbook.RunAborted {
		t.Errorf("status %s", status)
	}
	for _, ev := range events {
		if ev.Event == runbook.EvOutageStarted || ev.Event == runbook.EvStepStarted && ev.Kind == runbook.KindStopCMS {
			t.Fatalf("the CMS was taken down: %+v", ev)
		}
	}
	last := events[len(events)-1]
	var refused *runbook.Diagnosis
	for i := range events {
		if events[i].Event == runbook.EvStepFailed {
			refused = events[i].Diagnosis
		}
	}
	if refused == nil || refused.Code != runbook.DiagHandoffNotReady || !strings.Contains(refused.Message, "EXNODE02 runs") {
		t.Errorf("last failure %+v (last event %s)", refused, last.Event)
	}
}
