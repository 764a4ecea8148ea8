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
	userName := fs.String("user", "cmsrunbook", "the account name the nodes accept")
	out := fs.String("inventory-out", "", "write the inventory pointing at the served nodes to `FILE`")
	speedFlag := fs.String("speed", session.FormatSpeed(session.DefaultSpeed), "simulated seconds per real second, or max (10000x over WinRM)")
	seed := fs.Int64("seed", 1, "simulation seed")
	verbose := fs.Bool("verbose", false, "log every request fault and node transition to stderr")
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if *out == "" {
		return ExitUsage, usagef("serve-sim: --inventory-out FILE is required")
	}
	pass := env.Getenv(PasswordEnv)
	if pass == "" {
		return ExitUsage, usagef("serve-sim: set %s to the password the simulated nodes accept", PasswordEnv)
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
	sv, err := simwinrm.Serve(ctx, sc, s, wsman.Config{Listen: *listen, User: *userName, Password: pass, TLS: *useTLS, Logf: logf})
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
	eps := sv.Server.Endpoints()
	names := make([]string, 0, len(eps))
	for n := range eps {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(env.Stdout, "Serving scenario %s (cluster %s) over WinRM as user %s:\n", sc.Name, sc.Cluster.Name, *userName)
	for _, n := range names {
		ep := eps[n]
		scheme := "http"
		if ep.HTTPS {
			scheme = "https"
		}
		fmt.Fprintf(env.Stdout, "  %-15s %s://%s:%d/wsman\n", n, scheme, ep.Host, ep.Port)
	}
	fmt.Fprintf(env.Stdout, "Inventory: %s (no password in it; set %s)\nPress Ctrl+C to stop.\n", *out, PasswordEnv)
	<-ctx.Done()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return ExitFailed, err
	}
	return ExitOK, nil
}
