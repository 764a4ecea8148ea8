package wsman

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

// certValidity is short on purpose: the certificate exists only for one
// serve-sim session or test run, and a leaked key is then soon worthless.
const certValidity = 30 * 24 * time.Hour

// isDNSLabel reports a name that may go into a DNS SAN (node names like
// EXNODE01), so a client that dials a node name through Parameters.Dial
// and verifies the certificate against it also succeeds: one DNS label,
// ^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$ written out (compiled at
// start-up, that regexp's bounded repeat cost every command a millisecond).
func isDNSLabel(n string) bool {
	if len(n) == 0 || len(n) > 63 || n[0] == '-' || n[len(n)-1] == '-' {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// generateTLS makes a throw-away CA and a server certificate signed by it for
// 127.0.0.1, ::1, localhost and the node names. It returns the server's TLS
// config and the CA certificate in PEM, which clients pass as Endpoint.CACert.
// A separate CA (rather than one self-signed leaf) mirrors how real WinRM
// HTTPS listeners are set up with an enterprise CA.
func generateTLS(nodes []string) (*tls.Config, []byte, error) {
	newKey := func() (crypto.Signer, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }
	chain, key, caPEM, err := makeChain(nodes, newKey, x509.ECDSAWithSHA256)
	if err != nil {
		return nil, nil, err
	}
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{{Certificate: chain, PrivateKey: key}},
	}
	return cfg, caPEM, nil
}

// legacyCipherSuites are the RSA key exchange suites an unpatched Windows
// Server 2003 SP2 offers (Schannel before KB948963 had no AES at all; with
// it, AES-128-CBC-SHA). No ECDHE, no GCM, no TLS 1.1/1.2.
var legacyCipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}

// generateLegacyTLS is generateTLS as a 2003-era node serves it: RSA-2048
// keys, both certificates signed with sha1WithRSAEncryption, TLS 1.0 only,
// RSA key exchange only. A client connects only if it was told to accept
// every one of those.
func generateLegacyTLS(nodes []string) (*tls.Config, []byte, error) {
	newKey := func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) }
	chain, key, caPEM, err := makeChain(nodes, newKey, x509.SHA1WithRSA)
	if err != nil {
		return nil, nil, err
	}
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS10,
		MaxVersion:   tls.VersionTLS10,
		CipherSuites: legacyCipherSuites,
		Certificates: []tls.Certificate{{Certificate: chain, PrivateKey: key}},
	}
	return cfg, caPEM, nil
}

// makeChain creates the CA and the node certificate with keys from newKey,
// both signed with sig. It returns the chain to serve (leaf, CA), the
// leaf's key and the CA in PEM.
func makeChain(nodes []string, newKey func() (crypto.Signer, error), sig x509.SignatureAlgorithm) ([][]byte, crypto.Signer, []byte, error) {
	now := time.Now()
	caKey, err := newKey()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("generate CA key: %w", err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "cmsrunbook simulated WinRM CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SignatureAlgorithm:    sig,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("parse CA certificate: %w", err)
	}
	key, err := newKey()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("generate server key: %w", err)
	}
	dns := []string{"localhost"}
	for _, n := range nodes {
		if isDNSLabel(n) {
			dns = append(dns, n)
		}
	}
	usage := x509.KeyUsageDigitalSignature
	if _, isRSA := key.(*rsa.PrivateKey); isRSA {
		usage |= x509.KeyUsageKeyEncipherment // RSA key exchange encrypts to this key
	}
	tmpl := &x509.Certificate{
		SerialNumber:       randomSerial(),
		Subject:            pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:          now.Add(-time.Hour),
		NotAfter:           now.Add(certValidity),
		KeyUsage:           usage,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:        []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:           dns,
		SignatureAlgorithm: sig,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("create server certificate: %w", err)
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return [][]byte{der, caDER}, key, caPEM, nil
}

func randomSerial() *big.Int {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		panic(fmt.Sprintf("wsman: crypto/rand: %v", err))
	}
	return n
}
