package simwinrm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/sim"
	"cmsrunbook/internal/wsman"
)

// Served is a simulated world behind WinRM: one wsman listener per node.
type Served struct {
	Sim     *sim.Sim
	Backend *Backend
	Server  *wsman.Server
}

// Serve starts the listeners for the scenario's nodes with the given
// credentials (listen, TLS and logging from cfg; Nodes and Backend are set
// here) and attaches the backend. Close the server when done.
func Serve(ctx context.Context, sc *config.Scenario, s *sim.Sim, cfg wsman.Config) (*Served, error) {
	b := New(s)
	// The nodes' scheduled tasks log on with the same account the
	// listener accepts: a task given another password is refused.
	b.SetAccount(cfg.User, cfg.Password)
	cfg.Backend = b
	cfg.Nodes = nil
	for _, n := range sc.Cluster.Nodes {
		cfg.Nodes = append(cfg.Nodes, n.Name)
	}
	srv, err := wsman.Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	b.Attach(srv)
	return &Served{Sim: s, Backend: b, Server: srv}, nil
}

// InventoryOptions are what the written inventory says beyond endpoints.
type InventoryOptions struct {
	User             string
	OperationTimeout time.Duration
	RebootTimeout    time.Duration
}

// writeWinRM writes the inventory's winrm map: what a client needs to reach
// these listeners. A Negotiate-only listener needs `auth: ntlm`; one that
// still takes Basic is written `auth: basic`, the simplest that works.
// With TLS the CA certificate is written next to the inventory.
func (sv *Served) writeWinRM(b *strings.Builder, path string, https bool, user string, op time.Duration) error {
	auth := "basic"
	if sv.Server.Auth()&wsman.AuthBasic == 0 {
		auth = "ntlm"
	}
	transport := "http"
	var extra string
	if https {
		transport = "https"
		ca := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path)) + "-ca.pem"
		if err := os.WriteFile(filepath.Join(filepath.Dir(path), ca), sv.Server.CACertPEM(), 0o644); err != nil {
			return fmt.Errorf("writing the CA certificate: %w", err)
		}
		extra += ", ca_file: " + yq(ca)
		if sv.Server.TLSLegacy() {
			extra += ", tls_legacy: true"
		}
	}
	if v := sv.Server.WinRMVersion(); v != "2.0" {
		extra += ", winrm_version: " + yq(v)
	}
	fmt.Fprintf(b, "winrm: {transport: %s, auth: %s, user: %s%s, operation_timeout: %ds}\n", transport, auth, yq(user), extra, int(op/time.Second))
	return nil
}

// yq quotes a YAML scalar with single quotes (nothing inside is special
// but the quote itself, which is doubled).
func yq(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// WriteInventory writes an inventory that points at the served nodes and
// carries the scenario's planning options, so `plan --inventory` plans what
// `plan --scenario` plans. It never holds a password. With TLS the CA
// certificate is written next to it (NAME-ca.pem) and named in ca_file.
func (sv *Served) WriteInventory(path string, sc *config.Scenario, o InventoryOptions) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by cmsrunbook serve-sim: the simulated cluster of scenario %s\n# on loopback. The password is not here: set CMSRUNBOOK_PASSWORD.\n", sc.Name)
	fmt.Fprintf(&b, "cluster: %s\nnodes:\n", sc.Cluster.Name)
	eps := sv.Server.Endpoints()
	https := false
	for _, n := range sc.Cluster.Nodes {
		ep := eps[n.Name]
		https = ep.HTTPS
		fmt.Fprintf(&b, "  - {name: %s, address: %s, port: %d}\n", n.Name, ep.Host, ep.Port)
	}
	op := o.OperationTimeout
	if op <= 0 {
		op = 20 * time.Second
	}
	if err := sv.writeWinRM(&b, path, https, o.User, op); err != nil {
		return err
	}
	opts := sc.Options
	if opts.Goal != "" {
		fmt.Fprintf(&b, "goal: %s\n", opts.Goal)
	}
	if opts.Media != "" {
		fmt.Fprintf(&b, "media: %s\n", yq(opts.Media))
	}
	if opts.Package != "" {
		fmt.Fprintf(&b, "package: %s\n", yq(opts.Package))
	}
	if !opts.PackageBuild.IsZero() {
		fmt.Fprintf(&b, "package_build: %s\n", opts.PackageBuild)
	}
	if opts.Reboot != "" {
		fmt.Fprintf(&b, "reboot: %s\n", opts.Reboot)
	}
	if opts.MoveBack {
		b.WriteString("move_back: true\n")
	}
	if q := sc.Cluster.Quorum; q.Model != "" {
		// What the engineer knows and WMI may not tell (a 2003 file
		// share witness has no state of its own there).
		if q.Witness != "" {
			fmt.Fprintf(&b, "quorum: {model: %s, witness: %s}\n", q.Model, q.Witness)
		} else {
			fmt.Fprintf(&b, "quorum: {model: %s}\n", q.Model)
		}
	}
	if m := sc.Cluster.Management; m != nil {
		fmt.Fprintf(&b, "management_host: {os: %s, exchange_tools: %s}\n", m.OS.Family, m.Tools)
	}
	if o.RebootTimeout > 0 {
		fmt.Fprintf(&b, "reboot_timeout: %ds\n", int(o.RebootTimeout/time.Second))
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("writing the inventory: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing the inventory: %w", err)
	}
	return nil
}
