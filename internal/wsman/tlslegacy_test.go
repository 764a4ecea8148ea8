package wsman

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestLegacyTLS: a legacy node speaks only TLS 1.0 with RSA key exchange
// and presents an RSA-2048 chain signed with SHA-1, so a default Go client
// is refused and only a client told to allow all of that connects.
func TestLegacyTLS(t *testing.T) {
	s := startServer(t, Config{TLSLegacy: true, Logf: func(string, ...any) {}})
	if !s.TLSLegacy() {
		t.Fatal("TLSLegacy() = false")
	}
	ep := s.Endpoints()["EXNODE01"]
	if !ep.HTTPS {
		t.Fatal("legacy endpoint is not HTTPS")
	}
	addr := net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port))
	block, _ := pem.Decode(s.CACertPEM())
	if block == nil {
		t.Fatal("no CA PEM")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)

	// A default client (TLS 1.2+ only) trusting the CA is refused.
	if c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool}); err == nil {
		c.Close()
		t.Fatal("a default client connected to a TLS 1.0-only node")
	} else if !strings.Contains(err.Error(), "protocol version") {
		t.Fatalf("default client: %v; want a protocol version refusal", err)
	}
	// TLS 1.0 allowed but only ECDHE suites offered: no common suite.
	if c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10,
		CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}}); err == nil {
		c.Close()
		t.Fatal("connected without RSA key exchange")
	}
	for _, suite := range []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_RSA_WITH_AES_128_CBC_SHA} {
		// Certificate checks are the client's business; this is the handshake.
		c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, CipherSuites: []uint16{suite}})
		if err != nil {
			t.Fatalf("%s: %v", tls.CipherSuiteName(suite), err)
		}
		st := c.ConnectionState()
		c.Close()
		if st.Version != tls.VersionTLS10 || st.CipherSuite != suite {
			t.Fatalf("negotiated %s %s", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
		}
		if len(st.PeerCertificates) != 2 {
			t.Fatalf("chain of %d certificates", len(st.PeerCertificates))
		}
		for _, cert := range st.PeerCertificates {
			key, ok := cert.PublicKey.(*rsa.PublicKey)
			if cert.SignatureAlgorithm != x509.SHA1WithRSA || !ok || key.N.BitLen() != 2048 {
				t.Fatalf("%s: %v, %T; want SHA1WithRSA and RSA-2048", cert.Subject.CommonName, cert.SignatureAlgorithm, cert.PublicKey)
			}
		}
		// The leaf really is signed by the CA with SHA-1 (checked by hand:
		// Go's own check refuses SHA-1 outright).
		leaf := st.PeerCertificates[0]
		digest := sha1.Sum(leaf.RawTBSCertificate)
		if err := rsa.VerifyPKCS1v15(ca.PublicKey.(*rsa.PublicKey), crypto.SHA1, digest[:], leaf.Signature); err != nil {
			t.Fatalf("leaf not signed by the CA with SHA-1: %v", err)
		}
	}
	// WinRM works over it for a client that allows it.
	tr := &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}}}
	t.Cleanup(tr.CloseIdleConnections)
	if status, _, body := send(t, tr, ep, "", true); status != 200 {
		t.Fatalf("Create over legacy TLS: %d %s", status, body)
	}
}
