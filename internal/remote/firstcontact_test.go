package remote

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"cmsrunbook/runbook"
)

// freePort is a loopback port nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// TestRefusedFirstContactBlamesThePort: a node that never answered and
// refuses the connection is most likely asked on the wrong port; one that
// answered before is restarting.
func TestRefusedFirstContactBlamesThePort(t *testing.T) {
	addr := freePort(t)
	rt := newRoundTripper(nil, 2*time.Second, 10*time.Second, false)
	tr := &transport{ctx: context.Background(), node: "EXNODE01", url: "http://" + addr + "/wsman", user: "u", pass: "p", rt: rt}
	_, err := tr.post(tr.ctx, "<x/>")
	if !errors.Is(err, runbook.ErrConnectionLost) {
		t.Fatalf("err = %v", err)
	}
	want := "EXNODE01: cannot connect: nothing answers WinRM on " + addr + " (WinRM 1.1 listens on 80/443, 2.0 on 5985/5986; set winrm_version or port)"
	if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "restarting") {
		t.Errorf("first contact: %q, want %q", err, want)
	}

	// The same node answers once, then goes away.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the port was taken meanwhile: %v", err)
	}
	srv := &http.Server{ErrorLog: log.New(io.Discard, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/soap+xml")
		_, _ = w.Write([]byte("<ok/>"))
	})}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	if _, err := tr.post(tr.ctx, "<x/>"); err != nil {
		t.Fatal(err)
	}
	_ = srv.Close()
	<-done
	rt.CloseIdleConnections()
	_, err = tr.post(tr.ctx, "<x/>")
	if err == nil || !strings.Contains(err.Error(), "restarting") || strings.Contains(err.Error(), "winrm_version") {
		t.Errorf("after an answer: %v, want the restart wording", err)
	}
}
