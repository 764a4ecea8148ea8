package wsman

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pythonWithWinRM finds a python3 that can import winrm: Debian's
// python3-winrm lives in /usr/bin/python3's dist-packages, which a pyenv or
// venv python3 first on PATH does not see.
func pythonWithWinRM(t *testing.T) string {
	t.Helper()
	var tried []string
	for _, cand := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(cand)
		if err != nil {
			continue
		}
		tried = append(tried, path)
		if exec.Command(path, "-c", "import winrm").Run() == nil {
			return path
		}
	}
	if len(tried) == 0 {
		t.Skip("python3 not found; the independent-client check needs python3 and python3-winrm")
	}
	t.Skipf("no python3 with the winrm module (tried %v); apt-get install python3-winrm to run this check", tried)
	return ""
}

// TestPywinrmCheckScript runs scripts/pywinrm_check.py, the check CI runs
// against serve-sim, against this server with the test backend.
func TestPywinrmCheckScript(t *testing.T) {
	py := pythonWithWinRM(t)
	script, err := filepath.Abs("../../scripts/pywinrm_check.py")
	if err != nil {
		t.Fatal(err)
	}
	for _, useTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", useTLS), func(t *testing.T) {
			s := startServer(t, Config{Nodes: []string{"EXNODE01"}, TLS: useTLS, AllowUnencrypted: !useTLS})
			ep := s.Endpoints()["EXNODE01"]
			scheme := "http"
			args := []string{script}
			if useTLS {
				scheme = "https"
				ca := filepath.Join(t.TempDir(), "ca.pem")
				if err := os.WriteFile(ca, s.CACertPEM(), 0o600); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--ca-file", ca)
			}
			args = append(args, "--endpoint", fmt.Sprintf("%s://%s:%d/wsman", scheme, ep.Host, ep.Port),
				"--user", testUser, "--password", testPass, "--expect-hostname", "EXNODE01")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, py, args...)
			// requests honours proxy variables; loopback must not go through one.
			cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
			out, err := cmd.CombinedOutput()
			t.Logf("pywinrm_check.py:\n%s", out)
			if err != nil {
				t.Fatalf("pywinrm_check.py failed: %v", err)
			}
			if strings.Count(string(out), "ok  ") != 5 {
				t.Fatalf("expected 5 passing checks")
			}
		})
	}
}

// pywinrmNTLM runs one command through python3-winrm with transport='ntlm'
// (requests_ntlm, an NTLM implementation independent of go-ntlmssp) and
// prints its stdout, or exits 3 with the error.
//
// Debian 12's OpenSSL 3 has MD4 (the NT hash) only in its legacy provider,
// which python3-cryptography loads when initialised; requests does that for
// HTTPS, so over plain HTTP the script does it itself.
const pywinrmNTLM = `
import sys, winrm
try:
    from cryptography.hazmat.bindings.openssl.binding import Binding
    Binding()
except ImportError:
    pass
endpoint, user, password, ca, enc = sys.argv[1:6]
kw = dict(transport='ntlm', message_encryption=enc, operation_timeout_sec=20, read_timeout_sec=30)
if endpoint.startswith('https://'):
    kw.update(server_cert_validation='validate', ca_trust_path=ca)
try:
    r = winrm.Session(endpoint, auth=(user, password), **kw).run_cmd('hostname')
except Exception as e:
    print('ERROR %s: %s' % (type(e).__name__, e))
    sys.exit(3)
sys.stdout.write(r.std_out.decode())
sys.exit(r.status_code)
`

// TestPywinrmNTLM: python3-winrm authenticates with NTLM against a listener
// with Basic disabled, over HTTPS and (with AllowUnencrypted and the
// client's encryption off) over HTTP; a wrong password is refused.
func TestPywinrmNTLM(t *testing.T) {
	py := pythonWithWinRM(t)
	for _, useTLS := range []bool{true, false} {
		t.Run(fmt.Sprintf("tls=%v", useTLS), func(t *testing.T) {
			s := startServer(t, Config{Nodes: []string{"EXNODE01"}, TLS: useTLS, Auth: AuthNegotiate, AllowUnencrypted: !useTLS})
			ca := filepath.Join(t.TempDir(), "ca.pem")
			if useTLS {
				if err := os.WriteFile(ca, s.CACertPEM(), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			endpoint := wsmanURL(s.Endpoints()["EXNODE01"])
			runPy := func(user, pass string) (string, error) {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				cmd := exec.CommandContext(ctx, py, "-c", pywinrmNTLM, endpoint, user, pass, ca, "never")
				cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			for _, user := range []string{testUser, `EXNODE01\` + strings.ToLower(testUser)} {
				out, err := runPy(user, testPass)
				if err != nil || strings.TrimSpace(out) != "EXNODE01" {
					t.Fatalf("pywinrm ntlm as %q: %v\n%s", user, err, out)
				}
			}
			out, err := runPy(testUser, "wrong")
			if err == nil || !strings.Contains(out, "InvalidCredentialsError") {
				t.Fatalf("pywinrm ntlm with a wrong password: %v\n%s", err, out)
			}
		})
	}
}
