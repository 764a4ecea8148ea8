package remote_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/remote"
	"cmsrunbook/internal/sim"
	"cmsrunbook/internal/simwinrm"
	"cmsrunbook/internal/wsman"
)

const (
	testUser = `EXAMPLE\exadmin`
	testPass = "S3cret-Pa55!"
)

// world is a scenario served over WinRM on loopback with an executor
// pointed at it through the inventory serve-sim would write.
type world struct {
	sc   *config.Scenario
	sim  *sim.Sim
	sv   *simwinrm.Served
	inv  *config.Inventory
	exec *remote.Executor
	path string
}

type worldOpts struct {
	tls      bool
	password string // the executor's; testPass when empty
	opMax    time.Duration
	remote   remote.Options
	// trace sees every shell request the emulator accepts (wsman.Config.Trace).
	trace func(node, action, line string)
	// idle is the emulator's shell IdleTimeout; 0 is its default.
	idle time.Duration
}

func serve(t testing.TB, scenario string, o worldOpts) *world {
	t.Helper()
	sc, err := config.ResolveScenario(assets.Scenarios, scenario)
	if err != nil {
		t.Fatal(err)
	}
	s := sim.New(sc, sim.Options{Seed: 1})
	ctx, cancel := context.WithCancel(context.Background())
	sv, err := simwinrm.Serve(ctx, sc, s, wsman.Config{User: testUser, Password: testPass, TLS: o.tls, AllowUnencrypted: !o.tls, OperationTimeoutMax: o.opMax, Trace: o.trace, IdleTimeout: o.idle})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = sv.Server.Close() })
	path := filepath.Join(t.TempDir(), "inventory.yaml")
	if err := sv.WriteInventory(path, sc, simwinrm.InventoryOptions{User: testUser, OperationTimeout: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	inv, err := config.LoadInventoryFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ro := o.remote
	ro.Password = testPass
	if o.password != "" {
		ro.Password = o.password
	}
	if ro.PollInterval == 0 {
		ro.PollInterval = 20 * time.Millisecond
	}
	if ro.NodeTimeout == 0 {
		ro.NodeTimeout = 5 * time.Second
	}
	ex, err := remote.New(inv, ro)
	if err != nil {
		t.Fatal(err)
	}
	return &world{sc: sc, sim: s, sv: sv, inv: inv, exec: ex, path: path}
}
