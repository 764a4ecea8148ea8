// Package simwinrm puts the simulated cluster behind WinRM: it is the
// wsman.Backend that `serve-sim` and the WinRM executor's end-to-end tests
// use. It answers what a WinRM client sends the way a node of the
// simulated world would:
//
//   - `powershell[.exe] ... -EncodedCommand` lines are decoded and run by
//     the simulator's PowerShell subset against the node (its WMI,
//     registry, files, processes and scheduled tasks) as a powershell.exe
//     started in a WinRM shell: a network logon, so the Exchange snap-in
//     cannot reach Active Directory there, and the project's job runner
//     (a scheduled task under the engineer's account) can. The project's
//     scripts run as written; nothing is recognised by name;
//   - cmd.exe lines run through the node's cmd.exe subset; cluster.exe,
//     shutdown, hostname and ver go to the simulator's console as before,
//     with the matching step kind, so scenario faults and replayed
//     transcripts apply;
//   - the simulator's faults look as a network makes them look: a node the
//     world has shut down has its port closed (wsman SetDown, driven from
//     the world's state) and comes back with an empty shell table; a
//     connection-drop cuts the call polling the job it is for; an
//     auth-failure answers HTTP 401.
package simwinrm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"cmsrunbook/internal/remote"
	"cmsrunbook/internal/sim"
	"cmsrunbook/internal/wsman"
	"cmsrunbook/runbook"
)

// Backend serves one simulated world.
type Backend struct {
	sim *sim.Sim
	// ScriptLatency is how long each of the project's scripts takes on a
	// node before it answers (starting powershell.exe, loading the
	// Exchange snap-in, querying WMI take real time on a real node; the
	// simulator answers in microseconds). Zero by default; the discovery
	// benchmark sets it so it measures parallelism, not loopback CPU.
	ScriptLatency time.Duration

	mu      sync.Mutex
	srv     *wsman.Server
	down    map[string]bool
	account sim.Account
}

// New makes the backend; Attach it to the server once Start returned.
func New(s *sim.Sim) *Backend { return &Backend{sim: s, down: map[string]bool{}} }

// Sim is the simulated world the backend serves.
func (b *Backend) Sim() *sim.Sim { return b.sim }

// SetAccount tells the nodes the credentials the server accepts: the
// account and password a scheduled task must be registered with to run
// (a wrong password is refused as Windows refuses it). Until it is set a
// task registration accepts any non-empty password.
func (b *Backend) SetAccount(user, password string) {
	b.mu.Lock()
	b.account = sim.Account{User: user, Password: password}
	b.mu.Unlock()
}

func (b *Backend) acct() sim.Account {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.account
}

// Attach gives the backend the server whose ports it opens and closes as
// the simulated nodes go down and come back.
func (b *Backend) Attach(srv *wsman.Server) {
	b.mu.Lock()
	b.srv = srv
	b.mu.Unlock()
	b.Sync()
}

// Sync makes every node's port match the world: closed while the node is
// shut down or restarting, open (with a fresh shell table) once it is back.
func (b *Backend) Sync() {
	snap := b.sim.Snapshot()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.srv == nil {
		return
	}
	for _, n := range snap.Cluster.Nodes {
		down := !snap.Fact(n.Name).Reachable
		if b.down[n.Name] != down {
			b.down[n.Name] = down
			b.srv.SetDown(n.Name, down)
		}
	}
}

// Watch keeps the ports in step with the world while simulated time runs
// on its own (a finite speed), until ctx ends. The caller runs it in a
// goroutine it waits for.
func (b *Backend) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			b.Sync()
		}
	}
}

// Exec implements wsman.Backend.
func (b *Backend) Exec(ctx context.Context, node, command string, args []string, stdin io.Reader, out func(string, []byte)) (int, error) {
	b.Sync()
	if snap := b.sim.Snapshot(); !snap.Fact(node).Reachable {
		return 1, fmt.Errorf("%s is shutting down: %w", node, wsman.ErrDropConnection)
	}
	line := strings.TrimSpace(strings.Join(append([]string{command}, args...), " "))
	if l := strings.ToLower(line); strings.HasPrefix(l, "cmd /c ") || strings.HasPrefix(l, "cmd.exe /c ") {
		line = strings.TrimSpace(line[strings.Index(l, "/c ")+3:])
	}
	x := &execution{b: b, ctx: ctx, node: node, out: out}
	script, isPS, err := remote.DecodeCommand(line)
	switch {
	case err != nil:
		x.eprint(err.Error())
		return 1, nil
	case !isPS:
		return x.cmdShell(line, stdin)
	}
	return x.powershell(script, stdin)
}

// tailWait is the most real time a job-tail poll waits for its job at a
// finite speed.
const tailWait = 2 * time.Second

// powershell runs a decoded -EncodedCommand script in a powershell.exe of
// the WinRM shell.
func (x *execution) powershell(script string, stdin io.Reader) (int, error) {
	b := x.b
	// The marker line and parameters only serve the network's faults
	// and the latency a real powershell.exe has: the script itself runs
	// as written.
	p := remote.ParseScript(script)
	if p.Name != "" && b.ScriptLatency > 0 {
		t := time.NewTimer(b.ScriptLatency)
		select {
		case <-t.C:
		case <-x.ctx.Done():
			t.Stop()
			return 1, x.ctx.Err()
		}
	}
	switch p.Name {
	case remote.ScriptDiscoverCluster:
		// Discovery reads the cluster through the world's Observe, so a
		// scenario's auth failure on discovery answers 401 here.
		if _, err := b.sim.Observe(x.ctx); err != nil {
			return x.result(runbook.ExecResult{}, err)
		}
	case remote.ScriptJobTail:
		id := p.Params["JobId"]
		if b.sim.DropsTail(x.node, id) {
			return 1, fmt.Errorf("the connection to %s dropped while job %s ran: %w", x.node, id, wsman.ErrDropConnection)
		}
		// A poll sees the job as far as the simulated clock has run it;
		// let the clock run to the job's end (at once at max speed, a
		// little real time at a finite one).
		if err := b.sim.AwaitJob(x.ctx, x.node, id, tailWait); err != nil {
			return 1, err
		}
		b.Sync()
		if snap := b.sim.Snapshot(); !snap.Fact(x.node).Reachable {
			return 1, fmt.Errorf("%s is shutting down: %w", x.node, wsman.ErrDropConnection)
		}
	case "":
		// Someone's own PowerShell (pywinrm's run_ps, masterzen's
		// Powershell()) starts with this line, which changes nothing.
		script = strings.TrimPrefix(strings.TrimSpace(script), "$ProgressPreference = 'SilentlyContinue';")
	}
	o := sim.HostOptions{Logon: sim.LogonNetwork, Account: b.acct(), Stdin: stdin}
	code, err := b.sim.RunPowerShell(x.ctx, x.node, script, o,
		func(l string) { x.out("stdout", []byte(l+"\r\n")) },
		func(l string) { x.eprint(l) })
	if err != nil {
		return x.result(runbook.ExecResult{}, err)
	}
	if x.ctx.Err() != nil {
		return code, x.ctx.Err()
	}
	return code, nil
}

// execution is one command on one node.
type execution struct {
	b    *Backend
	ctx  context.Context
	node string
	out  func(string, []byte)
}

func (x *execution) eprint(s string) { x.out("stderr", []byte(s+"\r\n")) }

// result maps the simulator's errors onto what the network shows.
func (x *execution) result(res runbook.ExecResult, err error) (int, error) {
	switch {
	case err == nil:
		return res.ExitCode, nil
	case errors.Is(err, runbook.ErrAuthFailed):
		return 1, fmt.Errorf("%v: %w", err, wsman.ErrAccessDenied)
	case errors.Is(err, runbook.ErrConnectionLost):
		return 1, fmt.Errorf("%v: %w", err, wsman.ErrDropConnection)
	}
	if x.ctx.Err() != nil {
		return 1, err
	}
	x.eprint(err.Error())
	return 1, nil
}

// cmdShell runs a line of a WinRM cmd shell. cmd.exe and the console
// programs write in the node's OEM code page (932 on a Japanese node, 850
// on a Portuguese or Italian one), which the client decodes.
func (x *execution) cmdShell(line string, _ io.Reader) (int, error) {
	oem, _ := x.b.sim.NodeCodePages(x.node)
	out := func(l runbook.OutputLine) {
		x.out(string(l.Stream), sim.EncodeOEM(oem, l.Text+"\r\n"))
	}
	if sim.ConsoleProgram(line) {
		if k := sim.KindOf(line); k != "" {
			return x.result(x.b.sim.Run(x.ctx, runbook.Command{Node: x.node, Shell: runbook.ShellCmd, Line: line, Kind: k}, out))
		}
		return x.result(x.b.sim.ConsoleIn(x.ctx, x.node, runbook.ShellCmd, line, out))
	}
	o := sim.HostOptions{Logon: sim.LogonNetwork, Account: x.b.acct()}
	return x.result(x.b.sim.RunCmd(x.ctx, x.node, line, o, out))
}
