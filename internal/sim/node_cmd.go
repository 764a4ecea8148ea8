package sim

import (
	"context"
	"fmt"
	"strings"

	"cmsrunbook/runbook"
)

// This file is the part of cmd.exe the job batch files and a WinRM cmd
// shell's lines need: percent expansion (%~dp0, %ERRORLEVEL%, %%,
// %VAR%), redirections (>, >>, 2>, 2>&1, > nul, a redirection written
// before the command) with cmd's own quirk that a lone digit before > is a
// handle number (so `echo 1> file` echoes nothing and writes "ECHO is
// off."), @echo off, echo, move /y, rem, and programs found on the node
// or not ('is not recognized' and 9009; a folder that is not there: 'The
// system cannot find the path specified.' and 3).
//
// Everything here runs with s.mu held.

// cmdProc is one cmd.exe process.
type cmdProc struct {
	s       *Sim
	n       *node
	ctx     context.Context
	logon   Logon
	acct    Account
	echoOff bool
	level   int    // %ERRORLEVEL%
	batch   string // the batch file it runs; "" for a /c line
	jobID   string // the job the batch is (its file name), if any
	// inSettle: the batch continues inside a world update and must not
	// release the lock, so it runs built-in commands only.
	inSettle bool
}

// Exit codes cmd.exe gives for a program it cannot start.
const (
	exitNotRecognized = 9009
	exitPathNotFound  = 3
)

// expand does cmd's percent expansion of one line. In a batch file an
// undefined variable expands to nothing; on a command line it stays.
func (c *cmdProc) expand(line string) string {
	env := c.s.nodeEnv(c.n, userOf(c.acct))
	var b strings.Builder
	for i := 0; i < len(line); i++ {
		if line[i] != '%' {
			b.WriteByte(line[i])
			continue
		}
		rest := line[i+1:]
		switch {
		case c.batch != "" && strings.HasPrefix(rest, "%"):
			b.WriteByte('%')
			i++
		case c.batch != "" && strings.HasPrefix(strings.ToLower(rest), "~dp0"):
			b.WriteString(parentPath(c.batch) + `\`)
			i += 4
		case c.batch != "" && strings.HasPrefix(rest, "0"):
			b.WriteString(c.batch)
			i++
		default:
			j := strings.IndexByte(rest, '%')
			if j < 0 {
				if c.batch == "" {
					b.WriteByte('%')
				}
				continue
			}
			name := strings.ToUpper(rest[:j])
			v, ok := env[name]
			if name == "ERRORLEVEL" {
				v, ok = fmt.Sprint(c.level), true
			}
			switch {
			case ok:
				b.WriteString(v)
			case c.batch == "":
				b.WriteString("%" + rest[:j+1])
			}
			i += j + 1
		}
	}
	return b.String()
}

func userOf(a Account) string {
	u := a.User
	if i := strings.LastIndexByte(u, '\\'); i >= 0 {
		u = u[i+1:]
	}
	if u == "" {
		u = "Administrator"
	}
	return u
}

// redirs are a command's redirections.
type redirs struct {
	out, err  string // a file, "nul", or "" for the console
	appendOut bool
	errToOut  bool
}

// parseRedirs takes the redirections off a command. A digit right before
// > that stands alone (start of line or after a space) is the handle
// being redirected, as cmd.exe reads it.
func parseRedirs(line string) (string, redirs) {
	var r redirs
	var cmd []byte
	inQ := false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		if ch == '"' {
			inQ = !inQ
		}
		if ch != '>' || inQ {
			cmd = append(cmd, ch)
			continue
		}
		handle := 1
		if k := len(cmd); k > 0 && cmd[k-1] >= '0' && cmd[k-1] <= '9' && (k == 1 || cmd[k-2] == ' ' || cmd[k-2] == '\t') {
			handle = int(cmd[k-1] - '0')
			cmd = cmd[:k-1]
		}
		app := i+1 < len(line) && line[i+1] == '>'
		if app {
			i++
		}
		if i+2 < len(line) && line[i+1] == '&' && line[i+2] >= '0' && line[i+2] <= '9' {
			if handle == 2 && line[i+2] == '1' {
				r.errToOut = true
			}
			i += 2
			continue
		}
		j := i + 1
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		var target string
		if j < len(line) && line[j] == '"' {
			k := strings.IndexByte(line[j+1:], '"')
			if k < 0 {
				k = len(line) - j - 1
			}
			target = line[j+1 : j+1+k]
			j += k + 2
		} else {
			k := j
			for k < len(line) && !strings.ContainsRune(" \t<>|&", rune(line[k])) {
				k++
			}
			target = line[j:k]
			j = k
		}
		switch handle {
		case 1:
			r.out, r.appendOut = target, app
		case 2:
			r.err = target
		}
		i = j - 1
	}
	return string(cmd), r
}

// execLine runs one line of a batch file or a /c command line. Output not
// redirected goes to sink. It returns the program still running when the
// line started one that takes time (a batch waits for it).
func (c *cmdProc) execLine(line string, sink func(runbook.OutputLine)) *proc {
	line = c.expand(line)
	text, r := parseRedirs(line)
	text = strings.TrimLeft(text, " \t")
	text = strings.TrimLeft(strings.TrimPrefix(text, "@"), " \t")
	if text == "" {
		return nil
	}
	word := strings.ToLower(firstWord(text))
	var out []runbook.OutputLine
	switch {
	case word == "rem" || word == "::":
		return nil
	case word == "echo" || strings.HasPrefix(word, "echo."):
		out = c.echo(text)
	case word == "move":
		out = c.move(text)
	case word == "exit":
		c.level = atoi(strings.TrimSpace(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(text[4:])), "/b")))
		return nil
	default:
		if c.inSettle {
			out = c.notRecognized(firstToken(text))
			break
		}
		p := c.program(text, r)
		if p == nil {
			return nil
		}
		if p.running(c.s.clk.now) {
			if !c.redirectLive(p, r, sink) {
				return nil
			}
			return p
		}
		c.level = p.exit
		return c.deliverProc(p.lines[:p.visible(p.end)], r, sink)
	}
	c.deliver(out, r, sink)
	return nil
}

// deliverProc writes a finished program's lines where they go.
func (c *cmdProc) deliverProc(lines []procLine, r redirs, sink func(runbook.OutputLine)) *proc {
	out := make([]runbook.OutputLine, len(lines))
	for i, l := range lines {
		out[i] = l.line
	}
	c.deliver(out, r, sink)
	return nil
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " \t/"); i >= 0 {
		return s[:i]
	}
	return s
}

// firstToken is the program as written, quotes included.
func firstToken(s string) string {
	if strings.HasPrefix(s, `"`) {
		if i := strings.IndexByte(s[1:], '"'); i >= 0 {
			return s[:i+2]
		}
		return s
	}
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}

// echo is cmd's echo: "echo off" switches echo off, a bare echo reports
// the state, "echo." prints an empty line, anything else prints as
// written (trailing spaces included).
func (c *cmdProc) echo(text string) []runbook.OutputLine {
	rest := text[4:]
	switch {
	case strings.HasPrefix(rest, "."):
		return []runbook.OutputLine{{Stream: runbook.Stdout, Text: rest[1:]}}
	case strings.TrimSpace(rest) == "":
		state := "on"
		if c.echoOff {
			state = "off"
		}
		return []runbook.OutputLine{{Stream: runbook.Stdout, Text: "ECHO is " + state + "."}}
	}
	arg := rest[1:]
	switch strings.ToLower(strings.TrimSpace(arg)) {
	case "off":
		c.echoOff = true
		return nil
	case "on":
		c.echoOff = false
		return nil
	}
	return []runbook.OutputLine{{Stream: runbook.Stdout, Text: arg}}
}

// move is `move [/y] from to`.
func (c *cmdProc) move(text string) []runbook.OutputLine {
	var files []string
	for _, a := range cmdArgs(text)[1:] {
		if name, _, ok := option(a); ok && (name == "y" || name == "-y") {
			continue
		}
		files = append(files, a)
	}
	c.level = 1
	if len(files) != 2 {
		return []runbook.OutputLine{{Stream: runbook.Stderr, Text: "The syntax of the command is incorrect."}}
	}
	if err := c.s.moveFile(c.n, files[0], files[1]); err != nil {
		return []runbook.OutputLine{{Stream: runbook.Stderr, Text: err.Error()}}
	}
	c.level = 0
	return []runbook.OutputLine{{Stream: runbook.Stdout, Text: "        1 file(s) moved."}}
}

// deliver writes output where the redirections send it.
func (c *cmdProc) deliver(lines []runbook.OutputLine, r redirs, sink func(runbook.OutputLine)) {
	var toOut, toErr []byte
	if !c.openRedirects(r, sink) {
		return
	}
	cp := c.n.oemCP()
	for _, l := range lines {
		enc, _ := encodeCP(cp, l.Text+"\r\n")
		switch {
		case l.Stream == runbook.Stderr && r.errToOut && r.out != "":
			toOut = append(toOut, enc...)
		case l.Stream == runbook.Stderr && r.err != "":
			toErr = append(toErr, enc...)
		case l.Stream != runbook.Stderr && r.out != "":
			toOut = append(toOut, enc...)
		default:
			if sink != nil {
				sink(l)
			}
		}
	}
	if r.out != "" && !isNul(r.out) {
		_ = c.s.writeFile(c.n, c.abs(r.out), toOut, true)
	}
	if r.err != "" && !isNul(r.err) {
		_ = c.s.writeFile(c.n, c.abs(r.err), toErr, true)
	}
}

// openRedirects creates (or, for >, empties) the redirection targets
// before the command runs, as cmd.exe does; a folder that is not there
// stops the command.
func (c *cmdProc) openRedirects(r redirs, sink func(runbook.OutputLine)) bool {
	for _, t := range []struct {
		path string
		app  bool
	}{{r.out, r.appendOut}, {r.err, false}} {
		if t.path == "" || isNul(t.path) {
			continue
		}
		if err := c.s.writeFile(c.n, c.abs(t.path), nil, t.app); err != nil {
			c.level = 1
			if sink != nil {
				sink(runbook.OutputLine{Stream: runbook.Stderr, Text: err.Error()})
			}
			return false
		}
	}
	return true
}

// redirectLive points the redirection targets at a program still running.
func (c *cmdProc) redirectLive(p *proc, r redirs, sink func(runbook.OutputLine)) bool {
	if !c.openRedirects(r, sink) {
		return false
	}
	if r.out != "" && !isNul(r.out) {
		if f := c.s.system(c.n).files[pathKey(c.abs(r.out))]; f != nil {
			f.live, f.streams = p, map[runbook.Stream]bool{runbook.Stdout: true, runbook.Stderr: r.errToOut}
		}
	}
	return true
}

func isNul(p string) bool { return strings.EqualFold(strings.TrimSpace(p), "nul") }

// abs resolves a path against the batch's folder (its working folder).
func (c *cmdProc) abs(p string) string {
	if len(p) >= 2 && p[1] == ':' || strings.HasPrefix(p, `\\`) {
		return p
	}
	dir := `C:\WINDOWS\system32`
	if c.batch != "" {
		dir = parentPath(c.batch)
	}
	return dir + `\` + p
}

// notRecognized is cmd.exe's answer to a program it cannot find.
func (c *cmdProc) notRecognized(tok string) []runbook.OutputLine {
	c.level = exitNotRecognized
	return []runbook.OutputLine{
		{Stream: runbook.Stderr, Text: fmt.Sprintf("'%s' is not recognized as an internal or external command,", tok)},
		{Stream: runbook.Stderr, Text: "operable program or batch file."},
	}
}
