package ps

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// DateTime is a System.DateTime for hosts (Get-Date, a file's
// LastWriteTime): it subtracts to a TimeSpan, compares, and prints as
// en-US PowerShell does (M/d/yyyy h:mm:ss AM).
type DateTime struct{ T time.Time }

// TimeSpan is a System.TimeSpan (the difference of two DateTimes).
type TimeSpan struct{ D time.Duration }

// TypeName implements Object.
func (d *DateTime) TypeName() string { return "System.DateTime" }

func (d *DateTime) String() string { return d.T.Format("1/2/2006 3:04:05 PM") }

// Property implements Object.
func (d *DateTime) Property(name string) (any, bool) {
	t := d.T
	switch strings.ToLower(name) {
	case "year":
		return int64(t.Year()), true
	case "month":
		return int64(t.Month()), true
	case "day":
		return int64(t.Day()), true
	case "hour":
		return int64(t.Hour()), true
	case "minute":
		return int64(t.Minute()), true
	case "second":
		return int64(t.Second()), true
	case "millisecond":
		return int64(t.Nanosecond() / 1e6), true
	case "dayofweek":
		return t.Weekday().String(), true
	case "date":
		return &DateTime{T: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())}, true
	case "ticks":
		return (t.Unix()+62135596800)*10_000_000 + int64(t.Nanosecond()/100), true
	}
	return nil, false
}

// SetProperty implements Object: a DateTime is a value.
func (d *DateTime) SetProperty(name string, _ any) error {
	return &ErrorRecord{Message: fmt.Sprintf("%s is a ReadOnly property.", name)}
}

// Method implements Object.
func (d *DateTime) Method(_ context.Context, name string, args []any) (any, error) {
	n := strings.ToLower(name)
	units := map[string]time.Duration{"addmilliseconds": time.Millisecond, "addseconds": time.Second,
		"addminutes": time.Minute, "addhours": time.Hour, "adddays": 24 * time.Hour}
	if u, ok := units[n]; ok {
		if err := argCount(name, args, 1); err != nil {
			return nil, err
		}
		f, err := ToDouble(args[0])
		if err != nil {
			return nil, err
		}
		return &DateTime{T: d.T.Add(time.Duration(f * float64(u)))}, nil
	}
	switch n {
	case "tostring":
		if len(args) == 1 && ToString(args[0]) == "u" {
			return d.T.Format("2006-01-02 15:04:05Z"), nil
		}
		return d.String(), nil
	case "op_subtraction", "subtract":
		if err := argCount(name, args, 1); err != nil {
			return nil, err
		}
		switch r := args[0].(type) {
		case *DateTime:
			return &TimeSpan{D: d.T.Sub(r.T)}, nil
		case *TimeSpan:
			return &DateTime{T: d.T.Add(-r.D)}, nil
		}
	case "op_addition", "add":
		if err := argCount(name, args, 1); err != nil {
			return nil, err
		}
		if r, ok := args[0].(*TimeSpan); ok {
			return &DateTime{T: d.T.Add(r.D)}, nil
		}
	case "touniversaltime":
		return &DateTime{T: d.T.UTC()}, nil
	case "tolocaltime":
		return d, nil
	}
	return nil, noMethod(d.TypeName(), name)
}

// TypeName implements Object.
func (s *TimeSpan) TypeName() string { return "System.TimeSpan" }

func (s *TimeSpan) String() string {
	d := s.D
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	out := fmt.Sprintf("%02d:%02d:%02d", d/time.Hour, (d%time.Hour)/time.Minute, (d%time.Minute)/time.Second)
	if days > 0 {
		out = fmt.Sprintf("%d.%s", days, out)
	}
	if frac := d % time.Second; frac != 0 {
		out += fmt.Sprintf(".%07d", frac/100)
	}
	return sign + out
}

// Property implements Object.
func (s *TimeSpan) Property(name string) (any, bool) {
	d := s.D
	switch strings.ToLower(name) {
	case "totalseconds":
		return d.Seconds(), true
	case "totalminutes":
		return d.Minutes(), true
	case "totalhours":
		return d.Hours(), true
	case "totaldays":
		return d.Hours() / 24, true
	case "totalmilliseconds":
		return float64(d) / float64(time.Millisecond), true
	case "days":
		return int64(d / (24 * time.Hour)), true
	case "hours":
		return int64(d % (24 * time.Hour) / time.Hour), true
	case "minutes":
		return int64(d % time.Hour / time.Minute), true
	case "seconds":
		return int64(d % time.Minute / time.Second), true
	case "milliseconds":
		return int64(d % time.Second / time.Millisecond), true
	case "ticks":
		return int64(d / 100), true
	}
	return nil, false
}

// SetProperty implements Object: a TimeSpan is a value.
func (s *TimeSpan) SetProperty(name string, _ any) error {
	return &ErrorRecord{Message: fmt.Sprintf("%s is a ReadOnly property.", name)}
}

// Method implements Object.
func (s *TimeSpan) Method(_ context.Context, name string, args []any) (any, error) {
	switch strings.ToLower(name) {
	case "tostring":
		return s.String(), nil
	case "op_addition", "op_subtraction":
		if r, ok := args[0].(*TimeSpan); ok && len(args) == 1 {
			if strings.EqualFold(name, "op_addition") {
				return &TimeSpan{D: s.D + r.D}, nil
			}
			return &TimeSpan{D: s.D - r.D}, nil
		}
	}
	return nil, noMethod(s.TypeName(), name)
}

// timeCompare orders two DateTimes or two TimeSpans; ok is false for
// anything else.
func timeCompare(l, r any) (int, bool) {
	switch a := l.(type) {
	case *DateTime:
		if b, ok := r.(*DateTime); ok {
			return a.T.Compare(b.T), true
		}
	case *TimeSpan:
		if b, ok := r.(*TimeSpan); ok {
			return cmpInt(int64(a.D), int64(b.D)), true
		}
	}
	return 0, false
}
