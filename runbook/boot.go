package runbook

import "strconv"

// A node's boot ID is its boot time as discovery read it: WMI's
// LastBootUpTime on a real node ("20091107220000.500000+060", local time
// with the offset in minutes) or RFC 3339 from the simulator. The same boot
// can be printed differently (a daylight-saving change moves the local
// time and the offset; Windows recomputes the value from the uptime and it
// jitters by a second), so boots are compared as instants, not as text.

// bootJitter is how far two readings of the same boot may differ.
const bootJitter = 10 // seconds

// BootChanged reports whether now is a different boot than before. Readings
// that cannot be parsed as times are compared as text.
func BootChanged(before, now string) bool {
	a, okA := bootSeconds(before)
	b, okB := bootSeconds(now)
	if !okA || !okB {
		return before != now
	}
	d := a - b
	return d > bootJitter || d < -bootJitter
}

// bootSeconds reads a boot time as seconds since 1970 (UTC).
func bootSeconds(s string) (int64, bool) {
	if len(s) >= 25 && s[14] == '.' && (s[21] == '+' || s[21] == '-') {
		return dmtfSeconds(s)
	}
	if len(s) >= 20 && s[4] == '-' && s[10] == 'T' {
		return rfc3339Seconds(s)
	}
	return 0, false
}

// dmtfSeconds reads WMI's CIM datetime yyyymmddHHMMSS.ffffff±UUU.
func dmtfSeconds(s string) (int64, bool) {
	f, ok := fields(s, [][2]int{{0, 4}, {4, 6}, {6, 8}, {8, 10}, {10, 12}, {12, 14}, {22, 25}})
	if !ok {
		return 0, false
	}
	off := f[6] * 60
	if s[21] == '-' {
		off = -off
	}
	return civil(f[0], f[1], f[2], f[3], f[4], f[5]) - off, true
}

// rfc3339Seconds reads yyyy-mm-ddTHH:MM:SS followed by Z or ±hh:mm
// (fractions of a second are ignored).
func rfc3339Seconds(s string) (int64, bool) {
	f, ok := fields(s, [][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}})
	if !ok {
		return 0, false
	}
	rest := s[19:]
	for len(rest) > 0 && (rest[0] == '.' || rest[0] >= '0' && rest[0] <= '9') {
		rest = rest[1:]
	}
	off := int64(0)
	switch {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		o, ok := fields(rest, [][2]int{{1, 3}, {4, 6}})
		if !ok {
			return 0, false
		}
		off = o[0]*3600 + o[1]*60
		if rest[0] == '-' {
			off = -off
		}
	default:
		return 0, false
	}
	return civil(f[0], f[1], f[2], f[3], f[4], f[5]) - off, true
}

// fields parses the decimal fields of s at the given [from, to) spans.
func fields(s string, spans [][2]int) ([]int64, bool) {
	out := make([]int64, len(spans))
	for i, sp := range spans {
		if sp[1] > len(s) {
			return nil, false
		}
		v, err := strconv.ParseInt(s[sp[0]:sp[1]], 10, 64)
		if err != nil || v < 0 {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}

// civil is the Unix time of a UTC calendar date and time (days from civil,
// H. Hinnant's algorithm), so runbook needs no clock package.
func civil(y, m, d, hh, mm, ss int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := era*146097 + doe - 719468
	return days*86400 + hh*3600 + mm*60 + ss
}
