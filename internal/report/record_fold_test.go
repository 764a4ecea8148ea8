package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"testing"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/report"
	"cmsrunbook/internal/sim"
	"cmsrunbook/runbook"
)

var errCrash = errors.New("the process was killed")

// simulate runs a scenario's window in the simulator as `sim --headless
// --yes --on-failure OF` wires it: run-started and the plan's findings,
// the engine with the --yes confirmer, run-finished with the cluster as
// the run left it. With crashAfter set, the journal stops accepting
// events after the first of that type (a SIGKILL just after it was
// written) and the run is resumed from the folded journal.
func simulate(t *testing.T, name string, of headless.OnFailure, crashAfter runbook.EventType) []runbook.Event {
	t.Helper()
	sc, err := config.ResolveScenario(assets.Scenarios, name)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := runbook.MakePlan(sc.Cluster, sc.Options)
	if err != nil {
		t.Fatal(err)
	}
	s := sim.New(sc, sim.Options{Speed: math.Inf(1), Seed: 1})
	var events []runbook.Event
	crashed := false
	record := func(ev runbook.Event) error {
		if ev.Time == "" {
			ev.Time = engine.Stamp(s.Now())
		}
		ev.Seq = int64(len(events) + 1)
		events = append(events, ev)
		if crashAfter != "" && !crashed && ev.Event == crashAfter {
			crashed = true
			return errCrash
		}
		return nil
	}
	c := sc.Cluster
	_ = record(runbook.Event{Event: runbook.EvRunStarted, Goal: sc.Options.Goal, Source: sc.Name, Operator: "EXAMPLE\\exadmin",
		Options: map[string]string{"mode": "sim", "on-failure": string(of), "yes": "true"}, Digest: plan.Digest(), Plan: plan.Steps, Cluster: &c})
	for i := range plan.Findings {
		f := plan.Findings[i]
		_ = record(runbook.Event{Event: runbook.EvFinding, Finding: &f, Node: f.Node})
	}
	run := func(prog *runbook.RunProgress) (runbook.RunStatus, error) {
		eng := engine.New(engine.Config{Exec: s, Clock: s, Confirmer: headless.Auto{OnFailure: of}, Emit: record, RunID: "t", Options: sc.Options})
		return eng.Run(context.Background(), plan, prog)
	}
	status, err := run(nil)
	if crashed && err != nil {
		_ = record(runbook.Event{Event: runbook.EvRunResumed, Message: "resumed by the test"})
		status, err = run(runbook.Fold(events))
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	fin := runbook.Event{Event: runbook.EvRunFinished, Status: status}
	if obs, err := s.Observe(context.Background()); err == nil {
		fin.Cluster = &obs.Cluster
	}
	_ = record(fin)
	return events
}

// recordJSON is the part of `report --format json` that the reducer
// also knows.
type recordJSON struct {
	Steps []struct {
		ID            string                 `json:"id"`
		Result        string                 `json:"result"`
		Attempts      int                    `json:"attempts"`
		Started       string                 `json:"started"`
		Ended         string                 `json:"ended"`
		Reason        string                 `json:"reason"`
		Manual        bool                   `json:"manual"`
		ExitCode      *int                   `json:"exit_code"`
		Confirmations []runbook.Confirmation `json:"confirmations"`
	} `json:"steps"`
	Outage struct {
		Open    bool `json:"open"`
		Windows []struct {
			Started string `json:"started"`
			Ended   string `json:"ended"`
			Open    bool   `json:"open"`
		} `json:"windows"`
	} `json:"outage"`
	Summary struct {
		Resumes int `json:"resumes"`
	} `json:"summary"`
}

// TestRecordAgreesWithFold: for real simulated windows (clean, retried,
// aborted, manual fallback, killed inside the outage or after a failure
// and resumed), and for every prefix of each journal (a run interrupted
// after any event), the change record says of every step what
// runbook.Fold says.
func TestRecordAgreesWithFold(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range []struct {
		scenario   string
		of         headless.OnFailure
		crashAfter runbook.EventType
	}{
		{"ccr-2003-sp2", headless.FailAbort, ""},
		{"fault-move-refused", headless.FailRetry, ""},
		{"fault-setup-fails", headless.FailAbort, ""},
		{"fault-move-refused", headless.FailManual, ""},
		{"fault-move-late-failure", headless.FailRetry, runbook.EvOutageStarted},
		{"scc-3node-sp2", headless.FailAbort, runbook.EvStepStarted},
		{"fault-setup-fails", headless.FailRetry, runbook.EvStepFailed},
	} {
		t.Run(c.scenario+"/"+string(c.of), func(t *testing.T) {
			events := simulate(t, c.scenario, c.of, c.crashAfter)
			for n := 1; n <= len(events); n++ {
				checkAgrees(t, events[:n], seen)
				if t.Failed() {
					t.Fatalf("the record and the fold disagree after event %d (%s)", n, events[n-1].Event)
				}
			}
		})
	}
	// The journals must have exercised every status, or the check above
	// proves less than it says.
	for _, want := range []string{"succeeded", "failed", "skipped", "started", "not-run", "confirmed", "confirmed after a failure", "outage open", "resumed", "manual"} {
		if !seen[want] {
			t.Errorf("no journal prefix had a step %s", want)
		}
	}
}

func checkAgrees(t *testing.T, events []runbook.Event, seen map[string]bool) {
	t.Helper()
	var buf bytes.Buffer
	if err := report.RunJSON(&buf, events); err != nil {
		t.Fatal(err)
	}
	var rec recordJSON
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	p := runbook.Fold(events)
	failed := map[string]bool{}
	for _, ev := range events {
		if ev.Event == runbook.EvStepFailed {
			failed[ev.Step] = true
		}
	}
	inRecord := map[string]bool{}
	for _, st := range rec.Steps {
		inRecord[st.ID] = true
		sp := p.Step(st.ID)
		seen[string(sp.Status)] = true
		seen["manual"] = seen["manual"] || sp.EverManual
		// Confirmed is not a result: the step keeps its last one.
		want := string(sp.Status)
		if sp.Status == runbook.StepConfirmed {
			want = string(runbook.StepNotRun)
			if failed[st.ID] {
				want = string(runbook.StepFailed)
				seen["confirmed after a failure"] = true
			}
		}
		if st.Result != want || st.Attempts != sp.Attempts || st.Started != sp.Started || st.Ended != sp.Ended ||
			st.Reason != sp.Reason || st.Manual != sp.EverManual || !sameInt(st.ExitCode, sp.ExitCode) ||
			len(st.Confirmations) != len(sp.Confirmations) {
			t.Errorf("step %s: record %s/%d attempts/%s-%s/%q, fold %s/%d attempts/%s-%s/%q",
				st.ID, st.Result, st.Attempts, st.Started, st.Ended, st.Reason, sp.Status, sp.Attempts, sp.Started, sp.Ended, sp.Reason)
		}
	}
	for _, id := range p.Order {
		if !inRecord[id] {
			t.Errorf("step %s is in the fold but not in the record", id)
		}
	}
	if len(rec.Outage.Windows) != len(p.Outages) || rec.Outage.Open != p.OutageOpen {
		t.Fatalf("outage: record %d windows (open %v), fold %d (open %v)", len(rec.Outage.Windows), rec.Outage.Open, len(p.Outages), p.OutageOpen)
	}
	for i, w := range rec.Outage.Windows {
		if o := p.Outages[i]; w.Started != o.Start || w.Ended != o.End || w.Open != o.Open {
			t.Errorf("outage window %d: record %+v, fold %+v", i, w, o)
		}
	}
	if rec.Summary.Resumes != p.Resumes {
		t.Errorf("resumes: record %d, fold %d", rec.Summary.Resumes, p.Resumes)
	}
	seen["outage open"] = seen["outage open"] || p.OutageOpen
	seen["resumed"] = seen["resumed"] || p.Resumes > 0
}

func sameInt(a, b *int) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}
