package sim

import (
	"context"
	"fmt"
	"strings"

	"cmsrunbook/internal/sim/ps"
)

// hostObj is a .NET, WMI or COM object a node hands to a script: named
// properties in their display order, methods, and what it prints as.
type hostObj struct {
	typ     string
	names   []string
	vals    map[string]any // by lower-case name
	methods map[string]func(ctx context.Context, args []any) (any, error)
	// str is what the object prints as; "" prints its type name, as .NET's
	// ToString does.
	str string
	// view is the default table's columns; list forces the list view
	// (neither: PowerShell's rule by the number of properties).
	view []string
	list bool
	// readOnly refuses SetProperty (WMI and .NET objects here; COM
	// definitions are settable).
	readOnly bool
	// tag is the host's own handle on what the object stands for (a
	// task definition's action); scripts never see it.
	tag any
}

var (
	_ ps.Object         = (*hostObj)(nil)
	_ ps.PropertyLister = (*hostObj)(nil)
	_ ps.DefaultViewer  = (*hostObj)(nil)
)

func newObj(typ string) *hostObj {
	return &hostObj{typ: typ, vals: map[string]any{}, methods: map[string]func(context.Context, []any) (any, error){}}
}

// with adds a property (in display order) and returns the object.
func (o *hostObj) with(name string, v any) *hostObj {
	k := strings.ToLower(name)
	if _, ok := o.vals[k]; !ok {
		o.names = append(o.names, name)
	}
	o.vals[k] = psValue(v)
	return o
}

// method adds a method.
func (o *hostObj) method(name string, fn func(ctx context.Context, args []any) (any, error)) *hostObj {
	o.methods[strings.ToLower(name)] = fn
	return o
}

// TypeName implements ps.Object.
func (o *hostObj) TypeName() string { return o.typ }

// Property implements ps.Object.
func (o *hostObj) Property(name string) (any, bool) {
	v, ok := o.vals[strings.ToLower(name)]
	return v, ok
}

// SetProperty implements ps.Object.
func (o *hostObj) SetProperty(name string, v any) error {
	if o.readOnly {
		return &ps.ErrorRecord{Message: fmt.Sprintf("\"%s\" is a ReadOnly property.", name), ErrorID: "PropertyAssignmentException", Category: "InvalidOperation: (:) [], RuntimeException"}
	}
	o.with(name, v)
	return nil
}

// Method implements ps.Object.
func (o *hostObj) Method(ctx context.Context, name string, args []any) (any, error) {
	if fn := o.methods[strings.ToLower(name)]; fn != nil {
		return fn(ctx, args)
	}
	if strings.EqualFold(name, "ToString") && len(args) == 0 {
		return o.String(), nil
	}
	return nil, &ps.ErrorRecord{
		Message:  fmt.Sprintf("Method invocation failed because [%s] doesn't contain a method named '%s'.", o.typ, name),
		ErrorID:  "MethodNotFound",
		Category: "InvalidOperation: (" + name + ":String) [], RuntimeException",
	}
}

// String is what the object prints as in a string.
func (o *hostObj) String() string {
	if o.str != "" {
		return o.str
	}
	return o.typ
}

// PropertyNames lists the properties in display order (Format-List).
func (o *hostObj) PropertyNames() []string { return append([]string(nil), o.names...) }

// DefaultView implements ps.DefaultViewer.
func (o *hostObj) DefaultView() (cols []string, list bool) { return o.view, o.list }

// psValue converts Go values to the kinds a script handles.
func psValue(v any) any {
	switch t := v.(type) {
	case int:
		return int64(t)
	case int32:
		return int64(t)
	case uint32:
		return int64(t)
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out
	}
	return v
}

// argInt reads a numeric argument.
func argInt(v any) (int64, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case int:
		return int64(t), true
	case float64:
		return int64(t), true
	case string:
		var n int64
		if _, err := fmt.Sscan(strings.TrimSpace(t), &n); err == nil {
			return n, true
		}
	}
	return 0, false
}

// argsOf finds a cmdlet's parameters: named ones by any unique prefix of
// the names given, positional ones in order.
type argsOf struct {
	named map[string]ps.Arg
	pos   []any
}

func bindArgs(args []ps.Arg, names ...string) (argsOf, error) {
	a := argsOf{named: map[string]ps.Arg{}}
	for _, x := range args {
		if x.Name == "" {
			a.pos = append(a.pos, x.Value)
			continue
		}
		var match []string
		for _, n := range names {
			if strings.EqualFold(n, x.Name) {
				match = []string{n}
				break
			}
			if strings.HasPrefix(strings.ToLower(n), strings.ToLower(x.Name)) {
				match = append(match, n)
			}
		}
		if len(match) != 1 {
			return a, &ps.ErrorRecord{Message: fmt.Sprintf("A parameter cannot be found that matches parameter name '%s'.", x.Name),
				ErrorID: "NamedParameterNotFound", Category: "InvalidArgument: (:) [], ParameterBindingException"}
		}
		a.named[match[0]] = x
	}
	return a, nil
}

// str reads a named parameter, or else the positional one at i (-1: none).
func (a argsOf) str(name string, i int) (string, bool) {
	if x, ok := a.named[name]; ok {
		return ps.ToString(x.Value), true
	}
	if i >= 0 && i < len(a.pos) {
		return ps.ToString(a.pos[i]), true
	}
	return "", false
}

func (a argsOf) has(name string) bool { _, ok := a.named[name]; return ok }
