package journal

import (
	"strconv"
	"unicode/utf8"

	"cmsrunbook/runbook"
)

// Output lines are nearly all of a journal (a Setup.com run writes tens of
// thousands), so they get an encoder of their own instead of
// json.Marshal's reflection: the same bytes, field for field and escape
// for escape (TestOutputEncodingMatchesMarshal holds it to that), so the
// line stays valid JSONL, canonical, and its chain value is unchanged;
// only cheaper to make.

// plainOutput reports whether ev is an output event with none of the
// other events' fields set, which appendOutput encodes exactly.
func plainOutput(ev *runbook.Event) bool {
	return ev.Event == runbook.EvOutput && ev.Goal == "" && ev.Source == "" && ev.Options == nil &&
		ev.Operator == "" && ev.Digest == "" && ev.Plan == nil && ev.Cluster == nil && ev.Finding == nil &&
		ev.By == "" && ev.Typed == "" && ev.Choice == "" && ev.Attempt == 0 && ev.Job == "" &&
		ev.Commands == nil && !ev.Manual && ev.Boot == "" && ev.ExitCode == nil && ev.DurationMS == 0 &&
		ev.Diagnosis == nil && ev.Reason == "" && ev.Status == "" && ev.OutageMS == 0 && ev.Message == ""
}

// appendOutput appends ev (plainOutput) as json.Marshal would write it.
func appendOutput(dst []byte, ev *runbook.Event) []byte {
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendInt(dst, ev.Seq, 10)
	dst = append(dst, `,"time":`...)
	dst = appendJSONString(dst, ev.Time)
	dst = append(dst, `,"event":`...)
	dst = appendJSONString(dst, string(ev.Event))
	dst = appendField(dst, `,"step":`, ev.Step)
	dst = appendField(dst, `,"kind":`, string(ev.Kind))
	dst = appendField(dst, `,"node":`, ev.Node)
	dst = appendField(dst, `,"stream":`, string(ev.Stream))
	dst = appendField(dst, `,"text":`, ev.Text)
	if ev.Offset != 0 {
		dst = append(dst, `,"offset":`...)
		dst = strconv.AppendInt(dst, ev.Offset, 10)
	}
	return append(dst, '}')
}

// appendField appends an omitempty string member.
func appendField(dst []byte, key, v string) []byte {
	if v == "" {
		return dst
	}
	return appendJSONString(append(dst, key...), v)
}

const hexDigits = "0123456789abcdef"

// plainByte marks the bytes encoding/json writes as they are (with HTML
// escaping): printable ASCII but for a quote, a backslash, <, > and &.
// Bytes from 0x80 up are false: they start a rune to check. A 256-entry
// table indexed by a byte needs no bounds check in the hot loop.
var plainByte = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// appendJSONString quotes s as encoding/json does with HTML escaping on
// (json.Marshal's default): <, > and & as \u003c..., control characters
// as \n, \t ... or \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029
// escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if plainByte[b] {
			i++
			continue
		}
		if b < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
