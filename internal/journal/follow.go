package journal

import "cmsrunbook/runbook"

// LineReader reads a journal one line at a time as it grows, for a
// follower that cannot read the whole file at once (`watch`): each line is
// decoded as Read decodes it and its hash chain value checked as Read
// checks it, so a colleague watching a window sees the same verdict the
// change record will give.
type LineReader struct {
	v       verifier
	lastSeq int64
}

// NewLineReader starts at the journal's first line.
func NewLineReader() *LineReader { return &LineReader{v: verifier{c: newChainer()}} }

// Line decodes the event on line lineNo (1-based, blank lines counted)
// and checks its chain value. A line that is not an event, or out of
// order, is an error; a chain that breaks shows in Integrity.
func (r *LineReader) Line(lineNo int, text []byte) (runbook.Event, error) {
	ev, err := parseLine(text, r.lastSeq)
	if err != nil {
		return ev, err
	}
	r.lastSeq = ev.Seq
	r.v.line(lineNo, text, &ev)
	return ev, nil
}

// Integrity is the verdict on the lines read so far.
func (r *LineReader) Integrity() Integrity { return r.v.result() }
