package sim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cmsrunbook/internal/sim/ps"
	"cmsrunbook/runbook"
)

// This file is how a WinRM server runs commands on a simulated node: a
// powershell.exe or a cmd.exe line started straight in a WinRM shell,
// under the shell's network logon.

// RunPowerShell runs a script in a powershell.exe started straight in a
// WinRM shell on node, as `powershell -EncodedCommand` sent over WinRM
// does, and returns its exit code. stdout and stderr get one line per
// call.
func (s *Sim) RunPowerShell(ctx context.Context, node, script string, o HostOptions, stdout, stderr func(string)) (int, error) {
	if o.Stderr == nil {
		o.Stderr = stderr
	}
	h, err := s.NodeHost(node, o)
	if err != nil {
		return 1, err
	}
	return ps.Run(ctx, script, h, stdout, stderr), nil
}

// ConsoleProgram reports a cmd.exe line the simulator's console answers
// as it always has (cluster.exe, shutdown, hostname, ver), so its step
// faults (an auth failure, a dropped connection) apply through Run.
func ConsoleProgram(line string) bool {
	args := cmdArgs(line)
	if len(args) == 0 {
		return false
	}
	switch program(args[0]) {
	case "cluster", "shutdown", "hostname", "ver":
		return !strings.ContainsAny(args[0], `\/`)
	}
	return false
}

// RunCmd runs one line in a cmd.exe started straight in a WinRM shell on
// node (a network logon): cmd's own commands and redirections, and the
// programs the node has. Its output streams to out as the simulated clock
// reaches it.
func (s *Sim) RunCmd(ctx context.Context, node, line string, o HostOptions, out func(runbook.OutputLine)) (runbook.ExecResult, error) {
	if err := ctx.Err(); err != nil {
		return runbook.ExecResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	n, err := s.reach(runbook.Command{Node: node}, false)
	if err != nil {
		return runbook.ExecResult{}, err
	}
	s.settleBatches(n)
	c := &cmdProc{s: s, n: n, ctx: ctx, logon: o.Logon, acct: o.Account}
	var lines []runbook.OutputLine
	wait := c.execLine(line, func(l runbook.OutputLine) { lines = append(lines, l) })
	s.mu.Unlock()
	for _, l := range lines {
		out(l)
	}
	s.mu.Lock()
	if wait == nil {
		return runbook.ExecResult{ExitCode: c.level}, nil
	}
	_, r := parseRedirs(c.expand(line))
	emit := func(l runbook.OutputLine, _ int64) {
		toConsole := r.out == ""
		if l.Stream == runbook.Stderr {
			toConsole = r.err == "" && (!r.errToOut || r.out == "")
		}
		if toConsole {
			out(l)
		}
	}
	if err := s.follow(ctx, wait, 0, time.Time{}, emit); err != nil {
		return runbook.ExecResult{}, fmt.Errorf("sim: running %q on %s: %w", line, n.name, err)
	}
	return runbook.ExecResult{ExitCode: wait.exit}, nil
}

// DropsTail reports whether a scenario's connection-drop fault for the
// step a running job is cuts the connection of the WinRM call that polls
// it now, as one would on a flaky network during a long Setup; the fault
// is then spent. The job runs on.
func (s *Sim) DropsTail(node, jobID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	n := s.w.node(node)
	if n == nil {
		return false
	}
	p := n.jobs[jobID]
	if p == nil || !p.running(s.clk.now) || !s.takeFault(faultDrop, p.cmd) {
		return false
	}
	s.record(opDrop, runbook.Command{Node: n.name}, jobID, false)
	return true
}

// AwaitJob lets simulated time run until a job's program ends, for at
// most limit of real time at a finite speed (at max speed it ends at
// once). A WinRM server calls it before answering a poll of the job, so a
// client that polls in real time sees a simulated job progress, as the
// simulator's own TailJob streams one.
func (s *Sim) AwaitJob(ctx context.Context, node, jobID string, limit time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	n := s.w.node(node)
	if n == nil {
		return nil
	}
	p := n.jobs[jobID]
	if p == nil || !p.running(s.clk.now) {
		return nil
	}
	target := p.end
	if !s.clk.max() {
		if c := s.clk.now.Add(time.Duration(float64(limit) * s.clk.speed)); c.Before(target) {
			target = c
		}
	}
	return s.waitUntil(ctx, target)
}
