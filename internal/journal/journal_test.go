package journal

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"cmsrunbook/runbook"
)

func ts(sec int) string { return fmt.Sprintf("2026-11-28T22:%02d:%02d.000+01:00", sec/60, sec%60) }

func started() runbook.Event {
	return runbook.Event{Time: ts(0), Event: runbook.EvRunStarted, Goal: runbook.GoalSP2, Source: "scenario ccr-2003-sp2",
		Options: map[string]string{"speed": "max"}, Operator: "EXAMPLE\\exadmin", Digest: "0123456789abcdef",
		Plan: []runbook.Step{{N: 1, ID: "s01-pause", Kind: runbook.KindPauseNode, Node: "EXNODE02", Title: "Pause EXNODE02"},
			{N: 2, ID: "s02-setup", Kind: runbook.KindSetupUpgrade, Node: "EXNODE02", Title: "Upgrade EXNODE02"}}}
}

func newJournal(t *testing.T, opts ...Option) (*Writer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run.jsonl")
	w, err := Create(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, path
}

func mustWrite(t *testing.T, w *Writer, evs ...runbook.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := w.Write(ev); err != nil {
			t.Fatal(err)
		}
	}
}

func mustRead(t *testing.T, path string) Replay {
	t.Helper()
	rep, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestRoundTrip(t *testing.T) {
	w, path := newJournal(t)
	code := 0
	in := []runbook.Event{
		started(),
		{Time: ts(1), Event: runbook.EvStepConfirmed, Step: "s01-pause", By: "exadmin"},
		{Time: ts(2), Event: runbook.EvStepStarted, Step: "s01-pause", Attempt: 1, Commands: []string{"cluster.exe node EXNODE02 /pause"}},
		{Time: ts(3), Event: runbook.EvOutput, Step: "s01-pause", Stream: runbook.Stdout, Text: "Pausing node 'EXNODE02'..."},
		{Time: ts(4), Event: runbook.EvStepSucceeded, Step: "s01-pause", ExitCode: &code, DurationMS: 2000},
	}
	mustWrite(t, w, in...)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rep := mustRead(t, path)
	if rep.Torn || len(rep.Events) != len(in) {
		t.Fatalf("torn=%v events=%d, want %d", rep.Torn, len(rep.Events), len(in))
	}
	for i, ev := range rep.Events {
		if ev.Seq != int64(i+1) || ev.Time != in[i].Time || ev.Event != in[i].Event {
			t.Errorf("event %d = seq %d %s %s, want seq %d %s %s", i, ev.Seq, ev.Time, ev.Event, i+1, in[i].Time, in[i].Event)
		}
	}
	if got := rep.Events[0]; got.Goal != runbook.GoalSP2 || len(got.Plan) != 2 || got.Options["speed"] != "max" {
		t.Errorf("run-started did not survive: %+v", got)
	}
	if got := rep.Events[4]; got.ExitCode == nil || *got.ExitCode != 0 {
		t.Errorf("exit code 0 lost: %+v", got)
	}
}

func TestCreateMode0600AndRefusesExisting(t *testing.T) {
	w, path := newJournal(t)
	mustWrite(t, w, started())
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("mode %v, want 0600", fi.Mode().Perm())
		}
	}
	if _, err := Create(path); err == nil || !strings.Contains(err.Error(), "already exists") || !strings.Contains(err.Error(), "resume") {
		t.Errorf("Create on an existing journal: %v", err)
	}
	if rep := mustRead(t, path); len(rep.Events) != 1 {
		t.Errorf("the refused Create touched the file: %d events", len(rep.Events))
	}
}

func TestOpenAppendContinuesSeq(t *testing.T) {
	w, path := newJournal(t)
	mustWrite(t, w, started(), runbook.Event{Time: ts(1), Event: runbook.EvStepStarted, Step: "s01-pause"},
		runbook.Event{Time: ts(2), Event: runbook.EvOutput, Step: "s01-pause", Text: "x"})
	w.Close()

	w2, err := OpenAppend(path)
	if err != nil {
		t.Fatal(err)
	}
	if w2.Seq() != 3 {
		t.Errorf("Seq after OpenAppend = %d, want 3", w2.Seq())
	}
	mustWrite(t, w2, runbook.Event{Time: ts(3), Event: runbook.EvRunResumed}, runbook.Event{Time: ts(4), Event: runbook.EvStepSucceeded, Step: "s01-pause"})
	if err := w2.Close(); err != nil {
		t.Fatal(err)
	}
	rep := mustRead(t, path)
	var seqs []int64
	for _, ev := range rep.Events {
		seqs = append(seqs, ev.Seq)
	}
	if fmt.Sprint(seqs) != "[1 2 3 4 5]" {
		t.Errorf("seqs %v, want [1 2 3 4 5]", seqs)
	}
}

func TestOpenAppendCutsTornLine(t *testing.T) {
	w, path := newJournal(t)
	mustWrite(t, w, started(), runbook.Event{Time: ts(1), Event: runbook.EvStepStarted, Step: "s01-pause"})
	w.Close()
	appendRaw(t, path, `{"seq":3,"time":"`+ts(2)+`","event":"outp`)

	w2, err := OpenAppend(path)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, w2, runbook.Event{Time: ts(3), Event: runbook.EvRunResumed})
	w2.Close()
	rep := mustRead(t, path)
	if rep.Torn || len(rep.Events) != 3 || rep.Events[2].Seq != 3 || rep.Events[2].Event != runbook.EvRunResumed {
		t.Fatalf("after resume over a torn line: torn=%v %+v", rep.Torn, rep.Events)
	}
}

func TestOpenAppendAddsMissingNewline(t *testing.T) {
	w, path := newJournal(t)
	mustWrite(t, w, started(), runbook.Event{Time: ts(1), Event: runbook.EvStepSucceeded, Step: "s01-pause"})
	w.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.TrimSuffix(data, []byte("\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	w2, err := OpenAppend(path)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, w2, runbook.Event{Time: ts(2), Event: runbook.EvRunResumed})
	w2.Close()
	rep := mustRead(t, path)
	if !rep.Integrity.Verified {
		t.Errorf("the chain does not verify after the newline was added: %+v", rep.Integrity)
	}
	if rep.Torn || len(rep.Events) != 3 || rep.Events[1].Event != runbook.EvStepSucceeded || rep.Events[2].Seq != 3 {
		t.Fatalf("complete last event without newline: torn=%v %+v", rep.Torn, rep.Events)
	}
}

func TestOpenAppendRefusesBadMiddle(t *testing.T) {
	_, path := newJournal(t)
	data := []byte(`{"seq":1,"event":"run-started"}` + "\nnot json\n" + `{"seq":3,"event":"run-resumed"}` + "\n")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenAppend(path); err == nil || !strings.Contains(err.Error(), path+":2") {
		t.Errorf("OpenAppend on a damaged journal: %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, data) {
		t.Error("OpenAppend modified a damaged journal")
	}
}

// TestDurableBoundaries checks that a non-output event is in the file, and
// fsync'ed, when Write returns: a second handle reads it.
func TestDurableBoundaries(t *testing.T) {
	w, path := newJournal(t)
	kinds := []runbook.EventType{runbook.EvRunStarted, runbook.EvStepConfirmed, runbook.EvStepStarted, runbook.EvStepSucceeded,
		runbook.EvStepFailed, runbook.EvDecision, runbook.EvStepSkipped, runbook.EvOutageStarted, runbook.EvRunFinished}
	for i, k := range kinds {
		syncs := w.syncs
		mustWrite(t, w, runbook.Event{Time: ts(i), Event: k, Step: "s01-pause"})
		if w.syncs != syncs+1 {
			t.Errorf("%s: %d fsyncs, want 1", k, w.syncs-syncs)
		}
		rep := mustRead(t, path)
		if len(rep.Events) != i+1 || rep.Events[i].Event != k {
			t.Fatalf("after writing %s another handle reads %d events", k, len(rep.Events))
		}
	}
}

func TestOutputBatching(t *testing.T) {
	w, path := newJournal(t)
	mustWrite(t, w, started(), runbook.Event{Time: ts(1), Event: runbook.EvStepStarted, Step: "s02-setup"})
	syncs := w.syncs
	for i := 0; i < 5; i++ {
		mustWrite(t, w, runbook.Event{Time: ts(2 + i), Event: runbook.EvOutput, Step: "s02-setup", Text: fmt.Sprintf("line %d", i)})
	}
	if w.syncs != syncs {
		t.Errorf("output events fsync'ed %d times", w.syncs-syncs)
	}
	if rep := mustRead(t, path); len(rep.Events) != 2 {
		t.Fatalf("output visible before the boundary: %d events", len(rep.Events))
	}
	mustWrite(t, w, runbook.Event{Time: ts(10), Event: runbook.EvStepSucceeded, Step: "s02-setup"})
	rep := mustRead(t, path)
	if len(rep.Events) != 8 {
		t.Fatalf("after the boundary: %d events, want 8", len(rep.Events))
	}
	for i := 0; i < 5; i++ {
		if ev := rep.Events[2+i]; ev.Text != fmt.Sprintf("line %d", i) || ev.Seq != int64(3+i) {
			t.Errorf("output %d = seq %d %q", i, ev.Seq, ev.Text)
		}
	}
	if rep.Events[7].Event != runbook.EvStepSucceeded || rep.Events[7].Seq != 8 {
		t.Errorf("boundary event out of order: %+v", rep.Events[7])
	}

	// Flush makes pending output durable without another event.
	mustWrite(t, w, runbook.Event{Time: ts(11), Event: runbook.EvOutput, Text: "tail"})
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if rep := mustRead(t, path); len(rep.Events) != 9 {
		t.Errorf("after Flush: %d events, want 9", len(rep.Events))
	}
}

func TestOutputBatchLimit(t *testing.T) {
	w, path := newJournal(t)
	long := strings.Repeat("x", 1000)
	n := 0
	for len(mustRead(t, path).Events) == 0 {
		mustWrite(t, w, runbook.Event{Time: ts(0), Event: runbook.EvOutput, Text: long})
		if n++; n > 200 {
			t.Fatal("output never written without a boundary")
		}
	}
	if n < 50 {
		t.Errorf("batch written after %d lines of 1 KB, want about 64", n)
	}
}

func TestCloseFlushesAndIsIdempotent(t *testing.T) {
	w, path := newJournal(t)
	mustWrite(t, w, runbook.Event{Time: ts(0), Event: runbook.EvOutput, Text: "pending"})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.Write(runbook.Event{Event: runbook.EvRunFinished}); err == nil {
		t.Error("Write after Close succeeded")
	}
	if rep := mustRead(t, path); len(rep.Events) != 1 {
		t.Errorf("Close lost pending output: %d events", len(rep.Events))
	}
}

func TestWriteLeavesCallerEventAlone(t *testing.T) {
	w, _ := newJournal(t, WithSecrets("S3cret!"))
	ev := runbook.Event{Time: "keep", Event: runbook.EvStepStarted, Commands: []string{"net use /user:x S3cret!"}}
	mustWrite(t, w, ev)
	if ev.Seq != 0 || ev.Time != "keep" || ev.Commands[0] != "net use /user:x S3cret!" {
		t.Errorf("Write changed the caller's event: %+v", ev)
	}
}

func appendRaw(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func TestReadTornLastLine(t *testing.T) {
	good := `{"seq":1,"event":"run-started"}` + "\n" + `{"seq":2,"event":"step-started","step":"a"}` + "\n"
	for name, tail := range map[string]string{
		"cut mid-line":        `{"seq":3,"event":"out`,
		"invalid with ending": "{\"seq\":3,\"ev\n",
		"zeros after a crash": "\x00\x00\x00\x00",
		"zeros and newline":   "\x00\x00\x00\n\n",
	} {
		t.Run(name, func(t *testing.T) {
			rep, err := ReadReader(strings.NewReader(good+tail), "run.jsonl")
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Torn || rep.TornLine != 3 || len(rep.Events) != 2 {
				t.Errorf("torn=%v line=%d events=%d, want torn at line 3 with 2 events", rep.Torn, rep.TornLine, len(rep.Events))
			}
			if rep.end != int64(len(good)) {
				t.Errorf("good prefix %d bytes, want %d", rep.end, len(good))
			}
		})
	}
	rep, err := ReadReader(strings.NewReader(good), "run.jsonl")
	if err != nil || rep.Torn || len(rep.Events) != 2 {
		t.Errorf("clean journal: torn=%v events=%d err=%v", rep.Torn, len(rep.Events), err)
	}
}

func TestReadBadMiddleLine(t *testing.T) {
	for name, c := range map[string]struct{ text, want string }{
		"not json":     {"{\"seq\":1,\"event\":\"run-started\"}\n{oops}\n{\"seq\":3,\"event\":\"run-resumed\"}\n", "run.jsonl:2: not a journal event"},
		"no event":     {"{\"seq\":1,\"event\":\"run-started\"}\n{\"seq\":2}\n{\"seq\":3,\"event\":\"run-resumed\"}\n", "run.jsonl:2: event 2 has no event type"},
		"seq backward": {"{\"seq\":1,\"event\":\"run-started\"}\n{\"seq\":5,\"event\":\"finding\"}\n{\"seq\":2,\"event\":\"finding\"}\n{\"seq\":6,\"event\":\"finding\"}\n", "run.jsonl:3: seq 2 does not follow seq 5"},
		"torn then ok": {"{\"seq\":1,\"event\":\"run-started\"}\n{\"seq\":2,\"ev\n\n{\"seq\":3,\"event\":\"run-resumed\"}", "run.jsonl:2:"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadReader(strings.NewReader(c.text), "run.jsonl")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestReadMissingFile(t *testing.T) {
	_, err := Read(filepath.Join(t.TempDir(), "nope.jsonl"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.jsonl") {
		t.Errorf("missing journal: %v", err)
	}
}

// TestConcurrentWriters: the engine's step loop and its output callbacks
// write at once; every event lands once, with unique increasing seqs.
func TestConcurrentWriters(t *testing.T) {
	w, path := newJournal(t)
	done := make(chan struct{})
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 250; i++ {
				ev := runbook.Event{Time: ts(0), Event: runbook.EvOutput, Text: "x"}
				if i%50 == 49 {
					ev.Event = runbook.EvStepSucceeded
				}
				if err := w.Write(ev); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rep := mustRead(t, path) // Read rejects any seq that does not increase
	if len(rep.Events) != 1000 || rep.Events[999].Seq != 1000 {
		t.Errorf("%d events, last seq %d", len(rep.Events), rep.Events[len(rep.Events)-1].Seq)
	}
}
