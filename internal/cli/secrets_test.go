package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cmsrunbook/assets"
	"cmsrunbook/internal/journal"
	"cmsrunbook/runbook"
)

// pauseLeakScenario writes a copy of ccr-2003-sp2 whose EXNODE02 prints
// the WinRM password when it is paused (a captured transcript in the
// scenario's folder, replayed for the pause-node step), and fails the
// pause with exit code 5, so the password is in the output the node
// streams and in the lines the failure's diagnosis quotes. It returns the
// scenario file.
func pauseLeakScenario(t *testing.T, pass string) string {
	t.Helper()
	data, err := assets.Scenarios.ReadFile("scenarios/ccr-2003-sp2.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "captured"), 0o755); err != nil {
		t.Fatal(err)
	}
	transcript := "Pausing node 'EXNODE02'...\r\n" +
		"net use \\\\EXNODE01\\IPC$ /user:EXAMPLE\\exadmin " + pass + "\r\n" +
		"System error 5 has occurred.\r\n" +
		"Access is denied (password " + pass + " rejected).\r\n"
	if err := os.WriteFile(filepath.Join(dir, "captured", "pause-leak.txt"), []byte(transcript), 0o644); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "name: ccr-2003-sp2", "name: ccr-2003-sp2-pause-leak", 1) +
		"outputs:\n  - {step: pause-node, node: EXNODE02, file: captured/pause-leak.txt, exit_code: 5, effect: failure}\n"
	file := filepath.Join(dir, "pause-leak.yaml")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// filesHolding names the files in dir (the journal's folder: the journal,
// a screen's .log, anything else a run leaves there) that hold s.
func filesHolding(t *testing.T, dir, s string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err == nil && strings.Contains(string(data), s) {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestSecretsNeverReachARecord runs real steps over WinRM against
// serve-sim with the password from CMSRUNBOOK_PASSWORD and checks that the
// password reaches none of: the journal and every file beside it, standard
// output and error, the markdown and JSON change records. In "the node
// prints it", EXNODE02 prints the password while it is paused and the
// pause fails: the journal and the change record hold the mask where the
// password was, and so must what the terminal showed.
func TestSecretsNeverReachARecord(t *testing.T) {
	cases := []struct {
		name     string
		scenario func(t *testing.T) string
		answers  string
		// printed: the node prints the password, so the mask must show
		// where it was.
		printed bool
	}{
		{
			// Preflight, pause, move groups, Setup on EXNODE02; abort at
			// the reboot.
			name:     "appears nowhere",
			scenario: func(*testing.T) string { return "ccr-2003-sp2" },
			answers:  "y\ny\ny\ny\na\n",
		},
		{
			// Preflight, pause (fails); abort at the failure.
			name:     "the node prints it",
			scenario: func(t *testing.T) string { return pauseLeakScenario(t, servePass) },
			answers:  "y\ny\na\n",
			printed:  true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv := startServeSim(t, "--scenario", tc.scenario(t), "--speed", "3000")
			jdir := t.TempDir()
			jpath := filepath.Join(jdir, "run.jsonl")
			code, out, errOut := runMain(t, tc.answers, "run", "--inventory", inv, "--headless", "--journal", jpath)
			if code != ExitFailed {
				t.Fatalf("run: exit %d\n%s\n%s", code, out, errOut)
			}
			rep, err := journal.Read(jpath)
			if err != nil {
				t.Fatal(err)
			}
			outputs, masked, failed := 0, 0, 0
			for _, ev := range rep.Events {
				switch ev.Event {
				case runbook.EvOutput:
					outputs++
					if strings.Contains(ev.Text, journal.Mask) {
						masked++
					}
				case runbook.EvStepFailed:
					failed++
				}
			}
			if outputs == 0 {
				t.Error("the journal holds no output: the run sent nothing that prints")
			}
			if tc.printed && (masked != 2 || failed != 1) {
				t.Errorf("the journal holds %d masked output lines and %d failures, want 2 and 1", masked, failed)
			}
			if !tc.printed && masked != 0 {
				t.Errorf("the journal masks %d output lines of a run whose nodes never print the password", masked)
			}
			if f := filesHolding(t, jdir, servePass); len(f) > 0 {
				t.Errorf("files beside the journal hold the password: %v", f)
			}
			if f := filesHolding(t, filepath.Dir(inv), servePass); len(f) > 0 {
				t.Errorf("files beside the inventory hold the password: %v", f)
			}
			for _, format := range []string{"markdown", "json"} {
				code, rec, rerr := runMain(t, "", "report", "--journal", jpath, "--format", format)
				if code != ExitOK {
					t.Fatalf("report --format %s: exit %d: %s", format, code, rerr)
				}
				if strings.Contains(rec+rerr, servePass) {
					t.Errorf("the %s change record holds the password", format)
				}
				if tc.printed && !strings.Contains(rec, journal.Mask) {
					t.Errorf("the %s change record does not show the failure's output, masked:\n%s", format, rec)
				}
			}
			if strings.Contains(errOut, servePass) {
				t.Errorf("standard error shows the password:\n%s", errOut)
			}
			if strings.Contains(out, servePass) {
				if tc.printed {
					t.Fatalf("REGRESSION (fixed in this change): the headless printer shows the nodes' output and the failure's quoted lines unmasked; the journal masks them (internal/session/session.go emit: s.printer.Print(ev) and s.sink(ev) get the event as it was before journal.Writer masked it). Lines:\n%s", linesWith(out, servePass))
				}
				t.Errorf("standard output shows the password:\n%s", linesWith(out, servePass))
			}
			if tc.printed && !strings.Contains(out, journal.Mask) {
				t.Errorf("standard output does not show the mask where the node printed the password:\n%s", out)
			}
		})
	}
}

// linesWith is the lines of s that hold sub.
func linesWith(s, sub string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// TestNoPasswordFlag: the password is never a flag (flags show in process
// lists and shell history): no command that reaches a cluster lists one in
// its help, and each refuses one as an unknown flag before reading the
// value.
func TestNoPasswordFlag(t *testing.T) {
	for _, cmd := range []string{"run", "resume", "plan", "check", "serve-sim"} {
		_, out, help := run(t, cmd, "--help")
		help += out
		if !strings.Contains(help, "-journal") && !strings.Contains(help, "-inventory") && !strings.Contains(help, "-scenario") {
			t.Fatalf("%s --help does not list the flags:\n%s", cmd, help)
		}
		for _, l := range strings.Split(help, "\n") {
			if f := strings.TrimSpace(l); strings.HasPrefix(f, "-") && strings.Contains(strings.ToLower(f), "pass") {
				t.Errorf("%s --help lists a password flag: %q", cmd, f)
			}
		}
		for _, flagName := range []string{"--password", "--pass", "-p"} {
			code, _, errOut := run(t, cmd, flagName, "hunter2-secret")
			if code != ExitUsage || !strings.Contains(errOut, "flag provided but not defined") {
				t.Errorf("%s %s: exit %d, %s; want the flag refused", cmd, flagName, code, errOut)
			}
			if strings.Contains(errOut, "hunter2-secret") {
				t.Errorf("%s %s: the refusal repeats the value: %s", cmd, flagName, errOut)
			}
		}
	}
	// The top-level help names where the password comes from.
	_, out, _ := run(t, "help")
	if !strings.Contains(out, PasswordEnv) {
		t.Errorf("help does not say the password comes from %s:\n%s", PasswordEnv, out)
	}
}
