package remote_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/remote"
	"cmsrunbook/internal/wsman"
	"cmsrunbook/runbook"
)

// lineBackend answers a few test commands with timing the simulator does
// not have: slow output, silence past the OperationTimeout, a hang.
type lineBackend struct{ started chan struct{} }

func (b *lineBackend) Exec(ctx context.Context, node, command string, args []string, _ io.Reader, out func(string, []byte)) (int, error) {
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
	switch strings.TrimSpace(strings.Join(append([]string{command}, args...), " ")) {
	case "slow":
		for i := range 4 {
			out("stdout", fmt.Appendf(nil, "line %d\r\n", i))
			if err := sleep(150 * time.Millisecond); err != nil {
				return 1, err
			}
		}
		out("stderr", []byte("warn\r\n"))
		return 0, nil
	case "silent":
		if err := sleep(2500 * time.Millisecond); err != nil {
			return 1, err
		}
		out("stdout", []byte("finally\r\n"))
		return 7, nil
	case "hang":
		close(b.started)
		<-ctx.Done()
		return 1, ctx.Err()
	}
	out("stderr", []byte("not recognized\r\n"))
	return 1, nil
}

// rawExecutor points an executor at a plain wsman server; over plain
// http the nodes allow unencrypted messages, as a lab node set up for
// http does.
func rawExecutor(t *testing.T, b wsman.Backend, tls bool, pass string, opTimeout time.Duration) (*remote.Executor, *wsman.Server) {
	t.Helper()
	return rawExecutorAllowing(t, b, tls, !tls, pass, opTimeout)
}

// rawExecutorAllowing is rawExecutor with the nodes' AllowUnencrypted
// setting chosen.
func rawExecutorAllowing(t *testing.T, b wsman.Backend, tls, allowUnencrypted bool, pass string, opTimeout time.Duration) (*remote.Executor, *wsman.Server) {
	t.Helper()
	srv, err := wsman.Start(context.Background(), wsman.Config{Nodes: []string{"EXNODE01", "EXNODE02"}, User: testUser, Password: testPass, TLS: tls, AllowUnencrypted: allowUnencrypted, Backend: b, OperationTimeoutMax: opTimeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	inv := &config.Inventory{Path: "test", Cluster: "EXCLUS01", WinRM: config.WinRM{Transport: config.TransportHTTP, Auth: config.AuthBasic, User: testUser, OperationTimeout: opTimeout}}
	if tls {
		inv.WinRM.Transport = config.TransportHTTPS
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, srv.CACertPEM(), 0o600); err != nil {
			t.Fatal(err)
		}
		inv.WinRM.CAFile = ca
	}
	for _, n := range []string{"EXNODE01", "EXNODE02"} {
		ep := srv.Endpoints()[n]
		inv.Nodes = append(inv.Nodes, config.InventoryNode{Name: n, Address: ep.Host, Port: ep.Port})
	}
	ex, err := remote.New(inv, remote.Options{Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	return ex, srv
}

func TestSlowOutputStreams(t *testing.T) {
	ex, _ := rawExecutor(t, &lineBackend{}, false, testPass, 2*time.Second)
	start := time.Now()
	var at []time.Duration
	var lines []runbook.OutputLine
	res, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, func(l runbook.OutputLine) {
		at = append(at, time.Since(start))
		lines = append(lines, l)
	})
	if err != nil || res.ExitCode != 0 || len(lines) != 5 {
		t.Fatalf("slow: %+v %v %v", res, err, lines)
	}
	if lines[4].Stream != runbook.Stderr || lines[0].Text != "line 0" {
		t.Fatalf("lines %+v", lines)
	}
	if at[3]-at[0] < 300*time.Millisecond {
		t.Fatalf("lines arrived together (%v): output was not streamed", at)
	}
}

func TestSilentCommandOutlivesOperationTimeout(t *testing.T) {
	ex, srv := rawExecutor(t, &lineBackend{}, false, testPass, time.Second)
	var got []string
	res, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE02", Line: "silent"}, func(l runbook.OutputLine) { got = append(got, l.Text) })
	if err != nil || res.ExitCode != 7 || len(got) != 1 || got[0] != "finally" {
		t.Fatalf("silent: %+v %v %q", res, err, got)
	}
	_ = srv
}

func TestWrongCredentialsAreAuthFailed(t *testing.T) {
	// A password no message would contain ("wrong" is a word of the
	// plain-http refusal's text).
	const bad = "N0t-the-Pa55"
	ex, _ := rawExecutor(t, &lineBackend{}, false, bad, 2*time.Second)
	_, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil)
	if !errors.Is(err, runbook.ErrAuthFailed) || strings.Contains(err.Error(), bad) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := ex.Observe(context.Background()); !errors.Is(err, runbook.ErrAuthFailed) {
		t.Fatalf("Observe with a wrong password: %v", err)
	}
}

func TestTLS(t *testing.T) {
	ex, _ := rawExecutor(t, &lineBackend{}, true, testPass, 2*time.Second)
	if _, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil); err != nil {
		t.Fatalf("TLS with the CA: %v", err)
	}
	// Without the CA the certificate is refused, as a clear connection error.
	srv2, err := wsman.Start(context.Background(), wsman.Config{Nodes: []string{"EXNODE01", "EXNODE02"}, User: testUser, Password: testPass, TLS: true, Backend: &lineBackend{}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv2.Close()
	inv := &config.Inventory{Cluster: "EXCLUS01", WinRM: config.WinRM{Transport: config.TransportHTTPS, Auth: config.AuthBasic, User: testUser}}
	for _, n := range []string{"EXNODE01", "EXNODE02"} {
		ep := srv2.Endpoints()[n]
		inv.Nodes = append(inv.Nodes, config.InventoryNode{Name: n, Address: ep.Host, Port: ep.Port})
	}
	ex2, err := remote.New(inv, remote.Options{Password: testPass})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ex2.Run(context.Background(), runbook.Command{Node: "EXNODE01", Line: "slow"}, nil)
	if !errors.Is(err, runbook.ErrConnectionLost) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("TLS without the CA: %v", err)
	}
}

func TestRefusedConnectionIsConnectionLost(t *testing.T) {
	ex, srv := rawExecutor(t, &lineBackend{}, false, testPass, 2*time.Second)
	srv.SetDown("EXNODE02", true)
	_, err := ex.Run(context.Background(), runbook.Command{Node: "EXNODE02", Line: "slow"}, nil)
	if !errors.Is(err, runbook.ErrConnectionLost) || !strings.Contains(err.Error(), "cannot connect") {
		t.Fatalf("down node: %v", err)
	}
}

// TestCancelLeaksNoGoroutine cancels a command in the middle of a held
// Receive and checks that it returns at once and leaves no goroutine.
func TestCancelLeaksNoGoroutine(t *testing.T) {
	b := &lineBackend{started: make(chan struct{})}
	ex, _ := rawExecutor(t, b, false, testPass, 30*time.Second)
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := ex.Run(ctx, runbook.Command{Node: "EXNODE01", Line: "hang"}, nil)
		done <- err
	}()
	<-b.started
	time.Sleep(50 * time.Millisecond)
	t0 := time.Now()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancelled Run did not return")
	}
	if d := time.Since(t0); d > 6*time.Second {
		t.Fatalf("cancel took %v", d)
	}
	ex.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond) // idle keep-alive readers settle
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after cancel, %d before:\n%s", n, base, buf[:runtime.Stack(buf, true)])
	}
}

// TestConnectionDropDuringSetup: the WinRM connection drops while Setup
// runs detached; the engine reconnects, re-attaches to the job and never
// starts Setup twice.
func TestConnectionDropDuringSetup(t *testing.T) {
	w := serve(t, "fault-connection-drop", worldOpts{})
	st, evs := runWindow(t, w, headless.FailRetry)
	diag := false
	for _, ev := range evs {
		if ev.Diagnosis != nil && ev.Diagnosis.Code == "connection-lost" {
			diag = true
		}
	}
	if st != runbook.RunSucceeded || !diag {
		t.Fatalf("status %s, connection-lost diagnosed: %v", st, diag)
	}
	if n := w.sim.SetupStarts("EXNODE02"); n != 2 { // /mode:upgrade once, /upgradecms once
		t.Fatalf("Setup started %d times on EXNODE02", n)
	}
}

// TestRebootOverWinRM: shutdown, the port closes, the node comes back with
// a new boot time and a running Cluster service.
func TestRebootOverWinRM(t *testing.T) {
	w := serve(t, config.DefaultScenario, worldOpts{})
	ctx := context.Background()
	before, err := w.exec.Observe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	node := "EXNODE02"
	boot := before.Fact(node).BootID
	if _, err := w.exec.Run(ctx, runbook.Command{Node: node, Line: runbook.RebootCommand(runbook.ReasonPlannedOther, "test"), Kind: runbook.KindRebootNode}, nil); err != nil && !errors.Is(err, runbook.ErrConnectionLost) {
		t.Fatal(err)
	}
	sawDown := false
	for range 200 {
		_ = w.sim.Sleep(ctx, 15*time.Second)
		obs, err := w.exec.Observe(ctx)
		if err != nil {
			continue
		}
		f := obs.Fact(node)
		if !f.Reachable {
			sawDown = true
			if obs.Cluster.Node(node).State != runbook.NodeDown {
				t.Fatalf("unreachable node shows %s", obs.Cluster.Node(node).State)
			}
		}
		if f.Reachable && f.ClusterService && f.BootID != boot {
			if !sawDown {
				t.Fatal("the node never went away")
			}
			return
		}
	}
	t.Fatal("the node did not come back")
}

func TestAuthFailureFaultOverWinRM(t *testing.T) {
	w := serve(t, "fault-auth-failure", worldOpts{})
	st, evs := runWindow(t, w, headless.FailRetry)
	for _, ev := range evs {
		if ev.Diagnosis != nil && ev.Diagnosis.Code == "auth-failed" {
			if st != runbook.RunSucceeded {
				t.Fatalf("status %s after auth-failed", st)
			}
			return
		}
	}
	t.Fatalf("no auth-failed diagnosis (status %s)", st)
}

var _ engine.Executor = (*remote.Executor)(nil)
