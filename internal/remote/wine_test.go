package remote

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"math"
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

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/sim"
	"cmsrunbook/runbook"
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
		if os.Getenv("CMSRUNBOOK_REQUIRE_WINE") != "" {
			t.Fatal("Wine is not installed and CMSRUNBOOK_REQUIRE_WINE is set (.ci/run sets it after installing wine64): the batch wrapper would go untested")
		}
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

// tailReader runs the project's job-tail.ps1 through the simulator's
// PowerShell subset on a simulated node holding the job's files as Wine's
// cmd.exe left them, and parses its state record the way the executor
// parses a real node's: the exit code goes through exactly the reading a
// window relies on.
type tailReader struct{ sim *sim.Sim }

func newTailReader(t *testing.T) *tailReader {
	sc, err := config.ResolveScenario(assets.Scenarios, "ccr-2003-sp2")
	if err != nil {
		t.Fatal(err)
	}
	return &tailReader{sim: sim.New(sc, sim.Options{Speed: math.Inf(1), Seed: 1})}
}

// state copies a job's files (name -> bytes) to the node and reads the
// job's state back through job-tail.ps1.
func (r *tailReader) state(t *testing.T, id string, files map[string][]byte) runbook.JobState {
	t.Helper()
	ctx := context.Background()
	var put strings.Builder
	put.WriteString("$d = $env:SystemRoot + '\\Temp\\cmsrunbook'\n")
	put.WriteString("if (-not (Test-Path $d)) { $null = New-Item -ItemType Directory -Path $d }\n")
	for name, data := range files {
		fmt.Fprintf(&put, "[IO.File]::WriteAllText($d + '\\%s', [Text.Encoding]::GetEncoding(437).GetString([Convert]::FromBase64String('%s')), [Text.Encoding]::GetEncoding(437))\n",
			name, base64.StdEncoding.EncodeToString(data))
	}
	var errs []string
	if code, err := r.sim.RunPowerShell(ctx, "EXNODE01", put.String(), sim.HostOptions{}, func(string) {}, func(l string) { errs = append(errs, l) }); err != nil || code != 0 {
		t.Fatalf("copying the job's files to the simulated node: exit %d, %v: %v", code, err, errs)
	}
	script, err := BuildScript(ScriptJobTail, []Param{{"JobId", id}, {"Offset", "0"}, {"Read", "0"}}, "")
	if err != nil {
		t.Fatal(err)
	}
	var st *runbook.JobState
	_, err = r.sim.RunPowerShell(ctx, "EXNODE01", script, sim.HostOptions{}, func(l string) {
		for _, rec := range parseRecords(l) {
			if rec.field(0) == "state" {
				s := parseJobState(rec)
				st = &s
			}
		}
	}, func(l string) { errs = append(errs, l) })
	if err != nil || st == nil {
		t.Fatalf("job-tail.ps1 gave no state (%v): %v", err, errs)
	}
	return *st
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
	tail := newTailReader(t)

	for _, code := range codes {
		n := strconv.Itoa(code)
		t.Run(n, func(t *testing.T) {
			id := "job-" + n
			exit, err := os.ReadFile(filepath.Join(jobs, id+".exit"))
			if err != nil {
				t.Fatalf("no .exit file after the job (the move or the echo failed): %v", err)
			}
			st := tail.state(t, id, map[string][]byte{id + ".cmd": []byte("@echo off"), id + ".exit": exit})
			if st.Running || st.ExitCode != code || st.Why != "" {
				t.Fatalf("job-tail.ps1 read back %+v from %q, want exit %d", st, exit, code)
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
		if st := tail.state(t, "ansi", map[string][]byte{"ansi.cmd": []byte("@echo off"), "ansi.exit": exit}); st.ExitCode != 9009 {
			t.Errorf("an ANSI batch read back as %+v: the code-page check proves nothing here", st)
		}
	})
	t.Run("old wrapper", func(t *testing.T) {
		exit, _ := os.ReadFile(filepath.Join(jobs, "old.exit"))
		if len(exit) == 0 {
			t.Fatal("the old wrapper wrote no .exit file")
		}
		// Exit 1 left "ECHO is off." (cmd.exe read "1>" as a handle): the
		// tail must say the result is unknown, never 0 (a success).
		st := tail.state(t, "old", map[string][]byte{"old.cmd": []byte("@echo off"), "old.exit": exit})
		if st.ExitCode == 1 {
			t.Errorf("the old wrapper read back exit 1 (%q): this cmd.exe does not show the handle-redirection bug, so the test above proves less than it claims", exit)
		}
		if st.ExitCode == 0 || st.Why != "noexitcode" {
			t.Errorf("job-tail.ps1 read the old wrapper's %q as %+v; want exit -1, noexitcode (never a success)", exit, st)
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
