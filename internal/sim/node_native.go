package sim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cmsrunbook/internal/sim/ps"
	"cmsrunbook/runbook"
)

// native runs an external program from PowerShell: schtasks.exe,
// cluster.exe, cmd.exe, Setup.com under the media folder, msiexec, wusa,
// shutdown. Its standard output lines go down the pipeline; $LASTEXITCODE
// is its exit code.
func (h *NodeHost) native(ctx context.Context, name string, args []ps.Arg, out ps.Output) (ps.Result, error) {
	line := nativeLine(name, args)
	n := h.lock()
	defer h.unlock()
	s := h.s
	c := &cmdProc{s: s, n: n, ctx: ctx, logon: h.opts.Logon, acct: h.opts.Account}
	if _, fail := c.resolve(firstToken(line), strings.Trim(name, `"`)); fail != nil {
		return ps.Result{}, &ps.ErrorRecord{
			Command:  name,
			Message:  fmt.Sprintf("The term '%s' is not recognized as a cmdlet, function, operable program, or script file. Verify the term and try again.", name),
			ErrorID:  "CommandNotFoundException",
			Category: fmt.Sprintf("ObjectNotFound: (%s:String) [], CommandNotFoundException", name),
		}
	}
	p := c.program(line, redirs{})
	if p == nil {
		return ps.Result{Native: true, ExitCode: c.level}, nil
	}
	var lines []runbook.OutputLine
	if err := s.follow(ctx, p, 0, time.Time{}, func(l runbook.OutputLine, _ int64) { lines = append(lines, l) }); err != nil {
		return ps.Result{}, fmt.Errorf("running %s on %s: %w", name, n.name, err)
	}
	s.mu.Unlock()
	for _, l := range lines {
		switch {
		case l.Stream != runbook.Stderr:
			out.Object(l.Text)
		case h.ex != nil:
			s.mu.Lock()
			h.ex.eprint(l.Text)
			s.mu.Unlock()
		case h.opts.Stderr != nil:
			h.opts.Stderr(l.Text)
		}
	}
	s.mu.Lock()
	return ps.Result{Native: true, ExitCode: p.exit}, nil
}

// nativeLine is the command line PowerShell 1.0 builds for a native
// program: arguments with spaces in double quotes; a \" inside an
// argument is the program's runtime's escaped quote, so it reads as ".
func nativeLine(name string, args []ps.Arg) string {
	parts := []string{quoteIfSpace(name)}
	for _, a := range args {
		v := ps.ToString(a.Value)
		if a.Name != "" {
			if a.HasValue {
				parts = append(parts, "-"+a.Name+":"+v)
			} else {
				parts = append(parts, "-"+a.Name)
			}
			continue
		}
		if strings.Contains(v, `\"`) {
			parts = append(parts, `"`+strings.ReplaceAll(v, `\"`, `"`)+`"`)
			continue
		}
		parts = append(parts, quoteIfSpace(v))
	}
	return strings.Join(parts, " ")
}

func quoteIfSpace(s string) string {
	if strings.ContainsAny(s, " \t") && !strings.HasPrefix(s, `"`) {
		return `"` + s + `"`
	}
	return s
}
