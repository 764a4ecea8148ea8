package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"cmsrunbook/runbook"
)

// Mask is what a secret is replaced with. It has a fixed length so the
// record does not even tell how long the password is.
const Mask = "********"

// Redact replaces every occurrence of each secret in s with Mask. Empty
// secrets are ignored. Longer secrets are replaced first, so a password
// that contains another registered secret is still masked whole.
func Redact(s string, secrets ...string) string {
	for _, sec := range addSecrets(nil, secrets) {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Mask)
		}
	}
	return s
}

// addSecrets merges secrets into list, dropping empty and repeated ones and
// keeping the longest first (see Redact).
func addSecrets(list, secrets []string) []string {
	for _, s := range secrets {
		if s == "" || containsString(list, s) {
			continue
		}
		list = append(list, s)
	}
	sort.SliceStable(list, func(i, j int) bool { return len(list[i]) > len(list[j]) })
	return list
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// jsonForms is each secret as it appears inside a JSON string (a password
// with a quote, a backslash or an ampersand is escaped in the line), for the
// secrets whose escaped form differs from the raw one.
func jsonForms(secrets []string) [][]byte {
	var out [][]byte
	for _, s := range secrets {
		enc, err := json.Marshal(s)
		if err != nil || len(enc) < 2 {
			continue
		}
		if enc = enc[1 : len(enc)-1]; string(enc) != s {
			out = append(out, enc)
		}
	}
	return out
}

// containsSecret reports whether an encoded JSON line may hold a secret,
// raw or escaped. A false alarm only costs the redacting copy.
func containsSecret(line []byte, secrets []string, escaped [][]byte) bool {
	for _, s := range secrets {
		if bytes.Contains(line, []byte(s)) {
			return true
		}
	}
	for _, e := range escaped {
		if bytes.Contains(line, e) {
			return true
		}
	}
	return false
}

// redactEvent returns a deep copy of ev with every string in it (Text,
// Message, Commands, the diagnosis, the plan, option values and keys, ...)
// redacted. It walks the value by reflection rather than listing fields, so
// a field added to runbook.Event later is covered without anyone
// remembering to come back here. The copy matters: the event's slices and
// pointers are shared with the engine (the plan above all), which must keep
// working with the real values. Masking the plan or a command would change
// what a resume runs, so a run whose secret appears there is refused
// before it starts (SecretIn): for every run that goes ahead, masking
// those fields changes nothing, and this stays the last line of defence.
func redactEvent(ev runbook.Event, secrets []string) runbook.Event {
	v := redactValue(reflect.ValueOf(ev), secrets)
	return v.Interface().(runbook.Event)
}

// SecretIn names where a secret appears in what a run sends or resumes
// from (the plan's commands and fallbacks, the cluster's names, the
// source), or "" when it appears nowhere. Such a run is refused: masking
// the secret in the record would change what a resume runs, and leaving
// it would write the password down.
func SecretIn(plan []runbook.Step, source string, c *runbook.Cluster, secrets ...string) string {
	has := func(s string) bool {
		for _, sec := range secrets {
			if sec != "" && strings.Contains(s, sec) {
				return true
			}
		}
		return false
	}
	for _, s := range plan {
		for _, cmd := range append(append([]string{}, s.Commands...), s.Fallback...) {
			if has(cmd) {
				// The step by number only: its title may hold the secret too.
				return fmt.Sprintf("the command of step %d", s.N)
			}
		}
	}
	if has(source) {
		return "the inventory's path"
	}
	if c != nil {
		for _, n := range c.Nodes {
			if has(n.Name) {
				return "the name of a node"
			}
		}
		for _, g := range c.Groups {
			if has(g.Name) {
				return "the name of a group"
			}
		}
	}
	return ""
}

func redactValue(v reflect.Value, secrets []string) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		out := reflect.New(v.Type()).Elem()
		out.SetString(Redact(v.String(), secrets...))
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(redactValue(v.Elem(), secrets))
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v) // unexported fields keep their values; exported ones are replaced below
		for i := 0; i < v.NumField(); i++ {
			if out.Field(i).CanSet() {
				out.Field(i).Set(redactValue(v.Field(i), secrets))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(redactValue(v.Index(i), secrets))
		}
		return out
	case reflect.Array:
		out := reflect.New(v.Type()).Elem()
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(redactValue(v.Index(i), secrets))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		it := v.MapRange()
		for it.Next() {
			out.SetMapIndex(redactValue(it.Key(), secrets), redactValue(it.Value(), secrets))
		}
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(redactValue(v.Elem(), secrets))
		return out
	}
	return v
}

// RedactEvent is the event as people may see it: every secret masked. The
// session shows events on the screen and the line printer through it, as
// the journal writes them.
// Output lines, the stream a Setup.com run floods, only carry their
// text: they are masked without the reflective deep copy.
func RedactEvent(ev runbook.Event, secrets ...string) runbook.Event {
	if len(secrets) == 0 {
		return ev
	}
	if ev.Event == runbook.EvOutput {
		ev.Text = maskText(ev.Text, secrets)
		return ev
	}
	return redactEvent(ev, addSecrets(nil, secrets))
}

// maskText masks the secrets in s, longest first, and copies nothing when
// s holds none of them (the common case).
func maskText(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			return Redact(s, secrets...)
		}
	}
	return s
}
