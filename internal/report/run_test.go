package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"cmsrunbook/runbook"
)

// runBuilder writes a journal by hand, one event at a time, on a clock
// that the test moves forward.
type runBuilder struct {
	t      time.Time
	seq    int64
	events []runbook.Event
}

func newRun() *runBuilder {
	return &runBuilder{t: time.Date(2026, 11, 28, 22, 0, 0, 0, time.FixedZone("CET", 3600))}
}

func (b *runBuilder) after(d time.Duration) *runBuilder { b.t = b.t.Add(d); return b }

func (b *runBuilder) add(ev runbook.Event) *runBuilder {
	b.seq++
	ev.Seq = b.seq
	ev.Time = b.t.Format("2006-01-02T15:04:05.000Z07:00")
	b.events = append(b.events, ev)
	return b
}

func exclus(owner string, build runbook.Build, passive runbook.Build) *runbook.Cluster {
	other := "EXNODE02"
	if owner == "EXNODE02" {
		other = "EXNODE01"
	}
	nodes := map[string]runbook.Build{owner: build, other: passive}
	return &runbook.Cluster{Name: "EXCLUS01", Type: runbook.CCR, OS: runbook.OS{Family: runbook.Windows2003, SP: 2},
		Nodes: []runbook.Node{{Name: "EXNODE01", State: runbook.NodeUp, Build: nodes["EXNODE01"]}, {Name: "EXNODE02", State: runbook.NodeUp, Build: nodes["EXNODE02"]}},
		Groups: []runbook.Group{{Name: "Cluster Group", Owner: other, State: runbook.GroupOnline},
			{Name: "EXCMS01", Owner: owner, State: runbook.GroupOnline, CMS: true}},
		Replication: runbook.Replication{Healthy: true}}
}

var (
	rtm = runbook.Build{Major: 8, Minor: 0, Build: 685, Revision: 24}
	sp2 = runbook.Build{Major: 8, Minor: 2, Build: 176, Revision: 2}
)

func plan() []runbook.Step {
	return []runbook.Step{
		{N: 1, ID: "s01-pause-node-EXNODE02", Kind: runbook.KindPauseNode, Node: "EXNODE02", Title: "Pause EXNODE02", Commands: []string{"cluster.exe node EXNODE02 /pause"}, Outage: runbook.OutageNone},
		{N: 2, ID: "s02-setup-upgrade-EXNODE02", Kind: runbook.KindSetupUpgrade, Node: "EXNODE02", Title: "Upgrade EXNODE02 to SP2", Commands: []string{`D:\Exchange2007SP2\Setup.com /mode:upgrade`}, Outage: runbook.OutageNone},
		{N: 3, ID: "s03-reboot-node-EXNODE02", Kind: runbook.KindRebootNode, Node: "EXNODE02", Title: "Restart EXNODE02", When: runbook.IfRebootRequired, Outage: runbook.OutageNone},
		{N: 4, ID: "s04-move-cms-EXCMS01", Kind: runbook.KindMoveCMS, Node: "EXNODE01", Title: "Move EXCMS01 to EXNODE02", Target: "EXNODE02", CMS: "EXCMS01", Confirm: runbook.ConfirmTyped, Outage: runbook.OutageBrief,
			Commands: []string{"Move-ClusteredMailboxServer -Identity 'EXCMS01' -TargetMachine 'EXNODE02' -MoveComment 'SP2' -Confirm:$false"}},
		{N: 5, ID: "s05-verify", Kind: runbook.KindVerify, Title: "Verify the cluster", Outage: runbook.OutageNone},
	}
}

func (b *runBuilder) start() *runbook.Event {
	p := plan()
	b.add(runbook.Event{Event: runbook.EvRunStarted, Goal: runbook.GoalSP2, Source: "scenario ccr-2003-sp2", Operator: `EXAMPLE\exadmin`,
		Options: map[string]string{"speed": "max"}, Digest: (&runbook.Plan{Steps: p}).Digest(), Plan: p, Cluster: exclus("EXNODE01", rtm, rtm)})
	b.add(runbook.Event{Event: runbook.EvFinding, Finding: &runbook.Finding{Code: runbook.FindMgmtToolsVersion, Severity: runbook.Warn,
		Message: "The management tools are RTM.", Remedy: "Upgrade the tools after the window."}})
	return &b.events[0]
}

func (b *runBuilder) step(n int, typed string, res runbook.EventType, dur time.Duration, extra runbook.Event) {
	s := plan()[n-1]
	conf := runbook.Event{Event: runbook.EvStepConfirmed, Step: s.ID, Kind: s.Kind, Node: s.Node, By: `EXAMPLE\exadmin`, Typed: typed}
	b.after(5 * time.Second).add(conf)
	st := runbook.Event{Event: runbook.EvStepStarted, Step: s.ID, Kind: s.Kind, Node: s.Node, Attempt: extra.Attempt, Commands: s.Commands, Manual: extra.Manual}
	if st.Attempt == 0 {
		st.Attempt = 1
	}
	b.after(time.Second).add(st)
	b.add(runbook.Event{Event: runbook.EvOutput, Step: s.ID, Stream: runbook.Stdout, Text: "working"})
	extra.Event, extra.Step, extra.Kind, extra.Node, extra.Attempt, extra.Manual = res, s.ID, s.Kind, s.Node, 0, false
	b.after(dur).add(extra)
}

func zero() *int { z := 0; return &z }

func successfulRun() []runbook.Event {
	b := newRun()
	b.start()
	b.step(1, "", runbook.EvStepSucceeded, 2*time.Second, runbook.Event{ExitCode: zero()})
	b.step(2, "", runbook.EvStepSucceeded, 25*time.Minute, runbook.Event{ExitCode: zero()})
	b.after(time.Second).add(runbook.Event{Event: runbook.EvStepSkipped, Step: "s03-reboot-node-EXNODE02", Reason: "Setup did not ask for a restart"})
	b.after(5 * time.Second).add(runbook.Event{Event: runbook.EvStepConfirmed, Step: "s04-move-cms-EXCMS01", By: `EXAMPLE\exadmin`, Typed: "EXCMS01"})
	b.after(time.Second).add(runbook.Event{Event: runbook.EvStepStarted, Step: "s04-move-cms-EXCMS01", Attempt: 1})
	b.add(runbook.Event{Event: runbook.EvOutageStarted, Step: "s04-move-cms-EXCMS01", Message: "EXCMS01 moving"})
	b.after(90 * time.Second).add(runbook.Event{Event: runbook.EvOutageEnded, Step: "s04-move-cms-EXCMS01", OutageMS: 90000})
	b.add(runbook.Event{Event: runbook.EvStepSucceeded, Step: "s04-move-cms-EXCMS01"})
	b.step(5, "", runbook.EvStepSucceeded, 3*time.Second, runbook.Event{})
	after := exclus("EXNODE02", rtm, sp2)
	after.Node("EXNODE02").Build = sp2
	b.after(time.Second).add(runbook.Event{Event: runbook.EvRunFinished, Status: runbook.RunSucceeded, Cluster: after})
	return b.events
}

func moveFailure(attempt int) runbook.Event {
	return runbook.Event{Attempt: attempt, Diagnosis: &runbook.Diagnosis{Code: "cms-move-failed", Message: "Move-ClusteredMailboxServer refused the move.",
		Why:   "Users stay on EXNODE01; nothing changed.",
		Lines: []string{"Move-ClusteredMailboxServer : The copy queue length (34) is too high.", "At line:1 char:28"},
		Remedies: []runbook.Remedy{
			{Action: runbook.RemedyRetry, Key: "r", Label: "Wait for the queues and retry"},
			{Action: runbook.RemedyManual, Key: "m", Label: "Move with the cluster tools", Command: "cluster.exe group EXCMS01 /moveto:EXNODE02", Warning: "databases may stay offline"},
			{Action: runbook.RemedyAbort, Key: "a", Label: "Abort the run"}}}}
}

func retriedRun() []runbook.Event {
	b := newRun()
	b.start()
	b.step(1, "", runbook.EvStepSucceeded, 2*time.Second, runbook.Event{})
	b.step(2, "", runbook.EvStepSucceeded, 20*time.Minute, runbook.Event{})
	b.after(time.Second).add(runbook.Event{Event: runbook.EvStepSkipped, Step: "s03-reboot-node-EXNODE02", Reason: "no restart needed"})
	b.step(4, "EXCMS01", runbook.EvStepFailed, 30*time.Second, moveFailure(1))
	b.after(10 * time.Second).add(runbook.Event{Event: runbook.EvDecision, Step: "s04-move-cms-EXCMS01", Choice: "retry", By: "--yes"})
	b.after(time.Minute).add(runbook.Event{Event: runbook.EvStepStarted, Step: "s04-move-cms-EXCMS01", Attempt: 2})
	b.add(runbook.Event{Event: runbook.EvOutageStarted, Step: "s04-move-cms-EXCMS01"})
	b.after(2 * time.Minute).add(runbook.Event{Event: runbook.EvOutageEnded, Step: "s04-move-cms-EXCMS01"})
	b.add(runbook.Event{Event: runbook.EvStepSucceeded, Step: "s04-move-cms-EXCMS01"})
	b.step(5, "", runbook.EvStepSucceeded, 3*time.Second, runbook.Event{})
	b.after(time.Second).add(runbook.Event{Event: runbook.EvRunFinished, Status: runbook.RunSucceeded, Cluster: exclus("EXNODE02", sp2, rtm)})
	return b.events
}

func abortedRun() []runbook.Event {
	b := newRun()
	b.start()
	b.step(1, "", runbook.EvStepSucceeded, 2*time.Second, runbook.Event{})
	one := 1603
	b.step(2, "", runbook.EvStepFailed, 12*time.Minute, runbook.Event{ExitCode: &one, Diagnosis: &runbook.Diagnosis{Code: "setup-failed",
		Message: "Setup.com reported a failure.", Lines: []string{"[ERROR] Exchange Server component Mailbox Role failed.", "Error code: 1603 ```"},
		Remedies: []runbook.Remedy{{Action: runbook.RemedyRetry, Key: "r", Label: "Retry"}, {Action: runbook.RemedyAbort, Key: "a", Label: "Abort"}}}})
	b.after(time.Minute).add(runbook.Event{Event: runbook.EvDecision, Step: "s02-setup-upgrade-EXNODE02", Choice: "abort", By: `EXAMPLE\exadmin`, Message: "call Microsoft"})
	b.add(runbook.Event{Event: runbook.EvRunFinished, Status: runbook.RunAborted, Message: "aborted by the operator after setup-failed", Cluster: exclus("EXNODE01", rtm, rtm)})
	return b.events
}

func crashedRun() []runbook.Event {
	b := newRun()
	b.start()
	b.step(1, "", runbook.EvStepSucceeded, 2*time.Second, runbook.Event{})
	b.step(2, "", runbook.EvStepSucceeded, 20*time.Minute, runbook.Event{})
	b.after(time.Second).add(runbook.Event{Event: runbook.EvStepSkipped, Step: "s03-reboot-node-EXNODE02", Reason: "no restart needed"})
	b.after(5 * time.Second).add(runbook.Event{Event: runbook.EvStepConfirmed, Step: "s04-move-cms-EXCMS01", By: `EXAMPLE\exadmin`, Typed: "EXCMS01"})
	b.after(time.Second).add(runbook.Event{Event: runbook.EvStepStarted, Step: "s04-move-cms-EXCMS01", Attempt: 1})
	b.add(runbook.Event{Event: runbook.EvOutageStarted, Step: "s04-move-cms-EXCMS01"})
	b.after(45 * time.Second).add(runbook.Event{Event: runbook.EvOutput, Step: "s04-move-cms-EXCMS01", Text: "Moving..."})
	return b.events
}

func markdown(t *testing.T, evs []runbook.Event) string {
	t.Helper()
	var buf bytes.Buffer
	if err := RunMarkdown(&buf, evs); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func mustContain(t *testing.T, doc string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(doc, w) {
			t.Errorf("change record lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("document:\n%s", doc)
	}
}

func TestRunMarkdownSuccess(t *testing.T) {
	evs := successfulRun()
	doc := markdown(t, evs)
	mustContain(t, doc,
		"# Change record: Exchange 2007 SP2 on EXCLUS01",
		"| Cluster | EXCLUS01 (CCR, Windows Server 2003 SP2) |",
		"| Goal | `exchange-sp2` (Exchange 2007 SP2) |",
		"| Source | scenario ccr-2003-sp2 |",
		`| Operator | EXAMPLE\\exadmin |`,
		"| Plan digest | `"+evs[0].Digest+"` (matches the recorded plan) |",
		"| Started | 2026-11-28 22:00:00 +01:00 |",
		"| Finished | 2026-11-28 22:27:0",
		"| Result | **SUCCEEDED** |",
		"| Resumed | no |",
		"| User-visible outage | 1m 30s (2026-11-28 22:25:",
		"| Steps | 5: 4 succeeded, 1 skipped |",
		"## Cluster before the window",
		"## Cluster after the window",
		"Exchange 8.0.685.24 -> 8.2.176.2",
		"owner EXNODE01 -> EXNODE02",
		"| 4 | Move EXCMS01 to EXNODE02 | EXNODE01 | EXAMPLE\\\\exadmin (typed \"EXCMS01\") at 2026-11-28 22:25:",
		"| 3 | Restart EXNODE02 | EXNODE02 | - | - | - | skipped: Setup did not ask for a restart | 0 |",
		"| 2 | Upgrade EXNODE02 to SP2 | EXNODE02 | EXAMPLE\\\\exadmin at 2026-11-28 22:00:13 +01:00 | 2026-11-28 22:00:14 +01:00 | 25m 00s | succeeded | 1 |",
		"conditional step: only if the install asks for a restart",
		"`mgmt-tools-version`",
		"Upgrade the tools after the window.",
		"## Failures\n\nNone.",
	)
	if strings.Contains(doc, "retry") {
		t.Error("a clean run reports a retry")
	}
}

func TestRunMarkdownRetried(t *testing.T) {
	doc := markdown(t, retriedRun())
	mustContain(t, doc,
		"| Result | **SUCCEEDED** |",
		"| decision | 4 (s04-move-cms-EXCMS01) | --yes | chose retry |",
		"| retry | 4 (s04-move-cms-EXCMS01) | --yes | attempt 2 |",
		"| succeeded | 2 |",
		"### Step 4, Move EXCMS01 to EXNODE02: `cms-move-failed`",
		"Attempt 1, at 2026-11-28 22:20:51 +01:00 on EXNODE01.",
		"Move-ClusteredMailboxServer refused the move.",
		"Why it matters: Users stay on EXNODE01",
		"```\nMove-ClusteredMailboxServer : The copy queue length (34) is too high.\nAt line:1 char:28\n```",
		"- [r] Wait for the queues and retry **<- taken by --yes**",
		"- [m] Move with the cluster tools: `cluster.exe group EXCMS01 /moveto:EXNODE02` (warning: databases may stay offline)",
		"Chosen: **retry** by --yes.",
		"| User-visible outage | 2m 00s",
	)
}

func TestRunMarkdownAborted(t *testing.T) {
	doc := markdown(t, abortedRun())
	mustContain(t, doc,
		"| Result | **ABORTED** by the operator, a deliberate stop (aborted by the operator after setup-failed) |",
		"| **FAILED** `setup-failed` |",
		"| 4 | Move EXCMS01 to EXNODE02 | EXNODE01 | - | - | - | not run | 0 |",
		"| Steps | 5: 1 succeeded, 1 failed, 3 not run |",
		"exit code 1603",
		"````\n[ERROR] Exchange Server component Mailbox Role failed.\nError code: 1603 ```\n````",
		"- [a] Abort **<- taken by EXAMPLE\\exadmin**",
		"chose abort: call Microsoft",
		"No user-visible outage was recorded.",
	)
}

func TestRunMarkdownCrashed(t *testing.T) {
	doc := markdown(t, crashedRun())
	mustContain(t, doc,
		"| Result | **INTERRUPTED**",
		"| Finished | not recorded; last event at 2026-11-28 22:21:",
		"up to the last event",
		"**still open**",
		"users may still be without their mailboxes",
		"Not recorded: the run did not finish",
		"**started, no result recorded**",
		"| 5 | Verify the cluster | all | - | - | - | not run | 0 |",
	)
}

func TestRunMarkdownResumedWithUnansweredFailure(t *testing.T) {
	b := newRun()
	b.start()
	b.step(1, "", runbook.EvStepFailed, time.Second, runbook.Event{Diagnosis: &runbook.Diagnosis{Code: "node-still-paused", Message: "not paused"}})
	b.after(time.Hour).add(runbook.Event{Event: runbook.EvRunResumed, By: `EXAMPLE\other`})
	b.step(1, "", runbook.EvStepSucceeded, time.Second, runbook.Event{Attempt: 2, Manual: true})
	doc := markdown(t, b.events)
	mustContain(t, doc, "| Resumed | yes, 1 time(s) |", "| resume | - | EXAMPLE\\\\other | the run was resumed from the journal |",
		"| manual | 1 (s01-pause-node-EXNODE02) | - | manual fallback run: cluster.exe node EXNODE02 /pause |",
		"Chosen: no decision recorded.", "| yes |")
}

func TestRunJSON(t *testing.T) {
	for name, evs := range map[string][]runbook.Event{"success": successfulRun(), "retried": retriedRun(), "aborted": abortedRun(), "crashed": crashedRun()} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RunJSON(&buf, evs); err != nil {
				t.Fatal(err)
			}
			var got struct {
				Summary struct {
					Cluster        string `json:"cluster"`
					Goal           string `json:"goal"`
					Operator       string `json:"operator"`
					Digest         string `json:"digest"`
					DigestVerified bool   `json:"digest_verified"`
					Started        string `json:"started"`
					Finished       string `json:"finished"`
					DurationMS     int64  `json:"duration_ms"`
					Status         string `json:"status"`
					Resumed        bool   `json:"resumed"`
				} `json:"summary"`
				Before *struct {
					Nodes []struct{ Name, Exchange string } `json:"nodes"`
				} `json:"before"`
				After  *json.RawMessage `json:"after"`
				Outage struct {
					Occurred   bool  `json:"occurred"`
					Open       bool  `json:"open"`
					DurationMS int64 `json:"duration_ms"`
				} `json:"outage"`
				Steps []struct {
					N             int    `json:"n"`
					Result        string `json:"result"`
					Attempts      int    `json:"attempts"`
					Confirmations []struct{ By, Typed, Time string }
				} `json:"steps"`
				Deviations []struct{ Kind, Choice, By string } `json:"deviations"`
				Findings   []struct{ Code, Remedy string }     `json:"findings"`
				Failures   []struct {
					Diagnosis struct {
						Code     string   `json:"code"`
						Lines    []string `json:"lines"`
						Remedies []struct{ Action string }
					} `json:"diagnosis"`
					Taken   string `json:"taken"`
					Outcome string `json:"outcome"`
				} `json:"failures"`
			}
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("invalid JSON: %v\n%s", err, buf.String())
			}
			s := got.Summary
			if s.Cluster != "EXCLUS01" || s.Goal != "exchange-sp2" || s.Operator != `EXAMPLE\exadmin` || !s.DigestVerified || s.Started == "" || s.DurationMS <= 0 {
				t.Errorf("summary %+v", s)
			}
			if got.Before == nil || len(got.Before.Nodes) != 2 || got.Before.Nodes[0].Exchange != "8.0.685.24" {
				t.Errorf("before %+v", got.Before)
			}
			if len(got.Steps) != 5 || len(got.Findings) != 1 || got.Findings[0].Code != runbook.FindMgmtToolsVersion {
				t.Errorf("%d steps, findings %+v", len(got.Steps), got.Findings)
			}
			switch name {
			case "success":
				if s.Status != "succeeded" || got.After == nil || !got.Outage.Occurred || got.Outage.DurationMS != 90000 || len(got.Failures) != 0 {
					t.Errorf("status %s after %v outage %+v failures %d", s.Status, got.After != nil, got.Outage, len(got.Failures))
				}
				if c := got.Steps[3].Confirmations; len(c) != 1 || c[0].Typed != "EXCMS01" {
					t.Errorf("typed confirmation %+v", c)
				}
			case "retried":
				if got.Steps[3].Attempts != 2 || got.Steps[3].Result != "succeeded" || len(got.Failures) != 1 || got.Failures[0].Taken != "retry" ||
					got.Failures[0].Diagnosis.Code != "cms-move-failed" || len(got.Failures[0].Diagnosis.Lines) != 2 || len(got.Failures[0].Diagnosis.Remedies) != 3 {
					t.Errorf("steps %+v failures %+v", got.Steps[3], got.Failures)
				}
				kinds := ""
				for _, d := range got.Deviations {
					kinds += d.Kind + " "
				}
				if kinds != "skip decision retry " {
					t.Errorf("deviations %q", kinds)
				}
			case "aborted":
				if s.Status != "aborted" || got.Steps[1].Result != "failed" || got.Steps[3].Result != "not-run" || got.Failures[0].Taken != "abort" {
					t.Errorf("status %s steps %+v failures %+v", s.Status, got.Steps, got.Failures)
				}
			case "crashed":
				if s.Status != "interrupted" || s.Finished != "" || got.After != nil || !got.Outage.Open || got.Outage.DurationMS != 45000 {
					t.Errorf("status %s finished %q after %v outage %+v", s.Status, s.Finished, got.After != nil, got.Outage)
				}
			}
		})
	}
}

func TestRunEmptyAndNoStart(t *testing.T) {
	if err := RunMarkdown(&bytes.Buffer{}, nil); err == nil || !strings.Contains(err.Error(), "no events") {
		t.Errorf("empty journal: %v", err)
	}
	// A journal whose run-started was lost still gives a record of what is there.
	evs := crashedRun()[2:]
	doc := markdown(t, evs)
	mustContain(t, doc, "# Change record: Run on unknown cluster", "| Plan digest | not recorded |", "| - | s04-move-cms-EXCMS01 |", "**INTERRUPTED**")
	var buf bytes.Buffer
	if err := RunJSON(&buf, evs); err != nil || !json.Valid(buf.Bytes()) {
		t.Errorf("JSON without run-started: %v", err)
	}
}

func TestRunDigestMismatch(t *testing.T) {
	evs := successfulRun()
	evs[0].Plan[1].Commands = []string{"format C:"}
	mustContain(t, markdown(t, evs), "(**does not match the recorded plan**)")
}

func TestFmtDur(t *testing.T) {
	for ms, want := range map[int64]string{400: "0.4s", 45_000: "45s", 750_000: "12m 30s", 3_723_000: "1h 02m 03s"} {
		if got := fmtDur(ms, true); got != want {
			t.Errorf("fmtDur(%d) = %q, want %q", ms, got, want)
		}
	}
	if fmtDur(5, false) != "unknown" {
		t.Error("unknown duration")
	}
}

// TestRunMarkdownEndsWithTheCMSDown: a record whose outage never ended
// says which CMS is down and the command that brings its users back, and
// a remedy's decision shows what it sent and how it was confirmed.
func TestRunMarkdownEndsWithTheCMSDown(t *testing.T) {
	b := newRun()
	b.start()
	b.step(1, "", runbook.EvStepSucceeded, 2*time.Second, runbook.Event{})
	b.step(2, "", runbook.EvStepSucceeded, 20*time.Minute, runbook.Event{})
	b.after(time.Second).add(runbook.Event{Event: runbook.EvStepConfirmed, Step: "s04-move-cms-EXCMS01", By: `EXAMPLE\exadmin`, Typed: "EXCMS01"})
	b.add(runbook.Event{Event: runbook.EvStepStarted, Step: "s04-move-cms-EXCMS01", Attempt: 1})
	b.add(runbook.Event{Event: runbook.EvOutageStarted, Step: "s04-move-cms-EXCMS01"})
	b.after(time.Minute).add(runbook.Event{Event: runbook.EvStepFailed, Step: "s04-move-cms-EXCMS01", Attempt: 1,
		Diagnosis: &runbook.Diagnosis{Code: "cms-move-failed", Message: "refused", Remedies: []runbook.Remedy{{Action: runbook.RemedyAbort, Key: "a", Label: "Abort"}}}})
	b.add(runbook.Event{Event: runbook.EvDecision, Step: "s04-move-cms-EXCMS01", Choice: "manual", By: `EXAMPLE\exadmin`, Typed: "EXCMS01",
		Commands: []string{`cluster.exe group "EXCMS01" /move:EXNODE02 /wait:300`}})
	after := exclus("EXNODE01", rtm, sp2)
	after.Group("EXCMS01").State = runbook.GroupOffline
	b.add(runbook.Event{Event: runbook.EvRunFinished, Status: runbook.RunAborted, Cluster: after})
	doc := markdown(t, b.events)
	mustContain(t, doc, "**EXCMS01 IS DOWN at the end of this record.**", "on EXNODE01 run: `Start-ClusteredMailboxServer -Identity 'EXCMS01' -Confirm:$false`",
		`sent: cluster.exe group "EXCMS01" /move:EXNODE02 /wait:300 (confirmed by typing "EXCMS01")`)
}
