package wsman

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	// maxRequestBytes bounds a request body (Windows' MaxEnvelopeSizekb is
	// 150 or 500 KiB).
	maxRequestBytes = 512 << 10
	// defaultMaxEnvelope is what masterzen and pywinrm ask for (153600).
	defaultMaxEnvelope = 153600
	// maxShellsPerNode mirrors Windows' MaxShellsPerUser default (30), so a
	// client that leaks shells fails here as it would on a real node.
	maxShellsPerNode = 30
	// exitControlC is STATUS_CONTROL_C_EXIT as the signed exit code Windows
	// reports for a console process stopped by ctrl_c or terminate.
	exitControlC = int(int32(-1073741510))
)

// ServeHTTP handles POST /wsman for one node incarnation.
func (inc *incarnation) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := inc.srv
	if !s.enter() {
		http.Error(w, "server closing", http.StatusServiceUnavailable)
		return
	}
	defer s.wg.Done()
	// http.sys answers every WinRM request with this Server header.
	w.Header().Set("Server", "Microsoft-HTTPAPI/2.0")
	if !strings.EqualFold(r.URL.Path, "/wsman") {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if !s.authorized(r) {
		s.logf("wsman: %s: 401 for %s", inc.node.name, r.RemoteAddr)
		inc.refuse(w)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	machine := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		machine = h
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		inc.writeFault(w, "", machine, faultSchema(), fmt.Errorf("read request: %w", err))
		return
	}
	env, err := parseEnvelope(data)
	if err != nil {
		inc.writeFault(w, "", machine, faultSchema(), err)
		return
	}
	h := &env.Header
	if h.Action != actionCreate && h.Action != actionDelete && h.Action != actionCommand &&
		h.Action != actionReceive && h.Action != actionSend && h.Action != actionSignal {
		inc.writeFault(w, h.MessageID, machine, faultInvalidAction(), fmt.Errorf("action %q", h.Action))
		return
	}
	if !strings.EqualFold(h.ResourceURI, resourceCmd) {
		inc.writeFault(w, h.MessageID, machine, faultResourceNotFound(), fmt.Errorf("resource %q", h.ResourceURI))
		return
	}
	if h.Action == actionReceive {
		inc.receive(w, r, env, machine)
		return
	}
	var action, body string
	var f *wsFault
	switch h.Action {
	case actionCreate:
		action, body, f = inc.create(r, env)
	case actionDelete:
		action, body, f = inc.deleteShell(env)
	case actionCommand:
		action, body, f = inc.command(env)
	case actionSend:
		action, body, f = inc.send(env)
	case actionSignal:
		action, body, f = inc.signal(env)
	}
	if f != nil {
		inc.writeFault(w, h.MessageID, machine, f, nil)
		return
	}
	writeSOAP(w, http.StatusOK, reply(action, h.MessageID, body))
}

func writeSOAP(w http.ResponseWriter, status int, data []byte) {
	w.Header().Set("Content-Type", soapContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data) // the client may be gone; nothing to do about it
}

func (inc *incarnation) writeFault(w http.ResponseWriter, relatesTo, machine string, f *wsFault, cause error) {
	if f.subcode != "w:TimedOut" {
		if cause != nil {
			inc.srv.logf("wsman: %s: fault %s: %v", inc.node.name, f.subcode, cause)
		} else {
			inc.srv.logf("wsman: %s: fault %s", inc.node.name, f.subcode)
		}
	}
	writeSOAP(w, http.StatusInternalServerError, f.render(relatesTo, machine))
}

// authorized checks HTTP Basic credentials. User names compare
// case-insensitively, as Windows account names do; the password in constant
// time.
func (s *Server) authorized(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	userOK := strings.EqualFold(user, s.cfg.User)
	passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.Password)) == 1
	return userOK && passOK
}

// lookup finds a shell and, when commandID is not empty, one of its commands.
func (inc *incarnation) lookup(shellID, commandID string) (*shell, *command, *wsFault) {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	sh := inc.shells[strings.ToUpper(shellID)]
	if sh == nil {
		return nil, nil, faultShellNotFound(shellID)
	}
	if commandID == "" {
		return sh, nil, nil
	}
	c := sh.commands[strings.ToUpper(commandID)]
	if c == nil {
		return sh, nil, faultCommandNotFound()
	}
	return sh, c, nil
}

func (inc *incarnation) create(r *http.Request, env *envelope) (string, string, *wsFault) {
	user, _, _ := r.BasicAuth()
	clientIP := r.RemoteAddr
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		clientIP = h
	}
	inc.mu.Lock()
	if len(inc.shells) >= maxShellsPerNode {
		inc.mu.Unlock()
		return "", "", faultQuota()
	}
	sh := &shell{id: newGUID(), owner: user, clientIP: clientIP, created: time.Now(), commands: map[string]*command{}}
	inc.shells[sh.id] = sh
	inc.mu.Unlock()

	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	id := esc(sh.id)
	body := `<x:ResourceCreated><a:Address>` + esc(scheme+"://"+r.Host+"/wsman") + `</a:Address><a:ReferenceParameters>` +
		`<w:ResourceURI>` + resourceCmd + `</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">` + id +
		`</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>` +
		`<rsp:Shell xmlns:rsp="` + nsShell + `"><rsp:ShellId>` + id + `</rsp:ShellId><rsp:ResourceUri>` + resourceCmd +
		`</rsp:ResourceUri><rsp:Owner>` + esc(sh.owner) + `</rsp:Owner><rsp:ClientIP>` + esc(sh.clientIP) +
		`</rsp:ClientIP><rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams>` +
		`<rsp:OutputStreams>stdout stderr</rsp:OutputStreams><rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime>` +
		`<rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>`
	return nsTransfer + "/CreateResponse", body, nil
}

func (inc *incarnation) deleteShell(env *envelope) (string, string, *wsFault) {
	id := env.Header.selector("ShellId")
	inc.mu.Lock()
	sh := inc.shells[strings.ToUpper(id)]
	if sh != nil {
		delete(inc.shells, sh.id)
		for _, c := range sh.commands {
			c.cancel()
		}
		sh.commands = nil
	}
	inc.mu.Unlock()
	if sh == nil {
		return "", "", faultShellNotFound(id)
	}
	return nsTransfer + "/DeleteResponse", "", nil
}

func (inc *incarnation) command(env *envelope) (string, string, *wsFault) {
	cl := env.Body.CommandLine
	if cl == nil || strings.TrimSpace(cl.Command) == "" {
		return "", "", faultSchema()
	}
	shellID := env.Header.selector("ShellId")
	s := inc.srv
	ctx, cancel := context.WithCancel(inc.ctx)
	stdin := newStdinBuffer(ctx)
	c := newCommand(newGUID(), cancel, stdin)
	inc.mu.Lock()
	sh := inc.shells[strings.ToUpper(shellID)]
	if sh == nil {
		inc.mu.Unlock()
		cancel()
		return "", "", faultShellNotFound(shellID)
	}
	sh.commands[c.id] = c
	inc.mu.Unlock()

	name, args := cl.Command, append([]string(nil), cl.Arguments...)
	s.logf("wsman: %s: command %s: %s", inc.node.name, c.id, abbreviate(strings.Join(append([]string{name}, args...), " "), 200))
	// The handler holds a WaitGroup count, so this Add cannot race with Close.
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		code, err := inc.exec(ctx, name, args, stdin, func(stream string, p []byte) { c.write(ctx, stream, p) })
		if ctx.Err() != nil {
			// Killed by Signal, Delete, a reboot or Close: report what a
			// Windows console process killed that way reports.
			if err != nil {
				code = exitControlC
			}
			err = nil
		}
		if err != nil {
			s.logf("wsman: %s: command %s failed: %v", inc.node.name, c.id, err)
		}
		c.finish(code, err)
	}()
	body := `<rsp:CommandResponse><rsp:CommandId>` + esc(c.id) + `</rsp:CommandId></rsp:CommandResponse>`
	return nsShell + "/CommandResponse", body, nil
}

// exec calls the backend, turning a panic into an error so that one bad
// command cannot take the whole simulated cluster down.
func (inc *incarnation) exec(ctx context.Context, name string, args []string, stdin io.Reader, out func(string, []byte)) (code int, err error) {
	defer func() {
		if p := recover(); p != nil {
			code, err = 1, fmt.Errorf("backend panic: %v", p)
		}
	}()
	code, err = inc.srv.cfg.Backend.Exec(ctx, inc.node.name, name, args, stdin, out)
	if err != nil {
		err = fmt.Errorf("backend exec on %s: %w", inc.node.name, err)
	}
	return code, err
}

func (inc *incarnation) send(env *envelope) (string, string, *wsFault) {
	if env.Body.Send == nil {
		return "", "", faultSchema()
	}
	shellID := env.Header.selector("ShellId")
	for _, st := range env.Body.Send.Streams {
		_, c, f := inc.lookup(shellID, st.CommandID)
		if f != nil {
			return "", "", f
		}
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(st.Data))
		if err != nil {
			return "", "", faultSchema()
		}
		if err := c.stdin.push(data, strings.EqualFold(st.End, "true")); err != nil {
			return "", "", faultInternal("The command has not read its input: " + err.Error() + ".")
		}
	}
	return nsShell + "/SendResponse", `<rsp:SendResponse/>`, nil
}

func (inc *incarnation) signal(env *envelope) (string, string, *wsFault) {
	sig := env.Body.Signal
	if sig == nil {
		return "", "", faultSchema()
	}
	shellID := env.Header.selector("ShellId")
	sh, c, f := inc.lookup(shellID, sig.CommandID)
	if f != nil {
		return "", "", f
	}
	code := strings.TrimSpace(sig.Code)
	switch strings.TrimPrefix(code, signalPrefix) {
	case "terminate":
		// terminate ends the command and forgets its ID (MS-WSMV 3.1.4.14).
		c.cancel()
		inc.mu.Lock()
		delete(sh.commands, c.id)
		inc.mu.Unlock()
	case "ctrl_c", "ctrl_break":
		// The command stays: the client still receives its final output.
		c.cancel()
	default:
		return "", "", faultSchema()
	}
	return nsShell + "/SignalResponse", `<rsp:SignalResponse/>`, nil
}

// receive long-polls, as Windows does: it answers as soon as there is output
// or the command has finished, and otherwise after the OperationTimeout with
// the TimedOut fault that tells the client to poll again. Answering at once
// with nothing would make masterzen spin (it does not sleep between polls).
func (inc *incarnation) receive(w http.ResponseWriter, r *http.Request, env *envelope, machine string) {
	h := &env.Header
	var cmdID string
	if env.Body.Receive != nil {
		cmdID = strings.TrimSpace(env.Body.Receive.DesiredStream.CommandID)
	}
	if cmdID == "" {
		inc.writeFault(w, h.MessageID, machine, faultSchema(), errors.New("receive without CommandId"))
		return
	}
	_, c, f := inc.lookup(h.selector("ShellId"), cmdID)
	if f != nil {
		inc.writeFault(w, h.MessageID, machine, f, nil)
		return
	}
	if inc.srv.takeDrop(inc.node) {
		inc.dropConnection(w)
		return
	}
	timeout := inc.srv.opMax
	if d, err := parseISODuration(h.OperationTimeout); err == nil && d > 0 && d < timeout {
		timeout = d
	}
	maxEnv := defaultMaxEnvelope
	if v, err := strconv.Atoi(strings.TrimSpace(h.MaxEnvelopeSize)); err == nil && v > 0 {
		maxEnv = v
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		c.mu.Lock()
		if c.readyLocked() {
			res := c.takeLocked(rawBudget(maxEnv))
			c.mu.Unlock()
			if res.fault != nil {
				switch {
				case errors.Is(res.execErr, ErrDropConnection):
					inc.dropConnection(w)
				case errors.Is(res.execErr, ErrAccessDenied):
					inc.refuse(w)
				default:
					inc.writeFault(w, h.MessageID, machine, res.fault, nil)
				}
				return
			}
			writeSOAP(w, http.StatusOK, reply(nsShell+"/ReceiveResponse", h.MessageID, renderReceive(c.id, res)))
			return
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			inc.srv.timedOutReceives.Add(1)
			inc.writeFault(w, h.MessageID, machine, faultTimedOut(), nil)
			return
		case <-r.Context().Done():
			return // the client went away or the node went down
		case <-inc.ctx.Done():
			return
		}
	}
}

// dropConnection cuts the TCP connection in the middle of a reply: the status
// line and headers promise a body that never fully arrives, so the client's
// read fails with an unexpected EOF, as when a network path dies.
func (inc *incarnation) dropConnection(w http.ResponseWriter) {
	inc.srv.logf("wsman: %s: dropping a Receive connection (fault injection)", inc.node.name)
	hj, ok := w.(http.Hijacker)
	if !ok {
		// HTTP/2 cannot be hijacked; WinRM clients speak HTTP/1.1, so this
		// only happens with an unusual client. Abort the stream instead.
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		inc.srv.logf("wsman: %s: hijack: %v", inc.node.name, err)
		return
	}
	defer conn.Close()
	_, _ = buf.WriteString("HTTP/1.1 200 \r\nContent-Type: " + soapContentType + "\r\nContent-Length: 4096\r\n\r\n" + replyEnvelopeOpen)
	_ = buf.Flush()
}

func faultQuota() *wsFault {
	return &wsFault{code: "s:Sender", subcode: "w:QuotaLimit",
		reason:  "The WS-Management service cannot process the request. The maximum number of concurrent shells for this user has been exceeded. Close existing shells or raise the quota for this user. ",
		wsCode:  2150859173, // 0x803381A5, captured (winrb_fault_quotalimit_max_shells.xml)
		message: "The WS-Management service cannot process the request. This user is allowed a maximum number of 30 concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. "}
}

func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// refuse answers 401 as Windows with Basic enabled does, minus
// "WWW-Authenticate: Negotiate": NTLM is not implemented, and without the
// Negotiate offer masterzen's ClientNTLM falls back to Basic instead of
// failing.
func (inc *incarnation) refuse(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="WSMAN"`)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}
