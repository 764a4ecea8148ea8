package remote_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/remote"
	"cmsrunbook/internal/wsman"
	"cmsrunbook/runbook"
)

// refusals counts, per node, the 401s a wsman server logs.
type refusals struct {
	mu sync.Mutex
	n  map[string]int
}

func (r *refusals) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	node, rest, ok := strings.Cut(strings.TrimPrefix(line, "wsman: "), ": ")
	if !ok || !strings.HasPrefix(rest, "401") {
		return
	}
	r.mu.Lock()
	r.n[node]++
	r.mu.Unlock()
}

func (r *refusals) snapshot() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.n {
		out[k] = v
	}
	return out
}

// authExecutor points an executor with the given auth at a wsman server
// with the given schemes, over TLS.
func authExecutor(t *testing.T, nodes []string, mode wsman.AuthMode, auth config.Auth, pass string) (*remote.Executor, *wsman.Server, *refusals) {
	t.Helper()
	return tlsExecutor(t, nodes, wsman.Config{Auth: mode}, config.WinRM{Auth: auth}, pass)
}

// tlsExecutor points an executor at a wsman server over TLS with the
// server's CA as ca_file; srvConf and w add their settings.
func tlsExecutor(t *testing.T, nodes []string, srvConf wsman.Config, w config.WinRM, pass string) (*remote.Executor, *wsman.Server, *refusals) {
	t.Helper()
	ref := &refusals{n: map[string]int{}}
	srvConf.Nodes, srvConf.User, srvConf.Password, srvConf.TLS, srvConf.Backend, srvConf.Logf = nodes, testUser, testPass, true, &lineBackend{}, ref.logf
	srv, err := wsman.Start(context.Background(), srvConf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, srv.CACertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	w.Transport, w.User, w.CAFile, w.OperationTimeout = config.TransportHTTPS, testUser, ca, 2*time.Second
	if w.Auth == "" {
		w.Auth = config.AuthBasic
	}
	inv := &config.Inventory{Path: "test", Cluster: "EXCLUS01", WinRM: w}
	for _, n := range nodes {
		ep := srv.Endpoints()[n]
		inv.Nodes = append(inv.Nodes, config.InventoryNode{Name: n, Address: ep.Host, Port: ep.Port})
	}
	ex, err := remote.New(inv, remote.Options{Password: pass, NodeTimeout: 5 * time.Second, DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return ex, srv, ref
}

// TestNTLMRefusesBasicOnlyNode: with auth: ntlm, a node that offers only
// Basic is refused, and the password never reaches it.
func TestNTLMRefusesBasicOnlyNode(t *testing.T) {
	ex, _, ref := authExecutor(t, []string{"EXNODE01", "EXNODE02"}, wsman.AuthBasic, config.AuthNTLM, testPass)
	_, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil)
	if !errors.Is(err, runbook.ErrAuthFailed) || !strings.Contains(err.Error(), "offers only Basic") || !strings.Contains(err.Error(), "it was not sent") {
		t.Fatalf("ntlm against a Basic-only node: %v", err)
	}
	if got := ref.snapshot(); got["EXNODE01"] == 0 {
		t.Errorf("the node refused nothing (%v): was anything sent?", got)
	}
}

// TestNTLMAuthenticatesAgainstNegotiate: a node that offers Negotiate (as
// Windows does) accepts the NTLM handshake with the right password and
// refuses a wrong one.
func TestNTLMAuthenticatesAgainstNegotiate(t *testing.T) {
	ex, _, _ := authExecutor(t, []string{"EXNODE01", "EXNODE02"}, wsman.AuthNegotiate, config.AuthNTLM, testPass)
	var lines []string
	res, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, func(l runbook.OutputLine) { lines = append(lines, l.Text) })
	if err != nil || res.ExitCode != 0 || len(lines) != 5 {
		t.Fatalf("ntlm: %+v %v %q", res, err, lines)
	}
	bad, _, _ := authExecutor(t, []string{"EXNODE01", "EXNODE02"}, wsman.AuthNegotiate, config.AuthNTLM, "wrong")
	if _, err := bad.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil); !errors.Is(err, runbook.ErrAuthFailed) || !strings.Contains(err.Error(), "refused the credentials") {
		t.Fatalf("ntlm with a wrong password: %v", err)
	}
}

// TestDiscoveryTriesCredentialsOnOneNode: a wrong password is refused by
// one node only, never by every node at once; a node that cannot be
// reached has not seen it, so the next one is asked, and no more.
func TestDiscoveryTriesCredentialsOnOneNode(t *testing.T) {
	nodes := []string{"EXNODE01", "EXNODE02", "EXNODE03"}
	ex, srv, ref := authExecutor(t, nodes, wsman.DefaultAuth, config.AuthBasic, "wrong")
	_, err := ex.Observe(context.Background())
	if !errors.Is(err, runbook.ErrAuthFailed) {
		t.Fatalf("Observe with a wrong password: %v", err)
	}
	if got := ref.snapshot(); got["EXNODE01"] == 0 || got["EXNODE02"] != 0 || got["EXNODE03"] != 0 {
		t.Errorf("refusals %v, want EXNODE01's only", got)
	}
	srv.SetDown("EXNODE01", true)
	before := ref.snapshot()
	_, err = ex.Observe(context.Background())
	if !errors.Is(err, runbook.ErrAuthFailed) {
		t.Fatalf("Observe with the first node down: %v", err)
	}
	got := ref.snapshot()
	if got["EXNODE01"] != before["EXNODE01"] || got["EXNODE02"] == 0 || got["EXNODE03"] != 0 {
		t.Errorf("refusals %v, want EXNODE02's only", got)
	}
}

// TestLegacyTLSNode: the emulator's Windows Server 2003 mode (TLS 1.0,
// old suites, an RSA certificate signed with SHA-1) is refused without
// tls_legacy, with the reason, and reached with it.
func TestLegacyTLSNode(t *testing.T) {
	nodes := []string{"EXNODE01", "EXNODE02"}
	ex, _, _ := tlsExecutor(t, nodes, wsman.Config{TLSLegacy: true}, config.WinRM{}, testPass)
	_, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil)
	if !errors.Is(err, runbook.ErrConnectionLost) || !strings.Contains(err.Error(), "tls_legacy: true") {
		t.Fatalf("legacy node without tls_legacy: %v", err)
	}
	ex, _, _ = tlsExecutor(t, nodes, wsman.Config{TLSLegacy: true}, config.WinRM{TLSLegacy: true}, testPass)
	res, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("legacy node with tls_legacy: %+v %v", res, err)
	}
	if !strings.Contains(strings.Join(ex.Warnings(), "\n"), "legacy TLS") {
		t.Errorf("no legacy TLS warning: %q", ex.Warnings())
	}
}
