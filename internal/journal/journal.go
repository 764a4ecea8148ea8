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
	secrets []string
	escaped [][]byte // the secrets' JSON-escaped forms, see containsSecret
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
	return newWriter(f, path, 0, opts), nil
}

// OpenAppend reopens an existing journal to continue a run (resume). The
// sequence continues from the last good line. A torn last line, left by a
// crash in the middle of a write, is cut off first: appending after it
// would turn it into a bad line in the middle that no reader accepts. An
// invalid line anywhere else is an error, and the file is left untouched.
func OpenAppend(path string, opts ...Option) (*Writer, error) {
	rep, err := Read(path)
	if err != nil {
		return nil, err
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
	return newWriter(f, path, seq, opts), nil
}

func newWriter(f *os.File, path string, seq int64, opts []Option) *Writer {
	w := &Writer{f: f, path: path, seq: seq}
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

// Write assigns the next sequence number and records ev. Time is the
// engine's clock and is written as given. Output events are buffered until
// the next other event, Flush or Close (or until the buffer passes 64 KiB);
// every other event is on disk, fsync'ed, when Write returns.
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
	line, err := w.encode(ev)
	if err != nil {
		return fmt.Errorf("journal %s: encoding %s event %d: %w", w.path, ev.Event, ev.Seq, err)
	}
	w.seq = ev.Seq
	w.batch.Write(line)
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

// encode marshals one event as a JSON line with the secrets taken out. The
// common case (no secret anywhere in the event) costs one marshal: a string
// that contains a secret also contains it in its JSON encoding, because
// JSON escapes character by character, so only a hit pays for the redacting
// copy.
func (w *Writer) encode(ev runbook.Event) ([]byte, error) {
	line, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	if len(w.secrets) > 0 && containsSecret(line, w.secrets, w.escaped) {
		ev = redactEvent(ev, w.secrets)
		if line, err = json.Marshal(ev); err != nil {
			return nil, err
		}
	}
	return append(line, '\n'), nil
}
