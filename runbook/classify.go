package runbook

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file turns what Setup.com and msiexec leave behind (console text, exit
// codes, verbose MSI logs) into a verdict the engine can act on and a person
// can read. The functions are pure: no I/O, no clock, so the engine can call
// them on every chunk it tails from a detached job and the simulator and
// fuzzers can call them freely.

// Outcome is the verdict on one long-running installer step.
type Outcome string

const (
	// OutcomeSuccess: the tool said it finished and nothing said otherwise.
	OutcomeSuccess Outcome = "success"
	// OutcomeFailure: the tool said it failed, or its exit code says so.
	OutcomeFailure Outcome = "failure"
	// OutcomeIncomplete: no verdict yet. Setup.com is still running, or the
	// output we hold was cut off; the engine keeps tailing or re-attaches
	// rather than guessing.
	OutcomeIncomplete Outcome = "incomplete"
)

// Classification is what a classifier read from one run. The engine uses
// Outcome and RebootRequired to decide; the screen and the journal show
// Summary, FailedSteps, ErrorLines and ErrorCodes to the person (the
// setup-failed diagnosis of DESIGN section 7 quotes the failing lines).
type Classification struct {
	Outcome        Outcome
	RebootRequired bool
	ExitCode       int
	// FailedSteps names each dotted step that ended in FAILED, such as
	// "Unified Messaging Role Checks", in output order.
	FailedSteps []string
	// ErrorLines are the logical (unwrapped, trimmed) lines that explain the
	// failure, in output order, without duplicates. Empty on success.
	ErrorLines []string
	// ErrorCodes are installer error codes quoted by the failing lines
	// ("1603", "0x80070005"), in order, without duplicates; for msiexec the
	// exit code comes first. Empty on success. "Return value 3" is an MSI
	// action result, not an error code, and is never listed here.
	ErrorCodes []string
	// Summary is one plain-words sentence for the person at the console.
	Summary string
}

// consoleWidth is the width at which the Windows console hard-wraps
// Setup.com's output, splitting words ("visi" / "t http://...").
const consoleWidth = 80

// UnwrapConsole splits console output into logical lines. It accepts CRLF,
// LF and stray CRs (a CR before a line break is dropped, any other CR breaks
// the line, as an old console would), and joins a physical line of exactly
// consoleWidth characters to the next one, because that is how the console
// wrapped it; no separator is inserted, since the console splits mid-word.
// A dotted step line that happens to be exactly 80 characters wide is
// complete and is not joined. Width is counted in runes, so double-width
// characters of a code page such as 932 are counted as one.
func UnwrapConsole(text string) []string {
	phys := classifyPhysicalLines(text)
	var out []string
	var cur strings.Builder
	for i, p := range phys {
		cur.WriteString(p)
		// The step test looks at a lone physical line only: a line already
		// joined is wrapped text, and testing the growing line again and
		// again would make a long run of 80-column rows quadratic.
		if utf8.RuneCountInString(p) == consoleWidth && i < len(phys)-1 &&
			!(cur.Len() == len(p) && classifyStep(p) != nil) {
			continue
		}
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// classifyPhysicalLines normalises line breaks. Every CR that ends a line is
// dropped whatever comes before it, so a text and its CRLF copy give the same
// lines (the fuzzers hold us to that).
func classifyPhysicalLines(text string) []string {
	if text == "" {
		return nil
	}
	raw := strings.Split(text, "\n")
	var out []string
	for i, r := range raw {
		r = strings.TrimRight(r, "\r")
		if i == len(raw)-1 && r == "" {
			break // the text ended with a line break
		}
		out = append(out, strings.Split(r, "\r")...)
	}
	return out
}

// classifyFold lower-cases s and removes all whitespace. Phrases are matched
// on folded text so that a phrase still matches when it was wrapped at a
// width other than 80 (a wider console, a log viewer that word-wraps and
// drops the trailing space) or printed with other capitalisation ("setup
// operation" in the success line, "Setup operation" in the failure line).
func classifyFold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// Folded phrases of Setup.com's verdict lines (PROCEDURES 4.1).
var (
	setupSuccessPhrase     = classifyFold("Exchange Server setup operation completed successfully")
	setupDidNotComplete    = classifyFold("Exchange Server Setup operation did not complete")
	setupEncounteredAnErr  = classifyFold("Exchange Server setup encountered an error")
	setupFailurePhrases    = []string{setupDidNotComplete, setupEncounteredAnErr}
	setupErrorCodePhrase   = classifyFold("error code")
	msiNotCompatiblePhrase = classifyFold("The version of this file is not compatible")
	msiReturnValue3Phrase  = classifyFold("Return value 3")
)

var (
	// setupStepRe matches a dotted step line such as
	// "    Mailbox Role Checks              ......................... FAILED".
	// A step name never starts with a dot, so the tail of a step line that
	// was wrapped narrowly (".......... FAILED") is not taken for a step.
	setupStepRe = regexp.MustCompile(`(?i)^\s*([^.\s].*?)\s*\.{3,}\s*(completed|failed)\s*$`)
	// setupFoldedCodeRe is the first of errorCodeRes for folded text.
	setupFoldedCodeRe = regexp.MustCompile(`errorcode(?:is|was|of)?[:=]?(0x[0-9a-f]+|-?\d+)`)
	// setupFoldedFailedRe finds a FAILED step in folded text, for output
	// wrapped so narrowly that the step line itself was split.
	setupFoldedFailedRe = regexp.MustCompile(`\.{5,}failed`)
	// errorCodeRes pull codes out of a failing line: "Error code is 1638",
	// "error code 1603", "actual error code 1603", "Error code: 0x80070005",
	// and the MSI log form "Error 1935." ("Error ID" has no digits and does
	// not match).
	errorCodeRes = []*regexp.Regexp{
		regexp.MustCompile(`(?i)error\s*code(?:\s*(?:is|was|of))?\s*[:=]?\s*(0x[0-9a-f]+|-?\d+)`),
		regexp.MustCompile(`(?i)\berror\s+(0x[0-9a-f]{8}|\d{4,5})\b`),
	}
	// msiStatusRe is the verbose log's closing line: "Installation success
	// or error status: 1603." A zero status is not an error.
	msiStatusRe = regexp.MustCompile(`(?i)error\s*status\s*:\s*(-?\d+)`)
	// msiErrorNumberRe is an MSI error message line, "Error 1603." etc.
	msiErrorNumberRe = regexp.MustCompile(`(?i)\berror\s+\d{4,5}\b`)
	// rebootRe matches, on folded text, the ways Setup and Windows ask for a
	// restart: "Please reboot this server", "require a reboot", "restart the
	// computer", "A restart from a previous installation is pending".
	rebootRe = regexp.MustCompile(`(?:restart|reboot)(?:the|this|your)(?:computer|server|machine|system|node)` +
		`|requires?a(?:restart|reboot)` +
		`|(?:restart|reboot)(?:is|was)?(?:required|pending|needed)` +
		`|(?:mustbe|needstobe|needtobe|shouldbe)(?:restarted|rebooted)` +
		`|(?:restart|reboot)fromapreviousinstallationispending`)
)

// classifyAsksForReboot reports whether folded text asks for a restart. A
// match preceded in its own sentence by a negation ("no restart is
// required", "you do not need to restart the computer") does not count.
func classifyAsksForReboot(folded string) bool {
	// Every pattern holds one of these words; most output holds neither,
	// and the regexp costs far more than the look.
	if !strings.Contains(folded, "restart") && !strings.Contains(folded, "reboot") {
		return false
	}
	for _, loc := range rebootRe.FindAllStringIndex(folded, -1) {
		from := max(loc[0]-24, 0)
		before := folded[from:loc[0]]
		if i := strings.LastIndexAny(before, ".!?"); i >= 0 {
			before = before[i+1:]
		}
		if strings.Contains(before, "not") || strings.Contains(before, "n't") ||
			strings.Contains(before, "n’t") || strings.HasSuffix(before, "no") {
			continue
		}
		return true
	}
	return false
}

// classifyAppendUnique appends s unless seen holds it. The map keeps this
// linear: a verbose MSI log can hold thousands of failing lines.
func classifyAppendUnique(list []string, seen map[string]bool, s string) []string {
	if seen[s] {
		return list
	}
	seen[s] = true
	return append(list, s)
}

// classifyStep returns setupStepRe's submatches for a step line, or nil.
// The cheap look for dots first keeps classification fast enough to run on
// every chunk tailed from a running Setup.
func classifyStep(line string) []string {
	if !strings.Contains(line, "...") {
		return nil
	}
	return setupStepRe.FindStringSubmatch(line)
}

// classifyStatusMatches runs msiStatusRe on a line whose folded form is f,
// skipping the regexp on the many log lines that cannot match.
func classifyStatusMatches(f, line string) [][]string {
	if !strings.Contains(f, "errorstatus") {
		return nil
	}
	return msiStatusRe.FindAllStringSubmatch(line, -1)
}

// classifyCodes returns the error codes quoted in line.
func classifyCodes(line string, withStatus bool) []string {
	if !strings.Contains(strings.ToLower(line), "error") {
		return nil // every pattern needs the word
	}
	var codes []string
	for _, re := range errorCodeRes {
		for _, m := range re.FindAllStringSubmatch(line, -1) {
			codes = append(codes, strings.ToLower(m[1]))
		}
	}
	if withStatus {
		for _, m := range msiStatusRe.FindAllStringSubmatch(line, -1) {
			if n, err := strconv.Atoi(m[1]); err != nil || n != 0 {
				codes = append(codes, m[1])
			}
		}
	}
	return codes
}

// classifyIndent counts the leading spaces of a line. Setup.com indents
// steps by 4, warnings by 1 and errors by 5 (PROCEDURES 4.1).
func classifyIndent(line string) int {
	return len(line) - len(strings.TrimLeft(line, " \t"))
}

// ClassifySetup classifies the console output of Setup.com /mode:upgrade or
// /upgradecms. The exit code is not trusted alone (a real failure can exit
// 0), so the verdict comes from the text, matched case-insensitively on
// unwrapped lines and on the whole text folded:
//
//   - failure if a dotted step ends in FAILED, or the output says "The
//     Exchange Server Setup operation did not complete" or "Exchange Server
//     setup encountered an error";
//   - success if it says "The Microsoft Exchange Server setup operation
//     completed successfully." and nothing above, and the exit code is 0
//     (a non-zero exit code with the success line is a failure, because
//     something went wrong after or around Setup's own report);
//   - otherwise incomplete (still running, or the output was cut off),
//     unless the exit code is non-zero, which is a failure.
//
// While Setup.com is still running the caller passes exitCode 0. Setup
// output from a localised build may match none of the English phrases; it
// then stays incomplete until the exit code or the build check decides.
//
// ErrorLines are chosen the way a person reads the output, not by grepping
// for "error" (most "errors" in setup logs are expected, PROCEDURES 4.2):
// the FAILED step lines, the 5-space-indented error lines under a FAILED
// check, lines quoting an error code, and the two failure verdict lines.
// Warnings (1-space lines) and anything under a COMPLETED step are not.
func ClassifySetup(output string, exitCode int) Classification {
	c := Classification{ExitCode: exitCode}
	lines := UnwrapConsole(output)
	folded := classifyFold(strings.Join(lines, ""))

	c.FailedSteps, c.ErrorLines = classifySetupLines(lines)
	seenCode := map[string]bool{}
	for _, l := range c.ErrorLines {
		for _, code := range classifyCodes(l, false) {
			c.ErrorCodes = classifyAppendUnique(c.ErrorCodes, seenCode, code)
		}
	}
	c.RebootRequired = classifyAsksForReboot(folded)

	v := classifySetupVerdict(folded, len(c.FailedSteps) > 0)
	c.Outcome = v.outcome(exitCode)
	if c.Outcome == OutcomeSuccess {
		c.ErrorLines, c.ErrorCodes = nil, nil // nothing failed: what looked like errors was not
	}
	if c.Outcome == OutcomeFailure && len(c.ErrorCodes) == 0 {
		// The line quoting the code was wrapped at a width other than 80,
		// so no logical line holds it whole: read the folded text.
		for _, m := range setupFoldedCodeRe.FindAllStringSubmatch(folded, -1) {
			c.ErrorCodes = classifyAppendUnique(c.ErrorCodes, seenCode, m[1])
		}
	}
	c.Summary = classifySetupSummary(c, v)
	return c
}

// classifySetupLines picks, line by line, the steps that FAILED and the
// error lines a person would read (see ClassifySetup), in output order and
// without duplicates.
func classifySetupLines(lines []string) (failedSteps, errorLines []string) {
	const (
		underNone = iota // before the first step
		underCompleted
		underFailed
	)
	under := underNone
	seenStep, seenLine := map[string]bool{}, map[string]bool{}
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		if m := classifyStep(line); m != nil {
			if strings.EqualFold(m[2], "failed") {
				under = underFailed
				failedSteps = classifyAppendUnique(failedSteps, seenStep, strings.TrimSpace(m[1]))
				errorLines = classifyAppendUnique(errorLines, seenLine, trimmed)
			} else {
				under = underCompleted
			}
			continue
		}
		// Only a step line changes the block we are in: a column-0 line
		// may be a heading, but also the rest of a line whose wrap we could
		// not see (a capture pasted through another tool), and treating it
		// as a heading would drop the error lines that follow it.
		indent := classifyIndent(line)
		f := classifyFold(line)
		switch {
		case classifyIsSetupVerdictLine(f):
			errorLines = classifyAppendUnique(errorLines, seenLine, trimmed)
		case under == underFailed && indent >= 5:
			errorLines = classifyAppendUnique(errorLines, seenLine, trimmed)
		case strings.Contains(f, setupErrorCodePhrase) && !(under == underCompleted && indent > 0):
			errorLines = classifyAppendUnique(errorLines, seenLine, trimmed)
		}
	}
	return failedSteps, errorLines
}

// classifyIsSetupVerdictLine reports a line, folded, that holds one of
// Setup.com's two failure verdicts.
func classifyIsSetupVerdictLine(folded string) bool {
	for _, p := range setupFailurePhrases {
		if strings.Contains(folded, p) {
			return true
		}
	}
	return false
}

// setupVerdict is what Setup.com's output as a whole says about the run.
type setupVerdict struct {
	failedSteps    bool // a dotted step line ended in FAILED
	foldedFailed   bool // no step line did, but the folded text holds a FAILED step
	didNotComplete bool // "The Exchange Server Setup operation did not complete"
	encountered    bool // "Exchange Server setup encountered an error"
	succeeded      bool // the success line
}

// classifySetupVerdict finds the failure and success phrases in the folded
// text. The folded FAILED step is looked for only when no line held one.
func classifySetupVerdict(folded string, failedSteps bool) setupVerdict {
	return setupVerdict{
		failedSteps:    failedSteps,
		foldedFailed:   !failedSteps && setupFoldedFailedRe.MatchString(folded),
		didNotComplete: strings.Contains(folded, setupDidNotComplete),
		encountered:    strings.Contains(folded, setupEncounteredAnErr),
		succeeded:      strings.Contains(folded, setupSuccessPhrase),
	}
}

// outcome decides the verdict: any failure text fails, the success line
// succeeds only with exit code 0, and no line at all waits unless the exit
// code is non-zero.
func (v setupVerdict) outcome(exitCode int) Outcome {
	failedText := v.failedSteps || v.didNotComplete || v.encountered || v.foldedFailed
	switch {
	case failedText:
		return OutcomeFailure
	case v.succeeded && exitCode == 0:
		return OutcomeSuccess
	case v.succeeded || exitCode != 0:
		return OutcomeFailure
	default:
		return OutcomeIncomplete
	}
}

// classifySetupSummary words the verdict for the person at the console,
// naming the strongest evidence and whether a restart is asked for.
func classifySetupSummary(c Classification, v setupVerdict) string {
	var s string
	switch {
	case c.Outcome == OutcomeSuccess:
		s = "Setup.com reported success"
	case len(c.FailedSteps) > 0:
		s = "Setup.com reported failure: " + strings.Join(c.FailedSteps, " FAILED, ") + " FAILED" + classifyCodeSuffix(c.ErrorCodes)
	case v.foldedFailed:
		s = "Setup.com reported failure: a step FAILED" + classifyCodeSuffix(c.ErrorCodes)
	case v.didNotComplete:
		s = "Setup.com reported failure: the setup operation did not complete" + classifyCodeSuffix(c.ErrorCodes)
	case v.encountered:
		s = "Setup.com reported failure: Exchange Server setup encountered an error" + classifyCodeSuffix(c.ErrorCodes)
	case v.succeeded:
		s = fmt.Sprintf("Setup.com printed its success line but exited with code %d, so the step is treated as failed: check ExchangeSetup.log and the server's build", c.ExitCode)
	case c.Outcome == OutcomeFailure:
		s = fmt.Sprintf("Setup.com exited with code %d without printing a success or failure line", c.ExitCode) + classifyCodeSuffix(c.ErrorCodes)
	default:
		s = "Setup.com has not printed a success or failure line yet: it is still running or its output was cut off"
	}
	if c.RebootRequired {
		if c.Outcome == OutcomeSuccess {
			s += "; it asks for a restart of the server"
		} else {
			s += "; it also asks for a restart of the server"
		}
	}
	return s
}

// classifyCodeSuffix renders " (error code 1603)" or " (error codes 1603,
// 1638)" for a summary, or nothing.
func classifyCodeSuffix(codes []string) string {
	switch len(codes) {
	case 0:
		return ""
	case 1:
		return " (error code " + codes[0] + ")"
	default:
		return " (error codes " + strings.Join(codes, ", ") + ")"
	}
}

// msiexecMeanings explains the Windows Installer exit codes an update
// rollup or hotfix install actually returns (PROCEDURES 4.3).
var msiexecMeanings = map[int]string{
	0:    "the update was installed",
	3010: "the update was installed and a restart is required to finish",
	1641: "the update was installed and Windows Installer started a restart",
	1601: "the Windows Installer service could not be accessed",
	1602: "the user cancelled the installation",
	1603: "fatal error during installation",
	1618: "another installation is already in progress",
	1619: "the installation package could not be opened (check the path)",
	1625: "the installation is forbidden by system policy",
	1635: "the patch package could not be opened (check the path and access)",
	1636: "the patch package could not be applied: it is not a valid update package",
	1638: "another version of this product is already installed",
	1639: "the msiexec command line is not valid",
	1642: "the upgrade cannot be installed: the patch does not apply to what is installed (wrong Exchange version or architecture)",
}

// ClassifyMsiexec classifies `msiexec /update X.msp /quiet /norestart`.
// Unlike Setup.com, msiexec's exit code is the Windows Installer result and
// is trusted: 0, 3010 and 1641 are success (3010 and 1641 with a restart),
// anything else is failure. logText, which may be empty, is a verbose MSI
// log (/l*v); on failure its telling lines are quoted: "Return value 3"
// (the action that failed), "Error NNNN." messages, lines quoting an error
// code, a non-zero "error status", and the wrong-architecture message
// "The version of this file is not compatible...". "DEBUG: Error" lines are
// Windows Installer UI diagnostics present in healthy logs and are skipped.
//
// RebootRequired comes from the exit code only: a verbose log mentions
// REBOOT properties and "reboot" in many healthy lines, and with /norestart
// the exit code is how Windows Installer says a restart is needed.
func ClassifyMsiexec(exitCode int, logText string) Classification {
	c := Classification{ExitCode: exitCode}
	meaning, known := msiexecMeanings[exitCode]
	switch exitCode {
	case 0, 3010, 1641:
		c.Outcome = OutcomeSuccess
		c.RebootRequired = exitCode != 0
		c.Summary = fmt.Sprintf("msiexec succeeded with exit code %d: %s", exitCode, meaning)
		return c
	}
	c.Outcome = OutcomeFailure
	c.ErrorCodes = []string{strconv.Itoa(exitCode)}
	seenLine, seenCode := map[string]bool{}, map[string]bool{c.ErrorCodes[0]: true}
	if known {
		c.Summary = fmt.Sprintf("msiexec failed with exit code %d: %s", exitCode, meaning)
	} else {
		c.Summary = fmt.Sprintf("msiexec failed: msiexec exit code %d", exitCode)
	}

	// A verbose log is UTF-16 when Windows Installer logs in Unicode; read
	// as bytes that interleaves NULs, which would hide every phrase.
	logText = strings.ReplaceAll(logText, "\x00", "")
	logText = strings.TrimPrefix(strings.TrimPrefix(logText, "\xff\xfe"), "\ufeff")
	notCompatible := false
	for _, line := range classifyPhysicalLines(logText) {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			continue
		}
		f := classifyFold(trimmed)
		if strings.Contains(f, "debug:error") {
			continue
		}
		isNotCompatible := strings.Contains(f, msiNotCompatiblePhrase)
		notCompatible = notCompatible || isNotCompatible
		status := false
		for _, m := range classifyStatusMatches(f, trimmed) {
			if n, err := strconv.Atoi(m[1]); err != nil || n != 0 {
				status = true
			}
		}
		if isNotCompatible || status ||
			strings.Contains(f, msiReturnValue3Phrase) ||
			strings.Contains(f, setupErrorCodePhrase) ||
			(strings.Contains(f, "error") && msiErrorNumberRe.MatchString(trimmed)) {
			c.ErrorLines = classifyAppendUnique(c.ErrorLines, seenLine, trimmed)
			for _, code := range classifyCodes(trimmed, true) {
				c.ErrorCodes = classifyAppendUnique(c.ErrorCodes, seenCode, code)
			}
		}
	}
	if notCompatible {
		c.Summary += "; the log says this update does not match the installed Exchange version or architecture (x64 or x86)"
	}
	return c
}
