package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/internal/session"
	"cmsrunbook/internal/sim"
	"cmsrunbook/internal/simwinrm"
	"cmsrunbook/internal/wsman"
)

// ServeSimMaxSpeed is what --speed max means for serve-sim.
const ServeSimMaxSpeed = 10000.0

func cmdServeSim(ctx context.Context, args []string, env Env) (int, error) {
	fs := newFlags("serve-sim", env)
	scen := fs.String("scenario", config.DefaultScenario, "embedded scenario `NAME` or scenario FILE")
	listen := fs.String("listen", "127.0.0.1", "loopback `ADDRESS[:PORT]` (a port is the first node's; the next nodes take the following ports)")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a generated CA (written next to the inventory)")
	tlsLegacy := fs.Bool("tls-legacy", false, "serve HTTPS as an unpatched 2003 node: TLS 1.0, RSA key exchange, SHA-1 certificates (implies --tls)")
	allowUnenc := fs.Bool("allow-unencrypted", true, "plain HTTP: the nodes take unencrypted Basic and NTLM messages (AllowUnencrypted=true, as a lab node set up for HTTP); --allow-unencrypted=false refuses them with HTTP 401 as a default Windows node does (no effect with --tls)")
	authFlag := fs.String("auth", "basic,negotiate", "accepted `SCHEMES`: basic, negotiate (NTLM; Basic disabled, the Windows default) or basic,negotiate")
	winrmVersion := fs.String("winrm-version", "2.0", "WinRM `VERSION` the nodes run: 1.1 or 2.0")
	userName := fs.String("user", "cmsrunbook", "the account name the nodes accept")
	out := fs.String("inventory-out", "", "write the inventory pointing at the served nodes to `FILE`")
	speedFlag := fs.String("speed", session.FormatSpeed(session.DefaultSpeed), "simulated seconds per real second, or max (10000x over WinRM)")
	seed := fs.Int64("seed", 1, "simulation seed")
	verbose := fs.Bool("verbose", false, "log every request fault and node transition to stderr")
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	lang, err := langOf(fs, env)
	if err != nil {
		return ExitUsage, err
	}
	if *out == "" {
		return ExitUsage, usage(say("serve-sim: --inventory-out FILE is required"))
	}
	auth, err := wsman.ParseAuth(*authFlag)
	if err != nil {
		return ExitUsage, usage(say("serve-sim: --auth: %s", err))
	}
	if *winrmVersion != "1.1" && *winrmVersion != "2.0" {
		return ExitUsage, usage(say("serve-sim: --winrm-version %q: want 1.1 or 2.0", *winrmVersion))
	}
	pass := env.Getenv(PasswordEnv)
	if pass == "" {
		return ExitUsage, usage(say("serve-sim: set %s to the password the simulated nodes accept", PasswordEnv))
	}
	speed, err := session.ParseSpeed(*speedFlag)
	if math.IsInf(speed, 1) {
		// A WinRM client waits in real time: at "no waiting" a Setup.com
		// run would never finish for it. The fastest useful pace is one
		// where a 30-minute Setup takes a fraction of a second.
		speed = ServeSimMaxSpeed
	}
	if err != nil {
		return ExitUsage, usagef("%v", err)
	}
	sc, err := config.ResolveScenario(assets.Scenarios, *scen)
	if err != nil {
		return ExitUsage, err
	}
	var logMu sync.Mutex
	logf := func(string, ...any) {}
	if *verbose {
		logf = func(format string, a ...any) {
			logMu.Lock()
			defer logMu.Unlock()
			fmt.Fprintf(env.Stderr, format+"\n", a...)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := sim.New(sc, sim.Options{Speed: speed, Seed: *seed})
	https := *useTLS || *tlsLegacy
	// Over plain HTTP the nodes must take unencrypted messages (Basic, and
	// NTLM unsealed: no client the project uses seals it), which Windows
	// refuses by default; --allow-unencrypted=false shows that refusal.
	// Over HTTPS the setting changes nothing.
	allow := *allowUnenc || https
	sv, err := simwinrm.Serve(ctx, sc, s, wsman.Config{Listen: *listen, User: *userName, Password: pass, TLS: https,
		TLSLegacy: *tlsLegacy, Auth: auth, AllowUnencrypted: allow, WinRMVersion: *winrmVersion, Logf: logf})
	if err != nil {
		return ExitUsage, usagef("serve-sim: %v", err)
	}
	defer sv.Server.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); sv.Backend.Watch(ctx, 50*time.Millisecond) }()
	defer wg.Wait()
	defer cancel()
	if err := sv.WriteInventory(*out, sc, simwinrm.InventoryOptions{User: *userName}); err != nil {
		return ExitFailed, err
	}
	printServing(env, i18n.For(lang), sc, sv.Server, *userName, *out, allow)
	<-ctx.Done()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return ExitFailed, err
	}
	return ExitOK, nil
}

// printServing tells the engineer where the nodes are and how they differ
// from a default Windows node (one that refuses unencrypted messages over
// plain HTTP does not).
func printServing(env Env, p *i18n.Printer, sc *config.Scenario, srv *wsman.Server, user, inventory string, allowUnencrypted bool) {
	eps := srv.Endpoints()
	names := make([]string, 0, len(eps))
	https := false
	for n, ep := range eps {
		names = append(names, n)
		https = ep.HTTPS
	}
	sort.Strings(names)
	fmt.Fprintln(env.Stdout, p.Tr("Serving scenario %s (cluster %s) over WinRM %s as user %s, auth %s:", sc.Name, sc.Cluster.Name, srv.WinRMVersion(), user, srv.Auth()))
	if !https && allowUnencrypted {
		fmt.Fprintln(env.Stdout, p.Tr("Plain HTTP: the nodes allow unencrypted messages (AllowUnencrypted=true), which a real node refuses by default."))
	}
	if srv.TLSLegacy() {
		fmt.Fprintln(env.Stdout, p.Tr("Legacy TLS: TLS 1.0 only, RSA key exchange, certificates signed with SHA-1 (the inventory says tls_legacy: true)."))
	}
	for _, n := range names {
		ep := eps[n]
		scheme := "http"
		if ep.HTTPS {
			scheme = "https"
		}
		fmt.Fprintf(env.Stdout, "  %-15s %s://%s:%d/wsman\n", n, scheme, ep.Host, ep.Port)
	}
	fmt.Fprintln(env.Stdout, p.Tr("Inventory: %s (no password in it; set %s)", inventory, PasswordEnv))
	fmt.Fprintln(env.Stdout, p.Tr("Press Ctrl+C to stop."))
}
