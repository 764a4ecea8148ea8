package journal

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"cmsrunbook/runbook"
)

// The reading bounds (see the package comment).
const (
	// MaxLine is the longest journal line, without its newline. An output
	// line of Setup.com is a few hundred bytes; the longest lines are
	// run-started (the plan and the cluster, tens of KB on an 8-node SCC)
	// and run-finished (the cluster after).
	MaxLine = 1 << 20
	// MaxSize is the largest journal file. A service-pack window writes a
	// few MB; a million output lines, the design's stress case, about
	// 250 MB with the chain. Beyond this the file is not a run record.
	MaxSize = 512 << 20
)

// checkRegular refuses what is not a regular file: a device (/dev/zero
// never ends), a FIFO (blocks until someone writes), a directory.
func checkRegular(name string, fi os.FileInfo) error {
	m := fi.Mode()
	if m.IsRegular() {
		return nil
	}
	what := "not a regular file"
	switch {
	case m.IsDir():
		what = "a directory"
	case m&os.ModeCharDevice != 0, m&os.ModeDevice != 0:
		what = "a device, not a file"
	case m&os.ModeNamedPipe != 0:
		what = "a named pipe (FIFO), not a file"
	case m&os.ModeSocket != 0:
		what = "a socket, not a file"
	}
	return fmt.Errorf("journal %s is %s: a journal is the file a run wrote", name, what)
}

// lineReader reads lines of at most MaxLine bytes and at most MaxSize
// bytes in all, so a file that is not a journal costs bounded memory
// and time: the longest line read is the only buffer that grows.
type lineReader struct {
	br    *bufio.Reader
	name  string
	buf   []byte // the current line, reused
	total int64  // bytes consumed
}

func newLineReader(r io.Reader, name string) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10), name: name}
}

// next returns the next line with its newline, if it has one; nil at
// the end. lineNo is the number the line will have, for the errors.
func (lr *lineReader) next(lineNo int) ([]byte, error) {
	lr.buf = lr.buf[:0]
	for {
		chunk, err := lr.br.ReadSlice('\n')
		lr.total += int64(len(chunk))
		if lr.total > MaxSize {
			return nil, fmt.Errorf("journal %s is larger than %d MiB: it is not a run record", lr.name, MaxSize>>20)
		}
		if len(lr.buf)+len(chunk) > MaxLine+1 || len(lr.buf)+len(chunk) == MaxLine+1 && chunk[len(chunk)-1] != '\n' {
			return nil, fmt.Errorf("journal %s:%d: the line is longer than %d KiB, which no journal line is: this is not a run record", lr.name, lineNo, MaxLine>>10)
		}
		lr.buf = append(lr.buf, chunk...)
		switch {
		case err == nil:
			return lr.buf, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(lr.buf) == 0 {
				return nil, nil
			}
			return lr.buf, nil
		default:
			return nil, fmt.Errorf("reading journal %s: %w", lr.name, err)
		}
	}
}

// fitLine cuts an output event's text so its line stays within MaxLine,
// with a note saying how much was cut; any other event too large for a
// line is an error.
func fitLine(line []byte, ev runbook.Event) ([]byte, runbook.Event, error) {
	tooBig := fmt.Errorf("the event is %d bytes, more than a journal line may hold (%d)", len(line), MaxLine-chainSuffixLen)
	if ev.Event != runbook.EvOutput || ev.Text == "" {
		return nil, ev, tooBig
	}
	note := func(n int) string {
		return fmt.Sprintf(" [cmsrunbook: %d more bytes of this output line were cut to fit the journal]", n)
	}
	orig := len(ev.Text)
	keep := orig - (len(line) + chainSuffixLen - MaxLine) - len(note(orig))
	if keep < 0 {
		keep = 0
	}
	for keep > 0 && !utf8.RuneStart(ev.Text[keep]) {
		keep--
	}
	ev.Text = ev.Text[:keep] + note(orig-keep)
	line, err := json.Marshal(ev)
	if err != nil {
		return nil, ev, err
	}
	if len(line)+chainSuffixLen > MaxLine {
		return nil, ev, tooBig
	}
	return line, ev, nil
}
