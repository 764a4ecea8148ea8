package wsman

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4"
)

// The server side of NTLM (MS-NLMP) as a Windows WinRM listener runs it
// under "WWW-Authenticate: Negotiate": the client sends a NEGOTIATE message
// (type 1), the server answers 401 with a CHALLENGE (type 2), the client
// proves it knows the password with an AUTHENTICATE message (type 3). Only
// NTLMv2 responses are accepted: the clients this project uses
// (go-ntlmssp, Python's ntlm-auth) send nothing else, and verifying v1 would
// only add a weaker path to keep correct.

// ntlmSignature starts every NTLMSSP message.
var ntlmSignature = []byte("NTLMSSP\x00")

// Negotiate flags (MS-NLMP 2.2.2.5) this server reads or sets.
const (
	ntlmFlagUnicode        uint32 = 1 << 0
	ntlmFlagOEM            uint32 = 1 << 1
	ntlmFlagRequestTarget  uint32 = 1 << 2
	ntlmFlagSign           uint32 = 1 << 4
	ntlmFlagSeal           uint32 = 1 << 5
	ntlmFlagNTLM           uint32 = 1 << 9
	ntlmFlagAlwaysSign     uint32 = 1 << 15
	ntlmFlagTargetDomain   uint32 = 1 << 16
	ntlmFlagTargetServer   uint32 = 1 << 17
	ntlmFlagExtendedSecure uint32 = 1 << 19
	ntlmFlagTargetInfo     uint32 = 1 << 23
	ntlmFlagVersion        uint32 = 1 << 25
	ntlmFlag128            uint32 = 1 << 29
	ntlmFlagKeyExch        uint32 = 1 << 30
	ntlmFlag56             uint32 = 1 << 31
)

// ntlmGrantable are the client-requested flags a Windows server echoes back.
// NEGOTIATE_LM_KEY and DATAGRAM are never granted (LM keys are what
// NTLMv2-only clients such as go-ntlmssp refuse outright).
const ntlmGrantable = ntlmFlagUnicode | ntlmFlagSign | ntlmFlagSeal | ntlmFlagAlwaysSign |
	ntlmFlagExtendedSecure | ntlmFlagVersion | ntlmFlag128 | ntlmFlagKeyExch | ntlmFlag56

// AV pair IDs (MS-NLMP 2.2.2.1) put in the challenge's TargetInfo.
const (
	avEOL             = 0
	avNbComputerName  = 1
	avNbDomainName    = 2
	avDNSComputerName = 3
	avDNSDomainName   = 4
	avTimestamp       = 7
)

// ntlmChallenge is what the server remembers between its CHALLENGE and the
// client's AUTHENTICATE on the same connection.
type ntlmChallenge struct {
	serverChallenge [8]byte
}

// ntlmMessageType returns the type of an NTLMSSP message, or an error when
// msg is not one (e.g. a SPNEGO/Kerberos token).
func ntlmMessageType(msg []byte) (uint32, error) {
	if len(msg) < 12 || !bytes.Equal(msg[:8], ntlmSignature) {
		return 0, errors.New("not an NTLMSSP message (Kerberos and SPNEGO tokens are not simulated)")
	}
	return binary.LittleEndian.Uint32(msg[8:12]), nil
}

// buildChallenge answers a NEGOTIATE message. target is the NetBIOS name the
// account lives in: the node's own name for a local account (target type
// server), the domain's for a domain account.
func buildChallenge(negotiate []byte, target string, isDomain bool, now time.Time) ([]byte, *ntlmChallenge, error) {
	if len(negotiate) < 16 {
		return nil, nil, errors.New("NTLM NEGOTIATE message too short")
	}
	requested := binary.LittleEndian.Uint32(negotiate[12:16])
	flags := requested&ntlmGrantable | ntlmFlagRequestTarget | ntlmFlagNTLM | ntlmFlagTargetInfo
	if requested&ntlmFlagUnicode == 0 {
		flags |= ntlmFlagOEM
	}
	if isDomain {
		flags |= ntlmFlagTargetDomain
	} else {
		flags |= ntlmFlagTargetServer
	}
	ch := &ntlmChallenge{}
	if _, err := rand.Read(ch.serverChallenge[:]); err != nil {
		return nil, nil, fmt.Errorf("server challenge: %w", err)
	}
	target = strings.ToUpper(target)
	targetName := utf16le(target)
	var info bytes.Buffer
	putAV := func(id uint16, v []byte) {
		_ = binary.Write(&info, binary.LittleEndian, [2]uint16{id, uint16(len(v))})
		info.Write(v)
	}
	putAV(avNbDomainName, targetName)
	putAV(avNbComputerName, targetName)
	putAV(avDNSDomainName, utf16le(strings.ToLower(target)))
	putAV(avDNSComputerName, utf16le(strings.ToLower(target)))
	// Server 2008 and later send a timestamp; clients then send a MIC.
	var ts [8]byte
	binary.LittleEndian.PutUint64(ts[:], uint64(now.UnixNano()/100)+116444736000000000)
	putAV(avTimestamp, ts[:])
	putAV(avEOL, nil)

	const header = 56
	msg := make([]byte, header, header+len(targetName)+info.Len())
	copy(msg, ntlmSignature)
	binary.LittleEndian.PutUint32(msg[8:], 2)
	putField(msg[12:], len(targetName), header)
	binary.LittleEndian.PutUint32(msg[20:], flags)
	copy(msg[24:32], ch.serverChallenge[:])
	putField(msg[40:], info.Len(), header+len(targetName))
	// Version: 6.0 build 6002 (Server 2008 SP2), NTLM revision 15.
	copy(msg[48:], []byte{6, 0, 0x6a, 0x17, 0, 0, 0, 15})
	msg = append(msg, targetName...)
	msg = append(msg, info.Bytes()...)
	return msg, ch, nil
}

// putField writes an NTLM security buffer (length, max length, offset).
func putField(b []byte, length, offset int) {
	binary.LittleEndian.PutUint16(b[0:], uint16(length))
	binary.LittleEndian.PutUint16(b[2:], uint16(length))
	binary.LittleEndian.PutUint32(b[4:], uint32(offset))
}

// ntlmAuthenticate is the part of an AUTHENTICATE message the server checks.
type ntlmAuthenticate struct {
	user, domain string
	ntResponse   []byte
}

// parseAuthenticate decodes an AUTHENTICATE (type 3) message.
func parseAuthenticate(msg []byte) (*ntlmAuthenticate, error) {
	if t, err := ntlmMessageType(msg); err != nil || t != 3 {
		return nil, errors.New("not an NTLM AUTHENTICATE message")
	}
	if len(msg) < 64 {
		return nil, errors.New("NTLM AUTHENTICATE message too short")
	}
	field := func(at int) ([]byte, error) {
		l := int(binary.LittleEndian.Uint16(msg[at:]))
		off := int(binary.LittleEndian.Uint32(msg[at+4:]))
		if off < 0 || l < 0 || off+l > len(msg) {
			return nil, fmt.Errorf("NTLM AUTHENTICATE field at %d out of range", at)
		}
		return msg[off : off+l], nil
	}
	flags := binary.LittleEndian.Uint32(msg[60:])
	str := func(b []byte) string {
		if flags&ntlmFlagUnicode != 0 {
			return fromUTF16le(b)
		}
		return string(b)
	}
	nt, err := field(20)
	if err != nil {
		return nil, err
	}
	domain, err := field(28)
	if err != nil {
		return nil, err
	}
	user, err := field(36)
	if err != nil {
		return nil, err
	}
	return &ntlmAuthenticate{user: str(user), domain: str(domain), ntResponse: nt}, nil
}

// verify checks an NTLMv2 response against password (MS-NLMP 3.3.2):
// NTProofStr = HMAC-MD5(NTOWFv2, ServerChallenge || blob), where
// NTOWFv2 = HMAC-MD5(MD4(UTF-16LE(password)), UTF-16LE(upper(user) || domain)).
// The domain is taken as the client sent it, as Windows does.
func (a *ntlmAuthenticate) verify(ch *ntlmChallenge, password string) error {
	if len(a.ntResponse) == 24 {
		return errors.New("NTLMv1 response refused (only NTLMv2 is simulated)")
	}
	if len(a.ntResponse) < 16+28 {
		return errors.New("NTLM response too short (anonymous or malformed)")
	}
	proof, blob := a.ntResponse[:16], a.ntResponse[16:]
	if blob[0] != 1 || blob[1] != 1 {
		return errors.New("NTLMv2 response has an unknown blob version")
	}
	key := ntowfv2(password, a.user, a.domain)
	if hmac.Equal(proof, hmacMD5(key, ch.serverChallenge[:], blob)) {
		return nil
	}
	return errors.New("NTLMv2 response does not match the password")
}

func ntowfv2(password, user, domain string) []byte {
	h := md4.New()
	h.Write(utf16le(password))
	return hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(user)+domain))
}

func hmacMD5(key []byte, data ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}

func fromUTF16le(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}
