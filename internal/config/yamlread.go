package config

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// The schemas are read straight from the goccy/go-yaml AST rather than
// through its reflection decoder. The decoder silently truncates 2.5 to 2 for
// an int field, turns `- ~` into a zero-valued entry, and names Go struct
// fields ("S.Replication") in its messages; reading the AST ourselves gives
// exact node types, the field path (nodes[1].state) and the line and column
// of every value, which is what an engineer needs at 22:00 in a window.

// reader walks one file's AST and keeps the first error it meets; every
// accessor is a no-op returning a zero value once an error is recorded, so
// the schema code reads top to bottom without an if after each field.
type reader struct {
	file string
	err  *Error
}

// failed reports whether an error has been recorded.
func (r *reader) failed() bool { return r.err != nil }

// fail records an error at node n (nil: no position) unless one is already
// recorded: the first error in reading order is the one reported. msg is
// worded with say (or is a say-worded error's text), so it can be
// translated when it is printed.
func (r *reader) fail(n ast.Node, field, msg string) {
	r.failErr(n, field, nil, msg)
}

// failErr is fail with an underlying cause kept for errors.Is/As.
func (r *reader) failErr(n ast.Node, field string, cause error, msg string) {
	if r.err != nil {
		return
	}
	line, col := position(n)
	r.err = &Error{File: r.file, Line: line, Col: col, Field: field, Msg: msg, Err: cause}
}

// isNil catches both a nil interface and a typed nil pointer inside one.
func isNil(n ast.Node) bool {
	if n == nil {
		return true
	}
	v := reflect.ValueOf(n)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// position is where an editor should put the cursor for node n. A block
// mapping's own token is its first colon, so mappings point at their first
// key instead.
func position(n ast.Node) (line, col int) {
	if isNil(n) {
		return 0, 0
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		if len(v.Values) > 0 && !isNil(v.Values[0]) {
			return position(v.Values[0])
		}
	case *ast.MappingValueNode:
		if !isNil(v.Key) {
			return position(v.Key)
		}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

// describe names a node's kind in the words of the error messages.
func describe(n ast.Node) string {
	switch n.(type) {
	case nil:
		return say("nothing")
	case *ast.MappingNode, *ast.MappingValueNode:
		return say("a mapping")
	case *ast.SequenceNode:
		return say("a list")
	case *ast.StringNode, *ast.LiteralNode:
		return say("text")
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return say("a number")
	case *ast.BoolNode:
		return say("true/false")
	case *ast.NullNode:
		return say("nothing (null)")
	}
	// A node kind no schema meets (a YAML directive, a comment); its
	// name is the parser's, English, and stays so.
	return "a " + strings.ToLower(n.Type().String())
}

// Nesting limits, far beyond what the schemas use (three levels). The YAML
// parser's time grows with the square of the nesting depth (100,000 nested
// brackets take minutes), so absurd nesting is refused before parsing.
const (
	maxNesting = 32
	maxIndent  = 256
)

// tooDeep scans for flow collections nested deeper than maxNesting, block
// sequences started more than maxNesting times on one line ("- - - x"),
// and lines indented more than maxIndent spaces. It skips quoted text and
// comments; plain text holding many unclosed brackets may be refused, which
// no real file does.
func tooDeep(data []byte) (line, col int, why string) {
	nested := say("lists or mappings are nested more than %d deep here; a cmsrunbook file needs 3", maxNesting)
	depth := 0
	var quote byte // the quote character of the text being skipped, or 0
	lineStart := true
	indent, dashes := 0, 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\n' {
			lineStart, indent, dashes = true, 0, 0
			continue
		}
		switch {
		case quote == '"' && c == '\\':
			i++ // skip the escaped character
			continue
		case quote != 0:
			if c == quote {
				quote = 0
			}
			continue
		}
		if lineStart {
			switch c {
			case ' ':
				if indent++; indent > maxIndent {
					line, col := offsetPosition(data, i)
					return line, col, say("the line is indented more than %d spaces", maxIndent)
				}
				continue
			case '-', '?':
				if i+1 < len(data) && (data[i+1] == ' ' || data[i+1] == '\t') {
					if dashes++; dashes > maxNesting {
						line, col := offsetPosition(data, i)
						return line, col, nested
					}
					continue
				}
			case '\t':
				continue
			}
			lineStart = false
		}
		switch c {
		case '\'', '"':
			// A quote opens quoted text only where a scalar can start, so
			// the apostrophe in "Don't" does not hide what follows.
			if i == 0 || strings.IndexByte(" \t\n:,[{-?", data[i-1]) >= 0 {
				quote = c
			}
		case '#':
			if i == 0 || data[i-1] == ' ' || data[i-1] == '\t' || data[i-1] == '\n' {
				for i+1 < len(data) && data[i+1] != '\n' {
					i++
				}
			}
		case '[', '{':
			if depth++; depth > maxNesting {
				line, col := offsetPosition(data, i)
				return line, col, nested
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return 0, 0, ""
}

// fields is one YAML mapping read against a fixed set of keys.
type fields struct {
	r    *reader
	path string   // "" for the file's root mapping
	node ast.Node // the mapping; nil when the mapping is absent
	at   ast.Node // where to point for a missing key when node is nil
	vals map[string]*ast.MappingValueNode
}

// child is the path of key under f.
func (f *fields) child(key string) string {
	if f.path == "" {
		return key
	}
	return f.path + "." + key
}

// present reports whether the mapping itself was in the file.
func (f *fields) present() bool { return f.node != nil }

// mapping reads n as a mapping whose keys must all be in allowed. An absent
// or null n gives an empty, not-present mapping.
func (r *reader) mapping(n ast.Node, at ast.Node, path string, allowed ...string) *fields {
	f := &fields{r: r, path: path, at: at, vals: map[string]*ast.MappingValueNode{}}
	n = r.plain(n, path)
	if n == nil || r.failed() {
		return f
	}
	var mvs []*ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingNode:
		mvs = v.Values
	case *ast.MappingValueNode:
		mvs = []*ast.MappingValueNode{v}
	default:
		r.fail(n, path, say("expected a mapping of keys (%s), got %s", strings.Join(allowed, ", "), describe(n)))
		return f
	}
	f.node = n
	for _, mv := range mvs {
		if isNil(mv) || isNil(mv.Key) {
			continue
		}
		if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
			r.fail(mv.Key, path, say("merge keys (<<) are not supported; write the keys out"))
			return f
		}
		key := keyText(mv.Key)
		kpath := f.child(key)
		if first, dup := f.vals[key]; dup {
			line, _ := position(first)
			r.fail(mv.Key, kpath, say("key %q appears twice; the first is on line %s", key, strconv.Itoa(line)))
			return f
		}
		if !slices.Contains(allowed, key) {
			keys := strings.Join(allowed, ", ")
			if best := suggest(key, allowed); best != "" {
				r.fail(mv.Key, kpath, say("unknown key %q (did you mean %q?); the keys here are %s", key, best, keys))
			} else {
				r.fail(mv.Key, kpath, say("unknown key %q; the keys here are %s", key, keys))
			}
			return f
		}
		f.vals[key] = mv
	}
	return f
}

// keyText is a mapping key as written.
func keyText(k ast.MapKeyNode) string {
	if s, ok := k.(*ast.StringNode); ok {
		return s.Value
	}
	if tk := k.GetToken(); tk != nil {
		return tk.Value
	}
	return k.String()
}

// suggest offers the allowed key closest to a misspelt one ("" when none
// is close).
func suggest(key string, allowed []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	best, bestD := "", 3
	for _, a := range allowed {
		d := editDistance(norm(key), norm(a))
		if d < bestD {
			best, bestD = a, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance, for short keys only.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return math.MaxInt
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// plain rejects the YAML features these files do not use (tags, anchors,
// aliases), so that what a reviewer reads in the file is what runs, and
// maps null to nil.
func (r *reader) plain(n ast.Node, path string) ast.Node {
	if isNil(n) {
		return nil
	}
	switch n.(type) {
	case *ast.NullNode:
		return nil
	case *ast.TagNode:
		r.fail(n, path, say("YAML tags (like !!str) are not used in cmsrunbook files; write the plain value"))
		return nil
	case *ast.AnchorNode, *ast.AliasNode:
		r.fail(n, path, aliasMsg())
		return nil
	}
	return n
}

// value is the key's value node, nil when absent or null.
func (f *fields) value(key string) ast.Node {
	mv, ok := f.vals[key]
	if !ok {
		return nil
	}
	return f.r.plain(mv.Value, f.child(key))
}

// has reports a key that is present with a non-null value.
func (f *fields) has(key string) bool {
	mv, ok := f.vals[key]
	if !ok || isNil(mv.Value) {
		return false
	}
	_, null := mv.Value.(*ast.NullNode)
	return !null
}

// where is the node to point at for a problem with key: its value, else
// its key, else the mapping (or what stands for it).
func (f *fields) where(key string) ast.Node {
	if mv, ok := f.vals[key]; ok {
		if f.has(key) {
			return mv.Value
		}
		return mv.Key
	}
	if f.node != nil {
		return f.node
	}
	return f.at
}

// fail reports a problem with key's value; msg is worded with say.
func (f *fields) fail(key, msg string) {
	f.r.fail(f.where(key), f.child(key), msg)
}

// failErr reports a domain validation error for key's value.
func (f *fields) failErr(key string, err error) {
	f.r.failErr(f.where(key), f.child(key), err, err.Error())
}

// require reports a missing required key; hint says what to write.
func (f *fields) require(key, hint string) bool {
	if f.r.failed() {
		return false
	}
	if f.has(key) {
		return true
	}
	if _, ok := f.vals[key]; ok {
		f.fail(key, say("is empty; %s", hint))
	} else {
		f.fail(key, say("is missing; %s", hint))
	}
	return false
}

// str reads a text value. Numbers and booleans are accepted as their text
// as written (a title of 2008 is the text "2008"); lists and mappings are
// not.
func (f *fields) str(key string) string {
	n := f.value(key)
	if n == nil || f.r.failed() {
		return ""
	}
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value
	case *ast.LiteralNode:
		if v.Value == nil {
			return ""
		}
		return v.Value.Value
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value
		}
	}
	f.fail(key, say("expected text, got %s", describe(n)))
	return ""
}

// boolean reads true or false; def when absent.
func (f *fields) boolean(key string, def bool) bool {
	n := f.value(key)
	if n == nil || f.r.failed() {
		return def
	}
	if b, ok := n.(*ast.BoolNode); ok {
		return b.Value
	}
	f.fail(key, say("expected true or false, got %s", quoted(n)))
	return def
}

// integer reads a whole number in [lo, hi]; def when absent.
func (f *fields) integer(key string, def, lo, hi int) int {
	n := f.value(key)
	if n == nil || f.r.failed() {
		return def
	}
	in, ok := n.(*ast.IntegerNode)
	if !ok {
		f.fail(key, say("expected a whole number, got %s", quoted(n)))
		return def
	}
	var v int64
	switch x := in.Value.(type) {
	case int64:
		v = x
	case uint64:
		v = math.MaxInt64
		if x < math.MaxInt64 {
			v = int64(x)
		}
	default:
		f.fail(key, say("expected a whole number, got %s", quoted(n)))
		return def
	}
	if v < int64(lo) || v > int64(hi) {
		f.fail(key, say("%s is out of range; expected %d to %d", quoted(n), lo, hi))
		return def
	}
	return int(v)
}

// duration reads a Go duration like 1800s or 4m, within (0, hi].
func (f *fields) duration(key string, def, hi time.Duration) time.Duration {
	n := f.value(key)
	if n == nil || f.r.failed() {
		return def
	}
	if in, ok := n.(*ast.IntegerNode); ok {
		s := in.GetToken().Value
		f.fail(key, say("%s has no unit; write it with one, like %ss", s, s))
		return def
	}
	s := f.str(key)
	if f.r.failed() {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		f.fail(key, say("%q is not a duration like 90s, 4m or 1h30m", s))
		return def
	}
	if d <= 0 {
		f.fail(key, say("%s must be longer than zero", s))
		return def
	}
	if d > hi {
		f.fail(key, say("%s is longer than the limit of %s", s, hi))
		return def
	}
	return d
}

// list reads a list of entries (nil when absent or null).
func (f *fields) list(key string) []ast.Node {
	n := f.value(key)
	if n == nil || f.r.failed() {
		return nil
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		f.fail(key, say("expected a list (lines starting with -), got %s", describe(n)))
		return nil
	}
	return seq.Values
}

// sub reads key's value as a nested mapping.
func (f *fields) sub(key string, allowed ...string) *fields {
	at := f.where(key)
	return f.r.mapping(f.value(key), at, f.child(key), allowed...)
}

// entries reads key as a list of mappings, each with the allowed keys.
func (f *fields) entries(key string, allowed ...string) []*fields {
	var out []*fields
	for i, n := range f.list(key) {
		path := fmt.Sprintf("%s[%d]", f.child(key), i)
		if f.r.plain(n, path) == nil {
			f.r.fail(orAt(n, f.where(key)), path, say("empty list entry; expected a mapping with %s", strings.Join(allowed, ", ")))
			return nil
		}
		if _, ok := n.(*ast.SequenceNode); ok {
			f.r.fail(n, path, say("expected a mapping with %s, got a list", strings.Join(allowed, ", ")))
			return nil
		}
		if _, ok := n.(*ast.MappingNode); !ok {
			if _, ok := n.(*ast.MappingValueNode); !ok {
				f.r.fail(n, path, say("expected a mapping with %s, got %s", strings.Join(allowed, ", "), quoted(n)))
				return nil
			}
		}
		e := f.r.mapping(n, n, path, allowed...)
		if f.r.failed() {
			return nil
		}
		out = append(out, e)
	}
	return out
}

func orAt(n, at ast.Node) ast.Node {
	if line, _ := position(n); line > 0 {
		return n
	}
	return at
}

// quoted shows a scalar as written, for "got ..." in messages.
func quoted(n ast.Node) string {
	switch n.(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := n.GetToken(); tk != nil {
			return strconv.Quote(tk.Value)
		}
	}
	return describe(n)
}
