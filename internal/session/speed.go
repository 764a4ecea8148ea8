package session

import (
	"errors"
	"math"
	"strconv"
)

// DefaultSpeed makes a CCR service-pack window (about three simulated
// hours, mostly Setup and reboots) take a few minutes of real time.
const DefaultSpeed = 60.0

// ParseSpeed reads --speed: a positive number or "max".
func ParseSpeed(s string) (float64, error) {
	if s == "max" {
		return math.Inf(1), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, errors.New(say("--speed %q is not a positive number or max", s))
	}
	return v, nil
}

// FormatSpeed writes a speed the way ParseSpeed reads it.
func FormatSpeed(v float64) string {
	if math.IsInf(v, 1) {
		return "max"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
