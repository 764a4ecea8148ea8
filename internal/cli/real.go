package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/remote"
	"cmsrunbook/internal/sim"
	"cmsrunbook/internal/simwinrm"
	"cmsrunbook/internal/wsman"
	"cmsrunbook/runbook"
	"cmsrunbook/tui"
)

// PasswordEnv names the variable the WinRM password may come from. It is
// never a flag: flags show in process lists and shell history.
const PasswordEnv = "CMSRUNBOOK_PASSWORD"

// readPassword takes the password from CMSRUNBOOK_PASSWORD, or asks for it
// without echo when stdin is a terminal.
func readPassword(env Env, user string) (string, error) {
	if p := env.Getenv(PasswordEnv); p != "" {
		return p, nil
	}
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usagef("no password: set %s (standard input is not a terminal to ask on)", PasswordEnv)
	}
	fmt.Fprintf(env.Stderr, "Password for %s: ", user)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	if len(b) == 0 {
		return "", usagef("no password given")
	}
	return string(b), nil
}

// connectInventory loads an inventory, gets the password and builds the
// WinRM executor; the security warnings go to stderr at once.
func connectInventory(path string, env Env) (*config.Inventory, *remote.Executor, string, error) {
	inv, err := config.LoadInventoryFile(path)
	if err != nil {
		return nil, nil, "", err
	}
	pass, err := readPassword(env, inv.WinRM.User)
	if err != nil {
		return nil, nil, "", err
	}
	ex, err := remote.New(inv, remote.Options{Password: pass})
	if err != nil {
		return nil, nil, "", usagef("%s: %v", path, err)
	}
	for _, w := range ex.Warnings() {
		fmt.Fprintf(env.Stderr, "cmsrunbook: WARNING: %s\n", w)
	}
	return inv, ex, pass, nil
}

// discover reads the live cluster over WinRM.
func discover(ctx context.Context, path string, ex *remote.Executor, inv *config.Inventory) (runbook.Cluster, error) {
	obs, err := ex.Observe(ctx)
	if err != nil {
		return runbook.Cluster{}, fmt.Errorf("%s: discovering cluster %s over WinRM: %w", path, inv.Cluster, err)
	}
	c := obs.Cluster
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%s: the discovered cluster does not fit the model: %w", path, err)
	}
	return c, nil
}

// loadInventorySource is plan/check --inventory: discovery over WinRM,
// then the same planner as for a scenario.
func loadInventorySource(ctx context.Context, path string, env Env) (*source, error) {
	inv, ex, _, err := connectInventory(path, env)
	if err != nil {
		return nil, err
	}
	c, err := discover(ctx, path, ex, inv)
	if err != nil {
		return nil, err
	}
	return &source{label: "inventory " + path, cluster: c, opts: inv.Options}, nil
}

// warningFindings journals the inventory's security warnings as findings,
// so the change record shows them.
func warningFindings(ws []string) []runbook.Finding {
	var out []runbook.Finding
	for _, w := range ws {
		out = append(out, runbook.Finding{Code: "winrm-insecure", Severity: runbook.Warn, Message: w,
			Remedy: "use transport https with ca_file and insecure_skip_verify false"})
	}
	return out
}

// executeDefault runs the engine on the window's executor: the simulator
// in training, WinRM on a real cluster.
func (w *window) executeDefault(ctx context.Context) (int, error) {
	if w.sim != nil {
		return w.execute(ctx, w.sim, savingExec{w.sim, w}, 0)
	}
	return w.execute(ctx, w.clock, w.exec, w.rebootTimeout)
}

func cmdRun(ctx context.Context, args []string, env Env) (int, error) {
	fs := newFlags("run", env)
	invPath := fs.String("inventory", "", "inventory `FILE` of the real cluster")
	goal := fs.String("goal", "", "goal `G` (overrides the inventory's)")
	pkg := fs.String("package", "", "`PATH` of the .msp or hotfix on the nodes")
	moveBack := fs.Bool("move-back", false, "move each CMS back at the end (update-rollup, os-patch)")
	jpath := fs.String("journal", "", "journal `FILE` (default: cmsrunbook-CLUSTER-TIME.jsonl here)")
	head := fs.Bool("headless", false, "print one line per event and ask on the terminal, line by line")
	yes := fs.Bool("yes", false, "refused: on a real cluster every step is confirmed by a person")
	quiet := fs.Bool("quiet", false, "with --headless: leave the nodes' output to the journal")
	ascii := fs.Bool("ascii", false, "draw the screen with ASCII only")
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if *yes {
		return ExitUsage, usagef("run: --yes is refused against a real cluster: every real step is confirmed by a person (use --headless for line prompts)")
	}
	if *invPath == "" {
		return ExitUsage, usagef("run: --inventory FILE is required")
	}
	inv, ex, pass, err := connectInventory(*invPath, env)
	if err != nil {
		return ExitUsage, err
	}
	opts := inv.Options
	if *goal != "" {
		g, err := runbook.ParseGoal(*goal)
		if err != nil {
			return ExitUsage, usagef("--goal: %v", err)
		}
		opts.Goal = g
	}
	if *pkg != "" {
		if err := runbook.ValidateWindowsPath(*pkg); err != nil {
			return ExitUsage, usagef("--package: %v", err)
		}
		opts.Package = *pkg
	}
	opts.MoveBack = opts.MoveBack || *moveBack
	if opts.Goal == "" {
		return ExitUsage, usagef("run: no goal: give --goal or goal: in %s", *invPath)
	}
	c, err := discover(ctx, *invPath, ex, inv)
	if err != nil {
		return ExitFailed, err
	}
	plan, err := runbook.MakePlan(c, opts)
	if err != nil {
		return ExitUsage, usagef("%s: %v", *invPath, err)
	}
	if len(plan.Steps) == 0 {
		for _, f := range plan.Findings {
			fmt.Fprintf(env.Stdout, "%s %s: %s\n  remedy: %s\n", strings.ToUpper(string(f.Severity)), f.Code, f.Message, f.Remedy)
		}
		return ExitFailed, fmt.Errorf("goal %s is never planned; there is nothing to run", plan.Goal)
	}
	abs, err := filepath.Abs(*invPath)
	if err != nil {
		return ExitUsage, err
	}
	if *jpath == "" {
		*jpath = defaultJournal(c.Name, time.Now())
	}
	w := &window{env: env, plan: plan, opts: opts, runID: "r" + strconv.FormatInt(time.Now().Unix(), 36),
		exec: ex, clock: remote.Clock{}, real: true, rebootTimeout: inv.RebootTimeout}
	w.lock, err = journal.Lock(filepath.Dir(*jpath), c.Name)
	if err != nil {
		return ExitFailed, err
	}
	defer w.close()
	w.jw, err = journal.Create(*jpath, journal.WithSecrets(pass))
	if err != nil {
		return ExitFailed, err
	}
	screen := !*head && tui.IsTerminal(env.Stdout)
	w.printer = headless.NewPrinter(env.Stdout, plan)
	if screen {
		w.printer = headless.NewPrinter(io.Discard, plan)
	}
	w.printer.Quiet = *quiet
	w.confirm = headless.NewPrompt(env.Stdin, env.Stdout, operator(env))
	start := runbook.Event{Event: runbook.EvRunStarted, Goal: opts.Goal, Source: abs,
		Options: realOptions(opts, w.runID, *goal, *pkg, *moveBack), Operator: operator(env), Digest: plan.Digest(), Plan: plan.Steps, Cluster: &c,
		Time: time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00")}
	if err := w.emit(start); err != nil {
		return ExitFailed, err
	}
	findings := append(warningFindings(ex.Warnings()), plan.Findings...)
	for i := range findings {
		f := findings[i]
		if err := w.emit(runbook.Event{Event: runbook.EvFinding, Finding: &f, Node: f.Node, Time: start.Time}); err != nil {
			return ExitFailed, err
		}
	}
	if screen {
		return w.screen(ctx, screenOptions{title: "LIVE cluster " + c.Name, source: abs, cluster: c, ascii: *ascii})
	}
	return w.executeDefault(ctx)
}

// realOptions is what run-started records so that resume can reconnect:
// the inventory path is the event's source; the overrides are here.
func realOptions(o runbook.Options, runID, goal, pkg string, moveBack bool) map[string]string {
	m := map[string]string{"mode": "real", "run-id": runID}
	if goal != "" {
		m["goal"] = goal
	}
	if pkg != "" {
		m["package"] = pkg
	}
	if moveBack {
		m["move-back"] = "true"
	}
	_ = o
	return m
}

// resumeReal continues a real run: it reconnects with the inventory path
// recorded in run-started and lets the engine re-attach to its jobs.
func resumeReal(ctx context.Context, rep *journal.Replay, rs *journal.RunState, jpath string, head, yes, quiet bool, env Env) (int, error) {
	if yes {
		return ExitUsage, usagef("resume: --yes is refused for a run against a real cluster")
	}
	invPath := rs.Started.Source
	inv, ex, pass, err := connectInventory(invPath, env)
	if err != nil {
		return ExitUsage, err
	}
	o := rs.Started.Options
	opts := inv.Options
	opts.Goal = rs.Started.Goal
	if p := o["package"]; p != "" {
		opts.Package = p
	}
	if o["move-back"] == "true" {
		opts.MoveBack = true
	}
	plan := &runbook.Plan{Goal: rs.Started.Goal, Steps: rs.Started.Plan}
	w := &window{env: env, plan: plan, opts: opts, runID: o["run-id"], exec: ex, clock: remote.Clock{}, real: true, rebootTimeout: inv.RebootTimeout}
	w.lock, err = journal.Lock(filepath.Dir(jpath), inv.Cluster)
	if err != nil {
		return ExitFailed, err
	}
	defer w.close()
	w.jw, err = journal.OpenAppend(jpath, journal.WithSecrets(pass))
	if err != nil {
		return ExitFailed, err
	}
	screen := !head && tui.IsTerminal(env.Stdout)
	w.printer = headless.NewPrinter(env.Stdout, plan)
	if screen {
		w.printer = headless.NewPrinter(io.Discard, plan) // the screen shows the events
	}
	w.printer.Quiet = quiet
	w.confirm = headless.NewPrompt(env.Stdin, env.Stdout, operator(env))
	w.progress = progressFrom(rs, rep.Events)
	w.history = rep.Events
	msg := fmt.Sprintf("%d of %d steps done; reconnected to %s over WinRM", len(plan.Steps)-len(rs.Remaining()), len(plan.Steps), inv.Cluster)
	if rs.OutageOpen {
		msg += "; THE OUTAGE IS STILL ON: the CMS is down"
	}
	if err := w.emit(runbook.Event{Event: runbook.EvRunResumed, Message: msg, Operator: operator(env),
		Time: time.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00")}); err != nil {
		return ExitFailed, err
	}
	if screen {
		return w.screen(ctx, screenOptions{title: "LIVE cluster " + inv.Cluster + " (resumed)", source: jpath, cluster: lastCluster(rs, runbook.Cluster{Name: inv.Cluster})})
	}
	return w.executeDefault(ctx)
}

// ServeSimMaxSpeed is what --speed max means for serve-sim.
const ServeSimMaxSpeed = 10000.0

func cmdServeSim(ctx context.Context, args []string, env Env) (int, error) {
	fs := newFlags("serve-sim", env)
	scen := fs.String("scenario", config.DefaultScenario, "embedded scenario `NAME` or scenario FILE")
	listen := fs.String("listen", "127.0.0.1", "loopback `ADDRESS[:PORT]` (a port is the first node's; the next nodes take the following ports)")
	useTLS := fs.Bool("tls", false, "serve HTTPS with a generated CA (written next to the inventory)")
	userName := fs.String("user", "cmsrunbook", "the account name the nodes accept")
	out := fs.String("inventory-out", "", "write the inventory pointing at the served nodes to `FILE`")
	speedFlag := fs.String("speed", formatSpeed(DefaultSpeed), "simulated seconds per real second, or max (10000x over WinRM)")
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
	speed, err := parseSpeed(*speedFlag)
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

var _ engine.Executor = (*remote.Executor)(nil)
