package ps

import (
	"errors"
	"fmt"
	"strings"
)

// scriptBlock is a { ... } value (ForEach-Object's body, a filter).
type scriptBlock struct {
	text string
	body *block
}

// psType is a [Type] written as a value (the right side of -is).
type psType struct{ name string }

func (t psType) String() string { return t.name }

func (x *interp) eval(e expr) (any, error) {
	switch e := e.(type) {
	case *literal:
		return e.val, nil
	case *expandable:
		return x.expand(e)
	case *varRef:
		return x.getVar(e.name), nil
	case *subExpr:
		var out []any
		if err := x.execBlock(e.body, func(v any) { out = append(out, v) }); err != nil {
			return nil, err
		}
		if e.array {
			if out == nil {
				out = []any{}
			}
			return out, nil
		}
		return collapse(out), nil
	case *parenExpr:
		if e.asg != nil {
			v, err := x.pipelineValue(e.asg.value)
			if err != nil {
				return nil, err
			}
			if err := x.assign(e.asg, v); err != nil {
				return nil, err
			}
			return x.eval(e.asg.target)
		}
		return x.pipelineValue(e.pipe)
	case *hashLit:
		return x.evalHash(e)
	case *arrayLit:
		out := make([]any, 0, len(e.elems))
		for _, el := range e.elems {
			v, err := x.eval(el)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case *unaryExpr:
		return x.evalUnary(e)
	case *binaryExpr:
		return x.evalBinary(e)
	case *castExpr:
		v, err := x.eval(e.x)
		if err != nil {
			return nil, err
		}
		r, err := x.cast(e.typ, v)
		if err != nil {
			return nil, x.fail(e.x.at(), kindExpr, err)
		}
		return r, nil
	case *typeLit:
		return psType{name: e.typ}, nil
	case *memberExpr:
		return x.evalMember(e)
	case *callExpr:
		return x.evalCall(e)
	case *indexExpr:
		return x.evalIndex(e)
	case *scriptBlockLit:
		return &scriptBlock{text: e.text, body: e.body}, nil
	}
	return nil, fmt.Errorf("unknown expression %T", e)
}

func (x *interp) expand(e *expandable) (any, error) {
	var b strings.Builder
	for _, p := range e.parts {
		if s, ok := p.(string); ok {
			b.WriteString(s)
			continue
		}
		v, err := x.eval(p.(expr))
		if err != nil {
			return nil, err
		}
		b.WriteString(ToString(v))
	}
	return b.String(), nil
}

func (x *interp) evalHash(e *hashLit) (any, error) {
	h := NewHashtable()
	for i, k := range e.keys {
		kv, err := x.eval(k)
		if err != nil {
			return nil, err
		}
		v, err := x.pipelineValue(e.vals[i])
		if err != nil {
			return nil, err
		}
		if _, dup := h.Get(kv); dup {
			return nil, x.fail(k.at(), kindExpr, &ErrorRecord{Message: fmt.Sprintf("Duplicate keys '%s' are not allowed in hash literals.", ToString(kv))})
		}
		h.Set(kv, v)
	}
	return h, nil
}

func (x *interp) evalUnary(e *unaryExpr) (any, error) {
	v, err := x.eval(e.x)
	if err != nil {
		return nil, err
	}
	switch e.op {
	case "-not":
		return !Truthy(v), nil
	case ",":
		return []any{v}, nil
	case "-bnot":
		n, err := ToLong(v)
		if err != nil {
			return nil, x.fail(e.pos, kindExpr, err)
		}
		return ^n, nil
	}
	n, err := toNumber(v, "System.Int32")
	if err != nil {
		return nil, x.fail(e.pos, kindExpr, err)
	}
	if e.op == "+" {
		return n, nil
	}
	if i, ok := n.(int64); ok {
		return -i, nil
	}
	return -n.(float64), nil
}

func (x *interp) evalBinary(e *binaryExpr) (any, error) {
	l, err := x.eval(e.l)
	if err != nil {
		return nil, err
	}
	switch e.op {
	case "-and", "-or":
		if Truthy(l) == (e.op == "-or") {
			return e.op == "-or", nil
		}
		r, err := x.eval(e.r)
		if err != nil {
			return nil, err
		}
		return Truthy(r), nil
	}
	r, err := x.eval(e.r)
	if err != nil {
		return nil, err
	}
	v, err := x.binary(e.op, e.cs, l, r)
	if err != nil {
		return nil, x.fail(e.pos, kindExpr, err)
	}
	return v, nil
}

// getVar reads a variable; an unknown one is $null.
func (x *interp) getVar(name string) any {
	name = stripScope(name)
	switch name {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	case "?":
		return x.ok
	case "input":
		var lines []any
		for {
			l := x.readLine()
			if l == nil {
				return lines
			}
			lines = append(lines, l)
		}
	case "error":
		out := make([]any, len(x.errs))
		for i, e := range x.errs {
			out[len(x.errs)-1-i] = e
		}
		return out
	case "args":
		return []any{}
	}
	if env, ok := strings.CutPrefix(name, "env:"); ok {
		if v, set := x.envSet[env]; set {
			return v
		}
		if v, ok := x.h.Env(env); ok {
			return v
		}
		return nil
	}
	return x.vars[name]
}

func stripScope(name string) string {
	for _, s := range []string{"global:", "script:", "local:", "private:", "variable:"} {
		if strings.HasPrefix(name, s) {
			return name[len(s):]
		}
	}
	return name
}

func (x *interp) setVar(name string, v any) error {
	name = stripScope(name)
	switch name {
	case "null":
		return nil
	case "true", "false", "?":
		return &ErrorRecord{Message: fmt.Sprintf("Cannot overwrite variable %s because it is read-only or constant.", name), ErrorID: "VariableNotWritable"}
	}
	if env, ok := strings.CutPrefix(name, "env:"); ok {
		x.envSet[env] = ToString(v)
		return nil
	}
	x.vars[name] = v
	return nil
}

func (x *interp) assign(s *assignStmt, v any) error {
	if s.op != "=" {
		old, err := x.eval(s.target)
		if err != nil {
			return err
		}
		if v, err = x.binary(s.op[:1], false, old, v); err != nil {
			return x.fail(s.pos, kindExpr, err)
		}
	}
	switch t := s.target.(type) {
	case *varRef:
		if err := x.setVar(t.name, v); err != nil {
			return x.fail(s.pos, kindExpr, err)
		}
		return nil
	case *memberExpr:
		obj, err := x.eval(t.x)
		if err != nil {
			return err
		}
		nv, err := x.eval(t.name)
		if err != nil {
			return err
		}
		name := ToString(nv)
		switch o := obj.(type) {
		case *Hashtable:
			o.Set(name, v)
			return nil
		case Object:
			if err := o.SetProperty(name, v); err != nil {
				return x.fail(t.pos, kindExpr, err)
			}
			return nil
		}
		return x.fail(t.pos, kindExpr, &ErrorRecord{Message: fmt.Sprintf("Property '%s' cannot be found on this object; make sure it exists and is settable.", name), ErrorID: "PropertyAssignmentException"})
	case *indexExpr:
		return x.assignIndex(t, v)
	}
	return x.fail(s.pos, kindExpr, errors.New("The assignment expression is not valid."))
}

func (x *interp) assignIndex(t *indexExpr, v any) error {
	obj, err := x.eval(t.x)
	if err != nil {
		return err
	}
	idx, err := x.eval(t.idx)
	if err != nil {
		return err
	}
	switch o := obj.(type) {
	case *Hashtable:
		o.Set(idx, v)
		return nil
	case []any:
		i, err := ToInt(idx)
		if err != nil {
			return x.fail(t.pos, kindExpr, err)
		}
		if i < 0 {
			i += int64(len(o))
		}
		if i < 0 || i >= int64(len(o)) {
			return x.fail(t.pos, kindExpr, &ErrorRecord{Message: fmt.Sprintf("Array assignment failed because index '%s' was out of range.", ToString(idx)), ErrorID: "IndexOutOfRange"})
		}
		o[i] = v
		return nil
	case []byte:
		i, err := ToInt(idx)
		if err == nil && (i < 0 || i >= int64(len(o))) {
			err = &ErrorRecord{Message: fmt.Sprintf("Array assignment failed because index '%d' was out of range.", i)}
		}
		var b int64
		if err == nil {
			b, err = toInteger(v, "System.Byte", 0, 255)
		}
		if err != nil {
			return x.fail(t.pos, kindExpr, err)
		}
		o[i] = byte(b)
		return nil
	case nil:
		return x.fail(t.pos, kindExpr, &ErrorRecord{Message: "Cannot index into a null array.", ErrorID: "NullArray"})
	}
	return x.fail(t.pos, kindExpr, &ErrorRecord{Message: fmt.Sprintf("Unable to index into an object of type %s.", TypeOf(obj)), ErrorID: "CannotIndex"})
}

func (x *interp) evalMember(e *memberExpr) (any, error) {
	nv, err := x.eval(e.name)
	if err != nil {
		return nil, err
	}
	name := ToString(nv)
	if e.static {
		typ, err := x.staticType(e.x)
		if err != nil {
			return nil, err
		}
		v, err := x.static(typ, name, nil, false)
		if err != nil {
			return nil, x.fail(e.pos, kindExpr, err)
		}
		return v, nil
	}
	obj, err := x.eval(e.x)
	if err != nil {
		return nil, err
	}
	return property(obj, name), nil
}

func (x *interp) staticType(e expr) (string, error) {
	if t, ok := e.(*typeLit); ok {
		return t.typ, nil
	}
	v, err := x.eval(e)
	if err != nil {
		return "", err
	}
	if t, ok := v.(psType); ok {
		return t.name, nil
	}
	return TypeOf(v), nil
}

func (x *interp) evalCall(e *callExpr) (any, error) {
	args := make([]any, 0, len(e.args))
	var obj any
	var typ string
	var err error
	if e.static {
		typ, err = x.staticType(e.x)
	} else {
		obj, err = x.eval(e.x)
	}
	if err != nil {
		return nil, err
	}
	for _, a := range e.args {
		v, err := x.eval(a)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	var v any
	if e.static {
		v, err = x.static(typ, e.name, args, true)
	} else {
		v, err = x.callMethod(obj, e.name, args)
	}
	if err != nil {
		return nil, x.fail(e.pos, kindExpr, methodError(e.name, len(args), err))
	}
	return v, nil
}

// methodError wraps an exception a method threw as PowerShell reports it.
func methodError(name string, n int, err error) error {
	var rec *ErrorRecord
	if !errors.As(err, &rec) {
		rec = &ErrorRecord{Message: err.Error()}
	}
	var pe *psError
	if errors.As(err, &pe) || rec.ErrorID == "MethodNotFound" || rec.ErrorID == "InvokeMethodOnNull" ||
		strings.HasPrefix(rec.Message, "Exception calling ") || strings.HasPrefix(rec.Message, "Unable to find type") {
		return err
	}
	return &ErrorRecord{
		Command:  rec.Command,
		Message:  fmt.Sprintf("Exception calling \"%s\" with \"%d\" argument(s): \"%s\"", name, n, rec.Message),
		ErrorID:  "DotNetMethodException",
		Category: rec.Category,
	}
}

func (x *interp) evalIndex(e *indexExpr) (any, error) {
	obj, err := x.eval(e.x)
	if err != nil {
		return nil, err
	}
	idx, err := x.eval(e.idx)
	if err != nil {
		return nil, err
	}
	if list, ok := idx.([]any); ok {
		var out []any
		for _, i := range list {
			v, err := index(obj, i)
			if err != nil {
				return nil, x.fail(e.pos, kindExpr, err)
			}
			out = append(out, v)
		}
		return out, nil
	}
	v, err := index(obj, idx)
	if err != nil {
		return nil, x.fail(e.pos, kindExpr, err)
	}
	return v, nil
}

func index(obj, idx any) (any, error) {
	pos := func(n int) (int64, bool, error) {
		i, err := ToInt(idx)
		if err != nil {
			return 0, false, err
		}
		if i < 0 {
			i += int64(n)
		}
		return i, i >= 0 && i < int64(n), nil
	}
	switch o := obj.(type) {
	case nil:
		return nil, &ErrorRecord{Message: "Cannot index into a null array.", ErrorID: "NullArray"}
	case *Hashtable:
		v, _ := o.Get(idx)
		return v, nil
	case []any:
		i, in, err := pos(len(o))
		if err != nil || !in {
			return nil, err
		}
		return o[i], nil
	case []byte:
		i, in, err := pos(len(o))
		if err != nil || !in {
			return nil, err
		}
		return int64(o[i]), nil
	case string:
		rs := []rune(o)
		i, in, err := pos(len(rs))
		if err != nil || !in {
			return nil, err
		}
		return string(rs[i]), nil
	}
	return nil, &ErrorRecord{Message: fmt.Sprintf("Unable to index into an object of type %s.", TypeOf(obj)), ErrorID: "CannotIndex"}
}
