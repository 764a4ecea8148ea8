package sim

import (
	"context"
	"fmt"
	"time"

	"cmsrunbook/internal/sim/ps"
)

// This file is System.DateTime and System.TimeSpan as a node hands them
// out (Get-Date, a file's LastWriteTime), in the node's clock: the
// simulated one. Subtracting two DateTimes gives a TimeSpan, as .NET's
// op_Subtraction does.

// dateTime is a DateTime object for t.
func dateTime(t time.Time) *hostObj {
	o := newObj("System.DateTime").
		with("Year", int64(t.Year())).with("Month", int64(t.Month())).with("Day", int64(t.Day())).
		with("Hour", int64(t.Hour())).with("Minute", int64(t.Minute())).with("Second", int64(t.Second())).
		with("DayOfWeek", t.Weekday().String()).with("Kind", "Local")
	o.str, o.readOnly, o.tag = t.Format("1/2/2006 3:04:05 PM"), true, t
	o.method("op_Subtraction", func(_ context.Context, a []any) (any, error) {
		switch r := firstArg(a).(type) {
		case *hostObj:
			if u, ok := r.tag.(time.Time); ok {
				return timeSpan(t.Sub(u)), nil
			}
			if d, ok := r.tag.(time.Duration); ok {
				return dateTime(t.Add(-d)), nil
			}
		}
		return nil, &ps.ErrorRecord{Message: fmt.Sprintf("Cannot convert argument \"1\", with value: \"%v\", for \"op_Subtraction\" to type \"System.DateTime\".", ps.ToString(firstArg(a))), ErrorID: "MethodArgumentConversionInvalidCastArgument", Category: "NotSpecified: (:) [], MethodException"}
	})
	o.method("AddSeconds", func(_ context.Context, a []any) (any, error) {
		n, _ := argInt(firstArg(a))
		return dateTime(t.Add(time.Duration(n) * time.Second)), nil
	})
	o.method("ToUniversalTime", func(context.Context, []any) (any, error) { return dateTime(t.UTC()), nil })
	return o
}

// timeSpan is a TimeSpan object for d.
func timeSpan(d time.Duration) *hostObj {
	o := newObj("System.TimeSpan").
		with("Days", int64(d/(24*time.Hour))).with("Hours", int64(d/time.Hour%24)).
		with("Minutes", int64(d/time.Minute%60)).with("Seconds", int64(d/time.Second%60)).
		with("TotalSeconds", d.Seconds()).with("TotalMinutes", d.Minutes()).with("TotalHours", d.Hours())
	o.str, o.readOnly, o.tag = fmt.Sprintf("%02d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60), true, d
	return o
}

// getDate is Get-Date: the node's clock now.
func (h *NodeHost) getDate(out ps.Output) (ps.Result, error) {
	h.lock()
	now := h.s.clk.now
	h.unlock()
	out.Object(dateTime(now))
	return ps.Result{}, nil
}
