package sim

import (
	"context"
	"strings"

	"cmsrunbook/internal/sim/ps"
	"cmsrunbook/runbook"
)

// This file runs powershell.exe on a simulated node: a script started by
// cmd.exe (a job's batch file) runs through the PowerShell subset with a
// host of the batch's logon; what it prints, and the simulated time its
// Exchange cmdlets take, make up the program's output on the simulated
// clock.

// powershell runs `powershell.exe ... -EncodedCommand B64` for cmd.exe.
// The lock is released while the script runs (its host takes it per call).
func (c *cmdProc) powershell(args []string, cmd runbook.Command) *proc {
	s, n := c.s, c.n
	script, ok := encodedScript(args)
	if !ok {
		// An interactive powershell.exe with no input ends at once.
		return s.instant(n, cmd, nil, 0)
	}
	cmd.Shell = runbook.ShellPowerShell
	p := s.newProc(n, cmd)
	x := &interp{s: s, n: n, cmd: cmd, p: p, faults: true}
	h := &NodeHost{s: s, node: n.name, opts: HostOptions{Logon: c.logon, Account: c.acct, Stdin: strings.NewReader("")}, ex: x}
	ctx := c.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	s.mu.Unlock()
	code := ps.Run(ctx, script, h,
		func(l string) { s.mu.Lock(); x.print(l); s.mu.Unlock() },
		func(l string) { s.mu.Lock(); x.eprint(l); s.mu.Unlock() })
	s.mu.Lock()
	x.exit(code)
	if p.running(s.clk.now) {
		n.live = append(liveProcs(n.live, s.clk.now), p)
		if c.jobID != "" {
			if _, dup := n.jobs[c.jobID]; !dup {
				n.jobs[c.jobID] = p
			}
		}
	}
	return p
}
