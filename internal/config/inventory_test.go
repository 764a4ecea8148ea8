package config_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// goodInventory is DESIGN section 8's example without ca_file (which needs
// a real file). Lines:
//
//	1 cluster  2 nodes  3-4 nodes  5 winrm  6 goal  7 media
const goodInventory = `cluster: EXCLUS01
nodes:
  - {name: EXNODE01, address: exnode01.example.local}
  - {name: EXNODE02, address: exnode02.example.local, port: 5986}
winrm: {transport: https, auth: ntlm, user: 'EXAMPLE\exadmin', insecure_skip_verify: false, operation_timeout: 60s}
goal: exchange-sp2
media: 'D:\Exchange2007SP2'
`

func TestParseInventoryBad(t *testing.T) {
	const winrm = "winrm: {transport: https, auth: ntlm, user: 'EXAMPLE\\exadmin', insecure_skip_verify: false, operation_timeout: 60s}"
	cases := []badCase{
		{name: "empty", yaml: "", line: 0, msg: "empty"},
		{name: "top-level list", yaml: "- cluster: EXCLUS01\n", line: 1, msg: "must be a mapping"},
		{name: "not YAML", yaml: "cluster: 'EXCLUS01\n", line: 1, msg: "not valid YAML"},
		{name: "password at top", yaml: goodInventory + "password: hunter2\n", line: 8, col: 1, field: "password", msg: "CMSRUNBOOK_PASSWORD"},
		{name: "password in winrm", yaml: mod(goodInventory, "user: 'EXAMPLE\\exadmin',", "user: 'EXAMPLE\\exadmin', password: hunter2,"), line: 5, field: "winrm.password", msg: "never go in a file"},
		{name: "password in a node", yaml: mod(goodInventory, "{name: EXNODE02,", "{name: EXNODE02, Password: x,"), line: 4, field: "nodes[1].Password", msg: "CMSRUNBOOK_PASSWORD"},
		{name: "password-like key", yaml: goodInventory + "winrm_password: x\n", line: 8, field: "winrm_password", msg: "prompt"},
		{name: "unknown key", yaml: goodInventory + "scenario: x\n", line: 8, field: "scenario", msg: "unknown key"},
		{name: "missing cluster", yaml: mod(goodInventory, "cluster: EXCLUS01\n", ""), line: 1, field: "cluster", msg: "is missing"},
		{name: "bad cluster name", yaml: mod(goodInventory, "cluster: EXCLUS01", "cluster: EX.CLUS01"), line: 1, field: "cluster", msg: "letters, digits and hyphens"},
		{name: "missing nodes", yaml: mod(goodInventory, "nodes:\n  - {name: EXNODE01, address: exnode01.example.local}\n  - {name: EXNODE02, address: exnode02.example.local, port: 5986}\n", ""), line: 1, field: "nodes", msg: "is missing"},
		{name: "one node", yaml: mod(goodInventory, "  - {name: EXNODE02, address: exnode02.example.local, port: 5986}\n", ""), line: 2, field: "nodes", msg: "2 to 8 nodes"},
		{name: "missing address", yaml: mod(goodInventory, "{name: EXNODE02, address: exnode02.example.local, port: 5986}", "{name: EXNODE02, port: 5986}"), line: 4, field: "nodes[1].address", msg: "is missing"},
		{name: "URL address", yaml: mod(goodInventory, "address: exnode02.example.local", "address: https://exnode02.example.local:5986/wsman"), line: 4, field: "nodes[1].address", msg: "is a URL"},
		{name: "address with port", yaml: mod(goodInventory, "address: exnode02.example.local", "address: exnode02.example.local:5986"), line: 4, field: "nodes[1].address", msg: "holds a port"},
		{name: "bad address", yaml: mod(goodInventory, "address: exnode02.example.local", "address: exnode02_example"), line: 4, field: "nodes[1].address", msg: "not a host name or IP address"},
		{name: "duplicate address", yaml: mod(goodInventory, "address: exnode02.example.local", "address: EXNODE01.example.local"), line: 4, field: "nodes[1].address", msg: "EXNODE01 and EXNODE02 have the same address"},
		{name: "duplicate node", yaml: mod(goodInventory, "name: EXNODE02", "name: EXNODE01"), line: 4, field: "nodes[1].name", msg: "listed twice; the first is on line 3"},
		{name: "node is the cluster", yaml: mod(goodInventory, "name: EXNODE02", "name: EXCLUS01"), line: 4, field: "nodes[1].name", msg: "cluster's own name"},
		{name: "port out of range", yaml: mod(goodInventory, "port: 5986", "port: 70000"), line: 4, field: "nodes[1].port", msg: "out of range"},
		{name: "port as text", yaml: mod(goodInventory, "port: 5986", "port: https"), line: 4, field: "nodes[1].port", msg: "expected a whole number"},
		{name: "missing winrm", yaml: mod(goodInventory, winrm+"\n", ""), line: 1, field: "winrm", msg: "is missing"},
		{name: "bad transport", yaml: mod(goodInventory, "transport: https", "transport: ftp"), line: 5, field: "winrm.transport", msg: `"ftp" is not https or http`},
		{name: "bad auth", yaml: mod(goodInventory, "auth: ntlm", "auth: digest"), line: 5, field: "winrm.auth", msg: "not one of basic, ntlm, kerberos"},
		{name: "missing user", yaml: mod(goodInventory, "user: 'EXAMPLE\\exadmin', ", ""), line: 5, field: "winrm.user", msg: "is missing"},
		{name: "bad user", yaml: mod(goodInventory, "user: 'EXAMPLE\\exadmin'", "user: 'EXAMPLE\\ex admin\\x'"), line: 5, field: "winrm.user", msg: "not an account name"},
		{name: "insecure not bool", yaml: mod(goodInventory, "insecure_skip_verify: false", "insecure_skip_verify: no"), line: 5, field: "winrm.insecure_skip_verify", msg: "expected true or false"},
		{name: "missing ca_file", yaml: mod(goodInventory, "auth: ntlm,", "auth: ntlm, ca_file: missing-ca.pem,"), line: 5, field: "winrm.ca_file", msg: "cannot use"},
		{name: "ca_file with http", yaml: mod(mod(goodInventory, "transport: https", "transport: http"), "auth: ntlm,", "auth: ntlm, server_name: exnode01.example.local,"), line: 5, field: "winrm.server_name", msg: "only to transport https"},
		{name: "bad operation_timeout", yaml: mod(goodInventory, "operation_timeout: 60s", "operation_timeout: 60"), line: 5, field: "winrm.operation_timeout", msg: "has no unit"},
		{name: "bad goal", yaml: mod(goodInventory, "goal: exchange-sp2", "goal: sp2"), line: 6, field: "goal", msg: "is not one of"},
		{name: "missing media for SP goal", yaml: mod(goodInventory, "media: 'D:\\Exchange2007SP2'\n", ""), line: 1, field: "media", msg: "is missing"},
		{name: "missing package for rollup", yaml: mod(goodInventory, "goal: exchange-sp2", "goal: update-rollup"), line: 1, field: "package", msg: "is missing"},
		{name: "bad package path", yaml: goodInventory + "package: 'Updates\\x.msp'\n", line: 8, field: "package", msg: "not an absolute Windows path"},
		{name: "bad package_build", yaml: mod(goodInventory, "goal: exchange-sp2", "goal: update-rollup") + "package: 'D:\\u.msp'\npackage_build: 8.2\n", line: 9, field: "package_build", msg: "not a build number"},
		{name: "window end before start", yaml: goodInventory + "window: {start: \"2026-11-28T22:00:00+01:00\", end: \"2026-11-28T21:00:00+01:00\"}\n", line: 8, field: "window.end", msg: "before it starts"},
		{name: "window bad time", yaml: goodInventory + "window: {start: \"Saturday 22:00\", end: \"2026-11-28T21:00:00+01:00\"}\n", line: 8, field: "window.start", msg: "not an RFC 3339 time"},
		{name: "window missing end", yaml: goodInventory + "window: {start: \"2026-11-28T22:00:00+01:00\"}\n", line: 8, field: "window.end", msg: "is missing"},
		{name: "bad reboot_timeout", yaml: goodInventory + "reboot_timeout: soon\n", line: 8, field: "reboot_timeout", msg: "not a duration"},
		{name: "management host tools", yaml: goodInventory + "management_host: {os: windows-server-2008, exchange_tools: sp9}\n", line: 8, field: "management_host.exchange_tools", msg: "not one of"},
		{name: "quorum bad model", yaml: goodInventory + "quorum: {model: fsw, witness: online}\n", line: 8, col: 17, field: "quorum.model", msg: `quorum model "fsw" is not one of node-majority, mns-fsw, disk`},
		{name: "quorum bad witness", yaml: goodInventory + "quorum: {model: mns-fsw, witness: up}\n", line: 8, col: 35, field: "quorum.witness", msg: `witness "up" is not one of online, failed`},
		{name: "quorum unknown key", yaml: goodInventory + "quorum: {model: mns-fsw, path: '\\\\hub\\fsw'}\n", line: 8, col: 26, field: "quorum.path", msg: "unknown key"},
		{name: "quorum without model", yaml: goodInventory + "quorum: {witness: online}\n", line: 8, field: "quorum.model", msg: "is missing"},
		{name: "quorum witness of a bare majority", yaml: goodInventory + "quorum: {model: node-majority, witness: failed}\n", line: 8, field: "quorum.witness", msg: "has no witness state"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.ParseInventory("inv.yaml", []byte(c.yaml), t.TempDir())
			checkBad(t, "inv.yaml", err, c)
		})
	}
}

func TestParseInventoryGood(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o755); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "certs", "ca.pem")
	if err := os.WriteFile(ca, []byte("-----BEGIN CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := mod(goodInventory, "auth: ntlm,", "auth: kerberos, ca_file: certs/ca.pem, server_name: exclus01.example.local,") +
		`package: 'D:\Updates\Exchange2007-KB123456-x64-EN.msp'
management_host: {os: windows-server-2008, exchange_tools: sp1}
window: {start: "2026-11-28T22:00:00+01:00", end: "2026-11-29T02:00:00+01:00"}
reboot_timeout: 30m
move_back: true
quorum: {model: mns-fsw, witness: online}
`
	file := filepath.Join(dir, "inventory.yaml")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := config.LoadInventoryFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cet := time.FixedZone("", 3600)
	want := &config.Inventory{
		Path:    file,
		Cluster: "EXCLUS01",
		Nodes: []config.InventoryNode{
			{Name: "EXNODE01", Address: "exnode01.example.local", Port: 5986},
			{Name: "EXNODE02", Address: "exnode02.example.local", Port: 5986},
		},
		WinRM: config.WinRM{
			Transport: config.TransportHTTPS, Auth: config.AuthKerberos, User: `EXAMPLE\exadmin`,
			CAFile: ca, ServerName: "exclus01.example.local", OperationTimeout: time.Minute,
			Version: config.WinRMVersion20,
		},
		Options: runbook.Options{
			Goal: runbook.GoalSP2, Media: `D:\Exchange2007SP2`, Package: `D:\Updates\Exchange2007-KB123456-x64-EN.msp`,
			Reboot: runbook.RebootIfRequired, MoveBack: true, MoveWait: runbook.DefaultMoveWait,
		},
		Management:    &runbook.ManagementHost{OS: runbook.OS{Family: runbook.Windows2008}, Tools: runbook.ToolsSP1},
		RebootTimeout: 30 * time.Minute,
		Quorum:        runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessOnline},
	}
	if got.Window == nil || !got.Window.Start.Equal(time.Date(2026, 11, 28, 22, 0, 0, 0, cet)) || !got.Window.End.Equal(time.Date(2026, 11, 29, 2, 0, 0, 0, cet)) {
		t.Errorf("Window = %+v", got.Window)
	}
	got.Window = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

// TestInventoryQuorumLeavesWitnessUnknown: an inventory that names the
// model but not the witness leaves the witness to discovery.
func TestInventoryQuorumLeavesWitnessUnknown(t *testing.T) {
	inv, err := config.ParseInventory("inv.yaml", []byte(goodInventory+"quorum: {model: mns-fsw}\n"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if want := (runbook.Quorum{Model: runbook.QuorumMNSFSW}); inv.Quorum != want {
		t.Errorf("quorum %+v, want %+v", inv.Quorum, want)
	}
	inv, err = config.ParseInventory("inv.yaml", []byte(goodInventory), t.TempDir())
	if err != nil || inv.Quorum != (runbook.Quorum{}) {
		t.Errorf("no quorum key: %+v %v", inv.Quorum, err)
	}
}

func TestInventoryDefaultsAndWarnings(t *testing.T) {
	src := `cluster: EXCLUS01
nodes:
  - {name: EXNODE01, address: 10.0.0.11}
  - {name: EXNODE02, address: "[fe80::2]"}
winrm: {transport: http, user: exadmin@example.local}
`
	inv, err := config.ParseInventory("inv.yaml", []byte(src), "")
	if err != nil {
		t.Fatal(err)
	}
	if inv.Nodes[0].Port != config.DefaultHTTPPort || inv.Nodes[1].Address != "fe80::2" {
		t.Errorf("nodes = %+v", inv.Nodes)
	}
	w := inv.WinRM
	if w.Auth != config.AuthNTLM || w.OperationTimeout != config.DefaultOperationTimeout || w.InsecureSkipVerify {
		t.Errorf("winrm = %+v", w)
	}
	if inv.RebootTimeout != config.DefaultRebootTimeout || inv.Window != nil || inv.Management != nil || inv.Options.Goal != "" {
		t.Errorf("inventory = %+v", inv)
	}
	if len(inv.Warnings) != 1 || !strings.Contains(inv.Warnings[0], "http") {
		t.Errorf("Warnings = %q, want one about http", inv.Warnings)
	}

	https := strings.Replace(src, "transport: http,", "transport: https, insecure_skip_verify: true,", 1)
	inv, err = config.ParseInventory("inv.yaml", []byte(https), "")
	if err != nil {
		t.Fatal(err)
	}
	if inv.Nodes[0].Port != config.DefaultHTTPSPort {
		t.Errorf("https default port = %d", inv.Nodes[0].Port)
	}
	if len(inv.Warnings) != 1 || !strings.Contains(inv.Warnings[0], "insecure_skip_verify") {
		t.Errorf("Warnings = %q, want one about insecure_skip_verify", inv.Warnings)
	}
}

// TestInventoryCAFileRelative checks ca_file resolves against the
// inventory's directory, whatever the working directory.
func TestInventoryCAFileRelative(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("pem"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := mod(goodInventory, "auth: ntlm,", "auth: ntlm, ca_file: ca.pem,")
	file := filepath.Join(dir, "inv.yaml")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	inv, err := config.LoadInventoryFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if inv.WinRM.CAFile != filepath.Join(dir, "ca.pem") {
		t.Errorf("CAFile = %q", inv.WinRM.CAFile)
	}
	abs := mod(goodInventory, "auth: ntlm,", "auth: ntlm, ca_file: '"+filepath.Join(dir, "ca.pem")+"',")
	inv, err = config.ParseInventory("inv.yaml", []byte(abs), t.TempDir())
	if err != nil || inv.WinRM.CAFile != filepath.Join(dir, "ca.pem") {
		t.Errorf("absolute ca_file: %v %+v", err, inv)
	}
}

func TestLoadInventoryFileMissing(t *testing.T) {
	file := filepath.Join(t.TempDir(), "inventory.yaml")
	_, err := config.LoadInventoryFile(file)
	checkBad(t, file, err, badCase{line: 0, msg: "cannot read the inventory"})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%v does not wrap fs.ErrNotExist", err)
	}
}
