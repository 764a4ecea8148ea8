package ps

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Output formatting as Windows PowerShell 1.0 prints to a redirected
// console: strings and numbers as they are, objects through the default
// view (a registered table or list; otherwise a table for up to four
// properties and a list for more), Format-List and Format-Table on
// request. The layouts are the ones the simulator printed before this
// package existed: a list is a blank line, "Name : value" lines padded to
// the longest name, and a blank line after each object and at the end; a
// table is a blank line, the header, a dashed rule as long as each
// header, the rows (numbers right-aligned) and a blank line.

// formatted is Format-List's or Format-Table's output: lines to print.
type formatted struct{ lines []string }

// outSink is the end of the script's pipelines: it prints strings as
// they come and gathers objects of one type to format them together.
type outSink struct {
	x       *interp
	pending []any
}

func (s *outSink) emit(v any) {
	if isRecord(v) {
		if len(s.pending) > 0 && TypeOf(s.pending[0]) != TypeOf(v) {
			s.flush()
		}
		s.pending = append(s.pending, v)
		return
	}
	s.flush()
	for _, l := range s.x.linesOf(v) {
		s.x.stdout(l)
	}
}

func (s *outSink) flush() {
	if len(s.pending) == 0 {
		return
	}
	objs := s.pending
	s.pending = nil
	for _, l := range defaultFormat(objs) {
		s.x.stdout(l)
	}
}

// isRecord is an object the formatter lays out by its properties.
func isRecord(v any) bool {
	switch t := v.(type) {
	case *Hashtable:
		return true
	case PropertyLister:
		return len(t.PropertyNames()) > 0
	}
	return false
}

// linesOf is how a value that is not laid out by properties prints.
func (x *interp) linesOf(v any) []string {
	switch t := v.(type) {
	case nil:
		return nil
	case *formatted:
		return t.lines
	case *ErrorRecord:
		return x.errorLines(t, true)
	}
	s := strings.ReplaceAll(ToString(v), "\r\n", "\n")
	return strings.Split(s, "\n")
}

// formatAll lays out a sequence of values as Out-Default would.
func (x *interp) formatAll(vals []any) []string {
	var out []string
	var run []any
	flush := func() {
		if len(run) > 0 {
			out = append(out, defaultFormat(run)...)
			run = nil
		}
	}
	for _, v := range vals {
		if isRecord(v) {
			if len(run) > 0 && TypeOf(run[0]) != TypeOf(v) {
				flush()
			}
			run = append(run, v)
			continue
		}
		flush()
		out = append(out, x.linesOf(v)...)
	}
	flush()
	return out
}

func defaultFormat(objs []any) []string {
	objs = expandHashtables(objs)
	if len(objs) == 0 {
		return nil
	}
	var cols []string
	list := false
	if dv, ok := objs[0].(DefaultViewer); ok {
		cols, list = dv.DefaultView()
	}
	if !list && cols == nil && len(propNames(objs[0])) > 4 {
		list = true
	}
	if list {
		return formatList(objs, nil)
	}
	return formatTable(objs, cols)
}

// expandHashtables shows a hashtable as its entries (Name, Value).
func expandHashtables(objs []any) []any {
	var out []any
	for _, o := range objs {
		h, ok := o.(*Hashtable)
		if !ok {
			out = append(out, o)
			continue
		}
		for i, k := range h.keys {
			e := NewPropertyBag("System.Collections.DictionaryEntry", "Name", k, "Value", h.vals[i])
			e.View = []string{"Name", "Value"}
			out = append(out, e)
		}
	}
	return out
}

func propNames(v any) []string {
	if pl, ok := v.(PropertyLister); ok {
		return pl.PropertyNames()
	}
	return nil
}

// cell is a value as a list or table shows it.
func cell(v any) string {
	switch t := v.(type) {
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = ToString(e)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []string:
		return "{" + strings.Join(t, ", ") + "}"
	}
	return ToString(v)
}

// selectProps expands property patterns (wildcards allowed) against an
// object's properties, in the object's order for each pattern.
func selectProps(o any, pats []string) []string {
	names := propNames(o)
	if len(pats) == 0 {
		return names
	}
	var out []string
	for _, pat := range pats {
		matched := false
		for _, n := range names {
			if Wildcard(pat, n, true) {
				out = append(out, n)
				matched = true
			}
		}
		if !matched && !strings.ContainsAny(pat, "*?[") {
			out = append(out, pat)
		}
	}
	return out
}

func width(s string) int { return utf8.RuneCountInString(s) }

func formatList(objs []any, pats []string) []string {
	out := []string{""}
	for _, o := range expandHashtables(objs) {
		if !isRecord(o) {
			out = append(out, strings.Split(ToString(o), "\n")...)
			continue
		}
		names := selectProps(o, pats)
		w := 0
		for _, n := range names {
			w = max(w, width(n))
		}
		for _, n := range names {
			pad := strings.Repeat(" ", w-width(n))
			out = append(out, strings.TrimRight(n+pad+" : "+cell(property(o, n)), " "))
		}
		out = append(out, "")
	}
	return append(out, "")
}

func formatTable(objs []any, cols []string) []string {
	objs = expandHashtables(objs)
	if len(objs) == 0 {
		return nil
	}
	cols = selectProps(objs[0], cols)
	if len(cols) == 0 {
		var out []string
		for _, o := range objs {
			out = append(out, ToString(o))
		}
		return out
	}
	w := make([]int, len(cols))
	num := make([]bool, len(cols))
	cells := make([][]string, len(objs))
	for i, c := range cols {
		w[i] = width(c)
		num[i] = true
		for j, o := range objs {
			v := property(o, c)
			switch v.(type) {
			case int64, float64, int:
			default:
				num[i] = false
			}
			s := cell(v)
			cells[j] = append(cells[j], s)
			w[i] = max(w[i], width(s))
		}
	}
	row := func(vals []string, rule bool) string {
		var b strings.Builder
		for i, v := range vals {
			if rule {
				v = strings.Repeat("-", width(cols[i]))
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			pad := strings.Repeat(" ", max(0, w[i]-width(v)))
			if num[i] {
				b.WriteString(pad + v)
			} else {
				b.WriteString(v + pad)
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

// formatPatterns reads Format-List's and Format-Table's -Property.
func formatPatterns(v any) []string {
	var pats []string
	for _, p := range ToArray(v) {
		for _, s := range strings.Split(ToString(p), ",") {
			if s = strings.TrimSpace(s); s != "" {
				pats = append(pats, s)
			}
		}
	}
	return pats
}

// outString is Out-String: the formatted text as one string, each line
// ended by CR LF.
func (x *interp) outString(vals []any) string {
	lines := x.formatAll(vals)
	if len(lines) == 0 {
		return ""
	}
	return fmt.Sprint(strings.Join(lines, "\r\n"), "\r\n")
}
