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
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
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

	mu   sync.Mutex
	last map[string]nodeInfo // the last facts each node reported
	lead int                 // index of the node asked for cluster-wide data
}

// New builds an Executor for the inventory's nodes. It does not connect.
func New(inv *config.Inventory, o Options) (*Executor, error) {
	if inv == nil || len(inv.Nodes) == 0 {
		return nil, errors.New("remote: the inventory lists no nodes")
	}
	if o.Password == "" {
		return nil, errors.New("remote: no password (set CMSRUNBOOK_PASSWORD or answer the prompt)")
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
			e.warnings = append(e.warnings, "NTLM over plain http: this WinRM client cannot seal NTLM messages, so the nodes must allow unencrypted WinRM (AllowUnencrypted=true) and everything after the handshake travels readable; use https")
		}
	case config.AuthKerberos:
		return nil, errors.New("remote: auth kerberos is not supported by this build (the pinned WinRM client needs a krb5.conf, realm and SPN settings the inventory does not carry); use auth: ntlm over https")
	default:
		return nil, fmt.Errorf("remote: unknown auth %q", inv.WinRM.Auth)
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

// tlsConfig trusts the inventory's CA (or the system roots) and accepts
// TLS 1.0: Windows Server 2003 and 2008 (before R2) speak nothing newer.
func tlsConfig(w config.WinRM) (*tls.Config, error) {
	conf := &tls.Config{
		MinVersion:         tls.VersionTLS10,
		ServerName:         w.ServerName,
		InsecureSkipVerify: w.InsecureSkipVerify, //nolint:gosec // only when the inventory says so, with a warning
	}
	// 2003 without KB948963 offers only RC4 and 3DES suites; keep 3DES
	// available next to Go's defaults (RC4 is gone from Go).
	for _, s := range tls.CipherSuites() {
		conf.CipherSuites = append(conf.CipherSuites, s.ID)
	}
	conf.CipherSuites = append(conf.CipherSuites, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA)
	if w.CAFile != "" {
		pem, err := os.ReadFile(w.CAFile)
		if err != nil {
			return nil, fmt.Errorf("remote: reading ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("remote: ca_file %s holds no PEM certificate", w.CAFile)
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

func (e *Executor) conn(node string) (*conn, error) {
	c := e.conns[strings.ToUpper(node)]
	if c == nil {
		return nil, fmt.Errorf("remote: %q is not a node of the inventory %s", node, e.inv.Path)
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

// commandLine is what goes on the wire for a step's command: cmd.exe
// lines as they are (WinRS runs them through cmd.exe), Exchange lines in
// the cmdlet script with the snap-in loaded.
func commandLine(cmd runbook.Command) (string, error) {
	if cmd.Shell != runbook.ShellPowerShell {
		return cmd.Line, nil
	}
	s, err := BuildScript(ScriptCmdlet, []Param{{"Step", string(cmd.Kind)}}, cmd.Line)
	if err != nil {
		return "", err
	}
	return EncodeCommand(s)
}

// Run runs one short command to completion, streaming its output lines.
func (e *Executor) Run(ctx context.Context, cmd runbook.Command, out func(runbook.OutputLine)) (runbook.ExecResult, error) {
	c, err := e.conn(cmd.Node)
	if err != nil {
		return runbook.ExecResult{}, err
	}
	line, err := commandLine(cmd)
	if err != nil {
		return runbook.ExecResult{}, fmt.Errorf("%s: %w", cmd.Node, err)
	}
	if out == nil {
		out = func(runbook.OutputLine) {}
	}
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
		return runbook.ExecResult{ExitCode: code}, fmt.Errorf("running %q on %s: %w", cmd.Line, cmd.Node, err)
	}
	return runbook.ExecResult{ExitCode: code}, nil
}

// script runs one of our scripts on a node and hands every record to rec
// as soon as its line arrives.
func (e *Executor) script(ctx context.Context, node, name string, params []Param, rec func(record)) (int, string, error) {
	c, err := e.conn(node)
	if err != nil {
		return 0, "", err
	}
	s, err := BuildScript(name, params, "")
	if err != nil {
		return 0, "", err
	}
	line, err := EncodeCommand(s)
	if err != nil {
		return 0, "", fmt.Errorf("%s: %w", name, err)
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
	code, err := c.exec(ctx, line, nil, func(stream string, p []byte) {
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

// validJobID keeps job IDs safe as file names and literals.
func validJobID(id string) error {
	if id == "" || len(id) > 120 {
		return fmt.Errorf("job ID %q is empty or too long", id)
	}
	for _, r := range id {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') || id[0] == '.' {
			return fmt.Errorf("job ID %q holds %q; only letters, digits, - _ and . are used", id, r)
		}
	}
	return nil
}

// StartJob starts a long-running command detached on its node. Starting
// an ID that exists on the node starts nothing: the job is running or ran
// already, and the caller re-attaches with Job and TailJob.
func (e *Executor) StartJob(ctx context.Context, cmd runbook.Command, jobID string) error {
	if err := validJobID(jobID); err != nil {
		return err
	}
	if cmd.Shell == runbook.ShellPowerShell {
		return fmt.Errorf("%s: a detached job runs a cmd.exe line, not a PowerShell line (%q)", cmd.Node, cmd.Line)
	}
	var status record
	code, stderr, err := e.script(ctx, cmd.Node, ScriptJobStart, []Param{{"JobId", jobID}, {"Line", cmd.Line}, {"Step", string(cmd.Kind)}}, func(r record) {
		if status == nil {
			status = r
		}
	})
	if err != nil {
		return fmt.Errorf("starting job %s on %s: %w", jobID, cmd.Node, err)
	}
	switch status.field(0) {
	case "started", "exists":
		return nil
	case "failed":
		return fmt.Errorf("starting job %s on %s: Win32_Process.Create returned %s", jobID, cmd.Node, status.field(1))
	}
	return fmt.Errorf("starting job %s on %s: no answer from the start script (exit %d): %s", jobID, cmd.Node, code, stderr)
}

// parseJobState reads `state found running exit size`.
func parseJobState(r record) runbook.JobState {
	exit, _ := strconv.Atoi(r.field(3))
	size, _ := strconv.ParseInt(r.field(4), 10, 64)
	return runbook.JobState{Found: r.field(1) == "1", Running: r.field(2) == "1", ExitCode: exit, Size: size}
}

// Job reports a detached job's state from its files on the node.
func (e *Executor) Job(ctx context.Context, node, jobID string) (runbook.JobState, error) {
	if err := validJobID(jobID); err != nil {
		return runbook.JobState{}, err
	}
	var st *runbook.JobState
	code, stderr, err := e.script(ctx, node, ScriptJobTail, []Param{{"JobId", jobID}, {"Offset", "0"}, {"Read", "0"}}, func(r record) {
		if r.field(0) == "state" {
			s := parseJobState(r)
			st = &s
		}
	})
	if err != nil {
		return runbook.JobState{}, fmt.Errorf("reading job %s on %s: %w", jobID, node, err)
	}
	if st == nil {
		return runbook.JobState{}, fmt.Errorf("reading job %s on %s: no state from the script (exit %d): %s", jobID, node, code, stderr)
	}
	return *st, nil
}

// TailJob streams the job's log from byte offset from until the job has
// ended and its whole log was read, polling the node every PollInterval.
// Each line is handed on with the offset just past it, so a caller can
// resume from there after a drop.
func (e *Executor) TailJob(ctx context.Context, node, jobID string, from int64, out func(runbook.OutputLine, int64)) (runbook.JobState, error) {
	if err := validJobID(jobID); err != nil {
		return runbook.JobState{}, err
	}
	c, err := e.conn(node)
	if err != nil {
		return runbook.JobState{}, err
	}
	if out == nil {
		out = func(runbook.OutputLine, int64) {}
	}
	off := from        // bytes consumed into lines or pending
	var pending []byte // bytes after the last line ending
	pendStart := from
	emitLines := func() {
		for {
			i := bytes.IndexByte(pending, '\n')
			if i < 0 {
				return
			}
			text := strings.TrimRight(decodeText(pending[:i], c.codePage()), "\r")
			pendStart += int64(i + 1)
			pending = pending[i+1:]
			out(runbook.OutputLine{Stream: runbook.Stdout, Text: text}, pendStart)
		}
	}
	for {
		var st *runbook.JobState
		got := false
		var badData error
		code, stderr, err := e.script(ctx, node, ScriptJobTail, []Param{{"JobId", jobID}, {"Offset", strconv.FormatInt(off, 10)}, {"Read", "1"}}, func(r record) {
			switch r.field(0) {
			case "data":
				end, perr := strconv.ParseInt(r.field(1), 10, 64)
				data, derr := base64.StdEncoding.DecodeString(r.field(2))
				if perr != nil || derr != nil || end-int64(len(data)) != off {
					badData = fmt.Errorf("bad log record at offset %d", off)
					return
				}
				pending = append(pending, data...)
				off = end
				got = got || len(data) > 0
				emitLines()
			case "state":
				s := parseJobState(r)
				st = &s
			}
		})
		if err != nil {
			return runbook.JobState{}, fmt.Errorf("tailing job %s on %s: %w", jobID, node, err)
		}
		if badData != nil {
			return runbook.JobState{}, fmt.Errorf("tailing job %s on %s: %w", jobID, node, badData)
		}
		if st == nil {
			return runbook.JobState{}, fmt.Errorf("tailing job %s on %s: no state from the script (exit %d): %s", jobID, node, code, stderr)
		}
		if !st.Found {
			return *st, fmt.Errorf("tailing job %s on %s: no such job on the node", jobID, node)
		}
		if !st.Running && off >= st.Size {
			if len(pending) > 0 {
				text := strings.TrimRight(decodeText(pending, c.codePage()), "\r")
				pending = nil
				out(runbook.OutputLine{Stream: runbook.Stdout, Text: text}, off)
			}
			return *st, nil
		}
		if got && off < st.Size {
			continue // more log is waiting: read on without pausing
		}
		if err := sleepCtx(ctx, e.opts.PollInterval); err != nil {
			return *st, fmt.Errorf("tailing job %s on %s: %w", jobID, node, err)
		}
	}
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

// Close drops the idle keep-alive connections to the nodes; the executor
// stays usable (new connections are made on demand).
func (e *Executor) Close() {
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
