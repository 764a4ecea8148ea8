package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/journal"
	"cmsrunbook/runbook"
)

// promptRE matches the line printer's three questions (internal/headless):
// a step's y/N, a typed confirmation (the CMS name) and a remedy choice.
var promptRE = regexp.MustCompile(`Run it\? \[y/N\][^\n]*step\): |Type (\S+) to confirm[^\n]*step\): |Choose a remedy \[([^\]\n]*)\]: `)

// Prompt kinds.
const (
	promptKey    = "key"
	promptTyped  = "typed"
	promptRemedy = "remedy"
)

// prompt is one question found on a run's standard output.
type prompt struct {
	kind string
	// step is the step number it is about ("Step N:" before a
	// confirmation, "[ N/M] FAILED" before a remedy).
	step string
	// answer is what a person going through the window types.
	answer string
}

var (
	stepHeadRE   = regexp.MustCompile(`\nStep (\d+): `)
	stepFailedRE = regexp.MustCompile(`\[\s*(\d+)/\d+\] FAILED`)
)

// promptedRun is the binary run with its standard input and output in the
// test's hands, as a person at a line terminal would.
type promptedRun struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr bytes.Buffer

	mu   sync.Mutex
	out  []byte
	pos  int           // where the next question is looked for
	grew chan struct{} // a read added output
	eof  chan struct{} // standard output closed
}

func startPrompted(t *testing.T, bin, state string, args ...string) *promptedRun {
	t.Helper()
	p := &promptedRun{grew: make(chan struct{}, 1), eof: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), journal.StateDirEnv+"="+state)
	p.cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cmd.Process.Kill() }) // an error once it has ended
	go func() {
		defer close(p.eof)
		buf := make([]byte, 32<<10)
		for {
			n, err := stdout.Read(buf)
			p.mu.Lock()
			p.out = append(p.out, buf[:n]...)
			p.mu.Unlock()
			select {
			case p.grew <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return p
}

// next waits for the next question; ok is false when the output ended
// without one.
func (p *promptedRun) next(t *testing.T) (prompt, bool) {
	t.Helper()
	limit := time.After(30 * time.Second)
	for {
		p.mu.Lock()
		loc := promptRE.FindSubmatchIndex(p.out[p.pos:])
		if loc != nil {
			before := p.out[:p.pos+loc[0]]
			m := func(i int) string {
				if loc[2*i] < 0 {
					return ""
				}
				return string(p.out[p.pos+loc[2*i] : p.pos+loc[2*i+1]])
			}
			q := prompt{kind: promptKey, answer: "y"}
			switch {
			case m(1) != "":
				q.kind, q.answer = promptTyped, m(1)
			case loc[4] >= 0:
				// What --on-failure retry takes: mount, wait, retry.
				q.kind, q.answer = promptRemedy, "a"
				for _, key := range []string{"d", "w", "r"} {
					if strings.Contains("/"+m(2)+"/", "/"+key+"/") {
						q.answer = key
						break
					}
				}
			}
			re := stepHeadRE
			if q.kind == promptRemedy {
				re = stepFailedRE
			}
			if all := re.FindAllSubmatch(before, -1); len(all) > 0 {
				q.step = string(all[len(all)-1][1])
			}
			p.pos += loc[1]
			p.mu.Unlock()
			return q, true
		}
		p.mu.Unlock()
		select {
		case <-p.grew:
		case <-p.eof:
			p.mu.Lock()
			done := promptRE.FindIndex(p.out[p.pos:]) == nil
			p.mu.Unlock()
			if done {
				return prompt{}, false
			}
		case <-limit:
			t.Fatalf("no question and no end after 30s; output so far:\n%s", p.output())
		}
	}
}

func (p *promptedRun) answer(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, s+"\n"); err != nil {
		t.Fatalf("answering %q: %v\n%s", s, err, p.output())
	}
}

func (p *promptedRun) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return string(p.out)
}

// wait waits for the process's end and returns its exit code.
func (p *promptedRun) wait(t *testing.T) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		return exitCode(err)
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Fatalf("the run did not end within 30s\n%s\n%s", p.output(), p.stderr.String())
	}
	return 0
}

// TestSignalAtPrompt interrupts a headless window, answered line by line
// on standard input, with SIGHUP (a dropped session), SIGTERM (a closed
// console) and SIGINT (Ctrl+C) while it waits at each kind of question: a
// step's y/N, the typed confirmation of the CMS stop, and the remedy after
// Setup failed. The process exits 129, 143 or 130; standard error says in
// one line how to resume; the journal verifies and ends with
// run-interrupted naming the signal; the cluster's lock is free at once
// (another window on it starts); and resume --headless asks about the same
// step again and goes on to the end, sending every command as many times
// as a window that was never interrupted.
func TestSignalAtPrompt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and signals it; skipped with -short")
	}
	if runtime.GOOS == "windows" {
		t.Skip("SIGHUP and SIGTERM are unix signals")
	}
	bin := buildBinary(t)
	// fault-setup-fails: Setup fails on EXNODE02 (a remedy question), then
	// the outage (the typed stop). fault-upgradecms-partially-online: the
	// remedy question inside the outage, whose answer (mount) ends it.
	questions := []struct {
		name, scenario string
		at             func(prompt) bool
		hupOnly        bool // one signal is enough
	}{
		{"step-confirm", "fault-setup-fails", func(q prompt) bool { return q.kind == promptKey && q.step == "3" }, false},
		{"typed-confirm", "fault-setup-fails", func(q prompt) bool { return q.kind == promptTyped && q.answer == "EXCMS01" }, false},
		{"remedy", "fault-setup-fails", func(q prompt) bool { return q.kind == promptRemedy }, false},
		{"mount-remedy", "fault-upgradecms-partially-online", func(q prompt) bool { return q.kind == promptRemedy }, true},
	}
	signals := []struct {
		sig  syscall.Signal
		code int
		name []string // how the journal and the message may name it
	}{
		{syscall.SIGHUP, 129, []string{"SIGHUP"}},
		{syscall.SIGTERM, 143, []string{"SIGTERM"}},
		{syscall.SIGINT, 130, []string{"SIGINT", "Ctrl+C"}},
	}
	t.Run("group", func(t *testing.T) {
		for _, q := range questions {
			for _, sg := range signals {
				if q.hupOnly && sg.sig != syscall.SIGHUP {
					continue
				}
				scenario := q.scenario
				t.Run(q.name+"/"+sg.name[0], func(t *testing.T) {
					t.Parallel()
					sc, err := config.ResolveScenario(assets.Scenarios, scenario)
					if err != nil {
						t.Fatal(err)
					}
					dir := t.TempDir()
					state := filepath.Join(dir, "state")
					jp := filepath.Join(dir, "window.jsonl")
					p := startPrompted(t, bin, state, "sim", "--headless", "--speed", "max", "--scenario", scenario, "--journal", jp, "--quiet")
					var at prompt
					for asked := 0; ; asked++ {
						if asked > 100 {
							t.Fatalf("more than 100 questions before the %s one\n%s", q.name, p.output())
						}
						qq, ok := p.next(t)
						if !ok {
							t.Fatalf("the window ended (exit %d) without the %s question\n%s\n%s", p.wait(t), q.name, p.output(), p.stderr.String())
						}
						if q.at(qq) {
							at = qq
							break
						}
						p.answer(t, qq.answer)
					}
					if err := p.cmd.Process.Signal(sg.sig); err != nil {
						t.Fatal(err)
					}
					if code := p.wait(t); code != sg.code {
						t.Fatalf("exit %d after %s at the %s question, want %d\n%s\n%s", code, sg.name[0], q.name, sg.code, p.output(), p.stderr.String())
					}
					checkInterrupted(t, jp, p.stderr.String(), sg.name)

					// The lock went with the process: another window on
					// the same cluster starts at once. It confirms every
					// step and takes the remedies the answers here take, so
					// its commands are what the window sends uninterrupted.
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					otherJournal := filepath.Join(dir, "other.jsonl")
					other := exec.CommandContext(ctx, bin, "sim", "--headless", "--yes", "--speed", "max", "--scenario", scenario,
						"--on-failure", "retry", "--journal", otherJournal, "--quiet")
					other.Env = append(os.Environ(), journal.StateDirEnv+"="+state)
					if out, err := other.CombinedOutput(); err != nil {
						t.Fatalf("a window on the same cluster after the %s: %v\n%s", sg.name[0], err, out)
					}

					// resume asks about the same step again, then goes on.
					// After a failure the engine re-reads live state first:
					// it asks to run the failed step again (nothing is sent
					// that already went through) and asks for a remedy if it
					// still fails, rather than asking for the remedy at once.
					r := startPrompted(t, bin, state, "resume", "--journal", jp, "--headless", "--quiet")
					asked := 0
					for {
						qq, ok := r.next(t)
						if !ok {
							break
						}
						if asked == 0 {
							same := qq.kind == at.kind || at.kind == promptRemedy
							if !same || qq.step != at.step {
								t.Errorf("resume first asked a %s question about step %s, want the interrupted %s question about step %s\n%s",
									qq.kind, qq.step, at.kind, at.step, r.output())
							}
						}
						if asked++; asked > 40 {
							_ = r.cmd.Process.Kill()
							t.Errorf("resume asked more than 40 questions; the end of its output:\n%s", tail(r.output(), 4000))
							break
						}
						r.answer(t, qq.answer)
					}
					code := r.wait(t)
					if diff := diffCounts(countSent(sentIn(t, sc, jp)), countSent(sentIn(t, sc, otherJournal))); diff != "" {
						t.Errorf("commands reached the nodes another number of times than in an uninterrupted window (step | node | line: got, want):\n%s", diff)
					}
					if code != 0 {
						t.Fatalf("resume exit %d; the end of its output:\n%s\n%s", code, tail(r.output(), 4000), r.stderr.String())
					}
					if asked == 0 {
						t.Errorf("resume asked nothing\n%s", r.output())
					}
					rep, err := journal.Read(jp)
					if err != nil || !rep.Integrity.Verified {
						t.Fatalf("the journal after resume: %v %v", err, rep.Integrity.Err(jp))
					}
					if rs := runbook.Fold(rep.Events); !rs.IsFinished() || rs.Finished.Status != runbook.RunSucceeded {
						t.Errorf("the resumed window ended %+v", rs.Finished)
					}
				})
			}
		}
	})
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// checkInterrupted checks what an interrupted window leaves: a verified
// journal ending with run-interrupted that names the signal, and one line
// on standard error saying how to resume.
func checkInterrupted(t *testing.T, jp, stderr string, names []string) {
	t.Helper()
	names1 := func(s string) bool {
		for _, n := range names {
			if strings.Contains(s, n) {
				return true
			}
		}
		return false
	}
	rep, err := journal.Read(jp)
	if err != nil {
		t.Fatalf("the journal after the signal: %v", err)
	}
	if !rep.Integrity.Verified || rep.Torn {
		t.Errorf("the journal after the signal: %v, torn %v", rep.Integrity.Err(jp), rep.Torn)
	}
	if n := len(rep.Events); n == 0 || rep.Events[n-1].Event != runbook.EvRunInterrupted || !names1(rep.Events[n-1].Message) {
		last := runbook.Event{}
		if n > 0 {
			last = rep.Events[n-1]
		}
		t.Errorf("the journal's last event is %s %q, want run-interrupted naming %v", last.Event, last.Message, names)
	}
	resume := "cmsrunbook resume --journal " + jp
	var says []string
	for _, line := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		if strings.Contains(line, "resume") {
			says = append(says, line)
		}
	}
	if len(says) != 1 || !strings.Contains(says[0], resume) || !names1(says[0]) {
		t.Errorf("standard error should say in one line, naming %v, how to resume (%s); it says:\n%s", names, resume, stderr)
	}
}
