package tui

import (
	"strings"
	"unicode/utf8"
	"unsafe"
)

// lineKind says how the output pane draws a line: the node's own output,
// or a note of the runbook's about the step (the command it sent, the
// verdict, a decision).
type lineKind uint8

const (
	lineStdout lineKind = iota
	lineStderr
	lineCommand // "> NODE: the exact command"
	lineOK
	lineFailed
	lineNote // skipped, decisions, outage, run finished
)

// outLine is one sanitised line as the screen keeps it. lower is the
// lower-cased text, computed once at ingestion so an incremental search
// over 100,000 lines never allocates per keystroke.
type outLine struct {
	text  string
	lower string
	at    string // when: the event's RFC 3339 time, formatted only when shown (t)
	step  int32  // index into the plan's steps
	kind  lineKind
}

func newLine(step int, kind lineKind, text string) outLine {
	t := Sanitize(text)
	return outLine{text: t, lower: lower(t), step: int32(step), kind: kind}
}

// lower is strings.ToLower, faster on the ASCII lines nodes print nearly
// always: one allocation and a plain byte loop (strings.ToLower writes
// byte by byte through a Builder), and none when the line has no capital.
// It runs on the engine's goroutine for every output line.
func lower(s string) string {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(s)
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return s
	}
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	// b is never written again, so the string may share it.
	return unsafe.String(&b[0], len(b))
}

// DefaultRingLines bounds what the screen keeps. The journal keeps every
// line; the screen keeps enough to scroll back through a Setup.com run
// several times over, and its memory does not grow with the window.
const DefaultRingLines = 100_000

// ring is a bounded buffer of output lines addressed by a global sequence
// number (0 for the first line ever appended). When full, the oldest line
// goes. It belongs to the UI goroutine: the engine never touches it (lines
// reach it through the inbox, drained once per frame), so it needs no lock.
type ring struct {
	buf   []outLine
	total int // lines ever appended; the next line's sequence number
}

func newRing(capacity int) *ring {
	if capacity <= 0 {
		capacity = DefaultRingLines
	}
	return &ring{buf: make([]outLine, 0, min(capacity, 4096)), total: 0}
}

func (r *ring) capacity() int { return cap(r.buf) }

// oldest is the sequence number of the oldest line still held.
func (r *ring) oldest() int { return r.total - len(r.buf) }

func (r *ring) append(l outLine, limit int) {
	if len(r.buf) < limit {
		if len(r.buf) == cap(r.buf) {
			nb := make([]outLine, len(r.buf), min(limit, 2*cap(r.buf)+1))
			// Not yet full, so the buffer is still in order from line 0.
			copy(nb, r.buf)
			r.buf = nb
		}
		r.buf = append(r.buf, l)
		r.total++
		return
	}
	r.buf[r.total%len(r.buf)] = l
	r.total++
}

// at returns the line with sequence number seq, which must be held. Until
// the buffer is full, line s sits at index s; once full, at s modulo the
// length, which is the same formula.
func (r *ring) at(seq int) *outLine { return &r.buf[seq%len(r.buf)] }

// span is one step's lines: sequence numbers [first, end). The engine runs
// one step at a time, so a step's lines are contiguous.
type span struct {
	first, end int
	set        bool
}

// store is the ring plus the per-step spans that let the pane show any
// step's output without scanning the log.
type store struct {
	r       *ring
	limit   int
	spans   []span
	dropped int // lines the inbox had to drop because the screen fell behind
}

func newStore(steps, limit int) *store {
	if limit <= 0 {
		limit = DefaultRingLines
	}
	return &store{r: newRing(limit), limit: limit, spans: make([]span, steps)}
}

func (s *store) add(l outLine) {
	seq := s.r.total
	s.r.append(l, s.limit)
	if int(l.step) < 0 || int(l.step) >= len(s.spans) {
		return
	}
	sp := &s.spans[l.step]
	if !sp.set {
		sp.first, sp.set = seq, true
	}
	sp.end = seq + 1
}

// window returns the held sequence range [from, to) of a step's lines and
// how many of its lines were evicted from the screen buffer.
func (s *store) window(step int) (from, to, evicted int) {
	if step < 0 || step >= len(s.spans) || !s.spans[step].set {
		return 0, 0, 0
	}
	sp := s.spans[step]
	from = max(sp.first, s.r.oldest())
	if from > sp.end {
		from = sp.end
	}
	return from, sp.end, from - sp.first
}

func (s *store) line(seq int) *outLine { return s.r.at(seq) }
