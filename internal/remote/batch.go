package remote

import (
	"strings"
)

// JobBatch is the batch file a detached job runs on its node: the
// command line with its output in <id>.log, then the exit code in
// <id>.exit. Every path is %~dp0-relative (the folder the batch is in),
// so the text does not depend on the node's %TEMP% and Go can build and
// test it whole.
//
// Two cmd.exe rules shape it:
//   - the exit code is written as `> "file" echo %ERRORLEVEL%`, with the
//     redirection first: in `echo %ERRORLEVEL%> file` a lone digit before
//     `>` is read as a handle number, so exit 1 wrote "ECHO is off." and
//     2-9 wrote nothing, and a failed install read back as success;
//   - `%` in a batch file starts a variable, so the command line's own
//     percent signs are doubled.
//
// <id>.began is written before the command starts, so a job that was
// never started (the connection dropped between writing the file and
// starting it) can be told apart from one that ran and vanished.
func JobBatch(jobID, line string) (string, error) {
	if err := validJobID(jobID); err != nil {
		return "", err
	}
	if strings.ContainsAny(line, "\r\n\x00\x1a") {
		return "", place(func(at string) string {
			return say("%sjob %s: the command line holds a line break, NUL or end-of-file character, which a batch file cannot carry", at, jobID)
		}, nil)
	}
	if strings.TrimSpace(line) == "" {
		return "", place(func(at string) string { return say("%sjob %s: the command line is empty", at, jobID) }, nil)
	}
	f := func(ext string) string { return `"%~dp0` + jobID + ext + `"` }
	b := []string{
		"@echo off",
		"> " + f(".began") + " echo 1",
		strings.ReplaceAll(line, "%", "%%") + " > " + f(".log") + " 2>&1",
		"> " + f(".tmp") + " echo %ERRORLEVEL%",
		"move /y " + f(".tmp") + " " + f(".exit") + " > nul",
	}
	return strings.Join(b, "\r\n") + "\r\n", nil
}
