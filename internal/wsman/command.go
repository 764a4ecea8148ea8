package wsman

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxBufferedOutput bounds what one command may have produced but no Receive
// has fetched yet. When it is full the backend's out callback blocks, as a
// Windows process blocks on a full console pipe, so a client that stops
// polling cannot make the server grow without limit.
const maxBufferedOutput = 1 << 20

// shell is one WinRS shell (a Create without a Delete).
type shell struct {
	id       string
	owner    string
	clientIP string
	created  time.Time
	lastUsed time.Time           // last request on it; guarded by the incarnation's mu
	busy     int                 // Receives in progress; guarded by the incarnation's mu
	commands map[string]*command // guarded by the incarnation's mu
}

type chunk struct {
	stream string // "stdout" or "stderr"
	data   []byte
}

// command is one running (or finished, not yet signalled) WinRS command.
// The backend goroutine produces into chunks; Receive requests consume.
type command struct {
	id     string
	cancel context.CancelFunc
	stdin  *stdinBuffer

	mu        sync.Mutex
	chunks    []chunk
	buffered  int
	done      bool  // the backend returned
	exitCode  int   // valid when done
	execErr   error // the backend failed to run the command (not a non-zero exit)
	delivered bool  // a Receive has reported Done (or the exec failure)
	changed   chan struct{}
}

func newCommand(id string, cancel context.CancelFunc, stdin *stdinBuffer) *command {
	return &command{id: id, cancel: cancel, stdin: stdin, changed: make(chan struct{})}
}

// broadcastLocked wakes every waiter (Receive long-polls and blocked writers).
func (c *command) broadcastLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// write queues output from the backend. It copies p (the backend may reuse
// it) and blocks while the buffer is full, until a Receive drains it or ctx
// ends; output written after ctx ended is dropped, as a killed process's is.
func (c *command) write(ctx context.Context, stream string, p []byte) {
	if len(p) == 0 {
		return
	}
	if stream != "stderr" {
		stream = "stdout"
	}
	data := bytes.Clone(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.buffered >= maxBufferedOutput {
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
		}
		c.mu.Lock()
		if ctx.Err() != nil {
			return
		}
	}
	if ctx.Err() != nil {
		return
	}
	c.chunks = append(c.chunks, chunk{stream: stream, data: data})
	c.buffered += len(data)
	c.broadcastLocked()
}

// finish records the backend's result.
func (c *command) finish(code int, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
	c.exitCode = code
	c.execErr = err
	c.broadcastLocked()
}

// receiveResult is what one Receive reply carries.
type receiveResult struct {
	chunks   []chunk
	done     bool
	exitCode int
	fault    *wsFault // the backend failed; reply with this instead
	execErr  error    // the backend's error behind fault
}

// ready reports whether a Receive can answer now, without blocking.
func (c *command) readyLocked() bool {
	return len(c.chunks) > 0 || c.done
}

// takeLocked removes up to budget bytes of output (at least one byte, so a
// tiny envelope still makes progress) and reports completion only once all
// output has been handed out, so Done is always in the last reply.
func (c *command) takeLocked(budget int) receiveResult {
	var res receiveResult
	used := 0
	for len(c.chunks) > 0 {
		ch := c.chunks[0]
		room := budget - used
		if room <= 0 && used > 0 {
			break
		}
		if room < 1 {
			room = 1
		}
		if len(ch.data) > room {
			res.chunks = append(res.chunks, chunk{stream: ch.stream, data: ch.data[:room]})
			c.chunks[0].data = ch.data[room:]
			used += room
			break
		}
		res.chunks = append(res.chunks, ch)
		c.chunks[0] = chunk{}
		c.chunks = c.chunks[1:]
		used += len(ch.data)
	}
	c.buffered -= used
	if len(c.chunks) == 0 {
		c.chunks = nil
		// A backend failure is reported as a fault, which cannot carry
		// output: hand out the output first, the fault on the next poll.
		if c.done && (c.execErr == nil || len(res.chunks) == 0) {
			if c.execErr != nil {
				res.fault = faultInternal(c.execErr.Error())
				res.execErr = c.execErr
			}
			res.done = true
			res.exitCode = c.exitCode
			c.delivered = true
		}
	}
	if used > 0 {
		c.broadcastLocked() // wake a writer blocked on a full buffer
	}
	return res
}

// receiveBody renders the rsp:ReceiveResponse for res. Adjacent chunks of the
// same stream are merged to save envelope space; the order of stdout and
// stderr is preserved. Like Windows 2008 R2, the final reply ends each stream
// with an empty End="true" element before CommandState Done.
func renderReceive(commandID string, res receiveResult) string {
	var b strings.Builder
	id := esc(commandID)
	b.WriteString(`<rsp:ReceiveResponse>`)
	for i := 0; i < len(res.chunks); {
		j := i + 1
		for j < len(res.chunks) && res.chunks[j].stream == res.chunks[i].stream {
			j++
		}
		var data []byte
		if j == i+1 {
			data = res.chunks[i].data
		} else {
			for _, ch := range res.chunks[i:j] {
				data = append(data, ch.data...)
			}
		}
		b.WriteString(`<rsp:Stream Name="` + res.chunks[i].stream + `" CommandId="` + id + `">`)
		b.WriteString(base64.StdEncoding.EncodeToString(data))
		b.WriteString(`</rsp:Stream>`)
		i = j
	}
	if res.done {
		b.WriteString(`<rsp:Stream Name="stdout" CommandId="` + id + `" End="true"></rsp:Stream>`)
		b.WriteString(`<rsp:Stream Name="stderr" CommandId="` + id + `" End="true"></rsp:Stream>`)
		b.WriteString(`<rsp:CommandState CommandId="` + id + `" State="` + stateURIPrefix + `Done"><rsp:ExitCode>`)
		b.WriteString(strconv.Itoa(res.exitCode))
		b.WriteString(`</rsp:ExitCode></rsp:CommandState>`)
	} else {
		b.WriteString(`<rsp:CommandState CommandId="` + id + `" State="` + stateURIPrefix + `Running"></rsp:CommandState>`)
	}
	b.WriteString(`</rsp:ReceiveResponse>`)
	return b.String()
}

// rawBudget is how many output bytes fit one reply to a client that asked for
// envelopes of at most maxEnvelope bytes (MS-WSMV 3.1.4.1.7): base64 costs
// 4/3, and each Stream element plus the envelope costs a few hundred bytes.
func rawBudget(maxEnvelope int) int {
	const overhead = 4096
	avail := maxEnvelope - overhead
	if avail < 1024 {
		avail = 1024
	}
	return avail / 4 * 3
}

// stdinBuffer is the command's stdin: Send appends without blocking (the
// client must not stall on a backend that never reads), the backend reads
// until End="true" or until the command is cancelled.
type stdinBuffer struct {
	ctx     context.Context
	mu      sync.Mutex
	buf     bytes.Buffer
	eof     bool
	changed chan struct{}
}

func newStdinBuffer(ctx context.Context) *stdinBuffer {
	return &stdinBuffer{ctx: ctx, changed: make(chan struct{})}
}

// errStdinOverflow is returned to a client that pushes far more stdin than
// the command consumes.
var errStdinOverflow = errors.New("stdin buffer full")

func (s *stdinBuffer) push(p []byte, end bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.buf.Len()+len(p) > maxBufferedOutput {
		return errStdinOverflow
	}
	s.buf.Write(p)
	if end {
		s.eof = true
	}
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

// Read implements io.Reader for the backend.
func (s *stdinBuffer) Read(p []byte) (int, error) {
	s.mu.Lock()
	for {
		if s.buf.Len() > 0 {
			n, _ := s.buf.Read(p)
			s.mu.Unlock()
			return n, nil
		}
		if s.eof {
			s.mu.Unlock()
			return 0, io.EOF
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-s.ctx.Done():
			return 0, s.ctx.Err()
		}
		s.mu.Lock()
	}
}
