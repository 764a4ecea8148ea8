package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
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

	// end is the length of the good prefix: OpenAppend cuts the file there.
	end int64
	// missingNewline: the last event is complete but its newline is not
	// on disk; OpenAppend adds it before appending.
	missingNewline bool
}

// Read reads the journal at path. See ReadReader for what is tolerated.
func Read(path string) (Replay, error) {
	f, err := os.Open(path)
	if err != nil {
		return Replay{}, fmt.Errorf("reading journal: %w", err)
	}
	defer f.Close()
	return ReadReader(f, path)
}

// ReadReader parses a journal from r; name is used in errors. Every line must
// be one JSON event with an event type and a sequence number larger than the
// one before. The one exception is the last line: if it is invalid (a crash
// mid-write leaves a line without its end, a power loss may leave zeros), it
// is dropped and reported in Replay.Torn, because the writer only ever
// appends and everything before it was written whole. An invalid line
// anywhere else means the file was damaged or edited, and resuming from it
// could repeat or skip real steps, so that is an error naming file:line.
// Blank lines are skipped.
func ReadReader(r io.Reader, name string) (Replay, error) {
	var rep Replay
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		off     int64 // bytes consumed so far
		lineNo  int
		pending error // the last invalid line, fatal if another line follows
		lastSeq int64
	)
	for {
		raw, rerr := br.ReadBytes('\n')
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return Replay{}, fmt.Errorf("reading journal %s: %w", name, rerr)
		}
		if len(raw) == 0 {
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
