package sim

import (
	"context"
	"strings"

	"cmsrunbook/runbook"
)

// This file runs batch files on a simulated node: a job's batch runs its
// lines at once up to the program that takes time (Setup.com, msiexec, a
// PowerShell job), and continues after it (the exit code into .tmp, moved
// to .exit) the first time anyone looks at the node once that program has
// ended on the simulated clock. A reboot kills the program: the batch
// never continues, so no .exit appears, as on Windows.

// batchRun is one cmd.exe running a batch file.
type batchRun struct {
	c       *cmdProc
	pid     int
	path    string
	cmdLine string
	lines   []string
	pc      int
	wait    *proc // the program the batch waits for
	done    bool
}

// startBatch starts the batch file at path for the command line that
// names it (`cmd.exe /c path`, its process's CommandLine) under a logon
// and returns the cmd.exe process ID. Callers hold s.mu.
func (s *Sim) startBatch(ctx context.Context, n *node, path, cmdLine string, logon Logon, acct Account) int {
	s.nextPID++
	b := &batchRun{pid: s.nextPID, path: cleanPath(path), cmdLine: cmdLine}
	jobID := baseName(path)
	if i := strings.LastIndexByte(jobID, '.'); i > 0 {
		jobID = jobID[:i]
	}
	b.c = &cmdProc{s: s, n: n, ctx: ctx, logon: logon, acct: acct, batch: b.path, jobID: jobID}
	st := s.stat(n, path)
	if !st.exists || st.dir || st.f == nil {
		return b.pid
	}
	text := decodeCP(n.oemCP(), s.content(n, st.f))
	b.lines = strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	s.runBatch(b)
	if !b.done {
		sys := s.system(n)
		sys.batches = append(sys.batches, b)
	}
	return b.pid
}

// runBatch runs lines until one starts a program that takes time, or the
// batch ends.
func (s *Sim) runBatch(b *batchRun) {
	for b.pc < len(b.lines) {
		l := b.lines[b.pc]
		b.pc++
		if p := b.c.execLine(l, nil); p != nil {
			b.wait = p
			return
		}
	}
	b.done = true
}

// settleBatches continues the batches whose program has ended. Callers
// hold s.mu and have brought the world up to now.
func (s *Sim) settleBatches(n *node) {
	if n == nil {
		return
	}
	sys := s.system(n)
	keep := sys.batches[:0]
	for _, b := range sys.batches {
		if b.wait != nil && !b.wait.running(s.clk.now) {
			p := b.wait
			b.wait = nil
			for _, f := range sys.files {
				if f.live == p {
					s.freeze(n, f)
				}
			}
			if p.killed {
				b.done = true
			} else {
				b.c.level = p.exit
				b.c.inSettle = true
				s.runBatch(b)
			}
		}
		if !b.done {
			keep = append(keep, b)
		}
	}
	sys.batches = keep
}

// processes is Win32_Process now: the system's own and the batch files
// running with their programs.
func (s *Sim) processes(n *node) []*hostObj {
	proc := func(pid int, name, line string) *hostObj {
		return wmiObj("Win32_Process").with("ProcessId", int64(pid)).with("Name", name).
			with("CommandLine", line).with("CSName", strings.ToUpper(n.name))
	}
	out := []*hostObj{
		proc(0, "System Idle Process", ""),
		proc(4, "System", ""),
		proc(400, "smss.exe", `\SystemRoot\System32\smss.exe`),
		proc(700, "services.exe", `C:\WINDOWS\system32\services.exe`),
		proc(1100, "svchost.exe", `C:\WINDOWS\system32\svchost.exe -k netsvcs`),
		proc(1300, "clussvc.exe", `C:\WINDOWS\Cluster\clussvc.exe`),
	}
	for _, b := range s.system(n).batches {
		if b.done {
			continue
		}
		out = append(out, proc(b.pid, "cmd.exe", b.cmdLine))
		if p := b.wait; p != nil && p.running(s.clk.now) {
			args := cmdArgs(p.cmd.Line)
			name := "powershell.exe"
			if len(args) > 0 && p.cmd.Shell == runbook.ShellCmd {
				name = baseName(args[0])
			}
			out = append(out, proc(p.pid, name, p.cmd.Line))
		}
	}
	return out
}

// startProcess is Win32_Process.Create: the command line runs detached,
// under the caller's logon (the working folder it is given does not
// matter to the programs simulated). It returns the process ID and WMI's
// return value (0 for success, 9 for a path not found).
func (h *NodeHost) startProcess(ctx context.Context, line string) (int, int) {
	n := h.lock()
	defer h.unlock()
	s := h.s
	args := cmdArgs(line)
	if len(args) == 0 {
		return 0, 21
	}
	if p := program(args[0]); p == "cmd" && len(args) >= 3 && strings.EqualFold(args[1], "/c") {
		if st := s.stat(n, args[2]); len(args) == 3 && st.exists && !st.dir {
			return s.startBatch(ctx, n, st.path, line, h.opts.Logon, h.opts.Account), 0
		}
	}
	c := &cmdProc{s: s, n: n, ctx: ctx, logon: h.opts.Logon, acct: h.opts.Account}
	if _, fail := c.resolve(firstToken(line), args[0]); fail != nil {
		return 0, 9
	}
	s.nextPID++
	pid := s.nextPID
	c.execLine(line, nil)
	return pid, 0
}
