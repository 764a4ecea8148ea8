package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/masterzen/winrm"
)

// conn is how the executor reaches one node.
type conn struct {
	name     string
	endpoint *winrm.Endpoint
	url      string
	user     string
	pass     string
	opTO     string // OperationTimeout as ISO 8601
	rt       http.RoundTripper

	mu sync.Mutex
	cp int // the node's OEM code page, from discovery; 0 unknown
	// open counts the WinRM shells this executor has on the node, in use
	// or idle: WinRM 2.0 allows a user 5 (MaxShellsPerUser), and one is
	// left for the engineer's own console, so open never exceeds
	// maxShells.
	open int
	// idle are open shells no command uses now, most recently used last,
	// kept for the next command: a command in a kept shell costs its
	// Command, Receive and Signal round trips, not a Create and a Delete
	// besides.
	idle []idleShell
	// freed is closed (and replaced) whenever a shell is handed back or
	// closed, waking acquireShell.
	freed chan struct{}
}

// idleShell is an open shell waiting for its next command.
type idleShell struct {
	id   string
	used time.Time // when its last command ended
}

// maxShells is how many shells the executor keeps open on one node at
// once, in use or idle.
const maxShells = 4

// shellMaxIdle is how long a kept shell may sit unused before it is
// closed rather than used: well inside WinRM's default IdleTimeout (180
// s), after which the node deletes it on its own. A node configured with
// a shorter IdleTimeout answers "shell not found" for a kept shell, and
// the command is then sent in a new one (exec): it never reached the node.
const shellMaxIdle = 60 * time.Second

// acquireShell takes a kept shell (reused true) or, when none is idle,
// reserves room for a new one (id ""), waiting while maxShells are in use.
// Kept shells idle for longer than shellMaxIdle are closed, not used.
func (c *conn) acquireShell(ctx context.Context) (id string, reused bool, err error) {
	for {
		c.mu.Lock()
		var stale []string
		now := time.Now()
		for len(c.idle) > 0 && now.Sub(c.idle[0].used) > shellMaxIdle {
			stale = append(stale, c.idle[0].id)
			c.idle = c.idle[1:]
		}
		if len(stale) > 0 {
			c.mu.Unlock()
			for _, s := range stale {
				c.dropShell(ctx, s)
			}
			continue
		}
		if n := len(c.idle); n > 0 {
			id = c.idle[n-1].id
			c.idle = c.idle[:n-1]
			c.mu.Unlock()
			return id, true, nil
		}
		if c.open < maxShells {
			c.open++
			c.mu.Unlock()
			return "", false, nil
		}
		if c.freed == nil {
			c.freed = make(chan struct{})
		}
		ch := c.freed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			cause := context.Cause(ctx)
			return "", false, wrap(say("%s: waiting for a free WinRM shell: %s", c.name, cause), cause)
		}
	}
}

// keepShell hands a shell whose command ended cleanly back for the next.
func (c *conn) keepShell(id string) {
	c.mu.Lock()
	c.idle = append(c.idle, idleShell{id: id, used: time.Now()})
	c.wakeLocked()
	c.mu.Unlock()
}

// dropShell closes a shell (best effort, bounded by cleanupTimeout) and
// frees its slot; id "" frees a slot reserved for a shell never created.
func (c *conn) dropShell(ctx context.Context, id string) {
	c.cleanup(ctx, id)
	c.mu.Lock()
	c.open--
	c.wakeLocked()
	c.mu.Unlock()
}

func (c *conn) wakeLocked() {
	if c.freed != nil {
		close(c.freed)
		c.freed = nil
	}
}

// closeIdle closes every kept shell (Executor.Close).
func (c *conn) closeIdle(ctx context.Context) {
	c.mu.Lock()
	idle := c.idle
	c.idle = nil
	c.mu.Unlock()
	for _, s := range idle {
		c.dropShell(ctx, s.id)
	}
}

// password is the one the node is asked with now (the engineer may enter
// a new one after a refusal).
func (c *conn) password() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pass
}

func (c *conn) setPassword(p string) {
	c.mu.Lock()
	c.pass = p
	c.mu.Unlock()
}

func (c *conn) codePage() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cp
}

func (c *conn) setCodePage(cp int) {
	c.mu.Lock()
	c.cp = cp
	c.mu.Unlock()
}

func newConn(name, host string, port int, https bool, user, pass string, opTimeout time.Duration, rt http.RoundTripper) *conn {
	scheme := "http"
	if https {
		scheme = "https"
	}
	return &conn{
		name:     name,
		endpoint: &winrm.Endpoint{Host: host, Port: port, HTTPS: https},
		url:      fmt.Sprintf("%s://%s/wsman", scheme, net.JoinHostPort(host, strconv.Itoa(port))),
		user:     user,
		pass:     pass,
		opTO:     fmt.Sprintf("PT%dS", max(1, int(opTimeout/time.Second))),
		rt:       rt,
	}
}

func (c *conn) transport(ctx context.Context) *transport {
	return &transport{ctx: ctx, node: c.name, url: c.url, user: c.user, pass: c.password(), rt: c.rt}
}

func (c *conn) params(t *transport) *winrm.Parameters {
	// NewParameters, never a copy of the shared DefaultParameters pointer.
	p := winrm.NewParameters(c.opTO, "en-US", 153600)
	p.TransportDecorator = func() winrm.Transporter { return t }
	return p
}

// cleanupTimeout bounds the Signal and Delete sent after a command, so a
// node that went away cannot hold the caller.
const cleanupTimeout = 5 * time.Second

// exec runs one command line in a WinRS shell and hands its raw stdout
// and stderr chunks to the callbacks as each Receive brings them (the
// callbacks are never called concurrently). It returns when the command
// ended, failed or ctx ended; in every case the two reader goroutines and
// the client's own fetch goroutine have returned, and the command was
// signalled (best effort, bounded by cleanupTimeout).
//
// The shell is one kept from an earlier command when there is one, and is
// kept again when the command ended cleanly; a shell whose command failed
// in any way is deleted, so a half-read command never shares a shell with
// the next. A kept shell the node has forgotten (its IdleTimeout passed,
// or WinRM restarted) answers the Command request with "shell not found":
// the node refused the command before running anything, so it is sent
// again, once, in a new shell. Any other failure of the Command request
// (a dropped connection, a timeout) may have come after the node took the
// command, and is returned: nothing is ever sent twice.
//
// stdin, when not nil, is sent to the command's standard input and the
// input closed: a secret travels there, inside the WinRM message, never
// on a command line the node's other processes can read.
func (c *conn) exec(ctx context.Context, line string, stdin []byte, onOut func(stream string, p []byte)) (int, error) {
	shellID, reused, err := c.acquireShell(ctx)
	if err != nil {
		return 0, err
	}
	keep, unreachable := false, false
	defer func() {
		switch {
		case keep:
			c.keepShell(shellID)
		case unreachable:
			// A kept shell on a node no connection reaches (restarting):
			// a Delete would only wait for the connection to fail again.
			// The node forgets the shell when it restarts or idles it out.
			c.dropShell(ctx, "")
		default:
			c.dropShell(ctx, shellID)
		}
	}()
	t := c.transport(ctx)
	client, err := winrm.NewClientWithParameters(c.endpoint, c.user, t.pass, c.params(t))
	if err != nil {
		return 0, wrap(say("%s: WinRM client: %s", c.name, err), err)
	}
	var cmdID string
	t.onReply = func(body string) {
		if cmdID == "" {
			cmdID = commandID(body)
		}
	}
	var cmd *winrm.Command
	for {
		if shellID == "" {
			if shellID, err = c.createShell(ctx, t); err != nil {
				return 0, err
			}
		}
		cmd, err = client.NewShell(shellID).Execute(line)
		var gone *shellGoneError
		if err != nil && reused && errors.As(err, &gone) {
			// Refused before it ran: the kept shell is gone. Its slot
			// takes a new shell.
			shellID, reused = "", false
			continue
		}
		if err != nil {
			var notSent *notSentError
			unreachable = reused && errors.As(err, &notSent)
			return 0, err
		}
		break
	}
	if stdin != nil {
		if _, err := cmd.Stdin.Write(stdin); err != nil {
			cmd.Close()
			return 0, wrap(say("%s: sending the command's input: %s", c.name, err), err)
		}
		if err := cmd.Stdin.Close(); err != nil {
			cmd.Close()
			return 0, wrap(say("%s: closing the command's input: %s", c.name, err), err)
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, r := range []struct {
		name string
		rd   io.Reader
	}{{"stdout", cmd.Stdout}, {"stderr", cmd.Stderr}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, rerr := r.rd.Read(buf)
				if n > 0 {
					mu.Lock()
					onOut(r.name, buf[:n])
					mu.Unlock()
				}
				if rerr != nil {
					if !errors.Is(rerr, io.EOF) {
						errs[i] = rerr
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	cmd.Wait()
	code := cmd.ExitCode()
	signalled := c.signal(ctx, shellID, cmdID)
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			return code, fmt.Errorf("%s: %w", c.name, context.Cause(ctx))
		}
		return code, errs[firstNonNil(errs)]
	}
	keep = signalled && ctx.Err() == nil
	return code, nil
}

// createShell opens a WinRS shell on the node. The executor creates
// shells itself: the client keeps shell and command IDs unexported, and
// Signal and Delete need them.
func (c *conn) createShell(ctx context.Context, t *transport) (string, error) {
	create := winrm.NewOpenShellRequest(c.url, c.params(t))
	body, err := t.post(ctx, create.String())
	create.Free()
	if err != nil {
		return "", err
	}
	shellID, err := winrm.ParseOpenShellResponse(body)
	if err != nil || shellID == "" {
		return "", errors.New(say("%s: WinRM Create reply without a shell ID (%s)", c.name, errText(err)))
	}
	return shellID, nil
}

// commandID is the CommandId of a CommandResponse body, "" for any other
// reply. A Receive reply names the command too, but only in attributes;
// the element is the CommandResponse's alone.
func commandID(body string) string {
	i := strings.Index(body, "CommandId>")
	if i < 0 || !strings.Contains(body[:i], "CommandResponse") {
		return ""
	}
	rest := body[i+len("CommandId>"):]
	j := strings.IndexByte(rest, '<')
	if j < 0 {
		return ""
	}
	return strings.TrimSpace(rest[:j])
}

func firstNonNil(errs []error) int {
	for i, e := range errs {
		if e != nil {
			return i
		}
	}
	return 0
}

// signal sends the final terminate (MS-WSMV 3.1.4.14) ourselves, never
// through Command.Close, which races the client's fetch loop. It reports
// whether the node confirmed it: only then is the shell clean for the
// next command.
func (c *conn) signal(ctx context.Context, shellID, cmdID string) bool {
	if shellID == "" || cmdID == "" {
		return false
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	t := c.transport(cctx)
	req := winrm.NewSignalRequest(c.url, shellID, cmdID, c.params(t))
	defer req.Free()
	_, err := t.post(cctx, req.String())
	return err == nil
}

// cleanup deletes the shell, so a node never collects the 30 shells a
// user may hold.
func (c *conn) cleanup(ctx context.Context, shellID string) {
	if shellID == "" {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	t := c.transport(cctx)
	req := winrm.NewDeleteShellRequest(c.url, shellID, c.params(t))
	defer req.Free()
	_, _ = t.post(cctx, req.String())
}
