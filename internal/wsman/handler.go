package wsman

import (
	"context"
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
	// defaultMaxEnvelope is what masterzen and pywinrm ask for (153600).
	defaultMaxEnvelope = 153600
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
	who, ok := inc.authenticate(w, r)
	if !ok {
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if inc.refuseUnencrypted(w, r, who) {
		return
	}
	machine := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		machine = h
	}
	data, ok := inc.readEnvelope(w, r, machine)
	if !ok {
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
	if tr := s.cfg.Trace; tr != nil {
		line := ""
		if h.Action == actionCommand && env.Body.CommandLine != nil {
			line = strings.Join(append([]string{env.Body.CommandLine.Command}, env.Body.CommandLine.Arguments...), " ")
		}
		tr(inc.node.name, h.Action[strings.LastIndex(h.Action, "/")+1:], line)
	}
	if h.Action == actionReceive {
		inc.receive(w, r, env, machine)
		return
	}
	var action, body string
	var f *wsFault
	switch h.Action {
	case actionCreate:
		action, body, f = inc.create(r, who.user)
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

// readEnvelope reads the request body within MaxEnvelopeSizekb. A larger
// request gets HTTP 413 with an empty body, which is how the WinRM service
// refuses it (the Windows client turns that into "the request size exceeded
// the configured MaxEnvelopeSize quota"; seen as "Code: 413" in
// ansible.windows #391/#620 and masterzen/winrm #156).
func (inc *incarnation) readEnvelope(w http.ResponseWriter, r *http.Request, machine string) ([]byte, bool) {
	limit := inc.srv.maxEnvBytes
	tooLarge := func(size string) {
		inc.srv.logf("wsman: %s: 413: request of %s bytes exceeds MaxEnvelopeSizekb %d", inc.node.name, size, limit>>10)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
	}
	if r.ContentLength > int64(limit) {
		tooLarge(strconv.FormatInt(r.ContentLength, 10))
		return nil, false
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(limit)))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		tooLarge("more than " + strconv.Itoa(limit))
		return nil, false
	}
	if err != nil {
		inc.writeFault(w, "", machine, faultSchema(), fmt.Errorf("read request: %w", err))
		return nil, false
	}
	return data, true
}

// expireLocked deletes the shells no request has touched for longer than
// the IdleTimeout, killing their commands, as winrs does. It runs at every
// shell lookup rather than on a timer: nobody can observe an expired shell
// except through a request, and no goroutine needs an owner.
func (inc *incarnation) expireLocked(now time.Time) {
	for key, sh := range inc.shells {
		if sh.busy > 0 || now.Sub(sh.lastUsed) <= inc.srv.idle {
			continue
		}
		delete(inc.shells, key)
		for _, c := range sh.commands {
			c.cancel()
		}
		sh.commands = nil
		inc.srv.logf("wsman: %s: shell %s idle for more than %s: deleted", inc.node.name, sh.id, inc.srv.idle)
	}
}

// lookup finds a shell and, when commandID is not empty, one of its
// commands; finding the shell counts as activity for its idle timer.
func (inc *incarnation) lookup(shellID, commandID string) (*shell, *command, *wsFault) {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	now := inc.srv.now()
	inc.expireLocked(now)
	sh := inc.shells[strings.ToUpper(shellID)]
	if sh == nil {
		return nil, nil, faultShellNotFound(shellID)
	}
	sh.lastUsed = now
	if commandID == "" {
		return sh, nil, nil
	}
	c := sh.commands[strings.ToUpper(commandID)]
	if c == nil {
		return sh, nil, faultCommandNotFound()
	}
	return sh, c, nil
}

// create opens a shell for user, within the per-user quota.
func (inc *incarnation) create(r *http.Request, user string) (string, string, *wsFault) {
	s := inc.srv
	clientIP := r.RemoteAddr
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		clientIP = h
	}
	id := newGUID()
	if s.version == "1.1" {
		id = "uuid:" + id // as WinRM 1.x hands them out
	}
	now := s.now()
	inc.mu.Lock()
	inc.expireLocked(now)
	owned := 0
	for _, sh := range inc.shells {
		if strings.EqualFold(sh.owner, user) {
			owned++
		}
	}
	if owned >= s.maxShells {
		inc.mu.Unlock()
		return "", "", faultQuota(s.maxShells)
	}
	sh := &shell{id: id, owner: user, clientIP: clientIP, created: now, lastUsed: now, commands: map[string]*command{}}
	inc.shells[strings.ToUpper(sh.id)] = sh
	inc.mu.Unlock()
	return nsTransfer + "/CreateResponse", inc.createBody(r, sh), nil
}

// createBody renders the CreateResponse. WinRM 1.1 (and the captured 2008 R2
// reply) carry only the ResourceCreated reference; later stacks add rsp:Shell.
func (inc *incarnation) createBody(r *http.Request, sh *shell) string {

	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	id := esc(sh.id)
	body := `<x:ResourceCreated><a:Address>` + esc(scheme+"://"+r.Host+"/wsman") + `</a:Address><a:ReferenceParameters>` +
		`<w:ResourceURI>` + resourceCmd + `</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">` + id +
		`</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>`
	if inc.srv.version == "1.1" {
		return body
	}
	idle := fmt.Sprintf("PT%.3fS", inc.srv.idle.Seconds())
	return body + `<rsp:Shell xmlns:rsp="` + nsShell + `"><rsp:ShellId>` + id + `</rsp:ShellId><rsp:ResourceUri>` + resourceCmd +
		`</rsp:ResourceUri><rsp:Owner>` + esc(sh.owner) + `</rsp:Owner><rsp:ClientIP>` + esc(sh.clientIP) +
		`</rsp:ClientIP><rsp:IdleTimeOut>` + idle + `</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams>` +
		`<rsp:OutputStreams>stdout stderr</rsp:OutputStreams><rsp:ShellRunTime>P0DT0H0M0S</rsp:ShellRunTime>` +
		`<rsp:ShellInactivity>P0DT0H0M0S</rsp:ShellInactivity></rsp:Shell>`
}

func (inc *incarnation) deleteShell(env *envelope) (string, string, *wsFault) {
	id := env.Header.selector("ShellId")
	inc.mu.Lock()
	inc.expireLocked(inc.srv.now())
	sh := inc.shells[strings.ToUpper(id)]
	if sh != nil {
		delete(inc.shells, strings.ToUpper(sh.id))
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
	now := s.now()
	inc.expireLocked(now)
	sh := inc.shells[strings.ToUpper(shellID)]
	if sh == nil {
		inc.mu.Unlock()
		cancel()
		return "", "", faultShellNotFound(shellID)
	}
	sh.lastUsed = now
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
	sh, c, f := inc.lookup(h.selector("ShellId"), cmdID)
	if f != nil {
		inc.writeFault(w, h.MessageID, machine, f, nil)
		return
	}
	// A long poll in progress is activity: the shell cannot go idle under it.
	inc.hold(sh, 1)
	defer inc.hold(sh, -1)
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
	// Replies stay within both the client's MaxEnvelopeSize and the node's
	// MaxEnvelopeSizekb.
	maxEnv = min(maxEnv, inc.srv.maxEnvBytes)
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
					inc.refuse(w, "the backend refused the credentials")
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

// hold marks a shell busy (delta 1) or no longer busy (-1, which also counts
// as activity), so a Receive long poll keeps its shell alive.
func (inc *incarnation) hold(sh *shell, delta int) {
	inc.mu.Lock()
	defer inc.mu.Unlock()
	sh.busy += delta
	sh.lastUsed = inc.srv.now()
}

// faultQuota is the captured QuotaLimit fault with the node's quota in it.
func faultQuota(maxShells int) *wsFault {
	return &wsFault{code: "s:Sender", subcode: "w:QuotaLimit",
		reason: "The WS-Management service cannot process the request. The maximum number of concurrent shells for this user has been exceeded. Close existing shells or raise the quota for this user. ",
		wsCode: 2150859173, // 0x803381A5, captured (winrb_fault_quotalimit_max_shells.xml)
		message: "The WS-Management service cannot process the request. This user is allowed a maximum number of " + strconv.Itoa(maxShells) +
			" concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user. "}
}

func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
