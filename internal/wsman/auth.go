package wsman

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
)

// AuthMode is the set of HTTP authentication schemes a listener accepts, as
// winrm/config/service/auth sets them on Windows.
type AuthMode uint8

// The schemes. Negotiate means NTLM inside "WWW-Authenticate: Negotiate", the
// way a Windows node answers a client outside its domain's Kerberos realm.
const (
	AuthBasic AuthMode = 1 << iota
	AuthNegotiate
)

// DefaultAuth is a Windows node with Basic enabled (Negotiate is always on).
const DefaultAuth = AuthBasic | AuthNegotiate

// ParseAuth reads "basic", "negotiate" or "basic,negotiate" (any order, any
// case); "" is DefaultAuth.
func ParseAuth(s string) (AuthMode, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultAuth, nil
	}
	var m AuthMode
	for _, part := range strings.Split(s, ",") {
		switch strings.ToLower(strings.TrimSpace(part)) {
		case "basic":
			m |= AuthBasic
		case "negotiate":
			m |= AuthNegotiate
		default:
			return 0, fmt.Errorf("auth %q: want basic, negotiate or basic,negotiate", s)
		}
	}
	return m, nil
}

// String is the ParseAuth form.
func (m AuthMode) String() string {
	var parts []string
	if m&AuthBasic != 0 {
		parts = append(parts, "basic")
	}
	if m&AuthNegotiate != 0 {
		parts = append(parts, "negotiate")
	}
	return strings.Join(parts, ",")
}

// connAuthKey finds a connection's connAuth in a request's context.
type connAuthKey struct{}

// connAuth is the NTLM state of one TCP connection. NTLM authenticates the
// connection, not the request (as http.sys does): once the AUTHENTICATE
// message was accepted, later requests on the connection carry no
// Authorization header, and go-ntlmssp relies on that by first trying each
// request anonymously.
type connAuth struct {
	mu        sync.Mutex
	challenge *ntlmChallenge // sent, awaiting the AUTHENTICATE
	user      string         // authenticated by NTLM; "" until then
}

// withConnAuth is http.Server.ConnContext: a fresh state per connection.
func withConnAuth(ctx context.Context, _ net.Conn) context.Context {
	return context.WithValue(ctx, connAuthKey{}, &connAuth{})
}

// authResult says who a request is from and whether NTLM vouched for it
// (the AllowUnencrypted refusal names the scheme in its log line).
type authResult struct {
	user string
	ntlm bool
}

// authenticate checks the request's credentials or its connection's NTLM
// state. When it returns false it has already answered (a 401 with the
// offers, or the NTLM challenge).
func (inc *incarnation) authenticate(w http.ResponseWriter, r *http.Request) (authResult, bool) {
	s := inc.srv
	ca, _ := r.Context().Value(connAuthKey{}).(*connAuth)
	if ca == nil {
		ca = &connAuth{} // not served through bootLocked (e.g. httptest)
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	switch {
	case scheme == "":
		ca.mu.Lock()
		user := ca.user
		ca.mu.Unlock()
		if user != "" {
			return authResult{user: user, ntlm: true}, true
		}
		inc.refuse(w, "no credentials")
	case strings.EqualFold(scheme, "Basic"):
		if s.auth&AuthBasic == 0 {
			inc.refuse(w, "Basic authentication is disabled on this listener")
			break
		}
		user, pass, ok := r.BasicAuth()
		if ok && s.basicUserMatches(user, inc.node.name) &&
			subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.Password)) == 1 {
			return authResult{user: s.cfg.User}, true
		}
		inc.refuse(w, "Basic credentials refused")
	case strings.EqualFold(scheme, "Negotiate") || strings.EqualFold(scheme, "NTLM"):
		if s.auth&AuthNegotiate == 0 {
			inc.refuse(w, "Negotiate authentication is disabled on this listener")
			break
		}
		return inc.negotiate(w, ca, scheme, token)
	default:
		inc.refuse(w, "unsupported scheme "+scheme)
	}
	return authResult{}, false
}

// negotiate runs one leg of the NTLM handshake.
func (inc *incarnation) negotiate(w http.ResponseWriter, ca *connAuth, scheme, token string) (authResult, bool) {
	s := inc.srv
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(token))
	if err != nil {
		inc.refuse(w, "Negotiate token is not base64")
		return authResult{}, false
	}
	typ, err := ntlmMessageType(raw)
	if err != nil {
		inc.refuse(w, err.Error())
		return authResult{}, false
	}
	switch typ {
	case 1:
		target, isDomain := inc.node.name, false
		if dom, _, ok := strings.Cut(s.cfg.User, `\`); ok && dom != "" && dom != "." {
			target, isDomain = dom, true
		}
		msg, ch, err := buildChallenge(raw, target, isDomain, s.now())
		if err != nil {
			inc.refuse(w, err.Error())
			return authResult{}, false
		}
		ca.mu.Lock()
		ca.challenge, ca.user = ch, ""
		ca.mu.Unlock()
		w.Header().Set("WWW-Authenticate", scheme+" "+base64.StdEncoding.EncodeToString(msg))
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusUnauthorized)
		return authResult{}, false
	case 3:
		ca.mu.Lock()
		ch := ca.challenge
		ca.challenge = nil
		ca.mu.Unlock()
		if ch == nil {
			inc.refuse(w, "NTLM AUTHENTICATE without a CHALLENGE on this connection")
			return authResult{}, false
		}
		am, err := parseAuthenticate(raw)
		if err == nil && !sameAccountName(am.user, s.cfg.User) {
			err = fmt.Errorf("unknown user %q", am.user)
		}
		if err == nil {
			err = am.verify(ch, s.cfg.Password)
		}
		if err != nil {
			inc.refuse(w, "NTLM: "+err.Error())
			return authResult{}, false
		}
		ca.mu.Lock()
		ca.user = s.cfg.User
		ca.mu.Unlock()
		return authResult{user: s.cfg.User, ntlm: true}, true
	default:
		inc.refuse(w, fmt.Sprintf("unexpected NTLM message type %d", typ))
		return authResult{}, false
	}
}

// basicUserMatches compares a Basic user name with the configured account:
// case-insensitively, with or without a domain part on either side. A
// domain the client gives must be the account's, the node's own name or "."
// (the local machine), as Windows resolves it.
func (s *Server) basicUserMatches(given, node string) bool {
	if !sameAccountName(given, s.cfg.User) {
		return false
	}
	gDom, _, gHas := strings.Cut(given, `\`)
	if !gHas || gDom == "." || strings.EqualFold(gDom, node) {
		return true
	}
	cDom, _, cHas := strings.Cut(s.cfg.User, `\`)
	return cHas && strings.EqualFold(gDom, cDom)
}

// sameAccountName compares the account names without their domain parts.
func sameAccountName(a, b string) bool {
	return strings.EqualFold(accountName(a), accountName(b))
}

func accountName(u string) string {
	if i := strings.LastIndex(u, `\`); i >= 0 {
		return u[i+1:]
	}
	return u
}

// refuse answers 401 as Windows does: empty body, no Content-Type, one
// WWW-Authenticate header per enabled scheme (Negotiate first, as http.sys
// lists them). A client configured for NTLM therefore sees no Negotiate
// offer from a Basic-only listener and must refuse rather than fall back.
func (inc *incarnation) refuse(w http.ResponseWriter, reason string) {
	inc.srv.logf("wsman: %s: 401: %s", inc.node.name, reason)
	if inc.srv.auth&AuthNegotiate != 0 {
		w.Header().Add("WWW-Authenticate", "Negotiate")
	}
	if inc.srv.auth&AuthBasic != 0 {
		w.Header().Add("WWW-Authenticate", `Basic realm="WSMAN"`)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}

// refuseUnencrypted applies AllowUnencrypted=false to a request that came
// over plain HTTP, whatever scheme authenticated it. It runs after
// authenticate, so a wrong password has already had its own 401.
//
// NTLM: Windows answers an NTLM-authenticated request whose body is not
// sealed with 401 over and over (packer #6205, analysed by the pywinrm
// maintainer; WINRM.md section 3).
//
// Basic: WINRM.md records only that Basic over HTTP needs
// AllowUnencrypted=true (section 6); it has no capture of what Windows
// answers when it is false. Public reports of Basic to port 5985 of a node
// with the default AllowUnencrypted=false show a plain "401 Unauthorized"
// (pywinrm #59, #258), so this answers exactly the 401 a wrong password
// gets (same WWW-Authenticate offers, empty body): a client cannot tell the
// two apart on the wire, and neither can one talking to a real node. The
// reason is only in the log.
//
// Sealed bodies (multipart/encrypted) are a real Windows feature this
// simulator does not implement; it says so instead of pretending the
// credentials were wrong. It reports whether it answered.
func (inc *incarnation) refuseUnencrypted(w http.ResponseWriter, r *http.Request, a authResult) bool {
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "multipart/encrypted") {
		inc.srv.logf("wsman: %s: 400: sealed (encrypted) message not supported", inc.node.name)
		http.Error(w, "This simulated node does not implement WinRM message encryption (NTLM sealing). Use HTTPS, or turn message encryption off in the client (the node allows unencrypted messages only when AllowUnencrypted is true).", http.StatusBadRequest)
		return true
	}
	if r.TLS != nil || inc.srv.cfg.AllowUnencrypted {
		return false
	}
	scheme := "Basic"
	if a.ntlm {
		scheme = "NTLM"
	}
	inc.refuse(w, "unencrypted "+scheme+" message over HTTP and AllowUnencrypted is false")
	return true
}
