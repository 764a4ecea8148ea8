package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"cmsrunbook/runbook"
)

// window writes a short journal: run-started (with a cluster whose CMS
// owner matters to the Setup guard), a pause, a Setup step with output.
func window(t *testing.T, opts ...Option) string {
	t.Helper()
	w, path := newJournal(t, opts...)
	st := started()
	st.Cluster = &runbook.Cluster{Name: "EXCLUS01", Groups: []runbook.Group{{Name: "EXCMS01", Owner: "EXNODE01", CMS: true}}}
	code := 0
	mustWrite(t, w, st,
		runbook.Event{Time: ts(1), Event: runbook.EvStepConfirmed, Step: "s01-pause", By: "exadmin"},
		runbook.Event{Time: ts(2), Event: runbook.EvStepStarted, Step: "s01-pause", Commands: []string{"cluster.exe node EXNODE02 /pause"}},
		runbook.Event{Time: ts(3), Event: runbook.EvStepSucceeded, Step: "s01-pause", ExitCode: &code},
		runbook.Event{Time: ts(4), Event: runbook.EvStepStarted, Step: "s02-setup", Commands: []string{`D:\Exchange2007SP2\Setup.com /mode:upgrade`}},
		runbook.Event{Time: ts(5), Event: runbook.EvOutput, Step: "s02-setup", Text: "Preparing Exchange Setup"},
	)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func lines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(string(data), "\n")
}

func writeLines(t *testing.T, path string, ls []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(ls, "")), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestChainFormat recomputes every chain value from the documented
// formula alone, the way a change board would with sha256sum.
func TestChainFormat(t *testing.T) {
	path := window(t)
	prev := "cmsrunbook-journal-v1 " + started().Digest
	for i, l := range lines(t, path) {
		if l == "" {
			continue
		}
		l = strings.TrimSuffix(l, "\n")
		at := strings.LastIndex(l, `,"chain":"`)
		if at < 0 || !strings.HasSuffix(l, `"}`) {
			t.Fatalf("line %d has no chain member at its end: %s", i+1, l)
		}
		body := l[:at] + "}"
		value := l[at+len(`,"chain":"`) : len(l)-2]
		sum := sha256.Sum256([]byte(prev + "\n" + body))
		if want := hex.EncodeToString(sum[:]); value != want {
			t.Fatalf("line %d: chain %s, the formula gives %s", i+1, value, want)
		}
		var ev runbook.Event
		if err := json.Unmarshal([]byte(body), &ev); err != nil || ev.Seq != int64(i+1) {
			t.Fatalf("line %d: the body is not the event: %v %+v", i+1, err, ev)
		}
		prev = value
	}
	if rep := mustRead(t, path); !rep.Integrity.Verified || rep.Integrity.Err(path) != nil {
		t.Errorf("a journal as written does not verify: %+v", rep.Integrity)
	}
}

// TestChainFirstLineNotRunStarted: a journal that starts elsewhere is
// chained from the fixed seed.
func TestChainFirstLineNotRunStarted(t *testing.T) {
	w, path := newJournal(t)
	mustWrite(t, w, runbook.Event{Time: ts(0), Event: runbook.EvFinding, Digest: "ignored"})
	w.Close()
	l := strings.TrimSuffix(lines(t, path)[0], "\n")
	at := strings.LastIndex(l, `,"chain":"`)
	sum := sha256.Sum256([]byte("cmsrunbook-journal-v1 \n" + l[:at] + "}"))
	if l[at+10:len(l)-2] != hex.EncodeToString(sum[:]) {
		t.Errorf("first line not run-started is not chained from the fixed seed: %s", l)
	}
}

// TestChainOverRedactedLines: the chain is over what is on disk, after
// the password was masked.
func TestChainOverRedactedLines(t *testing.T) {
	const pw = `Tr0ub4dor&"3`
	w, path := newJournal(t, WithSecrets(pw))
	mustWrite(t, w, started(), runbook.Event{Time: ts(1), Event: runbook.EvStepStarted, Commands: []string{"net use /user:x " + pw}},
		runbook.Event{Time: ts(2), Event: runbook.EvOutput, Text: "echo " + pw})
	w.Close()
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, []byte("Tr0ub4dor")) {
		t.Fatal("the password reached the file")
	}
	if rep := mustRead(t, path); !rep.Integrity.Verified {
		t.Errorf("a redacted journal does not verify: %+v", rep.Integrity)
	}
}

// TestChainCatchesEdits: what someone could do to a journal between the
// crash and the resume, and the line each is caught at.
func TestChainCatchesEdits(t *testing.T) {
	for name, c := range map[string]struct {
		edit    func([]string) []string
		line    int
		problem string
	}{
		"command changed": {func(ls []string) []string {
			ls[4] = strings.Replace(ls[4], "/mode:upgrade", "/mode:uninstall", 1)
			return ls
		}, 5, "changed"},
		"recorded owner changed": {func(ls []string) []string {
			ls[0] = strings.Replace(ls[0], `"owner":"EXNODE01"`, `"owner":"EXNODE02"`, 1)
			return ls
		}, 1, "changed"},
		"line deleted": {func(ls []string) []string {
			return append(ls[:3:3], ls[4:]...)
		}, 4, "seq 5 follows seq 3 on line 3"},
		"first line deleted": {func(ls []string) []string { return ls[1:] }, 1, "starts at seq 2"},
		"last line edited": {func(ls []string) []string {
			ls[5] = strings.Replace(ls[5], "Preparing", "Skipping", 1)
			return ls
		}, 6, "changed"},
		"chain removed from one line": {func(ls []string) []string {
			ls[2] = ls[2][:strings.LastIndex(ls[2], `,"chain"`)] + "}\n"
			return ls
		}, 3, "no hash chain value, though line 2 before"},
		"chain removed from the first line": {func(ls []string) []string {
			ls[0] = ls[0][:strings.LastIndex(ls[0], `,"chain"`)] + "}\n"
			return ls
		}, 1, "though line 2 after it"},
		"chain value changed": {func(ls []string) []string {
			ls[1] = strings.Replace(ls[1], `"chain":"`, `"chain":"0`, 1)
			ls[1] = ls[1][:len(ls[1])-4] + "\"}\n"
			return ls
		}, 2, "changed"},
		"reformatted": {func(ls []string) []string {
			ls[3] = strings.Replace(ls[3], `,"step"`, `, "step"`, 1)
			return ls
		}, 4, "changed"},
	} {
		t.Run(name, func(t *testing.T) {
			path := window(t)
			writeLines(t, path, c.edit(lines(t, path)))
			rep := mustRead(t, path)
			in := rep.Integrity
			if in.Verified || in.Unchained || in.FirstBadLine != c.line || !strings.Contains(in.Problem, c.problem) {
				t.Fatalf("integrity %+v, want line %d and %q", in, c.line, c.problem)
			}
			if rep.Torn {
				t.Error("an edit was taken for a torn line")
			}
			err := in.Err(path)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "line "+strconv.Itoa(c.line)) {
				t.Errorf("Err = %v", err)
			}
			before, _ := os.ReadFile(path)
			if _, err := OpenAppend(path); err == nil {
				t.Error("OpenAppend continued a broken journal")
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("OpenAppend changed a broken journal")
			}
		})
	}
}

// TestUnchainedJournal: a journal from before the chain is unverified,
// not broken, and is not continued.
func TestUnchainedJournal(t *testing.T) {
	path := window(t)
	ls := lines(t, path)
	for i, l := range ls {
		if at := strings.LastIndex(l, `,"chain"`); at >= 0 {
			ls[i] = l[:at] + "}\n"
		}
	}
	writeLines(t, path, ls)
	rep := mustRead(t, path)
	if in := rep.Integrity; in.Verified || !in.Unchained || in.FirstBadLine != 0 || len(rep.Events) != 6 {
		t.Fatalf("integrity %+v with %d events", in, len(rep.Events))
	}
	if err := rep.Integrity.Err(path); err == nil || !strings.Contains(err.Error(), "unverified") || !strings.Contains(err.Error(), path) {
		t.Errorf("Err = %v", err)
	}
	if _, err := OpenAppend(path); err == nil {
		t.Error("OpenAppend continued an unverified journal")
	}
}

// TestChainTornLastLine: a crash mid-write is not a break; OpenAppend
// cuts the line and continues the chain from the line before.
func TestChainTornLastLine(t *testing.T) {
	path := window(t)
	ls := lines(t, path)
	full := ls[5]
	ls[5] = full[:len(full)/2]
	writeLines(t, path, ls)
	rep := mustRead(t, path)
	if !rep.Torn || rep.TornLine != 6 || !rep.Integrity.Verified || len(rep.Events) != 5 {
		t.Fatalf("torn=%v line %d integrity %+v events %d", rep.Torn, rep.TornLine, rep.Integrity, len(rep.Events))
	}
	w, err := OpenAppend(path)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, w, runbook.Event{Time: ts(9), Event: runbook.EvRunResumed})
	w.Close()
	rep = mustRead(t, path)
	if rep.Torn || !rep.Integrity.Verified || len(rep.Events) != 6 || rep.Events[5].Seq != 6 {
		t.Fatalf("after OpenAppend: torn=%v integrity %+v events %d", rep.Torn, rep.Integrity, len(rep.Events))
	}
}

// TestChainAcrossOpenAppend: a resumed run's lines chain on from the
// interrupted run's, over several resumes.
func TestChainAcrossOpenAppend(t *testing.T) {
	path := window(t)
	for i := 0; i < 3; i++ {
		w, err := OpenAppend(path)
		if err != nil {
			t.Fatal(err)
		}
		mustWrite(t, w, runbook.Event{Time: ts(10 + i), Event: runbook.EvRunResumed},
			runbook.Event{Time: ts(10 + i), Event: runbook.EvOutput, Text: "more"})
		w.Close()
	}
	if rep := mustRead(t, path); !rep.Integrity.Verified || len(rep.Events) != 12 {
		t.Fatalf("integrity %+v, %d events", rep.Integrity, len(rep.Events))
	}
}

// TestEmptyJournalVerifies: no lines, nothing to distrust; the first
// event written after OpenAppend seeds the chain.
func TestEmptyJournalVerifies(t *testing.T) {
	w, path := newJournal(t)
	w.Close()
	if rep := mustRead(t, path); !rep.Integrity.Verified {
		t.Fatalf("empty journal: %+v", rep.Integrity)
	}
	w, err := OpenAppend(path)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, w, started())
	w.Close()
	if rep := mustRead(t, path); !rep.Integrity.Verified || len(rep.Events) != 1 {
		t.Fatalf("after the first event: %+v", rep.Integrity)
	}
}
