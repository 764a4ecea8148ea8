// Package wsman is a WS-Management server that speaks the Windows Remote
// Shell (WinRS) subset of WinRM on loopback, one port per simulated node.
//
// It exists so that the real WinRM client path (github.com/masterzen/winrm,
// and python3-winrm in CI) can be exercised end to end against a simulated
// cluster: `serve-sim` puts the simulator behind it, and the WinRM executor's
// tests use it to see drops, slow output, timeouts and bad credentials the way
// a Windows node produces them. The wire shapes, action URIs and fault texts
// follow real captured replies (shared/domain/samples/winrm).
//
// The package knows nothing of the simulator: any Backend can serve commands.
package wsman

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Backend runs a command line on one node and streams its output.
type Backend interface {
	// Exec runs the command the client sent (the WinRS command and its arguments, as received,
	// e.g. `cmd` with args [`/c`, `cluster node`], or `powershell.exe -EncodedCommand <b64>` ) on node.
	// out is called with stdout/stderr chunks as they are produced; Exec returns the exit code.
	//
	// ctx is cancelled when the client signals terminate or ctrl_c, deletes the
	// shell, the node goes down, or the server closes; Exec must then return
	// promptly (Close waits for it). A non-nil error means the node could not
	// run the command at all; the client sees it as a w:InternalError fault on
	// its next Receive. After cancellation the error is ignored.
	Exec(ctx context.Context, node string, command string, args []string, stdin io.Reader, out func(stream string, p []byte)) (exitCode int, err error)
}

// Errors a Backend returns to show a fault the way a network shows it
// rather than as a w:InternalError: the Receive that would report the
// command's end instead loses its connection mid-reply (ErrDropConnection,
// the client sees EOF) or is refused with HTTP 401 (ErrAccessDenied, as
// when the account's password changed or it was locked out mid-session).
// Output the command produced before is delivered first.
var (
	ErrDropConnection = errors.New("wsman: drop the connection")
	ErrAccessDenied   = errors.New("wsman: refuse the credentials")
)

// Config configures Start.
type Config struct {
	// Nodes are the simulated node names; each gets its own listener.
	Nodes []string
	// Listen is the loopback address to bind, "127.0.0.1" by default. An
	// optional port is the first node's port, the next nodes get the
	// following ones; port 0 (the default) makes every port ephemeral.
	// Non-loopback addresses are refused: this is a simulator with a known
	// password, never a service for the network.
	Listen string
	// User and Password are the only credentials accepted, over Basic or
	// NTLM (see Auth). User may carry a domain (`EXAMPLE\exadmin`): NTLM
	// then names that domain in its challenge; without one the account is
	// local to each node. Both are required.
	User, Password string
	// TLS serves HTTPS with a certificate from a CA generated at Start
	// (see CACertPEM).
	TLS bool
	// TLSLegacy (implies TLS) serves as an unpatched Windows Server 2003
	// node does: at most TLS 1.0, RSA key exchange only
	// (TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_RSA_WITH_AES_128_CBC_SHA), and an
	// RSA-2048 CA and node certificate signed with SHA-1, so clients prove
	// they connect only when told to accept all of that.
	TLSLegacy bool
	// Auth is the set of schemes the listener accepts; zero is DefaultAuth
	// (Basic and Negotiate, a Windows node with Basic enabled). AuthNegotiate
	// alone is the Windows default (Basic disabled); AuthBasic alone exists
	// so tests can prove an NTLM client refuses a listener without Negotiate.
	Auth AuthMode
	// AllowUnencrypted is winrm/config/service/AllowUnencrypted. When false
	// (the Windows default) every request over plain HTTP, Basic or NTLM,
	// is refused with 401 after its credentials were checked, as a Windows
	// node refuses unencrypted messages (see refuseUnencrypted: for Basic
	// the 401 is the same one a wrong password gets). A listener meant to
	// be used over plain HTTP, as a lab node configured for it is, must set
	// it true. Over HTTPS it makes no difference.
	AllowUnencrypted bool
	// WinRMVersion is "2.0" (default) or "1.1". 1.1 answers as a 2003 R2 /
	// 2008 node with KB936059: ShellIds prefixed "uuid:" and no rsp:Shell
	// in the CreateResponse.
	WinRMVersion string
	// IdleTimeout deletes a shell no request has touched for this long
	// (winrs IdleTimeout, 180 s by default per MS-WSMV 2.2.4.42); later
	// requests on it get the "shell was not found" fault.
	IdleTimeout time.Duration
	// MaxShellsPerUser is winrs MaxShellsPerUser on the node; 5 when zero
	// (the WinRM 1.1/2.0 quota). One more Create gets w:QuotaLimit.
	MaxShellsPerUser int
	// MaxEnvelopeSizeKB is MaxEnvelopeSizekb: larger requests are refused
	// with HTTP 413 and replies never exceed it; 150 when zero (WinRM
	// 1.1/2.0).
	MaxEnvelopeSizeKB int
	// OperationTimeoutMax caps the OperationTimeout a client asks for, as
	// MaxTimeoutms does on Windows; 60 s when zero.
	OperationTimeoutMax time.Duration
	// Backend runs the commands.
	Backend Backend
	// Logf, when set, receives one line per notable event (commands started,
	// faults, nodes going down). It must be safe for concurrent use.
	Logf func(string, ...any)
	// Trace, when set, is called for every request a listener accepts
	// for a shell (after authentication), with the node, the action's last
	// path element (Create, Command, Receive, Send, Signal, Delete) and,
	// for a Command, the command line as received (the command and its
	// arguments joined by spaces). Tests and benchmarks count round trips,
	// shells and powershell.exe runs with it. It must be safe for
	// concurrent use and must not block.
	Trace func(node, action, commandLine string)

	// now is the clock for idle timeouts; tests set it, nil is time.Now.
	now func() time.Time
}

// Defaults of a WinRM 1.1/2.0 node (WINRM.md section 6, issue 11).
const (
	defaultIdleTimeout       = 180 * time.Second
	defaultMaxShellsPerUser  = 5
	defaultMaxEnvelopeSizeKB = 150
)

// Endpoint is where a node's listener is.
type Endpoint struct {
	Host  string
	Port  int
	HTTPS bool
}

// Server is a running set of per-node WinRM listeners.
type Server struct {
	cfg     Config
	host    string
	opMax   time.Duration
	tlsConf *tls.Config
	caPEM   []byte
	logf    func(string, ...any)
	now     func() time.Time

	auth        AuthMode
	version     string
	idle        time.Duration
	maxShells   int
	maxEnvBytes int

	mu     sync.Mutex
	closed bool
	nodes  map[string]*node
	order  []string
	// wg counts every goroutine the server owns: each Serve loop, each
	// request handler, each backend command. Close waits for all of them.
	wg sync.WaitGroup

	closing   chan struct{}
	closeOnce sync.Once
	watchDone chan struct{}

	// timedOutReceives counts Receives answered with the TimedOut fault, so
	// tests can prove the client really polled again.
	timedOutReceives atomic.Int64
	// quiet silences logf once Close has finished.
	quiet atomic.Bool
}

// node is one simulated host. Its port survives reboots (SetDown), its
// shells do not.
type node struct {
	name     string
	port     int
	dropNext int          // Receives still to be dropped; guarded by Server.mu
	inc      *incarnation // nil while down; guarded by Server.mu
}

// incarnation is one "boot" of a node: its listener, HTTP server and shell
// table. SetDown ends it; SetDown(false) starts a fresh one, so shell IDs from
// before a reboot are unknown afterwards, as on Windows.
type incarnation struct {
	srv    *Server
	node   *node
	http   *http.Server
	ln     net.Listener    // the bare TCP listener
	ctx    context.Context // parent of every command's context
	cancel context.CancelFunc

	mu     sync.Mutex
	shells map[string]*shell
}

const defaultOperationTimeoutMax = 60 * time.Second

// Start binds one listener per node and serves until Close is called or ctx
// is cancelled.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if len(cfg.Nodes) == 0 {
		return nil, errors.New("wsman: no nodes configured")
	}
	if cfg.Backend == nil {
		return nil, errors.New("wsman: no backend configured")
	}
	if cfg.User == "" || cfg.Password == "" {
		return nil, errors.New("wsman: user and password are required")
	}
	host, basePort, err := parseListen(cfg.Listen)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		host:      host,
		opMax:     cfg.OperationTimeoutMax,
		logf:      cfg.Logf,
		nodes:     make(map[string]*node, len(cfg.Nodes)),
		closing:   make(chan struct{}),
		watchDone: make(chan struct{}),
	}
	if s.opMax <= 0 {
		s.opMax = defaultOperationTimeoutMax
	}
	if err := s.applyLimits(cfg); err != nil {
		return nil, err
	}
	if userLogf := cfg.Logf; userLogf != nil {
		// http.Server's connection goroutines may still report (e.g. a TLS
		// handshake error) for a moment after Close; by then the caller may
		// have torn its logger down (t.Logf panics after a test ends).
		s.logf = func(format string, args ...any) {
			if !s.quiet.Load() {
				userLogf(format, args...)
			}
		}
	} else {
		s.logf = func(string, ...any) {}
	}
	seen := map[string]bool{}
	for _, name := range cfg.Nodes {
		key := strings.ToUpper(name)
		if name == "" || seen[key] {
			return nil, fmt.Errorf("wsman: node name %q is empty or duplicated", name)
		}
		seen[key] = true
	}
	if cfg.TLSLegacy {
		s.tlsConf, s.caPEM, err = generateLegacyTLS(cfg.Nodes)
		if err != nil {
			return nil, fmt.Errorf("wsman: legacy TLS certificate: %w", err)
		}
	} else if cfg.TLS {
		s.tlsConf, s.caPEM, err = generateTLS(cfg.Nodes)
		if err != nil {
			return nil, fmt.Errorf("wsman: TLS certificate: %w", err)
		}
	}
	for i, name := range cfg.Nodes {
		port := 0
		if basePort != 0 {
			port = basePort + i
		}
		n := &node{name: name, port: port}
		s.nodes[name] = n
		s.order = append(s.order, name)
		s.mu.Lock()
		err := s.bootLocked(n)
		s.mu.Unlock()
		if err != nil {
			s.shutdown()
			close(s.watchDone)
			return nil, fmt.Errorf("wsman: node %s: %w", name, err)
		}
	}
	go func() {
		defer close(s.watchDone)
		select {
		case <-ctx.Done():
			s.shutdown()
		case <-s.closing:
		}
	}()
	return s, nil
}

// applyLimits validates the Windows settings in cfg and fills in defaults.
func (s *Server) applyLimits(cfg Config) error {
	s.now = cfg.now
	if s.now == nil {
		s.now = time.Now
	}
	s.auth = cfg.Auth
	if s.auth == 0 {
		s.auth = DefaultAuth
	}
	if s.auth&^(AuthBasic|AuthNegotiate) != 0 {
		return fmt.Errorf("wsman: auth mode %d unknown", cfg.Auth)
	}
	switch cfg.WinRMVersion {
	case "", "2.0":
		s.version = "2.0"
	case "1.1":
		s.version = "1.1"
	default:
		return fmt.Errorf("wsman: WinRM version %q: want 1.1 or 2.0", cfg.WinRMVersion)
	}
	s.idle = cfg.IdleTimeout
	if s.idle <= 0 {
		s.idle = defaultIdleTimeout
	}
	s.maxShells = cfg.MaxShellsPerUser
	if s.maxShells <= 0 {
		s.maxShells = defaultMaxShellsPerUser
	}
	kb := cfg.MaxEnvelopeSizeKB
	if kb <= 0 {
		kb = defaultMaxEnvelopeSizeKB
	}
	s.maxEnvBytes = kb << 10
	return nil
}

// Auth is the set of schemes the listeners accept.
func (s *Server) Auth() AuthMode { return s.auth }

// TLSLegacy reports whether the listeners speak only legacy TLS.
func (s *Server) TLSLegacy() bool { return s.cfg.TLSLegacy }

// WinRMVersion is "1.1" or "2.0".
func (s *Server) WinRMVersion() string { return s.version }

// parseListen accepts "", "host" or "host:port" with a loopback host.
func parseListen(listen string) (string, int, error) {
	if listen == "" {
		return "127.0.0.1", 0, nil
	}
	host, portStr := listen, ""
	if h, p, err := net.SplitHostPort(listen); err == nil {
		host, portStr = h, p
	}
	if host == "" || strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", 0, fmt.Errorf("wsman: listen address %q is not a loopback address", listen)
	}
	port := 0
	if portStr != "" {
		p, err := strconv.Atoi(portStr)
		if err != nil || p < 0 || p > 65535 {
			return "", 0, fmt.Errorf("wsman: listen address %q: bad port", listen)
		}
		port = p
	}
	return ip.String(), port, nil
}

// bootLocked binds the node's port and starts a fresh incarnation. The first
// boot with port 0 picks an ephemeral port, which later boots reuse.
func (s *Server) bootLocked(n *node) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(s.host, strconv.Itoa(n.port)))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	n.port = ln.Addr().(*net.TCPAddr).Port
	ctx, cancel := context.WithCancel(context.Background())
	inc := &incarnation{srv: s, node: n, ctx: ctx, cancel: cancel, shells: map[string]*shell{}}
	inc.http = &http.Server{
		Handler:           inc,
		ConnContext:       withConnAuth,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(logfWriter(s.logf, n.name), "", 0),
	}
	// The incarnation closes its listener itself when it ends: a node
	// taken down right after it came up (before Serve started) must refuse
	// connections at once, as a machine that is off does, not accept one
	// into the backlog and reset it.
	inc.ln = ln
	if s.tlsConf != nil {
		ln = tls.NewListener(ln, s.tlsConf)
	}
	n.inc = inc
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := inc.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("wsman: %s: serve: %v", n.name, err)
		}
	}()
	return nil
}

// end stops the incarnation abruptly, like a power cut: the listener and all
// connections close (in-flight requests see a reset), every command's context
// is cancelled. Handlers still running return on their own; the Server's
// WaitGroup tracks them.
func (inc *incarnation) end() {
	// Connections go first, then the commands: a machine that goes off
	// answers nothing more, so a command cut by the shutdown must not get
	// its "interrupted" exit code out to a held Receive before the
	// connection drops.
	_ = inc.ln.Close() // Close below closes it too, once Serve has it
	if err := inc.http.Close(); err != nil {
		inc.srv.logf("wsman: %s: close listener: %v", inc.node.name, err)
	}
	inc.cancel()
}

// Endpoints returns each node's listener address.
func (s *Server) Endpoints() map[string]Endpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	eps := make(map[string]Endpoint, len(s.nodes))
	for name, n := range s.nodes {
		eps[name] = Endpoint{Host: s.host, Port: n.port, HTTPS: s.tlsConf != nil}
	}
	return eps
}

// CACertPEM returns the PEM of the CA that signed the server certificate, for
// Endpoint.CACert / ca_file; nil without TLS.
func (s *Server) CACertPEM() []byte {
	if s.caPEM == nil {
		return nil
	}
	return append([]byte(nil), s.caPEM...)
}

// SetDown takes a node off the network (down=true: its port refuses
// connections, open connections are cut, running commands are killed) or
// brings it back with an empty shell table (down=false), as a reboot does.
// Unknown nodes and no-op transitions are ignored; a failure to re-bind the
// port is logged and leaves the node down.
func (s *Server) SetDown(nodeName string, down bool) {
	s.mu.Lock()
	n := s.nodes[nodeName]
	if n == nil || s.closed {
		s.mu.Unlock()
		if n == nil {
			s.logf("wsman: SetDown: unknown node %q", nodeName)
		}
		return
	}
	if down {
		inc := n.inc
		n.inc = nil
		s.mu.Unlock()
		if inc != nil {
			s.logf("wsman: %s: down", nodeName)
			inc.end()
		}
		return
	}
	defer s.mu.Unlock()
	if n.inc != nil {
		return
	}
	if err := s.bootLocked(n); err != nil {
		s.logf("wsman: %s: cannot come back up: %v", nodeName, err)
		return
	}
	s.logf("wsman: %s: up on port %d", nodeName, n.port)
}

// ExpireIdleShells deletes every shell of the node that no request is
// using now, as its IdleTimeout would once it passed, and returns how
// many it deleted: a test hook, so a client's handling of a shell that
// timed out can be tested without waiting.
func (s *Server) ExpireIdleShells(nodeName string) int {
	s.mu.Lock()
	n := s.nodes[nodeName]
	var inc *incarnation
	if n != nil {
		inc = n.inc
	}
	s.mu.Unlock()
	if inc == nil {
		return 0
	}
	inc.mu.Lock()
	defer inc.mu.Unlock()
	gone := 0
	for key, sh := range inc.shells {
		if sh.busy > 0 {
			continue
		}
		delete(inc.shells, key)
		for _, c := range sh.commands {
			c.cancel()
		}
		sh.commands = nil
		gone++
	}
	return gone
}

// DropNextReceive makes the next Receive on the node lose its TCP connection
// after a partial reply, as a dropped network does. The command keeps running.
func (s *Server) DropNextReceive(nodeName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.nodes[nodeName]; n != nil {
		n.dropNext++
	} else {
		s.logf("wsman: DropNextReceive: unknown node %q", nodeName)
	}
}

// takeDrop consumes one pending drop for the node.
func (s *Server) takeDrop(n *node) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n.dropNext > 0 {
		n.dropNext--
		return true
	}
	return false
}

// Close stops every listener, cancels every command and waits until every
// goroutine the server started has returned.
func (s *Server) Close() error {
	s.shutdown()
	<-s.watchDone
	return nil
}

func (s *Server) shutdown() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		var incs []*incarnation
		for _, name := range s.order {
			if n := s.nodes[name]; n.inc != nil {
				incs = append(incs, n.inc)
				n.inc = nil
			}
		}
		s.mu.Unlock()
		close(s.closing)
		for _, inc := range incs {
			inc.end()
		}
		s.wg.Wait()
		s.quiet.Store(true)
	})
}

// enter registers a request handler with the WaitGroup unless the server is
// closing; the check and the Add happen under mu so Close's Wait cannot race
// with a late Add.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// logfWriter adapts Logf for http.Server.ErrorLog (TLS handshake failures of
// clients without the CA land here rather than on stderr).
type logfWriterT struct {
	logf func(string, ...any)
	node string
}

func logfWriter(logf func(string, ...any), node string) logfWriterT {
	return logfWriterT{logf: logf, node: node}
}

func (w logfWriterT) Write(p []byte) (int, error) {
	w.logf("wsman: %s: %s", w.node, strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
