package sim

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"cmsrunbook/runbook"
)

// TestRestoreMidWindow saves the world while Setup runs detached after a
// dropped connection, restores it, and checks that the restored world and
// the original behave identically for the rest of the window.
func TestRestoreMidWindow(t *testing.T) {
	sc := load(t, "fault-connection-drop")
	p := plan(t, sc)
	ctx := context.Background()
	orig := New(sc, Options{Seed: 9})
	var i int
	for i = 0; p.Steps[i].Kind != runbook.KindSetupUpgrade; i++ {
	}
	driveWindow(t, orig, &runbook.Plan{Steps: p.Steps[:i]})
	st := p.Steps[i]
	cmd := runbook.Command{Node: st.Node, Shell: st.Shell, Line: st.Commands[0], StepID: st.ID, Kind: st.Kind}
	if err := orig.StartJob(ctx, cmd, st.ID); err != nil {
		t.Fatal(err)
	}
	var off int64
	if _, err := orig.TailJob(ctx, st.Node, st.ID, 0, func(_ runbook.OutputLine, o int64) { off = o }); !errors.Is(err, runbook.ErrConnectionLost) {
		t.Fatalf("want the scenario's drop, got %v", err)
	}
	data, err := orig.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	restored, err := Restore(sc, data, Options{Speed: 0, Seed: 12345})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := orig.Snapshot(), restored.Snapshot(); !reflect.DeepEqual(a, b) || !orig.Now().Equal(restored.Now()) {
		t.Fatalf("restored world differs:\n%+v\n%+v", a, b)
	}
	if err := restored.StartJob(ctx, cmd, st.ID); err == nil {
		t.Error("the restored world lost the running job")
	}
	var trs []string
	for _, s := range []*Sim{orig, restored} {
		var tr []string
		js, err := s.TailJob(ctx, st.Node, st.ID, off, func(l runbook.OutputLine, _ int64) { tr = append(tr, l.Text) })
		if err != nil || js.ExitCode != 0 {
			t.Fatalf("re-attach: %+v %v", js, err)
		}
		rest := driveWindow(t, s, &runbook.Plan{Steps: p.Steps[i+1:]})
		trs = append(trs, rest+s.Now().String())
		// /mode:upgrade once (re-attached, never restarted) and /upgradecms.
		if s.SetupStarts(st.Node) != 2 {
			t.Errorf("Setup started %d times on %s, want 2", s.SetupStarts(st.Node), st.Node)
		}
	}
	if trs[0] != trs[1] {
		t.Errorf("the restored world went another way:\n%s\n---\n%s", trs[0], trs[1])
	}
	if _, err := Restore(sc, []byte(`{"version":99}`), Options{}); err == nil {
		t.Error("a save of another layout was accepted")
	}
}

// TestSentSurvivesRestore: Sent lists the commands run and the jobs
// started, with their steps, in order, and a restored world lists the same
// ones; a command a node never received (it was down) is not listed.
func TestSentSurvivesRestore(t *testing.T) {
	sc := load(t, "ccr-2003-sp2")
	p := plan(t, sc)
	s := New(sc, Options{Seed: 3})
	var i int
	for i = 0; p.Steps[i].Kind != runbook.KindSetupUpgrade; i++ {
	}
	driveWindow(t, s, &runbook.Plan{Steps: p.Steps[:i+1]})
	console(t, s, "EXNODE01", "cluster.exe group")
	sent := s.Sent()
	var want []runbook.Command
	for _, st := range p.Steps[:i+1] {
		for _, line := range st.Commands {
			want = append(want, runbook.Command{Node: st.Node, Shell: st.Shell, Line: line, StepID: st.ID, Kind: st.Kind})
		}
	}
	want = append(want, runbook.Command{Node: "EXNODE01", Line: "cluster.exe group"})
	if !reflect.DeepEqual(sent, want) {
		t.Fatalf("Sent:\n%+v\nwant:\n%+v", sent, want)
	}
	data, err := s.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	restored, err := Restore(sc, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := restored.Sent(); !reflect.DeepEqual(got, sent) {
		t.Errorf("the restored world lists other commands:\n%+v\nwant:\n%+v", got, sent)
	}
	// A node that does not answer receives nothing.
	var down string
	for _, st := range p.Steps {
		if st.Kind == runbook.KindRebootNode {
			down = st.Node
			run(t, restored, st.Node, st.Kind, st.Shell, st.Commands[0])
			waitFor(t, restored, 5*time.Minute, st.Node+" down", func(o runbook.Observation) bool { return nodeState(o, st.Node) == runbook.NodeDown })
			break
		}
	}
	n := len(restored.Sent())
	if _, err := restored.Run(context.Background(), runbook.Command{Node: down, Line: "cluster.exe node"}, nil); !errors.Is(err, runbook.ErrConnectionLost) {
		t.Fatalf("a command on a rebooting node: %v", err)
	}
	if got := len(restored.Sent()); got != n {
		t.Errorf("a command the node never received is listed (%d, want %d)", got, n)
	}
}
