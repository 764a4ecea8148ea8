package remote

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"

	"cmsrunbook/runbook"
)

// transport is the winrm.Transporter the executor gives masterzen/winrm.
// It exists for three reasons the pinned client (232efb4) cannot cover:
//   - every request carries the caller's context, so cancelling a command
//     aborts the in-flight Receive at once (the client has no context API
//     and would otherwise block for up to an OperationTimeout, and leak
//     its pipes when Command.Close races a Receive);
//   - SOAP faults become errors (the client swallows them: Create and
//     Command return empty IDs, Receive loops forever); the TimedOut fault
//     keeps the word "OperationTimeout", on which the client polls again;
//   - transport failures become errors wrapping runbook.ErrAuthFailed or
//     runbook.ErrConnectionLost with a message an engineer can act on.
//
// One transport serves one operation (one context); the http.RoundTripper
// underneath is shared per node, so connections are reused.
type transport struct {
	ctx  context.Context
	node string
	url  string
	user string
	pass string
	rt   http.RoundTripper
	// onReply, when set, sees every successful reply body (exec reads the
	// command ID from it). It is set before the command's fetch loop starts
	// and only read afterwards.
	onReply func(body string)
}

// Transport is called by winrm.NewClientWithParameters; the round tripper
// is built once per node instead (newRoundTripper).
func (t *transport) Transport(*winrm.Endpoint) error { return nil }

// Post sends one SOAP message and returns the reply body.
func (t *transport) Post(_ *winrm.Client, m *soap.SoapMessage) (string, error) {
	body, err := t.post(t.ctx, m.String())
	if err == nil && t.onReply != nil {
		t.onReply(body)
	}
	return body, err
}

func (t *transport) post(ctx context.Context, body string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, strings.NewReader(body))
	if err != nil {
		return "", wrap(say("%s: building the request: %s", t.node, err), err)
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	req.SetBasicAuth(t.user, t.pass)
	resp, err := (&http.Client{Transport: t.rt}).Do(req)
	if err != nil {
		if rt, ok := t.rt.(*roundTripper); ok && ctx.Err() == nil && !rt.hasAnswered(req.URL.Host) {
			if ferr := firstContactRefused(t.node, t.url, err); ferr != nil {
				return "", ferr
			}
		}
		return "", classify(ctx, t.node, err)
	}
	defer resp.Body.Close()
	data, rerr := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if rerr != nil {
		return "", classify(ctx, t.node, rerr)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		return "", t.refused()
	}
	if !strings.Contains(resp.Header.Get("Content-Type"), "application/soap+xml") {
		return "", wrap(say("%s answered HTTP %s without a WS-Management reply; is %s a WinRM listener?: %s", t.node, strconv.Itoa(resp.StatusCode), t.url, runbook.ErrConnectionLost), runbook.ErrConnectionLost)
	}
	if f := parseFault(data); f != nil {
		return "", f.err(t.node)
	}
	if resp.StatusCode != http.StatusOK {
		return "", errors.New(say("%s answered HTTP %s: %s", t.node, strconv.Itoa(resp.StatusCode), clip(data, 200)))
	}
	return string(data), nil
}

// refused words a 401 to a request that carried the credentials.
//
// Over plain http a node whose WinRM service keeps the default
// AllowUnencrypted=false refuses every request, Basic or NTLM, with the
// same bare 401 a wrong password gets (WINRM.md section 3 for NTLM; public
// reports of Basic to port 5985, pywinrm #59 and #258): nothing on the
// wire tells the two apart. So the error says both, the likelier and
// harmless remedy first (https, or AllowUnencrypted on a lab node), and
// asks the engineer not to type the password again before checking: a
// correct password re-typed gains nothing and a wrong one counts toward
// the lockout. It still wraps ErrAuthFailed: it may be the password, and
// a refusal is never retried on its own. Over https the 401 is the
// credentials (or the scheme) alone.
func (t *transport) refused() error {
	if strings.HasPrefix(strings.ToLower(t.url), "http://") {
		scheme := "Basic"
		if rt, ok := t.rt.(*roundTripper); ok && rt.ntlm {
			scheme = "NTLM"
		}
		return wrap(say("%s refused %s over plain http for %s (HTTP 401). A node whose WinRM service keeps the default AllowUnencrypted=false refuses every unencrypted request with this same 401 a wrong password gets, so the password may well be right: do not type it again before checking. Use https (winrm.transport: https in the inventory, port 5986, or 443 on WinRM 1.1), or, on a lab node only, allow unencrypted WinRM on the node: winrm set winrm/config/service @{AllowUnencrypted=\"true\"}. Only if the node already allows it, check the password and that the account is not locked out: %s", t.node, scheme, t.user, runbook.ErrAuthFailed), runbook.ErrAuthFailed)
	}
	return wrap(say("%s refused the credentials of %s (HTTP 401): check the password, that the account is not locked out, and that the node allows this authentication scheme: %s", t.node, t.user, runbook.ErrAuthFailed), runbook.ErrAuthFailed)
}

// wsFault is the part of a SOAP fault we act on.
type wsFault struct {
	Subcode string `xml:"Code>Subcode>Value"`
	Reason  string `xml:"Reason>Text"`
	Detail  struct {
		WSManFault struct {
			Code    string `xml:"Code,attr"`
			Message string `xml:"Message"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/wsmanfault WSManFault"`
	} `xml:"Detail"`
}

func parseFault(data []byte) *wsFault {
	if !strings.Contains(string(data), "Fault") {
		return nil
	}
	var env struct {
		Fault *wsFault `xml:"http://www.w3.org/2003/05/soap-envelope Body>Fault"`
	}
	if xml.Unmarshal(data, &env) != nil {
		return nil
	}
	return env.Fault
}

// Fault codes the executor treats specially.
const (
	faultTimedOut      = "2150858793" // OperationTimeout: poll again
	faultShellNotFound = "2150858843" // the shell is gone: the node restarted or WinRM did
)

func (f *wsFault) err(node string) error {
	reason := strings.TrimSpace(f.Reason)
	code := f.Detail.WSManFault.Code
	switch {
	case code == faultTimedOut || strings.HasSuffix(f.Subcode, "TimedOut"):
		// The client retries on this exact word.
		return errors.New(say("%s: no output within the OperationTimeout (WS-Management fault %s)", node, code))
	case code == faultShellNotFound && strings.Contains(strings.ToLower(f.Detail.WSManFault.Message), "command identifier"):
		// The same code, for a command ID the shell does not know: the
		// command ended or was cleaned up, not the node restarting.
		return wrap(say("%s does not know this command any more (it ended or its shell was closed; its result is unknown): %s: %s", node, strings.TrimSpace(f.Detail.WSManFault.Message), runbook.ErrConnectionLost), runbook.ErrConnectionLost)
	case code == faultShellNotFound:
		return &shellGoneError{wrap(say("%s forgot the WinRM shell (the node or its WinRM service restarted, or the shell sat idle past its IdleTimeout): %s: %s", node, reason, runbook.ErrConnectionLost), runbook.ErrConnectionLost)}
	}
	return errors.New(say("%s: WS-Management fault %s %s: %s", node, code, f.Subcode, reason))
}

// shellGoneError is the node saying it has no such shell: a request on it
// was refused, not run. exec sends a command refused so in a kept shell
// again in a new one.
type shellGoneError struct{ error }

func (e *shellGoneError) Unwrap() error { return e.error }

// notSentError is a request that never reached the node: no connection
// could be made to it.
type notSentError struct{ error }

func (e *notSentError) Unwrap() error { return e.error }

// classify turns a transport error into one the engine can diagnose.
func classify(ctx context.Context, node string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", node, context.Cause(ctx))
	}
	var (
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		recErr    tls.RecordHeaderError
		certErr   *tls.CertificateVerificationError
		netErr    net.Error
		opErr     *net.OpError
		urlErr    *url.Error
	)
	if errors.Is(err, runbook.ErrAuthFailed) || errors.Is(err, runbook.ErrConnectionLost) {
		// Worded already (a refused scheme, a TLS handshake or certificate
		// refusal): only the request's URL is dropped.
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return at(node, err)
	}
	switch {
	case errors.As(err, &certErr) && chainSignedSHA1(certErr.UnverifiedCertificates), strings.Contains(err.Error(), "insecure algorithm"):
		return wrap(say("%s: its TLS certificate is signed with SHA-1, which is refused unless the inventory allows legacy TLS: set winrm.tls_legacy: true (with winrm.ca_file the CA that issued it) (%s): %s", node, errText(err), runbook.ErrConnectionLost), runbook.ErrConnectionLost)
	case errors.As(err, &unknownCA), errors.As(err, &certErr) && errors.As(certErr.Err, &unknownCA):
		return wrap(say("%s: its TLS certificate is not signed by a trusted CA; set winrm.ca_file to the CA's PEM file (%s): %s", node, errText(err), runbook.ErrConnectionLost), runbook.ErrConnectionLost)
	case errors.As(err, &hostErr):
		return at(node, otherName(err))
	case errors.As(err, &invalid), errors.As(err, &certErr):
		return wrap(say("%s: its TLS certificate is not valid (%s): %s", node, errText(err), runbook.ErrConnectionLost), runbook.ErrConnectionLost)
	case errors.As(err, &recErr):
		return wrap(say("%s: the listener does not speak TLS; is the port the HTTP one (transport: http)? (%s): %s", node, errText(err), runbook.ErrConnectionLost), runbook.ErrConnectionLost)
	case errors.Is(err, syscall.ECONNREFUSED):
		return &notSentError{wrap(say("%s: cannot connect, connection refused: the node is restarting or its WinRM listener is not running: %s", node, runbook.ErrConnectionLost), runbook.ErrConnectionLost)}
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return &notSentError{wrap(say("%s: cannot connect (%s): the node is restarting, unreachable, or its WinRM listener is not running: %s", node, errText(opErr.Err), runbook.ErrConnectionLost), runbook.ErrConnectionLost)}
	case errors.As(err, &netErr) && netErr.Timeout():
		return wrap(say("%s: no answer in time (%s): %s", node, errText(err), runbook.ErrConnectionLost), runbook.ErrConnectionLost)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		// Keep "EOF" in the text: the client maps it to exit code 16001.
		return wrap(say("%s: the connection dropped (EOF: %s): %s", node, errText(err), runbook.ErrConnectionLost), runbook.ErrConnectionLost)
	}
	return fmt.Errorf("%s: %v: %w", node, err, runbook.ErrConnectionLost)
}

// newRoundTripper builds the per-executor HTTP transport: no proxy from
// the environment (a jump host's HTTPS_PROXY must not see WinRM traffic),
// a short dial timeout so a rebooting node is reported away quickly, a
// response-header timeout comfortably above the OperationTimeout (equal
// values race: masterzen/winrm issue #147), TLS handshakes made by
// tlsDialer (so their failures are worded), and NTLM when configured
// (ntlmTransport, which never falls back to Basic).
func newRoundTripper(tlsConf *tls.Config, dialTimeout, headerTimeout time.Duration, ntlm bool) *roundTripper {
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	mk := func() *http.Transport {
		tr := &http.Transport{
			Proxy:                 nil,
			DialContext:           d.DialContext,
			TLSClientConfig:       tlsConf,
			TLSHandshakeTimeout:   dialTimeout + 5*time.Second,
			ResponseHeaderTimeout: headerTimeout,
			MaxIdleConnsPerHost:   8,
			IdleConnTimeout:       90 * time.Second,
			ForceAttemptHTTP2:     false,
		}
		if tlsConf != nil {
			td := &tlsDialer{dial: d.DialContext, conf: tlsConf, timeout: dialTimeout + 5*time.Second}
			tr.DialTLSContext = td.DialTLSContext
		}
		return tr
	}
	rt := &roundTripper{ntlm: ntlm}
	if ntlm {
		rt.inner = newNTLMTransport(func() *http.Transport {
			tr := mk()
			tr.MaxConnsPerHost, tr.MaxIdleConnsPerHost = 1, 1
			return tr
		})
	} else {
		rt.inner = mk()
	}
	return rt
}

// roundTripper is the executor's HTTP transport. It remembers which
// host:port ever answered, so a refused connection on the first contact
// is blamed on the port (WinRM 1.1 and 2.0 listen on different ones), and
// later on a restart.
type roundTripper struct {
	inner interface {
		http.RoundTripper
		CloseIdleConnections()
	}
	answered sync.Map // host:port -> true
	// ntlm: inner authenticates with NTLM (auth: ntlm), not Basic.
	ntlm bool
}

func (r *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.inner.RoundTrip(req)
	if err == nil {
		r.answered.Store(req.URL.Host, true)
	}
	return resp, err
}

// CloseIdleConnections drops idle keep-alive connections (Executor.Close).
func (r *roundTripper) CloseIdleConnections() { r.inner.CloseIdleConnections() }

// hasAnswered reports whether anything ever answered HTTP at hostport.
func (r *roundTripper) hasAnswered(hostport string) bool {
	_, ok := r.answered.Load(hostport)
	return ok
}

// firstContactRefused words a refused connection to a host:port that never
// answered: most likely the wrong port, not a restart.
func firstContactRefused(node, rawURL string, err error) error {
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return nil
	}
	u, perr := url.Parse(rawURL)
	if perr != nil {
		return nil
	}
	return wrap(say("%s: cannot connect: nothing answers WinRM on %s (WinRM 1.1 listens on 80/443, 2.0 on 5985/5986; set winrm_version or port): %s", node, u.Host, runbook.ErrConnectionLost), runbook.ErrConnectionLost)
}
