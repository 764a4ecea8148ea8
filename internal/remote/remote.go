// Package remote is the WinRM Executor: how cmsrunbook reaches the nodes of
// a real Windows Server 2003/2008 cluster. It satisfies the engine's
// Executor interface (without importing the engine) on top of
// github.com/masterzen/winrm, sending cmd.exe lines as they are and
// everything else as PowerShell 1.0 scripts embedded in assets/scripts
// (discovery, Exchange cmdlet lines, detached jobs), encoded with
// -EncodedCommand and printing tab-separated records.
//
// Long-running steps (Setup.com, msiexec, hotfixes) run detached on the
// node through WMI Win32_Process.Create, writing a log and an exit-code
// file under the WinRM user's %TEMP%\cmsrunbook, so a dropped connection or
// a crashed runbook never kills them and a resume re-attaches from the
// files alone.
package remote

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// Options tune an Executor; zero values take the defaults.
type Options struct {
	// Password of the inventory's user. Never logged, printed or journaled.
	Password string
	// OperationTimeout overrides the inventory's (how long a node may hold
	// a Receive before answering "no output yet").
	OperationTimeout time.Duration
	// DialTimeout bounds a TCP connect; a rebooting node that black-holes
	// the port is reported away after it. Default 5 s.
	DialTimeout time.Duration
	// NodeTimeout bounds one node's discovery script; a node slower than
	// this is reported unreachable for this observation. Default 45 s.
	NodeTimeout time.Duration
	// ExchangeTimeout bounds the Exchange part of discovery (loading the
	// snap-in alone takes seconds on old hardware). Default 120 s.
	ExchangeTimeout time.Duration
	// PollInterval is how often TailJob asks for more log. Default 2 s.
	PollInterval time.Duration
}

// Executor runs commands and discovery on a real cluster over WinRM.
type Executor struct {
	inv      *config.Inventory
	opts     Options
	conns    map[string]*conn // by upper-case node name
	order    []string         // inventory order
	warnings []string

	mu    sync.Mutex
	files []string            // files discovery checks on every node (NeedFiles)
	runID string              // names the jobs of Exchange commands (SetRunID)
	read  map[string]bool     // jobs whose end this executor has read
	last  map[string]nodeInfo // the last facts each node reported
	lead  int                 // index of the node asked for cluster-wide data
	xview exchangeView        // the last Exchange view read (ObserveWait)
	xgen  uint64              // counts the commands sent that may change Exchange state (noteCommand)
	// scripts are the poll scripts built so far (pollScript).
	scripts map[string]string
}

// New builds an Executor for the inventory's nodes. It does not connect.
func New(inv *config.Inventory, o Options) (*Executor, error) {
	if inv == nil || len(inv.Nodes) == 0 {
		return nil, errors.New(say("remote: the inventory lists no nodes"))
	}
	if o.Password == "" {
		return nil, errors.New(say("remote: no password (set CMSRUNBOOK_PASSWORD or answer the prompt)"))
	}
	if o.OperationTimeout <= 0 {
		o.OperationTimeout = inv.WinRM.OperationTimeout
	}
	if o.OperationTimeout <= 0 {
		o.OperationTimeout = config.DefaultOperationTimeout
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.NodeTimeout <= 0 {
		o.NodeTimeout = 45 * time.Second
	}
	if o.ExchangeTimeout <= 0 {
		o.ExchangeTimeout = 120 * time.Second
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 2 * time.Second
	}
	e := &Executor{inv: inv, opts: o, conns: map[string]*conn{}, last: map[string]nodeInfo{}}
	e.warnings = append(e.warnings, inv.Warnings...)
	if inv.WinRM.TLSLegacy && !slices.Contains(e.warnings, config.TLSLegacyWarning) {
		e.warnings = append(e.warnings, config.TLSLegacyWarning)
	}
	https := inv.WinRM.Transport != config.TransportHTTP
	var tlsConf *tls.Config
	if https {
		var err error
		if tlsConf, err = tlsConfig(inv.WinRM); err != nil {
			return nil, err
		}
	}
	ntlm := false
	switch inv.WinRM.Auth {
	case config.AuthBasic, "":
	case config.AuthNTLM:
		ntlm = true
		if !https {
			e.warnings = append(e.warnings, say("NTLM over plain http: this WinRM client cannot seal NTLM messages, so the nodes must allow unencrypted WinRM (AllowUnencrypted=true) and everything after the handshake travels readable; use https"))
		}
	case config.AuthKerberos:
		return nil, errors.New(say("remote: auth: kerberos is not supported by this build: the pinned WinRM client's Kerberos needs a krb5.conf, a realm and KDC, and the nodes' service principal names, none of which the inventory carries; use auth: ntlm over https (auth: basic only for a local account)"))
	default:
		return nil, errors.New(say("remote: unknown auth %q", inv.WinRM.Auth))
	}
	// The header timeout must exceed the OperationTimeout, or a silent
	// command races the node's TimedOut reply (masterzen/winrm #147).
	header := o.OperationTimeout + max(10*time.Second, o.OperationTimeout/2)
	rt := newRoundTripper(tlsConf, o.DialTimeout, header, ntlm)
	for _, n := range inv.Nodes {
		c := newConn(n.Name, n.Address, n.Port, https, inv.WinRM.User, o.Password, o.OperationTimeout, rt)
		e.conns[strings.ToUpper(n.Name)] = c
		e.order = append(e.order, strings.ToUpper(n.Name))
	}
	return e, nil
}

// Warnings are settings that weaken security, for the screen and journal.
func (e *Executor) Warnings() []string { return append([]string(nil), e.warnings...) }

func (e *Executor) conn(node string) (*conn, error) {
	c := e.conns[strings.ToUpper(node)]
	if c == nil {
		return nil, errors.New(say("remote: %q is not a node of the inventory %s", node, e.inv.Path))
	}
	return c, nil
}

// lineWriter cuts a byte stream into lines, decoding each from the node's
// code page, and hands them on; the text after the last line ending is
// handed on by flush.
type lineWriter struct {
	stream runbook.Stream
	cp     int
	buf    []byte
	emit   func(runbook.OutputLine)
	clixml bool
}

func (w *lineWriter) write(p []byte) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return
		}
		w.line(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
}

func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.line(w.buf)
		w.buf = nil
	}
}

var clixmlText = regexp.MustCompile(`<S S="(?:Error|Warning|Verbose|Debug)">(.*?)</S>`)

// line emits one line. PowerShell may report errors on a redirected stderr
// as CLIXML; the engineer is shown the text inside, not the XML.
func (w *lineWriter) line(b []byte) {
	text := strings.TrimRight(decodeText(b, w.cp), "\r")
	if w.stream == runbook.Stderr && strings.HasPrefix(text, "#< CLIXML") {
		w.clixml = true
		return
	}
	if w.clixml && strings.HasPrefix(text, "<Objs") {
		for _, m := range clixmlText.FindAllStringSubmatch(text, -1) {
			s := strings.NewReplacer("_x000D_", "", "_x000A_", "\n", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'", "&amp;", "&").Replace(m[1])
			for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
				w.emit(runbook.OutputLine{Stream: w.stream, Text: l})
			}
		}
		return
	}
	w.emit(runbook.OutputLine{Stream: w.stream, Text: text})
}

// Run runs one short command to completion, streaming its output lines.
// A cmd.exe line (cluster.exe, shutdown) runs straight in a WinRS shell:
// it needs nothing beyond the node. An Exchange line runs in the cmdlet
// script through the job runner (a scheduled task under the engineer's
// account), since the snap-in must reach Active Directory.
func (e *Executor) Run(ctx context.Context, cmd runbook.Command, out func(runbook.OutputLine)) (runbook.ExecResult, error) {
	c, err := e.conn(cmd.Node)
	if err != nil {
		return runbook.ExecResult{}, err
	}
	if out == nil {
		out = func(runbook.OutputLine) {}
	}
	e.noteCommand(cmd)
	if cmd.Shell == runbook.ShellPowerShell {
		s, err := BuildScript(ScriptCmdlet, []Param{{"Step", string(cmd.Kind)}}, cmd.Line)
		if err != nil {
			return runbook.ExecResult{}, at(cmd.Node, err)
		}
		code, err := e.runCommandJob(ctx, cmd.Node, s, cmd.Kind, cmd.Line, out)
		if err != nil {
			return runbook.ExecResult{ExitCode: code}, wrap(say("running %q on %s: %s", cmd.Line, cmd.Node, err), err)
		}
		return runbook.ExecResult{ExitCode: code}, nil
	}
	line := cmd.Line
	cp := c.codePage()
	wo := &lineWriter{stream: runbook.Stdout, cp: cp, emit: out}
	we := &lineWriter{stream: runbook.Stderr, cp: cp, emit: out}
	code, err := c.exec(ctx, line, nil, func(stream string, p []byte) {
		if stream == "stderr" {
			we.write(p)
		} else {
			wo.write(p)
		}
	})
	wo.flush()
	we.flush()
	if err != nil {
		return runbook.ExecResult{ExitCode: code}, wrap(say("running %q on %s: %s", cmd.Line, cmd.Node, err), err)
	}
	return runbook.ExecResult{ExitCode: code}, nil
}

// script runs one of our scripts on a node and hands every record to rec
// as soon as its line arrives.
func (e *Executor) script(ctx context.Context, node, name string, params []Param, rec func(record)) (int, string, error) {
	return e.scriptIn(ctx, node, name, params, nil, rec)
}

// scriptIn is script with standard input (a secret travels there).
func (e *Executor) scriptIn(ctx context.Context, node, name string, params []Param, stdin []byte, rec func(record)) (int, string, error) {
	s, err := BuildScript(name, params, "")
	if err != nil {
		return 0, "", err
	}
	return e.runScript(ctx, node, name, s, stdin, rec)
}

// runScript runs a built script (BuildScript, BuildScripts) on a node in
// one powershell.exe; name is for messages.
func (e *Executor) runScript(ctx context.Context, node, name, s string, stdin []byte, rec func(record)) (int, string, error) {
	c, err := e.conn(node)
	if err != nil {
		return 0, "", err
	}
	line, err := EncodeCommand(s)
	if err != nil {
		return 0, "", at(name, err)
	}
	var stderr strings.Builder
	wo := &lineWriter{stream: runbook.Stdout, cp: c.codePage(), emit: func(l runbook.OutputLine) {
		if strings.Contains(l.Text, "\t") {
			rec(record(strings.Split(l.Text, "\t")))
		}
	}}
	we := &lineWriter{stream: runbook.Stderr, cp: c.codePage(), emit: func(l runbook.OutputLine) {
		if stderr.Len() < 2000 {
			stderr.WriteString(l.Text + "\n")
		}
	}}
	code, err := c.exec(ctx, line, stdin, func(stream string, p []byte) {
		if stream == "stderr" {
			we.write(p)
		} else {
			wo.write(p)
		}
	})
	wo.flush()
	we.flush()
	return code, strings.TrimSpace(stderr.String()), err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Clock is the wall clock, for the engine on a real cluster.
type Clock struct{}

// Now is the wall-clock time.
func (Clock) Now() time.Time { return time.Now() }

// Sleep waits d or until ctx ends.
func (Clock) Sleep(ctx context.Context, d time.Duration) error { return sleepCtx(ctx, d) }

// Close deletes the shells kept open on the nodes and drops the idle
// keep-alive connections; the executor stays usable (new shells and
// connections are made on demand).
func (e *Executor) Close() {
	var wg sync.WaitGroup
	for _, c := range e.conns {
		wg.Go(func() { c.closeIdle(context.Background()) })
	}
	wg.Wait()
	seen := map[any]bool{}
	for _, c := range e.conns {
		if seen[c.rt] {
			continue
		}
		seen[c.rt] = true
		if ci, ok := c.rt.(interface{ CloseIdleConnections() }); ok {
			ci.CloseIdleConnections()
		}
	}
}
