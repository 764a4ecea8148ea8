package ps

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// The cmdlets that are language, not node: they only move objects.

var aliases = map[string]string{
	"%": "ForEach-Object", "foreach": "ForEach-Object", "?": "Where-Object", "where": "Where-Object",
	"select": "Select-Object", "sort": "Sort-Object", "fl": "Format-List", "ft": "Format-Table",
	"echo": "Write-Output", "write": "Write-Output",
}

var canonical = map[string]string{}

func init() {
	for _, n := range []string{"ForEach-Object", "Where-Object", "Select-Object", "Sort-Object",
		"Out-Null", "Out-String", "Out-Default", "Out-Host", "Write-Output", "Write-Host",
		"Write-Error", "Write-Warning", "Write-Verbose", "Write-Debug", "Format-List",
		"Format-Table", "New-Object"} {
		canonical[strings.ToLower(n)] = n
	}
	for a, n := range aliases {
		canonical[a] = n
	}
}

func canonicalName(name string) string {
	if n, ok := canonical[strings.ToLower(name)]; ok {
		return n
	}
	return name
}

// builtinSwitches are the language cmdlets' switch parameters.
var builtinSwitches = map[string][]string{
	"select-object": {"Unique"},
	"sort-object":   {"Descending", "Unique", "CaseSensitive"},
	"format-table":  {"AutoSize", "Wrap", "HideTableHeaders"},
	"format-list":   {"Force"},
	"out-string":    {"Stream"},
	"write-host":    {"NoNewline"},
}

// builtin returns the language's implementation of a cmdlet. (A function
// rather than a map, which would make an initialization cycle.)
func builtin(name string) (func(*interp, *call) error, bool) {
	switch strings.ToLower(canonicalName(name)) {
	case "foreach-object":
		return (*interp).forEachObject, true
	case "where-object":
		return (*interp).whereObject, true
	case "select-object":
		return (*interp).selectObject, true
	case "sort-object":
		return (*interp).sortObject, true
	case "out-null":
		return func(*interp, *call) error { return nil }, true
	case "out-string":
		return func(x *interp, cl *call) error {
			cl.out.emit(x.outString(cl.input))
			return nil
		}, true
	case "out-default", "out-host":
		return func(x *interp, cl *call) error {
			for _, l := range x.formatAll(cl.input) {
				x.stdout(l)
			}
			return nil
		}, true
	case "write-output":
		return (*interp).writeOutput, true
	case "write-host":
		return (*interp).writeHost, true
	case "write-error", "write-warning", "write-verbose", "write-debug":
		return (*interp).writeMessage, true
	case "format-list", "format-table":
		return (*interp).formatCmd, true
	case "new-object":
		return (*interp).newObject, true
	}
	return nil, false
}

func scriptBlockArg(cl *call, param string, v any) (*scriptBlock, error) {
	if v == nil {
		return nil, nil
	}
	sb, ok := v.(*scriptBlock)
	if !ok {
		return nil, &ErrorRecord{Message: fmt.Sprintf("Cannot bind parameter '%s'. Cannot convert the \"%s\" value of type \"%s\" to type \"System.Management.Automation.ScriptBlock\".", param, ToString(v), TypeOf(v)), ErrorID: "CannotConvertArgumentNoMessage"}
	}
	return sb, nil
}

// items is the pipeline input; a cmdlet first in its pipeline runs once
// on $null.
func (cl *call) items() []any {
	if cl.first {
		return []any{nil}
	}
	return cl.input
}

// runWithItem runs a script block with $_ set, in the caller's scope (as
// ForEach-Object and Where-Object do), and restores $_ after.
func (x *interp) runWithItem(sb *scriptBlock, item any, emit func(any)) error {
	saved, had := x.vars["_"]
	x.vars["_"] = item
	defer func() {
		if had {
			x.vars["_"] = saved
		} else {
			delete(x.vars, "_")
		}
	}()
	return x.execBlock(sb.body, emit)
}

func (x *interp) forEachObject(cl *call) error {
	named, err := cl.bind([]string{"Process", "Begin", "End"}, []string{"Process"}, false)
	if err != nil {
		return err
	}
	var blocks [3]*scriptBlock
	for i, p := range []string{"Begin", "Process", "End"} {
		if blocks[i], err = scriptBlockArg(cl, p, named[p]); err != nil {
			return err
		}
	}
	if blocks[1] == nil {
		return &ErrorRecord{Message: "Cannot process command because of one or more missing mandatory parameters: Process.", ErrorID: "MissingMandatoryParameter"}
	}
	if blocks[0] != nil {
		if err := x.execBlock(blocks[0].body, cl.out.emit); err != nil {
			return err
		}
	}
	for _, it := range cl.items() {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		if err := x.runWithItem(blocks[1], it, cl.out.emit); err != nil {
			return err
		}
	}
	if blocks[2] != nil {
		return x.execBlock(blocks[2].body, cl.out.emit)
	}
	return nil
}

func (x *interp) whereObject(cl *call) error {
	named, err := cl.bind([]string{"FilterScript"}, []string{"FilterScript"}, false)
	if err != nil {
		return err
	}
	sb, err := scriptBlockArg(cl, "FilterScript", named["FilterScript"])
	if err != nil {
		return err
	}
	if sb == nil {
		return &ErrorRecord{Message: "Cannot process command because of one or more missing mandatory parameters: FilterScript.", ErrorID: "MissingMandatoryParameter"}
	}
	for _, it := range cl.input {
		var out []any
		if err := x.runWithItem(sb, it, func(v any) { out = append(out, v) }); err != nil {
			return err
		}
		if Truthy(collapse(out)) {
			cl.out.emit(it)
		}
	}
	return nil
}

func intParam(named map[string]any, p string) (int, bool, error) {
	v, ok := named[p]
	if !ok {
		return 0, false, nil
	}
	n, err := ToInt(v)
	if err != nil {
		return 0, false, &ErrorRecord{Message: fmt.Sprintf("Cannot bind parameter '%s'. %s", p, asRecord(err).Message), ErrorID: "CannotConvertArgumentNoMessage"}
	}
	return int(max(0, n)), true, nil
}

func (x *interp) selectObject(cl *call) error {
	named, err := cl.bind([]string{"Property", "First", "Last", "Skip", "ExpandProperty", "Unique"}, []string{"Property"}, true)
	if err != nil {
		return err
	}
	items := cl.input
	if n, ok, err := intParam(named, "Skip"); err != nil {
		return err
	} else if ok {
		items = items[min(n, len(items)):]
	}
	if n, ok, err := intParam(named, "First"); err != nil {
		return err
	} else if ok {
		items = items[:min(n, len(items))]
	}
	if n, ok, err := intParam(named, "Last"); err != nil {
		return err
	} else if ok {
		items = items[len(items)-min(n, len(items)):]
	}
	if named["Unique"] != nil {
		var u []any
		for _, it := range items {
			dup := false
			for _, seen := range u {
				dup = dup || equal(seen, it, true)
			}
			if !dup {
				u = append(u, it)
			}
		}
		items = u
	}
	if p, ok := named["ExpandProperty"]; ok {
		for _, it := range items {
			for _, v := range ToArray(property(it, ToString(p))) {
				cl.out.emit(v)
			}
		}
		return nil
	}
	props, hasProps := named["Property"]
	for _, it := range items {
		if !hasProps {
			cl.out.emit(it)
			continue
		}
		o, err := x.selectProperties(it, ToArray(props))
		if err != nil {
			return err
		}
		cl.out.emit(o)
	}
	return nil
}

// selectProperties is Select-Object -Property: names, wildcards and
// @{Name=...; Expression={...}}.
func (x *interp) selectProperties(it any, props []any) (any, error) {
	o := NewPropertyBag("System.Management.Automation.PSCustomObject")
	for _, p := range props {
		if h, ok := p.(*Hashtable); ok {
			name, _ := h.Get("Name")
			if name == nil {
				name, _ = h.Get("Label")
			}
			e, _ := h.Get("Expression")
			var v any
			if sb, ok := e.(*scriptBlock); ok {
				var out []any
				if err := x.runWithItem(sb, it, func(r any) { out = append(out, r) }); err != nil {
					return nil, err
				}
				v = collapse(out)
			} else {
				v = property(it, ToString(e))
			}
			o.Props.Set(ToString(name), v)
			continue
		}
		for _, n := range selectProps(it, []string{ToString(p)}) {
			o.Props.Set(n, property(it, n))
		}
	}
	return o, nil
}

func (x *interp) sortObject(cl *call) error {
	named, err := cl.bind([]string{"Property", "Descending", "Unique", "CaseSensitive"}, []string{"Property"}, true)
	if err != nil {
		return err
	}
	var props []string
	if p, ok := named["Property"]; ok {
		for _, v := range ToArray(p) {
			props = append(props, ToString(v))
		}
	}
	desc := Truthy(named["Descending"])
	items := append([]any(nil), cl.input...)
	key := func(v any, i int) any {
		if len(props) == 0 {
			return v
		}
		return property(v, props[i])
	}
	sort.SliceStable(items, func(a, b int) bool {
		for i := 0; i < max(1, len(props)); i++ {
			c, err := compare(key(items[a], i), key(items[b], i), false)
			if err != nil || c == 0 {
				continue
			}
			return (c < 0) != desc
		}
		return false
	})
	for i, it := range items {
		if Truthy(named["Unique"]) && i > 0 && equal(key(items[i-1], 0), key(it, 0), false) {
			continue
		}
		cl.out.emit(it)
	}
	return nil
}

func (x *interp) writeOutput(cl *call) error {
	named, err := cl.bind([]string{"InputObject"}, []string{"InputObject"}, true)
	if err != nil {
		return err
	}
	for _, v := range ToArray(named["InputObject"]) {
		cl.out.emit(v)
	}
	return nil
}

func (x *interp) writeHost(cl *call) error {
	named, err := cl.bind([]string{"Object", "NoNewline", "Separator", "ForegroundColor", "BackgroundColor"}, []string{"Object"}, true)
	if err != nil {
		return err
	}
	sep := " "
	if s, ok := named["Separator"]; ok {
		sep = ToString(s)
	}
	var parts []string
	for _, v := range ToArray(named["Object"]) {
		parts = append(parts, ToString(v))
	}
	for _, l := range strings.Split(strings.Join(parts, sep), "\n") {
		x.stdout(strings.TrimSuffix(l, "\r"))
	}
	return nil
}

func (x *interp) writeMessage(cl *call) error {
	named, err := cl.bind([]string{"Message", "Category", "ErrorId", "TargetObject"}, []string{"Message"}, true)
	if err != nil {
		return err
	}
	msg := ToString(named["Message"])
	switch cl.name {
	case "Write-Error":
		rec := &ErrorRecord{Command: "Write-Error", Message: msg, ErrorID: "Microsoft.PowerShell.Commands.WriteErrorException", Category: "NotSpecified"}
		if id, ok := named["ErrorId"]; ok {
			rec.ErrorID = ToString(id)
		}
		cl.out.Error(rec)
	case "Write-Warning":
		x.stdout("WARNING: " + msg)
	}
	return nil
}

func (x *interp) formatCmd(cl *call) error {
	named, err := cl.bind([]string{"Property", "AutoSize", "Wrap", "HideTableHeaders", "Force", "GroupBy"}, []string{"Property"}, true)
	if err != nil {
		return err
	}
	pats := formatPatterns(named["Property"])
	var lines []string
	if cl.name == "Format-List" {
		lines = formatList(cl.input, pats)
	} else {
		lines = formatTable(cl.input, pats)
	}
	if len(cl.input) > 0 {
		cl.out.emit(&formatted{lines: lines})
	}
	return nil
}

// newObject is New-Object: byte[] N the language makes itself; every
// other type and -ComObject come from the Host.
func (x *interp) newObject(cl *call) error {
	named, err := cl.bind([]string{"TypeName", "ArgumentList", "ComObject", "Strict"}, []string{"TypeName", "ArgumentList"}, true)
	if err != nil {
		return err
	}
	if com, ok := named["ComObject"]; ok {
		o, err := x.h.New(x.ctx, ToString(com), nil, true)
		if err != nil {
			return comError(com, err)
		}
		cl.out.emit(o)
		return nil
	}
	tn, ok := named["TypeName"]
	if !ok {
		return &ErrorRecord{Message: "Cannot process command because of one or more missing mandatory parameters: TypeName.", ErrorID: "MissingMandatoryParameter"}
	}
	typ := ToString(tn)
	args := ToArray(named["ArgumentList"])
	if normType(typ) == "byte[]" {
		if len(args) != 1 {
			return &ErrorRecord{Message: fmt.Sprintf("Constructor not found. Cannot find an appropriate constructor for type %s.", typ)}
		}
		n, err := ToInt(args[0])
		if err != nil {
			return err
		}
		if n < 0 || n > 1<<26 {
			return &ErrorRecord{Message: "Exception calling \".ctor\" with \"1\" argument(s): \"Arithmetic operation resulted in an overflow.\""}
		}
		cl.out.emit(make([]byte, n))
		return nil
	}
	o, err := x.h.New(x.ctx, typ, args, false)
	if err != nil {
		return err
	}
	cl.out.emit(o)
	return nil
}

func comError(com any, err error) error {
	var rec *ErrorRecord
	if errors.As(err, &rec) {
		return rec
	}
	return &ErrorRecord{Message: fmt.Sprintf("Retrieving the COM class factory for component with CLSID {%s} failed: %v", ToString(com), err)}
}
