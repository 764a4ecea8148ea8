package sim

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"cmsrunbook/runbook"
)

// This file starts programs for cmd.exe: finds them on the node's disk or
// its PATH, and runs them through the simulator (Setup.com, msiexec,
// wusa, a hotfix package, cluster.exe, shutdown), schtasks.exe, or a
// nested powershell.exe. Everything here runs with s.mu held.

// resolve finds the program a command names: a path must exist (a
// missing folder is cmd's "path not found"), a bare name must be one of
// the node's system programs. It returns the path, or the error lines.
func (c *cmdProc) resolve(tok, arg0 string) (string, []runbook.OutputLine) {
	s, n := c.s, c.n
	if strings.ContainsAny(arg0, `\/:`) {
		if dir := parentPath(arg0); dir != "" {
			if st := s.stat(n, dir); !st.exists || !st.dir {
				c.level = exitPathNotFound
				return "", []runbook.OutputLine{{Stream: runbook.Stderr, Text: errPathNotFound.msg}}
			}
		}
		for _, ext := range []string{"", ".exe", ".com", ".bat", ".cmd"} {
			if st := s.stat(n, arg0+ext); st.exists && !st.dir {
				return st.path, nil
			}
		}
		return "", c.notRecognized(tok)
	}
	name := strings.ToLower(arg0)
	for _, p := range append(systemPrograms(n), "powershell.exe") {
		if name == p || name+".exe" == p {
			return p, nil
		}
	}
	return "", c.notRecognized(tok)
}

// instant is a program that has already ended with its output.
func (s *Sim) instant(n *node, cmd runbook.Command, lines []runbook.OutputLine, code int) *proc {
	p := s.newProc(n, cmd)
	for _, l := range lines {
		p.say(0, l.Stream, l.Text)
	}
	p.finish(0, code)
	return p
}

// program starts the program a command line names.
func (c *cmdProc) program(text string, r redirs) *proc {
	s, n := c.s, c.n
	args := cmdArgs(text)
	cmd := runbook.Command{Node: n.name, Shell: runbook.ShellCmd, Line: strings.TrimSpace(text)}
	path, fail := c.resolve(firstToken(text), args[0])
	if fail != nil {
		return s.instant(n, cmd, fail, c.level)
	}
	switch program(path) {
	case "powershell":
		return c.powershell(args, cmd)
	case "cmd":
		return c.nested(text, cmd)
	case "schtasks":
		lines, code := c.schtasks(args[1:])
		return s.instant(n, cmd, lines, code)
	case "setup":
		if c.logon == LogonNetwork {
			return s.setupWithoutAD(n, cmd)
		}
	}
	return c.simProgram(cmd)
}

// simProgram runs a program the simulator knows (Setup.com, msiexec,
// wusa, a package, cluster.exe, shutdown, hostname) with the scenario's
// faults for the step it is, as a job when a batch file runs it.
func (c *cmdProc) simProgram(cmd runbook.Command) *proc {
	s, n := c.s, c.n
	cmd.Kind = KindOf(cmd.Line)
	if args := cmdArgs(cmd.Line); cmd.Kind == "" && len(args) > 0 && s.w.opts.Package != "" && pathKey(args[0]) == pathKey(s.w.opts.Package) {
		cmd.Kind = runbook.KindInstallPatch
	}
	long := cmd.Kind == runbook.KindSetupUpgrade || cmd.Kind == runbook.KindUpgradeCMS ||
		cmd.Kind == runbook.KindInstallRollup || cmd.Kind == runbook.KindInstallPatch
	if c.jobID != "" && long {
		if _, dup := n.jobs[c.jobID]; !dup {
			s.record(opStart, cmd, c.jobID, true)
			p := s.interpret(n, cmd, true)
			n.jobs[c.jobID] = p
			return p
		}
	}
	s.record(opRun, cmd, "", false)
	return s.interpret(n, cmd, cmd.Kind != "")
}

// nested runs `cmd /c LINE` inside this cmd.exe's line.
func (c *cmdProc) nested(text string, cmd runbook.Command) *proc {
	low := strings.ToLower(text)
	i := strings.Index(low, "/c ")
	if i < 0 {
		i = strings.Index(low, "/k ")
	}
	if i < 0 {
		return c.s.instant(c.n, cmd, nil, 0)
	}
	rest := strings.TrimSpace(text[i+3:])
	if st := c.s.stat(c.n, strings.Trim(rest, `"`)); st.exists && !st.dir && strings.HasSuffix(strings.ToLower(st.path), ".cmd") {
		c.s.startBatch(c.ctx, c.n, st.path, text, c.logon, c.acct)
		return c.s.instant(c.n, cmd, nil, 0)
	}
	inner := *c
	inner.batch = ""
	var out []runbook.OutputLine
	if p := inner.execLine(rest, func(l runbook.OutputLine) { out = append(out, l) }); p != nil {
		return p
	}
	return c.s.instant(c.n, cmd, out, inner.level)
}

// adError is the error an Exchange 2007 cmdlet or Setup gives when it
// reaches Active Directory from a network logon whose credentials cannot
// be passed on: the domain controller sees an anonymous LDAP bind and
// refuses the search (LDAP operations error, 000004DC).
func (s *Sim) adError() string {
	return fmt.Sprintf("Active Directory operation failed on DC01.%s. This error is not retriable. Additional information: An operations error occurred.\r\nActive directory response: 000004DC: LdapErr: DSID-0C0906E8, comment: In order to perform this operation a successful bind must be completed on the connection., data 0, v1771", s.w.domain)
}

// setupWithoutAD is Setup.com started from a network logon: it fails
// validating Active Directory before it changes anything.
func (s *Sim) setupWithoutAD(n *node, cmd runbook.Command) *proc {
	p := s.newProc(n, cmd)
	p.out(0, setupWelcome, "")
	p.out(3*time.Second, setupPreparing, "")
	p.out(12*time.Second, splitLines("Setup encountered a problem while validating the state of Active Directory: "+strings.ReplaceAll(s.adError(), "\r\n", "\n"))...)
	p.out(12*time.Second, "", setupError)
	p.finish(12*time.Second, 1)
	n.live = append(liveProcs(n.live, s.clk.now), p)
	return p
}

// encodedScript reads the script of `powershell ... -EncodedCommand B64`
// or `-Command TEXT`.
func encodedScript(args []string) (string, bool) {
	for i := 1; i+1 < len(args); i++ {
		switch strings.ToLower(args[i]) {
		case "-encodedcommand", "-enc", "-e", "-ec":
			raw, err := base64.StdEncoding.DecodeString(args[i+1])
			if err != nil || len(raw)%2 != 0 {
				return "", false
			}
			u := make([]uint16, len(raw)/2)
			for j := range u {
				u[j] = uint16(raw[2*j]) | uint16(raw[2*j+1])<<8
			}
			return string(utf16.Decode(u)), true
		case "-command", "-c":
			return strings.Join(args[i+1:], " "), true
		}
	}
	return "", false
}
