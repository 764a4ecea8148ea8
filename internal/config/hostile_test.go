package config_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"cmsrunbook/internal/config"
)

// hostileCase is one file a loader must refuse with a message that says
// what is wrong with it.
type hostileCase struct {
	name string
	data []byte
	// path makes a special file (a folder, a device, a pipe) in dir and
	// returns its path instead of writing data; "" to skip the row here.
	path  func(t *testing.T, dir string) string
	words []string // substrings of Error()
	// resolveWords replaces words for ResolveScenario, which tells a
	// missing file from a mistyped embedded name.
	resolveWords []string
	line, col    int // where it points; 0: no line applies
	field        string
}

// encodeUTF16 is s as UTF-16, little- or big-endian, with or without a
// byte-order mark.
func encodeUTF16(s string, bigEndian, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	out := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

// billionLaughs is the classic alias bomb: nine levels of nine references
// stand for 10^9 strings, in under a kilobyte.
func billionLaughs() []byte {
	var b strings.Builder
	b.WriteString("lol0: &lol0 \"lol\"\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "lol%d: &lol%d [", i, i)
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*lol%d", i-1)
		}
		b.WriteString("]\n")
	}
	return []byte(b.String())
}

func hostileCases() []hostileCase {
	indented := "name: x\n"
	for i := 1; i <= 300; i++ {
		indented += strings.Repeat(" ", i) + fmt.Sprintf("k%d:\n", i)
	}
	return []hostileCase{
		{name: "empty", data: []byte{}, words: []string{"the file is empty"}},
		{name: "blank lines", data: []byte("\n   \n\t\n\r\n"), words: []string{"empty", "only blank lines"}},
		{name: "only comments", data: []byte("# cluster: EXCLUS01\n\n   # nodes: none\n"), words: []string{"no settings", "only comments"}},
		{name: "only document markers", data: []byte("---\n---\n"), words: []string{"no settings"}},
		{name: "UTF-16LE with BOM", data: encodeUTF16(goodScenario, false, true), words: []string{"UTF-16", "save it as UTF-8"}},
		{name: "UTF-16BE with BOM", data: encodeUTF16(goodScenario, true, true), words: []string{"UTF-16", "save it as UTF-8"}},
		{name: "UTF-16LE without BOM", data: encodeUTF16(goodScenario, false, false), words: []string{"UTF-16", "save it as UTF-8"}},
		{name: "UTF-16BE without BOM", data: encodeUTF16(goodScenario, true, false), words: []string{"UTF-16", "save it as UTF-8"}},
		{name: "NUL byte", data: []byte("name: test-scn\ntitle: a\x00b\n"), line: 2, col: 9, words: []string{"NUL byte", "binary file"}},
		{name: "binary (a program)", data: []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), line: 1, col: 4, words: []string{"NUL byte", "binary file"}},
		{name: "control character", data: []byte("name: test-scn\ntitle: \x1b]0;pwned\x07\n"), line: 2, col: 8, words: []string{"control character U+001B", "plain text"}},
		{name: "C1 control character", data: []byte("name: test-scn\ntitle: a\u009bb\n"), line: 2, col: 9, words: []string{"control character U+009B"}},
		{name: "invalid UTF-8 (code page 1252)", data: []byte("name: test-scn\ntitle: Caf\xe9\n"), line: 2, col: 11, words: []string{"not UTF-8", "code page", "save it as UTF-8"}},
		{name: "over 64 KiB", data: []byte(strings.Repeat("# padding\n", 7000)), words: []string{"over the limit of 64 KiB", "wrong file"}},
		{name: "over 4 MiB", data: []byte(strings.Repeat("# padding\n", 420000)), words: []string{"4 MiB, over the limit of 64 KiB", "wrong file"}},
		{name: "too many lines", data: []byte(strings.Repeat("#\n", 2001)), line: 2001, col: 1, words: []string{"2001 lines, over the limit of 2000"}},
		{name: "a list", data: []byte("- cluster: EXCLUS01\n- nodes: []\n"), line: 1, col: 1, words: []string{"must be a mapping", "it is a list"}},
		{name: "a scalar", data: []byte("EXCLUS01\n"), line: 1, col: 1, words: []string{"must be a mapping", "it is text"}},
		{name: "a number", data: []byte("42\n"), line: 1, col: 1, words: []string{"must be a mapping", "it is a number"}},
		{name: "several documents", data: []byte("name: a\n---\nname: b\n"), line: 3, col: 1, words: []string{"more than one YAML document"}},
		{name: "deep flow nesting", data: []byte("name: " + strings.Repeat("[", 40) + "\n"), line: 1, col: 39, words: []string{"nested more than 32 deep"}},
		{name: "deep block nesting", data: []byte("name:\n" + strings.Repeat("- ", 40) + "x\n"), line: 2, col: 65, words: []string{"nested more than 32 deep"}},
		{name: "deep indentation", data: []byte(indented), line: 258, words: []string{"indented more than 256 spaces"}},
		{name: "billion laughs", data: billionLaughs(), line: 2, col: 14, field: "lol1[0]", words: []string{"anchors and aliases", "write the value out"}},
		{name: "anchor", data: []byte("cluster: &c EXCLUS01\n"), line: 1, col: 10, field: "cluster", words: []string{"anchors and aliases"}},
		{name: "not YAML", data: []byte("name: [unclosed\n"), line: 1, words: []string{"not valid YAML"}},
		{name: "a folder", path: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "folder.yaml")
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
			return p
		}, words: []string{"it is a folder, not a regular file"}},
		{name: "a device", path: func(t *testing.T, dir string) string {
			if runtime.GOOS == "windows" {
				return ""
			}
			return "/dev/zero"
		}, words: []string{"it is a device, not a regular file"}},
		{name: "a named pipe", path: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "pipe.yaml")
			if err := mkfifo(p); err != nil {
				return ""
			}
			return p
		}, words: []string{"it is a named pipe (FIFO), not a regular file"}},
		{name: "missing", path: func(t *testing.T, dir string) string {
			return filepath.Join(dir, "nope.yaml")
		}, words: []string{"it does not exist"}, resolveWords: []string{"no file has this path"}},
	}
}

// TestHostileFiles loads each hostile file as a scenario and as an
// inventory, from disk and (where it has bytes) from memory: each is
// refused with a *config.Error naming the file, the line where there is
// one, and what is wrong, promptly and without a panic.
func TestHostileFiles(t *testing.T) {
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "hostile.yaml")
			if c.path != nil {
				if file = c.path(t, dir); file == "" {
					t.Skip("not on this system")
				}
			} else if err := os.WriteFile(file, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			loaders := map[string]func() error{
				"LoadScenarioFile":  func() error { _, err := config.LoadScenarioFile(file); return err },
				"LoadInventoryFile": func() error { _, err := config.LoadInventoryFile(file); return err },
				"ResolveScenario":   func() error { _, err := config.ResolveScenario(nil, file); return err },
			}
			if c.path == nil {
				loaders["ParseScenario"] = func() error { _, err := config.ParseScenario(file, c.data, nil); return err }
				loaders["ParseInventory"] = func() error { _, err := config.ParseInventory(file, c.data, dir); return err }
			}
			for name, load := range loaders {
				checkHostile(t, name, file, c, withDeadline(t, name, load))
			}
		})
	}
}

// withDeadline runs load, failing the test rather than hanging when it
// blocks (a named pipe opened for reading waits for a writer).
func withDeadline(t *testing.T, name string, load func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- load() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: still loading after 30s", name)
		return nil
	}
}

func checkHostile(t *testing.T, loader, file string, c hostileCase, err error) {
	t.Helper()
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Errorf("%s: error %T %v is not a *config.Error", loader, err, err)
		return
	}
	msg := err.Error()
	if ce.File != file || !strings.HasPrefix(msg, file) {
		t.Errorf("%s: %q does not name the file %s", loader, msg, file)
	}
	words := c.words
	if loader == "ResolveScenario" && c.resolveWords != nil {
		words = c.resolveWords
	}
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("%s: %q does not say %q", loader, msg, w)
		}
	}
	if ce.Line != c.line || (c.col != 0 && ce.Col != c.col) || ce.Field != c.field {
		t.Errorf("%s: %q points at %d:%d %q, want %d:%d %q", loader, msg, ce.Line, ce.Col, ce.Field, c.line, c.col, c.field)
	}
	if c.line > 0 && !strings.HasPrefix(msg, fmt.Sprintf("%s:%d:%d: ", file, ce.Line, ce.Col)) {
		t.Errorf("%s: %q does not start with FILE:LINE:COL", loader, msg)
	}
	if c.name == "missing" && !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s: %v does not wrap fs.ErrNotExist", loader, err)
	}
}

// TestUTF8BOMAccepted: Notepad's UTF-8 byte-order mark is skipped, and
// positions after it are those of the file without it.
func TestUTF8BOMAccepted(t *testing.T) {
	const bom = "\xEF\xBB\xBF"
	s, err := config.ParseScenario("bom.yaml", []byte(bom+goodScenario), nil)
	if err != nil || s.Name != "test-scn" {
		t.Fatalf("scenario with a BOM: %v", err)
	}
	inv, err := config.ParseInventory("bom.yaml", []byte(bom+goodInventory), t.TempDir())
	if err != nil || inv.Cluster != "EXCLUS01" {
		t.Fatalf("inventory with a BOM: %v", err)
	}
	_, err = config.ParseScenario("bom.yaml", []byte(bom+"name: [unclosed\n"), nil)
	checkBad(t, "bom.yaml", err, badCase{line: 1, col: 7, msg: "not valid YAML"})
}

// TestLimitsLeaveRealFilesAlone: a file just within the limits loads.
func TestLimitsLeaveRealFilesAlone(t *testing.T) {
	pad := strings.Repeat("# an engineer's note, 30 bytes\n", 1900)
	if _, err := config.ParseScenario("big.yaml", []byte(goodScenario+pad), nil); err != nil {
		t.Fatalf("a %d-byte, %d-line scenario: %v", len(goodScenario+pad), strings.Count(goodScenario+pad, "\n"), err)
	}
	crlf := strings.ReplaceAll(goodScenario, "\n", "\r\n")
	if _, err := config.ParseScenario("crlf.yaml", []byte(crlf), nil); err != nil {
		t.Fatalf("a CRLF scenario: %v", err)
	}
}
