package config_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
)

// outputsScenario is goodScenario with three outputs; the third reads
// file, so a refusal points at line 16, column 30: outputs[2].file.
func outputsScenario(file string) string {
	return goodScenario + "outputs:\n" +
		"  - {step: setup-upgrade, node: EXNODE01, file: captured/ok.txt}\n" +
		"  - {step: setup-upgrade, node: EXNODE02, file: captured/ok.txt}\n" +
		"  - {step: pause-node, file: '" + file + "'}\n"
}

// outputsFolder is a scenario's folder beside a secret: top/secret.txt,
// top/scn/captured/ok.txt; it returns top and scn.
func outputsFolder(t *testing.T) (top, scn string) {
	top = t.TempDir()
	scn = filepath.Join(top, "scn")
	if err := os.MkdirAll(filepath.Join(scn, "captured"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(top, "secret.txt"), "CMSRUNBOOK_PASSWORD=hunter2\n")
	write(filepath.Join(scn, "captured", "ok.txt"), "Setup completed.\r\n")
	return top, scn
}

// symlinkOrSkip makes a symbolic link, or skips where the user may not
// (Windows without developer mode).
func symlinkOrSkip(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("cannot make a symbolic link here: %v", err)
	}
}

// TestOutputsStayInTheirFolder: a scenario's outputs[].file reads only a
// regular file of sensible size inside the scenario's folder. Every
// refusal is a *config.Error at the file field, and none carries the
// secret beside the folder.
func TestOutputsStayInTheirFolder(t *testing.T) {
	for _, c := range outputCases() {
		t.Run(c.name, func(t *testing.T) { checkOutputCase(t, c) })
	}
}

// outputCase is one outputs[].file value, what to make in the folder
// first, and what loading it gives.
type outputCase struct {
	name  string
	file  string
	setup func(t *testing.T, top, scn string)
	words []string // nil: it loads
	want  string   // the text it loads
}

func outputCases() []outputCase {
	abs := "/proc/self/environ"
	if runtime.GOOS == "windows" {
		abs = `C:\Windows\win.ini`
	}
	return []outputCase{
		{name: "good relative", file: "captured/ok.txt", want: "Setup completed.\r\n"},
		{name: "good with backslashes", file: `captured\ok.txt`, want: "Setup completed.\r\n"},
		{name: "good with .. inside", file: "captured/../captured/ok.txt", want: "Setup completed.\r\n"},
		{name: "absolute", file: abs, words: []string{"is an absolute path", "must stay inside the scenario's folder"}},
		{name: "absolute device", file: "/dev/zero", words: []string{"is an absolute path"}},
		{name: "drive letter", file: `C:\secrets\x.txt`, words: []string{"is an absolute path"}},
		{name: "UNC path", file: `\\server\share\x.txt`, words: []string{"is an absolute path"}},
		{name: "dot dot", file: "../secret.txt", words: []string{"leads out of the scenario's folder", "must stay inside"}},
		{name: "dot dot with backslashes", file: `..\secret.txt`, words: []string{"leads out of the scenario's folder"}},
		{name: "dot dot in the middle", file: "captured/../../secret.txt", words: []string{"leads out of the scenario's folder"}},
		{name: "symlink out", file: "captured/link.txt", setup: func(t *testing.T, top, scn string) {
			symlinkOrSkip(t, filepath.Join("..", "..", "secret.txt"), filepath.Join(scn, "captured", "link.txt"))
		}, words: []string{"through a symbolic link", "secret.txt", "must stay inside"}},
		{name: "symlinked folder out", file: "away/secret.txt", setup: func(t *testing.T, top, scn string) {
			symlinkOrSkip(t, top, filepath.Join(scn, "away"))
		}, words: []string{"through a symbolic link"}},
		{name: "symlink to environ", file: "captured/env.txt", setup: func(t *testing.T, top, scn string) {
			if runtime.GOOS != "linux" {
				t.Skip("no /proc here")
			}
			symlinkOrSkip(t, "/proc/self/environ", filepath.Join(scn, "captured", "env.txt"))
		}, words: []string{"through a symbolic link", "/proc/"}},
		{name: "symlink to a device", file: "captured/zero", setup: func(t *testing.T, top, scn string) {
			if runtime.GOOS == "windows" {
				t.Skip("no /dev/zero here")
			}
			symlinkOrSkip(t, "/dev/zero", filepath.Join(scn, "captured", "zero"))
		}, words: []string{"through a symbolic link"}},
		{name: "symlink inside", file: "captured/again.txt", setup: func(t *testing.T, top, scn string) {
			symlinkOrSkip(t, "ok.txt", filepath.Join(scn, "captured", "again.txt"))
		}, want: "Setup completed.\r\n"},
		{name: "absolute symlink inside", file: "captured/again.txt", setup: func(t *testing.T, top, scn string) {
			symlinkOrSkip(t, filepath.Join(scn, "captured", "ok.txt"), filepath.Join(scn, "captured", "again.txt"))
		}, want: "Setup completed.\r\n"},
		{name: "named pipe", file: "captured/pipe", setup: func(t *testing.T, top, scn string) {
			if err := mkfifo(filepath.Join(scn, "captured", "pipe")); err != nil {
				t.Skipf("no named pipes here: %v", err)
			}
		}, words: []string{"cannot read", "it is a named pipe (FIFO), not a regular file"}},
		{name: "folder", file: "captured", words: []string{"cannot read", "it is a folder, not a regular file"}},
		{name: "the scenario's own folder", file: ".", words: []string{"it is a folder"}},
		{name: "over 4 MiB", file: "captured/huge.txt", setup: func(t *testing.T, top, scn string) {
			f, err := os.Create(filepath.Join(scn, "captured", "huge.txt"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := f.Truncate(4<<20 + 1); err != nil {
				t.Fatal(err)
			}
		}, words: []string{"over the limit of 4 MiB", "captured transcript"}},
		{name: "missing", file: "captured/nope.txt", words: []string{"cannot read", "does not exist"}},
		{name: "binary", file: "captured/bin.txt", setup: func(t *testing.T, top, scn string) {
			if err := os.WriteFile(filepath.Join(scn, "captured", "bin.txt"), []byte("MZ\x90\x00"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, words: []string{"NUL byte", "not a captured transcript"}},
		{name: "UTF-16", file: "captured/u16.txt", setup: func(t *testing.T, top, scn string) {
			if err := os.WriteFile(filepath.Join(scn, "captured", "u16.txt"), encodeUTF16("Setup completed.\r\n", false, true), 0o644); err != nil {
				t.Fatal(err)
			}
		}, words: []string{"UTF-16", "convert the capture to UTF-8"}},
		{name: "control character in the path", file: "captured/\tok.txt", words: []string{"control character"}},
	}
}

// checkOutputCase writes the scenario into a fresh folder and loads it.
func checkOutputCase(t *testing.T, c outputCase) {
	top, scn := outputsFolder(t)
	if c.setup != nil {
		c.setup(t, top, scn)
	}
	file := filepath.Join(scn, "scenario.yaml")
	if err := os.WriteFile(file, []byte(outputsScenario(c.file)), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := withScenario(t, file)
	if c.words == nil {
		if err != nil {
			t.Fatal(err)
		}
		o := s.Outputs[2]
		if o.Text != c.want || o.File != filepath.Join(scn, filepath.FromSlash(strings.ReplaceAll(c.file, `\`, "/"))) {
			t.Errorf("output = %+v", o)
		}
		return
	}
	checkBad(t, file, err, badCase{line: 16, col: 30, field: "outputs[2].file"})
	for _, w := range c.words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not say %q", err.Error(), w)
		}
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("%q carries the secret", err.Error())
	}
}

// withScenario loads file within a deadline, so a read that blocks (a
// named pipe) fails the test instead of hanging it.
func withScenario(t *testing.T, file string) (*config.Scenario, error) {
	t.Helper()
	var s *config.Scenario
	err := withDeadline(t, "LoadScenarioFile", func() error {
		var err error
		s, err = config.LoadScenarioFile(file)
		return err
	})
	return s, err
}

// TestEmbeddedOutputsStayInTheirFolder: an embedded scenario's captured
// output loads from the embedded folder, and one in an fs.FS cannot leave
// its folder either (not even to a file elsewhere in the same FS).
func TestEmbeddedOutputsStayInTheirFolder(t *testing.T) {
	s, err := config.ResolveScenario(assets.Scenarios, "replay-captured-success")
	if err != nil {
		t.Fatal(err)
	}
	if o := s.Outputs[0]; o.File != "scenarios/captured/setup-upgrade-sp1-success.txt" || !strings.Contains(o.Text, "completed successfully") {
		t.Errorf("embedded output = %+v", o)
	}

	fsys := fstest.MapFS{
		"secret.txt":                  {Data: []byte("CMSRUNBOOK_PASSWORD=hunter2\n")},
		"scenarios/captured/ok.txt":   {Data: []byte("Setup completed.\r\n")},
		"scenarios/captured/link.txt": {Data: []byte("../../secret.txt"), Mode: fs.ModeSymlink},
		"scenarios/captured/huge.txt": {Data: make([]byte, 4<<20+1)},
	}
	cases := []struct{ file, words string }{
		{"captured/ok.txt", ""},
		{"../secret.txt", "leads out of the scenario's folder"},
		{"/secret.txt", "is an absolute path"},
		{"captured/link.txt", "symbolic link"},
		{"captured", "it is a folder, not a regular file"},
		{"captured/huge.txt", "over the limit of 4 MiB"},
		{"captured/nope.txt", "does not exist"},
	}
	for _, c := range cases {
		fsys["scenarios/s.yaml"] = &fstest.MapFile{Data: []byte(outputsScenario(c.file))}
		s, err := config.LoadScenarioFS(fsys, "scenarios/s.yaml")
		if c.words == "" {
			if err != nil || s.Outputs[2].Text != "Setup completed.\r\n" || s.Outputs[2].File != "scenarios/captured/ok.txt" {
				t.Errorf("%s: %v %+v", c.file, err, s)
			}
			continue
		}
		checkBad(t, "scenarios/s.yaml", err, badCase{line: 16, col: 30, field: "outputs[2].file", msg: c.words})
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q carries the secret", err.Error())
		}
	}

	// The scenario file itself: a folder or an oversize file is refused
	// by its kind and size.
	_, err = config.LoadScenarioFS(fsys, "scenarios")
	checkBad(t, "scenarios", err, badCase{msg: "it is a folder"})
	fsys["scenarios/big.yaml"] = &fstest.MapFile{Data: make([]byte, 64<<10+1)}
	_, err = config.LoadScenarioFS(fsys, "scenarios/big.yaml")
	checkBad(t, "scenarios/big.yaml", err, badCase{msg: "over the limit of 64 KiB"})
}

// TestParseScenarioReadRelGetsCleanPaths: a custom readRel is only ever
// asked for a clean path inside the folder.
func TestParseScenarioReadRelGetsCleanPaths(t *testing.T) {
	var asked []string
	readRel := func(rel string) ([]byte, error) {
		asked = append(asked, rel)
		return []byte("ok\n"), nil
	}
	src := outputsScenario(`captured\.\sub\..\ok.txt`)
	if _, err := config.ParseScenario("s.yaml", []byte(src), readRel); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 3 || asked[2] != "captured/ok.txt" {
		t.Errorf("readRel was asked for %q", asked)
	}
	_, err := config.ParseScenario("s.yaml", []byte(outputsScenario("../../etc/passwd")), readRel)
	checkBad(t, "s.yaml", err, badCase{line: 16, col: 30, field: "outputs[2].file", msg: "leads out"})
	if len(asked) != 5 {
		t.Errorf("readRel was asked for %q", asked)
	}
}
