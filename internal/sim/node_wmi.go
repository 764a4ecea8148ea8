package sim

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"cmsrunbook/internal/sim/ps"
	"cmsrunbook/runbook"
)

// This file is a simulated node's WMI: Get-WmiObject over root\cimv2
// (the OS, services, processes) and root\MSCluster (the cluster as the
// Cluster service reports it), and [wmiclass] Win32_Process.Create.

// getWmiObject is Get-WmiObject [-Namespace NS] [-Class] CLASS [-Filter WQL].
func (h *NodeHost) getWmiObject(args []ps.Arg, out ps.Output) (ps.Result, error) {
	a, err := bindArgs(args, "Class", "Namespace", "Filter", "ComputerName", "Property", "Query", "ErrorAction", "Credential")
	if err != nil {
		return ps.Result{}, withCommand(err, "Get-WmiObject")
	}
	class, _ := a.str("Class", 0)
	ns, ok := a.str("Namespace", -1)
	if !ok {
		ns = `root\cimv2`
	}
	filter, _ := a.str("Filter", -1)
	n := h.lock()
	objs, werr := h.s.wmiInstances(n, strings.ToLower(strings.Trim(ns, `\`)), strings.ToLower(class))
	h.unlock()
	if werr != nil {
		return ps.Result{}, werr
	}
	match, err := wqlFilter(filter)
	if err != nil {
		return ps.Result{}, err
	}
	for _, o := range objs {
		if match(o) {
			out.Object(o)
		}
	}
	return ps.Result{}, nil
}

// wmiError is Get-WmiObject's error for a namespace, class or query WMI
// refuses.
func wmiError(msg, id string) error {
	return &ps.ErrorRecord{Command: "Get-WmiObject", Message: msg,
		ErrorID:  id + ",Microsoft.PowerShell.Commands.GetWmiObjectCommand",
		Category: "InvalidOperation: (:) [Get-WmiObject], ManagementException"}
}

// wmiInstances lists a class's instances now. Callers hold s.mu.
func (s *Sim) wmiInstances(n *node, ns, class string) ([]*hostObj, error) {
	switch ns {
	case `root\cimv2`:
		switch class {
		case "win32_operatingsystem":
			return []*hostObj{s.osObject(n)}, nil
		case "win32_service":
			return s.services(n), nil
		case "win32_process":
			return s.processes(n), nil
		case "win32_computersystem":
			return []*hostObj{wmiObj("Win32_ComputerSystem").with("Name", strings.ToUpper(n.name)).with("Domain", s.w.domain)}, nil
		}
	case `root\mscluster`:
		if !n.clussvc {
			// The provider answers only while the Cluster service runs.
			return nil, wmiError("Generic failure ", "GetWMIManagementException")
		}
		if objs, ok := s.clusterInstances(class); ok {
			return objs, nil
		}
	default:
		return nil, wmiError("Invalid namespace ", "GetWMIManagementException")
	}
	return nil, wmiError("Invalid class ", "GetWMIManagementException")
}

func wmiObj(class string) *hostObj {
	o := newObj(`System.Management.ManagementObject#` + class)
	o.readOnly = true
	return o.with("__CLASS", class)
}

// osObject is Win32_OperatingSystem.
func (s *Sim) osObject(n *node) *hostObj {
	caption := "Microsoft(R) Windows(R) Server 2003, Enterprise Edition"
	switch n.os.Family {
	case runbook.Windows2008:
		caption = "Microsoftr Windows Serverr 2008 Enterprise "
	case runbook.Windows2008R2:
		caption = "Microsoft Windows Server 2008 R2 Enterprise "
	}
	return wmiObj("Win32_OperatingSystem").
		with("Caption", caption).
		with("Version", wmiOSVersion(n.os)).
		with("ServicePackMajorVersion", int64(n.os.SP)).
		with("ServicePackMinorVersion", int64(0)).
		with("CSName", strings.ToUpper(n.name)).
		with("LastBootUpTime", n.bootTime.UTC().Format("20060102150405")+".000000+000").
		with("LocalDateTime", s.clk.now.UTC().Format("20060102150405")+".000000+000").
		with("OSLanguage", int64(1033))
}

// wmiOSVersion is Win32_OperatingSystem.Version: 5.2.3790 for Windows
// Server 2003, 6.0.600N for 2008 with service pack N, 6.1.760N for 2008
// R2 with service pack N.
func wmiOSVersion(os runbook.OS) string {
	switch os.Family {
	case runbook.Windows2008, runbook.WindowsVista:
		return fmt.Sprintf("6.0.%d", 6000+os.SP)
	case runbook.Windows2008R2:
		return fmt.Sprintf("6.1.%d", 7600+os.SP)
	case runbook.WindowsXP:
		return "5.1.2600"
	}
	return "5.2.3790"
}

// services are the Win32_Service instances the scripts ask about.
func (s *Sim) services(n *node) []*hostObj {
	state := func(run bool) string {
		if run {
			return "Running"
		}
		return "Stopped"
	}
	ex := !n.files.IsZero()
	list := []struct {
		name, display string
		run           bool
	}{
		{"ClusSvc", "Cluster Service", n.clussvc},
		{"WinRM", "Windows Remote Management (WS-Management)", true},
		{"Schedule", "Task Scheduler", true},
		{"MSExchangeIS", "Microsoft Exchange Information Store", ex && s.w.runsCMS(n.name) != nil && n.clussvc},
	}
	var out []*hostObj
	for _, sv := range list {
		out = append(out, wmiObj("Win32_Service").with("Name", sv.name).with("DisplayName", sv.display).
			with("State", state(sv.run)).with("Started", sv.run).with("StartMode", "Auto"))
	}
	return out
}

// wqlFilter compiles the WHERE clauses the scripts use: PROP=VALUE,
// PROP='VALUE', PROP LIKE '%pattern%', joined with AND.
func wqlFilter(f string) (func(*hostObj) bool, error) {
	f = strings.TrimSpace(f)
	if f == "" {
		return func(*hostObj) bool { return true }, nil
	}
	var tests []func(*hostObj) bool
	for _, c := range splitAnd(f) {
		prop, op, val, ok := wqlClause(c)
		if !ok {
			return nil, wmiError("Invalid query ", "GetWMIManagementException")
		}
		tests = append(tests, func(o *hostObj) bool {
			v, _ := o.Property(prop)
			got := strings.ToLower(ps.ToString(v))
			if op == "like" {
				return wqlLike(strings.ToLower(val), got)
			}
			eq := got == strings.ToLower(val)
			return eq == (op == "=")
		})
	}
	return func(o *hostObj) bool {
		for _, t := range tests {
			if !t(o) {
				return false
			}
		}
		return true
	}, nil
}

func splitAnd(f string) []string {
	var out []string
	low := strings.ToLower(f)
	for {
		i := strings.Index(low, " and ")
		if i < 0 {
			return append(out, f)
		}
		out = append(out, f[:i])
		f, low = f[i+5:], low[i+5:]
	}
}

func wqlClause(c string) (prop, op, val string, ok bool) {
	c = strings.TrimSpace(c)
	low := strings.ToLower(c)
	switch {
	case strings.Contains(low, " like "):
		i := strings.Index(low, " like ")
		prop, op, val = c[:i], "like", c[i+6:]
	case strings.Contains(c, "!="), strings.Contains(c, "<>"):
		i := strings.IndexAny(c, "!<")
		prop, op, val = c[:i], "!=", c[i+2:]
	case strings.Contains(c, "="):
		i := strings.IndexByte(c, '=')
		prop, op, val = c[:i], "=", c[i+1:]
	default:
		return "", "", "", false
	}
	prop, val = strings.TrimSpace(prop), strings.TrimSpace(val)
	if len(val) >= 2 && (val[0] == '\'' || val[0] == '"') && val[len(val)-1] == val[0] {
		val = val[1 : len(val)-1]
		val = strings.ReplaceAll(val, `\\`, `\`)
	}
	return prop, op, val, prop != ""
}

// wmiClass is [wmiclass]'root\cimv2:Win32_Process': the class, whose
// Create method starts a process outside the caller's WinRM shell, under
// the caller's logon.
func (h *NodeHost) wmiClass(spec string) (any, error) {
	if !strings.EqualFold(strings.TrimPrefix(strings.TrimPrefix(spec, `\\.\`), `\`), `root\cimv2:Win32_Process`) {
		return nil, &ps.ErrorRecord{Message: fmt.Sprintf("Cannot convert value \"%s\" to type \"System.Management.ManagementClass\". Error: \"Not found \"", spec), ErrorID: "RuntimeException", Category: "NotSpecified: (:) [], RuntimeException"}
	}
	o := newObj("System.Management.ManagementClass#ROOT\\cimv2\\Win32_Process").with("__CLASS", "Win32_Process")
	o.readOnly = true
	o.method("Create", func(ctx context.Context, args []any) (any, error) {
		pid, code := h.startProcess(ctx, ps.ToString(firstArg(args)))
		return wmiObj("__PARAMETERS").with("ProcessId", int64(pid)).with("ReturnValue", int64(code)), nil
	})
	return o, nil
}

// wqlLike matches WQL's LIKE: % any run, _ one character.
func wqlLike(pat, s string) bool {
	var b strings.Builder
	b.WriteString("(?s)^")
	for _, r := range pat {
		switch r {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	m, _ := regexp.MatchString(b.String(), s)
	return m
}
