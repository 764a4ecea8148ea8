package remote

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"cmsrunbook/runbook"
)

// authServer is a WinRM listener's authentication as Windows' HTTP.sys
// does it, per TCP connection: offers (the 401's WWW-Authenticate
// values), a challenge for a negotiate message, and a connection that
// stays authenticated once the authenticate message is accepted. It
// records every Authorization header it was sent.
type authServer struct {
	offers   []string // WWW-Authenticate values on a plain 401
	scheme   string   // the scheme it runs NTLM under; "" none
	refuse   bool     // refuse every authenticate message (a wrong password)
	url      string
	mu       sync.Mutex
	headers  []string
	conns    map[string]string // remote addr -> "challenged" | "authed"
	split    int               // authenticate messages on a connection never challenged
	accepted int
}

func startAuthServer(t *testing.T, a *authServer) *authServer {
	t.Helper()
	a.conns = map[string]string{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: a, ErrorLog: log.New(io.Discard, "", 0)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	a.url = "http://" + ln.Addr().String() + "/wsman"
	return a
}

// ntlmChallenge is a minimal NTLM challenge message (MS-NLMP 2.2.1.2):
// unicode, NTLM, no target information.
func ntlmChallenge() []byte {
	b := make([]byte, 48)
	copy(b, "NTLMSSP\x00")
	binary.LittleEndian.PutUint32(b[8:], 2)
	binary.LittleEndian.PutUint32(b[20:], 0x00000001|0x00000200)
	copy(b[24:32], "12345678")
	return b
}

func (a *authServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	a.mu.Lock()
	defer a.mu.Unlock()
	h := r.Header.Get("Authorization")
	if h != "" {
		a.headers = append(a.headers, h)
	}
	conn := r.RemoteAddr
	name, data, _ := strings.Cut(h, " ")
	msg, _ := base64.StdEncoding.DecodeString(data)
	ok := func() {
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
		_, _ = w.Write([]byte("<ok/>"))
	}
	switch {
	case h == "" && a.conns[conn] == "authed":
		ok()
		return
	case a.scheme != "" && name == a.scheme && len(msg) > 12 && msg[8] == 1:
		a.conns[conn] = "challenged"
		w.Header().Set("WWW-Authenticate", a.scheme+" "+base64.StdEncoding.EncodeToString(ntlmChallenge()))
		w.WriteHeader(http.StatusUnauthorized)
		return
	case a.scheme != "" && name == a.scheme && len(msg) > 12 && msg[8] == 3:
		if a.conns[conn] != "challenged" {
			a.split++
		} else if !a.refuse {
			a.conns[conn] = "authed"
			a.accepted++
			ok()
			return
		}
		delete(a.conns, conn)
	}
	for _, o := range a.offers {
		w.Header().Add("WWW-Authenticate", o)
	}
	w.WriteHeader(http.StatusUnauthorized)
}

func ntlmPost(a *authServer, pass string) (string, error) {
	rt := newRoundTripper(nil, 2*time.Second, 10*time.Second, true)
	tr := &transport{ctx: context.Background(), node: "EXNODE01", url: a.url, user: `EXAMPLE\exadmin`, pass: pass, rt: rt}
	return tr.post(tr.ctx, "<x/>")
}

func TestNTLMNeverFallsBackToBasic(t *testing.T) {
	a := startAuthServer(t, &authServer{offers: []string{`Basic realm="WSMAN"`}})
	const pass = "S3cret-Pa55!"
	_, err := ntlmPost(a, pass)
	if !errors.Is(err, runbook.ErrAuthFailed) {
		t.Fatalf("err = %v, want ErrAuthFailed", err)
	}
	for _, s := range []string{"EXNODE01", `offers only Basic realm="WSMAN"`, "never sent as Basic, and it was not sent"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	basic := base64.StdEncoding.EncodeToString([]byte(`EXAMPLE\exadmin:` + pass))
	for _, h := range a.headers {
		if strings.HasPrefix(strings.ToLower(h), "basic") || strings.Contains(h, basic) {
			t.Errorf("the node was sent %q", h)
		}
	}
	if len(a.headers) == 0 {
		t.Error("no negotiate message was sent at all")
	}
}

func TestNTLMNoSchemeOffered(t *testing.T) {
	a := startAuthServer(t, &authServer{})
	_, err := ntlmPost(a, "pw")
	if !errors.Is(err, runbook.ErrAuthFailed) || !strings.Contains(err.Error(), "no authentication scheme") {
		t.Fatalf("err = %v", err)
	}
}

// TestNTLMAuthenticatesPerConnection: the handshake's legs stay on one
// connection even when many requests run at once, and an authenticated
// connection is reused without a new handshake.
func TestNTLMAuthenticatesPerConnection(t *testing.T) {
	a := startAuthServer(t, &authServer{offers: []string{"Negotiate", `Basic realm="WSMAN"`}, scheme: "Negotiate"})
	rt := newRoundTripper(nil, 2*time.Second, 10*time.Second, true)
	post := func() error {
		tr := &transport{ctx: context.Background(), node: "EXNODE01", url: a.url, user: `EXAMPLE\exadmin`, pass: "pw", rt: rt}
		_, err := tr.post(tr.ctx, "<x/>")
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, 12)
	for i := range errs {
		wg.Go(func() { errs[i] = post() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	first := a.accepted
	if a.split != 0 {
		t.Errorf("%d authenticate messages went on another connection than their negotiate", a.split)
	}
	a.mu.Unlock()
	for range 5 {
		if err := post(); err != nil {
			t.Fatal(err)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.accepted != first {
		t.Errorf("sequential requests authenticated %d more times; an authenticated connection should be reused", a.accepted-first)
	}
	for _, h := range a.headers {
		if strings.HasPrefix(h, "Basic") {
			t.Errorf("Basic sent: %q", h)
		}
	}
}

func TestNTLMUnderTheNameNTLM(t *testing.T) {
	a := startAuthServer(t, &authServer{offers: []string{"NTLM"}, scheme: "NTLM"})
	if _, err := ntlmPost(a, "pw"); err != nil {
		t.Fatal(err)
	}
}

func TestNTLMRefusedPassword(t *testing.T) {
	a := startAuthServer(t, &authServer{offers: []string{"Negotiate"}, scheme: "Negotiate", refuse: true})
	_, err := ntlmPost(a, "wrong")
	// Over plain http the final 401 may as well be AllowUnencrypted=false
	// (the client cannot seal NTLM): the refusal says both.
	if !errors.Is(err, runbook.ErrAuthFailed) || !strings.Contains(err.Error(), "refused NTLM over plain http") || !strings.Contains(err.Error(), "AllowUnencrypted=false") {
		t.Fatalf("err = %v, want the plain-http refusal", err)
	}
}
