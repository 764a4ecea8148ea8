// Package ps is the subset of Windows PowerShell 1.0 the simulated nodes
// run: enough of the language to execute the project's own scripts
// (assets/scripts/*.ps1) as written, and an engineer's one-liners, against
// a Host that stands for one Windows node. The language lives here; every
// cmdlet, type, COM object and program that touches the node (WMI, the
// registry, files, processes, the Exchange snap-in, schtasks.exe) is the
// Host's.
package ps

import (
	"context"
	"io"
)

// Values a script handles are nil, bool, int64, float64, string, []byte,
// []any (an array), *Hashtable and Object. Hosts hand back the same kinds.

// Object is a .NET, WMI or COM object a Host hands to a script. Names
// compare case-insensitively, as in PowerShell.
type Object interface {
	// TypeName is the .NET or WMI type, for error messages and -is.
	TypeName() string
	// Property reads a property; ok is false when the object has none of
	// that name (PowerShell then yields $null, without an error).
	Property(name string) (v any, ok bool)
	// SetProperty writes a property (COM objects: $task.Settings.X = ...).
	SetProperty(name string, v any) error
	// Method calls a method with the evaluated arguments.
	Method(ctx context.Context, name string, args []any) (any, error)
}

// Arg is one argument of a command as written: a named parameter with or
// without a value (-Filter "x", -Confirm:$false, -Force), or a positional
// value. Values are evaluated; bare words are strings.
type Arg struct {
	Name     string // "" for a positional value
	Value    any
	HasValue bool // a named parameter given a value (-Name value or -Name:value)
}

// Result is what a command leaves besides its output.
type Result struct {
	// Native is true for an external program (schtasks.exe, cluster.exe):
	// the language then sets $LASTEXITCODE to ExitCode and $? to
	// ExitCode == 0.
	Native   bool
	ExitCode int
}

// Output receives what a command writes, in order: objects for the
// pipeline (strings for a native program's lines) and error records.
type Output interface {
	Object(v any)
	Error(e *ErrorRecord)
}

// ErrorRecord is a PowerShell error. A Host returns one (as the error of
// Command, Static, New or Object.Method) for a terminating error, or
// writes one to Output.Error for a non-terminating one; the language
// applies -ErrorAction, $ErrorActionPreference and trap to both.
type ErrorRecord struct {
	// Command is the cmdlet that failed ("Get-MailboxServer"); "" for a
	// method call or a language error.
	Command string
	// Message is the exception's message as Windows prints it.
	Message string
	// ErrorID and Category end PowerShell's error layout:
	// "+ CategoryInfo : <Category>" / "FullyQualifiedErrorId : <ErrorID>".
	ErrorID  string
	Category string
}

func (e *ErrorRecord) Error() string {
	if e.Command != "" {
		return e.Command + " : " + e.Message
	}
	return e.Message
}

// Host is one Windows node as a script sees it, for one powershell.exe
// process (one logon: a WinRM shell's network logon, or a scheduled
// task's logon with a password, which decides whether Active Directory
// can be reached).
type Host interface {
	// Command runs a cmdlet, or an external program found on the node,
	// that the language does not implement itself. input is the pipeline
	// input (nil when the command is first in its pipeline). A command
	// the node does not have returns an *ErrorRecord with PowerShell's
	// "The term '...' is not recognized" message.
	Command(ctx context.Context, name string, args []Arg, input []any, out Output) (Result, error)
	// Static reads [Type]::Member (call false) or calls [Type]::Member(args)
	// (call true) for the types the language does not know itself
	// ([IO.File], [Diagnostics.FileVersionInfo], ...).
	Static(ctx context.Context, typeName, member string, args []any, call bool) (any, error)
	// New is New-Object TYPE ARGS, or New-Object -ComObject PROGID (com).
	New(ctx context.Context, typeName string, args []any, com bool) (Object, error)
	// Cast converts v for a cast the language does not know itself
	// ([wmiclass]'root\cimv2:Win32_Process').
	Cast(ctx context.Context, typeName string, v any) (any, error)
	// Env reads $env:NAME.
	Env(name string) (string, bool)
	// Stdin is the process's standard input ([Console]::In, $input).
	Stdin() io.Reader
	// OEMCodePage is the node's OEM code page ([Globalization.CultureInfo]
	// ::CurrentCulture.TextInfo.OEMCodePage; the encoding of a native
	// program's output and of [Text.Encoding]::Default's console cousin).
	OEMCodePage() int
	// ANSICodePage is the node's ANSI code page ([Text.Encoding]::Default).
	ANSICodePage() int
}
