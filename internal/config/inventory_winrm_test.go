package config_test

import (
	"strings"
	"testing"

	"cmsrunbook/internal/config"
)

// TestInventoryWinRMVersionPorts: a node without a port is looked for
// where its WinRM version listens (1.1: 80/443, 2.0: 5985/5986); an
// explicit port always wins.
func TestInventoryWinRMVersionPorts(t *testing.T) {
	cases := []struct {
		name, winrm string
		want        [2]int
		version     string
	}{
		{"default https", "winrm: {user: 'EXAMPLE\\exadmin'}", [2]int{5986, 5986}, "2.0"},
		{"2.0 http", "winrm: {transport: http, winrm_version: '2.0', user: 'EXAMPLE\\exadmin'}", [2]int{5985, 5986}, "2.0"},
		{"1.1 https", "winrm: {winrm_version: '1.1', user: 'EXAMPLE\\exadmin'}", [2]int{443, 5986}, "1.1"},
		{"1.1 http unquoted", "winrm: {transport: http, winrm_version: 1.1, user: 'EXAMPLE\\exadmin'}", [2]int{80, 5986}, "1.1"},
		{"2.0 unquoted", "winrm: {winrm_version: 2.0, user: 'EXAMPLE\\exadmin'}", [2]int{5986, 5986}, "2.0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := mod(goodInventory, "winrm: {transport: https, auth: ntlm, user: 'EXAMPLE\\exadmin', insecure_skip_verify: false, operation_timeout: 60s}", c.winrm)
			inv, err := config.ParseInventory("inv.yaml", []byte(src), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if got := [2]int{inv.Nodes[0].Port, inv.Nodes[1].Port}; got != c.want {
				t.Errorf("ports %v, want %v", got, c.want)
			}
			if inv.WinRM.Version != c.version {
				t.Errorf("version %q, want %q", inv.WinRM.Version, c.version)
			}
		})
	}
}

// TestInventoryTLSLegacy: tls_legacy is off unless the file says so, and
// when on, the engineer is warned before anything runs.
func TestInventoryTLSLegacy(t *testing.T) {
	inv, err := config.ParseInventory("inv.yaml", []byte(goodInventory), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if inv.WinRM.TLSLegacy || len(inv.Warnings) != 0 {
		t.Errorf("default: legacy %v, warnings %q", inv.WinRM.TLSLegacy, inv.Warnings)
	}
	inv, err = config.ParseInventory("inv.yaml", []byte(mod(goodInventory, "auth: ntlm,", "auth: ntlm, tls_legacy: true,")), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if !inv.WinRM.TLSLegacy || len(inv.Warnings) != 1 || !strings.Contains(inv.Warnings[0], "legacy TLS") {
		t.Errorf("tls_legacy: legacy %v, warnings %q", inv.WinRM.TLSLegacy, inv.Warnings)
	}
}

func TestInventoryWinRMNewKeysBad(t *testing.T) {
	cases := []badCase{
		{name: "winrm_version 3", yaml: mod(goodInventory, "auth: ntlm,", "auth: ntlm, winrm_version: '3.0',"), line: 5, field: "winrm.winrm_version", msg: `"3.0" is not '1.1' or '2.0'`},
		{name: "winrm_version list", yaml: mod(goodInventory, "auth: ntlm,", "auth: ntlm, winrm_version: [1.1],"), line: 5, field: "winrm.winrm_version", msg: "expected text"},
		{name: "tls_legacy not bool", yaml: mod(goodInventory, "auth: ntlm,", "auth: ntlm, tls_legacy: yes,"), line: 5, field: "winrm.tls_legacy", msg: "expected true or false"},
		{name: "tls_legacy with http", yaml: mod(mod(goodInventory, "transport: https, auth: ntlm,", "transport: http, auth: ntlm, tls_legacy: true,"), " insecure_skip_verify: false,", ""), line: 5, field: "winrm.tls_legacy", msg: "only to transport https"},
		{name: "tls_version typo", yaml: mod(goodInventory, "auth: ntlm,", "auth: ntlm, tls_legacyy: true,"), line: 5, field: "winrm.tls_legacyy", msg: "unknown key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.ParseInventory("inv.yaml", []byte(c.yaml), t.TempDir())
			checkBad(t, "inv.yaml", err, c)
		})
	}
}
