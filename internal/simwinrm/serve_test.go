package simwinrm_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/sim"
	"cmsrunbook/internal/simwinrm"
	"cmsrunbook/internal/wsman"
)

// TestWriteInventorySaysWhatAClientNeeds: the inventory serve-sim writes
// names the auth a client must use (ntlm when Basic is off), legacy TLS and
// the WinRM version, and the config package reads it back that way.
func TestWriteInventorySaysWhatAClientNeeds(t *testing.T) {
	sc, err := config.ResolveScenario(assets.Scenarios, config.DefaultScenario)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		cfg      wsman.Config
		want     []string
		notWant  []string
		auth     config.Auth
		https    bool
		legacy   bool
		winrmVer string
	}{
		{name: "default http", cfg: wsman.Config{AllowUnencrypted: true},
			want: []string{"transport: http,", "auth: basic,"}, notWant: []string{"tls_legacy", "winrm_version", "ca_file"},
			auth: config.AuthBasic, winrmVer: "2.0"},
		{name: "negotiate only", cfg: wsman.Config{TLS: true, Auth: wsman.AuthNegotiate},
			want: []string{"transport: https,", "auth: ntlm,", "ca_file: "}, notWant: []string{"tls_legacy"},
			auth: config.AuthNTLM, https: true, winrmVer: "2.0"},
		{name: "legacy 1.1", cfg: wsman.Config{TLS: true, TLSLegacy: true, WinRMVersion: "1.1"},
			want: []string{"transport: https,", "auth: basic,", "tls_legacy: true", "winrm_version: '1.1'"},
			auth: config.AuthBasic, https: true, legacy: true, winrmVer: "1.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			cfg := c.cfg
			cfg.User, cfg.Password, cfg.Logf = "cmsrunbook", "secret", t.Logf
			sv, err := simwinrm.Serve(ctx, sc, sim.New(sc, sim.Options{Seed: 1}), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer sv.Server.Close()
			path := filepath.Join(t.TempDir(), "inv.yaml")
			if err := sv.WriteInventory(path, sc, simwinrm.InventoryOptions{User: "cmsrunbook"}); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("inventory lacks %q:\n%s", w, text)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(text, w) {
					t.Errorf("inventory has %q:\n%s", w, text)
				}
			}
			if strings.Contains(text, "secret") {
				t.Fatalf("the password is in the inventory:\n%s", text)
			}
			inv, err := config.ParseInventory(path, data, filepath.Dir(path))
			if err != nil {
				t.Fatalf("config cannot read it: %v\n%s", err, text)
			}
			w := inv.WinRM
			if w.Auth != c.auth || (w.Transport == config.TransportHTTPS) != c.https || w.TLSLegacy != c.legacy || w.Version != c.winrmVer {
				t.Fatalf("read back %+v", w)
			}
			for _, n := range inv.Nodes {
				ep := sv.Server.Endpoints()[n.Name]
				if n.Port != ep.Port {
					t.Fatalf("node %s port %d, served on %d", n.Name, n.Port, ep.Port)
				}
			}
		})
	}
}
