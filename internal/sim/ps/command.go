package ps

import (
	"fmt"
	"strings"
)

// Running a command: its arguments are evaluated and bound as PowerShell
// passes them (a cmdlet's -Name value pairs; a native program gets
// strings), -ErrorAction is the language's, and the command is either one
// of the language's own cmdlets or the Host's.

// cmdOutput is the Output a Host command writes to.
type cmdOutput struct {
	x       *interp
	c       *command
	name    string
	action  string // -ErrorAction, lower case; "" for the preference
	emit    func(any)
	stopped *ErrorRecord
}

func (o *cmdOutput) Object(v any) {
	if o.c.discard&1 != 0 {
		return
	}
	o.emit(v)
}

// Error applies -ErrorAction (or $ErrorActionPreference) to a
// non-terminating error.
func (o *cmdOutput) Error(e *ErrorRecord) {
	x := o.x
	x.failed = true
	x.errs = append(x.errs, e)
	if _, ok := x.errPos[e]; !ok {
		x.errPos[e] = errPos{off: o.c.nameEnd, kind: kindCommand}
	}
	action := o.action
	if action == "" {
		action = x.preference()
	}
	switch action {
	case "stop":
		if o.stopped == nil {
			o.stopped = e
		}
	case "silentlycontinue", "ignore":
	default:
		switch {
		case o.c.merge:
			o.emit(e)
		case o.c.discard&2 != 0:
		default:
			x.writeError(e, x.stderr)
		}
	}
}

// isNative tells a program (schtasks.exe, cluster, D:\x\Setup.com) from
// a cmdlet (Verb-Noun): a program's arguments go as written.
func isNative(name string) bool {
	if strings.ContainsAny(name, `\/.:`) {
		return true
	}
	i := strings.IndexByte(name, '-')
	return i <= 0 || i == len(name)-1
}

func (x *interp) runCommand(c *command, input []any, first bool, emit func(any)) error {
	name := c.name
	if c.nameX != nil {
		v, err := x.eval(c.nameX)
		if err != nil {
			return err
		}
		if sb, ok := v.(*scriptBlock); ok {
			return x.execBlock(sb.body, emit)
		}
		name = ToString(v)
	}
	args, action, err := x.bindCommandArgs(c, name)
	if err != nil {
		return err
	}
	out := &cmdOutput{x: x, c: c, name: name, action: action, emit: emit}
	if f, ok := builtin(name); ok {
		err = f(x, &call{name: canonicalName(name), args: args, input: input, first: first, out: out, c: c})
		if err != nil {
			return x.failCommand(c, canonicalName(name), err)
		}
	} else {
		var in []any
		if !first {
			in = input
			if in == nil {
				in = []any{}
			}
		}
		res, err := x.h.Command(x.ctx, name, args, in, out)
		if res.Native {
			x.vars["lastexitcode"] = int64(res.ExitCode)
			if res.ExitCode != 0 {
				x.failed = true
			}
		}
		if err != nil {
			return x.failCommand(c, "", err)
		}
	}
	if out.stopped != nil {
		p := x.errPos[out.stopped]
		p.stopped = true
		x.errPos[out.stopped] = p
		return &psError{rec: out.stopped, script: true}
	}
	return nil
}

func (x *interp) failCommand(c *command, name string, err error) error {
	if x.ctx.Err() != nil {
		return x.ctx.Err()
	}
	rec := asRecord(err)
	if rec.Command == "" && name != "" && rec.ErrorID != "MethodNotFound" {
		rec.Command = name
	}
	kind := kindCommand
	if rec.Command == "" && (rec.ErrorID == "CommandNotFoundException" || strings.HasPrefix(rec.Message, "The term '")) {
		kind = kindNotFound
	}
	return x.fail(c.nameEnd, kind, rec)
}

// bindCommandArgs evaluates the arguments. For a cmdlet, -Name value
// pairs unless Name is a switch; -ErrorAction (-ea) is taken out. For a
// native program every argument is a string as written.
func (x *interp) bindCommandArgs(c *command, name string) ([]Arg, string, error) {
	native := isNative(name)
	var args []Arg
	action := ""
	for i := 0; i < len(c.args); i++ {
		a := c.args[i]
		var v any
		if a.value != nil {
			var err error
			if v, err = x.eval(a.value); err != nil {
				return nil, "", err
			}
		}
		switch {
		case native && a.param != "":
			s := "-" + a.param
			if a.colon {
				s += ":" + ToString(v)
			}
			args = append(args, Arg{Value: s})
		case native:
			for _, e := range nativeArgs(v) {
				args = append(args, Arg{Value: e})
			}
		case a.param == "":
			args = append(args, Arg{Value: v})
		case a.colon:
			args = append(args, Arg{Name: a.param, Value: v, HasValue: true})
		case i+1 < len(c.args) && c.args[i+1].param == "" && !x.isSwitch(name, a.param):
			nv, err := x.eval(c.args[i+1].value)
			if err != nil {
				return nil, "", err
			}
			args = append(args, Arg{Name: a.param, Value: nv, HasValue: true})
			i++
		default:
			args = append(args, Arg{Name: a.param})
		}
	}
	if native {
		return args, "", nil
	}
	kept := args[:0]
	for _, a := range args {
		if a.Name != "" && (strings.EqualFold(a.Name, "ErrorAction") || strings.EqualFold(a.Name, "ea")) {
			action = strings.ToLower(ToString(a.Value))
			switch action {
			case "0":
				action = "silentlycontinue"
			case "1":
				action = "stop"
			case "2":
				action = "continue"
			}
			continue
		}
		kept = append(kept, a)
	}
	return kept, action, nil
}

// nativeArgs flattens an argument for a program: arrays spread, values
// become strings.
func nativeArgs(v any) []any {
	if a, ok := v.([]any); ok {
		var out []any
		for _, e := range a {
			out = append(out, nativeArgs(e)...)
		}
		return out
	}
	return []any{ToString(v)}
}

func (x *interp) isSwitch(command, param string) bool {
	p := strings.ToLower(param)
	if sw, ok := x.h.(Switcher); ok && sw.IsSwitch(command, param) {
		return true
	}
	if commonSwitches[p] {
		return true
	}
	if spec, ok := builtinSwitches[strings.ToLower(canonicalName(command))]; ok {
		for _, s := range spec {
			if strings.HasPrefix(strings.ToLower(s), p) {
				return true
			}
		}
	}
	return false
}

// call is one run of a language cmdlet.
type call struct {
	name  string
	args  []Arg
	input []any
	first bool // first in its pipeline: no input at all
	out   *cmdOutput
	c     *command
}

// bind matches the call's arguments to params (names may be shortened to
// any unique prefix; positional values fill positional in order; the
// last positional takes the rest as an array when rest is true).
func (cl *call) bind(params []string, positional []string, rest bool) (map[string]any, error) {
	named := map[string]any{}
	var pos []any
	for _, a := range cl.args {
		if a.Name == "" {
			pos = append(pos, a.Value)
			continue
		}
		var match []string
		for _, p := range params {
			if strings.EqualFold(p, a.Name) {
				match = []string{p}
				break
			}
			if strings.HasPrefix(strings.ToLower(p), strings.ToLower(a.Name)) {
				match = append(match, p)
			}
		}
		switch {
		case len(match) == 0:
			return nil, &ErrorRecord{Message: fmt.Sprintf("A parameter cannot be found that matches parameter name '%s'.", a.Name), ErrorID: "NamedParameterNotFound"}
		case len(match) > 1:
			return nil, &ErrorRecord{Message: fmt.Sprintf("Parameter cannot be processed because the parameter name '%s' is ambiguous. Possible matches include: -%s.", a.Name, strings.Join(match, " -")), ErrorID: "AmbiguousParameter"}
		}
		if a.HasValue {
			named[match[0]] = a.Value
		} else {
			named[match[0]] = true
		}
	}
	for i, v := range pos {
		switch {
		case i < len(positional) && rest && i == len(positional)-1:
			named[positional[i]] = pos[i:]
			if len(pos[i:]) == 1 {
				named[positional[i]] = v
			}
			return named, nil
		case i < len(positional):
			named[positional[i]] = v
		default:
			return nil, &ErrorRecord{Message: fmt.Sprintf("A positional parameter cannot be found that accepts argument '%s'.", ToString(v)), ErrorID: "PositionalParameterNotFound"}
		}
	}
	return named, nil
}
