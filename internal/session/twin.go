package session

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/internal/journal"
	"cmsrunbook/runbook"
)

// Discovery is one read-only discovery of a real cluster: what it found,
// the inventory's options, and what a twin written from it must not
// hold (the password, the account, the addresses).
type Discovery struct {
	Cluster runbook.Cluster
	Options runbook.Options
	// When is when discovery ran, for the twin's title and the change
	// record of a rehearsal on it.
	When    time.Time
	path    string
	secrets config.TwinSecrets
}

// DiscoverCluster is Discover keeping what SaveTwin needs.
//
// adjust, when given, changes the inventory's options before discovery
// (the command line's --goal and --package), so the files discovery looks
// for on the nodes are the ones the window will run.
func DiscoverCluster(ctx context.Context, env Env, path string, lang i18n.Lang, adjust ...func(*runbook.Options)) (*Discovery, error) {
	c, err := connect(path, env, lang)
	if err != nil {
		return nil, err
	}
	for _, a := range adjust {
		a(&c.inv.Options)
	}
	c.ex.NeedFiles(c.inv.Options)
	cl, err := c.discover(ctx)
	if err != nil {
		return nil, err
	}
	d := &Discovery{Cluster: cl, Options: c.inv.Options, When: time.Now(), path: path,
		secrets: config.TwinSecrets{Password: c.password, User: c.inv.WinRM.User}}
	for _, n := range c.inv.Nodes {
		// An address that is the node's own NetBIOS name says nothing
		// the twin does not already say; any other (a DNS name, an IP)
		// stays out.
		if !strings.EqualFold(n.Address, n.Name) && cl.Node(n.Address) == nil {
			d.secrets.Addresses = append(d.secrets.Addresses, n.Address)
		}
	}
	return d, nil
}

// SaveTwin writes the discovered cluster as a scenario file (a dress
// rehearsal's twin) with opts, the options the window is planned with.
// It refuses to overwrite the inventory it came from and to write a twin
// that would hold the password, the account or an address (say, a media
// path or group name that contains the password): the file is meant to
// be handed to trainees. The file is written whole or not at all.
func (d *Discovery) SaveTwin(file string, opts runbook.Options) error {
	if same(file, d.path) {
		return usage(say("--save-scenario %s is the inventory itself; name another file", file))
	}
	data, err := config.MarshalTwin(config.Twin{Cluster: d.Cluster, Options: opts, Discovered: d.When})
	if err != nil {
		return fmt.Errorf("--save-scenario %s: %w", file, err)
	}
	if line, what := config.FindSecret(data, d.secrets); line > 0 {
		return usage(say("--save-scenario %s: not written: its line %s would hold %s (a name or path of the cluster contains it); a twin must hold no secret", file, strconv.Itoa(line), what))
	}
	return writeWhole(file, data)
}

// same reports whether a and b name the same existing file.
func same(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// writeWhole replaces file with data through a temporary file in the
// same folder, so a crash never leaves half a scenario.
func writeWhole(file string, data []byte) error {
	dir := filepath.Dir(file)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return usage(say("--save-scenario %s: the folder %s does not exist", file, dir))
		}
		return fmt.Errorf("--save-scenario %s: %w", file, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(file)+".tmp-*")
	if err != nil {
		return fmt.Errorf("--save-scenario %s: %w", file, err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return wrap(say("--save-scenario %s: writing the twin: %s", file, err), err)
	}
	return nil
}

// LocalScenarioDirs are where the training chooser and `scenarios` look
// for scenario files beside the embedded ones: the current folder and the
// user's scenario folder (scenarios/ in the state folder).
func LocalScenarioDirs(env Env) []string {
	dirs := []string{"."}
	getenv := env.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if ldir, err := journal.LockDir(getenv); err == nil {
		dirs = append(dirs, config.UserScenarioDir(ldir))
	}
	return dirs
}

// addFaults adds the --fault specs to the scenario and checks that each
// lands on a step of the plan: a fault no step meets would let the
// trainer believe the window was rehearsed with it.
func addFaults(sc *config.Scenario, specs []string, plan *runbook.Plan) ([]config.Fault, error) {
	added, err := config.AddFaults(sc, specs)
	if err != nil {
		return nil, badInput(err)
	}
	for _, f := range added {
		var where []string
		hit := false
		for _, st := range plan.Steps {
			if st.Kind != f.Step {
				continue
			}
			where = append(where, st.Node)
			if f.Node == "" || strings.EqualFold(st.Node, f.Node) {
				hit = true
			}
		}
		if hit {
			continue
		}
		spec := config.FormatFaultSpec(f)
		if len(where) == 0 {
			return nil, usage(say("--fault %s: the plan of %s has no %s step, so the fault would never happen", spec, sc.Name, f.Step) + "\n" + config.FaultSpecHelp(&sc.Cluster))
		}
		return nil, usage(say("--fault %s: the plan of %s runs %s only on %s", spec, sc.Name, f.Step, strings.Join(where, ", ")) + "\n" + config.FaultSpecHelp(&sc.Cluster))
	}
	return added, nil
}

// faultOptions records the added faults (and the twin's origin) in
// run-started, for the change record and for resume.
func faultOptions(m map[string]string, sc *config.Scenario, added []config.Fault) {
	if len(added) > 0 {
		specs := make([]string, len(added))
		for i, f := range added {
			specs[i] = config.FormatFaultSpec(f)
		}
		m["faults"] = strings.Join(specs, ",")
	}
	if sc.Twin != nil {
		m["twin-of"] = sc.Twin.Cluster
		m["twin-discovered"] = sc.Twin.Discovered.UTC().Format(time.RFC3339)
	}
}

// recordedFaults are the --fault specs a run recorded, for resume.
func recordedFaults(o map[string]string) []string {
	if o["faults"] == "" {
		return nil
	}
	return strings.Split(o["faults"], ",")
}
