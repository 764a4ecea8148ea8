package session_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/session"
	"cmsrunbook/runbook"
)

// interruptedWindow runs ccr-2003-sp2 until the prompt after four
// confirmed steps, as a person who presses Ctrl+C there, and returns the
// journal: a run that resume would continue.
func interruptedWindow(t *testing.T) string {
	t.Helper()
	jpath := filepath.Join(t.TempDir(), "sim.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	te := newEnv(script(repeat("y", 4)...).interruptAfter(cancel))
	s, err := openSim(te, "ccr-2003-sp2", jpath, headless)
	if got := run(t, ctx, s, err, te); got != session.Interrupted {
		t.Fatalf("first run: result %d, want Interrupted\n%s", got, te.dump())
	}
	return jpath
}

// journalLines is the journal's lines, each with its newline.
func journalLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")
}

// lineOf is the index of the first line that contains all of subs and
// is not the last line.
func lineOf(t *testing.T, ls []string, subs ...string) int {
	t.Helper()
next:
	for i, l := range ls[:len(ls)-1] {
		for _, s := range subs {
			if !strings.Contains(l, s) {
				continue next
			}
		}
		return i
	}
	t.Fatalf("no line holds %q", subs)
	return -1
}

// refused opens the resume and checks that it is refused with an input
// error that names the journal and says nothing was sent, and that
// neither the journal nor the simulated cluster saved beside it changed.
func refused(t *testing.T, jpath string, wants ...string) {
	t.Helper()
	before, _ := os.ReadFile(jpath)
	world, _ := os.ReadFile(jpath + ".world")
	te := newEnv(script(repeat("y", 20)...))
	s, err := session.OpenResume(context.Background(), te.env, session.ResumeSpec{Journal: jpath}, headless)
	if err == nil {
		s.Close()
		t.Fatalf("the resume of a journal that does not verify opened")
	}
	ie := asInput(t, "OpenResume", err)
	for _, want := range append([]string{jpath, "nothing was sent"}, wants...) {
		if !strings.Contains(ie.Error(), want) {
			t.Errorf("the refusal %q does not say %q", ie.Error(), want)
		}
	}
	if after, _ := os.ReadFile(jpath); !bytes.Equal(before, after) {
		t.Error("the refused resume changed the journal")
	}
	if after, _ := os.ReadFile(jpath + ".world"); !bytes.Equal(world, after) {
		t.Error("the refused resume changed the simulated cluster")
	}
	if te.out.String() != "" {
		t.Errorf("the refused resume printed:\n%s", te.dump())
	}
}

// TestResumeRefusesAnEditedJournal: what someone could do to the journal
// of an interrupted window before the resume, each refused before a
// session, an executor or a lock exists, naming the line.
func TestResumeRefusesAnEditedJournal(t *testing.T) {
	t.Parallel()
	owner := regexp.MustCompile(`"name":"EXCMS01","owner":"(EXNODE0[12])"`)
	cases := map[string]func(t *testing.T, ls []string) ([]string, int){
		"a command changed in the middle": func(t *testing.T, ls []string) ([]string, int) {
			i := lineOf(t, ls, `"event":"step-started"`, `"commands":["`)
			ls[i] = strings.Replace(ls[i], `"commands":["`, `"commands":["rem `, 1)
			return ls, i + 1
		},
		"the recorded CMS owner changed": func(t *testing.T, ls []string) ([]string, int) {
			m := owner.FindStringSubmatch(ls[0])
			if m == nil {
				t.Fatalf("run-started records no owner of EXCMS01: %.300s", ls[0])
			}
			other := map[string]string{"EXNODE01": "EXNODE02", "EXNODE02": "EXNODE01"}[m[1]]
			ls[0] = strings.Replace(ls[0], m[0], `"name":"EXCMS01","owner":"`+other+`"`, 1)
			return ls, 1
		},
		"a step-succeeded line deleted": func(t *testing.T, ls []string) ([]string, int) {
			i := lineOf(t, ls, `"event":"step-succeeded"`)
			return append(ls[:i:i], ls[i+1:]...), i + 1
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			jpath := interruptedWindow(t)
			ls, bad := edit(t, journalLines(t, jpath))
			if err := os.WriteFile(jpath, []byte(strings.Join(ls, "")+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			refused(t, jpath, "line "+strconv.Itoa(bad), "hash chain")
		})
	}

	t.Run("no chain at all", func(t *testing.T) {
		t.Parallel()
		jpath := interruptedWindow(t)
		ls := journalLines(t, jpath)
		for i, l := range ls {
			ls[i] = l[:strings.LastIndex(l, `,"chain":"`)] + "}\n"
		}
		if err := os.WriteFile(jpath, []byte(strings.Join(ls, "")), 0o600); err != nil {
			t.Fatal(err)
		}
		refused(t, jpath, "unverified")
	})
}

// TestResumeRefusesAPlanThatIsNotItsDigest: a journal written whole by
// the writer (the chain holds) whose plan is not the one the digest was
// taken of is refused too.
func TestResumeRefusesAPlanThatIsNotItsDigest(t *testing.T) {
	t.Parallel()
	jpath := filepath.Join(t.TempDir(), "plan.jsonl")
	plan := []runbook.Step{{N: 1, ID: "s01-pause-node-EXNODE02", Kind: runbook.KindPauseNode, Node: "EXNODE02", Commands: []string{"cluster.exe node EXNODE02 /pause"}}}
	digest := (&runbook.Plan{Steps: plan}).Digest()
	plan[0].Commands = []string{"cluster.exe node EXNODE02 /evict"}
	writeJournal(t, jpath, runbook.Event{Event: runbook.EvRunStarted, Time: "2026-11-28T22:00:00.000Z", Source: "ccr-2003-sp2",
		Options: map[string]string{"mode": "sim", "run-id": "r1", "world": "plan.jsonl.world"}, Digest: digest, Plan: plan})
	refused(t, jpath, "does not match its digest", digest)
}

// TestResumeAfterATornLastLine: a crash mid-write is not an edit: the
// torn line is dropped, the window resumes and the chain goes on.
func TestResumeAfterATornLastLine(t *testing.T) {
	t.Parallel()
	jpath := interruptedWindow(t)
	ls := journalLines(t, jpath)
	last := ls[len(ls)-1]
	ls[len(ls)-1] = last[:len(last)/2]
	if err := os.WriteFile(jpath, []byte(strings.Join(ls, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	te := newEnv(nil)
	s, err := session.OpenResume(context.Background(), te.env, session.ResumeSpec{Journal: jpath},
		session.View{Headless: true, Yes: true, OnFailure: "abort", Quiet: true})
	if got := run(t, context.Background(), s, err, te); got != session.Done {
		t.Fatalf("resume after a torn line: result %d\n%s", got, te.dump())
	}
	rep, err := journal.Read(jpath)
	if err != nil || rep.Torn || !rep.Integrity.Verified {
		t.Fatalf("the journal after the resume: %v torn=%v integrity %+v", err, rep.Torn, rep.Integrity)
	}
}

// TestResumeRefusesWhatIsNotAJournal: /dev/zero and a file with a line
// no journal has end at once with an input error naming the file.
func TestResumeRefusesWhatIsNotAJournal(t *testing.T) {
	t.Parallel()
	long := filepath.Join(t.TempDir(), "long.jsonl")
	if err := os.WriteFile(long, append(bytes.Repeat([]byte("A"), journal.MaxLine+10), '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	paths := []string{long}
	if runtime.GOOS != "windows" {
		paths = append(paths, "/dev/zero")
	}
	for _, p := range paths {
		_, err := session.OpenResume(context.Background(), newEnv(nil).env, session.ResumeSpec{Journal: p}, headless)
		if ie := asInput(t, "OpenResume "+p, err); !strings.Contains(ie.Error(), p) {
			t.Errorf("%s: the error %q does not name the file", p, ie.Error())
		}
	}
}

// emptyPlanDigest is the digest of a run-started without steps, for the
// tests that write one by hand to reach a check after the digest's.
var emptyPlanDigest = (&runbook.Plan{}).Digest()
