package sim

import (
	"fmt"
	"path"
	"strings"
	"unicode"
)

// This file is the little PowerShell 1.0 the simulator understands: a
// lexer, pipelines of cmdlets with named, prefixed and positional
// parameters, Where-Object filters on properties, the list and table
// formatters, and PowerShell's error layout. The Exchange cmdlets
// themselves are in interp_exchange.go.

type psTok struct {
	kind byte // 'w' word, 's' string, 'p' parameter, 'b' script block, '|', ';'
	text string
	val  *psTok // a parameter's attached value (-Confirm:$false)
	pos  int    // byte offset in the line
	end  int
}

// psLex splits a PowerShell line into tokens.
func psLex(line string) []psTok {
	var toks []psTok
	i := 0
	for i < len(line) {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '|' || c == ';':
			toks = append(toks, psTok{kind: c, text: string(c), pos: i, end: i + 1})
			i++
		case c == '{':
			depth, j := 0, i
			for ; j < len(line); j++ {
				if line[j] == '{' {
					depth++
				} else if line[j] == '}' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			end := min(j+1, len(line))
			toks = append(toks, psTok{kind: 'b', text: strings.TrimSpace(line[i+1 : max(i+1, end-1)]), pos: i, end: end})
			i = end
		case c == '\'' || c == '"':
			t, n := psString(line[i:])
			t.pos, t.end = i, i+n
			toks = append(toks, t)
			i += n
		case c == '-' && i+1 < len(line) && unicode.IsLetter(rune(line[i+1])) && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			j := i + 1
			for j < len(line) && (unicode.IsLetter(rune(line[j])) || unicode.IsDigit(rune(line[j]))) {
				j++
			}
			t := psTok{kind: 'p', text: line[i+1 : j], pos: i}
			if j < len(line) && line[j] == ':' {
				j++
				var v psTok
				if j < len(line) && (line[j] == '\'' || line[j] == '"') {
					var n int
					v, n = psString(line[j:])
					j += n
				} else {
					k := j
					for k < len(line) && !strings.ContainsRune(" \t|;", rune(line[k])) {
						k++
					}
					v = psTok{kind: 'w', text: line[j:k]}
					j = k
				}
				t.val = &v
			}
			t.end = j
			toks = append(toks, t)
			i = j
		default:
			j := i
			for j < len(line) && !strings.ContainsRune(" \t|;", rune(line[j])) {
				j++
			}
			toks = append(toks, psTok{kind: 'w', text: line[i:j], pos: i, end: j})
			i = j
		}
	}
	return toks
}

// psString reads a quoted string at the start of s: ” doubles a single
// quote, `" and "" escape a double quote. It returns the token and the
// bytes consumed.
func psString(s string) (psTok, int) {
	q := s[0]
	var b strings.Builder
	i := 1
	for i < len(s) {
		c := s[i]
		switch {
		case c == q && i+1 < len(s) && s[i+1] == q:
			b.WriteByte(q)
			i += 2
		case c == q:
			return psTok{kind: 's', text: b.String()}, i + 1
		case q == '"' && c == '`' && i+1 < len(s):
			b.WriteByte(s[i+1])
			i += 2
		default:
			b.WriteByte(c)
			i++
		}
	}
	return psTok{kind: 's', text: b.String()}, i
}

// psCall is one element of a pipeline.
type psCall struct {
	name    string
	nameEnd int // offset after the command name, for "At line:1 char:N"
	args    []psTok
	named   map[string]string
	pos     []string
	start   int
	end     int
}

// psSplit turns tokens into statements of pipelines.
func psSplit(toks []psTok) [][]*psCall {
	var stmts [][]*psCall
	var pipe []*psCall
	var cur *psCall
	flush := func() {
		if cur != nil {
			pipe = append(pipe, cur)
			cur = nil
		}
	}
	for _, t := range toks {
		switch t.kind {
		case ';':
			flush()
			if len(pipe) > 0 {
				stmts = append(stmts, pipe)
			}
			pipe = nil
		case '|':
			flush()
		default:
			if cur == nil {
				cur = &psCall{name: t.text, nameEnd: t.end, start: t.pos, end: t.end}
				continue
			}
			cur.args = append(cur.args, t)
			cur.end = t.end
		}
	}
	flush()
	if len(pipe) > 0 {
		stmts = append(stmts, pipe)
	}
	return stmts
}

// psError is an error a cmdlet writes; it ends the line (exit code 1).
type psError struct {
	call *psCall
	msg  string
}

// bind matches the call's arguments to the cmdlet's parameters: names may
// be abbreviated to any unique prefix, switches take no value, and
// positional arguments fill positional in order.
func (c *psCall) bind(params, switches, positional []string) *psError {
	c.named = map[string]string{}
	all := append(append([]string(nil), params...), switches...)
	isSwitch := func(n string) bool {
		for _, s := range switches {
			if s == n {
				return true
			}
		}
		return false
	}
	npos := 0
	for i := 0; i < len(c.args); i++ {
		a := c.args[i]
		if a.kind != 'p' {
			if npos >= len(positional) {
				return &psError{c, fmt.Sprintf("A positional parameter cannot be found that accepts argument '%s'.", a.text)}
			}
			c.named[positional[npos]] = a.text
			npos++
			continue
		}
		var match []string
		for _, p := range all {
			if strings.EqualFold(p, a.text) {
				match = []string{p}
				break
			}
			if strings.HasPrefix(strings.ToLower(p), strings.ToLower(a.text)) {
				match = append(match, p)
			}
		}
		switch {
		case len(match) == 0:
			return &psError{c, fmt.Sprintf("A parameter cannot be found that matches parameter name '%s'.", a.text)}
		case len(match) > 1:
			return &psError{c, fmt.Sprintf("Parameter cannot be processed because the parameter name '%s' is ambiguous. Possible matches include: -%s.", a.text, strings.Join(match, " -"))}
		}
		p := match[0]
		switch {
		case a.val != nil:
			c.named[p] = a.val.text
		case isSwitch(p):
			c.named[p] = "$true"
		case i+1 < len(c.args) && c.args[i+1].kind != 'p':
			c.named[p] = c.args[i+1].text
			i++
		default:
			return &psError{c, fmt.Sprintf("Missing an argument for parameter '%s'. Specify a parameter of type 'System.String' and try again.", p)}
		}
	}
	return nil
}

func (c *psCall) has(p string) bool { _, ok := c.named[p]; return ok }

// on reports a switch given as -X or -X:$true.
func (c *psCall) on(p string) bool {
	v, ok := c.named[p]
	return ok && !strings.EqualFold(v, "$false")
}

// require reports missing mandatory parameters the way a non-interactive
// shell does (it cannot prompt for them).
func (c *psCall) require(ps ...string) *psError {
	var missing []string
	for _, p := range ps {
		if !c.has(p) || strings.TrimSpace(c.named[p]) == "" {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &psError{c, "Cannot process command because of one or more missing mandatory parameters: " + strings.Join(missing, " ") + "."}
}

// psObj is an object in the pipeline: ordered properties and the world
// object it stands for.
type psObj struct {
	typ   string
	props []psProp
	view  []string // default table columns; nil means list view
	db    *database
	g     *group
}

type psProp struct {
	name string
	val  any // string, int, bool, []string
}

func (o psObj) get(name string) (any, bool) {
	for _, p := range o.props {
		if strings.EqualFold(p.name, name) {
			return p.val, true
		}
	}
	return nil, false
}

func psFormat(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case bool:
		if t {
			return "True"
		}
		return "False"
	case int:
		return fmt.Sprint(t)
	case []string:
		return "{" + strings.Join(t, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// selectProps expands property patterns (wildcards allowed) against an
// object's properties, in the object's order when a pattern is a wildcard.
func selectProps(o psObj, pats []string) []string {
	if len(pats) == 0 {
		var all []string
		for _, p := range o.props {
			all = append(all, p.name)
		}
		return all
	}
	var out []string
	for _, pat := range pats {
		for _, p := range o.props {
			if ok, _ := path.Match(strings.ToLower(pat), strings.ToLower(p.name)); ok {
				out = append(out, p.name)
			}
		}
	}
	return out
}

// formatList renders objects as Format-List does.
func formatList(objs []psObj, pats []string) []string {
	out := []string{""}
	for _, o := range objs {
		names := selectProps(o, pats)
		w := 0
		for _, n := range names {
			w = max(w, len(n))
		}
		for _, n := range names {
			v, _ := o.get(n)
			out = append(out, strings.TrimRight(fmt.Sprintf("%-*s : %s", w, n, psFormat(v)), " "))
		}
		out = append(out, "")
	}
	return append(out, "")
}

// formatTable renders objects as Format-Table does: columns as wide as
// their widest cell, numbers right-aligned, a dashed rule under each
// header as long as the header.
func formatTable(objs []psObj, cols []string) []string {
	if len(objs) == 0 {
		return nil
	}
	if len(cols) == 0 {
		cols = objs[0].view
	}
	cols = selectProps(objs[0], cols)
	w := make([]int, len(cols))
	num := make([]bool, len(cols))
	cells := make([][]string, len(objs))
	for i, c := range cols {
		w[i] = len(c)
		num[i] = true
		for j, o := range objs {
			v, _ := o.get(c)
			if _, isInt := v.(int); !isInt {
				num[i] = false
			}
			s := psFormat(v)
			cells[j] = append(cells[j], s)
			w[i] = max(w[i], len(s))
		}
	}
	row := func(vals []string, rule bool) string {
		var b strings.Builder
		for i, v := range vals {
			if rule {
				v = strings.Repeat("-", len(cols[i]))
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			if num[i] {
				fmt.Fprintf(&b, "%*s", w[i], v)
			} else {
				fmt.Fprintf(&b, "%-*s", w[i], v)
			}
		}
		return strings.TrimRight(b.String(), " ")
	}
	out := []string{"", row(cols, false), row(cols, true)}
	for _, c := range cells {
		out = append(out, row(c, false))
	}
	return append(out, "")
}

// whereFilter evaluates the Where-Object blocks scripts use on Exchange
// objects: $_.P, -not $_.P, !$_.P, and $_.P -eq|-ne|-like V.
func whereFilter(block string, o psObj) (bool, error) {
	b := strings.TrimSpace(block)
	neg := false
	switch {
	case strings.HasPrefix(strings.ToLower(b), "-not "):
		neg, b = true, strings.TrimSpace(b[5:])
	case strings.HasPrefix(b, "!"):
		neg, b = true, strings.TrimSpace(b[1:])
	}
	b = strings.TrimSuffix(strings.TrimPrefix(b, "("), ")")
	fields := strings.Fields(b)
	if len(fields) == 0 || !strings.HasPrefix(fields[0], "$_.") {
		return false, fmt.Errorf("unsupported filter %q", block)
	}
	v, _ := o.get(fields[0][3:])
	var res bool
	switch {
	case len(fields) == 1:
		res = psTruthy(v)
	case len(fields) >= 3:
		rhs := strings.Trim(strings.Join(fields[2:], " "), `'"`)
		lhs := psFormat(v)
		switch strings.ToLower(rhs) {
		case "$true":
			rhs = "True"
		case "$false":
			rhs = "False"
		}
		switch strings.ToLower(fields[1]) {
		case "-eq":
			res = strings.EqualFold(lhs, rhs)
		case "-ne":
			res = !strings.EqualFold(lhs, rhs)
		case "-like":
			res, _ = path.Match(strings.ToLower(rhs), strings.ToLower(lhs))
		default:
			return false, fmt.Errorf("unsupported operator %q", fields[1])
		}
	default:
		return false, fmt.Errorf("unsupported filter %q", block)
	}
	return res != neg, nil
}

func psTruthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case int:
		return t != 0
	case string:
		return t != ""
	case []string:
		return len(t) > 0
	}
	return true
}
