package ps

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// fakeHost is a small Windows node for the language's tests: a few WMI
// classes, registry keys, files, the Exchange cmdlets the discovery
// script runs, schtasks.exe and the Task Scheduler COM API.
type fakeHost struct {
	version  string // Win32_OperatingSystem.Version
	files    map[string]string
	dirs     map[string]bool
	reg      map[string]*PropertyBag
	env      map[string]string
	stdin    string
	oem      int
	ansi     int
	password string
	procs    []string // running cmd.exe command lines
	calls    []string // what ran, in order
	noAD     bool     // Exchange cmdlets cannot reach Active Directory
	tasks    map[string]bool
	cms      map[string]string // CMS name -> state
}

func newFakeHost() *fakeHost {
	h := &fakeHost{
		version:  "5.2.3790",
		files:    map[string]string{},
		dirs:     map[string]bool{},
		reg:      map[string]*PropertyBag{},
		env:      map[string]string{"TEMP": `C:\Temp`, "COMPUTERNAME": "EXNODE01", "SystemRoot": `C:\WINDOWS`},
		oem:      437,
		ansi:     1252,
		password: "s3cret",
		tasks:    map[string]bool{},
		cms:      map[string]string{"EXCMS01": "Online"},
	}
	h.setReg(`HKLM:\SYSTEM\CurrentControlSet\Control\Nls\CodePage`, "OEMCP", "437", "ACP", "1252")
	h.setReg(`HKLM:\SOFTWARE\Microsoft\Exchange\Setup`, "MsiInstallPath", `C:\Program Files\Microsoft\Exchange Server\`,
		"MsiProductMajor", int64(8), "MsiProductMinor", int64(1), "MsiBuildMajor", int64(240), "MsiBuildMinor", int64(6))
	h.setReg(`HKLM:\SOFTWARE\Microsoft\Exchange\v8.0`)
	h.setReg(`HKLM:\SOFTWARE\Microsoft\Exchange\v8.0\MailboxRole`, "ConfiguredVersion", "8.1.240.6")
	h.setReg(`HKLM:\SOFTWARE\Microsoft\Exchange\v8.0\ClusteredMailboxServer`, "ConfiguredVersion", "8.1.240.6", "Watermark", "Setup.Mailbox")
	h.setReg(`HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager`, "PendingFileRenameOperations", []any{`\??\C:\x`})
	h.files[strings.ToLower(`C:\Program Files\Microsoft\Exchange Server\bin\ExSetup.exe`)] = "MZ"
	return h
}

func (h *fakeHost) setReg(path string, kv ...any) {
	b := NewPropertyBag("System.Management.Automation.PSCustomObject", kv...)
	i := strings.LastIndexByte(path, '\\')
	b.Props.Set("PSPath", `Microsoft.PowerShell.Core\Registry::`+path)
	b.Props.Set("PSChildName", path[i+1:])
	h.reg[strings.ToLower(path)] = b
}

func bag(typ string, kv ...any) *PropertyBag { return NewPropertyBag(typ, kv...) }

func named(args []Arg, name string, pos int) (any, bool) {
	n := 0
	for _, a := range args {
		if a.Name == "" {
			if n == pos {
				return a.Value, true
			}
			n++
			continue
		}
		if strings.EqualFold(a.Name, name) {
			return a.Value, true
		}
	}
	return nil, false
}

func notFound(cmd, path string) *ErrorRecord {
	return &ErrorRecord{Command: cmd, Message: fmt.Sprintf("Cannot find path '%s' because it does not exist.", path), ErrorID: "PathNotFound"}
}

func (h *fakeHost) Command(ctx context.Context, name string, args []Arg, input []any, out Output) (Result, error) {
	h.calls = append(h.calls, name)
	path := func() string {
		if v, ok := named(args, "LiteralPath", 0); ok {
			return ToString(v)
		}
		v, _ := named(args, "Path", 0)
		return ToString(v)
	}
	switch strings.ToLower(name) {
	case "get-wmiobject":
		return Result{}, h.wmi(args, out)
	case "get-itemproperty":
		p := strings.TrimSuffix(strings.ReplaceAll(path(), `Microsoft.PowerShell.Core\Registry::`, ""), `\`)
		if b, ok := h.reg[strings.ToLower(p)]; ok {
			out.Object(b)
			return Result{}, nil
		}
		out.Error(notFound("Get-ItemProperty", p))
	case "test-path":
		p := strings.ToLower(path())
		_, reg := h.reg[strings.TrimSuffix(p, `\`)]
		_, file := h.files[p]
		out.Object(reg || file || h.dirs[p])
	case "get-childitem":
		p := strings.ToLower(strings.TrimSuffix(path(), `\`))
		for k, b := range h.reg {
			if strings.HasPrefix(k, p+`\`) && !strings.Contains(k[len(p)+1:], `\`) {
				out.Object(b)
			}
		}
	case "get-item":
		c, ok := h.files[strings.ToLower(path())]
		if !ok {
			out.Error(notFound("Get-Item", path()))
			break
		}
		out.Object(bag("System.IO.FileInfo", "Length", int64(len(c)), "LastWriteTime", &DateTime{T: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}))
	case "get-content":
		c, ok := h.files[strings.ToLower(path())]
		if !ok {
			out.Error(notFound("Get-Content", path()))
			break
		}
		for _, l := range strings.Split(strings.TrimRight(c, "\r\n"), "\n") {
			out.Object(strings.TrimSuffix(l, "\r"))
		}
	case "new-item":
		h.dirs[strings.ToLower(path())] = true
		out.Object(bag("System.IO.DirectoryInfo", "Name", path()))
	case "remove-item":
		delete(h.files, strings.ToLower(path()))
	case "get-date":
		out.Object(&DateTime{T: time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)})
	case "add-pssnapin":
	case "get-mailboxserver", "get-exchangeserver", "get-clusteredmailboxserverstatus", "get-storagegroupcopystatus":
		return Result{}, h.exchange(name, args, out)
	case "schtasks.exe":
		return h.schtasks(args, out), nil
	default:
		return Result{}, &ErrorRecord{Message: fmt.Sprintf("The term '%s' is not recognized as a cmdlet, function, operable program, or script file. Verify the term and try again.", name), ErrorID: "CommandNotFoundException"}
	}
	return Result{}, nil
}

var filterRE = regexp.MustCompile(`^(\w+)\s*=\s*'?([^']*)'?$`)

func (h *fakeHost) wmi(args []Arg, out Output) error {
	ns, _ := named(args, "Namespace", -1)
	cls, _ := named(args, "Class", 0)
	filter, _ := named(args, "Filter", -1)
	var objs []*PropertyBag
	switch strings.ToLower(ToString(cls)) {
	case "win32_operatingsystem":
		objs = append(objs, bag("Win32_OperatingSystem", "Version", h.version, "ServicePackMajorVersion", int64(2), "LastBootUpTime", "20261128080000.000000+000"))
	case "win32_service":
		objs = append(objs, bag("Win32_Service", "Name", "ClusSvc", "State", "Running"))
	case "win32_process":
		for i, c := range h.procs {
			objs = append(objs, bag("Win32_Process", "Name", "cmd.exe", "ProcessId", int64(100+i), "CommandLine", c))
		}
	case "mscluster_cluster":
		objs = append(objs, bag("MSCluster_Cluster", "Name", "EXCLU01"))
	case "mscluster_node":
		objs = append(objs, bag("MSCluster_Node", "Name", "EXNODE01", "State", int64(0)), bag("MSCluster_Node", "Name", "EXNODE02", "State", int64(0)))
	case "mscluster_clustertoquorumresource":
		objs = append(objs, bag("MSCluster_ClusterToQuorumResource", "PartComponent", `MSCluster_Resource.Name="Majority Node Set"`))
	case "mscluster_resource":
		objs = append(objs,
			bag("MSCluster_Resource", "Name", "Majority Node Set", "Type", "Majority Node Set", "State", int64(2), "PrivateProperties", bag("MSCluster_Property", "MNSFileShare", `\\HUB01\FSW`)),
			bag("MSCluster_Resource", "Name", "EXCMS01 SA", "Type", "Microsoft Exchange System Attendant", "State", int64(2), "PrivateProperties", bag("MSCluster_Property")))
	case "mscluster_resourcegrouptoresource":
		objs = append(objs, bag("MSCluster_ResourceGroupToResource", "GroupComponent", `MSCluster_ResourceGroup.Name="EXCMS01"`, "PartComponent", `MSCluster_Resource.Name="EXCMS01 SA"`))
	case "mscluster_nodetoactivegroup":
		objs = append(objs, bag("MSCluster_NodeToActiveGroup", "GroupComponent", `MSCluster_Node.Name="EXNODE01"`, "PartComponent", `MSCluster_ResourceGroup.Name="EXCMS01"`),
			bag("MSCluster_NodeToActiveGroup", "GroupComponent", `MSCluster_Node.Name="EXNODE02"`, "PartComponent", `MSCluster_ResourceGroup.Name="Cluster Group"`))
	case "mscluster_resourcegroup":
		objs = append(objs, bag("MSCluster_ResourceGroup", "Name", "Cluster Group", "State", int64(0)), bag("MSCluster_ResourceGroup", "Name", "EXCMS01", "State", int64(0)))
	default:
		return &ErrorRecord{Command: "Get-WmiObject", Message: "Invalid class", ErrorID: "GetWMIManagementException"}
	}
	if strings.HasPrefix(strings.ToLower(ToString(cls)), "mscluster") && !strings.EqualFold(ToString(ns), `root\MSCluster`) {
		return &ErrorRecord{Command: "Get-WmiObject", Message: "Invalid class", ErrorID: "GetWMIManagementException"}
	}
	for _, o := range objs {
		if f := filterRE.FindStringSubmatch(ToString(filter)); f != nil {
			v, _ := o.Property(f[1])
			if !strings.EqualFold(ToString(v), f[2]) {
				continue
			}
		}
		out.Object(o)
	}
	return nil
}

func (h *fakeHost) exchange(name string, args []Arg, out Output) error {
	if h.noAD {
		return &ErrorRecord{Command: name, Message: "Active Directory operation failed on DC01.contoso.local. This error is not retriable. Additional information: An operations error occurred.", ErrorID: "ADOperationException"}
	}
	id, _ := named(args, "Identity", 0)
	if id == nil {
		id, _ = named(args, "Server", -1)
	}
	state, ok := h.cms[strings.ToUpper(ToString(id))]
	if !ok {
		out.Error(&ErrorRecord{Command: name, Message: fmt.Sprintf("The operation could not be performed because object '%s' could not be found on domain controller 'DC01.contoso.local'.", ToString(id)), ErrorID: "ManagementObjectNotFoundException"})
		return nil
	}
	switch strings.ToLower(name) {
	case "get-mailboxserver":
		out.Object(bag("Microsoft.Exchange.Data.Directory.Management.MailboxServer", "Name", id, "ClusteredStorageType", "NonShared"))
	case "get-exchangeserver":
		out.Object(bag("Microsoft.Exchange.Data.Directory.Management.ExchangeServer", "Name", id,
			"AdminDisplayVersion", bag("Microsoft.Exchange.Data.ServerVersion", "Major", int64(8), "Minor", int64(1), "Build", int64(240), "Revision", int64(6))))
	case "get-clusteredmailboxserverstatus":
		b := bag("Microsoft.Exchange.Management.SystemConfigurationTasks.ClusteredMailboxServerStatus",
			"Identity", id, "ClusteredMailboxServerName", ToString(id)+".contoso.local", "State", state,
			"OperationalMachines", []any{"EXNODE01 <Active>", "EXNODE02 <Quorum Owner>"}, "FailedResources", []any{})
		b.ListView = true
		out.Object(b)
	case "get-storagegroupcopystatus":
		b := bag("Microsoft.Exchange.Management.SystemConfigurationTasks.StorageGroupCopyStatusEntry",
			"StorageGroupName", "First Storage Group", "SummaryCopyStatus", "Healthy", "CopyQueueLength", int64(0), "ReplayQueueLength", int64(0))
		b.View = []string{"StorageGroupName", "SummaryCopyStatus", "CopyQueueLength", "ReplayQueueLength"}
		out.Object(b)
	}
	return nil
}

func (h *fakeHost) schtasks(args []Arg, out Output) Result {
	var a []string
	for _, x := range args {
		a = append(a, ToString(x.Value))
	}
	opt := func(flag string) string {
		for i := 0; i+1 < len(a); i++ {
			if strings.EqualFold(a[i], flag) {
				return a[i+1]
			}
		}
		return ""
	}
	switch {
	case len(a) > 0 && strings.EqualFold(a[0], "/create"):
		if opt("/rp") != h.password {
			out.Object("ERROR: Logon failure: unknown user name or bad password.")
			return Result{Native: true, ExitCode: 1}
		}
		h.tasks[opt("/tn")] = true
		out.Object(`SUCCESS: The scheduled task "` + opt("/tn") + `" has successfully been created.`)
	case len(a) > 0 && strings.EqualFold(a[0], "/run"):
		if !h.tasks[opt("/tn")] {
			out.Object("ERROR: The system cannot find the file specified.")
			return Result{Native: true, ExitCode: 1}
		}
		out.Object(`SUCCESS: Attempted to run the scheduled task "` + opt("/tn") + `".`)
	case len(a) > 0 && strings.EqualFold(a[0], "/delete"):
		delete(h.tasks, opt("/tn"))
	}
	return Result{Native: true}
}

func (h *fakeHost) Static(ctx context.Context, typeName, member string, args []any, call bool) (any, error) {
	switch strings.ToLower(typeName + "::" + member) {
	case "io.file::writealltext":
		text := ToString(args[1])
		if len(args) == 3 {
			if e, ok := args[2].(*Encoding); ok {
				text = string(e.Encode(text))
			}
		}
		h.files[strings.ToLower(ToString(args[0]))] = text
		return nil, nil
	case "io.file::delete":
		delete(h.files, strings.ToLower(ToString(args[0])))
		return nil, nil
	case "diagnostics.fileversioninfo::getversioninfo":
		return bag("System.Diagnostics.FileVersionInfo", "FileVersion", "08.01.0240.006"), nil
	}
	return nil, &ErrorRecord{Message: fmt.Sprintf("Unable to find type [%s]: make sure that the assembly containing this type is loaded.", typeName), ErrorID: "TypeNotFound"}
}

func (h *fakeHost) New(ctx context.Context, typeName string, args []any, com bool) (Object, error) {
	switch {
	case com && strings.EqualFold(typeName, "Schedule.Service"):
		return h.scheduler(), nil
	case strings.EqualFold(typeName, "IO.FileStream"):
		c, ok := h.files[strings.ToLower(ToString(args[0]))]
		if !ok {
			return nil, &ErrorRecord{Message: "Could not find file."}
		}
		pos := 0
		fs := bag("System.IO.FileStream", "Length", int64(len(c)))
		fs.Methods = map[string]MethodFunc{
			"Seek": func(_ context.Context, a []any) (any, error) { n, _ := ToInt(a[0]); pos = int(n); return n, nil },
			"Read": func(_ context.Context, a []any) (any, error) {
				buf := a[0].([]byte)
				off, _ := ToInt(a[1])
				n, _ := ToInt(a[2])
				k := copy(buf[off:off+n], c[pos:])
				pos += k
				return int64(k), nil
			},
			"Close": func(context.Context, []any) (any, error) { return nil, nil },
		}
		return fs, nil
	}
	return nil, &ErrorRecord{Message: fmt.Sprintf("Cannot find type [%s]: make sure the assembly containing this type is loaded.", typeName)}
}

// scheduler is the Task Scheduler 2.0 COM API, enough for job-start.ps1.
func (h *fakeHost) scheduler() Object {
	settings := bag("ITaskSettings", "ExecutionTimeLimit", "PT72H", "DisallowStartIfOnBatteries", true, "StopIfGoingOnBatteries", true)
	principal := bag("IPrincipal", "RunLevel", int64(0))
	action := bag("IExecAction", "Path", "", "Arguments", "", "WorkingDirectory", "")
	actions := bag("IActionCollection")
	actions.Methods = map[string]MethodFunc{"Create": func(context.Context, []any) (any, error) { return action, nil }}
	def := bag("ITaskDefinition", "Settings", settings, "Principal", principal, "Actions", actions)
	folder := bag("ITaskFolder")
	folder.Methods = map[string]MethodFunc{
		"RegisterTaskDefinition": func(_ context.Context, a []any) (any, error) {
			if len(a) != 6 || ToString(a[4]) != h.password {
				return nil, &ErrorRecord{Message: "Logon failure: unknown user name or bad password. (Exception from HRESULT: 0x8007052E)"}
			}
			h.tasks[ToString(a[0])] = true
			reg := bag("IRegisteredTask", "Name", a[0])
			reg.Methods = map[string]MethodFunc{"Run": func(context.Context, []any) (any, error) {
				h.procs = append(h.procs, "cmd.exe /c "+ToString(property(action, "Arguments")))
				return bag("IRunningTask"), nil
			}}
			return reg, nil
		},
		"DeleteTask": func(_ context.Context, a []any) (any, error) { delete(h.tasks, ToString(a[0])); return nil, nil },
	}
	svc := bag("ITaskService")
	svc.Methods = map[string]MethodFunc{
		"Connect":   func(context.Context, []any) (any, error) { return nil, nil },
		"NewTask":   func(context.Context, []any) (any, error) { return def, nil },
		"GetFolder": func(context.Context, []any) (any, error) { return folder, nil },
	}
	return svc
}

func (h *fakeHost) Cast(ctx context.Context, typeName string, v any) (any, error) {
	if strings.EqualFold(typeName, "wmiclass") {
		c := bag("System.Management.ManagementClass")
		c.Methods = map[string]MethodFunc{"Create": func(_ context.Context, a []any) (any, error) {
			h.procs = append(h.procs, ToString(a[0]))
			return bag("System.Management.ManagementBaseObject", "ReturnValue", int64(0), "ProcessId", int64(4242)), nil
		}}
		return c, nil
	}
	return nil, &ErrorRecord{Message: fmt.Sprintf("Unable to find type [%s]: make sure that the assembly containing this type is loaded.", typeName), ErrorID: "TypeNotFound"}
}

func (h *fakeHost) Env(name string) (string, bool) {
	for k, v := range h.env {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

func (h *fakeHost) Stdin() io.Reader  { return strings.NewReader(h.stdin) }
func (h *fakeHost) OEMCodePage() int  { return h.oem }
func (h *fakeHost) ANSICodePage() int { return h.ansi }
