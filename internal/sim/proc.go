package sim

import (
	"sort"
	"strings"
	"time"

	"cmsrunbook/runbook"
)

// proc is one command running on a node: its output lines, each due at a
// simulated instant, and its exit code, due at end. A short command (a
// cluster.exe move) and a detached job (Setup.com) are the same thing; a
// job is a proc registered under a job ID whose lines form a log file.
//
// The whole script is decided when the command starts, against the world
// as it is then; its effects on the world are events scheduled at the
// right instants (a build changes when Setup finishes), owned by the proc
// so that a reboot killing it drops them.
type proc struct {
	pid    int
	node   *node
	cmd    runbook.Command
	start  time.Time
	lines  []procLine
	end    time.Time
	exit   int
	killed bool
	setup  bool // Setup.com: counted by SetupStarts
	// seen caches visible's last answer: the simulated clock only moves
	// forward, so each wake-up of a tail resumes where the last one
	// stopped instead of rescanning the log (which made a window
	// quadratic in the length of Setup's log).
	seen int
}

type procLine struct {
	at   time.Time
	line runbook.OutputLine
	off  int64 // log offset after this line (CRLF line endings, as on the node)
}

// exitKilledAtShutdown is what Windows reports for a process ended by a
// system shutdown (STATUS_CONTROL_C_EXIT / 0xC000013A).
const exitKilledAtShutdown = -1073741510

func (s *Sim) newProc(n *node, cmd runbook.Command) *proc {
	s.nextPID++
	return &proc{pid: s.nextPID, node: n, cmd: cmd, start: s.clk.now, end: s.clk.now}
}

// say adds an output line due d after the start.
func (p *proc) say(d time.Duration, stream runbook.Stream, text string) {
	at := p.start.Add(d)
	if len(p.lines) > 0 && at.Before(p.lines[len(p.lines)-1].at) {
		at = p.lines[len(p.lines)-1].at
	}
	var off int64
	if len(p.lines) > 0 {
		off = p.lines[len(p.lines)-1].off
	}
	off += int64(len(text)) + 2
	p.lines = append(p.lines, procLine{at: at, line: runbook.OutputLine{Stream: stream, Text: text}, off: off})
	if at.After(p.end) {
		p.end = at
	}
}

// out adds stdout lines due d after the start.
func (p *proc) out(d time.Duration, lines ...string) {
	for _, l := range lines {
		p.say(d, runbook.Stdout, l)
	}
}

// errs adds stderr lines due d after the start.
func (p *proc) errs(d time.Duration, lines ...string) {
	for _, l := range lines {
		p.say(d, runbook.Stderr, l)
	}
}

// finish sets the exit code, due d after the start (or with the last line).
func (p *proc) finish(d time.Duration, code int) {
	if e := p.start.Add(d); e.After(p.end) {
		p.end = e
	}
	p.exit = code
}

// effect schedules a change of the world d after the start, dropped if the
// proc is killed first.
func (s *Sim) effect(p *proc, d time.Duration, fn func()) {
	s.at(p.start.Add(d), p, fn)
}

// running reports whether the proc has not ended at t.
func (p *proc) running(t time.Time) bool { return !p.killed && t.Before(p.end) }

// visible counts the lines written by t. Lines are in time order (say
// keeps them so): from the cached count it walks forward while time moves
// forward, and binary-searches when asked about an earlier instant or
// after the lines changed under it.
func (p *proc) visible(t time.Time) int {
	n := p.seen
	if n > len(p.lines) || n > 0 && p.lines[n-1].at.After(t) {
		n = sort.Search(len(p.lines), func(i int) bool { return p.lines[i].at.After(t) })
	} else {
		for n < len(p.lines) && !p.lines[n].at.After(t) {
			n++
		}
	}
	p.seen = n
	return n
}

// size is the log's size in bytes at t.
func (p *proc) size(t time.Time) int64 {
	if n := p.visible(t); n > 0 {
		return p.lines[n-1].off
	}
	return 0
}

// nextAt is when the proc next changes after t: its next line or its end.
func (p *proc) nextAt(t time.Time) time.Time {
	if n := p.visible(t); n < len(p.lines) && p.lines[n].at.Before(p.end) {
		return p.lines[n].at
	}
	return p.end
}

// kill ends the proc at t (a shutdown): unwritten lines are lost and its
// pending effects are dropped.
func (p *proc) kill(t time.Time) {
	if !p.running(t) {
		return
	}
	p.lines = p.lines[:p.visible(t)]
	p.end = t
	p.exit = exitKilledAtShutdown
	p.killed = true
}

// state is the job's state at t.
func (p *proc) state(t time.Time) runbook.JobState {
	st := runbook.JobState{Found: true, Running: p.running(t), Size: p.size(t)}
	if !st.Running {
		st.ExitCode = p.exit
	}
	return st
}

// replace swaps the proc's output for a replayed transcript, spread evenly
// over the proc's run time, and its exit code for the transcript's.
func (p *proc) replace(text string, exit int) {
	lines := splitLines(text)
	dur := p.end.Sub(p.start)
	end := p.end
	p.lines, p.seen = nil, 0
	for i, l := range lines {
		d := dur
		if len(lines) > 1 {
			d = time.Duration(int64(dur) * int64(i+1) / int64(len(lines)))
		}
		p.say(d, runbook.Stdout, l)
	}
	p.end = end
	p.exit = exit
}

// splitLines splits a transcript into lines, accepting CRLF and LF, and
// dropping the break after the last line.
func splitLines(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}
