package sim

import (
	"context"
	"fmt"
	"io"
	"strings"

	"cmsrunbook/internal/sim/ps"
)

// This file is one simulated Windows node as a PowerShell process sees
// it: the ps.Host the PowerShell subset runs the project's scripts
// against. The node's WMI, registry, files, processes and scheduled tasks
// are in the node_*.go files next to it; all of them read the simulated
// world at the moment of the call, so a script sees what a real node
// would show then.

// Logon is how the process logged on to its node. It decides whether the
// process can reach Active Directory: a WinRM shell is a network logon
// whose credentials cannot be passed on (the double hop), a scheduled
// task started with a password is a logon of its own that can.
type Logon int

const (
	// LogonNetwork is a process started in a WinRM shell.
	LogonNetwork Logon = iota
	// LogonTask is a process a scheduled task started under an account
	// registered with its password.
	LogonTask
)

func (l Logon) String() string {
	if l == LogonTask {
		return "task"
	}
	return "network"
}

// Account is the credentials the simulated nodes accept: the WinRM
// listener's, which the engineer's scheduled tasks are registered with.
// An empty Password accepts any password (a node model used without a
// listener in front of it).
type Account struct {
	User, Password string
}

// accepts reports whether a task registration's user and password would
// log on.
func (a Account) accepts(user, password string) bool {
	if a.Password == "" {
		return password != ""
	}
	return password == a.Password && sameUser(a.User, user)
}

// sameUser compares account names the way a logon does: case-insensitive,
// with or without the DOMAIN\ prefix.
func sameUser(a, b string) bool {
	strip := func(s string) string {
		if i := strings.LastIndexByte(s, '\\'); i >= 0 {
			return s[i+1:]
		}
		if i := strings.IndexByte(s, '@'); i >= 0 {
			return s[:i]
		}
		return s
	}
	return a == "" || b == "" || strings.EqualFold(strip(a), strip(b))
}

// HostOptions describe the process a NodeHost stands for.
type HostOptions struct {
	// ExchangeShell: the process is the Exchange Management Shell, whose
	// console file loads the snap-in; a plain powershell.exe must run
	// Add-PSSnapin before any Exchange cmdlet is known.
	ExchangeShell bool
	Logon         Logon
	Account       Account
	// Stdin is the process's standard input (the password job-start
	// reads); nil is an empty one.
	Stdin io.Reader
	// Stderr receives what a native program the script runs writes to
	// its standard error, which PowerShell 1.0 passes straight to the
	// process's own (nil drops it).
	Stderr func(line string)
}

// NodeHost is one powershell.exe process on one simulated node.
type NodeHost struct {
	s    *Sim
	node string // the node's name as the world spells it
	opts HostOptions
	// ex runs Exchange cmdlets inside a job's process: their output and
	// simulated time go into that job's log. Nil outside a job.
	ex *interp
	// snapin: this process ran Add-PSSnapin for Exchange. Without it a
	// plain powershell.exe does not know the Exchange cmdlets at all.
	snapin bool
}

var _ ps.Host = (*NodeHost)(nil)

// NodeHost returns the host for a process on node; the error names a node
// that is not in the cluster.
func (s *Sim) NodeHost(node string, o HostOptions) (*NodeHost, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.w.node(node)
	if n == nil {
		return nil, fmt.Errorf("sim: %q is not a node of cluster %s", node, s.w.name)
	}
	if o.Stdin == nil {
		o.Stdin = strings.NewReader("")
	}
	return &NodeHost{s: s, node: n.name, opts: o, snapin: o.ExchangeShell}, nil
}

// lock takes the world for one call and brings it up to now: scheduled
// events, and the batch files whose programs ended since the last look.
// The caller unlocks.
func (h *NodeHost) lock() *node {
	h.s.mu.Lock()
	h.s.sync()
	n := h.s.w.node(h.node)
	h.s.settleBatches(n)
	return n
}

func (h *NodeHost) unlock() { h.s.mu.Unlock() }

// Env implements ps.Host.
func (h *NodeHost) Env(name string) (string, bool) {
	n := h.lock()
	defer h.unlock()
	v, ok := h.s.nodeEnv(n, userOf(h.opts.Account))[strings.ToUpper(name)]
	return v, ok
}

// nodeEnv is the process environment of a user's process on n.
func (s *Sim) nodeEnv(n *node, user string) map[string]string {
	profile := `C:\Documents and Settings\` + user
	temp := profile + `\Local Settings\Temp`
	if n.os.Family.Is2008Kind() {
		profile = `C:\Users\` + user
		temp = profile + `\AppData\Local\Temp`
	}
	return map[string]string{
		"COMPUTERNAME": strings.ToUpper(n.name),
		"USERNAME":     user,
		"USERPROFILE":  profile,
		"TEMP":         temp,
		"TMP":          temp,
		"SYSTEMROOT":   `C:\WINDOWS`,
		"WINDIR":       `C:\WINDOWS`,
		"SYSTEMDRIVE":  `C:`,
		"PATH":         `C:\WINDOWS\system32;C:\WINDOWS;C:\WINDOWS\System32\Wbem;C:\WINDOWS\system32\WindowsPowerShell\v1.0`,
		"USERDOMAIN":   strings.ToUpper(strings.Split(s.w.domain, ".")[0]),
	}
}

// Stdin implements ps.Host.
func (h *NodeHost) Stdin() io.Reader { return h.opts.Stdin }

// OEMCodePage implements ps.Host.
func (h *NodeHost) OEMCodePage() int {
	n := h.lock()
	defer h.unlock()
	return n.oemCP()
}

// ANSICodePage implements ps.Host.
func (h *NodeHost) ANSICodePage() int {
	n := h.lock()
	defer h.unlock()
	return n.ansiCP()
}

// Command implements ps.Host.
func (h *NodeHost) Command(ctx context.Context, name string, args []ps.Arg, input []any, out ps.Output) (ps.Result, error) {
	if err := ctx.Err(); err != nil {
		return ps.Result{}, err
	}
	switch low := strings.ToLower(name); low {
	case "get-wmiobject", "gwmi":
		return h.getWmiObject(args, out)
	case "get-itemproperty", "gp", "get-childitem", "gci", "dir", "ls", "get-item", "gi",
		"test-path", "new-item", "ni", "get-content", "gc", "cat", "type", "remove-item", "ri", "del", "rm":
		return h.itemCommand(low, args, out)
	case "add-pssnapin":
		return h.addSnapin(args)
	case "get-date":
		return h.getDate(out)
	}
	if isExchangeCmdlet(name) && h.snapin {
		return h.exchange(ctx, name, args, input, out)
	}
	return h.native(ctx, name, args, out)
}

// Static implements ps.Host.
func (h *NodeHost) Static(ctx context.Context, typeName, member string, args []any, call bool) (any, error) {
	t := strings.ToLower(strings.TrimPrefix(strings.ToLower(typeName), "system."))
	m := strings.ToLower(member)
	switch {
	case t == "io.file" && call:
		return h.fileStatic(m, args)
	case t == "diagnostics.fileversioninfo" && m == "getversioninfo" && call && len(args) == 1:
		return h.fileVersionInfo(fmt.Sprint(args[0]))
	}
	return nil, &ps.ErrorRecord{
		Message:  fmt.Sprintf("Unable to find type [%s]: make sure that the assembly containing this type is loaded.", typeName),
		ErrorID:  "RuntimeException",
		Category: "InvalidOperation: (" + typeName + ":String) [], RuntimeException",
	}
}

// New implements ps.Host.
func (h *NodeHost) New(ctx context.Context, typeName string, args []any, com bool) (ps.Object, error) {
	t := strings.ToLower(strings.TrimPrefix(strings.ToLower(typeName), "system."))
	switch {
	case com && t == "schedule.service":
		n := h.lock()
		defer h.unlock()
		if !n.os.Family.Is2008Kind() {
			// Task Scheduler 2.0 came with Vista and 2008.
			return nil, &ps.ErrorRecord{Command: "New-Object",
				Message:  "Retrieving the COM class factory for component with CLSID {0F87369F-A4E5-4CFC-BD3E-73E6154572DD} failed due to the following error: 80040154.",
				ErrorID:  "NoCOMClassIdentified,Microsoft.PowerShell.Commands.NewObjectCommand",
				Category: "ResourceUnavailable: (:) [New-Object], COMException"}
		}
		return h.scheduleService(), nil
	case !com && t == "io.filestream":
		return h.openFileStream(args)
	}
	what := "type [" + typeName + "]"
	if com {
		what = "COM class " + typeName
	}
	return nil, &ps.ErrorRecord{Command: "New-Object",
		Message:  "Cannot find " + what + ": make sure the assembly containing this type is loaded.",
		ErrorID:  "TypeNotFound,Microsoft.PowerShell.Commands.NewObjectCommand",
		Category: "InvalidType: (:) [New-Object], PSArgumentException"}
}

// Cast implements ps.Host.
func (h *NodeHost) Cast(ctx context.Context, typeName string, v any) (any, error) {
	if strings.EqualFold(typeName, "wmiclass") {
		return h.wmiClass(fmt.Sprint(v))
	}
	return nil, &ps.ErrorRecord{
		Message:  fmt.Sprintf("Unable to find type [%s]: make sure that the assembly containing this type is loaded.", typeName),
		ErrorID:  "TypeNotFound",
		Category: "InvalidOperation: (" + typeName + ":String) [], RuntimeException"}
}

// addSnapin loads the Exchange snap-in; it is installed wherever the
// Exchange binaries are.
func (h *NodeHost) addSnapin(args []ps.Arg) (ps.Result, error) {
	n := h.lock()
	defer h.unlock()
	for _, a := range args {
		if a.Name != "" && !strings.EqualFold(a.Name, "Name") {
			continue
		}
		if s := fmt.Sprint(a.Value); !strings.EqualFold(s, exchangeSnapin) || n.files.IsZero() {
			return ps.Result{}, &ps.ErrorRecord{Command: "Add-PSSnapin",
				Message:  "No Windows PowerShell Snap-ins are available for version 1.",
				ErrorID:  "AddPSSnapInRead,Microsoft.PowerShell.Commands.AddPSSnapinCommand",
				Category: "InvalidArgument: (" + s + ":String) [Add-PSSnapin], PSArgumentException"}
		}
	}
	h.snapin = true
	return ps.Result{}, nil
}

// exchangeSnapin is the Exchange 2007 Management Shell's snap-in.
const exchangeSnapin = "Microsoft.Exchange.Management.PowerShell.Admin"
