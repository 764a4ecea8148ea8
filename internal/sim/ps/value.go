package ps

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Hashtable is PowerShell's @{}: keys keep their insertion order (so
// output is stable) and string keys compare case-insensitively, as a
// PowerShell hashtable's do. 1 and '1' are different keys.
type Hashtable struct {
	keys []any
	vals []any
	idx  map[string]int
}

// NewHashtable returns an empty hashtable; kv lists keys and values
// alternately.
func NewHashtable(kv ...any) *Hashtable {
	h := &Hashtable{idx: map[string]int{}}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func hashKey(k any) string {
	switch t := k.(type) {
	case string:
		return "s:" + strings.ToLower(t)
	case int64, float64, bool:
		return "n:" + ToString(t)
	}
	return "o:" + ToString(k)
}

// Get returns the value stored under k.
func (h *Hashtable) Get(k any) (any, bool) {
	if h.idx == nil {
		return nil, false
	}
	i, ok := h.idx[hashKey(k)]
	if !ok {
		return nil, false
	}
	return h.vals[i], true
}

// Set stores v under k, keeping k's first position.
func (h *Hashtable) Set(k, v any) {
	if h.idx == nil {
		h.idx = map[string]int{}
	}
	hk := hashKey(k)
	if i, ok := h.idx[hk]; ok {
		h.vals[i] = v
		return
	}
	h.idx[hk] = len(h.keys)
	h.keys = append(h.keys, k)
	h.vals = append(h.vals, v)
}

// Delete removes k.
func (h *Hashtable) Delete(k any) {
	i, ok := h.idx[hashKey(k)]
	if !ok {
		return
	}
	h.keys = append(h.keys[:i:i], h.keys[i+1:]...)
	h.vals = append(h.vals[:i:i], h.vals[i+1:]...)
	h.idx = map[string]int{}
	for j, key := range h.keys {
		h.idx[hashKey(key)] = j
	}
}

// Len is the number of entries.
func (h *Hashtable) Len() int { return len(h.keys) }

// Keys returns the keys in insertion order.
func (h *Hashtable) Keys() []any { return append([]any(nil), h.keys...) }

// MethodFunc is a method of a PropertyBag.
type MethodFunc func(ctx context.Context, args []any) (any, error)

// PropertyBag is a ready-made Object for hosts: a .NET, WMI or COM object
// as an ordered set of properties and a few methods. Property and method
// names compare case-insensitively.
type PropertyBag struct {
	// Type is the object's type name (TypeName).
	Type string
	// Props holds the properties in display order.
	Props *Hashtable
	// Methods are looked up case-insensitively.
	Methods map[string]MethodFunc
	// View is the default table's columns; nil means PowerShell 1.0's rule
	// for a type without a view: a table for up to 4 properties, a list
	// for more.
	View []string
	// ListView forces the list view (Exchange's status objects).
	ListView bool
	// Text is what ToString and string concatenation give; "" means Type.
	Text string
	// OnSet, when set, sees every write before it is stored (a COM
	// object that validates or records a setting); an error refuses it.
	OnSet func(name string, v any) error
}

// NewPropertyBag returns a bag of type typ with properties given as name,
// value pairs.
func NewPropertyBag(typ string, kv ...any) *PropertyBag {
	b := &PropertyBag{Type: typ, Props: NewHashtable()}
	for i := 0; i+1 < len(kv); i += 2 {
		b.Props.Set(ToString(kv[i]), kv[i+1])
	}
	return b
}

// TypeName implements Object.
func (b *PropertyBag) TypeName() string { return b.Type }

// Property implements Object.
func (b *PropertyBag) Property(name string) (any, bool) {
	if b.Props == nil {
		return nil, false
	}
	return b.Props.Get(name)
}

// SetProperty implements Object: only an existing property can be set, as
// on a .NET or COM object.
func (b *PropertyBag) SetProperty(name string, v any) error {
	if _, ok := b.Property(name); !ok {
		return &ErrorRecord{Message: fmt.Sprintf("Property '%s' cannot be found on this object; make sure it exists and is settable.", name), ErrorID: "PropertyAssignmentException"}
	}
	if b.OnSet != nil {
		if err := b.OnSet(name, v); err != nil {
			return err
		}
	}
	b.Props.Set(name, v)
	return nil
}

// Method implements Object.
func (b *PropertyBag) Method(ctx context.Context, name string, args []any) (any, error) {
	for n, f := range b.Methods {
		if strings.EqualFold(n, name) {
			return f(ctx, args)
		}
	}
	if strings.EqualFold(name, "ToString") && len(args) == 0 {
		return b.String(), nil
	}
	return nil, noMethod(b.Type, name)
}

// PropertyNames implements PropertyLister.
func (b *PropertyBag) PropertyNames() []string {
	if b.Props == nil {
		return nil
	}
	names := make([]string, 0, b.Props.Len())
	for _, k := range b.Props.keys {
		names = append(names, ToString(k))
	}
	return names
}

// DefaultView implements DefaultViewer.
func (b *PropertyBag) DefaultView() (cols []string, list bool) {
	return b.View, b.ListView
}

func (b *PropertyBag) String() string {
	if b.Text != "" {
		return b.Text
	}
	return b.Type
}

// PropertyLister is an Object whose properties can be listed: Format-List,
// Format-Table, Select-Object and the default output use it. An Object
// without it prints as its ToString.
type PropertyLister interface {
	PropertyNames() []string
}

// DefaultViewer is an Object with a registered default view: table
// columns, or list.
type DefaultViewer interface {
	DefaultView() (cols []string, list bool)
}

// Switcher is an optional Host extension: it says which parameters of
// its commands are switches, so `-Force X` passes X as a positional
// value. Without it the language knows the common switches only.
type Switcher interface {
	IsSwitch(command, param string) bool
}

func noMethod(typ, name string) *ErrorRecord {
	return &ErrorRecord{Message: fmt.Sprintf("Method invocation failed because [%s] doesn't contain a method named '%s'.", typ, name), ErrorID: "MethodNotFound", Category: "InvalidOperation"}
}

// ToString converts v as PowerShell does for a [string] cast and string
// concatenation: arrays join with a space, $null is empty, booleans are
// True/False, numbers use the invariant culture.
func ToString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		if t {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(t, 10)
	case int:
		return strconv.Itoa(t)
	case float64:
		return formatFloat(t)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = ToString(e)
		}
		return strings.Join(parts, " ")
	case []byte:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = strconv.Itoa(int(e))
		}
		return strings.Join(parts, " ")
	case *Hashtable:
		return "System.Collections.Hashtable"
	case *ErrorRecord:
		return t.Message
	case *scriptBlock:
		return t.text
	case fmt.Stringer:
		return t.String()
	case Object:
		return t.TypeName()
	}
	return fmt.Sprint(v)
}

// formatFloat prints a double as .NET's ToString() does for the common
// cases: integral values without a decimal point, 15 significant digits.
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == math.Trunc(f) && math.Abs(f) < 1e15:
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	s := strconv.FormatFloat(f, 'g', 15, 64)
	if strings.Contains(s, "e") {
		s = strings.ToUpper(s)
		s = strings.Replace(s, "E+0", "E+", 1)
		s = strings.Replace(s, "E-0", "E-", 1)
	}
	return s
}

// TypeOf is the .NET type name of a value, for messages.
func TypeOf(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return "System.String"
	case bool:
		return "System.Boolean"
	case int64:
		if t >= math.MinInt32 && t <= math.MaxInt32 {
			return "System.Int32"
		}
		return "System.Int64"
	case int:
		return "System.Int32"
	case float64:
		return "System.Double"
	case []any:
		return "System.Object[]"
	case []byte:
		return "System.Byte[]"
	case *Hashtable:
		return "System.Collections.Hashtable"
	case *ErrorRecord:
		return "System.Management.Automation.ErrorRecord"
	case *scriptBlock:
		return "System.Management.Automation.ScriptBlock"
	case Object:
		return t.TypeName()
	}
	return fmt.Sprintf("%T", v)
}

// Truthy is PowerShell's idea of true: $null, 0, "", an empty array and
// a one-element array of a false value are false; any object is true.
func Truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case int64:
		return t != 0
	case int:
		return t != 0
	case float64:
		return t != 0
	case string:
		return t != ""
	case []any:
		if len(t) == 1 {
			return Truthy(t[0])
		}
		return len(t) > 0
	case []byte:
		if len(t) == 1 {
			return t[0] != 0
		}
		return len(t) > 0
	}
	return true
}

// convertError is PowerShell's message for a failed conversion.
func convertError(v any, typ, why string) *ErrorRecord {
	return &ErrorRecord{
		Message:  fmt.Sprintf("Cannot convert value \"%s\" to type \"%s\". Error: \"%s\"", ToString(v), typ, why),
		ErrorID:  "RuntimeException",
		Category: "NotSpecified",
	}
}

const badFormat = "Input string was not in a correct format."

// parseNumber reads a string as PowerShell's number conversion does:
// surrounding white space is allowed, as are a sign, hex (0x) and a
// decimal point. ok is false when it is no number.
func parseNumber(s string) (v any, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, false
	}
	neg := false
	body := s
	if body[0] == '-' || body[0] == '+' {
		neg, body = body[0] == '-', body[1:]
	}
	if len(body) > 2 && (body[:2] == "0x" || body[:2] == "0X") {
		n, err := strconv.ParseUint(body[2:], 16, 64)
		if err != nil {
			return nil, false
		}
		if neg {
			return -int64(n), true
		}
		return int64(n), true
	}
	for _, c := range body {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return nil, false
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, true
	}
	return nil, false
}

// toNumber converts v for arithmetic and numeric comparison.
func toNumber(v any, typ string) (any, error) {
	switch t := v.(type) {
	case nil:
		return int64(0), nil
	case int64, float64:
		return t, nil
	case int:
		return int64(t), nil
	case bool:
		if t {
			return int64(1), nil
		}
		return int64(0), nil
	case string:
		n, ok := parseNumber(t)
		if !ok {
			return nil, convertError(v, typ, badFormat)
		}
		return n, nil
	case []any:
		if len(t) == 1 {
			return toNumber(t[0], typ)
		}
	}
	return nil, &ErrorRecord{
		Message: fmt.Sprintf("Cannot convert the \"%s\" value of type \"%s\" to type \"%s\".", ToString(v), TypeOf(v), typ),
		ErrorID: "RuntimeException",
	}
}

// ToLong is the [long] cast.
func ToLong(v any) (int64, error) {
	return toInteger(v, "System.Int64", math.MinInt64, math.MaxInt64)
}

// ToInt is the [int] cast: [int]'3010 ' is 3010; [int]'Echo is OFF' is
// an error naming System.Int32; halves round to even.
func ToInt(v any) (int64, error) {
	return toInteger(v, "System.Int32", math.MinInt32, math.MaxInt32)
}

func toInteger(v any, typ string, lo, hi int64) (int64, error) {
	n, err := toNumber(v, typ)
	if err != nil {
		return 0, err
	}
	var r int64
	switch t := n.(type) {
	case int64:
		r = t
	case float64:
		f := math.RoundToEven(t)
		if f < float64(lo) || f > float64(hi) || math.IsNaN(f) {
			return 0, convertError(v, typ, "Value was either too large or too small for an "+strings.TrimPrefix(typ, "System.")+".")
		}
		r = int64(f)
	}
	if r < lo || r > hi {
		return 0, convertError(v, typ, "Value was either too large or too small for an "+strings.TrimPrefix(typ, "System.")+".")
	}
	return r, nil
}

// ToDouble is the [double] cast.
func ToDouble(v any) (float64, error) {
	n, err := toNumber(v, "System.Double")
	if err != nil {
		return 0, err
	}
	if i, ok := n.(int64); ok {
		return float64(i), nil
	}
	return n.(float64), nil
}

// ToArray enumerates v as the pipeline does: arrays and byte arrays give
// their elements, $null gives nothing, anything else is one element.
func ToArray(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	case []byte:
		out := make([]any, len(t))
		for i, b := range t {
			out[i] = int64(b)
		}
		return out
	}
	return []any{v}
}

// collapse is what a pipeline's output is as a value: $null for nothing,
// the object for one, an array for more.
func collapse(vs []any) any {
	switch len(vs) {
	case 0:
		return nil
	case 1:
		return vs[0]
	}
	return vs
}
