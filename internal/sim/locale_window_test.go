package sim_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/sim"
	"cmsrunbook/runbook"
)

// yes confirms every step, as sim --headless --yes does, and aborts at the
// first failure (--on-failure abort): a localized window must need no
// second chance.
type yes struct{}

func (yes) Confirm(_ context.Context, s runbook.Step) (engine.Confirmation, error) {
	c := engine.Confirmation{Answer: engine.AnswerRun, By: "--yes"}
	if s.Confirm == runbook.ConfirmTyped {
		c.Typed = s.CMS
	}
	return c, nil
}

func (yes) Decide(context.Context, runbook.Step, runbook.Diagnosis, int) (engine.Decision, error) {
	return engine.Decision{Action: runbook.RemedyAbort, By: "--yes --on-failure abort"}, nil
}

// window runs a scenario's whole plan through the engine on the simulator
// at --speed max and returns how it ended and what it emitted.
func window(t *testing.T, sc *config.Scenario) (runbook.RunStatus, []runbook.Event, *sim.Sim) {
	t.Helper()
	plan, err := runbook.MakePlan(sc.Cluster, sc.Options)
	if err != nil {
		t.Fatal(err)
	}
	s := sim.New(sc, sim.Options{Speed: math.Inf(1), Seed: 1})
	var events []runbook.Event
	eng := engine.New(engine.Config{Exec: s, Clock: s, Confirmer: yes{}, RunID: "t", Options: sc.Options,
		Emit: func(ev runbook.Event) error { events = append(events, ev); return nil }})
	status, err := eng.Run(context.Background(), plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	return status, events, s
}

// jobText is the output the engine streamed for the steps of one kind.
func jobText(events []runbook.Event, kind runbook.StepKind) string {
	var b strings.Builder
	for _, ev := range events {
		if ev.Event == runbook.EvOutput && ev.Kind == kind {
			b.WriteString(ev.Text + "\n")
		}
	}
	return b.String()
}

// Every embedded scenario on a localized cluster runs end to end to
// "succeeded" with no step failing: Setup.com's and cluster.exe's words in
// Japanese, Portuguese or Italian are read (or not needed), never taken for
// a failure or left "incomplete" to be retried.
func TestLocalizedScenariosSucceed(t *testing.T) {
	cases := map[string]runbook.SetupWords{
		"ccr-2003-rollup-ja": {}, // msiexec: its exit code decides
		"ccr-2003-sp2-ja":    runbook.SetupLanguages["ja-JP"],
		"ccr-2003-sp2-pt-br": runbook.SetupLanguages["pt-BR"],
		"scc-3node-sp2-it":   runbook.SetupLanguages["it-IT"],
	}
	seen := map[string]bool{}
	for name, words := range cases {
		t.Run(name, func(t *testing.T) {
			sc, err := config.ResolveScenario(assets.Scenarios, name)
			if err != nil {
				t.Fatal(err)
			}
			seen[sc.Cluster.OS.Locale] = true
			status, events, s := window(t, sc)
			for _, ev := range events {
				if ev.Event == runbook.EvStepFailed {
					t.Errorf("%s failed: %s %s", ev.Step, ev.Diagnosis.Code, ev.Diagnosis.Message)
				}
			}
			if status != runbook.RunSucceeded {
				t.Fatalf("the window ended %s", status)
			}
			obs, err := s.Observe(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if bad := runbook.Invariants(&obs.Cluster, sc.Options); len(bad) > 0 {
				t.Errorf("succeeded but: %v", bad)
			}
			if words.Success == "" {
				return
			}
			// The Setup the engine read spoke the node's language.
			for _, kind := range []runbook.StepKind{runbook.KindSetupUpgrade, runbook.KindUpgradeCMS} {
				out := jobText(events, kind)
				if !strings.Contains(out, words.Success) || !strings.Contains(out, words.Completed) || strings.Contains(out, "COMPLETED") {
					t.Errorf("%s output is not in the node's language:\n%s", kind, out)
				}
				if c := runbook.ClassifySetup(out, 0); c.Outcome != runbook.OutcomeSuccess {
					t.Errorf("%s output classified %s: %s", kind, c.Outcome, c.Summary)
				}
			}
		})
	}
	for _, l := range []string{"ja-JP", "pt-BR", "it-IT"} {
		if !seen[l] {
			t.Errorf("no embedded scenario runs on a %s cluster", l)
		}
	}
}

// localized is a two-node CCR from SP1 to SP2 whose nodes speak locale;
// extra is appended to the scenario (faults, outputs).
func localized(t *testing.T, locale, extra string) *config.Scenario {
	t.Helper()
	src := `name: loc
title: Localized CCR
description: A localized two-node CCR.
goal: exchange-sp2
locale: ` + locale + `
management_host: {os: windows-server-2003, exchange_tools: sp2}
cluster: {name: EXCLUS01, type: ccr, os: windows-server-2003, os_sp: 2}
nodes:
  - {name: EXNODE01, exchange: 8.1.240.6}
  - {name: EXNODE02, exchange: 8.1.240.6}
groups:
  - {name: Cluster Group, owner: EXNODE02}
  - {name: EXCMS01, owner: EXNODE01, cms: true}
media: 'D:\Exchange2007SP2'
` + extra
	sc, err := config.ParseScenario("loc.yaml", []byte(src), func(rel string) ([]byte, error) {
		return []byte(germanSetup), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// A Setup that fails on a localized node fails the step with the
// setup-failed diagnosis quoting its localized lines: the FAILED step in
// the node's words, the error line under it and the verdict lines.
func TestLocalizedSetupFailureIsDiagnosed(t *testing.T) {
	for _, fault := range []string{"setup-fails", "setup-fails-after-copy"} {
		for _, locale := range []string{"ja-JP", "pt-BR", "it-IT"} {
			t.Run(locale+"/"+fault, func(t *testing.T) {
				w := runbook.SetupLanguages[locale]
				sc := localized(t, locale, "faults:\n  - {step: setup-upgrade, node: EXNODE02, kind: "+fault+", times: 1}\n")
				status, events, _ := window(t, sc)
				if status == runbook.RunSucceeded {
					t.Fatal("a failed Setup let the window succeed")
				}
				var d *runbook.Diagnosis
				for _, ev := range events {
					if ev.Event == runbook.EvStepFailed {
						d = ev.Diagnosis
						break
					}
				}
				if d == nil || d.Code != runbook.DiagSetupFailed {
					t.Fatalf("first failure %+v, want setup-failed", d)
				}
				quoted := strings.Join(d.Lines, "\n")
				for _, want := range []string{"......................... " + w.Failed, w.NotDone, w.Encountered} {
					if !strings.Contains(quoted, want) {
						t.Errorf("the diagnosis does not quote %q:\n%s", want, quoted)
					}
				}
				if !strings.Contains(d.Message, "Setup.com reported failure: ") {
					t.Errorf("diagnosis message %q", d.Message)
				}
			})
		}
	}
}

// germanSetup is a Setup.com transcript in a language the runbook knows no
// words of: it says nothing the classifier can read.
const germanSetup = `Willkommen beim unbeaufsichtigten Setup von Microsoft Exchange Server 2007
Exchange-Setup wird vorbereitet
    Überprüfungen der Postfachfunktion ......................... ABGESCHLOSSEN
    Postfachserverfunktion           ......................... ABGESCHLOSSEN
Der Microsoft Exchange Server-Setupvorgang wurde erfolgreich abgeschlossen.
`

// A Setup whose words we cannot read and which exits 0 is decided by the
// node's state: the window goes on when the node reached the target build
// with no watermark, and the step fails (setup-failed, with what the state
// shows) when Setup left the node on its old build.
func TestUnreadableSetupIsDecidedByState(t *testing.T) {
	out := func(effect string) string {
		return "outputs:\n  - {step: setup-upgrade, node: EXNODE02, file: de.txt, exit_code: 0, effect: " + effect + "}\n"
	}
	status, events, _ := window(t, localized(t, "ja-JP", out("success")))
	if status != runbook.RunSucceeded {
		for _, ev := range events {
			if ev.Event == runbook.EvStepFailed {
				t.Errorf("%s failed: %s %s", ev.Step, ev.Diagnosis.Code, ev.Diagnosis.Message)
			}
		}
		t.Fatalf("an unreadable Setup that worked ended the window %s", status)
	}
	status, events, _ = window(t, localized(t, "ja-JP", out("failure")+
		"faults:\n  - {step: setup-upgrade, node: EXNODE02, kind: setup-fails, times: 1}\n"))
	if status == runbook.RunSucceeded {
		t.Fatal("an unreadable Setup that failed let the window succeed")
	}
	for _, ev := range events {
		if ev.Event == runbook.EvStepFailed {
			if ev.Diagnosis.Code != runbook.DiagSetupFailed || !strings.Contains(ev.Diagnosis.Message, "EXNODE02 runs") {
				t.Errorf("diagnosis %s %q, want setup-failed naming EXNODE02's build", ev.Diagnosis.Code, ev.Diagnosis.Message)
			}
			return
		}
	}
	t.Error("no step failed")
}
