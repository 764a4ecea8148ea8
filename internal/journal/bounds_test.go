package journal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"cmsrunbook/runbook"
)

// endless is a reader that never ends (as /dev/zero) and counts what was
// taken from it.
type endless struct {
	b    byte
	read int64
}

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.b
	}
	e.read += int64(len(p))
	return len(p), nil
}

// TestReadEndlessLineIsBounded: a stream without a newline ends in an
// error naming the line once MaxLine is passed, having read little more
// than that and allocated little more than one line.
func TestReadEndlessLineIsBounded(t *testing.T) {
	for _, b := range []byte{0, 'x', ' '} {
		src := &endless{b: b}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadReader(src, "stream.jsonl")
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), "stream.jsonl:1") || !strings.Contains(err.Error(), "longer than") {
			t.Fatalf("byte %q: %v", b, err)
		}
		if src.read > MaxLine+256<<10 {
			t.Errorf("byte %q: read %d bytes for a limit of %d", b, src.read, MaxLine)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8*MaxLine {
			t.Errorf("byte %q: allocated %d bytes for a limit of %d", b, alloc, MaxLine)
		}
	}
}

// blankLines is an endless stream of blank lines of 256 KiB.
type blankLines struct{ read int64 }

var blankLine = append(bytes.Repeat([]byte{' '}, 256<<10-1), '\n')

func (b *blankLines) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], blankLine[(b.read+int64(n))%int64(len(blankLine)):])
	}
	b.read += int64(n)
	return n, nil
}

// TestReadEndlessBlankLines: an endless stream of lines within MaxLine
// ends at MaxSize, not never (it reads 512 MiB from memory, about 3 s:
// skipped with -short).
func TestReadEndlessBlankLines(t *testing.T) {
	if testing.Short() {
		t.Skip("reads MaxSize bytes")
	}
	src := &blankLines{}
	_, err := ReadReader(src, "stream.jsonl")
	if err == nil || !strings.Contains(err.Error(), "stream.jsonl is larger than 512 MiB") {
		t.Fatalf("endless blank lines: %v", err)
	}
	if src.read > MaxSize+256<<10 {
		t.Errorf("read %d bytes for a limit of %d", src.read, MaxSize)
	}
}

// TestReadOversizedLine: a file whose line passes MaxLine is refused with
// the file and the line; a line of exactly MaxLine is a line.
func TestReadOversizedLine(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(filepath.Join(dir, "ok.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, w, started())
	w.Close()
	good, _ := os.ReadFile(filepath.Join(dir, "ok.jsonl"))

	path := filepath.Join(dir, "long.jsonl")
	long := append(append([]byte{}, good...), strings.Repeat("x", MaxLine+1)+"\n"...)
	if err := os.WriteFile(path, long, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Read(path)
	if err == nil || !strings.Contains(err.Error(), path+":2") || !strings.Contains(err.Error(), "1024 KiB") {
		t.Errorf("over-long line: %v", err)
	}
	if _, err := OpenAppend(path); err == nil {
		t.Error("OpenAppend accepted an over-long line")
	}

	// Exactly MaxLine bytes, then the newline: read (and torn, as it
	// is not JSON), not refused for its length.
	exact := append(append([]byte{}, good...), strings.Repeat("x", MaxLine)+"\n"...)
	if err := os.WriteFile(path, exact, 0o600); err != nil {
		t.Fatal(err)
	}
	if rep, err := Read(path); err != nil || !rep.Torn || len(rep.Events) != 1 {
		t.Errorf("a line of exactly MaxLine bytes: %v torn=%v", err, rep.Torn)
	}
}

// TestReadRefusesHugeFile: a file past MaxSize is refused from its size,
// before a byte is read (the sparse file costs no disk).
func TestReadRefusesHugeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.jsonl")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxSize + 1); err != nil {
		f.Close()
		t.Skipf("cannot make a sparse file here: %v", err)
	}
	f.Close()
	_, err = Read(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "larger than 512 MiB") {
		t.Errorf("huge file: %v", err)
	}
}

// TestReadRefusesDirectory names the file and says what it is.
func TestReadRefusesDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := Read(dir)
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
	if _, err := OpenAppend(dir); err == nil {
		t.Error("OpenAppend accepted a directory")
	}
}

// TestWriterCutsLongOutput: an output line longer than a journal line may
// be is cut with a note, so the journal stays readable; any other event
// that large is refused and leaves the journal as it was.
func TestWriterCutsLongOutput(t *testing.T) {
	w, path := newJournal(t)
	mustWrite(t, w, started())
	huge := strings.Repeat("é", MaxLine) // 2 bytes a rune: cut on a rune boundary
	mustWrite(t, w, runbook.Event{Time: ts(1), Event: runbook.EvOutput, Text: huge})
	err := w.Write(runbook.Event{Time: ts(2), Event: runbook.EvStepFailed, Message: huge})
	if err == nil || !strings.Contains(err.Error(), "more than a journal line may hold") {
		t.Errorf("a huge step-failed: %v", err)
	}
	mustWrite(t, w, runbook.Event{Time: ts(3), Event: runbook.EvRunFinished, Status: runbook.RunAborted})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rep := mustRead(t, path)
	if !rep.Integrity.Verified || len(rep.Events) != 3 || rep.Events[2].Seq != 3 {
		t.Fatalf("integrity %+v, %d events", rep.Integrity, len(rep.Events))
	}
	text := rep.Events[1].Text
	if !strings.HasPrefix(text, "éé") || !strings.Contains(text, "more bytes of this output line were cut") || len(text) > MaxLine {
		t.Errorf("cut text: %d bytes, ends %q", len(text), text[len(text)-100:])
	}
	if !strings.HasSuffix(strings.SplitN(text, " [cmsrunbook", 2)[0], "é") {
		t.Error("the text was cut inside a character")
	}
}

func TestReadMissingFileNamesIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gone.jsonl")
	if _, err := Read(path); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Errorf("missing: %v", err)
	}
}
