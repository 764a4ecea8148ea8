package runbook

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// classifySample reads a capture from testdata/classify and strips its
// leading "# source:" / "# command:" lines, keeping the line ends of the rest
// as they are (some variants are CRLF on purpose).
func classifySample(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "classify", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for strings.HasPrefix(s, "#") {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return ""
		}
		s = s[i+1:]
	}
	return s
}

// classifyWant is what a person would notice about a run.
type classifyWant struct {
	outcome Outcome
	reboot  bool
	failed  []string // exact FailedSteps
	codes   []string // exact ErrorCodes
	lines   []string // each must be an ErrorLine, or with a trailing "*" a prefix of one
	notIn   []string // no ErrorLine may contain any of these
	summary []string // substrings of Summary
}

func checkClassification(t *testing.T, got Classification, w classifyWant) {
	t.Helper()
	if got.Outcome != w.outcome {
		t.Errorf("Outcome = %q, want %q (summary %q)", got.Outcome, w.outcome, got.Summary)
	}
	if got.RebootRequired != w.reboot {
		t.Errorf("RebootRequired = %v, want %v", got.RebootRequired, w.reboot)
	}
	if !slices.Equal(got.FailedSteps, w.failed) {
		t.Errorf("FailedSteps = %q, want %q", got.FailedSteps, w.failed)
	}
	if !slices.Equal(got.ErrorCodes, w.codes) {
		t.Errorf("ErrorCodes = %q, want %q", got.ErrorCodes, w.codes)
	}
	for _, want := range w.lines {
		found := slices.ContainsFunc(got.ErrorLines, func(l string) bool {
			if p, ok := strings.CutSuffix(want, "*"); ok {
				return strings.HasPrefix(l, p)
			}
			return l == want
		})
		if !found {
			t.Errorf("ErrorLines lack %q; got:\n  %s", want, strings.Join(got.ErrorLines, "\n  "))
		}
	}
	for _, bad := range w.notIn {
		for _, l := range got.ErrorLines {
			if strings.Contains(l, bad) {
				t.Errorf("ErrorLine %q should not be quoted (contains %q)", l, bad)
			}
		}
	}
	for _, s := range w.summary {
		if !strings.Contains(got.Summary, s) {
			t.Errorf("Summary %q lacks %q", got.Summary, s)
		}
	}
	if got.Summary == "" {
		t.Error("Summary is empty")
	}
}

// setupFailedUM is the real failed prerequisite check from the trivir wiki.
var setupFailedUM = classifyWant{
	outcome: OutcomeFailure,
	failed:  []string{"Unified Messaging Role Checks"},
	lines: []string{
		"Unified Messaging Role Checks    ......................... FAILED",
		// wrapped "inst" / "all" at 80 columns in the capture
		"This computer requires Microsoft Core XML Services (MSXML) 6.0. Please install the software from http://go.microsoft.com/fwlink/?LinkId=70796.",
		"This computer requires the update described in*",
		// wrapped "visi" / "t http" in the capture
		"The Exchange Server Setup operation did not complete. For more information, visit http://support.microsoft.com and enter the Error ID.",
		"Exchange Server setup encountered an error.",
	},
	// prerequisite warnings (1-space lines) are not errors
	notIn:   []string{"32-bit version", "When you run Exchange Server 2007", "Organization Checks"},
	summary: []string{"failure", "Unified Messaging Role Checks FAILED"},
}

var setupSucceeded = classifyWant{outcome: OutcomeSuccess, summary: []string{"success"}}

func TestClassifySetupSamples(t *testing.T) {
	mailbox1603 := classifyWant{
		outcome: OutcomeFailure,
		failed:  []string{"Mailbox Server Role"},
		codes:   []string{"1603"},
		lines: []string{
			"Mailbox Server Role              ......................... FAILED",
			`Installing product D:\E2K7SP1\Setup\ServerRoles\Common\..\..\exchangeserver.msi failed. Fatal error during installation. Error code is 1603.`,
			"The Exchange Server Setup operation did not complete. For more information, visit http://support.microsoft.com and enter the Error ID.",
		},
		notIn:   []string{"SMTP or Send connector", "COMPLETED"},
		summary: []string{"Mailbox Server Role FAILED (error code 1603)"},
	}
	tests := []struct {
		file string
		exit int
		want classifyWant
	}{
		{"setup-mode-upgrade-sp1-success-1.txt", 0, setupSucceeded},
		{"setup-install-um-prereq-failed-1.txt", 0, setupFailedUM},
		{"setup-install-um-prereq-failed-1.txt", 1, setupFailedUM},
		{"setup-success-crlf.txt", 0, setupSucceeded},
		{"setup-success-capitals.txt", 0, setupSucceeded},
		{"setup-success-rewrapped-80.txt", 0, setupSucceeded},
		{"setup-success-wrapped-37.txt", 0, setupSucceeded},
		{"setup-success-reboot-80.txt", 0, classifyWant{
			outcome: OutcomeSuccess, reboot: true, summary: []string{"success", "restart"},
		}},
		{"setup-upgradecms-success.txt", 0, setupSucceeded},
		// Setup.com's exit code is not trusted: this real-shaped failure exits 0.
		{"setup-upgrade-mailbox-1603-failed.txt", 0, mailbox1603},
		// Wrapped at 37 columns the step line and the code line are split,
		// so no step name is readable, but the verdict and code still are.
		{"setup-upgrade-mailbox-1603-failed-wrapped-37.txt", 0, classifyWant{
			outcome: OutcomeFailure, codes: []string{"1603"}, summary: []string{"FAILED", "1603"},
		}},
		{"setup-truncated.txt", 0, classifyWant{
			outcome: OutcomeIncomplete, summary: []string{"still running or its output was cut off"},
		}},
		{"setup-truncated.txt", 3, classifyWant{
			outcome: OutcomeFailure, summary: []string{"exited with code 3"},
		}},
		// A success line with a non-zero exit code is not a success.
		{"setup-mode-upgrade-sp1-success-1.txt", 1, classifyWant{
			outcome: OutcomeFailure, summary: []string{"success line but exited with code 1"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/exit"+strconv.Itoa(tt.exit), func(t *testing.T) {
			got := ClassifySetup(classifySample(t, tt.file), tt.exit)
			checkClassification(t, got, tt.want)
			if got.ExitCode != tt.exit {
				t.Errorf("ExitCode = %d, want %d", got.ExitCode, tt.exit)
			}
		})
	}
}

func TestClassifySetupText(t *testing.T) {
	const success = "The Microsoft Exchange Server setup operation completed successfully.\n"
	const didNotComplete = "The Exchange Server Setup operation did not complete. For more information, visi\nt http://support.microsoft.com and enter the Error ID.\n"
	tests := []struct {
		name, text string
		exit       int
		want       classifyWant
	}{
		{"empty output while running", "", 0, classifyWant{outcome: OutcomeIncomplete}},
		{"empty output, process failed", "", 1, classifyWant{outcome: OutcomeFailure, summary: []string{"code 1"}}},
		{"cut off inside the success line",
			"Configuring Microsoft Exchange Server\n    Finalizing Setup                 ......................... COMPLETED\nThe Microsoft Exchange Server setup operation comp",
			0, classifyWant{outcome: OutcomeIncomplete}},
		{"stray CRs before the line ends",
			strings.ReplaceAll("    Mailbox Server Role              ......................... COMPLETED\n"+success, "\n", "\r\r\n"),
			0, setupSucceeded},
		{"old console CR-only line ends",
			strings.ReplaceAll("    Mailbox Server Role              ......................... COMPLETED\n"+success, "\n", "\r"),
			0, setupSucceeded},
		{"success and a FAILED step is a failure",
			"    Hub Transport Server Role        ......................... failed\n" + success,
			0, classifyWant{outcome: OutcomeFailure, failed: []string{"Hub Transport Server Role"},
				lines: []string{"Hub Transport Server Role        ......................... failed"}}},
		{"MSI error 1638 inside Setup (PROCEDURES 4.1)",
			"Configuring Microsoft Exchange Server\n" +
				"    Unified Messaging Server Role    ......................... FAILED\n" +
				"     Installing product D:\\UM\\Setup\\ServerRoles\\UnifiedMessaging\\UMServer.msi failed. Another version of this product is already installed. Error code is 1638.\n" +
				didNotComplete,
			0, classifyWant{outcome: OutcomeFailure, failed: []string{"Unified Messaging Server Role"}, codes: []string{"1638"},
				lines:   []string{"Installing product *"},
				summary: []string{"Setup.com reported failure: Unified Messaging Server Role FAILED (error code 1638)"}}},
		{"error code line with no step",
			"Setup encountered a problem. Error code: 0x80070005.\n" + didNotComplete,
			1, classifyWant{outcome: OutcomeFailure, codes: []string{"0x80070005"},
				lines:   []string{"Setup encountered a problem. Error code: 0x80070005."},
				summary: []string{"did not complete", "0x80070005"}}},
		{"pending restart blocks the prerequisite check",
			"Performing Microsoft Exchange Server Prerequisite Check\n" +
				"    Mailbox Role Checks              ......................... FAILED\n" +
				"     A restart from a previous installation is pending. Please restart the syste\nm and then rerun Setup.\n" +
				didNotComplete + "Exchange Server setup encountered an error.\n",
			0, classifyWant{outcome: OutcomeFailure, reboot: true, failed: []string{"Mailbox Role Checks"},
				lines:   []string{"A restart from a previous installation is pending. Please restart the system and then rerun Setup."},
				summary: []string{"Mailbox Role Checks FAILED", "restart"}}},
		{"a warning quoting an error code under a COMPLETED check is not an error",
			"    Mailbox Role Checks              ......................... COMPLETED\n" +
				" The last attempt to install failed with error code 1603. Setup will try again.\n" + success,
			0, setupSucceeded},
		{"no restart is required is not a reboot request",
			success + "No restart is required.\n", 0, classifyWant{outcome: OutcomeSuccess}},
		{"only the encountered-an-error line",
			"Exchange Server setup encountered an error.\n", 0,
			classifyWant{outcome: OutcomeFailure, lines: []string{"Exchange Server setup encountered an error."},
				summary: []string{"encountered an error"}}},
		{"verdict word-wrapped by a viewer, trailing space dropped",
			"The Microsoft Exchange Server setup operation\ncompleted\nsuccessfully.\n", 0, setupSucceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkClassification(t, ClassifySetup(tt.text, tt.exit), tt.want)
		})
	}
}

func TestUnwrapConsole(t *testing.T) {
	step80 := "    Exchange Management Tools and Something Longer ................ COMPLETED   "
	if len(step80) != 80 {
		t.Fatalf("fixture step line is %d wide", len(step80))
	}
	tests := []struct {
		name, text string
		want       []string
	}{
		{"empty", "", nil},
		{"one line, no break", "abc", []string{"abc"}},
		{"final break adds no line", "a\nb\n", []string{"a", "b"}},
		{"blank lines kept", "a\n\nb", []string{"a", "", "b"}},
		{"CRLF", "a\r\nb\r\n", []string{"a", "b"}},
		{"CR CR LF", "a\r\r\nb", []string{"a", "b"}},
		{"lone CR breaks", "a\rb", []string{"a", "b"}},
		{"80 columns joined mid-word", strings.Repeat("x", 76) + "visi\nt http://a\n", []string{strings.Repeat("x", 76) + "visit http://a"}},
		{"80 columns with CRLF joined", strings.Repeat("x", 76) + "visi\r\nt http://a\r\n", []string{strings.Repeat("x", 76) + "visit http://a"}},
		{"two rows of 80 joined", strings.Repeat("a", 80) + "\n" + strings.Repeat("b", 80) + "\nc", []string{strings.Repeat("a", 80) + strings.Repeat("b", 80) + "c"}},
		{"79 columns not joined", strings.Repeat("x", 79) + "\ny", []string{strings.Repeat("x", 79), "y"}},
		{"81 columns not joined", strings.Repeat("x", 81) + "\ny", []string{strings.Repeat("x", 81), "y"}},
		{"80-column step line is complete", step80 + "\nConfiguring", []string{step80, "Configuring"}},
		{"80 columns last line", strings.Repeat("x", 80), []string{strings.Repeat("x", 80)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := UnwrapConsole(tt.text); !slices.Equal(got, tt.want) {
				t.Errorf("UnwrapConsole(%q) =\n %q\nwant\n %q", tt.text, got, tt.want)
			}
		})
	}

	// The real capture: the .NET Framework warning was split over five rows.
	lines := UnwrapConsole(classifySample(t, "setup-install-um-prereq-failed-1.txt"))
	want := " When you run Exchange Server 2007 Service Pack 1 (SP1) on Windows Server 2003 or earlier versions of the operating system, we recommend that you install Microsoft .NET Framework 2.0 Service Pack 1 (SP1). If you cannot install .NET Framework 2.0 SP1, install hotfix Microsoft Knowledge Base article 942027 from http://go.microsoft.com/fwlink/?linkid=101219."
	if !slices.Contains(lines, want) {
		t.Errorf("unwrapped capture lacks the joined warning; got:\n%s", strings.Join(lines, "\n"))
	}
	lines = UnwrapConsole(classifySample(t, "setup-success-rewrapped-80.txt"))
	want = " Setup cannot detect an SMTP or Send connector with an address space of '*'. Mail flow to the Internet may not work properly."
	if !slices.Contains(lines, want) {
		t.Errorf("unwrapped re-wrapped sample lacks the joined warning; got:\n%s", strings.Join(lines, "\n"))
	}
}

func TestClassifyMsiexec(t *testing.T) {
	tests := []struct {
		exit    int
		outcome Outcome
		reboot  bool
		meaning string
	}{
		{0, OutcomeSuccess, false, "installed"},
		{3010, OutcomeSuccess, true, "restart is required"},
		{1641, OutcomeSuccess, true, "started a restart"},
		{1603, OutcomeFailure, false, "fatal error during installation"},
		{1602, OutcomeFailure, false, "user cancelled"},
		{1638, OutcomeFailure, false, "another version of this product is already installed"},
		{1625, OutcomeFailure, false, "forbidden by system policy"},
		{1618, OutcomeFailure, false, "another installation is already in progress"},
		{1635, OutcomeFailure, false, "patch package could not be opened"},
		{1636, OutcomeFailure, false, "patch package could not be applied"},
		{1642, OutcomeFailure, false, "wrong Exchange version or architecture"},
		{1234, OutcomeFailure, false, "msiexec exit code 1234"},
		{-1, OutcomeFailure, false, "msiexec exit code -1"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.exit), func(t *testing.T) {
			got := ClassifyMsiexec(tt.exit, "")
			if got.Outcome != tt.outcome || got.RebootRequired != tt.reboot || got.ExitCode != tt.exit {
				t.Errorf("got outcome %q reboot %v exit %d, want %q %v %d", got.Outcome, got.RebootRequired, got.ExitCode, tt.outcome, tt.reboot, tt.exit)
			}
			if !strings.Contains(got.Summary, strconv.Itoa(tt.exit)) || !strings.Contains(got.Summary, tt.meaning) {
				t.Errorf("Summary %q should name code %d and say %q", got.Summary, tt.exit, tt.meaning)
			}
			var wantCodes []string
			if tt.outcome == OutcomeFailure {
				wantCodes = []string{strconv.Itoa(tt.exit)}
			}
			if !slices.Equal(got.ErrorCodes, wantCodes) || len(got.ErrorLines) != 0 {
				t.Errorf("ErrorCodes %q ErrorLines %q, want codes %q and no lines", got.ErrorCodes, got.ErrorLines, wantCodes)
			}
		})
	}
}

func TestClassifyMsiexecLog(t *testing.T) {
	log := classifySample(t, "msiexec-rollup-return-value-3.log")
	t.Run("verbose log with Return value 3", func(t *testing.T) {
		checkClassification(t, ClassifyMsiexec(1603, log), classifyWant{
			outcome: OutcomeFailure,
			codes:   []string{"1603"},
			lines: []string{
				"CustomAction CA_STOP_SERVICES returned actual error code 1603 (note this may not be 100% accurate if translation happened inside sandbox)",
				"Action ended 2:19:45: InstallFinalize. Return value 3.",
				"Action ended 2:19:46: INSTALL. Return value 3.",
				"MSI (s) (A4:88) [02:19:46:203]: Windows Installer installed an update.*",
			},
			// healthy-log noise and the REBOOT property are not failures
			notIn:   []string{"DEBUG: Error 2826", "Note: 1: 2205", "Note: 1: 2228", "Return value 1", "REBOOT", "MainEngineThread"},
			summary: []string{"1603", "fatal error"},
		})
	})
	t.Run("UTF-16 log read as bytes", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("\xff\xfe")
		for _, r := range []byte(strings.ReplaceAll(log, "\n", "\r\n")) {
			b.WriteByte(r)
			b.WriteByte(0)
		}
		got := ClassifyMsiexec(1603, b.String())
		if !slices.Contains(got.ErrorLines, "Action ended 2:19:45: InstallFinalize. Return value 3.") {
			t.Errorf("ErrorLines = %q", got.ErrorLines)
		}
	})
	t.Run("success ignores the log", func(t *testing.T) {
		checkClassification(t, ClassifyMsiexec(0, log), classifyWant{outcome: OutcomeSuccess})
	})
	t.Run("wrong architecture", func(t *testing.T) {
		const wrongArch = "MSI (c) (3C:40) [10:02:11:093]: Product: Microsoft Exchange Server -- The version of this file is not compatible with the version of Exchange Server 2007 that you're running. Check your computer to see whether you need an x64 (64-bit) or x86 (32-bit) version of this file.\r\nAction ended 10:02:11: INSTALL. Return value 3.\r\n"
		checkClassification(t, ClassifyMsiexec(1642, wrongArch), classifyWant{
			outcome: OutcomeFailure,
			codes:   []string{"1642"},
			lines:   []string{"MSI (c) (3C:40) [10:02:11:093]: Product: Microsoft Exchange Server -- The version of this file is not compatible*", "Action ended 10:02:11: INSTALL. Return value 3."},
			summary: []string{"1642", "architecture"},
		})
	})
	t.Run("Error NNNN message", func(t *testing.T) {
		checkClassification(t, ClassifyMsiexec(1603, "Product: Microsoft Exchange Server -- Error 1935. An error occurred during the installation of assembly 'Microsoft.Exchange.Rpc'.\n"), classifyWant{
			outcome: OutcomeFailure,
			codes:   []string{"1603", "1935"},
			lines:   []string{"Product: Microsoft Exchange Server -- Error 1935.*"},
		})
	})
}

// classifySeedFiles are the captures every fuzzer starts from.
var classifySeedFiles = []string{
	"setup-mode-upgrade-sp1-success-1.txt",
	"setup-install-um-prereq-failed-1.txt",
	"setup-success-crlf.txt",
	"setup-success-wrapped-37.txt",
	"setup-success-reboot-80.txt",
	"setup-upgrade-mailbox-1603-failed.txt",
	"setup-upgrade-mailbox-1603-failed-wrapped-37.txt",
	"setup-truncated.txt",
	"setup-upgradecms-success.txt",
	"msiexec-rollup-return-value-3.log",
}

// classifyLineEnds gives the LF and the CRLF form of the same text.
func classifyLineEnds(s string) (lf, crlf string) {
	lf = strings.ReplaceAll(s, "\r\n", "\n")
	return lf, strings.ReplaceAll(lf, "\n", "\r\n")
}

func classifyValidOutcome(o Outcome) bool {
	return o == OutcomeSuccess || o == OutcomeFailure || o == OutcomeIncomplete
}

func FuzzClassifySetup(f *testing.F) {
	for _, name := range classifySeedFiles {
		s := classifySample(f, name)
		f.Add(s, 0)
		f.Add(s, 1)
	}
	f.Add("", 0)
	f.Add(strings.Repeat("x", 80)+"\r\n....... FAILED\r", -1)
	f.Fuzz(func(t *testing.T, text string, exit int) {
		c := ClassifySetup(text, exit)
		if !classifyValidOutcome(c.Outcome) {
			t.Fatalf("Outcome %q", c.Outcome)
		}
		if c.Summary == "" {
			t.Fatal("empty Summary")
		}
		if c.Outcome == OutcomeSuccess && (exit != 0 || len(c.FailedSteps) > 0 || len(c.ErrorCodes) > 0 || len(c.ErrorLines) > 0) {
			t.Fatalf("success with exit %d, failed steps %q, codes %q, lines %q", exit, c.FailedSteps, c.ErrorCodes, c.ErrorLines)
		}
		if len(c.FailedSteps) > 0 && c.Outcome != OutcomeFailure {
			t.Fatalf("failed steps %q but outcome %q", c.FailedSteps, c.Outcome)
		}
		lf, crlf := classifyLineEnds(text)
		a, b := ClassifySetup(lf, exit), ClassifySetup(crlf, exit)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("LF and CRLF differ:\n%+v\n%+v", a, b)
		}
		for _, l := range UnwrapConsole(text) {
			if strings.ContainsAny(l, "\r\n") {
				t.Fatalf("logical line %q holds a line break", l)
			}
		}
	})
}

func FuzzClassifyMsiexec(f *testing.F) {
	log := classifySample(f, "msiexec-rollup-return-value-3.log")
	for _, code := range []int{0, 3010, 1641, 1603, 1642, 1618, 7} {
		f.Add(code, "")
		f.Add(code, log)
	}
	f.Add(1603, classifySample(f, "setup-install-um-prereq-failed-1.txt"))
	f.Fuzz(func(t *testing.T, exit int, logText string) {
		c := ClassifyMsiexec(exit, logText)
		if !classifyValidOutcome(c.Outcome) || c.Summary == "" {
			t.Fatalf("Outcome %q Summary %q", c.Outcome, c.Summary)
		}
		ok := exit == 0 || exit == 3010 || exit == 1641
		if (c.Outcome == OutcomeSuccess) != ok {
			t.Fatalf("exit %d gave %q", exit, c.Outcome)
		}
		if c.RebootRequired != (exit == 3010 || exit == 1641) {
			t.Fatalf("exit %d gave RebootRequired %v", exit, c.RebootRequired)
		}
		if ok && (len(c.ErrorCodes) > 0 || len(c.ErrorLines) > 0) {
			t.Fatalf("success with codes %q lines %q", c.ErrorCodes, c.ErrorLines)
		}
		if !ok && (len(c.ErrorCodes) == 0 || c.ErrorCodes[0] != strconv.Itoa(exit)) {
			t.Fatalf("failure codes %q should start with %d", c.ErrorCodes, exit)
		}
		lf, crlf := classifyLineEnds(logText)
		if a, b := ClassifyMsiexec(exit, lf), ClassifyMsiexec(exit, crlf); !reflect.DeepEqual(a, b) {
			t.Fatalf("LF and CRLF differ:\n%+v\n%+v", a, b)
		}
	})
}
