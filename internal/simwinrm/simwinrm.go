// Package simwinrm puts the simulated cluster behind WinRM: it is the
// wsman.Backend that `serve-sim` and the WinRM executor's end-to-end tests
// use. It answers what a WinRM client sends the way a node of the
// simulated world would:
//
//   - cmd.exe lines (`cluster.exe node X /pause`, `hostname`, ...) go to the
//     simulator's interpreter: lines the runbook sends (recognised by their
//     command) with the matching step kind, so scenario faults and replayed
//     transcripts apply; anything else as typed at the console;
//   - `powershell[.exe] ... -EncodedCommand` lines are decoded; the
//     project's own scripts (the "# cmsrunbook-script: NAME" marker and
//     their `$Param = '...'` lines) are answered from the simulated world in
//     exactly the tab-separated records the real scripts print, so the
//     WinRM executor cannot tell the difference; other PowerShell goes to
//     the console;
//   - the simulator's faults look as a network makes them look: a node the
//     world has shut down has its port closed (wsman SetDown, driven from
//     the world's state) and comes back with an empty shell table; a
//     connection-drop cuts the Receive mid-reply; an auth-failure answers
//     HTTP 401.
package simwinrm

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
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

	mu   sync.Mutex
	srv  *wsman.Server
	down map[string]bool
}

// New makes the backend; Attach it to the server once Start returned.
func New(s *sim.Sim) *Backend { return &Backend{sim: s, down: map[string]bool{}} }

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
func (b *Backend) Exec(ctx context.Context, node, command string, args []string, _ io.Reader, out func(string, []byte)) (int, error) {
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
		return x.result(x.cmdLine(line))
	}
	ps := remote.ParseScript(script)
	if ps.Name != "" && b.ScriptLatency > 0 {
		t := time.NewTimer(b.ScriptLatency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return 1, ctx.Err()
		}
	}
	switch ps.Name {
	case "":
		// Someone's own PowerShell (pywinrm's run_ps, masterzen's
		// Powershell()): as typed at the node's console.
		s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(script), "$ProgressPreference = 'SilentlyContinue';"))
		return x.result(b.sim.ConsoleIn(ctx, node, runbook.ShellPowerShell, s, x.lineOut))
	case remote.ScriptDiscoverNode:
		return x.discoverNode()
	case remote.ScriptDiscoverCluster:
		return x.discoverCluster()
	case remote.ScriptDiscoverExchange:
		return x.discoverExchange(strings.Split(ps.Params["Cms"], ","))
	case remote.ScriptCmdlet:
		kind := runbook.StepKind(ps.Params["Step"])
		return x.result(b.sim.Run(ctx, runbook.Command{Node: node, Shell: runbook.ShellPowerShell, Line: ps.Line, Kind: kind}, x.lineOut))
	case remote.ScriptJobStart:
		return x.jobStart(ps.Params)
	case remote.ScriptJobTail:
		return x.jobTail(ps.Params)
	}
	x.eprint("The term '" + ps.Name + "' is not a script this node knows.")
	return 1, nil
}

// execution is one command on one node.
type execution struct {
	b    *Backend
	ctx  context.Context
	node string
	out  func(string, []byte)
}

func (x *execution) print(fields ...string) {
	x.out("stdout", []byte(strings.Join(fields, "\t")+"\r\n"))
}

func (x *execution) eprint(s string) { x.out("stderr", []byte(s+"\r\n")) }

func (x *execution) lineOut(l runbook.OutputLine) {
	x.out(string(l.Stream), []byte(l.Text+"\r\n"))
}

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

// kindOf recognises the cmd.exe lines the runbook renders (runbook/render.go),
// so the simulator applies the scenario's faults for that step kind.
func kindOf(line string) runbook.StepKind {
	l := strings.ToLower(line)
	switch {
	case strings.HasPrefix(l, "cluster.exe node ") && strings.HasSuffix(l, " /pause"):
		return runbook.KindPauseNode
	case strings.HasPrefix(l, "cluster.exe node ") && strings.HasSuffix(l, " /resume"):
		return runbook.KindResumeNode
	case strings.HasPrefix(l, "cluster.exe group ") && strings.Contains(l, " /move:"):
		return runbook.KindMoveGroups
	case strings.HasPrefix(l, "shutdown /r "):
		return runbook.KindRebootNode
	case strings.Contains(l, `setup.com" /mode:upgrade`) || strings.Contains(l, `setup.com /mode:upgrade`):
		return runbook.KindSetupUpgrade
	case strings.Contains(l, `setup.com" /upgradecms`) || strings.Contains(l, `setup.com /upgradecms`):
		return runbook.KindUpgradeCMS
	case strings.HasPrefix(l, "msiexec.exe /update "):
		return runbook.KindInstallRollup
	case strings.HasPrefix(l, "wusa.exe "):
		return runbook.KindInstallPatch
	}
	return ""
}

func (x *execution) cmdLine(line string) (runbook.ExecResult, error) {
	if k := kindOf(line); k != "" {
		return x.b.sim.Run(x.ctx, runbook.Command{Node: x.node, Shell: runbook.ShellCmd, Line: line, Kind: k}, x.lineOut)
	}
	return x.b.sim.ConsoleIn(x.ctx, x.node, runbook.ShellCmd, line, x.lineOut)
}

// osVersion is Win32_OperatingSystem.Version for a family.
func osVersion(f runbook.OSFamily) string {
	switch f {
	case runbook.Windows2008:
		return "6.0.6002"
	case runbook.WindowsXP:
		return "5.1.2600"
	case runbook.WindowsVista:
		return "6.0.6002"
	}
	return "5.2.3790"
}

// dmtf formats a boot ID (RFC 3339) as WMI's LastBootUpTime does.
func dmtf(boot string) string {
	t, err := time.Parse(time.RFC3339, boot)
	if err != nil {
		return boot
	}
	return t.UTC().Format("20060102150405") + ".000000+000"
}

// discoverNode prints what assets/scripts/discover-node.ps1 prints: the
// node's own facts, with the Exchange file version and role keys from the
// simulated registry (a Setup that stopped part way shows there exactly
// as on a real node: a new file version, the old configured version, a
// Watermark and an Action).
func (x *execution) discoverNode() (int, error) {
	obs := x.b.sim.Snapshot()
	c := &obs.Cluster
	n := c.Node(x.node)
	reg, ok := x.b.sim.Registry(x.node)
	if n == nil || !ok {
		x.eprint("not a node of the simulated cluster")
		return 1, nil
	}
	f := obs.Fact(n.Name)
	os := c.NodeOS(n)
	x.print("host", n.Name)
	x.print("os", osVersion(os.Family), strconv.Itoa(os.SP), dmtf(f.BootID))
	x.print("cp", "437")
	x.print("clussvc", boolNum(f.ClusterService))
	files := ""
	if !reg.FileVersion.IsZero() {
		files = reg.FileVersion.String()
	}
	x.print("exchange", files)
	for _, k := range reg.Roles {
		x.print("role", k.Name, k.ConfiguredVersion.String(), k.Watermark, k.Action)
	}
	if n.Pending {
		x.print("pending", "1", "PendingFileRenameOperations")
	} else {
		x.print("pending", "0", "")
	}
	return 0, nil
}

// discoverCluster prints what assets/scripts/discover-cluster.ps1 prints:
// nothing on a node whose Cluster service is not running, else the
// cluster's nodes, groups and quorum resource. It reads the world through
// Observe, as the in-process engine does, so a scenario's auth-failure on
// discovery fires here too.
func (x *execution) discoverCluster() (int, error) {
	obs, err := x.b.sim.Observe(x.ctx)
	if err != nil {
		return x.result(runbook.ExecResult{}, err)
	}
	c := &obs.Cluster
	n := c.Node(x.node)
	if n == nil {
		x.eprint("not a node of the simulated cluster")
		return 1, nil
	}
	if !obs.Fact(n.Name).ClusterService {
		return 0, nil
	}
	x.print("cluster", c.Name)
	for _, m := range c.Nodes {
		x.print("node", m.Name, m.State.WMI())
	}
	for _, g := range c.Groups {
		x.print("group", g.Name, g.State.WMI(), g.Owner, boolNum(g.CMS))
	}
	q := x.b.sim.QuorumResource()
	x.print("quorum", q.Type, q.State, q.Share, q.Witness)
	return 0, nil
}

// discoverExchange prints what assets/scripts/discover-exchange.ps1 prints.
func (x *execution) discoverExchange(names []string) (int, error) {
	obs := x.b.sim.Snapshot()
	c := &obs.Cluster
	for _, name := range names {
		g := c.Group(name)
		if name == "" || g == nil || !g.CMS {
			continue
		}
		storage := "Shared"
		if c.Type == runbook.CCR {
			storage = "NonShared"
		}
		x.print("cms", g.Name, storage, c.CMSBuild(g).String(), g.State.CMSEnum())
		if c.Type == runbook.CCR {
			st := "Failed"
			if c.Replication.Healthy {
				st = "Healthy"
			}
			x.print("copy", g.Name, "First Storage Group", st, strconv.Itoa(c.Replication.CopyQueue), strconv.Itoa(c.Replication.ReplayQueue))
		}
	}
	return 0, nil
}

func (x *execution) jobStart(p map[string]string) (int, error) {
	id, line := p["JobId"], p["Line"]
	kind := runbook.StepKind(p["Step"])
	if kind == "" {
		kind = kindOf(line)
	}
	st, err := x.b.sim.Job(x.ctx, x.node, id)
	if err != nil {
		return x.result(runbook.ExecResult{}, err)
	}
	if st.Found {
		x.print("exists", id)
		return 0, nil
	}
	if err := x.b.sim.StartJob(x.ctx, runbook.Command{Node: x.node, Shell: runbook.ShellCmd, Line: line, Kind: kind}, id); err != nil {
		return x.result(runbook.ExecResult{}, err)
	}
	x.print("started", "4242")
	return 0, nil
}

func boolNum(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (x *execution) printState(st runbook.JobState) {
	x.print("state", boolNum(st.Found), boolNum(st.Running), strconv.Itoa(st.ExitCode), strconv.FormatInt(st.Size, 10))
}

// jobTail prints what assets/scripts/job-tail.ps1 prints. The real script
// returns what the log holds now; here the simulator streams the log until
// the job ends (at maximum speed at once), which the executor's tail loop
// reads the same way, and a connection-drop fault cuts it part way.
func (x *execution) jobTail(p map[string]string) (int, error) {
	id := p["JobId"]
	from, _ := strconv.ParseInt(p["Offset"], 10, 64)
	st, err := x.b.sim.Job(x.ctx, x.node, id)
	if err != nil {
		return x.result(runbook.ExecResult{}, err)
	}
	if !st.Found || p["Read"] != "1" {
		x.printState(st)
		return 0, nil
	}
	final, err := x.b.sim.TailJob(x.ctx, x.node, id, from, func(l runbook.OutputLine, off int64) {
		x.print("data", strconv.FormatInt(off, 10), base64.StdEncoding.EncodeToString([]byte(l.Text+"\r\n")))
	})
	if err != nil {
		return x.result(runbook.ExecResult{}, err)
	}
	x.printState(final)
	return 0, nil
}
