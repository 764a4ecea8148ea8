package report

import (
	"strings"
	"testing"
	"time"

	"cmsrunbook/runbook"
)

// TestRunMarkdownSignOff: what a change board signs besides the steps:
// the SIMULATION or LIVE CLUSTER banner, a deliberate stop told apart
// from a crash, a re-attach that is not a retry, one time format, the
// planned window beside the actual one, the backout and the follow-ups.
func TestRunMarkdownSignOff(t *testing.T) {
	t.Run("simulated success", func(t *testing.T) {
		evs := successfulRun()
		evs[0].Options = map[string]string{"mode": "sim", "window-start": "2026-11-28T22:00:00+01:00", "window-end": "2026-11-28T22:15:00+01:00"}
		doc := markdown(t, evs)
		mustContain(t, doc, "# Change record: Exchange 2007 SP2 on EXCLUS01\n\n> **SIMULATION",
			"| Start | 2026-11-28 22:00:00 +01:00 | 2026-11-28 22:00:00 +01:00 |",
			"| End | 2026-11-28 22:15:00 +01:00 | 2026-11-28 22:27:",
			"**after the planned end**", "| Duration | 15m 00s | 27m",
			"| User-visible outage | - | 1m 30s |",
			"No backout needed: the run succeeded. To return to the previous build: not supported by a service pack (uninstall is not possible)",
			"- Warning mgmt-tools-version: The management tools are RTM.")
		if strings.Contains(doc, "LIVE CLUSTER") {
			t.Error("a simulation reads as a live cluster")
		}
	})
	t.Run("live, stopped by a signal, nodes paused", func(t *testing.T) {
		b := newRun()
		b.start().Options = map[string]string{"mode": "real"}
		b.step(1, "", runbook.EvStepSucceeded, 2*time.Second, runbook.Event{})
		b.after(time.Second).add(runbook.Event{Event: runbook.EvRunInterrupted, Message: "interrupted by SIGINT"})
		doc := markdown(t, b.events)
		mustContain(t, doc, "> **LIVE CLUSTER", "**INTERRUPTED**: a deliberate stop, not a crash", "(interrupted by SIGINT)",
			"| Planned | Actual |", "| Start | not recorded | 2026-11-28 22:00:00 +01:00 |",
			"cluster.exe node EXNODE02 /resume", "The run was stopped before it finished (interrupted by SIGINT)")
	})
	t.Run("crash", func(t *testing.T) {
		doc := markdown(t, crashedRun())
		mustContain(t, doc, "**INTERRUPTED**: a crash, not a deliberate stop", "The journal ends without a finish")
	})
	t.Run("re-attach and manual fallback", func(t *testing.T) {
		b := newRun()
		b.start()
		b.step(1, "", runbook.EvStepSucceeded, 2*time.Second, runbook.Event{})
		b.step(2, "", runbook.EvStepFailed, time.Minute, runbook.Event{Diagnosis: &runbook.Diagnosis{Code: "connection-lost", Message: "dropped"}})
		b.add(runbook.Event{Event: runbook.EvDecision, Step: "s02-setup-upgrade-EXNODE02", Choice: "retry", By: `EXAMPLE\exadmin`})
		b.after(time.Minute).add(runbook.Event{Event: runbook.EvStepStarted, Step: "s02-setup-upgrade-EXNODE02", Attempt: 1, Job: "j1",
			Message: "re-attaching to job j1 on EXNODE02 (not started again)"})
		b.after(time.Minute).add(runbook.Event{Event: runbook.EvStepSucceeded, Step: "s02-setup-upgrade-EXNODE02"})
		b.step(4, "EXCMS01", runbook.EvStepSucceeded, time.Minute, runbook.Event{Manual: true})
		after := exclus("EXNODE02", sp2, sp2)
		after.Node("EXNODE01").State = runbook.NodePaused
		b.add(runbook.Event{Event: runbook.EvRunFinished, Status: runbook.RunFailed, Cluster: after})
		doc := markdown(t, b.events)
		mustContain(t, doc, "| re-attach | 2 (s02-setup-upgrade-EXNODE02) | - | re-attaching to job j1 on EXNODE02 (not started again) |",
			"| decision | 2 (s02-setup-upgrade-EXNODE02) | EXAMPLE\\\\exadmin | chose retry |",
			"Left Paused: EXNODE01. To let them own groups again, resume them: `cluster.exe node EXNODE01 /resume`.",
			"- Step 4 ran its manual fallback: check Get-ClusteredMailboxServerStatus and mount dismounted databases.",
			"- Nodes left Paused: EXNODE01")
		if strings.Contains(doc, "| retry | 2") {
			t.Error("a re-attach is reported as a retry")
		}
	})
}

// TestRunMarkdownOneTimeFormat: every time in the record has its date and
// the offset of the run's first event, even one recorded in UTC.
func TestRunMarkdownOneTimeFormat(t *testing.T) {
	evs := retriedRun()
	evs[len(evs)-1].Time = "2026-11-28T21:30:00.000Z"
	doc := markdown(t, evs)
	mustContain(t, doc, "| Finished | 2026-11-28 22:30:00 +01:00 |")
	for _, line := range strings.Split(doc, "\n") {
		if strings.Contains(line, "+00:00") || strings.Contains(line, "Z |") {
			t.Errorf("a time in another offset: %s", line)
		}
	}
}
