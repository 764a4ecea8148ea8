package session

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/term"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/internal/remote"
	"cmsrunbook/runbook"
)

// PasswordEnv names the variable the WinRM password may come from. It is
// never a flag: flags show in process lists and shell history.
const PasswordEnv = "CMSRUNBOOK_PASSWORD"

var _ engine.Executor = (*remote.Executor)(nil)

// readPassword takes the password from CMSRUNBOOK_PASSWORD, or asks for it
// without echo when stdin is a terminal.
func readPassword(env Env, user string, lang i18n.Lang) (string, error) {
	if p := env.Getenv(PasswordEnv); p != "" {
		return p, nil
	}
	f, ok := env.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", usage(say("no password: set %s (standard input is not a terminal to ask on)", PasswordEnv))
	}
	fmt.Fprint(env.Stderr, i18n.For(lang).Tr("Password for %s: ", user))
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return "", wrap(say("reading the password: %s", err), err)
	}
	if len(b) == 0 {
		return "", usage(say("no password given"))
	}
	return string(b), nil
}

// connection is a real cluster reached over WinRM.
type connection struct {
	path     string
	inv      *config.Inventory
	ex       *remote.Executor
	password string
}

// connect loads an inventory, gets the password and builds the WinRM
// executor; the security warnings go to stderr at once.
func connect(path string, env Env, lang i18n.Lang) (*connection, error) {
	inv, err := config.LoadInventoryFile(path)
	if err != nil {
		return nil, badInput(err)
	}
	pass, err := readPassword(env, inv.WinRM.User, lang)
	if err != nil {
		return nil, err
	}
	ex, err := remote.New(inv, remote.Options{Password: pass})
	if err != nil {
		return nil, inputf("%s: %v", path, err)
	}
	for _, w := range ex.Warnings() {
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\n", i18n.For(lang).Tr("WARNING: %s", i18n.For(lang).Text(w)))
	}
	return &connection{path: path, inv: inv, ex: ex, password: pass}, nil
}

// discover reads the live cluster over WinRM.
func (c *connection) discover(ctx context.Context) (runbook.Cluster, error) {
	obs, err := c.ex.Observe(ctx)
	if err != nil {
		return runbook.Cluster{}, wrap(say("%s: discovering cluster %s over WinRM: %s", c.path, c.inv.Cluster, err), err)
	}
	cl := obs.Cluster
	if err := cl.Validate(); err != nil {
		return cl, wrap(say("%s: the discovered cluster does not fit the model: %s", c.path, err), err)
	}
	return cl, nil
}

// Discover is plan/check --inventory: read-only discovery of a real
// cluster over WinRM, and the inventory's options for the planner.
func Discover(ctx context.Context, env Env, path string) (runbook.Cluster, runbook.Options, error) {
	d, err := DiscoverCluster(ctx, env, path, i18n.English)
	if err != nil {
		return runbook.Cluster{}, runbook.Options{}, err
	}
	return d.Cluster, d.Options, nil
}

// warningFindings journals the inventory's security warnings as findings,
// so the change record shows them.
func warningFindings(ws []string) []runbook.Finding {
	var out []runbook.Finding
	for _, w := range ws {
		out = append(out, runbook.Finding{Code: "winrm-insecure", Severity: runbook.Warn, Message: w,
			Remedy: say("use transport https with ca_file and insecure_skip_verify false")})
	}
	return out
}
