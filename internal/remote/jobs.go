package remote

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"cmsrunbook/runbook"
)

// This file is the job runner: every command that needs Active Directory
// (Setup.com, the Exchange snap-in) or runs for long (msiexec, wusa) runs
// as a scheduled task on its node, under the engineer's account, with its
// output in a log file the executor tails. A WinRM shell is a network
// logon that cannot pass credentials on (the double hop); the task logs on
// with the password, so it can, and a dropped connection never kills it.

// validJobID keeps job IDs safe as file names, task names and literals.
func validJobID(id string) error {
	if id == "" || len(id) > 120 {
		return place(func(at string) string { return say("%sjob ID %q is empty or too long", at, id) }, nil)
	}
	for _, r := range id {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') || id[0] == '.' {
			return place(func(at string) string {
				return say("%sjob ID %q holds %s; only letters, digits, - _ and . are used", at, id, strconv.QuoteRune(r))
			}, nil)
		}
	}
	return nil
}

// jobInput is what job-start reads from standard input: the password
// (never on a command line the node's other processes could read) and the
// batch file, base64, so no quoting or code page touches it on the way.
func (e *Executor) jobInput(c *conn, batch string) []byte {
	return []byte(c.password() + "\r\n" + base64.StdEncoding.EncodeToString([]byte(batch)) + "\r\n")
}

// StartJob starts a long-running command detached on its node, as a
// scheduled task. Starting an ID that exists on the node starts nothing:
// the job is running or ran already, and the caller re-attaches with Job
// and TailJob.
func (e *Executor) StartJob(ctx context.Context, cmd runbook.Command, jobID string) error {
	if cmd.Shell == runbook.ShellPowerShell {
		return errors.New(say("%s: a detached job runs a cmd.exe line, not a PowerShell line (%q)", cmd.Node, cmd.Line))
	}
	e.noteCommand(cmd)
	_, err := e.startJob(ctx, cmd.Node, jobID, cmd.Line, cmd.Kind)
	return err
}

// startJob starts the job; existed is true when the node already had it
// (nothing was started: the caller re-attaches).
func (e *Executor) startJob(ctx context.Context, node, jobID, line string, kind runbook.StepKind) (existed bool, err error) {
	batch, err := JobBatch(jobID, line)
	if err != nil {
		return false, at(node, err)
	}
	c, err := e.conn(node)
	if err != nil {
		return false, err
	}
	var status record
	params := []Param{{"JobId", jobID}, {"User", e.inv.WinRM.User}, {"Step", string(kind)}}
	code, stderr, err := e.scriptIn(ctx, node, ScriptJobStart, params, e.jobInput(c, batch), func(r record) {
		if status == nil {
			status = r
		}
	})
	if err != nil {
		return false, wrap(say("starting job %s on %s: %s", jobID, node, err), err)
	}
	switch status.field(0) {
	case "started":
		return false, nil
	case "exists":
		return true, nil
	case "failed":
		return false, errors.New(say("starting job %s on %s as a scheduled task under %s: %s", jobID, node, e.inv.WinRM.User, status.field(1)))
	case "refused":
		return false, errors.New(say("starting job %s on %s: %s", jobID, node, status.field(1)))
	}
	return false, errors.New(say("starting job %s on %s: no answer from the start script (exit %s): %s", jobID, node, strconv.Itoa(code), stderr))
}

// parseJobState reads `state found running exit size why`.
func parseJobState(r record) runbook.JobState {
	exit, _ := strconv.Atoi(r.field(3))
	size, _ := strconv.ParseInt(r.field(4), 10, 64)
	return runbook.JobState{Found: r.field(1) == "1", Running: r.field(2) == "1", ExitCode: exit, Size: size, Why: r.field(5)}
}

// endedWithout says in words why a job ended without an exit code.
func endedWithout(why string) string {
	switch why {
	case "restarted":
		return say("cmsrunbook: the node restarted while this job ran; it left no exit code.")
	case "notstarted":
		return say("cmsrunbook: this job's task never started (the connection may have dropped while it was being set up); nothing ran.")
	case "noexitcode":
		return say("cmsrunbook: this job's exit file holds no number, so its result is unknown; it is treated as failed.")
	case "gone":
		return say("cmsrunbook: this job's cmd.exe is no longer running and left no exit code (ended by someone, or killed).")
	}
	return ""
}

// Job reports a detached job's state from its files on the node.
func (e *Executor) Job(ctx context.Context, node, jobID string) (runbook.JobState, error) {
	return e.jobState(ctx, node, jobID, false)
}

func (e *Executor) jobState(ctx context.Context, node, jobID string, forget bool) (runbook.JobState, error) {
	if err := validJobID(jobID); err != nil {
		return runbook.JobState{}, err
	}
	var st *runbook.JobState
	params := []Param{{"JobId", jobID}, {"Offset", "0"}, {"Read", "0"}}
	if forget {
		params = append(params, Param{"Forget", "1"})
	}
	code, stderr, err := e.script(ctx, node, ScriptJobTail, params, func(r record) {
		if r.field(0) == "state" {
			s := parseJobState(r)
			st = &s
		}
	})
	if err != nil {
		return runbook.JobState{}, wrap(say("reading job %s on %s: %s", jobID, node, err), err)
	}
	if st == nil {
		return runbook.JobState{}, errors.New(say("reading job %s on %s: no state from the script (exit %s): %s", jobID, node, strconv.Itoa(code), stderr))
	}
	return *st, nil
}

// logReader cuts the job's log bytes into lines in the node's code page,
// handing each on with the offset just past it.
type logReader struct {
	cp        func() int
	pending   []byte // bytes after the last line ending
	pendStart int64
	out       func(runbook.OutputLine, int64)
}

func (l *logReader) add(data []byte) {
	l.pending = append(l.pending, data...)
	for {
		i := bytes.IndexByte(l.pending, '\n')
		if i < 0 {
			return
		}
		text := strings.TrimRight(decodeText(l.pending[:i], l.cp()), "\r")
		l.pendStart += int64(i + 1)
		l.pending = l.pending[i+1:]
		l.out(runbook.OutputLine{Stream: runbook.Stdout, Text: text}, l.pendStart)
	}
}

func (l *logReader) flush(off int64) {
	if len(l.pending) > 0 {
		text := strings.TrimRight(decodeText(l.pending, l.cp()), "\r")
		l.pending = nil
		l.out(runbook.OutputLine{Stream: runbook.Stdout, Text: text}, off)
	}
}

// TailJob streams the job's log from byte offset from until the job has
// ended and its whole log was read, polling the node every PollInterval.
// Each line is handed on with the offset just past it, so a caller can
// resume from there after a drop. A job that ended without an exit code
// gets a last line saying why.
func (e *Executor) TailJob(ctx context.Context, node, jobID string, from int64, out func(runbook.OutputLine, int64)) (runbook.JobState, error) {
	if err := validJobID(jobID); err != nil {
		return runbook.JobState{}, err
	}
	c, err := e.conn(node)
	if err != nil {
		return runbook.JobState{}, err
	}
	if out == nil {
		out = func(runbook.OutputLine, int64) {}
	}
	off := from // bytes consumed into lines or pending
	lr := &logReader{cp: c.codePage, pendStart: from, out: out}
	for {
		var st *runbook.JobState
		got := false
		var badData error
		code, stderr, err := e.script(ctx, node, ScriptJobTail, []Param{{"JobId", jobID}, {"Offset", strconv.FormatInt(off, 10)}, {"Read", "1"}}, func(r record) {
			switch r.field(0) {
			case "data":
				end, perr := strconv.ParseInt(r.field(1), 10, 64)
				data, derr := base64.StdEncoding.DecodeString(r.field(2))
				if perr != nil || derr != nil || end-int64(len(data)) != off {
					badData = errors.New(say("bad log record at offset %s", strconv.FormatInt(off, 10)))
					return
				}
				off = end
				got = got || len(data) > 0
				lr.add(data)
			case "state":
				s := parseJobState(r)
				st = &s
			}
		})
		if err != nil {
			return runbook.JobState{}, wrap(say("tailing job %s on %s: %s", jobID, node, err), err)
		}
		if badData != nil {
			return runbook.JobState{}, wrap(say("tailing job %s on %s: %s", jobID, node, badData), badData)
		}
		if st == nil {
			return runbook.JobState{}, errors.New(say("tailing job %s on %s: no state from the script (exit %s): %s", jobID, node, strconv.Itoa(code), stderr))
		}
		if !st.Found {
			return *st, errors.New(say("tailing job %s on %s: no such job on the node", jobID, node))
		}
		if !st.Running && off >= st.Size {
			lr.flush(off)
			if why := endedWithout(st.Why); why != "" {
				out(runbook.OutputLine{Stream: runbook.Note, Text: why}, off)
			}
			return *st, nil
		}
		if got && off < st.Size {
			continue // more log is waiting: read on without pausing
		}
		if err := sleepCtx(ctx, e.opts.PollInterval); err != nil {
			return *st, wrap(say("tailing job %s on %s: %s", jobID, node, err), err)
		}
	}
}

// newJobID names a job the executor starts for itself that nothing
// depends on seeing once only (the Exchange part of discovery).
func newJobID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// SetRunID names the run whose commands this executor sends: the job of
// an Exchange command is named from the run, the node and the line, so a
// run resumed after a crash that sends the same command again finds the
// job the first send started on the node and re-attaches to it instead
// of stopping or moving a CMS a second time.
func (e *Executor) SetRunID(id string) {
	e.mu.Lock()
	e.runID = id
	e.mu.Unlock()
}

// CommandJobID is the job name of an Exchange command of run runID on
// node (see SetRunID).
func CommandJobID(runID, node, line string) string {
	h := sha256.Sum256([]byte(runID + "\x00" + strings.ToUpper(node) + "\x00" + line))
	return "ps-" + hex.EncodeToString(h[:8])
}

// markRead records that this executor read the job to its end, and
// reports whether it had already.
func (e *Executor) markRead(id string, set bool) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	was := e.read[id]
	if set {
		if e.read == nil {
			e.read = map[string]bool{}
		}
		e.read[id] = true
	}
	return was
}

// runCommandJob runs an Exchange command's script through the job runner
// under its CommandJobID. A job of that name already on the node was
// started by an earlier send whose end this executor never read (the
// run crashed or the connection dropped while it ran): it is re-attached
// to, and the command is not sent again. One whose end this executor
// already read (its files could not be removed) is cleared first.
func (e *Executor) runCommandJob(ctx context.Context, node, script string, kind runbook.StepKind, line string, out func(runbook.OutputLine)) (int, error) {
	e.mu.Lock()
	runID := e.runID
	e.mu.Unlock()
	if runID == "" {
		return e.runJob(ctx, node, "ps", script, kind, out)
	}
	id := CommandJobID(runID, node, line)
	if e.markRead(id, false) {
		if _, err := e.jobState(ctx, node, id, true); err != nil {
			return 0, err
		}
	}
	return e.runJobAs(ctx, node, id, script, kind, out)
}

// runJob runs a PowerShell script through the job runner and waits for
// it: the way every Exchange command runs, since the snap-in needs Active
// Directory. Its output lines (stdout and stderr together, as the log
// holds them) are handed to out; its files are removed afterwards.
func (e *Executor) runJob(ctx context.Context, node, prefix, script string, kind runbook.StepKind, out func(runbook.OutputLine)) (int, error) {
	return e.runJobAs(ctx, node, newJobID(prefix), script, kind, out)
}

func (e *Executor) runJobAs(ctx context.Context, node, id, script string, kind runbook.StepKind, out func(runbook.OutputLine)) (int, error) {
	if out == nil {
		out = func(runbook.OutputLine) {}
	}
	line, err := EncodeCommand(script)
	if err != nil {
		return 0, at(node, err)
	}
	existed, err := e.startJob(ctx, node, id, line, kind)
	if err != nil {
		return 0, err
	}
	if existed {
		out(runbook.OutputLine{Stream: runbook.Note, Text: say("cmsrunbook: this command was sent before (the run stopped while it ran): re-attached to it on %s, not sent again.", node)})
	}
	st, err := e.TailJob(ctx, node, id, 0, func(l runbook.OutputLine, _ int64) { out(l) })
	if err != nil {
		return 0, err
	}
	e.markRead(id, true)
	if _, ferr := e.jobState(ctx, node, id, true); ferr != nil {
		out(runbook.OutputLine{Stream: runbook.Note, Text: say("cmsrunbook: could not remove the job's files on %s: %s", node, ferr)})
	}
	return st.ExitCode, nil
}
