package remote

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io/fs"
	"strings"
	"unicode/utf16"

	"cmsrunbook/assets"
	"cmsrunbook/runbook"
)

// Script names (the marker line of each file in assets/scripts).
const (
	ScriptDiscoverNode     = "discover-node"
	ScriptDiscoverExchange = "discover-exchange"
	ScriptCmdlet           = "cmdlet"
	ScriptJobStart         = "job-start"
	ScriptJobTail          = "job-tail"
)

// MarkerPrefix starts the first line of every script; LineMarker precedes
// the Exchange line a cmdlet script runs.
const (
	MarkerPrefix = "# cmsrunbook-script: "
	LineMarker   = "# cmsrunbook-line"
)

// maxCmdLine is cmd.exe's command-line limit (KB830473): the encoded
// script travels on a cmd line.
const maxCmdLine = 8191

// Param is one script parameter, passed as a single-quoted literal.
type Param struct{ Name, Value string }

// BuildScript returns the script text sent for name: the marker line, one
// `$Name = '...'` line per parameter (runbook.PSQuote: nothing inside is
// expanded), the script body without comments and indentation (the
// encoded command must stay under cmd.exe's 8191 characters), and, for the
// cmdlet script, the Exchange line after the line marker.
func BuildScript(name string, params []Param, line string) (string, error) {
	raw, err := fs.ReadFile(assets.Scripts, "scripts/"+name+".ps1")
	if err != nil {
		return "", place(func(at string) string { return say("%sscript %s: %s", at, name, err) }, err)
	}
	var b strings.Builder
	b.WriteString(MarkerPrefix + name + "\n")
	for _, p := range params {
		if !validParamName(p.Name) {
			return "", place(func(at string) string { return say("%sscript %s: bad parameter name %q", at, name, p.Name) }, nil)
		}
		b.WriteString("$" + p.Name + " = " + runbook.PSQuote(p.Value) + "\n")
	}
	for _, l := range strings.Split(strings.ReplaceAll(string(raw), "\r\n", "\n"), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") && l != LineMarker {
			continue
		}
		b.WriteString(l + "\n")
	}
	if line != "" {
		if strings.ContainsAny(line, "\r\n") {
			return "", place(func(at string) string { return say("%sscript %s: the command line holds a line break", at, name) }, nil)
		}
		b.WriteString(line + "\nif (-not $?) { exit 1 }\n")
	}
	return b.String(), nil
}

// BuildScripts is BuildScript for several of our scripts run by one
// powershell.exe, one after the other (a node's poll reads its own facts
// and, on the node that answers for the cluster, the cluster's in one
// run: starting powershell.exe is most of what a script costs on a
// node). The marker line names the last script, the one that may end the
// run early; the parameters are set once, then every body follows in
// order, without the leading lines a later one shares with the first
// (sharedLead) and squeezed (squeeze). The scripts share one scope, so
// each must set every variable it reads before reading it (ours do), and
// only the last may exit.
func BuildScripts(names []string, params []Param) (string, error) {
	if len(names) == 0 {
		return "", place(func(at string) string { return say("%sno script to build", at) }, nil)
	}
	lastName := names[len(names)-1]
	head, err := BuildScript(lastName, params, "")
	if err != nil {
		return "", err
	}
	// head is the marker, the parameters and the last body; the others'
	// bodies go between the parameters and it.
	lines := strings.SplitAfter(head, "\n")
	n := 1 + len(params)
	var b strings.Builder
	for _, l := range lines[:n] {
		b.WriteString(l)
	}
	var firstBody []string
	for _, name := range names[:len(names)-1] {
		body, err := BuildScript(name, nil, "")
		if err != nil {
			return "", err
		}
		ls := strings.SplitAfter(body[strings.IndexByte(body, '\n')+1:], "\n")
		if firstBody == nil {
			firstBody = ls
		} else {
			ls = ls[sharedLead(firstBody, ls):]
		}
		for _, l := range ls {
			b.WriteString(squeeze(l))
		}
	}
	last := lines[n:]
	if firstBody != nil {
		last = last[sharedLead(firstBody, last):]
	}
	for _, l := range last {
		b.WriteString(squeeze(l))
	}
	return b.String(), nil
}

// sharedLead is how many leading lines of a later script's body are the
// first script's leading lines, word for word: run after it they would set
// the same variables to the same values again (discover-node and
// discover-cluster both start by reading the Cluster service), so they are
// left out. The first script must not change those variables afterwards.
func sharedLead(first, later []string) int {
	k := 0
	for k < len(first) && k < len(later) && first[k] == later[k] && strings.HasPrefix(first[k], "$") {
		k++
	}
	return k
}

// squeeze drops the spaces a PowerShell line does not need, outside its
// quoted strings: around + = , ; and |, after ( and {, before ) and },
// between ) and { (a condition and its block), and after if and foreach.
// Never elsewhere before ( or {, where a space can change what PowerShell
// reads (a command's argument in parentheses, a script block argument). Scripts
// run together (BuildScripts) would not fit cmd.exe's line otherwise:
// -EncodedCommand costs 8/3 characters per character of script.
func squeeze(l string) string {
	const around = "+=,;|"
	var b []byte
	quote := byte(0)
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case quote != 0:
			if c == '`' && quote == '"' && i+1 < len(l) {
				b = append(b, c, l[i+1])
				i++
				continue
			}
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == ' ':
			var prev, next byte
			if len(b) > 0 {
				prev = b[len(b)-1]
			}
			if i+1 < len(l) {
				next = l[i+1]
			}
			if prev != 0 && strings.IndexByte(around+"({", prev) >= 0 ||
				next != 0 && strings.IndexByte(around+")}", next) >= 0 ||
				prev == ')' && next == '{' || next == '(' && (bytes.HasSuffix(b, []byte("if")) || bytes.HasSuffix(b, []byte("foreach"))) {
				continue
			}
		}
		b = append(b, c)
	}
	return string(b)
}

func validParamName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// EncodeCommand is the command line that runs a script under PowerShell
// 1.0: the whole script travels as base64 UTF-16LE, so cmd.exe sees only
// [A-Za-z0-9+/=] and no name can change what runs.
func EncodeCommand(script string) (string, error) {
	u := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(u))
	for i, v := range u {
		b[2*i], b[2*i+1] = byte(v), byte(v>>8)
	}
	line := "powershell.exe -NoProfile -NonInteractive -EncodedCommand " + base64.StdEncoding.EncodeToString(b)
	if len(line) > maxCmdLine {
		n := len(line)
		return "", place(func(at string) string {
			return say("%sthe encoded script is %d characters; cmd.exe takes at most %d", at, n, maxCmdLine)
		}, nil)
	}
	return line, nil
}

// DecodeCommand reverses EncodeCommand for any `powershell[.exe] ...
// -EncodedCommand B64` line (masterzen's Powershell() and pywinrm's
// run_ps send it in their own spellings); ok is false for other lines.
func DecodeCommand(line string) (script string, ok bool, err error) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return "", false, nil
	}
	exe := strings.ToLower(f[0])
	if exe != "powershell" && exe != "powershell.exe" {
		return "", false, nil
	}
	for i := 1; i+1 < len(f); i++ {
		switch strings.ToLower(f[i]) {
		case "-encodedcommand", "-enc", "-e", "-ec":
			raw, err := base64.StdEncoding.DecodeString(f[i+1])
			if err != nil || len(raw)%2 != 0 {
				return "", true, errors.New(say("-EncodedCommand is not base64 UTF-16LE: %s", errText(err)))
			}
			u := make([]uint16, len(raw)/2)
			for j := range u {
				u[j] = uint16(raw[2*j]) | uint16(raw[2*j+1])<<8
			}
			return string(utf16.Decode(u)), true, nil
		}
	}
	return "", false, nil
}

// ParsedScript is a script as a node (or the simulator) reads it back.
type ParsedScript struct {
	Name   string            // from the marker line; "" when not ours
	Params map[string]string // the $Name = '...' lines, unquoted
	Line   string            // the Exchange line of a cmdlet script
}

// ParseScript reads back what BuildScript wrote. A script without the
// marker is not one of ours (Name is empty).
func ParseScript(script string) ParsedScript {
	lines := strings.Split(strings.ReplaceAll(script, "\r\n", "\n"), "\n")
	ps := ParsedScript{Params: map[string]string{}}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], MarkerPrefix) {
		return ps
	}
	ps.Name = strings.TrimSpace(strings.TrimPrefix(lines[0], MarkerPrefix))
	i := 1
	for ; i < len(lines); i++ {
		name, val, ok := parseParamLine(lines[i])
		if !ok {
			break
		}
		ps.Params[name] = val
	}
	for j := i; j < len(lines); j++ {
		if lines[j] == LineMarker && j+1 < len(lines) {
			ps.Line = lines[j+1]
			break
		}
	}
	return ps
}

// parseParamLine reads `$Name = '...'` with PowerShell's single-quote
// rules: a doubled quote (straight or typographic) is one quote, and the
// literal ends at the first undoubled one, which must end the line.
func parseParamLine(l string) (string, string, bool) {
	if !strings.HasPrefix(l, "$") {
		return "", "", false
	}
	eq := strings.Index(l, " = '")
	if eq < 2 || !validParamName(l[1:eq]) {
		return "", "", false
	}
	name := l[1:eq]
	rs := []rune(l[eq+4:])
	var b strings.Builder
	for k := 0; k < len(rs); k++ {
		if isSingleQuote(rs[k]) {
			if k+1 < len(rs) && isSingleQuote(rs[k+1]) {
				b.WriteRune(rs[k])
				k++
				continue
			}
			if k != len(rs)-1 {
				return "", "", false // something after the literal
			}
			return name, b.String(), true
		}
		b.WriteRune(rs[k])
	}
	return "", "", false // unterminated
}

func isSingleQuote(r rune) bool {
	return r == '\'' || r == '\u2018' || r == '\u2019' || r == '\u201a' || r == '\u201b'
}

// record is one tab-separated line a script printed.
type record []string

func (r record) field(i int) string {
	if i < len(r) {
		return r[i]
	}
	return ""
}

// parseRecords splits script output into records, ignoring blank lines
// and anything that is not a record (a warning PowerShell printed).
func parseRecords(out string) []record {
	var recs []record
	for _, l := range strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n") {
		l = strings.TrimRight(l, "\r")
		if !strings.Contains(l, "\t") {
			continue
		}
		recs = append(recs, record(strings.Split(l, "\t")))
	}
	return recs
}
