package ps

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The .NET types the language answers itself; any other [Type] goes to
// the Host.

func normType(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	return strings.TrimPrefix(t, "system.")
}

func (x *interp) static(typ, member string, args []any, call bool) (any, error) {
	m := strings.ToLower(member)
	var v any
	var err error
	handled := true
	switch normType(typ) {
	case "math":
		v, err = mathStatic(m, member, args)
	case "convert":
		v, err = convertStatic(m, member, args)
	case "string":
		v, handled, err = stringStatic(m, args, call)
	case "int", "int32":
		v, handled, err = intStatic(m, args, call, math.MinInt32, math.MaxInt32, ToInt)
	case "long", "int64":
		v, handled, err = intStatic(m, args, call, math.MinInt64, math.MaxInt64, ToLong)
	case "text.encoding":
		v, handled, err = x.encodingStatic(m, args, call)
	case "globalization.cultureinfo":
		handled = m == "currentculture" && !call
		v = x.culture()
	case "console":
		handled = m == "in" && !call
		v = x.consoleIn()
	case "environment":
		switch m {
		case "newline":
			v = "\r\n"
		case "machinename":
			v, _ = x.h.Env("COMPUTERNAME")
		default:
			handled = false
		}
	default:
		handled = false
	}
	if !handled {
		return x.h.Static(x.ctx, typ, member, args, call)
	}
	return v, err
}

func mathStatic(m, member string, args []any) (any, error) {
	switch m {
	case "pi":
		return math.Pi, nil
	case "e":
		return math.E, nil
	case "min", "max", "pow":
		if err := argCount(member, args, 2); err != nil {
			return nil, err
		}
		a, err := toNumber(args[0], "System.Double")
		if err != nil {
			return nil, err
		}
		b, err := toNumber(args[1], "System.Double")
		if err != nil {
			return nil, err
		}
		if m == "pow" {
			return math.Pow(asFloat(a), asFloat(b)), nil
		}
		if ai, ok := a.(int64); ok {
			if bi, ok := b.(int64); ok {
				if m == "min" {
					return min(ai, bi), nil
				}
				return max(ai, bi), nil
			}
		}
		if m == "min" {
			return math.Min(asFloat(a), asFloat(b)), nil
		}
		return math.Max(asFloat(a), asFloat(b)), nil
	case "abs", "floor", "ceiling", "round", "truncate", "sqrt":
		if err := argCount(member, args, 1); err != nil {
			return nil, err
		}
		a, err := toNumber(args[0], "System.Double")
		if err != nil {
			return nil, err
		}
		if ai, ok := a.(int64); ok && m != "sqrt" {
			if m == "abs" && ai < 0 {
				return -ai, nil
			}
			return ai, nil
		}
		f := asFloat(a)
		fn := map[string]func(float64) float64{"abs": math.Abs, "floor": math.Floor, "ceiling": math.Ceil,
			"round": math.RoundToEven, "truncate": math.Trunc, "sqrt": math.Sqrt}[m]
		return fn(f), nil
	}
	return nil, noMethod("System.Math", member)
}

func convertStatic(m, member string, args []any) (any, error) {
	switch m {
	case "tobase64string":
		if err := argCount(member, args, 1, 3); err != nil {
			return nil, err
		}
		b, err := toBytes(args[0])
		if err != nil {
			return nil, err
		}
		if len(args) == 3 {
			if b, err = byteRange(b, args[1], args[2]); err != nil {
				return nil, err
			}
		}
		return base64.StdEncoding.EncodeToString(b), nil
	case "frombase64string":
		if err := argCount(member, args, 1); err != nil {
			return nil, err
		}
		s := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
				return -1
			}
			return r
		}, ToString(args[0]))
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, &ErrorRecord{Message: "Invalid length for a Base-64 char array.", ErrorID: "FormatException"}
		}
		return b, nil
	case "toint32", "toint64":
		if err := argCount(member, args, 1, 2); err != nil {
			return nil, err
		}
		if len(args) == 2 {
			base, err := ToInt(args[1])
			if err != nil {
				return nil, err
			}
			n, err := strconv.ParseInt(strings.TrimPrefix(strings.ToLower(ToString(args[0])), "0x"), int(base), 64)
			if err != nil {
				return nil, &ErrorRecord{Message: "Could not find any recognizable digits."}
			}
			return n, nil
		}
		if m == "toint32" {
			return ToInt(args[0])
		}
		return ToLong(args[0])
	case "tostring":
		if err := argCount(member, args, 1); err != nil {
			return nil, err
		}
		return ToString(args[0]), nil
	}
	return nil, noMethod("System.Convert", member)
}

func stringStatic(m string, args []any, call bool) (any, bool, error) {
	switch {
	case m == "empty" && !call:
		return "", true, nil
	case m == "join" && call:
		if err := argCount("Join", args, 2); err != nil {
			return nil, true, err
		}
		parts := ToArray(args[1])
		ss := make([]string, len(parts))
		for i, p := range parts {
			ss[i] = ToString(p)
		}
		return strings.Join(ss, ToString(args[0])), true, nil
	case m == "isnullorempty" && call:
		if err := argCount("IsNullOrEmpty", args, 1); err != nil {
			return nil, true, err
		}
		return ToString(args[0]) == "", true, nil
	case m == "concat" && call:
		var b strings.Builder
		for _, a := range args {
			b.WriteString(ToString(a))
		}
		return b.String(), true, nil
	case m == "format" && call:
		if len(args) == 0 {
			return nil, true, argCount("Format", args, 2)
		}
		v, err := formatOp(ToString(args[0]), args[1:])
		return v, true, err
	}
	return nil, false, nil
}

func intStatic(m string, args []any, call bool, lo, hi int64, conv func(any) (int64, error)) (any, bool, error) {
	switch {
	case m == "maxvalue" && !call:
		return hi, true, nil
	case m == "minvalue" && !call:
		return lo, true, nil
	case m == "parse" && call:
		if err := argCount("Parse", args, 1); err != nil {
			return nil, true, err
		}
		v, err := conv(ToString(args[0]))
		return v, true, err
	}
	return nil, false, nil
}

func (x *interp) encodingStatic(m string, args []any, call bool) (any, bool, error) {
	var cp int
	switch {
	case m == "getencoding" && call:
		if err := argCount("GetEncoding", args, 1); err != nil {
			return nil, true, err
		}
		n, err := ToInt(args[0])
		if err != nil {
			return nil, true, err
		}
		cp = int(n)
	case call:
		return nil, false, nil
	case m == "default":
		cp = x.h.ANSICodePage()
	case m == "utf8":
		cp = 65001
	case m == "unicode":
		cp = 1200
	case m == "ascii":
		cp = 20127
	default:
		return nil, false, nil
	}
	e, err := GetEncoding(cp)
	return e, true, err
}

func (x *interp) culture() any {
	return NewPropertyBag("System.Globalization.CultureInfo",
		"TextInfo", NewPropertyBag("System.Globalization.TextInfo",
			"OEMCodePage", int64(x.h.OEMCodePage()),
			"ANSICodePage", int64(x.h.ANSICodePage())))
}

// consoleIn is [Console]::In: the process's standard input, where the
// engineer's password for a scheduled task arrives.
func (x *interp) consoleIn() any {
	b := NewPropertyBag("System.IO.SyncTextReader")
	b.Methods = map[string]MethodFunc{
		"ReadLine": func(context.Context, []any) (any, error) { return x.readLine(), nil },
		"ReadToEnd": func(context.Context, []any) (any, error) {
			var sb strings.Builder
			for {
				l := x.readLine()
				if l == nil {
					return sb.String(), nil
				}
				if sb.Len() > 0 {
					sb.WriteString("\r\n")
				}
				sb.WriteString(l.(string))
			}
		},
	}
	return b
}

// cast is [Type]value.
func (x *interp) cast(typ string, v any) (any, error) {
	switch normType(typ) {
	case "int", "int32":
		return ToInt(v)
	case "long", "int64":
		return ToLong(v)
	case "byte":
		return toInteger(v, "System.Byte", 0, 255)
	case "double", "single", "float", "decimal":
		return ToDouble(v)
	case "string":
		return ToString(v), nil
	case "bool", "boolean":
		return Truthy(v), nil
	case "void":
		return nil, nil
	case "array", "object[]":
		if a, ok := v.([]any); ok {
			return a, nil
		}
		if v == nil {
			return []any{}, nil
		}
		return ToArray(v), nil
	case "byte[]":
		if s, ok := v.(string); ok {
			n, err := toInteger(s, "System.Byte", 0, 255)
			return []byte{byte(n)}, err
		}
		return toBytes(ToArray(v))
	case "char":
		if n, ok := v.(int64); ok && n >= 0 && n <= 0xFFFF {
			return string(rune(n)), nil
		}
		if s := ToString(v); len([]rune(s)) == 1 {
			return s, nil
		}
		return nil, convertError(v, "System.Char", "String must be exactly one character long.")
	case "hashtable", "collections.hashtable":
		if h, ok := v.(*Hashtable); ok {
			return h, nil
		}
		return nil, &ErrorRecord{Message: fmt.Sprintf("Cannot convert the \"%s\" value of type \"%s\" to type \"System.Collections.Hashtable\".", ToString(v), TypeOf(v))}
	case "object", "psobject":
		return v, nil
	case "regex", "text.regularexpressions.regex":
		return ToString(v), nil
	case "text.encoding":
		if e, ok := v.(*Encoding); ok {
			return e, nil
		}
	}
	return x.h.Cast(x.ctx, typ, v)
}
