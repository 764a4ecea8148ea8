package journal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"

	"cmsrunbook/runbook"
)

// The hash chain (see the package comment for the format).
const (
	// chainSeed starts the chain; the first line's plan digest follows it
	// when that line is run-started.
	chainSeed = "cmsrunbook-journal-v1 "
	// chainKey opens the member the writer appends to every line.
	chainKey = `,"chain":"`
	// chainHexLen is the length of a chain value: hex SHA-256.
	chainHexLen = 2 * sha256.Size
	// chainSuffixLen is what the chain member adds to a line:
	// `,"chain":"` + 64 hex digits + `"` (the closing brace was there).
	chainSuffixLen = len(chainKey) + chainHexLen + 1
)

var newline, closeBrace = []byte{'\n'}, []byte{'}'}

// chainer computes chain values: SHA-256 over the previous value, a
// newline and the line without its chain member, in lowercase hex.
type chainer struct {
	h    hash.Hash
	prev []byte // the previous line's chain value, or the seed; nil before the first line
	sum  [sha256.Size]byte
	hex  [chainHexLen]byte
}

func newChainer() chainer { return chainer{h: sha256.New()} }

// seedFor is the value the chain starts from: the seed and, when the
// first line is run-started, the plan digest it records, so the chain is
// bound to the plan the run was confirmed with.
func seedFor(ev *runbook.Event) []byte {
	if ev.Event == runbook.EvRunStarted {
		return []byte(chainSeed + ev.Digest)
	}
	return []byte(chainSeed)
}

// next returns the chain value of the line whose body (the canonical
// JSON without the chain member) is head followed by tail; tail lets the
// reader hash a line and its closing brace without a copy. The result
// is valid until the next call.
func (c *chainer) next(head, tail []byte) []byte {
	c.h.Reset()
	c.h.Write(c.prev)
	c.h.Write(newline)
	c.h.Write(head)
	c.h.Write(tail)
	hex.Encode(c.hex[:], c.h.Sum(c.sum[:0]))
	return c.hex[:]
}

// advance makes v (a chain value) the previous one for the next line.
func (c *chainer) advance(v []byte) {
	c.prev = append(c.prev[:0], v...)
}

// splitChain finds the chain member at the end of a line (leading and
// trailing blanks already trimmed). It returns the line's body without
// the member and its closing brace, and the chain value; ok is false when
// the line does not end in a well-formed chain member.
func splitChain(text []byte) (head, value []byte, ok bool) {
	n := len(text)
	if n < chainSuffixLen+2 || text[n-1] != '}' || text[n-2] != '"' {
		return nil, nil, false
	}
	start := n - 1 - chainSuffixLen
	if !bytes.Equal(text[start:start+len(chainKey)], []byte(chainKey)) {
		return nil, nil, false
	}
	value = text[start+len(chainKey) : n-2]
	for _, b := range value {
		if !('0' <= b && b <= '9' || 'a' <= b && b <= 'f') {
			return nil, nil, false
		}
	}
	return text[:start], value, true
}

// Integrity is what the hash chain says about the lines that were read.
// Exactly one holds: Verified; Unchained (no line has a chain, a journal
// from before the chain existed: nothing could be checked); or
// FirstBadLine > 0 (the chain breaks there).
type Integrity struct {
	// Verified: every line carries a chain value and every one checks
	// out (a journal without events is trivially verified).
	Verified bool
	// Unchained: no line carries a chain value.
	Unchained bool
	// FirstBadLine is the 1-based number of the first line that does not
	// verify; the lines before it are as the run wrote them.
	FirstBadLine int
	// Problem says what is wrong ("" when Verified); for a broken chain
	// it is about line FirstBadLine ("the step-started event (seq 7) does
	// not match its hash chain value: ...").
	Problem string
}

// Err is nil for a verified journal and otherwise says, naming the
// file, why it cannot be trusted as written.
func (in Integrity) Err(name string) error {
	switch {
	case in.Verified:
		return nil
	case in.Unchained:
		return fmt.Errorf("journal %s is unverified: %s", name, in.Problem)
	}
	return fmt.Errorf("journal %s: the hash chain breaks at line %d: %s", name, in.FirstBadLine, in.Problem)
}

const unchainedProblem = "no line has a hash chain value: the journal was written by a cmsrunbook from before the chain, so nothing shows that it is the record as the run wrote it"

// verifier checks the chain line by line as the reader accepts lines.
type verifier struct {
	c         chainer
	lines     int  // event lines seen
	chained   bool // some line had a chain
	plain     int  // the first line without a chain, 0 if none
	bad       int  // the first line that broke the chain, 0 if none
	problem   string
	lastSeq   int64 // seq of the last verified line
	lastChain int   // line number of the last verified line
}

// line verifies one accepted event line.
func (v *verifier) line(lineNo int, text []byte, ev *runbook.Event) {
	v.lines++
	if v.bad != 0 {
		return
	}
	head, value, ok := splitChain(text)
	switch {
	case !ok && v.chained:
		v.fail(lineNo, fmt.Sprintf("the line has no hash chain value, though line %d before it has one: it was added or rewritten by hand", v.lastChain))
		return
	case !ok:
		if v.plain == 0 {
			v.plain = lineNo
		}
		return
	case v.plain != 0:
		v.fail(v.plain, fmt.Sprintf("the line has no hash chain value, though line %d after it has one: it was added or rewritten by hand", lineNo))
		return
	}
	v.chained = true
	if v.c.prev == nil {
		v.c.advance(seedFor(ev))
	}
	if want := v.c.next(head, closeBrace); !bytes.Equal(want, value) {
		v.fail(lineNo, v.breakProblem(lineNo, ev))
		return
	}
	v.c.advance(value)
	v.lastSeq, v.lastChain = ev.Seq, lineNo
}

// breakProblem says what a chain value that does not match means.
func (v *verifier) breakProblem(lineNo int, ev *runbook.Event) string {
	what := fmt.Sprintf("the %s event (seq %d) does not match its hash chain value", ev.Event, ev.Seq)
	switch {
	case v.lastChain == 0 && ev.Seq != 1:
		return what + fmt.Sprintf(": the journal starts at seq %d, so the lines before it were removed", ev.Seq)
	case v.lastChain != 0 && ev.Seq != v.lastSeq+1:
		return what + fmt.Sprintf(": seq %d follows seq %d on line %d, so the lines between them were removed", ev.Seq, v.lastSeq, v.lastChain)
	}
	return what + ": the line was changed after the run wrote it, or a line before it was removed, inserted or changed"
}

func (v *verifier) fail(lineNo int, problem string) {
	v.bad, v.problem = lineNo, problem
}

// result is the verdict once every line was read.
func (v *verifier) result() Integrity {
	switch {
	case v.bad != 0:
		return Integrity{FirstBadLine: v.bad, Problem: v.problem}
	case v.lines > 0 && !v.chained:
		return Integrity{Unchained: true, Problem: unchainedProblem}
	}
	return Integrity{Verified: true}
}
