package ps

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
)

// Members of the language's own values. PowerShell 1.0 does not reach
// through an array to its elements' members: (1,2).Length is the
// array's, and a member an object lacks is $null, not an error.

func property(obj any, name string) any {
	n := strings.ToLower(name)
	switch o := obj.(type) {
	case nil:
		return nil
	case string:
		if n == "length" {
			return int64(len(utf16.Encode([]rune(o))))
		}
	case []any:
		switch n {
		case "count", "length":
			return int64(len(o))
		case "rank":
			return int64(1)
		}
	case []byte:
		switch n {
		case "count", "length":
			return int64(len(o))
		}
	case *Hashtable:
		switch n {
		case "count":
			return int64(o.Len())
		case "keys":
			return o.Keys()
		case "values":
			return append([]any(nil), o.vals...)
		}
		v, _ := o.Get(name)
		return v
	case *ErrorRecord:
		return errorProperty(o, n)
	case Object:
		v, _ := o.Property(name)
		return v
	}
	return nil
}

func errorProperty(e *ErrorRecord, n string) any {
	switch n {
	case "exception":
		return NewPropertyBag("System.Management.Automation.RuntimeException", "Message", e.Message)
	case "fullyqualifiederrorid":
		return e.ErrorID
	case "categoryinfo":
		return e.Category
	}
	return nil
}

func (x *interp) callMethod(obj any, name string, args []any) (any, error) {
	n := strings.ToLower(name)
	switch o := obj.(type) {
	case nil:
		return nil, &ErrorRecord{Message: "You cannot call a method on a null-valued expression.", ErrorID: "InvokeMethodOnNull", Category: "InvalidOperation"}
	case string:
		return stringMethod(o, n, name, args)
	case *Hashtable:
		return hashMethod(o, n, name, args)
	case *scriptBlock:
		if n == "invoke" || n == "invokereturnasis" {
			var out []any
			err := x.execBlock(o.body, func(v any) { out = append(out, v) })
			return collapse(out), err
		}
	case Object:
		return o.Method(x.ctx, name, args)
	}
	switch n {
	case "tostring":
		if len(args) == 0 {
			return ToString(obj), nil
		}
	case "equals":
		if len(args) == 1 {
			return equal(obj, args[0], true), nil
		}
	case "compareto":
		if len(args) == 1 {
			c, err := compare(obj, args[0], true)
			return int64(c), err
		}
	case "gettype":
		return psType{name: TypeOf(obj)}, nil
	case "getvalue":
		if _, ok := obj.([]any); ok && len(args) == 1 {
			return index(obj, args[0])
		}
	}
	return nil, noMethod(TypeOf(obj), name)
}

func argCount(name string, args []any, want ...int) error {
	for _, w := range want {
		if len(args) == w {
			return nil
		}
	}
	return &ErrorRecord{Message: fmt.Sprintf("Cannot find an overload for \"%s\" and the argument count: \"%d\".", name, len(args)), ErrorID: "MethodCountCouldNotFindBest"}
}

func hashMethod(h *Hashtable, n, name string, args []any) (any, error) {
	switch n {
	case "containskey", "contains":
		if err := argCount(name, args, 1); err != nil {
			return nil, err
		}
		_, ok := h.Get(args[0])
		return ok, nil
	case "containsvalue":
		if err := argCount(name, args, 1); err != nil {
			return nil, err
		}
		for _, v := range h.vals {
			if equal(v, args[0], false) {
				return true, nil
			}
		}
		return false, nil
	case "add":
		if err := argCount(name, args, 2); err != nil {
			return nil, err
		}
		if _, dup := h.Get(args[0]); dup {
			k := ToString(args[0])
			return nil, &ErrorRecord{Message: fmt.Sprintf("Item has already been added. Key in dictionary: '%s'  Key being added: '%s'", k, k)}
		}
		h.Set(args[0], args[1])
		return nil, nil
	case "remove":
		if err := argCount(name, args, 1); err != nil {
			return nil, err
		}
		h.Delete(args[0])
		return nil, nil
	case "clear":
		*h = *NewHashtable()
		return nil, nil
	case "clone":
		c := NewHashtable()
		for i, k := range h.keys {
			c.Set(k, h.vals[i])
		}
		return c, nil
	case "tostring":
		return ToString(h), nil
	}
	return nil, noMethod("System.Collections.Hashtable", name)
}

// stringMethod is System.String's methods; positions count UTF-16 units
// as .NET does (runes here: the scripts handle BMP text).
func stringMethod(s, n, name string, args []any) (any, error) {
	strArg := func(i int) string { return ToString(args[i]) }
	rs := []rune(s)
	switch n {
	case "replace":
		if err := argCount(name, args, 2); err != nil {
			return nil, err
		}
		if strArg(0) == "" {
			return nil, &ErrorRecord{Message: "String cannot be of zero length.\r\nParameter name: oldValue"}
		}
		return strings.ReplaceAll(s, strArg(0), strArg(1)), nil
	case "split":
		return splitString(s, args), nil
	case "trim", "trimstart", "trimend":
		cut := unicode.IsSpace
		if len(args) > 0 {
			set := ToString(args)
			if len(args) == 1 {
				set = strArg(0)
			}
			cut = func(r rune) bool { return strings.ContainsRune(set, r) }
		}
		switch n {
		case "trimstart":
			return strings.TrimLeftFunc(s, cut), nil
		case "trimend":
			return strings.TrimRightFunc(s, cut), nil
		}
		return strings.TrimFunc(s, cut), nil
	case "toupper", "toupperinvariant":
		return strings.ToUpper(s), nil
	case "tolower", "tolowerinvariant":
		return strings.ToLower(s), nil
	case "tostring", "clone":
		return s, nil
	case "contains", "startswith", "endswith", "equals":
		if err := argCount(name, args, 1); err != nil {
			return nil, err
		}
		a := strArg(0)
		switch n {
		case "contains":
			return strings.Contains(s, a), nil
		case "startswith":
			return strings.HasPrefix(s, a), nil
		case "endswith":
			return strings.HasSuffix(s, a), nil
		}
		return s == a, nil
	case "indexof", "lastindexof":
		if err := argCount(name, args, 1); err != nil {
			return nil, err
		}
		i := strings.Index(s, strArg(0))
		if n == "lastindexof" {
			i = strings.LastIndex(s, strArg(0))
		}
		if i < 0 {
			return int64(-1), nil
		}
		return int64(len([]rune(s[:i]))), nil
	case "substring", "remove", "padleft", "padright", "insert":
		return stringPosMethod(rs, n, name, args)
	case "tochararray":
		out := make([]any, len(rs))
		for i, r := range rs {
			out[i] = string(r)
		}
		return out, nil
	case "compareto":
		if err := argCount(name, args, 1); err != nil {
			return nil, err
		}
		c, _ := compare(s, args[0], false)
		return int64(c), nil
	case "gettype":
		return psType{name: "System.String"}, nil
	}
	return nil, noMethod("System.String", name)
}

// splitString is String.Split(char[]): every character of every argument
// separates; no argument splits at white space; empty pieces stay.
func splitString(s string, args []any) []any {
	var seps string
	for _, a := range args {
		if _, isNum := a.(int64); isNum {
			continue // the count overload: not needed
		}
		seps += ToString(a)
	}
	isSep := func(r rune) bool {
		if seps == "" {
			return unicode.IsSpace(r)
		}
		return strings.ContainsRune(seps, r)
	}
	var out []any
	start := 0
	for i, r := range s {
		if isSep(r) {
			out = append(out, s[start:i])
			start = i + len(string(r))
		}
	}
	return append(out, s[start:])
}

// stringPosMethod is String's methods that take positions.
func stringPosMethod(rs []rune, n, name string, args []any) (any, error) {
	s := string(rs)
	strArg := func(i int) string { return ToString(args[i]) }
	intArg := func(i int) (int, error) {
		v, err := ToInt(args[i])
		return int(v), err
	}
	switch n {
	case "substring", "remove":
		if err := argCount(name, args, 1, 2); err != nil {
			return nil, err
		}
		start, err := intArg(0)
		if err != nil {
			return nil, err
		}
		length := len(rs) - start
		if len(args) == 2 {
			if length, err = intArg(1); err != nil {
				return nil, err
			}
		}
		if start < 0 || start > len(rs) || length < 0 || start+length > len(rs) {
			return nil, &ErrorRecord{Message: "Index and length must refer to a location within the string.\r\nParameter name: length"}
		}
		if n == "remove" {
			return string(rs[:start]) + string(rs[start+length:]), nil
		}
		return string(rs[start : start+length]), nil
	case "padleft", "padright":
		if err := argCount(name, args, 1, 2); err != nil {
			return nil, err
		}
		w, err := intArg(0)
		if err != nil {
			return nil, err
		}
		pad := " "
		if len(args) == 2 && strArg(1) != "" {
			pad = string([]rune(strArg(1))[0])
		}
		if w <= len(rs) || w > 1<<20 {
			return s, nil
		}
		if n == "padleft" {
			return strings.Repeat(pad, w-len(rs)) + s, nil
		}
		return s + strings.Repeat(pad, w-len(rs)), nil
	case "insert":
		if err := argCount(name, args, 2); err != nil {
			return nil, err
		}
		i, err := intArg(0)
		if err != nil || i < 0 || i > len(rs) {
			return nil, &ErrorRecord{Message: "Specified argument was out of the range of valid values.\r\nParameter name: startIndex"}
		}
		return string(rs[:i]) + strArg(1) + string(rs[i:]), nil
	}
	return nil, noMethod("System.String", name)
}
