package ps

import (
	"bufio"
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
)

// ExitInterrupted is the exit code of a powershell.exe stopped by a
// console control event (STATUS_CONTROL_C_EXIT as a signed 32-bit code):
// what Run returns when ctx ends the script.
const ExitInterrupted = -1073741510

// Run parses and runs script as `powershell.exe -NoProfile
// -NonInteractive -EncodedCommand` does on h, writes what the script
// prints to stdout and its errors to stderr, one line per call, and
// returns the process's exit code: N for `exit N`; 1 for a parse error,
// an error that ended the script, or a last statement that failed ($?
// false, as -Command reports it); 0 otherwise.
func Run(ctx context.Context, script string, h Host, stdout, stderr func(line string)) (exitCode int) {
	s, err := Parse(script)
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) && stderr != nil {
			for _, l := range parseErrorLines(script, pe) {
				stderr(l)
			}
		}
		return 1
	}
	return s.Run(ctx, h, stdout, stderr)
}

// Run runs a parsed script; see the package-level Run.
func (s *Script) Run(ctx context.Context, h Host, stdout, stderr func(line string)) int {
	if stdout == nil {
		stdout = func(string) {}
	}
	if stderr == nil {
		stderr = func(string) {}
	}
	x := &interp{
		ctx: ctx, h: h, src: s.src, stdout: stdout, stderr: stderr,
		vars:   map[string]any{"erroractionpreference": "Continue"},
		envSet: map[string]any{},
		errPos: map[*ErrorRecord]errPos{},
		ok:     true,
		re:     map[string]*regexp.Regexp{},
	}
	top := &outSink{x: x}
	err := x.execBlockTop(s.body, top)
	top.flush()
	var ex *exitFlow
	var pe *psError
	switch {
	case err == nil:
	case errors.As(err, &ex):
		return ex.code
	case errors.As(err, &pe):
		x.writeError(pe.rec, x.stderr)
		return 1
	case ctx.Err() != nil:
		return ExitInterrupted
	}
	if !x.ok {
		return 1
	}
	return 0
}

// interp is one powershell.exe process: its variables, the node it runs
// on and where its output goes. It lives for one Run and one goroutine.
type interp struct {
	ctx    context.Context
	h      Host
	src    string
	stdout func(string)
	stderr func(string)
	stdin  *bufio.Reader
	vars   map[string]any // lower-case names
	envSet map[string]any // $env: writes
	ok     bool           // $?: whether the last pipeline succeeded
	failed bool           // whether the running pipeline has failed
	traps  [][]*block
	errPos map[*ErrorRecord]errPos
	errs   []any // $Error, oldest first
	re     map[string]*regexp.Regexp
}

// Control flow travels as errors through the evaluator.
type exitFlow struct{ code int }

type loopFlow struct{ brk bool }

type returnFlow struct{}

// psError is a terminating error in flight: statement-terminating (a
// cmdlet's or method's error: the statement ends, the script goes on) or
// script-terminating (throw, or an error under the Stop preference).
type psError struct {
	rec    *ErrorRecord
	script bool
}

func (e *exitFlow) Error() string   { return "exit" }
func (e *loopFlow) Error() string   { return "break or continue outside a loop" }
func (e *returnFlow) Error() string { return "return" }
func (e *psError) Error() string    { return e.rec.Error() }

// fail makes a statement-terminating error at pos (a byte offset) from
// any error.
func (x *interp) fail(pos int, kind errKind, err error) error {
	var pe *psError
	if errors.As(err, &pe) {
		return err
	}
	if x.ctx.Err() != nil {
		return x.ctx.Err()
	}
	rec := asRecord(err)
	if _, ok := x.errPos[rec]; !ok {
		x.errPos[rec] = errPos{off: pos, kind: kind}
	}
	return &psError{rec: rec}
}

func asRecord(err error) *ErrorRecord {
	var rec *ErrorRecord
	if errors.As(err, &rec) {
		return rec
	}
	return &ErrorRecord{Message: err.Error(), ErrorID: "RuntimeException"}
}

func (x *interp) preference() string {
	return strings.ToLower(ToString(x.vars["erroractionpreference"]))
}

// execBlockTop runs the script's statements, flushing the default
// formatter after each, as PowerShell's host formats each statement's
// output.
func (x *interp) execBlockTop(b *block, top *outSink) error {
	return x.execStmts(b, top.emit, top.flush)
}

func (x *interp) execBlock(b *block, emit func(any)) error {
	return x.execStmts(b, emit, nil)
}

func (x *interp) execStmts(b *block, emit func(any), after func()) error {
	if len(b.traps) > 0 {
		x.traps = append(x.traps, b.traps)
		n := len(x.traps)
		defer func() { x.traps = x.traps[:n-1] }()
	}
	for _, s := range b.stmts {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		err := x.execStmt(s, emit)
		if after != nil {
			after()
		}
		var pe *psError
		if err != nil && errors.As(err, &pe) {
			err = x.handleError(pe, emit)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// handleError applies trap and the preference to a terminating error:
// nil means the script goes on with the next statement.
func (x *interp) handleError(pe *psError, emit func(any)) error {
	x.ok = false
	x.errs = append(x.errs, pe.rec)
	if x.preference() == "stop" {
		pe.script = true
	}
	if len(x.traps) > 0 {
		traps := x.traps
		trap := traps[len(traps)-1][0]
		x.traps = traps[:len(traps)-1]
		saved, had := x.vars["_"]
		x.vars["_"] = pe.rec
		err := x.execBlock(trap, emit)
		x.traps = traps
		if had {
			x.vars["_"] = saved
		} else {
			delete(x.vars, "_")
		}
		var lf *loopFlow
		switch {
		case err == nil:
			x.writeError(pe.rec, x.stderr)
			return nil
		case errors.As(err, &lf) && !lf.brk:
			return nil
		case errors.As(err, &lf):
			pe.script = true
			return pe
		}
		return err
	}
	if pe.script {
		return pe
	}
	if x.preference() != "silentlycontinue" {
		x.writeError(pe.rec, x.stderr)
	}
	return nil
}

func (x *interp) execStmt(s stmt, emit func(any)) error {
	switch s := s.(type) {
	case *pipeStmt:
		return x.runPipeline(s.pipe, emit)
	case *assignStmt:
		v, err := x.pipelineValue(s.value)
		if err != nil {
			return err
		}
		return x.assign(s, v)
	case *ifStmt:
		for i, c := range s.conds {
			v, err := x.pipelineValue(c)
			if err != nil {
				return err
			}
			if Truthy(v) {
				return x.execBlock(s.thens[i], emit)
			}
		}
		if s.els != nil {
			return x.execBlock(s.els, emit)
		}
		return nil
	case *foreachStmt:
		v, err := x.pipelineValue(s.coll)
		if err != nil {
			return err
		}
		return x.loop(ToArray(v), s.name, s.body, emit)
	case *whileStmt:
		return x.while(s, emit)
	case *flowStmt:
		return x.flow(s, emit)
	}
	return nil
}

func (x *interp) loop(items []any, name string, body *block, emit func(any)) error {
	for _, it := range items {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		x.setVar(name, it)
		err := x.execBlock(body, emit)
		var lf *loopFlow
		if errors.As(err, &lf) {
			if lf.brk {
				return nil
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (x *interp) while(s *whileStmt, emit func(any)) error {
	for {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		v, err := x.pipelineValue(s.cond)
		if err != nil {
			return err
		}
		if !Truthy(v) {
			return nil
		}
		err = x.execBlock(s.body, emit)
		var lf *loopFlow
		if errors.As(err, &lf) {
			if lf.brk {
				return nil
			}
			continue
		}
		if err != nil {
			return err
		}
	}
}

func (x *interp) flow(s *flowStmt, emit func(any)) error {
	var v any
	if s.val != nil {
		var err error
		if v, err = x.pipelineValue(s.val); err != nil {
			return err
		}
	}
	switch s.kind {
	case "exit":
		code := int64(0)
		if v != nil {
			n, err := ToInt(v)
			if err != nil {
				return x.fail(s.pos, kindExpr, err)
			}
			code = n
		}
		return &exitFlow{code: int(code)}
	case "return":
		for _, it := range ToArray(v) {
			emit(it)
		}
		return &returnFlow{}
	case "throw":
		rec, ok := v.(*ErrorRecord)
		if !ok {
			msg := "ScriptHalted"
			if v != nil {
				msg = ToString(v)
			}
			rec = &ErrorRecord{Message: msg, ErrorID: msg, Category: "OperationStopped"}
			x.errPos[rec] = errPos{off: s.pos + len("throw"), kind: kindExpr}
		}
		return &psError{rec: rec, script: true}
	}
	return &loopFlow{brk: s.kind == "break"}
}

// runPipeline runs a pipeline element by element; the last element's
// output goes to emit as it comes.
func (x *interp) runPipeline(pl *pipeline, emit func(any)) error {
	return x.track(func() error { return x.runElements(pl, emit) })
}

// track runs one pipeline and sets $? when it ends: false when it failed
// or any command in it wrote an error or a program exited non-zero. $?
// read inside the pipeline is still the previous statement's.
func (x *interp) track(run func() error) error {
	outer := x.failed
	x.failed = false
	err := run()
	if err != nil {
		x.failed = true
	}
	x.ok = !x.failed
	x.failed = outer || x.failed
	return err
}

func (x *interp) runElements(pl *pipeline, emit func(any)) error {
	var input []any
	for i, el := range pl.elems {
		var out []any
		sink := func(v any) { out = append(out, v) }
		if i == len(pl.elems)-1 {
			sink = emit
		}
		switch e := el.(type) {
		case *command:
			if err := x.runCommand(e, input, i == 0, sink); err != nil {
				return err
			}
		case expr:
			v, err := x.eval(e)
			if err != nil {
				return err
			}
			for _, it := range ToArray(v) {
				sink(it)
			}
		}
		input = out
	}
	return nil
}

// pipelineValue is a pipeline used as a value: an expression keeps its
// value (@() stays an empty array); commands' output collapses to $null,
// one object or an array.
func (x *interp) pipelineValue(pl *pipeline) (any, error) {
	if len(pl.elems) == 1 {
		if e, ok := pl.elems[0].(expr); ok {
			var v any
			err := x.track(func() (err error) {
				v, err = x.eval(e)
				return err
			})
			return v, err
		}
	}
	var out []any
	err := x.runPipeline(pl, func(v any) { out = append(out, v) })
	return collapse(out), err
}

func (x *interp) stdinReader() *bufio.Reader {
	if x.stdin == nil {
		var r io.Reader = strings.NewReader("")
		if in := x.h.Stdin(); in != nil {
			r = in
		}
		x.stdin = bufio.NewReader(r)
	}
	return x.stdin
}

// readLine is [Console]::In.ReadLine(): nil at the end of the input.
func (x *interp) readLine() any {
	r := x.stdinReader()
	line, err := r.ReadString('\n')
	if err != nil && line == "" {
		return nil
	}
	return strings.TrimRight(line, "\r\n")
}
