package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/goccy/go-yaml/ast"

	"cmsrunbook/runbook"
)

// Inventory describes a real cluster: where its nodes answer WinRM and how
// to authenticate, plus the planning options of the window. It never holds
// a password (DESIGN section 11).
type Inventory struct {
	// Path is the file it was loaded from.
	Path string
	// Cluster is the cluster's NetBIOS name.
	Cluster string
	Nodes   []InventoryNode
	WinRM   WinRM
	// Options.Goal is empty when the file names no goal (the CLI's --goal
	// then supplies it).
	Options runbook.Options
	// Management is nil when the file does not say; on Windows it is
	// detected instead.
	Management *runbook.ManagementHost
	// Window is the change window, nil when the file does not give one.
	Window *Window
	// Quorum is what the engineer knows of the cluster's quorum (zero when
	// the file does not say); discovery's own reading wins where it can
	// tell, this fills what it cannot (a Windows Server 2003 file share
	// witness is a property of the majority node set, not a resource whose
	// state WMI reports).
	Quorum runbook.Quorum
	// RebootTimeout is how long a rebooting node may take to come back.
	RebootTimeout time.Duration
	// Warnings are settings that work but weaken security, in plain words,
	// for the CLI and TUI to show before anything runs.
	Warnings []string
}

// InventoryNode is where one node answers WinRM.
type InventoryNode struct {
	Name    string
	Address string
	Port    int
}

// Transport is the WinRM transport.
type Transport string

const (
	TransportHTTPS Transport = "https"
	TransportHTTP  Transport = "http"
)

// Auth is the WinRM authentication scheme.
type Auth string

const (
	AuthBasic    Auth = "basic"
	AuthNTLM     Auth = "ntlm"
	AuthKerberos Auth = "kerberos"
)

// WinRM holds the connection settings shared by every node.
type WinRM struct {
	Transport Transport
	Auth      Auth
	// User is the account, like EXAMPLE\exadmin or exadmin@example.local.
	User string
	// CAFile is the PEM file of the CA that signed the nodes' certificates,
	// resolved against the inventory's directory; empty: the system roots.
	CAFile string
	// ServerName overrides the TLS name checked in the nodes' certificates.
	ServerName         string
	InsecureSkipVerify bool
	OperationTimeout   time.Duration
	// TLSLegacy allows what a Windows Server 2003 node may need and Go
	// refuses by default: TLS 1.0, RSA key exchange, 3DES and certificate
	// chains signed with SHA-1. Only by explicit opt-in, with a warning.
	TLSLegacy bool
	// Version is the nodes' WinRM version, "1.1" (Windows Server 2003's
	// WS-Management 1.1 update) or "2.0"; it sets the default ports.
	Version string
}

// TLSLegacyWarning is the warning tls_legacy gives, on screen and in the
// journal (worded with say: the screen translates it, the journal keeps
// English).
var TLSLegacyWarning = say("tls_legacy is true: the connection to the nodes uses legacy TLS where they offer nothing newer (TLS 1.0, RSA key exchange, 3DES, certificates signed with SHA-1), which a well-placed attacker may break; update the nodes' TLS and certificates and remove tls_legacy")

// Window is the approved change window.
type Window struct {
	Start, End time.Time
}

// Default ports of the WinRM service: WinRM 2.0 listens on 5985/5986,
// WinRM 1.1 (the update for Windows Server 2003 and 2008 before R2) on
// the ordinary 80/443.
const (
	DefaultHTTPSPort   = 5986
	DefaultHTTPPort    = 5985
	DefaultHTTPSPort11 = 443
	DefaultHTTPPort11  = 80
)

// WinRM versions the inventory accepts.
const (
	WinRMVersion11 = "1.1"
	WinRMVersion20 = "2.0"
)

// DefaultPort is where a node without a port answers, by WinRM version
// and transport.
func (w WinRM) DefaultPort() int {
	https := w.Transport != TransportHTTP
	switch {
	case w.Version == WinRMVersion11 && https:
		return DefaultHTTPSPort11
	case w.Version == WinRMVersion11:
		return DefaultHTTPPort11
	case https:
		return DefaultHTTPSPort
	}
	return DefaultHTTPPort
}

// Defaults for the inventory's durations.
const (
	DefaultOperationTimeout = 60 * time.Second
	DefaultRebootTimeout    = 20 * time.Minute
)

// maxClusterNodes is the Exchange 2007 SCC limit (PROCEDURES 1.4).
const maxClusterNodes = 8

var inventoryKeys = []string{
	"cluster", "nodes", "winrm", "goal", "media", "package", "package_build",
	"reboot", "move_back", "management_host", "window", "reboot_timeout", "quorum",
}

// ParseInventory reads an inventory from data. file names it in errors and
// becomes Inventory.Path; baseDir is the directory relative paths (ca_file)
// are resolved against. Every error is an *Error.
func ParseInventory(file string, data []byte, baseDir string) (*Inventory, error) {
	root, perr := parseDocument(file, data)
	if perr != nil {
		return nil, perr
	}
	r := &reader{file: file}
	r.noPasswords(root, "", 0)
	if r.failed() {
		return nil, r.err
	}
	inv := r.inventory(root, baseDir)
	if r.err != nil {
		return nil, r.err
	}
	inv.Path = file
	return inv, nil
}

// LoadInventoryFile loads an inventory from disk; relative paths in it are
// relative to its directory.
func LoadInventoryFile(file string) (*Inventory, error) {
	data, err := readRegular(osOpener{}, file, maxYAMLSize, yamlSizeHint())
	if err != nil {
		return nil, &Error{File: file, Msg: say("cannot read the inventory: %s", plainFSError(err)), Err: err}
	}
	return ParseInventory(file, data, filepath.Dir(file))
}

// maxWalkDepth bounds the password search; the schema nests three deep.
const maxWalkDepth = 64

// noPasswords refuses a password anywhere in the file, before the schema
// is read, so the message says where passwords belong instead of a bare
// "unknown key".
func (r *reader) noPasswords(n ast.Node, path string, depth int) {
	if r.failed() || isNil(n) {
		return
	}
	if depth > maxWalkDepth {
		r.fail(n, path, say("the file is nested too deeply"))
		return
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		for _, mv := range v.Values {
			r.noPasswords(mv, path, depth+1)
		}
	case *ast.MappingValueNode:
		if isNil(v.Key) {
			return
		}
		key := keyText(v.Key)
		p := key
		if path != "" {
			p = path + "." + key
		}
		if strings.Contains(strings.ToLower(key), "password") {
			r.fail(v.Key, p, say("passwords never go in a file; they come from the CMSRUNBOOK_PASSWORD environment variable or the no-echo prompt"))
			return
		}
		r.noPasswords(v.Value, p, depth+1)
	case *ast.SequenceNode:
		for i, e := range v.Values {
			r.noPasswords(e, fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
	case *ast.TagNode:
		r.noPasswords(v.Value, path, depth+1)
	case *ast.AnchorNode:
		r.noPasswords(v.Value, path, depth+1)
	}
}

func (r *reader) inventory(root ast.Node, baseDir string) *Inventory {
	top := r.mapping(root, root, "", inventoryKeys...)
	inv := &Inventory{}
	top.require("cluster", say("the cluster's NetBIOS name, like EXCLUS01"))
	inv.Cluster = top.hostName("cluster")

	top.require("nodes", say("the nodes and their WinRM addresses, like - {name: EXNODE01, address: exnode01.example.local}"))
	w := r.winrm(top, baseDir)
	if r.failed() {
		return nil
	}
	inv.WinRM = w
	seenName := map[string]int{}
	seenAddr := map[string]string{}
	for _, nf := range top.entries("nodes", "name", "address", "port") {
		var n InventoryNode
		nf.require("name", say("the node's NetBIOS name, like EXNODE01"))
		n.Name = nf.hostName("name")
		if line, dup := seenName[strings.ToUpper(n.Name)]; dup && !r.failed() {
			nf.fail("name", say("node %s is listed twice; the first is on line %s", n.Name, strconv.Itoa(line)))
		}
		seenName[strings.ToUpper(n.Name)], _ = position(nf.where("name"))
		if !r.failed() && strings.EqualFold(n.Name, inv.Cluster) {
			nf.fail("name", say("%s is the cluster's own name; list the physical nodes", n.Name))
		}
		nf.require("address", say("the host name or IP address WinRM answers on, like exnode01.example.local"))
		n.Address = nf.address("address")
		n.Port = nf.integer("port", w.DefaultPort(), 1, 65535)
		ep := strings.ToLower(n.Address) + fmt.Sprintf(":%d", n.Port)
		if other, dup := seenAddr[ep]; dup && !r.failed() {
			nf.fail("address", say("%s and %s have the same address and port", other, n.Name))
		}
		seenAddr[ep] = n.Name
		if r.failed() {
			return nil
		}
		inv.Nodes = append(inv.Nodes, n)
	}
	if n := len(inv.Nodes); !r.failed() && (n < 2 || n > maxClusterNodes) {
		top.failKey("nodes", errors.New(say("an Exchange 2007 cluster has 2 to %d nodes; this inventory lists %d", maxClusterNodes, n)))
	}

	inv.Options = top.options(top.goal("goal"))
	inv.Management = top.management("management_host")
	inv.Window = readWindow(top)
	inv.Quorum = top.quorum("quorum", "", runbook.WitnessUnknown)
	inv.RebootTimeout = top.duration("reboot_timeout", DefaultRebootTimeout, 4*time.Hour)
	if r.failed() {
		return nil
	}
	if w.Transport == TransportHTTP {
		msg := say("WinRM uses plain http: the connection is not protected by TLS, so commands, output and (with basic auth) the password can be read on the network; use https outside a lab")
		inv.Warnings = append(inv.Warnings, msg)
	}
	if w.InsecureSkipVerify {
		inv.Warnings = append(inv.Warnings, say("insecure_skip_verify is true: the nodes' certificates are not checked, so a machine posing as a node would receive your credentials; give ca_file instead"))
	}
	if w.TLSLegacy {
		inv.Warnings = append(inv.Warnings, TLSLegacyWarning)
	}
	return inv
}

func (r *reader) winrm(top *fields, baseDir string) WinRM {
	w := WinRM{Transport: TransportHTTPS, Auth: AuthNTLM, OperationTimeout: DefaultOperationTimeout, Version: WinRMVersion20}
	top.require("winrm", say("the connection settings, at least {user: 'EXAMPLE\\exadmin'}"))
	wf := top.sub("winrm", "transport", "auth", "user", "ca_file", "server_name", "insecure_skip_verify", "operation_timeout", "tls_legacy", "winrm_version")
	if wf.has("winrm_version") {
		switch v := strings.TrimSpace(wf.str("winrm_version")); v {
		case WinRMVersion11, WinRMVersion20:
			w.Version = v
		case "2":
			w.Version = WinRMVersion20
		default:
			if !r.failed() {
				wf.fail("winrm_version", say("%q is not '1.1' or '2.0'", v))
			}
		}
	}
	if wf.has("transport") {
		switch t := wf.str("transport"); Transport(strings.ToLower(t)) {
		case TransportHTTPS, TransportHTTP:
			w.Transport = Transport(strings.ToLower(t))
		default:
			if !r.failed() {
				wf.fail("transport", say("%q is not https or http", t))
			}
		}
	}
	if wf.has("auth") {
		switch a := wf.str("auth"); Auth(strings.ToLower(a)) {
		case AuthBasic, AuthNTLM, AuthKerberos:
			w.Auth = Auth(strings.ToLower(a))
		default:
			if !r.failed() {
				wf.fail("auth", say("%q is not one of basic, ntlm, kerberos", a))
			}
		}
	}
	if wf.require("user", say("the account that runs the window, like 'EXAMPLE\\exadmin'")) {
		w.User = wf.str("user")
		if !r.failed() && !validUser(w.User) {
			wf.fail("user", say("%q is not an account name like EXAMPLE\\exadmin or exadmin@example.local", w.User))
		}
	}
	w.InsecureSkipVerify = wf.boolean("insecure_skip_verify", false)
	w.TLSLegacy = wf.boolean("tls_legacy", false)
	if wf.has("ca_file") {
		ca := wf.str("ca_file")
		if !r.failed() {
			w.CAFile = resolveLocal(baseDir, ca)
			st, err := os.Stat(w.CAFile)
			switch {
			case err != nil:
				wf.r.failErr(wf.where("ca_file"), wf.child("ca_file"), err, say("cannot use %q: %s", w.CAFile, plainFSError(err)))
			case st.IsDir():
				wf.fail("ca_file", say("%q is a folder; give the CA certificate's PEM file", w.CAFile))
			}
		}
	}
	w.ServerName = wf.str("server_name")
	if w.ServerName != "" && !r.failed() && !validDNSName(w.ServerName) {
		wf.fail("server_name", say("%q is not a host name", w.ServerName))
	}
	w.OperationTimeout = wf.duration("operation_timeout", DefaultOperationTimeout, time.Hour)
	if r.failed() {
		return w
	}
	if w.Transport == TransportHTTP {
		for _, k := range []string{"ca_file", "server_name", "insecure_skip_verify", "tls_legacy"} {
			if wf.has(k) {
				wf.fail(k, say("applies only to transport https; this inventory uses http"))
			}
		}
	}
	return w
}

// resolveLocal resolves a path from the inventory against its directory.
func resolveLocal(baseDir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(baseDir, filepath.FromSlash(p))
}

// validUser accepts DOMAIN\user, user@domain and a bare user name: printable,
// no spaces at the ends, no characters Windows forbids in account names.
func validUser(s string) bool {
	if s == "" || len(s) > 256 || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) || strings.ContainsRune(`"/[]:;|=,+*?<>`, r) {
			return false
		}
	}
	return strings.Count(s, `\`) <= 1
}

// address reads a node's WinRM address: a DNS name or an IP address.
func (f *fields) address(key string) string {
	s := f.str(key)
	if f.r.failed() || !f.has(key) {
		return s
	}
	switch {
	case strings.Contains(s, "://") || strings.Contains(s, "/"):
		f.fail(key, say("%q is a URL; give only the host name or IP address (transport and port are set separately)", s))
	case net.ParseIP(strings.Trim(s, "[]")) != nil:
		return strings.Trim(s, "[]")
	case strings.Contains(s, ":"):
		f.fail(key, say("%q holds a port; give the port in port:", s))
	case !validDNSName(s):
		f.fail(key, say("%q is not a host name or IP address", s))
	}
	return s
}

// validDNSName checks RFC 1123 host-name syntax.
func validDNSName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func readWindow(top *fields) *Window {
	wf := top.sub("window", "start", "end")
	if !wf.present() || top.r.failed() {
		return nil
	}
	t := func(key string) time.Time {
		wf.require(key, say(`an RFC 3339 time with its offset, like "2026-11-28T22:00:00+01:00"`))
		s := wf.str(key)
		if wf.r.failed() {
			return time.Time{}
		}
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			wf.fail(key, say(`%q is not an RFC 3339 time with its offset, like "2026-11-28T22:00:00+01:00"`, s))
		}
		return v
	}
	w := &Window{Start: t("start"), End: t("end")}
	if !top.r.failed() && !w.End.After(w.Start) {
		wf.fail("end", say("the window ends (%s) before it starts (%s)", w.End.Format(time.RFC3339), w.Start.Format(time.RFC3339)))
	}
	return w
}
