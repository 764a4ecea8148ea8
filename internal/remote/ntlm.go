package remote

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/Azure/go-ntlmssp"

	"cmsrunbook/runbook"
)

// ntlmTransport authenticates with NTLM (inside Negotiate, as Windows'
// WinRM offers it) and never with Basic. It replaces go-ntlmssp's
// Negotiator, which sends the password as Basic whenever a 401 offers no
// Negotiate or NTLM: a listener posing as a node, or one with Negotiate
// turned off, would get the domain password in clear.
//
// NTLM authenticates a TCP connection, not a request: the three legs of
// the handshake must travel on one connection, and requests after it on
// that connection need no credentials. So every request holds a lane (an
// http.Transport limited to one connection) from its first byte until its
// reply body is closed, and lanes are pooled per host.
type ntlmTransport struct {
	newLane func() *http.Transport

	mu   sync.Mutex
	idle map[string][]*lane // by host:port
}

// lane is one pinned connection; authed says the server accepted the
// handshake on it (until the connection is closed and dialled again,
// which the next 401 shows).
type lane struct {
	tr     *http.Transport
	authed bool
}

// maxIdleLanes bounds the idle connections kept per node.
const maxIdleLanes = 8

func newNTLMTransport(newLane func() *http.Transport) *ntlmTransport {
	return &ntlmTransport{newLane: newLane, idle: map[string][]*lane{}}
}

// RoundTrip sends req authenticated by NTLM with the credentials req
// carries as Basic auth (which never go on the wire as such).
func (n *ntlmTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	user, pass, ok := req.BasicAuth()
	if !ok {
		return nil, errors.New(say("remote: an NTLM request without credentials"))
	}
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, wrap(say("reading the request body: %s", err), err)
		}
	}
	host := req.URL.Host
	l := n.get(host)
	resp, err := n.send(req, l, body, user, pass)
	if err != nil {
		l.tr.CloseIdleConnections() // a half-done handshake is not reused
		return nil, err
	}
	var once sync.Once
	resp.Body = &laneBody{ReadCloser: resp.Body, release: func() { once.Do(func() { n.put(host, l) }) }}
	return resp, nil
}

// send runs the request on lane l: as it is when the lane's connection is
// authenticated already, else through the NTLM handshake.
func (n *ntlmTransport) send(req *http.Request, l *lane, body []byte, user, pass string) (*http.Response, error) {
	if l.authed {
		resp, err := l.trip(req, body, "")
		if err != nil || resp.StatusCode != http.StatusUnauthorized {
			return resp, err
		}
		l.authed = false // the connection was dialled again
		drain(resp)
	}
	scheme := "Negotiate"
	for range 2 {
		resp, err := n.handshake(req, l, body, user, pass, scheme)
		if err != nil || resp != nil {
			return resp, err
		}
		scheme = "NTLM" // the server asked for NTLM by that name
	}
	return nil, errors.New(say("remote: the node asked for NTLM by two names in turn"))
}

// handshake sends the negotiate message under scheme and, on a challenge,
// the authenticate message. It returns (nil, nil) when the server offers
// plain NTLM instead of Negotiate, so the caller tries again under that
// name, and refuses when the server offers neither: the password is never
// sent as Basic.
func (n *ntlmTransport) handshake(req *http.Request, l *lane, body []byte, user, pass, scheme string) (*http.Response, error) {
	u, domain := ntlmssp.GetDomain(user)
	neg, err := ntlmssp.NewNegotiateMessage(domain, "")
	if err != nil {
		return nil, wrap(say("remote: NTLM negotiate message: %s", err), err)
	}
	resp, err := l.trip(req, body, scheme+" "+base64.StdEncoding.EncodeToString(neg))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err // no authentication needed after all
	}
	offers := resp.Header.Values("Www-Authenticate")
	challenge := challengeFor(offers, scheme)
	if challenge == nil {
		drain(resp)
		switch {
		case scheme == "Negotiate" && offered(offers, "NTLM"):
			return nil, nil
		case offered(offers, "Negotiate") || offered(offers, "NTLM"):
			return nil, wrap(say("%s offers NTLM but answered the negotiate message without a challenge: %s", req.URL.Host, runbook.ErrAuthFailed), runbook.ErrAuthFailed)
		}
		return nil, basicOnly(req.URL.Host, offers)
	}
	drain(resp)
	auth, err := ntlmssp.ProcessChallenge(challenge, u, pass)
	if err != nil {
		return nil, wrap(say("%s sent an NTLM challenge that cannot be answered (%s): %s", req.URL.Host, errText(err), runbook.ErrAuthFailed), runbook.ErrAuthFailed)
	}
	resp, err = l.trip(req, body, scheme+" "+base64.StdEncoding.EncodeToString(auth))
	if err == nil && resp.StatusCode != http.StatusUnauthorized {
		l.authed = true
	}
	return resp, err // a 401 here is a refused password: post words it
}

// basicOnly is the refusal when a node offers no NTLM.
func basicOnly(host string, offers []string) error {
	what := say("no authentication scheme")
	if len(offers) > 0 {
		what = say("only %s", strings.Join(offers, ", "))
	}
	return wrap(say("%s offers %s, not Negotiate/NTLM; with auth: ntlm the password is never sent as Basic, and it was not sent. Check that this is the node (a machine posing as it would get the password) and that its WinRM service allows Negotiate (winrm get winrm/config/service/auth): %s", host, what, runbook.ErrAuthFailed), runbook.ErrAuthFailed)
}

// trip sends one leg on the lane with the given Authorization (none when
// empty); the caller's request is not modified.
func (l *lane) trip(req *http.Request, body []byte, auth string) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Del("Authorization")
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return l.tr.RoundTrip(r)
}

// challengeFor is the challenge token under scheme, nil when none.
func challengeFor(offers []string, scheme string) []byte {
	for _, h := range offers {
		name, data, _ := strings.Cut(strings.TrimSpace(h), " ")
		if !strings.EqualFold(name, scheme) || strings.TrimSpace(data) == "" {
			continue
		}
		if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(data)); err == nil && len(b) > 0 {
			return b
		}
	}
	return nil
}

// offered reports a scheme among the WWW-Authenticate values (one header
// may list several, comma-separated).
func offered(offers []string, scheme string) bool {
	for _, h := range offers {
		for _, part := range strings.Split(h, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), " ")
			if strings.EqualFold(name, scheme) {
				return true
			}
		}
	}
	return false
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
}

func (n *ntlmTransport) get(host string) *lane {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ls := n.idle[host]; len(ls) > 0 {
		l := ls[len(ls)-1]
		n.idle[host] = ls[:len(ls)-1]
		return l
	}
	return &lane{tr: n.newLane()}
}

func (n *ntlmTransport) put(host string, l *lane) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.idle[host]) >= maxIdleLanes {
		l.tr.CloseIdleConnections()
		return
	}
	n.idle[host] = append(n.idle[host], l)
}

// CloseIdleConnections closes the idle lanes' connections; a lane in use
// keeps its own until its reply is read.
func (n *ntlmTransport) CloseIdleConnections() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for host, ls := range n.idle {
		for _, l := range ls {
			l.tr.CloseIdleConnections()
		}
		delete(n.idle, host)
	}
}

// laneBody gives the lane back once the reply is read and closed.
type laneBody struct {
	io.ReadCloser
	release func()
}

func (b *laneBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}
