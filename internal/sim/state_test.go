package sim

import (
	"context"
	"errors"
	"reflect"
	"testing"

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
