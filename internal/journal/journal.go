// Package journal is the run record of DESIGN section 8: an append-only
// JSONL file, one runbook.Event a line, that survives a crashed runbook or a
// dropped RDP session. The session writes every event the engine and the
// session emit; resume reads it back and folds it with runbook.Fold to find
// where the window stopped, and the report turns it into the change record.
// The package also holds the lock that keeps two runs off one cluster from
// the same admin box (DESIGN section 11).
//
// Durability is chosen per event: every event except output is written and
// fsync'ed before Write returns, so a step boundary that was recorded is on
// disk when the next remote command is sent; output lines are batched,
// because a Setup.com run prints thousands of them and an fsync per line
// would slow the window without making resume any safer (resume re-reads a
// detached job's log from its offset anyway).
//
// # The hash chain
//
// Resume sends commands to a cluster from what the journal says, so a
// journal edited after the run (a command changed, a recorded owner
// changed, a line removed) must not drive a cluster. Every line therefore
// ends in a "chain" member:
//
//	{"seq":7,"time":"...","event":"step-started",...,"chain":"<64 hex digits>"}
//
// The line without that member (the bytes before `,"chain":"` followed by
// the closing `}`) is the event's canonical JSON: encoding/json's encoding
// of the runbook.Event exactly as written, that is after the secrets were
// redacted, so the chain is over what is on disk. The chain value is
//
//	chain(n) = lowercase hex SHA-256( chain(n-1) + "\n" + canonical JSON of line n )
//
// where chain(0), for the first line, is the text "cmsrunbook-journal-v1 "
// followed by the plan digest when line 1 is run-started (its "digest"
// field as written), and that text alone otherwise. A change board can
// recompute it with standard tools: take the line without the member as
// $body, then printf '%s\n%s' "$prev" "$body" | sha256sum.
//
// Writers compute it; OpenAppend continues it from the last good line;
// Read verifies it and reports the verdict in Replay.Integrity rather than
// failing, so report can still render a damaged record (with a warning)
// while resume refuses it. A torn last line (a crash mid-write) is dropped
// as before and is not a break: the writer only appends whole lines, and
// no shorter prefix of a line is a JSON object. A journal in which no line has a
// chain (written before the chain existed) is "unverified"; one in which
// some lines have it and some do not is broken.
//
// What the chain does and does not prove: it has no secret key, so it
// catches an edit, a deletion, an insertion or a reordering made by hand
// or by a tool that does not know the chain, not someone who recomputes
// every later value; and lines cut off the end leave a shorter journal
// that still verifies. It says the record is as cmsrunbook wrote it, not
// who ran cmsrunbook.
//
// # Bounds
//
// Reading is bounded: a line is at most MaxLine bytes, the file at most
// MaxSize, and Read refuses a device, a FIFO or anything else that is not
// a regular file before reading a byte, so `report --journal /dev/zero`
// ends at once. The writer keeps to MaxLine (an output line longer than
// it is cut, see Write).
package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"cmsrunbook/runbook"
)

// batchLimit is the size of buffered output after which the batch is
// written without waiting for the next step boundary, so a long quiet step
// that prints a lot neither holds unbounded memory nor loses much on a crash.
const batchLimit = 64 << 10

// Mode is the journal's file mode: the record names nodes, accounts and
// commands, which is nobody else's business on a shared admin box.
const Mode os.FileMode = 0o600

// Writer appends events to a journal file. It is safe for concurrent use:
// the engine's step loop and its output callbacks may write at the same time
// and the sequence numbers follow the order the calls took the lock.
type Writer struct {
	mu      sync.Mutex
	f       *os.File
	path    string
	seq     int64
	batch   bytes.Buffer // encoded output lines not yet written
	scratch []byte       // appendOutput's buffer, reused: valid until the next encode
	secrets []string
	escaped [][]byte // the secrets' JSON-escaped forms, see containsSecret
	chain   chainer  // the hash chain; chain.prev is the last line's value
	err     error    // sticky: after a failed write the file may end torn, so nothing more is appended
	closed  bool
	syncs   int // fsyncs done, for the tests of the durability contract
}

// Option configures a Writer.
type Option func(*Writer)

// WithSecrets registers strings that must never reach the file (the WinRM
// password, above all). Any event field containing one is written with the
// secret replaced by "********".
func WithSecrets(secrets ...string) Option {
	return func(w *Writer) { w.addSecrets(secrets) }
}

// Create starts a new journal at path. It refuses an existing file, because
// overwriting the record of an earlier window would destroy the one thing a
// change board or a resume needs; an interrupted run continues with
// OpenAppend instead.
func Create(path string, opts ...Option) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, Mode)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("journal %s already exists: resume it with `cmsrunbook resume --journal %s` or choose another file", path, path)
		}
		return nil, fmt.Errorf("creating journal: %w", err)
	}
	// The directory entry must be durable too, or a crash right after the
	// first step could leave a step done on a node and no journal at all.
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, fmt.Errorf("creating journal %s: syncing its directory: %w", path, err)
	}
	return newWriter(f, path, 0, nil, opts), nil
}

// OpenAppend reopens an existing journal to continue a run (resume). The
// sequence and the hash chain continue from the last good line. A torn
// last line, left by a crash in the middle of a write, is cut off first:
// appending after it would turn it into a bad line in the middle that no
// reader accepts. An invalid line anywhere else, or a journal whose chain
// does not verify, is an error, and the file is left untouched: appending
// to a record that cannot be trusted would make the new lines look as
// good as the old ones.
func OpenAppend(path string, opts ...Option) (*Writer, error) {
	rep, err := Read(path)
	if err != nil {
		return nil, err
	}
	if err := rep.Integrity.Err(path); err != nil {
		return nil, fmt.Errorf("%w; it is not continued", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("opening journal for resume: %w", err)
	}
	fail := func(err error) (*Writer, error) {
		f.Close()
		return nil, fmt.Errorf("opening journal %s for resume: %w", path, err)
	}
	if rep.Torn || rep.missingNewline {
		if err := f.Truncate(rep.end); err != nil {
			return fail(fmt.Errorf("cutting off the torn last line: %w", err))
		}
	}
	if _, err := f.Seek(rep.end, 0); err != nil {
		return fail(err)
	}
	if rep.missingNewline {
		// The last event is complete but its newline never made it.
		if _, err := f.Write([]byte{'\n'}); err != nil {
			return fail(fmt.Errorf("ending the last line: %w", err))
		}
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	var seq int64
	if n := len(rep.Events); n > 0 {
		seq = rep.Events[n-1].Seq
	}
	return newWriter(f, path, seq, rep.chain, opts), nil
}

// newWriter makes the Writer; chain is the last line's chain value (nil
// for a journal without lines: the first Write seeds the chain).
func newWriter(f *os.File, path string, seq int64, chain []byte, opts []Option) *Writer {
	w := &Writer{f: f, path: path, seq: seq, chain: newChainer()}
	if chain != nil {
		w.chain.advance(chain)
	}
	for _, o := range opts {
		o(w)
	}
	return w
}

// Path is the journal's file name.
func (w *Writer) Path() string { return w.path }

// Seq is the sequence number of the last event written (0 before the first).
func (w *Writer) Seq() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq
}

// AddSecrets registers more secrets after the Writer exists, for the
// password typed again after an auth-failed diagnosis.
func (w *Writer) AddSecrets(secrets ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.addSecrets(secrets)
}

func (w *Writer) addSecrets(secrets []string) {
	w.secrets = addSecrets(w.secrets, secrets)
	w.escaped = jsonForms(w.secrets)
}

// Write assigns the next sequence number and records ev, chained to the
// line before. Time is the engine's clock and is written as given. Output
// events are buffered until the next other event, Flush or Close (or until
// the buffer passes 64 KiB); every other event is on disk, fsync'ed, when
// Write returns. An output event whose line would pass MaxLine has its
// text cut to fit, with a note of how much was cut; any other event that
// large is refused, because a line the reader refuses would make the whole
// journal unreadable.
func (w *Writer) Write(ev runbook.Event) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return fmt.Errorf("journal %s: write after close", w.path)
	}
	if w.err != nil {
		return w.err
	}
	ev.Seq = w.seq + 1
	line, written, err := w.encode(ev)
	if err != nil {
		return fmt.Errorf("journal %s: encoding %s event %d: %w", w.path, ev.Event, ev.Seq, err)
	}
	w.seq = ev.Seq
	w.appendChained(line, &written)
	if ev.Event == runbook.EvOutput {
		if w.batch.Len() < batchLimit {
			return nil
		}
		return w.writeBatch()
	}
	if err := w.writeBatch(); err != nil {
		return err
	}
	return w.sync()
}

// Flush writes buffered output and fsyncs, for the moments the caller knows
// the record must be complete on disk (an interrupt, a reboot wait).
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	if w.err != nil {
		return w.err
	}
	if err := w.writeBatch(); err != nil {
		return err
	}
	return w.sync()
}

// Close flushes, fsyncs and closes the file. Closing twice is harmless.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	var err error
	if w.err == nil {
		if err = w.writeBatch(); err == nil {
			err = w.sync()
		}
	} else {
		err = w.err
	}
	if cerr := w.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("closing journal %s: %w", w.path, cerr)
	}
	return err
}

// writeBatch writes the buffered lines in one call, so a crash leaves at
// most one torn line at the end, which readers tolerate.
func (w *Writer) writeBatch() error {
	if w.batch.Len() == 0 {
		return nil
	}
	_, err := w.f.Write(w.batch.Bytes())
	w.batch.Reset()
	if err != nil {
		w.err = fmt.Errorf("writing journal %s: %w", w.path, err)
		return w.err
	}
	return nil
}

func (w *Writer) sync() error {
	if err := w.f.Sync(); err != nil {
		w.err = fmt.Errorf("syncing journal %s: %w", w.path, err)
		return w.err
	}
	w.syncs++
	return nil
}

// appendChained adds one line to the batch: the event's canonical JSON
// with the chain member before its closing brace, and the newline.
func (w *Writer) appendChained(line []byte, written *runbook.Event) {
	if w.chain.prev == nil {
		w.chain.advance(seedFor(written))
	}
	value := w.chain.next(line, nil)
	w.batch.Write(line[:len(line)-1])
	w.batch.WriteString(chainKey)
	w.batch.Write(value)
	w.batch.WriteString("\"}\n")
	w.chain.advance(value)
}

// encode marshals one event as its canonical JSON (no newline, no chain)
// with the secrets taken out, and returns the event as written. The
// common case (no secret anywhere in the event) costs one marshal: a
// string that contains a secret also contains it in its JSON encoding,
// because JSON escapes character by character, so only a hit pays for the
// redacting copy.
func (w *Writer) encode(ev runbook.Event) ([]byte, runbook.Event, error) {
	var line []byte
	var err error
	if plainOutput(&ev) {
		w.scratch = appendOutput(w.scratch[:0], &ev)
		line = w.scratch
	} else if line, err = json.Marshal(ev); err != nil {
		return nil, ev, err
	}
	if len(w.secrets) > 0 && containsSecret(line, w.secrets, w.escaped) {
		ev = redactEvent(ev, w.secrets)
		if line, err = json.Marshal(ev); err != nil {
			return nil, ev, err
		}
	}
	if len(line)+chainSuffixLen > MaxLine {
		return fitLine(line, ev)
	}
	return line, ev, nil
}
