package runbook

// This file is the msiexec half of classify.go: update rollups and
// hotfixes, whose exit code is the Windows Installer's verdict.

import (
	"strconv"
	"strings"
)

// msiexecMeanings explains the Windows Installer exit codes an update
// rollup or hotfix install actually returns (PROCEDURES 4.3).
var msiexecMeanings = map[int]string{
	0:    say("the update was installed"),
	3010: say("the update was installed and a restart is required to finish"),
	1641: say("the update was installed and Windows Installer started a restart"),
	1601: say("the Windows Installer service could not be accessed"),
	1602: say("the user cancelled the installation"),
	1603: say("fatal error during installation"),
	1618: say("another installation is already in progress"),
	1619: say("the installation package could not be opened (check the path)"),
	1625: say("the installation is forbidden by system policy"),
	1635: say("the patch package could not be opened (check the path and access)"),
	1636: say("the patch package could not be applied: it is not a valid update package"),
	1638: say("another version of this product is already installed"),
	1639: say("the msiexec command line is not valid"),
	1642: say("the upgrade cannot be installed: the patch does not apply to what is installed (wrong Exchange version or architecture)"),
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
		c.Summary = say("msiexec succeeded with exit code %s: %s", strconv.Itoa(exitCode), meaning)
		return c
	}
	c.Outcome = OutcomeFailure
	c.ErrorCodes = []string{strconv.Itoa(exitCode)}
	seenLine, seenCode := map[string]bool{}, map[string]bool{c.ErrorCodes[0]: true}
	if known {
		c.Summary = say("msiexec failed with exit code %s: %s", c.ErrorCodes[0], meaning)
	} else {
		c.Summary = say("msiexec failed: msiexec exit code %s", c.ErrorCodes[0])
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
			(strings.Contains(f, "error") && classifyPatterns().msiErrorNumberRe.MatchString(trimmed)) {
			c.ErrorLines = classifyAppendUnique(c.ErrorLines, seenLine, trimmed)
			for _, code := range classifyCodes(trimmed, true) {
				c.ErrorCodes = classifyAppendUnique(c.ErrorCodes, seenCode, code)
			}
		}
	}
	if notCompatible {
		c.Summary = say("%s; the log says this update does not match the installed Exchange version or architecture (x64 or x86)", c.Summary)
	}
	return c
}
