package ps

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// binary applies a binary operator. Comparisons follow the left operand:
// a string compares as strings (case-insensitively unless -c...), a
// number as numbers, and an array on the left filters its elements.
func (x *interp) binary(op string, cs bool, l, r any) (any, error) {
	if b, ok := l.([]byte); ok && op != "+" {
		l = ToArray(b)
	}
	if o, ok := l.(Object); ok && (op == "+" || op == "-") {
		// .NET operator overloads (DateTime - DateTime).
		name := map[string]string{"+": "op_Addition", "-": "op_Subtraction"}[op]
		v, err := o.Method(x.ctx, name, []any{r})
		if rec, isRec := err.(*ErrorRecord); isRec && rec.ErrorID == "MethodNotFound" {
			return nil, &ErrorRecord{Message: fmt.Sprintf("Method invocation failed because [%s] doesn't contain a method named '%s'.", o.TypeName(), name), ErrorID: "MethodNotFound"}
		}
		return v, err
	}
	switch op {
	case "+":
		return add(l, r)
	case "-", "*", "/", "%":
		return arith(op, l, r)
	case "-xor":
		return Truthy(l) != Truthy(r), nil
	case "-band", "-bor", "-bxor":
		a, err := ToLong(l)
		if err != nil {
			return nil, err
		}
		b, err := ToLong(r)
		if err != nil {
			return nil, err
		}
		switch op {
		case "-band":
			return a & b, nil
		case "-bor":
			return a | b, nil
		}
		return a ^ b, nil
	case "-f":
		return formatOp(ToString(l), ToArray(r))
	case "..":
		return rangeOp(l, r)
	case "-contains", "-notcontains":
		found := false
		for _, e := range ToArray(l) {
			if equal(e, r, cs) {
				found = true
				break
			}
		}
		return found == (op == "-contains"), nil
	case "-is", "-isnot":
		return isType(l, r) == (op == "-is"), nil
	case "-as":
		v, err := x.cast(ToString(r), l)
		if err != nil {
			return nil, nil
		}
		return v, nil
	case "-replace":
		return x.replace(l, r, cs)
	}
	if arr, ok := l.([]any); ok {
		out := []any{}
		for _, e := range arr {
			ok, err := x.compareOne(op, cs, e, r, false)
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, e)
			}
		}
		return out, nil
	}
	return x.compareOne(op, cs, l, r, true)
}

func (x *interp) compareOne(op string, cs bool, l, r any, setMatches bool) (bool, error) {
	switch op {
	case "-eq":
		return equal(l, r, cs), nil
	case "-ne":
		return !equal(l, r, cs), nil
	case "-gt", "-ge", "-lt", "-le":
		c, err := compare(l, r, cs)
		if err != nil {
			return false, err
		}
		switch op {
		case "-gt":
			return c > 0, nil
		case "-ge":
			return c >= 0, nil
		case "-lt":
			return c < 0, nil
		}
		return c <= 0, nil
	case "-like", "-notlike":
		return Wildcard(ToString(r), ToString(l), !cs) == (op == "-like"), nil
	case "-match", "-notmatch":
		re, err := x.regex(ToString(r), cs)
		if err != nil {
			return false, err
		}
		s := ToString(l)
		m := re.FindStringSubmatchIndex(s)
		if m != nil && setMatches {
			x.vars["matches"] = matchTable(re, s, m)
		}
		return (m != nil) == (op == "-match"), nil
	}
	return false, fmt.Errorf("unknown operator %s", op)
}

func matchTable(re *regexp.Regexp, s string, m []int) *Hashtable {
	h := NewHashtable()
	for i, name := range re.SubexpNames() {
		if m[2*i] < 0 {
			continue
		}
		var key any = int64(i)
		if name != "" {
			key = name
		}
		h.Set(key, s[m[2*i]:m[2*i+1]])
	}
	return h
}

// regex compiles a .NET pattern (the common subset Go's RE2 shares).
func (x *interp) regex(pat string, cs bool) (*regexp.Regexp, error) {
	key := pat
	if !cs {
		key = "(?i)" + pat
	}
	if re, ok := x.re[key]; ok {
		return re, nil
	}
	re, err := regexp.Compile(key)
	if err != nil {
		return nil, &ErrorRecord{Message: fmt.Sprintf("Invalid regular expression pattern: %s.", pat), ErrorID: "InvalidRegularExpression"}
	}
	x.re[key] = re
	return re, nil
}

var dotnetGroupRef = regexp.MustCompile(`\$(\d+)`)

func (x *interp) replace(l, r any, cs bool) (any, error) {
	var pat, with string
	if arr, ok := r.([]any); ok {
		if len(arr) > 2 {
			return nil, &ErrorRecord{Message: fmt.Sprintf("The -replace operator only permits 2 elements on the right-hand side, not %d", len(arr))}
		}
		if len(arr) > 0 {
			pat = ToString(arr[0])
		}
		if len(arr) > 1 {
			with = ToString(arr[1])
		}
	} else {
		pat = ToString(r)
	}
	re, err := x.regex(pat, cs)
	if err != nil {
		return nil, err
	}
	with = dotnetGroupRef.ReplaceAllString(with, "$${$1}")
	if arr, ok := l.([]any); ok {
		out := make([]any, len(arr))
		for i, e := range arr {
			out[i] = re.ReplaceAllString(ToString(e), with)
		}
		return out, nil
	}
	return re.ReplaceAllString(ToString(l), with), nil
}

func add(l, r any) (any, error) {
	switch a := l.(type) {
	case nil:
		return r, nil
	case string:
		return a + ToString(r), nil
	case []any:
		out := append([]any(nil), a...)
		if rr, ok := r.([]any); ok {
			return append(out, rr...), nil
		}
		return append(out, r), nil
	case []byte:
		return add(ToArray(a), r)
	case *Hashtable:
		b, ok := r.(*Hashtable)
		if !ok {
			return nil, &ErrorRecord{Message: "You can add another hash table only to a hash table."}
		}
		out := NewHashtable()
		for i, k := range a.keys {
			out.Set(k, a.vals[i])
		}
		for i, k := range b.keys {
			if _, dup := out.Get(k); dup {
				return nil, &ErrorRecord{Message: fmt.Sprintf("Item has already been added. Key in dictionary: '%s'  Key being added: '%s'", ToString(k), ToString(k))}
			}
			out.Set(k, b.vals[i])
		}
		return out, nil
	case int64, float64, bool, int:
		return arith("+", l, r)
	}
	return nil, &ErrorRecord{Message: fmt.Sprintf("Method invocation failed because [%s] doesn't contain a method named 'op_Addition'.", TypeOf(l)), ErrorID: "MethodNotFound"}
}

func arith(op string, l, r any) (any, error) {
	if s, ok := l.(string); ok && op == "*" {
		n, err := ToInt(r)
		if err != nil {
			return nil, err
		}
		return strings.Repeat(s, int(max(0, min(n, 1<<20)))), nil
	}
	if _, ok := l.(string); ok && op != "*" {
		if _, isNum := parseNumber(l.(string)); !isNum {
			return nil, &ErrorRecord{Message: fmt.Sprintf("Method invocation failed because [System.String] doesn't contain a method named '%s'.", opMethod(op)), ErrorID: "MethodNotFound"}
		}
	}
	a, err := toNumber(l, "System.Int32")
	if err != nil {
		return nil, err
	}
	b, err := toNumber(r, "System.Int32")
	if err != nil {
		return nil, err
	}
	ai, aInt := a.(int64)
	bi, bInt := b.(int64)
	if aInt && bInt {
		switch op {
		case "+":
			if s := ai + bi; (s > ai) == (bi > 0) {
				return s, nil
			}
		case "-":
			if s := ai - bi; (s < ai) == (bi > 0) {
				return s, nil
			}
		case "*":
			if ai == 0 || bi == 0 {
				return int64(0), nil
			}
			if p := ai * bi; p/bi == ai && !(ai == -1 && bi == math.MinInt64) {
				return p, nil
			}
		case "/":
			if bi == 0 {
				return nil, &ErrorRecord{Message: "Attempted to divide by zero.", ErrorID: "RuntimeException"}
			}
			if ai%bi == 0 {
				return ai / bi, nil
			}
		case "%":
			if bi == 0 {
				return nil, &ErrorRecord{Message: "Attempted to divide by zero.", ErrorID: "RuntimeException"}
			}
			return ai % bi, nil
		}
	}
	af, bf := asFloat(a), asFloat(b)
	switch op {
	case "+":
		return af + bf, nil
	case "-":
		return af - bf, nil
	case "*":
		return af * bf, nil
	case "/":
		if bf == 0 {
			return nil, &ErrorRecord{Message: "Attempted to divide by zero.", ErrorID: "RuntimeException"}
		}
		return af / bf, nil
	}
	return math.Mod(af, bf), nil
}

func opMethod(op string) string {
	return map[string]string{"-": "op_Subtraction", "/": "op_Division", "%": "op_Modulus"}[op]
}

func asFloat(n any) float64 {
	if i, ok := n.(int64); ok {
		return float64(i)
	}
	return n.(float64)
}

// equal is -eq for one left value.
func equal(l, r any, cs bool) bool {
	switch a := l.(type) {
	case nil:
		return r == nil
	case string:
		if r == nil {
			return false
		}
		if cs {
			return a == ToString(r)
		}
		return strings.EqualFold(a, ToString(r))
	case int64, float64, int:
		if r == nil {
			return false
		}
		b, err := toNumber(r, "System.Int32")
		if err != nil {
			return strings.EqualFold(ToString(l), ToString(r))
		}
		an, _ := toNumber(a, "System.Int32")
		if ai, ok := an.(int64); ok {
			if bi, ok := b.(int64); ok {
				return ai == bi
			}
		}
		return asFloat(an) == asFloat(b)
	case bool:
		if r == nil {
			return false
		}
		return a == Truthy(r)
	}
	if c, ok := timeCompare(l, r); ok {
		return c == 0
	}
	if s, ok := r.(string); ok {
		return strings.EqualFold(ToString(l), s)
	}
	return sameRef(l, r)
}

func sameRef(a, b any) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// compare orders l and r for -gt, -lt and Sort-Object.
func compare(l, r any, cs bool) (int, error) {
	switch a := l.(type) {
	case nil:
		if r == nil {
			return 0, nil
		}
		return -1, nil
	case string:
		b := ToString(r)
		if !cs {
			a, b = strings.ToLower(a), strings.ToLower(b)
		}
		return strings.Compare(a, b), nil
	case int64, float64, int, bool:
		an, _ := toNumber(a, "System.Int32")
		bn, err := toNumber(r, TypeOf(l))
		if err != nil {
			return 0, err
		}
		if ai, ok := an.(int64); ok {
			if bi, ok := bn.(int64); ok {
				return cmpInt(ai, bi), nil
			}
		}
		af, bf := asFloat(an), asFloat(bn)
		switch {
		case af < bf:
			return -1, nil
		case af > bf:
			return 1, nil
		}
		return 0, nil
	}
	if c, ok := timeCompare(l, r); ok {
		return c, nil
	}
	return strings.Compare(strings.ToLower(ToString(l)), strings.ToLower(ToString(r))), nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Wildcard matches s against a PowerShell wildcard pattern: * any run,
// ? one character, [abc] and [a-z] one of a set, ` escapes. The match
// backtracks only to the last *, so it takes linear-times-pattern time.
func Wildcard(pattern, s string, fold bool) bool {
	p, t := []rune(pattern), []rune(s)
	if fold {
		for i := range p {
			p[i] = unicode.ToLower(p[i])
		}
		for i := range t {
			t[i] = unicode.ToLower(t[i])
		}
	}
	type tok struct {
		star, any bool
		set       []rune
		lit       rune
	}
	var toks []tok
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '*':
			toks = append(toks, tok{star: true})
		case '?':
			toks = append(toks, tok{any: true})
		case '[':
			end := i + 1
			for end < len(p) && p[end] != ']' {
				end++
			}
			if end == len(p) {
				return false // PowerShell: the pattern is not valid
			}
			toks = append(toks, tok{set: append([]rune{}, p[i+1:end]...)})
			i = end
		case '`':
			if i+1 < len(p) {
				i++
			}
			toks = append(toks, tok{lit: p[i]})
		default:
			toks = append(toks, tok{lit: p[i]})
		}
	}
	one := func(k tok, c rune) bool {
		switch {
		case k.any:
			return true
		case k.set != nil:
			return inSet(k.set, c)
		}
		return k.lit == c
	}
	pi, ti, starP, starT := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(toks) && toks[pi].star:
			starP, starT = pi, ti
			pi++
		case pi < len(toks) && one(toks[pi], t[ti]):
			pi++
			ti++
		case starP >= 0:
			starT++
			pi, ti = starP+1, starT
		default:
			return false
		}
	}
	for pi < len(toks) && toks[pi].star {
		pi++
	}
	return pi == len(toks)
}

func inSet(set []rune, c rune) bool {
	for i := 0; i < len(set); i++ {
		if i+2 < len(set) && set[i+1] == '-' {
			if c >= set[i] && c <= set[i+2] {
				return true
			}
			i += 2
			continue
		}
		if set[i] == c {
			return true
		}
	}
	return false
}

// formatOp is the -f operator: {0}, {1,10}, {0,-5}, {{ and }}.
func formatOp(f string, args []any) (any, error) {
	var b strings.Builder
	bad := &ErrorRecord{Message: fmt.Sprintf("Error formatting a string: %s.", "Input string was not in a correct format"), ErrorID: "FormatError"}
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == '{' && i+1 < len(f) && f[i+1] == '{', c == '}' && i+1 < len(f) && f[i+1] == '}':
			b.WriteByte(c)
			i++
		case c == '{':
			end := strings.IndexByte(f[i:], '}')
			if end < 0 {
				return nil, bad
			}
			spec := f[i+1 : i+end]
			i += end
			spec, _, _ = strings.Cut(spec, ":")
			idxS, widthS, hasW := strings.Cut(spec, ",")
			n, err := strconv.Atoi(strings.TrimSpace(idxS))
			if err != nil || n < 0 {
				return nil, bad
			}
			if n >= len(args) {
				return nil, &ErrorRecord{Message: "Error formatting a string: Index (zero based) must be greater than or equal to zero and less than the size of the argument list..", ErrorID: "FormatError"}
			}
			s := ToString(args[n])
			if hasW {
				w, err := strconv.Atoi(strings.TrimSpace(widthS))
				if err != nil || w > 1<<16 || w < -(1<<16) {
					return nil, bad
				}
				s = fmt.Sprintf("%*s", w, s)
			}
			b.WriteString(s)
		case c == '}':
			return nil, bad
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

func rangeOp(l, r any) (any, error) {
	a, err := ToInt(l)
	if err != nil {
		return nil, err
	}
	b, err := ToInt(r)
	if err != nil {
		return nil, err
	}
	if d := a - b; d > 1<<20 || d < -(1<<20) {
		return nil, &ErrorRecord{Message: "The range is too large.", ErrorID: "RangeTooLarge"}
	}
	step := int64(1)
	if b < a {
		step = -1
	}
	var out []any
	for i := a; ; i += step {
		out = append(out, i)
		if i == b {
			return out, nil
		}
	}
}

func isType(v, t any) bool {
	name := strings.ToLower(strings.TrimPrefix(strings.ToLower(ToString(t)), "system."))
	have := strings.ToLower(strings.TrimPrefix(TypeOf(v), "System."))
	switch name {
	case "int", "int32", "long", "int64":
		_, ok := v.(int64)
		return ok
	case "double", "float", "single":
		_, ok := v.(float64)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "bool", "boolean":
		_, ok := v.(bool)
		return ok
	case "array", "object[]":
		_, ok := v.([]any)
		return ok
	case "hashtable", "collections.hashtable":
		_, ok := v.(*Hashtable)
		return ok
	case "object", "psobject":
		return v != nil
	}
	return v != nil && (have == name || strings.HasSuffix(have, "."+name))
}
