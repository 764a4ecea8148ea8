package remote

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// testCA is a CA and a node certificate it signed, as a 2003 era PKI
// makes them: RSA keys, signatures with SHA-1.
type testCA struct {
	caPEM []byte
	leaf  tls.Certificate
}

func newTestCA(t *testing.T, cn string, sig x509.SignatureAlgorithm) testCA {
	t.Helper()
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		SignatureAlgorithm: sig,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTpl, caTpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "exnode01.example.local"},
		DNSNames: []string{"exnode01.example.local"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, SignatureAlgorithm: sig,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := x509.ParseCertificate(der); c.SignatureAlgorithm != sig {
		t.Fatalf("leaf signed with %v, want %v", c.SignatureAlgorithm, sig)
	}
	return testCA{
		caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		leaf:  tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key},
	}
}

func (c testCA) file(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, c.caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// serveTLS answers every POST with an empty WS-Management reply over the
// given TLS settings, on loopback, until the test ends.
func serveTLS(t *testing.T, conf *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
			_, _ = w.Write([]byte("<ok/>"))
		}),
		ErrorLog: log.New(io.Discard, "", 0),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(tls.NewListener(ln, conf))
	}()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	return "https://" + ln.Addr().String() + "/wsman"
}

// legacyNode is how a Windows Server 2003 node without updates answers:
// TLS 1.0 only, RSA key exchange with 3DES only.
func legacyNode(ca testCA) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{ca.leaf},
		MinVersion:   tls.VersionTLS10, MaxVersion: tls.VersionTLS10,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA},
	}
}

// modernNode speaks TLS 1.2 but still has a certificate signed with SHA-1.
func modernNode(ca testCA) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{ca.leaf}, MinVersion: tls.VersionTLS12}
}

func postTLS(t *testing.T, url string, w config.WinRM) error {
	t.Helper()
	conf, err := tlsConfig(w)
	if err != nil {
		t.Fatal(err)
	}
	tr := &transport{ctx: context.Background(), node: "EXNODE01", url: url, user: "exadmin", pass: "pw", rt: newRoundTripper(conf, 2*time.Second, 10*time.Second, false)}
	body, err := tr.post(tr.ctx, "<x/>")
	if err == nil && body != "<ok/>" {
		t.Errorf("reply %q", body)
	}
	return err
}

func wantErr(t *testing.T, err error, has []string, hasNot ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", has)
	}
	if !errors.Is(err, runbook.ErrConnectionLost) {
		t.Errorf("%v does not wrap ErrConnectionLost", err)
	}
	for _, s := range has {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not say %q", err, s)
		}
	}
	for _, s := range hasNot {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q says %q", err, s)
		}
	}
}

func TestTLSLegacyNodeRefusedWithoutOptIn(t *testing.T) {
	ca := newTestCA(t, "Example Root CA", x509.SHA1WithRSA)
	url := serveTLS(t, legacyNode(ca))
	err := postTLS(t, url, config.WinRM{CAFile: ca.file(t)})
	wantErr(t, err, []string{"EXNODE01", "only TLS 1.0 or old cipher suites", "tls_legacy: true"}, "ca_file")
}

func TestTLSSHA1ChainRefusedWithoutOptIn(t *testing.T) {
	ca := newTestCA(t, "Example Root CA", x509.SHA1WithRSA)
	url := serveTLS(t, modernNode(ca))
	err := postTLS(t, url, config.WinRM{CAFile: ca.file(t)})
	wantErr(t, err, []string{"signed with SHA-1", "set winrm.tls_legacy: true"}, "set winrm.ca_file", "not signed by a trusted CA")
}

func TestTLSLegacyAcceptedWithRightCA(t *testing.T) {
	ca := newTestCA(t, "Example Root CA", x509.SHA1WithRSA)
	for name, srv := range map[string]*tls.Config{"TLS 1.0 3DES": legacyNode(ca), "TLS 1.2": modernNode(ca)} {
		t.Run(name, func(t *testing.T) {
			url := serveTLS(t, srv)
			if err := postTLS(t, url, config.WinRM{CAFile: ca.file(t), TLSLegacy: true}); err != nil {
				t.Fatalf("legacy node with the right CA: %v", err)
			}
		})
	}
}

func TestTLSLegacyRefusesWrongCA(t *testing.T) {
	ca := newTestCA(t, "Example Root CA", x509.SHA1WithRSA)
	other := newTestCA(t, "Example Root CA", x509.SHA1WithRSA) // same name, other key
	url := serveTLS(t, legacyNode(ca))
	err := postTLS(t, url, config.WinRM{CAFile: other.file(t), TLSLegacy: true})
	wantErr(t, err, []string{"EXNODE01", "signed with SHA-1", "not issued by the CA in ca_file"})
}

func TestTLSLegacyChecksNameAndNeedsCAFile(t *testing.T) {
	ca := newTestCA(t, "Example Root CA", x509.SHA1WithRSA)
	url := serveTLS(t, legacyNode(ca))
	err := postTLS(t, url, config.WinRM{CAFile: ca.file(t), TLSLegacy: true, ServerName: "exnode02.example.local"})
	wantErr(t, err, []string{"for another name", "server_name"})
	err = postTLS(t, url, config.WinRM{TLSLegacy: true})
	wantErr(t, err, []string{"signed with SHA-1", "ca_file"})
}

// TestTLSDefaultStillVerifiesModernChains: without tls_legacy a SHA-256
// chain from the given CA works, and another CA is refused as before.
func TestTLSDefaultStillVerifiesModernChains(t *testing.T) {
	ca := newTestCA(t, "Example Root CA", x509.SHA256WithRSA)
	url := serveTLS(t, modernNode(ca))
	if err := postTLS(t, url, config.WinRM{CAFile: ca.file(t)}); err != nil {
		t.Fatal(err)
	}
	other := newTestCA(t, "Other CA", x509.SHA256WithRSA)
	wantErr(t, postTLS(t, url, config.WinRM{CAFile: other.file(t)}), []string{"not signed by a trusted CA", "ca_file"}, "SHA-1")
	wantErr(t, postTLS(t, url, config.WinRM{CAFile: other.file(t), TLSLegacy: true}), []string{"not signed by a trusted CA"}, "SHA-1")
}

func TestTLSLegacyWarns(t *testing.T) {
	ca := newTestCA(t, "Example Root CA", x509.SHA1WithRSA)
	inv := &config.Inventory{Path: "t", Cluster: "EXCLUS01", WinRM: config.WinRM{Transport: config.TransportHTTPS, Auth: config.AuthNTLM, User: "exadmin", CAFile: ca.file(t), TLSLegacy: true},
		Nodes: []config.InventoryNode{{Name: "EXNODE01", Address: "127.0.0.1", Port: 5986}, {Name: "EXNODE02", Address: "127.0.0.2", Port: 5986}}}
	e, err := New(inv, Options{Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(e.Warnings(), func(w string) bool { return strings.Contains(w, "legacy TLS") }) {
		t.Errorf("warnings %q say nothing of legacy TLS", e.Warnings())
	}
	inv.WinRM.TLSLegacy = false
	if e, err = New(inv, Options{Password: "pw"}); err != nil || len(e.Warnings()) != 0 {
		t.Errorf("without tls_legacy: %v, warnings %q", err, e.Warnings())
	}
}
