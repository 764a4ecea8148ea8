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
	// shells holds one token per WinRM shell this executor has open on
	// the node: WinRM 2.0 allows a user 5 (MaxShellsPerUser), and one is
	// left for the engineer's own console.
	shells chan struct{}

	mu sync.Mutex
	cp int // the node's OEM code page, from discovery; 0 unknown
}

// maxShells is how many shells the executor opens on one node at once.
const maxShells = 4

// acquire waits for a free shell slot; release gives it back.
func (c *conn) acquire(ctx context.Context) (release func(), err error) {
	select {
	case c.shells <- struct{}{}:
		return func() { <-c.shells }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: waiting for a free WinRM shell: %w", c.name, context.Cause(ctx))
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
		shells:   make(chan struct{}, maxShells),
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

// exec runs one command line in a fresh WinRS shell and hands its raw
// stdout and stderr chunks to the callbacks as each Receive brings them
// (the callbacks are never called concurrently). It returns when the
// command ended, failed or ctx ended; in every case the two reader
// goroutines and the client's own fetch goroutine have returned, and the
// shell was signalled and deleted (best effort, bounded by cleanupTimeout).
//
// stdin, when not nil, is sent to the command's standard input and the
// input closed: a secret travels there, inside the WinRM message, never
// on a command line the node's other processes can read.
func (c *conn) exec(ctx context.Context, line string, stdin []byte, onOut func(stream string, p []byte)) (int, error) {
	release, err := c.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer release()
	t := c.transport(ctx)
	client, err := winrm.NewClientWithParameters(c.endpoint, c.user, t.pass, c.params(t))
	if err != nil {
		return 0, fmt.Errorf("%s: WinRM client: %w", c.name, err)
	}
	// Create the shell ourselves: the client keeps shell and command IDs
	// unexported, and we need them for Signal and Delete.
	create := winrm.NewOpenShellRequest(c.url, c.params(t))
	body, err := t.post(ctx, create.String())
	create.Free()
	if err != nil {
		return 0, err
	}
	shellID, err := winrm.ParseOpenShellResponse(body)
	if err != nil || shellID == "" {
		return 0, fmt.Errorf("%s: WinRM Create reply without a shell ID (%v)", c.name, err)
	}
	defer c.cleanup(ctx, shellID)
	var cmdID string
	t.onReply = func(body string) {
		if cmdID == "" && strings.Contains(body, "CommandResponse") {
			cmdID, _ = winrm.ParseExecuteCommandResponse(body)
		}
	}
	cmd, err := client.NewShell(shellID).Execute(line)
	if err != nil {
		return 0, err
	}
	if stdin != nil {
		if _, err := cmd.Stdin.Write(stdin); err != nil {
			cmd.Close()
			return 0, fmt.Errorf("%s: sending the command's input: %w", c.name, err)
		}
		if err := cmd.Stdin.Close(); err != nil {
			cmd.Close()
			return 0, fmt.Errorf("%s: closing the command's input: %w", c.name, err)
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
	c.signal(ctx, shellID, cmdID)
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			return code, fmt.Errorf("%s: %w", c.name, context.Cause(ctx))
		}
		return code, errs[firstNonNil(errs)]
	}
	return code, nil
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
// through Command.Close, which races the client's fetch loop.
func (c *conn) signal(ctx context.Context, shellID, cmdID string) {
	if shellID == "" || cmdID == "" {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	t := c.transport(cctx)
	req := winrm.NewSignalRequest(c.url, shellID, cmdID, c.params(t))
	defer req.Free()
	_, _ = t.post(cctx, req.String())
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
