package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"cmsrunbook/runbook"
)

// Replay is a journal read back.
type Replay struct {
	Events []runbook.Event
	// Torn reports that the last line was cut short (a crash in the middle
	// of a write, or garbage a power loss left at the end) and was dropped.
	// Everything before it is intact, so resume and report go on; they say
	// so, because the last thing the run did may not be recorded.
	Torn bool
	// TornLine is the dropped line's number (1-based) when Torn.
	TornLine int
	// Integrity is what the hash chain says about Events: resume refuses
	// anything but Verified, report renders the record with a warning.
	Integrity Integrity

	// end is the length of the good prefix: OpenAppend cuts the file there.
	end int64
	// missingNewline: the last event is complete but its newline is not
	// on disk; OpenAppend adds it before appending.
	missingNewline bool
	// chain is the last event's chain value, where OpenAppend continues.
	chain []byte
}

// Read reads the journal at path. See ReadReader for what is tolerated.
// A path that is not a regular file (a device such as /dev/zero, a FIFO,
// a directory) or is larger than MaxSize is refused before anything is
// read.
func Read(path string) (Replay, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Replay{}, fmt.Errorf("reading journal: %w", err)
	}
	if err := checkRegular(path, fi); err != nil {
		return Replay{}, err
	}
	if fi.Size() > MaxSize {
		return Replay{}, fmt.Errorf("journal %s is %d MiB, larger than %d MiB: it is not a run record", path, fi.Size()>>20, MaxSize>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		return Replay{}, fmt.Errorf("reading journal: %w", err)
	}
	defer f.Close()
	// The name may have been swapped between Stat and Open.
	if ofi, err := f.Stat(); err != nil {
		return Replay{}, fmt.Errorf("reading journal %s: %w", path, err)
	} else if err := checkRegular(path, ofi); err != nil {
		return Replay{}, err
	}
	return ReadReader(io.LimitReader(f, MaxSize+1), path)
}

// ReadReader parses a journal from r; name is used in errors. Every line must
// be one JSON event with an event type and a sequence number larger than the
// one before. The one exception is the last line: if it is invalid (a crash
// mid-write leaves a line without its end, a power loss may leave zeros), it
// is dropped and reported in Replay.Torn, because the writer only ever
// appends and everything before it was written whole. An invalid line
// anywhere else means the file was damaged or edited, and resuming from it
// could repeat or skip real steps, so that is an error naming file:line.
// Blank lines are skipped. A line longer than MaxLine, or more than
// MaxSize bytes in all, is an error, found after reading at most that
// much. The hash chain is verified as the lines are read and the verdict
// is in Replay.Integrity: a line that parses but breaks the chain is not
// an error here (report still shows it), and is never taken for torn.
func ReadReader(r io.Reader, name string) (Replay, error) {
	rep := Replay{}
	lr := newLineReader(r, name)
	v := verifier{c: newChainer()}
	var (
		off     int64 // bytes consumed so far
		lineNo  int
		pending error // the last invalid line, fatal if another line follows
		lastSeq int64
	)
	for {
		raw, err := lr.next(lineNo + 1)
		if err != nil {
			return Replay{}, err
		}
		if raw == nil {
			break
		}
		lineNo++
		start := off
		off += int64(len(raw))
		complete := raw[len(raw)-1] == '\n'
		text := bytes.TrimSpace(raw)
		if len(text) == 0 {
			if pending == nil {
				rep.end = off
			}
			continue
		}
		if pending != nil {
			return Replay{}, pending
		}
		ev, err := parseLine(text, lastSeq)
		if err != nil {
			pending = fmt.Errorf("journal %s:%d: %w", name, lineNo, err)
			rep.TornLine = lineNo
			rep.end = start
			continue
		}
		v.line(lineNo, text, &ev)
		rep.Events = append(rep.Events, ev)
		lastSeq = ev.Seq
		rep.end = off
		rep.missingNewline = !complete
	}
	if pending != nil {
		rep.Torn = true
		rep.missingNewline = false
	} else {
		rep.TornLine = 0
	}
	rep.Integrity = v.result()
	if rep.Integrity.Verified && v.chained {
		rep.chain = append([]byte(nil), v.c.prev...)
	}
	return rep, nil
}

// parseLine decodes one event and checks the fields every reader relies on.
func parseLine(text []byte, lastSeq int64) (runbook.Event, error) {
	var ev runbook.Event
	if err := json.Unmarshal(text, &ev); err != nil {
		return ev, fmt.Errorf("not a journal event: %w", err)
	}
	if ev.Event == "" {
		return ev, fmt.Errorf("event %d has no event type", ev.Seq)
	}
	if ev.Seq <= lastSeq {
		return ev, fmt.Errorf("seq %d does not follow seq %d (lines out of order or two journals joined)", ev.Seq, lastSeq)
	}
	return ev, nil
}
