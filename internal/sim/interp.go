package sim

import (
	"fmt"
	"strings"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// interp interprets one command line on one node. It writes the command's
// output into a proc at a time cursor t that advances as the command's
// work takes simulated time, and changes the world as it goes (directly
// for what happens at once, through scheduled events for what happens
// later).
type interp struct {
	s      *Sim
	n      *node
	cmd    runbook.Command
	p      *proc
	t      time.Duration
	faults bool
	replay *config.Output
}

// interpret builds the proc for a command: the interpreter's own output
// and effects, then, when the scenario replays a captured output for the
// step, that text and exit code instead of the simulated ones.
func (s *Sim) interpret(n *node, cmd runbook.Command, withFaults bool) *proc {
	x := &interp{s: s, n: n, cmd: cmd, faults: withFaults}
	if withFaults {
		x.replay = s.replayFor(cmd)
	}
	x.p = s.newProc(n, cmd)
	line := strings.TrimSpace(cmd.Line)
	switch shell := cmd.Shell; {
	case shell == runbook.ShellPowerShell, shell != runbook.ShellCmd && looksLikePowerShell(line):
		x.powershell(line)
	default:
		x.cmdexe(line)
	}
	if x.p.end.Before(x.p.start.Add(x.t)) {
		x.p.end = x.p.start.Add(x.t)
	}
	if x.replay != nil {
		x.p.replace(x.replay.Text, x.replay.ExitCode)
	}
	n.live = append(n.live[:0:0], liveProcs(n.live, s.clk.now)...)
	n.live = append(n.live, x.p)
	return x.p
}

// liveProcs keeps the procs still running at t (a shutdown kills them).
func liveProcs(ps []*proc, t time.Time) []*proc {
	var out []*proc
	for _, p := range ps {
		if p.running(t) {
			out = append(out, p)
		}
	}
	return out
}

// fails reports whether the command's natural failure happens now: a
// replayed output decides by its effect, otherwise a scenario fault of
// this kind fires (and is counted).
func (x *interp) fails(kind config.FaultKind) bool {
	if x.replay != nil {
		return x.replay.Effect == config.EffectFailure
	}
	return x.faults && x.s.takeFault(kind, x.cmd)
}

func (x *interp) print(lines ...string)  { x.p.out(x.t, lines...) }
func (x *interp) eprint(lines ...string) { x.p.errs(x.t, lines...) }
func (x *interp) take(d time.Duration)   { x.t += d }
func (x *interp) exit(code int)          { x.p.finish(x.t, code) }

// looksLikePowerShell tells a cmdlet line (Verb-Noun first) from a cmd.exe
// line, for the console, where no step says which shell it is.
func looksLikePowerShell(line string) bool {
	first := line
	if i := strings.IndexAny(line, " \t|;"); i >= 0 {
		first = line[:i]
	}
	if strings.ContainsAny(first, `\.:/"'`) {
		return false
	}
	i := strings.Index(first, "-")
	return i > 0 && i < len(first)-1
}

// cmdArgs splits a cmd.exe command line the way the C runtime does for the
// programs we run: whitespace separates, double quotes group and vanish.
func cmdArgs(line string) []string {
	var out []string
	var b strings.Builder
	inQ, have := false, false
	for _, r := range line {
		switch {
		case r == '"':
			inQ, have = !inQ, true
		case (r == ' ' || r == '\t') && !inQ:
			if have {
				out = append(out, b.String())
				b.Reset()
				have = false
			}
		default:
			b.WriteRune(r)
			have = true
		}
	}
	if have {
		out = append(out, b.String())
	}
	return out
}

// option splits a switch such as /move:EXNODE01 into "move" and "EXNODE01".
func option(a string) (name, val string, ok bool) {
	if len(a) < 2 || a[0] != '/' && a[0] != '-' {
		return "", "", false
	}
	name = strings.ToLower(a[1:])
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name, val = name[:i], a[1+i+1:]
	}
	return name, val, true
}

// abbrev matches a switch written as any prefix of long at least as long
// as short: /stat and /status, /move and /moveto, /on and /online.
func abbrev(name, short, long string) bool {
	return len(name) >= len(short) && strings.HasPrefix(long, name)
}

// program reduces "D:\Exchange2007SP2\Setup.com" to "setup".
func program(arg string) string {
	base := arg
	if i := strings.LastIndexAny(base, `\/`); i >= 0 {
		base = base[i+1:]
	}
	base = strings.ToLower(base)
	for _, ext := range []string{".exe", ".com", ".bat", ".cmd"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// cmdexe interprets a cmd.exe line.
func (x *interp) cmdexe(line string) {
	args := cmdArgs(line)
	if len(args) == 0 {
		x.exit(0)
		return
	}
	switch prog := program(args[0]); prog {
	case "cluster":
		x.cluster(args[1:])
	case "setup":
		x.setup(args[0], args[1:])
	case "msiexec":
		x.msiexec(args[1:])
	case "wusa":
		x.hotfix(args[0], args[1:], true)
	case "shutdown":
		x.shutdown(args[1:])
	case "hostname":
		x.print(x.n.name)
		x.exit(0)
	case "ver":
		x.print("", "Microsoft Windows [Version "+windowsVersion(x.n.os)+"]")
		x.exit(0)
	default:
		if strings.HasSuffix(strings.ToLower(args[0]), ".exe") && strings.ContainsAny(args[0], `\`) &&
			(eq(args[0], x.s.w.opts.Package) || hasSwitch(args[1:], "quiet")) {
			x.hotfix(args[0], args[1:], false)
			return
		}
		x.notRecognized(args[0])
	}
}

func hasSwitch(args []string, name string) bool {
	for _, a := range args {
		if n, _, ok := option(a); ok && n == name {
			return true
		}
	}
	return false
}

// notRecognized is cmd.exe's answer to an unknown program.
func (x *interp) notRecognized(prog string) {
	x.eprint(fmt.Sprintf("'%s' is not recognized as an internal or external command,", prog),
		"operable program or batch file.")
	x.exit(1)
}

// windowsVersion is what `ver` prints: Win32_OperatingSystem's version.
func windowsVersion(os runbook.OS) string { return wmiOSVersion(os) }

// shutdown handles `shutdown /r /t N /c "..."`: after N seconds the node
// stops answering and every process on it ends; it is back after the
// reboot time with a new boot ID, its Cluster service starting a little
// after the OS, and its Paused flag intact (a pause survives a reboot).
func (x *interp) shutdown(args []string) {
	reboot, abort, delay := false, false, 30*time.Second
	for i := 0; i < len(args); i++ {
		name, _, ok := option(args[i])
		if !ok {
			continue
		}
		switch name {
		case "r":
			reboot = true
		case "s":
		case "a":
			abort = true
		case "t":
			if i+1 < len(args) {
				var secs int
				if _, err := fmt.Sscanf(args[i+1], "%d", &secs); err == nil && secs >= 0 {
					delay = time.Duration(secs) * time.Second
				}
				i++
			}
		case "c", "d":
			i++
		case "f", "l", "h", "p", "i", "e", "m":
		default:
			x.eprint(fmt.Sprintf("%s: Invalid option.(87)", args[i]))
			x.exit(87)
			return
		}
	}
	n, s := x.n, x.s
	if abort {
		if n.shutdownAt.IsZero() {
			x.eprint("Unable to abort the system shutdown because no shutdown was in progress.(1116)")
			x.exit(1116)
			return
		}
		n.shutdownAt = time.Time{}
		n.epoch++
		x.exit(0)
		return
	}
	if !n.shutdownAt.IsZero() {
		x.eprint("A system shutdown has already been scheduled.(1190)")
		x.exit(1190)
		return
	}
	down := s.clk.now.Add(delay)
	n.shutdownAt = down
	n.epoch++
	epoch := n.epoch
	back := s.timing.Reboot
	if reboot && x.fails(faultReboot) {
		// Past the runbook's default 20-minute reboot timeout, and back
		// within one more wait: the trainee must choose to keep waiting.
		back = max(back*3, 25*time.Minute)
	}
	s.at(down, nil, func() {
		if n.epoch != epoch {
			return
		}
		n.epoch++
		epoch := n.epoch
		n.shutdownAt = time.Time{}
		n.reachable, n.joining, n.waitQuorum = false, false, false
		for _, p := range n.live {
			p.kill(s.clk.now)
		}
		n.live = nil
		s.stopClusterService(n)
		if !reboot {
			return
		}
		// The OS answers a little before the Cluster service has joined.
		osUp := max(back-20*time.Second, back/2)
		s.after(osUp, func() {
			if n.epoch != epoch {
				return
			}
			n.reachable, n.joining, n.bootTime, n.pending = true, true, s.clk.now, false
			s.after(back-osUp, func() {
				if n.epoch != epoch {
					return
				}
				n.joining, n.clussvc = false, true
				s.nodeJoined(n)
			})
		})
	})
	x.exit(0)
}
