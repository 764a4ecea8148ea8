package wsman

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

const (
	testUser = "Administrator"
	testPass = "P@ssw0rd!"
	// opTimeout is what the test clients ask for; short so the silent
	// command outlives several of them.
	opTimeout = "PT1S"
)

// testBackend is a tiny stand-in for a simulated node. It records what it was
// asked to run so tests can check how command and arguments arrive.
type testBackend struct {
	mu       sync.Mutex
	calls    [][]string
	started  chan string   // receives the command line when "hang" starts
	canceled chan struct{} // closed-over signal: "hang" saw its ctx end
}

func newTestBackend() *testBackend {
	return &testBackend{started: make(chan string, 16), canceled: make(chan struct{}, 16)}
}

func (b *testBackend) Exec(ctx context.Context, node, command string, args []string, stdin io.Reader, out func(string, []byte)) (int, error) {
	b.mu.Lock()
	b.calls = append(b.calls, append([]string{command}, args...))
	b.mu.Unlock()
	line := strings.TrimSpace(strings.Join(append([]string{command}, args...), " "))
	if l := strings.ToLower(line); strings.HasPrefix(l, "cmd /c ") {
		line = strings.TrimSpace(line[len("cmd /c "):])
	}
	sleep := func(d time.Duration) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	lower := strings.ToLower(line)
	switch {
	case lower == "hostname":
		out("stdout", []byte(node+"\r\n"))
		return 0, nil
	case lower == "cluster node /status":
		out("stdout", []byte("Listing status for all available nodes:\r\n\r\nNode           Node ID Status\r\n-------------- ------- ---------------------\r\n"+node+"              1 Up\r\n"))
		return 0, nil
	case strings.HasPrefix(lower, "powershell -encodedcommand ") || strings.HasPrefix(lower, "powershell.exe -encodedcommand "):
		script, err := decodePS(line[strings.LastIndex(line, " ")+1:])
		if err != nil {
			return 1, err
		}
		if strings.Contains(script, "Get-Service") {
			out("stdout", []byte("\r\nStatus   Name               DisplayName\r\n------   ----               -----------\r\nRunning  ClusSvc            Cluster Service\r\n"))
			return 0, nil
		}
		out("stdout", []byte(script+"\r\n"))
		return 0, nil
	case lower == "slow":
		for i := range 5 {
			if err := sleep(50 * time.Millisecond); err != nil {
				return 1, err
			}
			out("stdout", fmt.Appendf(nil, "line %d\r\n", i))
		}
		return 0, nil
	case lower == "silent":
		if err := sleep(2500 * time.Millisecond); err != nil {
			return 1, err
		}
		out("stdout", []byte("finally\r\n"))
		return 0, nil
	case lower == "fail3":
		out("stdout", []byte("to stdout\r\n"))
		out("stderr", []byte("to stderr\r\n"))
		return 3, nil
	case lower == "cat":
		buf := make([]byte, 4096)
		for {
			n, err := stdin.Read(buf)
			if n > 0 {
				out("stdout", buf[:n])
			}
			if err == io.EOF {
				return 0, nil
			}
			if err != nil {
				return 1, err
			}
		}
	case lower == "big":
		out("stdout", bigOutput())
		return 0, nil
	case lower == "hang":
		b.started <- line
		<-ctx.Done()
		b.canceled <- struct{}{}
		return 1, ctx.Err()
	case lower == "broken":
		out("stdout", []byte("partial\r\n"))
		return 1, fmt.Errorf("simulated node failure")
	default:
		word := strings.Fields(line)[0]
		out("stderr", []byte("'"+word+"' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"))
		return 9009, nil // cmd.exe's exit code for a command it cannot find
	}
}

func decodePS(b64 string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", fmt.Errorf("decode -EncodedCommand: %w", err)
	}
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
	}
	return string(utf16.Decode(u)), nil
}

func bigOutput() []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 400_000; i++ {
		fmt.Fprintf(&b, "%06d the quick brown fox jumps over the lazy dog\r\n", i)
	}
	return b.Bytes()
}

func startServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Nodes == nil {
		cfg.Nodes = []string{"EXNODE01", "EXNODE02"}
	}
	if cfg.User == "" {
		cfg.User, cfg.Password = testUser, testPass
	}
	if cfg.Backend == nil {
		cfg.Backend = newTestBackend()
	}
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
		if _, ok := t.(*testing.B); ok {
			cfg.Logf = func(string, ...any) {}
		}
	}
	s, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newClient builds a masterzen client the way the WinRM executor should:
// Endpoint.Timeout comfortably above OperationTimeout (WINRM.md 1.5), no
// proxy from the environment, and SOAP faults turned into errors.
func newClient(t testing.TB, ep Endpoint, user, pass string, ca []byte) *winrm.Client {
	t.Helper()
	return newClientWith(t, ep, user, pass, ca, true)
}

// newPlainClient is the client as 232efb4 ships it: a fault reply is handed
// to the parsers as if it were a success (see faultSurfacing).
func newPlainClient(t testing.TB, ep Endpoint, user, pass string, ca []byte) *winrm.Client {
	t.Helper()
	return newClientWith(t, ep, user, pass, ca, false)
}

func newClientWith(t testing.TB, ep Endpoint, user, pass string, ca []byte, surfaceFaults bool) *winrm.Client {
	t.Helper()
	endpoint := winrm.NewEndpoint(ep.Host, ep.Port, ep.HTTPS, false, ca, nil, nil, 5*time.Second)
	params := winrm.NewParameters(opTimeout, "en-US", 153600)
	params.TransportDecorator = func() winrm.Transporter {
		var tr winrm.Transporter = winrm.NewClientWithProxyFunc(func(*http.Request) (*url.URL, error) { return nil, nil })
		if surfaceFaults {
			tr = &faultSurfacing{inner: tr}
		}
		return tr
	}
	c, err := winrm.NewClientWithParameters(endpoint, user, pass, params)
	if err != nil {
		t.Fatalf("NewClientWithParameters: %v", err)
	}
	return c
}

// faultSurfacing works around a 232efb4 bug: clientRequest.Post tries to turn
// a non-200 reply into "http error 500: <body>" in a deferred closure, but its
// results are unnamed, so the fault body is returned with a nil error. The
// client then parses a fault as an empty Receive (and polls again forever) or
// as a Create/Command reply with an empty ID. This wrapper makes every SOAP
// fault an error whose text carries the fault reason; the TimedOut reason
// contains "OperationTimeout", which fetchOutput treats as "poll again".
type faultSurfacing struct{ inner winrm.Transporter }

func (f *faultSurfacing) Transport(ep *winrm.Endpoint) error { return f.inner.Transport(ep) }

func (f *faultSurfacing) Post(c *winrm.Client, m *soap.SoapMessage) (string, error) {
	body, err := f.inner.Post(c, m)
	if err != nil {
		return body, err
	}
	var env struct {
		Fault *struct {
			Subcode string `xml:"Code>Subcode>Value"`
			Reason  string `xml:"Reason>Text"`
			Detail  struct {
				WSManFault struct {
					Code string `xml:"Code,attr"`
				} `xml:"http://schemas.microsoft.com/wbem/wsman/1/wsmanfault WSManFault"`
			} `xml:"Detail"`
		} `xml:"http://www.w3.org/2003/05/soap-envelope Body>Fault"`
	}
	if xml.Unmarshal([]byte(body), &env) == nil && env.Fault != nil {
		return "", fmt.Errorf("wsman fault %s %s: %s", env.Fault.Detail.WSManFault.Code, env.Fault.Subcode, strings.TrimSpace(env.Fault.Reason+" "+body))
	}
	return body, nil
}

func run(t testing.TB, c *winrm.Client, command string) (string, string, int, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code, err := c.Run(command, &stdout, &stderr)
	return stdout.String(), stderr.String(), code, err
}

func TestHostnameRoundTrip(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true})
	for node, ep := range s.Endpoints() {
		if ep.Host != "127.0.0.1" || ep.Port == 0 || ep.HTTPS {
			t.Fatalf("endpoint %s = %+v", node, ep)
		}
		out, errOut, code, err := run(t, newClient(t, ep, testUser, testPass, nil), "hostname")
		if err != nil || code != 0 || out != node+"\r\n" || errOut != "" {
			t.Fatalf("%s: hostname = %q, %q, %d, %v", node, out, errOut, code, err)
		}
	}
}

func TestCommandAndArgumentsArriveAsSent(t *testing.T) {
	b := newTestBackend()
	s := startServer(t, Config{AllowUnencrypted: true, Backend: b})
	c := newClient(t, s.Endpoints()["EXNODE01"], testUser, testPass, nil)
	sh, err := c.CreateShell()
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	cmd, err := sh.Execute("cmd", "/c", "cluster node /status")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); _, _ = io.Copy(io.Discard, cmd.Stderr) }()
	_, _ = io.Copy(&out, cmd.Stdout)
	cmd.Wait()
	wg.Wait()
	_ = cmd.Close()
	if !strings.Contains(out.String(), "EXNODE01") || cmd.ExitCode() != 0 {
		t.Fatalf("output %q exit %d", out.String(), cmd.ExitCode())
	}
	b.mu.Lock()
	got := b.calls[len(b.calls)-1]
	b.mu.Unlock()
	if want := []string{"cmd", "/c", "cluster node /status"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("backend got %q, want %q", got, want)
	}
}

func TestStdoutStderrExitCode(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true})
	c := newClient(t, s.Endpoints()["EXNODE02"], testUser, testPass, nil)
	out, errOut, code, err := c.RunWithString("fail3", "")
	if err != nil || code != 3 || out != "to stdout\r\n" || errOut != "to stderr\r\n" {
		t.Fatalf("fail3 = %q, %q, %d, %v", out, errOut, code, err)
	}
	out, errOut, code, err = c.RunWithString("nosuchthing /x", "")
	if err != nil || code != 9009 || out != "" || !strings.Contains(errOut, "'nosuchthing' is not recognized") {
		t.Fatalf("unknown command = %q, %q, %d, %v", out, errOut, code, err)
	}
}

func TestPowerShellEncodedCommand(t *testing.T) {
	b := newTestBackend()
	s := startServer(t, Config{AllowUnencrypted: true, Backend: b})
	c := newClient(t, s.Endpoints()["EXNODE01"], testUser, testPass, nil)
	out, _, code, err := c.RunPSWithString("Write-Output 'ünïcode ok'", "")
	if err != nil || code != 0 || !strings.Contains(out, "Write-Output 'ünïcode ok'") {
		t.Fatalf("RunPSWithString = %q, %d, %v", out, code, err)
	}
	b.mu.Lock()
	got := b.calls[len(b.calls)-1]
	b.mu.Unlock()
	if len(got) != 1 || !strings.HasPrefix(got[0], "powershell.exe -EncodedCommand ") {
		t.Fatalf("backend got %q", got)
	}
}

type timedWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	times []time.Time
}

func (w *timedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.times = append(w.times, time.Now())
	return w.buf.Write(p)
}

func TestSlowOutputArrivesIncrementally(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true})
	c := newClient(t, s.Endpoints()["EXNODE01"], testUser, testPass, nil)
	var w timedWriter
	start := time.Now()
	code, err := c.Run("slow", &w, io.Discard)
	if err != nil || code != 0 {
		t.Fatalf("slow: %d, %v", code, err)
	}
	want := "line 0\r\nline 1\r\nline 2\r\nline 3\r\nline 4\r\n"
	if w.buf.String() != want {
		t.Fatalf("output %q, want %q", w.buf.String(), want)
	}
	if len(w.times) < 4 {
		t.Fatalf("output came in %d writes, want it line by line", len(w.times))
	}
	if first, total := w.times[0].Sub(start), time.Since(start); first > total*3/4 {
		t.Fatalf("first line after %v of %v: not streamed", first, total)
	}
}

func TestSilentCommandOutlivesOperationTimeout(t *testing.T) {
	for name, mk := range map[string]func(testing.TB, Endpoint, string, string, []byte) *winrm.Client{
		"surfacing": newClient, "plain": newPlainClient,
	} {
		t.Run(name, func(t *testing.T) {
			s := startServer(t, Config{AllowUnencrypted: true})
			c := mk(t, s.Endpoints()["EXNODE01"], testUser, testPass, nil)
			out, _, code, err := run(t, c, "silent")
			if err != nil || code != 0 || out != "finally\r\n" {
				t.Fatalf("silent = %q, %d, %v", out, code, err)
			}
			if n := s.timedOutReceives.Load(); n < 2 {
				t.Fatalf("%d TimedOut faults, want the client to have re-polled at least twice", n)
			}
		})
	}
}

// TestPlainClientSwallowsFaults pins the 232efb4 behaviour faultSurfacing
// works around, so a client upgrade that fixes it shows up here.
func TestPlainClientSwallowsFaults(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true})
	c := newPlainClient(t, s.Endpoints()["EXNODE01"], testUser, testPass, nil)
	cmd, err := c.NewShell("NO-SUCH-SHELL").Execute("hostname")
	if err != nil {
		t.Fatalf("232efb4 now reports faults (%v): drop faultSurfacing", err)
	}
	_, rerr := io.ReadAll(cmd.Stdout)
	cmd.Wait()
	if rerr == nil || !strings.Contains(rerr.Error(), "Command has already been closed") {
		t.Fatalf("stdout error %v", rerr)
	}
}

func TestOperationTimeoutCapped(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true, OperationTimeoutMax: 300 * time.Millisecond})
	ep := s.Endpoints()["EXNODE01"]
	endpoint := winrm.NewEndpoint(ep.Host, ep.Port, false, false, nil, nil, nil, 2*time.Second)
	// The client asks for 60 s, but its header timeout is 2 s: only the cap
	// lets the silent command succeed.
	c, err := winrm.NewClientWithParameters(endpoint, testUser, testPass, winrm.NewParameters("PT60S", "en-US", 153600))
	if err != nil {
		t.Fatal(err)
	}
	out, _, code, err := run(t, c, "silent")
	if err != nil || code != 0 || out != "finally\r\n" {
		t.Fatalf("silent = %q, %d, %v", out, code, err)
	}
}

func TestWrongPassword(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true})
	ep := s.Endpoints()["EXNODE01"]
	_, _, code, err := run(t, newClient(t, ep, testUser, "wrong", nil), "hostname")
	if err == nil || !strings.Contains(err.Error(), "http response error: 401 - invalid content type") {
		t.Fatalf("wrong password: code %d, err %v; want the 401 error", code, err)
	}
	// The challenge as Windows sends it, without a body or content type.
	resp, err := http.Post(fmt.Sprintf("http://%s:%d/wsman", ep.Host, ep.Port), soapContentType, strings.NewReader("<x/>"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	offers := resp.Header.Values("WWW-Authenticate")
	if resp.StatusCode != 401 || len(offers) != 2 || offers[0] != "Negotiate" || offers[1] != `Basic realm="WSMAN"` || resp.Header.Get("Content-Type") != "" {
		t.Fatalf("401 reply: %d %v", resp.StatusCode, resp.Header)
	}
	// User names are case-insensitive, as Windows account names are.
	if _, _, _, err := run(t, newClient(t, ep, strings.ToLower(testUser), testPass, nil), "hostname"); err != nil {
		t.Fatalf("lower-case user: %v", err)
	}
}

// TestBasicOverPlainHTTP: with AllowUnencrypted=false (the Windows
// default) a plain-HTTP Basic request with the right password is refused
// with exactly the 401 a wrong password gets (so a client cannot tell them
// apart, as against a real node); with AllowUnencrypted=true, and over
// HTTPS whatever it says, the same request is served.
func TestBasicOverPlainHTTP(t *testing.T) {
	deny := startServer(t, Config{AllowUnencrypted: false})
	ep := deny.Endpoints()["EXNODE01"]
	status, hdr, body := send(t, plainTransport(t, nil), ep, "", true)
	offers := hdr.Values("WWW-Authenticate")
	if status != 401 || body != "" || hdr.Get("Content-Type") != "" || strings.Join(offers, "|") != `Negotiate|Basic realm="WSMAN"` {
		t.Fatalf("Basic over HTTP, AllowUnencrypted=false: %d %q %q; want the bare 401 of a refused password", status, offers, body)
	}
	req, err := http.NewRequest(http.MethodPost, wsmanURL(ep), strings.NewReader(createEnvelope))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", soapContentType)
	req.SetBasicAuth(testUser, "wrong")
	resp, err := (&http.Client{Transport: plainTransport(t, nil)}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != status || strings.Join(resp.Header.Values("WWW-Authenticate"), "|") != strings.Join(offers, "|") {
		t.Fatalf("a wrong password got %d %v, the refused unencrypted request %d %v: they must look the same", resp.StatusCode, resp.Header, status, hdr)
	}
	if _, _, _, err := run(t, newClient(t, ep, testUser, testPass, nil), "hostname"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("masterzen Basic client over HTTP, AllowUnencrypted=false: %v; want a 401", err)
	}

	allow := startServer(t, Config{AllowUnencrypted: true})
	if out, _, code, err := run(t, newClient(t, allow.Endpoints()["EXNODE01"], testUser, testPass, nil), "hostname"); err != nil || code != 0 || out != "EXNODE01\r\n" {
		t.Fatalf("Basic over HTTP, AllowUnencrypted=true: %q, %d, %v", out, code, err)
	}

	tlsSrv := startServer(t, Config{TLS: true, AllowUnencrypted: false})
	if out, _, code, err := run(t, newClient(t, tlsSrv.Endpoints()["EXNODE01"], testUser, testPass, tlsSrv.CACertPEM()), "hostname"); err != nil || code != 0 || out != "EXNODE01\r\n" {
		t.Fatalf("Basic over HTTPS, AllowUnencrypted=false: %q, %d, %v", out, code, err)
	}
}

// TestNTLMClientOverPlainHTTP: the default listener offers Negotiate, so
// masterzen's ClientNTLM really runs NTLM (it no longer falls back to Basic);
// over plain HTTP that works only where AllowUnencrypted is true, as on
// Windows.
func TestNTLMClientOverPlainHTTP(t *testing.T) {
	for _, allow := range []bool{false, true} {
		t.Run(fmt.Sprintf("AllowUnencrypted=%v", allow), func(t *testing.T) {
			s := startServer(t, Config{AllowUnencrypted: allow})
			out, _, code, err := run(t, newNTLMClient(t, s.Endpoints()["EXNODE01"], testUser, testPass, nil), "hostname")
			if allow && (err != nil || code != 0 || out != "EXNODE01\r\n") {
				t.Fatalf("NTLM client: %q, %d, %v", out, code, err)
			}
			if !allow && (err == nil || !strings.Contains(err.Error(), "401")) {
				t.Fatalf("NTLM client over HTTP with AllowUnencrypted=false: %q, %v; want a 401", out, err)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	s := startServer(t, Config{TLS: true})
	ca := s.CACertPEM()
	if !bytes.Contains(ca, []byte("BEGIN CERTIFICATE")) {
		t.Fatalf("CACertPEM = %q", ca)
	}
	ep := s.Endpoints()["EXNODE02"]
	if !ep.HTTPS {
		t.Fatal("endpoint not HTTPS")
	}
	out, _, code, err := run(t, newClient(t, ep, testUser, testPass, ca), "hostname")
	if err != nil || code != 0 || out != "EXNODE02\r\n" {
		t.Fatalf("with CA: %q, %d, %v", out, code, err)
	}
	_, _, _, err = run(t, newClient(t, ep, testUser, testPass, nil), "hostname")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without CA: err %v, want a certificate error", err)
	}
}

func TestSetDownAndReboot(t *testing.T) {
	b := newTestBackend()
	s := startServer(t, Config{AllowUnencrypted: true, Backend: b})
	ep := s.Endpoints()["EXNODE01"]
	c := newClient(t, ep, testUser, testPass, nil)
	sh, err := c.CreateShell()
	if err != nil {
		t.Fatal(err)
	}

	// A command running when the node goes down is killed and the client's
	// Receive fails.
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := c.Run("hang", io.Discard, io.Discard)
		done <- result{code, err}
	}()
	<-b.started
	s.SetDown("EXNODE01", true)
	select {
	case <-b.canceled:
	case <-time.After(5 * time.Second):
		t.Fatal("backend command not cancelled by SetDown")
	}
	select {
	case r := <-done:
		if r.err == nil {
			t.Fatalf("Run during down: code %d, no error", r.code)
		}
		t.Logf("Run cut by the reboot: code %d, %v", r.code, r.err)
	case <-time.After(10 * time.Second):
		t.Fatal("client Run did not return after SetDown")
	}

	if _, _, _, err := run(t, c, "hostname"); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("while down: %v, want connection refused", err)
	}
	// Other nodes are unaffected.
	if _, _, _, err := run(t, newClient(t, s.Endpoints()["EXNODE02"], testUser, testPass, nil), "hostname"); err != nil {
		t.Fatalf("EXNODE02 while EXNODE01 down: %v", err)
	}

	s.SetDown("EXNODE01", false)
	if got := s.Endpoints()["EXNODE01"]; got != ep {
		t.Fatalf("endpoint after reboot %+v, want %+v", got, ep)
	}
	_, err = sh.Execute("hostname")
	if err == nil || !strings.Contains(err.Error(), "2150858843") || !strings.Contains(err.Error(), "the shell was not found on the server") {
		t.Fatalf("old shell after reboot: %v, want the unknown-shell fault", err)
	}
	if out, _, _, err := run(t, c, "hostname"); err != nil || out != "EXNODE01\r\n" {
		t.Fatalf("after reboot: %q, %v", out, err)
	}
}

func TestDropNextReceive(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true})
	c := newClient(t, s.Endpoints()["EXNODE01"], testUser, testPass, nil)
	s.DropNextReceive("EXNODE01")
	_, _, code, err := run(t, c, "slow")
	if err == nil || !strings.Contains(err.Error(), "EOF") || code != 16001 {
		t.Fatalf("dropped Receive: code %d, err %v; want an EOF error and 16001", code, err)
	}
	// Only one Receive is dropped.
	if out, _, _, err := run(t, c, "hostname"); err != nil || out != "EXNODE01\r\n" {
		t.Fatalf("after drop: %q, %v", out, err)
	}
}

func TestStdinAndLargeOutput(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true})
	c := newClient(t, s.Endpoints()["EXNODE01"], testUser, testPass, nil)
	var out bytes.Buffer
	code, err := c.RunWithInput("cat", &out, io.Discard, strings.NewReader("hello\nworld\n"))
	if err != nil || code != 0 || out.String() != "hello\nworld\n" {
		t.Fatalf("cat = %q, %d, %v", out.String(), code, err)
	}
	big, _, code, err := run(t, c, "big")
	if err != nil || code != 0 || big != string(bigOutput()) {
		t.Fatalf("big: %d bytes, code %d, err %v", len(big), code, err)
	}
}

// TestSignalTerminateCancelsBackend sends Signal terminate itself, the way
// WINRM.md 1.6 recommends the executor cancel a command at 232efb4:
// Command.Close() races with the client's Receive loop and can leave the
// Stdout/Stderr pipes open forever (a client bug, not a server one).
func TestSignalTerminateCancelsBackend(t *testing.T) {
	b := newTestBackend()
	s := startServer(t, Config{AllowUnencrypted: true, Backend: b})
	ep := s.Endpoints()["EXNODE01"]
	c := newClient(t, ep, testUser, testPass, nil)
	done := make(chan error, 1)
	go func() {
		_, err := c.Run("hang", io.Discard, io.Discard)
		done <- err
	}()
	<-b.started
	shellID := shellIDOf(t, s, "EXNODE01")
	url := fmt.Sprintf("http://%s:%d/wsman", ep.Host, ep.Port)
	sig := winrm.NewSignalRequest(url, shellID, cmdIDOf(t, s, "EXNODE01", shellID), winrm.NewParameters(opTimeout, "en-US", 153600))
	status, _, body := post(t, ep, sig.String())
	sig.Free()
	if status != 200 || !strings.Contains(body, "<rsp:SignalResponse/>") || !strings.Contains(body, "/shell/SignalResponse</a:Action>") {
		t.Fatalf("Signal: %d\n%s", status, body)
	}
	select {
	case <-b.canceled:
	case <-time.After(5 * time.Second):
		t.Fatal("terminate did not cancel the backend")
	}
	select {
	case err := <-done:
		// Either the in-flight Receive reported Done (exit STATUS_CONTROL_C_EXIT)
		// or the next one found the command gone; both end the client's loop.
		t.Logf("client after terminate: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("client did not finish after Signal terminate")
	}
}

func TestBackendFailureIsInternalErrorFault(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true})
	c := newClient(t, s.Endpoints()["EXNODE01"], testUser, testPass, nil)
	out, _, _, err := run(t, c, "broken")
	if out != "partial\r\n" || err == nil || !strings.Contains(err.Error(), "w:InternalError") || !strings.Contains(err.Error(), "simulated node failure") {
		t.Fatalf("broken: %q, %v", out, err)
	}
}

// post sends a raw envelope, as another client would.
func post(t *testing.T, ep Endpoint, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, fmt.Sprintf("http://%s:%d/wsman", ep.Host, ep.Port), strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(testUser, testPass)
	req.Header.Set("Content-Type", soapContentType)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(data)
}

// pypsrpReceive is the shape of a pypsrp request (s:/wsa:/wsman: prefixes,
// s:mustUnderstand, a SessionId header), to check parsing by namespace.
const pypsrpReceive = `<s:Envelope xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsman="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:wsmv="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"><s:Header><wsa:Action s:mustUnderstand="true">http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive</wsa:Action><wsman:MaxEnvelopeSize s:mustUnderstand="true">153600</wsman:MaxEnvelopeSize><wsa:MessageID>uuid:1E4F574C-3C19-46E9-A544-B71D78C95E7B</wsa:MessageID><wsman:OperationTimeout>PT20S</wsman:OperationTimeout><wsa:ReplyTo><wsa:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:Address></wsa:ReplyTo><wsman:ResourceURI s:mustUnderstand="true">http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd</wsman:ResourceURI><wsmv:SessionId s:mustUnderstand="false">uuid:E3EDC93B-6629-44A6-8F70-2D94D134ACD3</wsmv:SessionId><wsa:To>http://192.168.56.15:5985/wsman</wsa:To><wsman:SelectorSet><wsman:Selector Name="ShellId">%s</wsman:Selector></wsman:SelectorSet></s:Header><s:Body><rsp:Receive><rsp:DesiredStream CommandId="87E77BEB-6761-4C48-9D70-A00266B8459A">stdout stderr</rsp:DesiredStream></rsp:Receive></s:Body></s:Envelope>`

func TestFaultShapes(t *testing.T) {
	s := startServer(t, Config{AllowUnencrypted: true})
	ep := s.Endpoints()["EXNODE01"]

	status, hdr, body := post(t, ep, fmt.Sprintf(pypsrpReceive, "0D6FCA9D-2D40-44C3-B691-E665BE7AA687"))
	if status != 500 || hdr.Get("Content-Type") != soapContentType ||
		!strings.Contains(body, `<s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:InvalidSelectors</s:Value>`) ||
		!strings.Contains(body, `Code="2150858843" Machine="127.0.0.1"`) ||
		!strings.Contains(body, "The request for the Windows Remote Shell with ShellId 0D6FCA9D-2D40-44C3-B691-E665BE7AA687 failed because the shell was not found on the server.") ||
		!strings.Contains(body, `<a:RelatesTo>uuid:1E4F574C-3C19-46E9-A544-B71D78C95E7B</a:RelatesTo>`) {
		t.Fatalf("unknown shell: %d %v\n%s", status, hdr, body)
	}

	// A real shell, an unknown command ID: the captured pypsrp fault.
	c := newClient(t, ep, testUser, testPass, nil)
	sh, err := c.CreateShell()
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	shellID := shellIDOf(t, s, "EXNODE01")
	status, _, body = post(t, ep, fmt.Sprintf(pypsrpReceive, shellID))
	if status != 500 || !strings.Contains(body, textCommandNotFound) || !strings.Contains(body, detailUnexpectedSel) {
		t.Fatalf("unknown command: %d\n%s", status, body)
	}

	// The TimedOut fault, byte for byte in its texts (two trailing spaces).
	cmd, err := sh.Execute("hang")
	if err != nil {
		t.Fatal(err)
	}
	_ = cmd // its Receive loop runs in the client; this raw one competes harmlessly
	recv := strings.Replace(fmt.Sprintf(pypsrpReceive, shellID), "87E77BEB-6761-4C48-9D70-A00266B8459A", cmdIDOf(t, s, "EXNODE01", shellID), 1)
	recv = strings.Replace(recv, "PT20S", "PT0.2S", 1)
	status, _, body = post(t, ep, recv)
	want := `<s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:TimedOut</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  </s:Text></s:Reason><s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150858793" Machine="127.0.0.1"><f:Message>The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  </f:Message></f:WSManFault></s:Detail>`
	if status != 500 || !strings.Contains(body, want) {
		t.Fatalf("timed out: %d\n%s", status, body)
	}
	_ = cmd.Close()

	status, _, body = post(t, ep, strings.Replace(pypsrpReceive, "shell/Receive", "shell/Frobnicate", 1))
	if status != 500 || !strings.Contains(body, "a:ActionNotSupported") {
		t.Fatalf("bad action: %d\n%s", status, body)
	}
	status, _, body = post(t, ep, "<not xml")
	if status != 500 || !strings.Contains(body, "w:SchemaValidationError") {
		t.Fatalf("bad xml: %d\n%s", status, body)
	}
}

func shellIDOf(t *testing.T, s *Server, node string) string {
	t.Helper()
	s.mu.Lock()
	inc := s.nodes[node].inc
	s.mu.Unlock()
	inc.mu.Lock()
	defer inc.mu.Unlock()
	for id := range inc.shells {
		return id
	}
	t.Fatal("no shell")
	return ""
}

func cmdIDOf(t *testing.T, s *Server, node, shellID string) string {
	t.Helper()
	s.mu.Lock()
	inc := s.nodes[node].inc
	s.mu.Unlock()
	inc.mu.Lock()
	defer inc.mu.Unlock()
	for id := range inc.shells[shellID].commands {
		return id
	}
	t.Fatal("no command")
	return ""
}

// TestCreateResponseParsesWithClientParsers feeds our replies through the
// client's exported parsers, the same check the captures pass.
func TestReplyShapes(t *testing.T) {
	create := string(reply(nsTransfer+"/CreateResponse", "uuid:x", `<x:ResourceCreated><a:ReferenceParameters><w:SelectorSet><w:Selector Name="ShellId">ABC</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>`))
	if id, err := winrm.ParseOpenShellResponse(create); err != nil || id != "ABC" {
		t.Fatalf("ParseOpenShellResponse = %q, %v", id, err)
	}
	res := receiveResult{chunks: []chunk{{"stdout", []byte("a")}, {"stdout", []byte("b")}, {"stderr", []byte("e")}}, done: true, exitCode: 123}
	var o, e bytes.Buffer
	done, code, err := winrm.ParseSlurpOutputErrResponse(string(reply(nsShell+"/ReceiveResponse", "", renderReceive("C1", res))), &o, &e)
	if err != nil || !done || code != 123 || o.String() != "ab" || e.String() != "e" {
		t.Fatalf("ParseSlurpOutputErrResponse = %v %d %v %q %q", done, code, err, o.String(), e.String())
	}
}

func TestParseISODuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"PT60S": 60 * time.Second, "PT60.000S": 60 * time.Second, "PT5M0S": 5 * time.Minute,
		"P0DT0H0M1S": time.Second, "PT0.5S": 500 * time.Millisecond, "P1D": 24 * time.Hour,
	} {
		if got, err := parseISODuration(in); err != nil || got != want {
			t.Errorf("parseISODuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "60", "PT", "P1Y", "PTxS", "PT1"} {
		if _, err := parseISODuration(bad); err == nil {
			t.Errorf("parseISODuration(%q) accepted", bad)
		}
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	for _, l := range []string{"0.0.0.0", "192.0.2.1:5985", "example.com"} {
		if _, err := Start(context.Background(), Config{Nodes: []string{"N"}, Listen: l, User: "u", Password: "p", Backend: newTestBackend()}); err == nil {
			t.Errorf("Listen %q accepted", l)
		}
	}
	if _, err := Start(context.Background(), Config{Nodes: []string{"N"}, Backend: newTestBackend()}); err == nil {
		t.Error("empty credentials accepted")
	}
}

func TestStartContextCancelCloses(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Start(ctx, Config{AllowUnencrypted: true, Nodes: []string{"N1"}, User: testUser, Password: testPass, Backend: newTestBackend()})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	<-s.watchDone
	if _, _, _, err := run(t, newClient(t, s.Endpoints()["N1"], testUser, testPass, nil), "hostname"); err == nil {
		t.Fatal("server still serving after its context was cancelled")
	}
	_ = s.Close()
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	b := newTestBackend()
	s, err := Start(context.Background(), Config{Nodes: []string{"A", "B"}, User: testUser, Password: testPass, Backend: b, TLS: true, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	ca := s.CACertPEM()
	for _, ep := range s.Endpoints() {
		if _, _, _, err := run(t, newClient(t, ep, testUser, testPass, ca), "slow"); err != nil {
			t.Fatal(err)
		}
	}
	// A command still running at Close, with a client waiting on it.
	done := make(chan error, 1)
	go func() {
		_, err := newClient(t, s.Endpoints()["A"], testUser, testPass, ca).Run("hang", io.Discard, io.Discard)
		done <- err
	}()
	<-b.started
	s.SetDown("B", true)
	s.SetDown("B", false)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("Run of a command cut by Close reported no error")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkCommandRoundTrip measures one `hostname` over WinRM (Create,
// Command, Receive, Signal, Delete on loopback) and reports how many times
// slower that is than calling the backend in-process.
func BenchmarkCommandRoundTrip(b *testing.B) {
	backend := newTestBackend()
	s := startServer(b, Config{AllowUnencrypted: true, Backend: backend, Nodes: []string{"N1"}})
	c := newClient(b, s.Endpoints()["N1"], testUser, testPass, nil)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, _, _, err := run(b, c, "hostname"); err != nil {
			b.Fatal(err)
		}
	}
	perWire := time.Since(start) / time.Duration(b.N)

	const inProcRuns = 10000
	var sink bytes.Buffer
	t0 := time.Now()
	for range inProcRuns {
		sink.Reset()
		if _, err := backend.Exec(context.Background(), "N1", "hostname", nil, strings.NewReader(""), func(_ string, p []byte) { sink.Write(p) }); err != nil {
			b.Fatal(err)
		}
	}
	perInProc := time.Since(t0) / inProcRuns
	b.ReportMetric(float64(perInProc.Nanoseconds()), "inproc-ns/op")
	b.ReportMetric(float64(perWire)/float64(perInProc), "x-inproc")
}
