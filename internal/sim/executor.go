package sim

import (
	"context"
	"fmt"
	"time"

	"cmsrunbook/runbook"
)

// This file is the engine.Executor face of the simulator (and the console
// an engineer types into). The engine's interface is not imported: the
// method set matches it, and a compile-time check in the tests keeps it so.

// Observe reads the live state as the engine's discovery would.
func (s *Sim) Observe(ctx context.Context) (runbook.Observation, error) {
	if err := ctx.Err(); err != nil {
		return runbook.Observation{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	if s.takeFault(faultAuth, runbook.Command{}) {
		s.record(opAuth, runbook.Command{}, "", false)
		return runbook.Observation{}, fmt.Errorf("sim: reading the cluster state: WinRM refused the credentials (HTTP 401): %w", runbook.ErrAuthFailed)
	}
	return s.observation(), nil
}

// Run runs one command to completion, streaming its output as simulated
// time passes.
func (s *Sim) Run(ctx context.Context, cmd runbook.Command, out func(runbook.OutputLine)) (runbook.ExecResult, error) {
	return s.run(ctx, cmd, out, true)
}

// Console runs what an engineer types on a node: the same interpreter as
// Run, without a step, so no fault or replayed output applies.
func (s *Sim) Console(ctx context.Context, node, line string, out func(runbook.OutputLine)) (runbook.ExecResult, error) {
	return s.run(ctx, runbook.Command{Node: node, Line: line}, out, false)
}

// ConsoleIn is Console with the shell known (a WinRM cmd shell always
// runs cmd.exe; a decoded -EncodedCommand is always PowerShell), so a
// line is never guessed into the wrong interpreter.
func (s *Sim) ConsoleIn(ctx context.Context, node string, shell runbook.Shell, line string, out func(runbook.OutputLine)) (runbook.ExecResult, error) {
	return s.run(ctx, runbook.Command{Node: node, Shell: shell, Line: line}, out, false)
}

func (s *Sim) run(ctx context.Context, cmd runbook.Command, out func(runbook.OutputLine), withFaults bool) (runbook.ExecResult, error) {
	if err := ctx.Err(); err != nil {
		return runbook.ExecResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	n, err := s.reach(cmd, withFaults)
	if err != nil {
		return runbook.ExecResult{}, err
	}
	s.record(opRun, cmd, "", withFaults)
	p := s.interpret(n, cmd, withFaults)
	var dropAt time.Time
	if withFaults && s.takeFault(faultDrop, cmd) {
		// The command runs to its end on the node; only the session dies.
		dropAt = s.clk.now.Add(p.end.Sub(s.clk.now) / 2)
	}
	emit := func(l runbook.OutputLine, _ int64) {
		if out != nil {
			out(l)
		}
	}
	if err := s.follow(ctx, p, 0, dropAt, emit); err != nil {
		return runbook.ExecResult{}, fmt.Errorf("sim: running %q on %s: %w", cmd.Line, n.name, err)
	}
	return runbook.ExecResult{ExitCode: p.exit}, nil
}

// reach finds the command's node and checks that it answers and accepts
// the credentials.
func (s *Sim) reach(cmd runbook.Command, withFaults bool) (*node, error) {
	n := s.w.node(cmd.Node)
	if n == nil {
		return nil, fmt.Errorf("sim: %q is not a node of cluster %s", cmd.Node, s.w.name)
	}
	if withFaults && s.takeFault(faultAuth, cmd) {
		s.record(opAuth, cmd, "", false)
		return nil, fmt.Errorf("sim: %s: WinRM refused the credentials (HTTP 401): %w", n.name, runbook.ErrAuthFailed)
	}
	if !n.reachable {
		return nil, fmt.Errorf("sim: %s does not answer on WinRM: %w", n.name, runbook.ErrConnectionLost)
	}
	return n, nil
}

// StartJob starts a long-running command detached on its node under jobID.
// Starting an ID twice is an error: after a drop the engine must re-attach
// with Job and TailJob, never start Setup again.
func (s *Sim) StartJob(ctx context.Context, cmd runbook.Command, jobID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	n, err := s.reach(cmd, true)
	if err != nil {
		return err
	}
	if _, dup := n.jobs[jobID]; dup {
		return fmt.Errorf("sim: job %q already exists on %s; re-attach to it instead of starting it again", jobID, n.name)
	}
	s.record(opStart, cmd, jobID, true)
	n.jobs[jobID] = s.interpret(n, cmd, true)
	return nil
}

// Job reports a detached job's state.
func (s *Sim) Job(ctx context.Context, node, jobID string) (runbook.JobState, error) {
	if err := ctx.Err(); err != nil {
		return runbook.JobState{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, p, err := s.job(node, jobID)
	if err != nil || p == nil {
		return runbook.JobState{}, err
	}
	return p.state(s.clk.now), nil
}

// job brings the world up to now and finds a detached job on a node that
// answers; p is nil when no job of that ID was started. Callers hold s.mu.
func (s *Sim) job(node, jobID string) (*node, *proc, error) {
	s.sync()
	n, err := s.reach(runbook.Command{Node: node}, false)
	if err != nil {
		return nil, nil, err
	}
	return n, n.jobs[jobID], nil
}

// TailJob streams a job's log from byte offset from until the job ends,
// and returns its final state. A connection-drop fault ends the tail part
// way with an error; the job runs on and can be tailed again.
func (s *Sim) TailJob(ctx context.Context, node, jobID string, from int64, out func(runbook.OutputLine, int64)) (runbook.JobState, error) {
	if err := ctx.Err(); err != nil {
		return runbook.JobState{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, p, err := s.job(node, jobID)
	if err != nil {
		return runbook.JobState{}, err
	}
	if p == nil {
		return runbook.JobState{}, fmt.Errorf("sim: no job %q on %s", jobID, n.name)
	}
	var dropAt time.Time
	if p.running(s.clk.now) && s.takeFault(faultDrop, p.cmd) {
		s.record(opDrop, runbook.Command{Node: n.name}, jobID, false)
		dropAt = s.clk.now.Add(max(p.end.Sub(s.clk.now)/2, time.Second))
	}
	if err := s.follow(ctx, p, from, dropAt, out); err != nil {
		return p.state(s.clk.now), fmt.Errorf("sim: tailing job %q on %s: %w", jobID, n.name, err)
	}
	return p.state(s.clk.now), nil
}

// follow streams p's lines that start at or after byte offset from, as
// they become due, until p ends. A non-zero dropAt ends it then with a
// lost connection, as does the node going away. The lock is released
// while out runs.
func (s *Sim) follow(ctx context.Context, p *proc, from int64, dropAt time.Time, out func(runbook.OutputLine, int64)) error {
	idx := 0
	for {
		n := p.visible(s.clk.now)
		var batch []procLine
		for ; idx < n && idx < len(p.lines); idx++ {
			l := p.lines[idx]
			if l.off-int64(len(l.line.Text))-2 >= from {
				batch = append(batch, l)
			}
		}
		if len(batch) > 0 && out != nil {
			s.mu.Unlock()
			for _, l := range batch {
				out(l.line, l.off)
			}
			s.mu.Lock()
			s.sync()
			continue // time may have moved while the lock was free
		}
		if !dropAt.IsZero() && !s.clk.now.Before(dropAt) {
			return fmt.Errorf("the WinRM connection to %s dropped: %w", p.node.name, runbook.ErrConnectionLost)
		}
		if !p.node.reachable {
			return fmt.Errorf("%s stopped answering: %w", p.node.name, runbook.ErrConnectionLost)
		}
		if !p.running(s.clk.now) {
			if p.visible(s.clk.now) > idx {
				continue
			}
			return nil
		}
		next := p.nextAt(s.clk.now)
		if !dropAt.IsZero() && dropAt.Before(next) {
			next = dropAt
		}
		if err := s.waitUntil(ctx, next); err != nil {
			return err
		}
	}
}
