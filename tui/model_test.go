package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"cmsrunbook/internal/engine"
	"cmsrunbook/runbook"
)

func screen(h *harness) string { return ansi.Strip(h.m.Render()) }

func TestConfirmKeyStepNeedsY(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	h.playSteps(1)
	ans := h.asked(1) // Pause EXNODE02
	if h.m.sel != 1 {
		t.Fatalf("selection did not move to the waiting step: %d", h.m.sel)
	}
	h.press("enter")
	if _, ok := h.m.top().(*confirmDialog); !ok {
		t.Fatalf("enter did not open the confirmation: %T", h.m.top())
	}
	out := screen(h)
	for _, want := range []string{"cluster.exe node EXNODE02 /pause", "Node: EXNODE02", "Expected:", "Outage:", "Run it? [y/N]"} {
		if !strings.Contains(out, want) {
			t.Errorf("dialog lacks %q:\n%s", want, out)
		}
	}
	// A held Enter and a quick y inside the grace period do nothing.
	h.press("enter", "y")
	if _, ok := recv(t, ans); ok {
		t.Fatal("a key inside the grace period confirmed the step")
	}
	h.afterGrace()
	// Enter and other keys do nothing: the dialog defaults to No.
	h.press("enter", "x", "Y"[0:0]+"space"[0:1])
	if _, ok := recv(t, ans); ok {
		t.Fatal("a key other than y confirmed the step")
	}
	if h.m.top() == nil {
		t.Fatal("a key other than y/n/esc closed the dialog")
	}
	h.press("y")
	c, ok := recv(t, ans)
	if !ok || c.Answer != engine.AnswerRun || c.By != "trainee" {
		t.Fatalf("y gave %+v, %v", c, ok)
	}
	if h.m.top() != nil || h.m.confirm != nil {
		t.Fatal("the dialog stayed open after y")
	}
}

func TestConfirmCancel(t *testing.T) {
	for _, k := range []string{"n", "esc"} {
		h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
		ans := h.asked(0)
		h.press("enter")
		h.afterGrace()
		h.press(k)
		if h.m.top() != nil {
			t.Fatalf("%s did not close the dialog", k)
		}
		if _, ok := recv(t, ans); ok {
			t.Fatalf("%s answered the engine", k)
		}
		if h.m.confirm == nil {
			t.Fatalf("after %s the step no longer waits", k)
		}
		// Enter opens it again.
		h.press("enter")
		if _, ok := h.m.top().(*confirmDialog); !ok {
			t.Fatal("enter did not reopen the dialog")
		}
	}
}

func TestEnterOnOtherStepPointsAtNext(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	h.asked(0)
	h.press("down", "down")
	if h.m.sel != 2 {
		t.Fatalf("sel %d", h.m.sel)
	}
	h.press("enter")
	if h.m.top() != nil || h.m.sel != 0 || !strings.Contains(h.m.flash, "Step 1 is next") {
		t.Fatalf("enter on a later step: dlg %T sel %d flash %q", h.m.top(), h.m.sel, h.m.flash)
	}
}

func TestTypedConfirmation(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	idx := -1
	for i, s := range h.m.plan.Steps {
		if s.Confirm == runbook.ConfirmTyped {
			idx = i
			break
		}
	}
	if idx < 0 {
		t.Fatal("the plan has no typed step")
	}
	h.playSteps(idx)
	ans := h.asked(idx)
	h.press("enter")
	h.afterGrace()
	if out := screen(h); !strings.Contains(out, "Type EXCMS01 to confirm") {
		t.Fatalf("typed dialog lacks the words:\n%s", out)
	}
	h.press("y") // y is just a character here
	h.press("enter")
	if _, ok := recv(t, ans); ok {
		t.Fatal("y confirmed a typed step")
	}
	h.typeText("EXCMS02")
	h.press("enter")
	if _, ok := recv(t, ans); ok {
		t.Fatal("a wrong name confirmed")
	}
	if !strings.Contains(screen(h), "is not EXCMS01") {
		t.Fatalf("no error for a wrong name:\n%s", screen(h))
	}
	h.typeText("EXCMS0")
	h.press("backspace")
	h.typeText("01")
	h.press("enter")
	c, ok := recv(t, ans)
	if !ok || c.Answer != engine.AnswerRun || c.Typed != "EXCMS01" {
		t.Fatalf("typed EXCMS01 gave %+v %v", c, ok)
	}
}

func TestSkipIsConfirmed(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	ans := h.asked(0)
	h.press("s")
	if _, ok := h.m.top().(*askDialog); !ok {
		t.Fatalf("s did not ask: %T", h.m.top())
	}
	h.press("y") // inside the grace period
	if _, ok := recv(t, ans); ok {
		t.Fatal("skip answered inside the grace period")
	}
	h.afterGrace()
	h.press("enter") // default No: nothing
	if h.m.top() == nil {
		t.Fatal("enter closed the skip question")
	}
	h.press("y")
	c, ok := recv(t, ans)
	if !ok || c.Answer != engine.AnswerSkip {
		t.Fatalf("skip gave %+v %v", c, ok)
	}
}

func failureDiag() runbook.Diagnosis {
	return runbook.Diagnosis{Code: "cms-move-failed", Message: "Move-ClusteredMailboxServer refused the move.",
		Why: "The CMS stays stopped: the outage goes on.", Lines: []string{"Move-ClusteredMailboxServer : replication is not healthy", "\x1b[31mred\x1b[0m\rspoof"},
		Remedies: []runbook.Remedy{
			{Action: runbook.RemedyRetry, Key: "r", Label: "Wait for replication, then retry"},
			{Action: runbook.RemedyWait, Key: "w", Label: "Keep waiting"},
			{Action: runbook.RemedyManual, Key: "m", Label: "Move with cluster tools", Command: `cluster.exe group "EXCMS01" /move:EXNODE02`, Warning: "databases may stay offline"},
			{Action: runbook.RemedyMount, Key: "d", Label: "Mount the databases"},
			{Action: runbook.RemedySkip, Key: "s", Label: "Skip"},
			{Action: runbook.RemedyAbort, Key: "a", Label: "Abort"},
		}}
}

func TestFailurePanelRemedies(t *testing.T) {
	cases := map[string]runbook.RemedyAction{"r": runbook.RemedyRetry, "w": runbook.RemedyWait, "m": runbook.RemedyManual,
		"d": runbook.RemedyMount, "a": runbook.RemedyAbort}
	for k, want := range cases {
		t.Run(k, func(t *testing.T) {
			h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
			h.playSteps(7)
			h.event(runbook.Event{Event: runbook.EvStepFailed, Step: h.step(7).ID, Diagnosis: ptr(failureDiag())})
			ans := h.decided(7, failureDiag())
			if _, ok := h.m.top().(*failurePanel); !ok {
				t.Fatalf("a failure did not open the panel: %T", h.m.top())
			}
			out := screen(h)
			for _, w := range []string{"What happened", "Why it matters", "replication is not healthy", "[m] Move with cluster tools",
				`cluster.exe group "EXCMS01" /move:EXNODE02`, "warning: databases may stay offline", "[w]", "[d]", "[a] Abort"} {
				if !strings.Contains(out, w) {
					t.Errorf("panel lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(h.m.Render(), "\x1b[31mred") || strings.Contains(h.m.Render(), "\r") {
				t.Error("remote escape sequences reached the screen")
			}
			h.press(k) // inside grace
			if _, ok := recv(t, ans); ok {
				t.Fatal("a remedy key inside the grace period answered")
			}
			h.afterGrace()
			h.press("z", "enter")
			if _, ok := recv(t, ans); ok {
				t.Fatal("a key that is no remedy answered")
			}
			h.press(k)
			got, ok := recv(t, ans)
			if !ok || got != want {
				t.Fatalf("%s gave %v %v, want %v", k, got, ok, want)
			}
			if h.m.top() != nil || h.m.decide != nil {
				t.Fatal("the panel stayed open")
			}
		})
	}
}

func TestFailurePanelSkipAsksAndEscHides(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	ans := h.decided(3, failureDiag())
	h.afterGrace()
	h.press("esc")
	if h.m.top() != nil {
		t.Fatal("esc did not hide the panel")
	}
	h.press("enter")
	if _, ok := h.m.top().(*failurePanel); !ok {
		t.Fatal("enter did not bring the panel back")
	}
	h.afterGrace()
	h.press("s")
	if _, ok := h.m.top().(*askDialog); !ok {
		t.Fatalf("s in the panel did not ask: %T", h.m.top())
	}
	h.afterGrace()
	h.press("y")
	if got, ok := recv(t, ans); !ok || got != runbook.RemedySkip {
		t.Fatalf("skip gave %v %v", got, ok)
	}
}

func TestRemedyNotOfferedDoesNothing(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	d := runbook.Diagnosis{Code: "setup-failed", Message: "Setup failed", Remedies: []runbook.Remedy{{Action: runbook.RemedyAbort, Key: "a", Label: "Abort"}}}
	ans := h.decided(3, d)
	h.afterGrace()
	h.press("m", "r", "s", "w", "d")
	if _, ok := recv(t, ans); ok {
		t.Fatal("a remedy that was not offered answered")
	}
}

func ptr[T any](v T) *T { return &v }

func TestQuit(t *testing.T) {
	// Waiting for a person: q quits at once.
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	h.asked(0)
	h.press("q")
	if !h.m.quitting {
		t.Fatal("q while waiting did not quit")
	}
	// A step running: q asks, n keeps going, y quits.
	h = newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	s := h.step(0)
	h.event(runbook.Event{Event: runbook.EvStepStarted, Step: s.ID, Attempt: 1})
	h.frame()
	h.press("q")
	if h.m.quitting {
		t.Fatal("q quit while a step runs without asking")
	}
	if out := strings.Join(strings.Fields(screen(h)), " "); !strings.Contains(out, "resume --journal") || !strings.Contains(out, "/tmp/window.jsonl") {
		t.Fatalf("the quit question does not say how to resume:\n%s", screen(h))
	}
	h.afterGrace()
	h.press("n")
	if h.m.quitting || h.m.top() != nil {
		t.Fatal("n did not keep the run going")
	}
	h.press("q")
	h.afterGrace()
	h.press("y")
	if !h.m.quitting {
		t.Fatal("y did not quit")
	}
}

func TestObservedUpdatesTopology(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 140, 45, false, false)
	c := h.sc.Cluster.Clone()
	c.Node("EXNODE02").State = runbook.NodePaused
	h.m.Hooks().Observed(runbook.Observation{Cluster: c})
	h.frame()
	out := screen(h)
	if !strings.Contains(out, "EXNODE02  Paused") {
		t.Fatalf("the topology does not show the Paused node:\n%s", out)
	}
}

func TestOutageClock(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	h.event(runbook.Event{Event: runbook.EvOutageStarted, Step: h.step(6).ID, Time: epoch.Add(10 * 60e9).Format("2006-01-02T15:04:05.000Z07:00")})
	h.frame()
	h.window.advance(13 * 60e9)
	if out := screen(h); !strings.Contains(out, "EXCMS01 DOWN 0:03:00") {
		t.Fatalf("no outage clock naming the CMS:\n%s", out)
	}
	// q while the CMS is down asks first and names it; n keeps the run.
	h.press("q")
	if out := screen(h); h.m.quitting || !strings.Contains(out, "Quit while EXCMS01 is DOWN?") {
		t.Fatalf("q during the outage did not ask, naming the CMS:\n%s", out)
	}
	h.afterGrace()
	h.press("n")
	if h.m.quitting || h.m.top() != nil {
		t.Fatal("n did not keep the window running")
	}
	h.event(runbook.Event{Event: runbook.EvOutageEnded, Step: h.step(8).ID, OutageMS: 200_000})
	h.frame()
	if out := screen(h); !strings.Contains(out, "outage was 0:03:20") {
		t.Fatalf("no outage total:\n%s", out)
	}
}

func TestSearch(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	s := h.step(3)
	h.event(runbook.Event{Event: runbook.EvStepStarted, Step: s.ID, Attempt: 1, Commands: s.Commands})
	for i := range 500 {
		txt := "copying files"
		if i%100 == 7 {
			txt = "Error: disk slow"
		}
		h.event(runbook.Event{Event: runbook.EvOutput, Step: s.ID, Text: txt})
	}
	h.frame()
	h.press("/")
	h.typeText("ERROR")
	if n := len(h.m.search.matches); n != 5 {
		t.Fatalf("%d matches, want 5", n)
	}
	if h.m.search.cur != 4 {
		t.Fatalf("search did not jump to the last match: %d", h.m.search.cur)
	}
	if !strings.Contains(h.m.Render(), h.m.st.Current.Render("Error")) {
		t.Fatal("the current match is not highlighted")
	}
	h.press("enter", "n")
	if h.m.search.cur != 0 {
		t.Fatalf("n did not wrap to the first match: %d", h.m.search.cur)
	}
	h.press("N", "N")
	if h.m.search.cur != 3 {
		t.Fatalf("N went to %d", h.m.search.cur)
	}
	if !strings.Contains(screen(h), "Error: disk slow") {
		t.Fatal("the match is not in view")
	}
	h.press("esc")
	if h.m.search.query != "" {
		t.Fatal("esc did not clear the search")
	}
}

func TestPaletteJumpsToStep(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	h.press("ctrl+p")
	if _, ok := h.m.top().(*palette); !ok {
		t.Fatalf("ctrl+p: %T", h.m.top())
	}
	h.typeText("reboot exnode01")
	p := h.m.top().(*palette)
	if len(p.matches) == 0 {
		t.Fatal("no match")
	}
	h.press("enter")
	if got := h.m.plan.Steps[h.m.sel]; got.Kind != runbook.KindRebootNode || got.Node != "EXNODE01" {
		t.Fatalf("palette selected %s", got.ID)
	}
	h.press("ctrl+p")
	h.typeText("findings")
	h.press("enter")
	if _, ok := h.m.top().(*findingsPanel); !ok {
		t.Fatalf("palette action: %T", h.m.top())
	}
}

func TestPanelsAndKeys(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	for _, c := range []struct {
		key, want string
	}{{"?", "Keys"}, {"e", "What the procedure says"}, {"f", "mgmt-tools-version"}} {
		h.press(c.key)
		if h.m.top() == nil || !strings.Contains(screen(h), c.want) {
			t.Fatalf("%s: %T\n%s", c.key, h.m.top(), screen(h))
		}
		h.press("down", "esc")
		if h.m.top() != nil {
			t.Fatalf("esc did not close %s", c.key)
		}
	}
	h.press("tab")
	if h.m.focus != paneOutput {
		t.Fatalf("tab: focus %d", h.m.focus)
	}
	h.press("tab", "tab")
	if h.m.focus != paneRunbook {
		t.Fatal("tab did not cycle")
	}
	h.press("+", "+", "-")
	if len(h.speeds) != 3 || h.speeds[0] != 120 || h.speeds[1] != 300 || h.speeds[2] != 120 {
		t.Fatalf("speeds %v", h.speeds)
	}
}

func TestFindingsShownFirst(t *testing.T) {
	sc, plan := loadScenario(t, "ccr-2003-sp2")
	m := New(Options{Plan: plan, Cluster: sc.Cluster})
	if _, ok := m.top().(*findingsPanel); !ok {
		t.Fatal("warnings did not open the findings panel before the first step")
	}
}

func TestRealModeBadge(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, true, false)
	h.m.opts.Real = true
	out := screen(h)
	if !strings.Contains(out, "LIVE CLUSTER") || strings.Contains(out, "SIMULATION") {
		t.Fatalf("real mode header:\n%s", strings.SplitN(out, "\n", 2)[0])
	}
	h.press("+")
	if len(h.speeds) != 0 {
		t.Fatal("speed changed on a live cluster")
	}
}

func TestASCIIScreenIsASCII(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, true, true)
	h.playSteps(3)
	h.asked(3)
	h.press("enter")
	for _, r := range screen(h) {
		if r > 0x7e {
			t.Fatalf("non-ASCII %q on the ASCII screen:\n%s", r, screen(h))
		}
	}
}

func TestResizeAndTinyScreen(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	for _, sz := range [][2]int{{80, 24}, {140, 45}, {100, 30}, {200, 60}} {
		h.m.width, h.m.height = sz[0], sz[1]
		lines := strings.Split(h.m.Render(), "\n")
		if len(lines) != sz[1] {
			t.Fatalf("%v: %d lines", sz, len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w != sz[0] {
				t.Fatalf("%v: line %d is %d wide: %q", sz, i, w, ansi.Strip(l))
			}
		}
	}
	h.m.width, h.m.height = 40, 10
	if !strings.Contains(strings.Join(strings.Fields(screen(h)), " "), "needs at least 60x16") {
		t.Fatal("a tiny screen does not say so")
	}
}

func TestEngineFinished(t *testing.T) {
	h := newHarness(t, "ccr-2003-sp2", 80, 24, false, false)
	h.playSteps(len(h.m.plan.Steps))
	h.event(runbook.Event{Event: runbook.EvRunFinished, Status: runbook.RunSucceeded})
	h.m.in.finish(0, nil)
	h.frame()
	if !strings.Contains(screen(h), "run finished: succeeded") {
		t.Fatal(screen(h))
	}
	h.press("q")
	if !h.m.quitting {
		t.Fatal("q after the run did not quit")
	}
}
