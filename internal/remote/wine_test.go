package remote

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// wineBinary finds Wine's loader (Debian's wine64 puts it outside PATH).
func wineBinary() string {
	for _, name := range []string{"wine64", "wine"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	for _, p := range []string{"/usr/lib/wine/wine64", "/usr/lib/x86_64-linux-gnu/wine/wine64"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// winePrefix is a throwaway Wine installation: its drive_c is the
// "node's" disk.
type winePrefix struct {
	t      *testing.T
	wine   string
	prefix string
}

func newWinePrefix(t *testing.T) *winePrefix {
	t.Helper()
	wine := wineBinary()
	if wine == "" {
		t.Skip("Wine is not installed (Debian package wine64; .ci/run installs it)")
	}
	w := &winePrefix{t: t, wine: wine, prefix: filepath.Join(t.TempDir(), "prefix")}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		server := filepath.Join(filepath.Dir(wine), "wineserver")
		if _, err := os.Stat(server); err != nil {
			server = "wineserver"
		}
		cmd := exec.CommandContext(ctx, server, "-k")
		cmd.Env = w.env()
		_ = cmd.Run()
	})
	return w
}

func (w *winePrefix) env() []string {
	// C.UTF-8 is the one UTF-8 locale every machine has: Wine then maps
	// Unix file names as UTF-8 (so an accented folder is found) and gives
	// the "node" OEM code page 437 and ANSI 1252, which differ on the
	// accented letters, as 850 and 1252 do on a Portuguese node.
	return append(os.Environ(), "LC_ALL=C.UTF-8", "WINEPREFIX="+w.prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=", "DISPLAY=", "WAYLAND_DISPLAY=")
}

// cmd runs cmd.exe /c with args under Wine and returns its stdout.
func (w *winePrefix) cmd(args ...string) string {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, w.wine, append([]string{"cmd.exe", "/c"}, args...)...)
	c.Env = w.env()
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	_ = c.Run() // the exit code is the job's, not a failure of the test
	if ctx.Err() != nil {
		w.t.Fatalf("wine cmd.exe /c %v did not finish: %s", args, errb.String())
	}
	return out.String()
}

// drive is the Unix path of C:\<rel>.
func (w *winePrefix) drive(rel string) string {
	return filepath.Join(w.prefix, "drive_c", filepath.FromSlash(rel))
}

// oemCodePage reads the OEM code page from the registry value
// discover-node.ps1 reads on a node: cmd.exe reads batch files in it.
func (w *winePrefix) oemCodePage() int {
	out := w.cmd(`reg query HKLM\System\CurrentControlSet\Control\Nls\CodePage /v OEMCP`)
	m := regexp.MustCompile(`OEMCP\s+REG_SZ\s+(\d{3,5})`).FindStringSubmatch(out)
	if m == nil {
		w.t.Fatalf("reg query printed %q", out)
	}
	cp, _ := strconv.Atoi(m[1])
	return cp
}

// exitFileCode reads an .exit file as job-tail.ps1 does: the first line,
// converted with [int] (surrounding blanks allowed, anything else is an
// error), then handed through the same state-record parsing the executor
// applies to the tail script's output.
func exitFileCode(content []byte) (int, error) {
	first, _, _ := strings.Cut(string(content), "\n")
	n, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, err
	}
	st := parseJobState(record{"state", "1", "0", strconv.Itoa(n), "0"})
	return st.ExitCode, nil
}

// TestJobWrapperWine runs the job wrapper JobBatch builds under Wine's
// cmd.exe, the nearest thing to a node's cmd.exe here, and reads the exit
// codes back: codes 1-9 are the ones the old wrapper lost.
func TestJobWrapperWine(t *testing.T) {
	w := newWinePrefix(t)
	// A stand-in for Setup.com: a real Windows program (a copy of the
	// prefix's own cmd.exe, told what to print and which code to exit
	// with) under a media path with spaces and accents, as localized
	// media often are. A Go-built program cannot stand in: Wine 8 lacks
	// the bcryptprimitives.dll the Go runtime needs.
	media := `Mídia Exchange 2007 SP2`
	w.cmd("ver") // creates the prefix
	if err := os.MkdirAll(w.drive(media), 0o755); err != nil {
		t.Fatal(err)
	}
	prog, err := os.ReadFile(w.drive("windows/system32/cmd.exe"))
	if err != nil {
		t.Fatalf("the Wine prefix has no cmd.exe: %v", err)
	}
	if err := os.WriteFile(filepath.Join(w.drive(media), "Setup.com"), prog, 0o755); err != nil {
		t.Fatal(err)
	}
	jobs := filepath.Join(w.drive("cmsrunbook"))
	if err := os.MkdirAll(jobs, 0o755); err != nil {
		t.Fatal(err)
	}
	cp := w.oemCodePage()
	enc, ok := codePages[cp]
	if !ok {
		enc = charmap.CodePage437
	}
	// Every job, the old wrapper and an ANSI-written batch run in one Wine
	// session (a driver batch starting each in its own cmd.exe, as the
	// task runner does): Wine's start-up is the slow part.
	write := func(name, text string, enc encoding.Encoding) {
		t.Helper()
		raw, err := enc.NewEncoder().String(text)
		if err != nil {
			t.Fatalf("%s does not fit the code page: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(jobs, name+".cmd"), []byte(raw), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	setup := `"C:\` + media + `\Setup.com"`
	codes := []int{0, 1, 2, 9, 1603, 3010}
	var driver []string
	for _, code := range codes {
		n := strconv.Itoa(code)
		text, err := JobBatch("job-"+n, setup+` /c "echo Setup.com /mode:upgrade ended with `+n+` & exit `+n+`"`)
		if err != nil {
			t.Fatal(err)
		}
		write("job-"+n, text, enc)
		driver = append(driver, `cmd.exe /c "C:\cmsrunbook\job-`+n+`.cmd"`)
	}
	// The same batch written in the ANSI code page, as the old job-start
	// wrote it ([Text.Encoding]::Default), names a folder that is not
	// there: cmd.exe reads batch files in the OEM code page.
	ansi, _ := JobBatch("ansi", setup+` /c "exit 5"`)
	write("ansi", ansi, charmap.Windows1252)
	// The old wrapper: exit 1 leaves no number at all.
	write("old", "@echo off\r\n"+setup+" /c \"exit 1\" > \"%~dp0old.log\" 2>&1\r\necho %ERRORLEVEL%> \"%~dp0old.exit\"\r\n", enc)
	driver = append(driver, `cmd.exe /c "C:\cmsrunbook\ansi.cmd"`, `cmd.exe /c "C:\cmsrunbook\old.cmd"`)
	write("driver", "@echo off\r\n"+strings.Join(driver, "\r\n")+"\r\n", enc)
	w.cmd(`C:\cmsrunbook\driver.cmd`)

	for _, code := range codes {
		n := strconv.Itoa(code)
		t.Run(n, func(t *testing.T) {
			id := "job-" + n
			exit, err := os.ReadFile(filepath.Join(jobs, id+".exit"))
			if err != nil {
				t.Fatalf("no .exit file after the job (the move or the echo failed): %v", err)
			}
			got, err := exitFileCode(exit)
			if err != nil || got != code {
				t.Fatalf("exit code read back %d (%v) from %q, want %d", got, err, exit, code)
			}
			if _, err := os.Stat(filepath.Join(jobs, id+".began")); err != nil {
				t.Errorf("no .began marker: %v", err)
			}
			if _, err := os.Stat(filepath.Join(jobs, id+".tmp")); err == nil {
				t.Errorf(".tmp left behind: the move did not happen")
			}
			log, _ := os.ReadFile(filepath.Join(jobs, id+".log"))
			if !strings.Contains(string(log), "ended with "+n) {
				t.Errorf("the program's output is not in the log (was the accented path found?): %q", log)
			}
		})
	}
	t.Run("ansi", func(t *testing.T) {
		if cp == 1252 {
			t.Skip("the OEM code page is the ANSI one here")
		}
		exit, _ := os.ReadFile(filepath.Join(jobs, "ansi.exit"))
		if got, err := exitFileCode(exit); err != nil || got != 9009 {
			t.Errorf("an ANSI batch ran with exit %d (%v): the code-page check proves nothing here", got, err)
		}
	})
	t.Run("old wrapper", func(t *testing.T) {
		exit, _ := os.ReadFile(filepath.Join(jobs, "old.exit"))
		if got, err := exitFileCode(exit); err == nil && got == 1 {
			t.Errorf("the old wrapper read back exit 1 (%q): this cmd.exe does not show the handle-redirection bug, so the test above proves less than it claims", exit)
		}
	})
}

// TestJobBatchRefusesWhatCmdCannotCarry: a line break would end the
// command early and run the rest as a second command.
func TestJobBatchRefusesWhatCmdCannotCarry(t *testing.T) {
	for _, line := range []string{"setup.com\r\ndel x", "a\x00b", "  "} {
		if _, err := JobBatch("j1", line); err == nil {
			t.Errorf("JobBatch(%q) accepted", line)
		}
	}
	if _, err := JobBatch("../x", "setup.com"); err == nil {
		t.Error("a job ID with a path accepted")
	}
	b, err := JobBatch("j1", `msiexec.exe /update "D:\100%\x.msp"`)
	if err != nil || !strings.Contains(b, `D:\100%%\x.msp`) {
		t.Errorf("percent not doubled: %q %v", b, err)
	}
}
