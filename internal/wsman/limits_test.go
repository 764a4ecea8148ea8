package wsman

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// fakeClock drives idle timeouts without waiting.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestShellQuotaPerUser: five shells per user, the sixth gets the captured
// QuotaLimit fault with 5 in its message, and deleting one makes room.
func TestShellQuotaPerUser(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true})
	c := newClient(t, s.Endpoints()["EXNODE01"], testUser, testPass, nil)
	var shells []*winrm.Shell
	for i := range 5 {
		sh, err := c.CreateShell()
		if err != nil {
			t.Fatalf("shell %d: %v", i+1, err)
		}
		shells = append(shells, sh)
	}
	_, err := c.CreateShell()
	if err == nil || !strings.Contains(err.Error(), "2150859173 w:QuotaLimit") ||
		!strings.Contains(err.Error(), "This user is allowed a maximum number of 5 concurrent shells") {
		t.Fatalf("sixth shell: %v; want the QuotaLimit fault for 5 shells", err)
	}
	// The quota is per node: the other node still has room.
	if sh, err := newClient(t, s.Endpoints()["EXNODE02"], testUser, testPass, nil).CreateShell(); err != nil {
		t.Fatalf("other node: %v", err)
	} else {
		_ = sh.Close()
	}
	if err := shells[0].Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateShell(); err != nil {
		t.Fatalf("after a Delete: %v", err)
	}
	s2 := startServer(t, Config{AllowUnencrypted: true, MaxShellsPerUser: 1})
	c2 := newClient(t, s2.Endpoints()["EXNODE01"], testUser, testPass, nil)
	if _, err := c2.CreateShell(); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.CreateShell(); err == nil || !strings.Contains(err.Error(), "maximum number of 1 concurrent shells") {
		t.Fatalf("configured quota 1: %v", err)
	}
}

// TestBusyShellIsNotIdle: a shell with a Receive long poll in progress is
// not idle, however long the poll (or the clock) runs; once the poll ends
// the idle time counts from then.
func TestBusyShellIsNotIdle(t *testing.T) {
	clock := newFakeClock()
	s := startServer(t, Config{AllowUnencrypted: true, now: clock.Now, Nodes: []string{"EXNODE01"}})
	s.mu.Lock()
	inc := s.nodes["EXNODE01"].inc
	s.mu.Unlock()
	busy := &shell{id: "BUSY", lastUsed: clock.Now(), commands: map[string]*command{}}
	quiet := &shell{id: "QUIET", lastUsed: clock.Now(), commands: map[string]*command{}}
	inc.mu.Lock()
	inc.shells["BUSY"], inc.shells["QUIET"] = busy, quiet
	inc.mu.Unlock()
	inc.hold(busy, 1)
	clock.Advance(time.Hour)
	if _, _, f := inc.lookup("QUIET", ""); f == nil {
		t.Fatal("a shell idle for an hour was kept")
	}
	inc.hold(busy, -1)
	clock.Advance(179 * time.Second)
	if _, _, f := inc.lookup("BUSY", ""); f != nil {
		t.Fatalf("a shell polled until 179 s ago was deleted: %v", f)
	}
}

// TestIdleTimeoutExpiry drives the expiry with raw requests, so no client
// poll keeps the shell alive.
func TestIdleTimeoutExpiry(t *testing.T) {
	clock := newFakeClock()
	b := newTestBackend()
	s := startServer(t, Config{AllowUnencrypted: true, Backend: b, now: clock.Now, MaxShellsPerUser: 1})
	ep := s.Endpoints()["EXNODE01"]
	if status, _, body := send(t, plainTransport(t, nil), ep, "", true); status != 200 || !strings.Contains(body, "<rsp:IdleTimeOut>PT180.000S</rsp:IdleTimeOut>") {
		t.Fatalf("create: %d %s", status, body)
	}
	shellID := shellIDOf(t, s, "EXNODE01")
	clock.Advance(179 * time.Second)
	status, _, body := post(t, ep, fmt.Sprintf(pypsrpReceive, shellID))
	if status != 500 || !strings.Contains(body, textCommandNotFound) {
		t.Fatalf("179 s idle: %d %s; want the shell alive (unknown command fault)", status, body)
	}
	clock.Advance(180*time.Second + time.Millisecond)
	status, _, body = post(t, ep, fmt.Sprintf(pypsrpReceive, shellID))
	if status != 500 || !strings.Contains(body, "ShellId "+shellID+" failed because the shell was not found on the server") {
		t.Fatalf("180 s idle: %d %s; want the shell-not-found fault", status, body)
	}
	// Its quota slot is free again.
	if status, _, body := send(t, plainTransport(t, nil), ep, "", true); status != 200 {
		t.Fatalf("create after expiry: %d %s", status, body)
	}
}

// TestIdleExpiryKillsCommands: the command of an expired shell is cancelled.
func TestIdleExpiryKillsCommands(t *testing.T) {
	clock := newFakeClock()
	b := newTestBackend()
	s := startServer(t, Config{AllowUnencrypted: true, Backend: b, now: clock.Now, IdleTimeout: time.Minute})
	ep := s.Endpoints()["EXNODE01"]
	c := newClient(t, ep, testUser, testPass, nil)
	sh, err := c.CreateShell()
	if err != nil {
		t.Fatal(err)
	}
	shellID := shellIDOf(t, s, "EXNODE01")
	status, _, body := post(t, ep, strings.Replace(strings.Replace(commandEnvelope, "SHELL", shellID, 1), "CMD", "hang", 1))
	if status != 200 {
		t.Fatalf("command: %d %s", status, body)
	}
	<-b.started
	clock.Advance(61 * time.Second)
	if _, err := sh.Execute("hostname"); err == nil || !strings.Contains(err.Error(), "2150858843") {
		t.Fatalf("command on the expired shell: %v; want InvalidSelectors", err)
	}
	select {
	case <-b.canceled:
	case <-time.After(10 * time.Second):
		t.Fatal("the expired shell's command was not cancelled")
	}
}

const commandEnvelope = `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"><env:Header><a:Action>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command</a:Action><a:MessageID>uuid:0F5C1E44-3C12-4F0B-8E51-5E7A6B1C2D3E</a:MessageID><w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">SHELL</w:Selector></w:SelectorSet></env:Header><env:Body><rsp:CommandLine><rsp:Command>CMD</rsp:Command></rsp:CommandLine></env:Body></env:Envelope>`

// TestEnvelopeLimit: a request over MaxEnvelopeSizekb (150 KiB by default)
// is refused with a bare HTTP 413, with or without a Content-Length; one
// within it is processed.
func TestEnvelopeLimit(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true})
	ep := s.Endpoints()["EXNODE01"]
	pad := func(n int) string {
		return strings.Replace(createEnvelope, "<env:Body>", "<env:Body><!--"+strings.Repeat("x", n-len(createEnvelope)-7)+"-->", 1)
	}
	for _, c := range []struct {
		name    string
		size    int
		chunked bool
		want    int
	}{
		{"at the limit", 150 << 10, false, 200},
		{"one byte over", 150<<10 + 1, false, 413},
		{"over, chunked", 200 << 10, true, 413},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := pad(c.size)
			if len(body) != c.size {
				t.Fatalf("padding made %d bytes", len(body))
			}
			var r io.Reader = strings.NewReader(body)
			if c.chunked {
				r = io.MultiReader(r) // hides the length: sent chunked
			}
			req, err := http.NewRequest(http.MethodPost, wsmanURL(ep), r)
			if err != nil {
				t.Fatal(err)
			}
			req.SetBasicAuth(testUser, testPass)
			req.Header.Set("Content-Type", soapContentType)
			resp, err := plainTransport(t, nil).RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.want || (c.want == 413 && len(data) != 0) {
				t.Fatalf("%d-byte request: %d %q; want %d", c.size, resp.StatusCode, data, c.want)
			}
		})
	}
	// masterzen sends a long command line in one envelope: refused the same way.
	_, _, _, err := run(t, newClient(t, ep, testUser, testPass, nil), "echo "+strings.Repeat("a", 160<<10))
	if err == nil || !strings.Contains(err.Error(), "413") {
		t.Fatalf("oversized command: %v; want the 413", err)
	}
	// A node configured with 500 KB takes it.
	s2 := startServer(t, Config{AllowUnencrypted: true, MaxEnvelopeSizeKB: 500})
	if _, _, _, err := run(t, newClient(t, s2.Endpoints()["EXNODE01"], testUser, testPass, nil), "echo "+strings.Repeat("a", 160<<10)); err != nil {
		t.Fatalf("500 KB node: %v", err)
	}
}

// sizeRecorder records the size of every reply the client receives.
type sizeRecorder struct {
	inner winrm.Transporter
	mu    sync.Mutex
	max   int
}

func (r *sizeRecorder) Transport(ep *winrm.Endpoint) error { return r.inner.Transport(ep) }

func (r *sizeRecorder) Post(c *winrm.Client, m *soap.SoapMessage) (string, error) {
	body, err := r.inner.Post(c, m)
	r.mu.Lock()
	r.max = max(r.max, len(body))
	r.mu.Unlock()
	return body, err
}

// TestRepliesWithinEnvelopeLimits: 400 kB of output arrives whole, in
// replies no larger than the smaller of the client's MaxEnvelopeSize and the
// node's MaxEnvelopeSizekb.
func TestRepliesWithinEnvelopeLimits(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true})
	ep := s.Endpoints()["EXNODE01"]
	for _, asked := range []int{153600, 512000, 20000} {
		t.Run(fmt.Sprint(asked), func(t *testing.T) {
			rec := &sizeRecorder{}
			endpoint := winrm.NewEndpoint(ep.Host, ep.Port, false, false, nil, nil, nil, 5*time.Second)
			params := winrm.NewParameters(opTimeout, "en-US", asked)
			params.TransportDecorator = func() winrm.Transporter {
				rec.inner = &faultSurfacing{inner: winrm.NewClientWithProxyFunc(func(*http.Request) (*url.URL, error) { return nil, nil })}
				return rec
			}
			c, err := winrm.NewClientWithParameters(endpoint, testUser, testPass, params)
			if err != nil {
				t.Fatal(err)
			}
			out, _, _, err := run(t, c, "big")
			if err != nil || out != string(bigOutput()) {
				t.Fatalf("big: %d bytes, %v", len(out), err)
			}
			if limit := min(asked, 150<<10); rec.max > limit || rec.max < limit/2 {
				t.Fatalf("largest reply %d bytes; want at most %d and not tiny", rec.max, limit)
			}
		})
	}
}

// TestWinRM11Shape: a WinRM 1.1 node hands out "uuid:" ShellIds and no
// rsp:Shell, and clients still work with them.
func TestWinRM11Shape(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true, WinRMVersion: "1.1"})
	if s.WinRMVersion() != "1.1" {
		t.Fatalf("WinRMVersion = %q", s.WinRMVersion())
	}
	ep := s.Endpoints()["EXNODE01"]
	status, _, body := send(t, plainTransport(t, nil), ep, "", true)
	if status != 200 || !strings.Contains(body, `<w:Selector Name="ShellId">uuid:`) || strings.Contains(body, "rsp:Shell") {
		t.Fatalf("1.1 CreateResponse: %d %s", status, body)
	}
	out, _, code, err := run(t, newClient(t, ep, testUser, testPass, nil), "hostname")
	if err != nil || code != 0 || out != "EXNODE01\r\n" {
		t.Fatalf("hostname on 1.1: %q %d %v", out, code, err)
	}
	if _, err := Start(t.Context(), Config{Nodes: []string{"N"}, User: "u", Password: "p", Backend: newTestBackend(), WinRMVersion: "3.0"}); err == nil {
		t.Fatal("WinRM version 3.0 accepted")
	}
}

// TestUnknownCommandIDFaults: Signal and Send for a command the shell does
// not have get the InvalidSelectors fault, not a dropped connection.
func TestUnknownCommandIDFaults(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true})
	ep := s.Endpoints()["EXNODE01"]
	if status, _, _ := send(t, plainTransport(t, nil), ep, "", true); status != 200 {
		t.Fatal("create failed")
	}
	shellID := shellIDOf(t, s, "EXNODE01")
	signal := strings.NewReplacer("shell/Command<", "shell/Signal<", "SHELL", shellID,
		"<rsp:CommandLine><rsp:Command>CMD</rsp:Command></rsp:CommandLine>",
		`<rsp:Signal CommandId="11111111-2222-3333-4444-555555555555"><rsp:Code>http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate</rsp:Code></rsp:Signal>`).Replace(commandEnvelope)
	status, hdr, body := post(t, ep, signal)
	if status != 500 || hdr.Get("Content-Type") != soapContentType || !strings.Contains(body, "w:InvalidSelectors") || !strings.Contains(body, textCommandNotFound) {
		t.Fatalf("signal for an unknown command: %d %s", status, body)
	}
}
