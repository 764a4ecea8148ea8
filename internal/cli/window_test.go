package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/journal"
	"cmsrunbook/runbook"
)

// outcome is what a headless run of a scenario must end with.
type outcome struct {
	status runbook.RunStatus
	diag   string // the first diagnosis code, "" when nothing fails
}

// expected lists, per fault scenario and --on-failure choice, how the window
// ends. Scenarios not listed must succeed with every choice and no failure.
var expected = map[string]map[string]outcome{
	"block-cms-offline": {"abort": {runbook.RunAborted, "preflight-blocked"}, "retry": {runbook.RunAborted, "preflight-blocked"}, "manual": {runbook.RunAborted, "preflight-blocked"}},
	// Facts that would fail the window inside its outage block it before
	// anything is sent: a Failed copy, a failed witness, a Failed "Cluster
	// Group".
	"block-cluster-group-failed":  {"abort": {runbook.RunAborted, "preflight-blocked"}, "retry": {runbook.RunAborted, "preflight-blocked"}, "manual": {runbook.RunAborted, "preflight-blocked"}},
	"block-replication-unhealthy": {"abort": {runbook.RunAborted, "preflight-blocked"}, "retry": {runbook.RunAborted, "preflight-blocked"}, "manual": {runbook.RunAborted, "preflight-blocked"}},
	"block-witness-failed":        {"abort": {runbook.RunAborted, "preflight-blocked"}, "retry": {runbook.RunAborted, "preflight-blocked"}, "manual": {runbook.RunAborted, "preflight-blocked"}},
	"block-node-down":             {"abort": {runbook.RunAborted, "preflight-blocked"}, "retry": {runbook.RunAborted, "preflight-blocked"}, "manual": {runbook.RunAborted, "preflight-blocked"}},
	"block-os-sp1":                {"abort": {runbook.RunAborted, "preflight-blocked"}, "retry": {runbook.RunAborted, "preflight-blocked"}, "manual": {runbook.RunAborted, "preflight-blocked"}},
	"fault-auth-failure":          {"abort": {runbook.RunAborted, "auth-failed"}, "retry": {runbook.RunSucceeded, "auth-failed"}, "manual": {runbook.RunSucceeded, "auth-failed"}},
	"fault-connection-drop":       {"abort": {runbook.RunAborted, "connection-lost"}, "retry": {runbook.RunSucceeded, "connection-lost"}, "manual": {runbook.RunSucceeded, "connection-lost"}},
	"fault-group-move-fails":      {"abort": {runbook.RunAborted, "group-move-failed"}, "retry": {runbook.RunSucceeded, "group-move-failed"}, "manual": {runbook.RunSucceeded, "group-move-failed"}},
	"fault-move-late-failure":     {"abort": {runbook.RunAborted, "cms-databases-dismounted"}, "retry": {runbook.RunSucceeded, "cms-databases-dismounted"}, "manual": {runbook.RunSucceeded, "cms-databases-dismounted"}},
	"fault-move-refused":          {"abort": {runbook.RunAborted, "cms-move-failed"}, "retry": {runbook.RunSucceeded, "cms-move-failed"}, "manual": {runbook.RunSucceeded, "cms-move-failed"}},
	// No manual fallback exists for a pause or for Setup: --on-failure
	// manual stops there, as it must.
	"fault-pause-fails":    {"abort": {runbook.RunAborted, "node-not-paused"}, "retry": {runbook.RunSucceeded, "node-not-paused"}, "manual": {runbook.RunAborted, "node-not-paused"}},
	"fault-reboot-timeout": {"abort": {runbook.RunAborted, "reboot-timeout"}, "retry": {runbook.RunSucceeded, "reboot-timeout"}, "manual": {runbook.RunSucceeded, "reboot-timeout"}},
	"fault-setup-fails":    {"abort": {runbook.RunAborted, "setup-failed"}, "retry": {runbook.RunSucceeded, "setup-failed"}, "manual": {runbook.RunAborted, "setup-failed"}},
	// The new file version is no upgrade: the step stays failed until a
	// retry resumes Setup from its watermark.
	"fault-setup-fails-after-copy": {"abort": {runbook.RunAborted, "setup-failed"}, "retry": {runbook.RunSucceeded, "setup-failed"}, "manual": {runbook.RunAborted, "setup-failed"}},
	// Setup says success, the CMS is Partially Online: mounting the
	// database (retry and manual both take the mount) ends the outage.
	"fault-upgradecms-partially-online": {"abort": {runbook.RunAborted, "cms-databases-dismounted"}, "retry": {runbook.RunSucceeded, "cms-databases-dismounted"}, "manual": {runbook.RunSucceeded, "cms-databases-dismounted"}},
}

// TestEveryScenarioHeadless runs every embedded scenario end to end in the
// simulator at --speed max with each --on-failure choice and asserts the
// outcome from the journal: the status, the first diagnosis, and for a
// finished window the cluster's end state.
func TestEveryScenarioHeadless(t *testing.T) {
	list, err := config.ListScenarios(assets.Scenarios)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, s := range list {
		if s.Name == "block-windows-2008" {
			continue // never planned; see TestWindows2008IsRefused
		}
		sc, err := config.ResolveScenario(assets.Scenarios, s.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, of := range []string{"abort", "retry", "manual"} {
			t.Run(s.Name+"/"+of, func(t *testing.T) {
				want, ok := expected[s.Name][of]
				if !ok {
					want = outcome{runbook.RunSucceeded, ""}
				}
				jp := filepath.Join(dir, s.Name+"-"+of+".jsonl")
				code, out, stderr := run(t, "sim", "--headless", "--yes", "--speed", "max", "--scenario", s.Name, "--on-failure", of, "--journal", jp, "--quiet")
				wantCode := 0
				if want.status != runbook.RunSucceeded {
					wantCode = 1
				}
				if code != wantCode {
					t.Fatalf("exit %d, want %d\n%s\n%s", code, wantCode, out, stderr)
				}
				rep, err := journal.Read(jp)
				if err != nil || rep.Torn {
					t.Fatalf("journal: %v torn=%v", err, rep.Torn)
				}
				rs := runbook.Fold(rep.Events)
				if !rs.IsFinished() || rs.Finished.Status != want.status {
					t.Fatalf("run ended %v, want %s", rs.Finished, want.status)
				}
				first := ""
				for _, ev := range rep.Events {
					if ev.Event == runbook.EvStepFailed && first == "" {
						first = ev.Diagnosis.Code
						if len(ev.Diagnosis.Remedies) == 0 || ev.Diagnosis.Message == "" {
							t.Errorf("diagnosis without message or remedies: %+v", ev.Diagnosis)
						}
					}
				}
				if first != want.diag {
					t.Errorf("first diagnosis %q, want %q", first, want.diag)
				}
				if !strings.Contains(out, "FAILED ["+want.diag+"]") && want.diag != "" {
					t.Errorf("the printed run does not show the failure:\n%s", out)
				}
				if want.status == runbook.RunSucceeded {
					end := rs.Finished.Cluster
					if end == nil {
						t.Fatal("run-finished has no cluster")
					}
					if bad := runbook.Invariants(end, sc.Options); len(bad) > 0 {
						t.Errorf("window succeeded but: %v", bad)
					}
				}
				checkFoldAgrees(t, rep.Events, rs)
				succeeded := map[string]int{}
				for _, ev := range rep.Events {
					if ev.Event == runbook.EvDecision && ev.By != "--yes --on-failure "+of {
						t.Errorf("decision %s on %s recorded by %q", ev.Choice, ev.Step, ev.By)
					}
					if ev.Event == runbook.EvStepSucceeded {
						succeeded[ev.Step]++
						if succeeded[ev.Step] > 1 {
							t.Errorf("step %s succeeded twice", ev.Step)
						}
					}
				}
			})
		}
	}
}

// checkFoldAgrees holds the shared reducer against a plain reading of a
// real journal: each plan step's status is its last result (or start) in
// the record, and a finished run leaves no step started or confirmed.
func checkFoldAgrees(t *testing.T, events []runbook.Event, rs *runbook.RunProgress) {
	t.Helper()
	last := map[string]runbook.StepStatus{}
	for _, ev := range events {
		switch ev.Event {
		case runbook.EvStepConfirmed:
			if last[ev.Step] == "" || last[ev.Step] == runbook.StepFailed {
				last[ev.Step] = runbook.StepConfirmed
			}
		case runbook.EvStepStarted:
			last[ev.Step] = runbook.StepStarted
		case runbook.EvStepSucceeded:
			last[ev.Step] = runbook.StepSucceeded
		case runbook.EvStepFailed:
			last[ev.Step] = runbook.StepFailed
		case runbook.EvStepSkipped:
			last[ev.Step] = runbook.StepSkipped
		}
	}
	for _, s := range rs.Started.Plan {
		want := last[s.ID]
		if want == "" {
			want = runbook.StepNotRun
		}
		if got := rs.Step(s.ID).Status; got != want {
			t.Errorf("step %s: the fold says %s, the record %s", s.ID, got, want)
		}
		if rs.IsFinished() && (want == runbook.StepStarted || want == runbook.StepConfirmed) {
			t.Errorf("step %s left %s by a finished run", s.ID, want)
		}
	}
}

// TestCapturedFailureWithExitZero: the replayed transcript exits 0 but
// says Setup failed; the step fails with setup-failed and the diagnosis
// quotes the MSI error from the transcript.
func TestCapturedFailureWithExitZero(t *testing.T) {
	jp := filepath.Join(t.TempDir(), "j.jsonl")
	code, out, _ := run(t, "sim", "--headless", "--yes", "--speed", "max", "--scenario", "fault-setup-fails", "--journal", jp)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	rep, _ := journal.Read(jp)
	for _, ev := range rep.Events {
		if ev.Event != runbook.EvStepFailed {
			continue
		}
		d := ev.Diagnosis
		if d.Code != runbook.DiagSetupFailed || ev.ExitCode == nil || *ev.ExitCode != 0 {
			t.Fatalf("failure %+v exit %v", d, ev.ExitCode)
		}
		joined := strings.Join(d.Lines, "\n")
		if !strings.Contains(joined, "Error code is 1603") || !strings.Contains(joined, "FAILED") {
			t.Errorf("diagnosis does not quote the failing lines:\n%s", joined)
		}
		if !strings.Contains(d.Why, `C:\ExchangeSetupLogs\ExchangeSetup.log`) {
			t.Errorf("diagnosis does not point at the setup log: %s", d.Why)
		}
		return
	}
	t.Fatal("no step-failed event")
}

func TestWindows2008IsRefused(t *testing.T) {
	code, out, stderr := run(t, "sim", "--headless", "--yes", "--speed", "max", "--scenario", "block-windows-2008", "--journal", filepath.Join(t.TempDir(), "j.jsonl"))
	if code != 1 || !strings.Contains(out, "inplace-os-upgrade") || !strings.Contains(stderr, "never planned") {
		t.Errorf("exit %d\n%s\n%s", code, out, stderr)
	}
}

// TestReportOfARun: the change record of a finished window names every
// step, the outage and who confirmed.
func TestReportOfARun(t *testing.T) {
	jp := filepath.Join(t.TempDir(), "j.jsonl")
	if code, out, _ := run(t, "sim", "--headless", "--yes", "--speed", "max", "--scenario", "fault-move-refused", "--on-failure", "retry", "--journal", jp, "--quiet"); code != 0 {
		t.Fatalf("sim exit %d\n%s", code, out)
	}
	// The refused first attempt never took the CMS down: one outage, the
	// handoff that went through.
	rep, err := journal.Read(jp)
	if err != nil {
		t.Fatal(err)
	}
	outages := 0
	for _, ev := range rep.Events {
		if ev.Event == runbook.EvOutageStarted {
			outages++
		}
		if ev.Event == runbook.EvOutageEnded && ev.OutageMS <= 0 {
			t.Errorf("outage of %d ms", ev.OutageMS)
		}
	}
	if outages != 1 {
		t.Errorf("%d outages recorded for one refused and one successful handoff, want 1", outages)
	}
	code, md, stderr := run(t, "report", "--journal", jp)
	if code != 0 {
		t.Fatalf("report exit %d: %s", code, stderr)
	}
	for _, want := range []string{"EXCLUS01", "cms-move-failed", "--yes", "Outage", "Hand EXCMS01 over to EXNODE02"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if code, js, _ := run(t, "report", "--journal", jp, "--format", "json"); code != 0 || !strings.HasPrefix(strings.TrimSpace(js), "{") {
		t.Errorf("report json: exit %d", code)
	}
}

// TestSecondRunIsLocked: one run per cluster per admin box, wherever the
// journals are; the refusal names who holds the cluster.
func TestSecondRunIsLocked(t *testing.T) {
	dir, err := journal.LockDir(testGetenv(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	lock, err := journal.Lock(dir, "exclus01", journal.Holder{User: "exadmin", Journal: "/elsewhere/first.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Release()
	code, _, stderr := run(t, "sim", "--headless", "--yes", "--speed", "max", "--journal", filepath.Join(t.TempDir(), "j.jsonl"))
	if code != 1 || !strings.Contains(stderr, "EXCLUS01 is already being driven by exadmin") || !strings.Contains(stderr, "/elsewhere/first.jsonl") {
		t.Errorf("second run: exit %d: %s", code, stderr)
	}
}

// BenchmarkHeadlessCCRWindow is a whole simulated CCR service-pack window,
// journal included (budget: under 1 s).
func BenchmarkHeadlessCCRWindow(b *testing.B) {
	dir := b.TempDir()
	i := 0
	for b.Loop() {
		i++
		jp := filepath.Join(dir, "j"+itoa(i)+".jsonl")
		if code, _, stderr := run(b, "sim", "--headless", "--yes", "--speed", "max", "--journal", jp, "--quiet"); code != 0 {
			b.Fatal(stderr)
		}
	}
}
