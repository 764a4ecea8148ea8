package remote

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// tlsConfig builds the client side of the nodes' TLS. By default it is Go's
// own: TLS 1.2 at least, Go's cipher suites, Go's chain verification
// against ca_file (or the system roots). Windows Server 2003 and 2008
// before R2 speak only TLS 1.0, and a 2003 node without KB948963 offers
// only RSA key exchange with 3DES (or RC4, gone from Go) and often a
// certificate signed with SHA-1, which Go's verifier refuses outright; the
// inventory's tls_legacy allows exactly those, and the chain is then
// verified here (legacyVerifier) instead of not at all.
func tlsConfig(w config.WinRM) (*tls.Config, error) {
	conf := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         w.ServerName,
		InsecureSkipVerify: w.InsecureSkipVerify, //nolint:gosec // only when the inventory says so, with a warning
	}
	var roots []*x509.Certificate
	if w.CAFile != "" {
		data, err := os.ReadFile(w.CAFile)
		if err != nil {
			return nil, wrap(say("remote: reading ca_file: %s", err), err)
		}
		if roots, err = parsePEMCerts(data); err != nil {
			return nil, wrap(say("remote: ca_file %s: %s", w.CAFile, err), err)
		}
		pool := x509.NewCertPool()
		for _, c := range roots {
			pool.AddCert(c)
		}
		conf.RootCAs = pool
	}
	if !w.TLSLegacy {
		return conf, nil
	}
	conf.MinVersion = tls.VersionTLS10
	conf.CipherSuites = legacySuites()
	if !w.InsecureSkipVerify {
		// Go's verifier refuses SHA-1 signatures whatever the roots; ours
		// runs instead, after the handshake's own checks.
		v := &legacyVerifier{roots: roots, pool: conf.RootCAs, serverName: w.ServerName, caFile: w.CAFile, now: time.Now}
		conf.InsecureSkipVerify = true //nolint:gosec // VerifyConnection verifies the chain
		conf.VerifyConnection = v.verify
	}
	return conf, nil
}

// parsePEMCerts reads every certificate of a PEM file.
func parsePEMCerts(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, wrap(say("a certificate in it cannot be read: %s", err), err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New(say("it holds no PEM certificate"))
	}
	return out, nil
}

// legacySuites are Go's cipher suites plus what an old Schannel offers:
// RSA key exchange (AES and 3DES) and ECDHE with 3DES. Listed explicitly,
// Go offers them although its defaults leave them out.
func legacySuites() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		if strings.Contains(s.Name, "3DES") {
			ids = append(ids, s.ID)
		}
	}
	for _, id := range []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA,
		tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384} {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// sha1Signed reports a certificate whose signature uses SHA-1 (or MD5,
// which nothing accepts): what Go's verifier refuses.
func sha1Signed(c *x509.Certificate) bool {
	switch c.SignatureAlgorithm {
	case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1, x509.MD5WithRSA, x509.MD2WithRSA:
		return true
	}
	return false
}

// chainSignedSHA1 reports a chain in which a certificate other than a
// self-signed root is signed with SHA-1 (a root's own signature is never
// checked, so it does not matter).
func chainSignedSHA1(certs []*x509.Certificate) bool {
	for _, c := range certs {
		if sha1Signed(c) && !bytes.Equal(c.RawIssuer, c.RawSubject) {
			return true
		}
	}
	return false
}

// legacyVerifier verifies a node's chain when tls_legacy allows SHA-1
// signatures: Go's verifier first; if it refuses a chain that holds a
// SHA-1 signature, the chain is built here with Certificate.CheckSignature
// (which still accepts SHA-1) up to a certificate of ca_file, checking
// every certificate's validity dates, the intermediates' CA flags and the
// leaf's name and server-auth usage.
type legacyVerifier struct {
	roots      []*x509.Certificate // from ca_file; nil: the system roots
	pool       *x509.CertPool
	serverName string
	caFile     string
	now        func() time.Time
}

// maxChainDepth bounds the chain a node may send.
const maxChainDepth = 8

func (v *legacyVerifier) verify(cs tls.ConnectionState) error {
	certs := cs.PeerCertificates
	if len(certs) == 0 {
		return certFailure(func(at string) string {
			return say("%sthe node sent no TLS certificate: %s", at, runbook.ErrConnectionLost)
		})
	}
	name := v.serverName
	if name == "" {
		name = cs.ServerName
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{DNSName: name, Roots: v.pool, Intermediates: inter, CurrentTime: v.now()})
	if err == nil {
		return nil
	}
	if !chainSignedSHA1(certs) {
		return err // Go's own verdict; classify words it
	}
	if len(v.roots) == 0 {
		return certFailure(func(at string) string {
			return say("%sits TLS certificate is signed with SHA-1, and tls_legacy verifies SHA-1 chains only against the CA given in winrm.ca_file: set ca_file to the PEM file of the CA that issued the node's certificate: %s", at, runbook.ErrConnectionLost)
		})
	}
	return v.verifySHA1(certs, name)
}

// verifySHA1 is the chain check Go's verifier would do, with SHA-1 allowed.
func (v *legacyVerifier) verifySHA1(certs []*x509.Certificate, name string) error {
	now := v.now()
	leaf := certs[0]
	if err := leaf.VerifyHostname(name); err != nil {
		return otherName(err)
	}
	if !serverAuth(leaf) {
		return certFailure(func(at string) string {
			return say("%sits TLS certificate %q is not for server authentication (extended key usage): %s", at, leaf.Subject.CommonName, runbook.ErrConnectionLost)
		})
	}
	cur := leaf
	for depth := 0; depth < maxChainDepth; depth++ {
		if err := validAt(cur, now); err != nil {
			return err
		}
		for _, r := range v.roots {
			if bytes.Equal(cur.Raw, r.Raw) || signedBy(cur, r) {
				return validAt(r, now)
			}
		}
		next := v.parent(cur, certs[1:])
		if next == nil {
			return certFailure(func(at string) string {
				return say("%sits TLS certificate %q (signed with SHA-1) is not issued by the CA in ca_file %s: give the PEM file of the CA that issued it: %s", at, leaf.Subject.CommonName, v.caFile, runbook.ErrConnectionLost)
			})
		}
		cur = next
	}
	return certFailure(func(at string) string {
		return say("%sits TLS certificate chain is longer than %d certificates: %s", at, maxChainDepth, runbook.ErrConnectionLost)
	})
}

// parent finds the intermediate the node sent that signed c.
func (v *legacyVerifier) parent(c *x509.Certificate, sent []*x509.Certificate) *x509.Certificate {
	for _, p := range sent {
		if p != c && p.BasicConstraintsValid && p.IsCA && signedBy(c, p) {
			return p
		}
	}
	return nil
}

// signedBy checks c's signature with parent's key, SHA-1 allowed (MD5 is
// still refused by CheckSignature).
func signedBy(c, parent *x509.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, parent.RawSubject) {
		return false
	}
	if parent.KeyUsage != 0 && parent.KeyUsage&x509.KeyUsageCertSign == 0 {
		return false
	}
	return parent.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

func serverAuth(c *x509.Certificate) bool {
	if len(c.ExtKeyUsage) == 0 {
		return true
	}
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageServerAuth || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}

func validAt(c *x509.Certificate, now time.Time) error {
	switch {
	case now.Before(c.NotBefore):
		return certFailure(func(at string) string {
			return say("%sthe TLS certificate %q is not valid before %s (check the clocks): %s", at, c.Subject.CommonName, c.NotBefore.UTC().Format(time.RFC3339), runbook.ErrConnectionLost)
		})
	case now.After(c.NotAfter):
		return certFailure(func(at string) string {
			return say("%sthe TLS certificate %q expired on %s: %s", at, c.Subject.CommonName, c.NotAfter.UTC().Format(time.RFC3339), runbook.ErrConnectionLost)
		})
	}
	return nil
}

// certFailure is a certificate refusal already worded for the engineer:
// text is a say whose key begins with the place (classify puts the
// node's name there) and ends with the connection-lost cause.
func certFailure(text func(at string) string) error {
	return place(text, runbook.ErrConnectionLost)
}

// otherName is the refusal of a certificate issued for another name,
// from Go's verifier (classify) or the legacy one.
func otherName(err error) error {
	return certFailure(func(at string) string {
		return say("%sits TLS certificate is for another name; set winrm.server_name or fix the node address (%s): %s", at, errText(err), runbook.ErrConnectionLost)
	})
}

// tlsDialer makes the TLS connections itself, so a failed handshake is
// explained knowing whether tls_legacy is on (the http.Transport would
// hand back the bare alert).
type tlsDialer struct {
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	conf    *tls.Config
	timeout time.Duration
}

func (d *tlsDialer) DialTLSContext(ctx context.Context, network, addr string) (net.Conn, error) {
	raw, err := d.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	conf := d.conf.Clone()
	if conf.ServerName == "" {
		host, _, _ := net.SplitHostPort(addr)
		conf.ServerName = host
		if verify := conf.VerifyConnection; verify != nil {
			// No SNI is sent for an IP address, so the state does not
			// carry the name to check: give it.
			conf.VerifyConnection = func(cs tls.ConnectionState) error {
				if cs.ServerName == "" {
					cs.ServerName = host
				}
				return verify(cs)
			}
		}
	}
	hctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	tc := tls.Client(raw, conf)
	if err := tc.HandshakeContext(hctx); err != nil {
		_ = raw.Close()
		return nil, explainHandshake(addr, err, d.conf.MinVersion <= tls.VersionTLS10)
	}
	return tc, nil
}

// explainHandshake words a handshake that failed on the protocol version
// or the cipher suites; other failures (certificates, drops) go on to
// classify as they are.
func explainHandshake(addr string, err error, legacy bool) error {
	if errors.Is(err, runbook.ErrConnectionLost) {
		return err // a certificate refusal already worded
	}
	s := err.Error()
	versionOrSuite := strings.Contains(s, "protocol version") || strings.Contains(s, "handshake failure") ||
		strings.Contains(s, "insufficient security") || strings.Contains(s, "cipher suite")
	if !versionOrSuite {
		return err
	}
	if !legacy {
		return certFailure(func(at string) string {
			return say("%sthe TLS handshake with %s failed: the node speaks only TLS 1.0 or old cipher suites (Windows Server 2003, or 2008 before R2); set winrm.tls_legacy: true to allow TLS 1.0, RSA key exchange and 3DES (%s): %s", at, addr, errText(err), runbook.ErrConnectionLost)
		})
	}
	return certFailure(func(at string) string {
		return say("%sthe TLS handshake with %s failed even with tls_legacy: the node offers no cipher suite this client speaks (a Windows Server 2003 node without KB948963 may offer only RC4, which is not available here; install KB948963 on the node for AES) (%s): %s", at, addr, errText(err), runbook.ErrConnectionLost)
	})
}
