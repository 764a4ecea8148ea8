package sim

import (
	"context"
	"fmt"
	"strings"

	"cmsrunbook/internal/sim/ps"
	"cmsrunbook/runbook"
)

// This file is a simulated node's Task Scheduler: the 2.0 COM object model
// (Schedule.Service, Windows Server 2008) and schtasks.exe (both). A task
// registered with an account and its password runs under a logon of its
// own, which can reach Active Directory; a wrong password is refused at
// registration, as Windows does.

// schedTask is one registered task.
type schedTask struct {
	name   string
	user   string
	action string // the command line it runs
}

// logonFailure is Windows' text for ERROR_LOGON_FAILURE (1326, HRESULT
// 0x8007052E).
const logonFailure = "Logon failure: unknown user name or bad password."

// taskName strips the folder of a task path ("\cmsrunbook-X").
func taskName(p string) string { return strings.TrimLeft(strings.TrimSpace(p), `\`) }

// register adds or replaces a task after checking its account.
func (s *Sim) register(n *node, acct Account, name, user, password, action string) error {
	if !acct.accepts(user, password) {
		return &fileError{1326, logonFailure}
	}
	s.system(n).tasks[strings.ToLower(taskName(name))] = &schedTask{name: taskName(name), user: user, action: action}
	return nil
}

// runTask starts a task's action under its own logon. Callers hold s.mu.
func (s *Sim) runTask(ctx context.Context, n *node, t *schedTask, acct Account) {
	h := &NodeHost{s: s, node: n.name, opts: HostOptions{Logon: LogonTask, Account: Account{User: t.user, Password: acct.Password}}}
	args := cmdArgs(t.action)
	if len(args) >= 3 && program(args[0]) == "cmd" && strings.EqualFold(args[1], "/c") {
		if st := s.stat(n, args[2]); st.exists && !st.dir {
			s.startBatch(ctx, n, st.path, t.action, LogonTask, h.opts.Account)
			return
		}
	}
	c := &cmdProc{s: s, n: n, ctx: ctx, logon: LogonTask, acct: h.opts.Account}
	c.execLine(t.action, nil)
}

// comError is a COM method's failure as PowerShell reports it.
func comError(method string, nargs int, msg string, hr uint32) error {
	return &ps.ErrorRecord{
		Message:  fmt.Sprintf("Exception calling %q with %q argument(s): \"%s (Exception from HRESULT: 0x%08X)\"", method, fmt.Sprint(nargs), msg, hr),
		ErrorID:  "ComMethodTargetInvocation",
		Category: "NotSpecified: (:) [], MethodInvocationException",
	}
}

// scheduleService is New-Object -ComObject Schedule.Service.
func (h *NodeHost) scheduleService() ps.Object {
	svc := newObj("System.__ComObject#{2faba4c7-4da9-4013-9697-20cc3fd40f85}").with("Connected", false).with("TargetServer", strings.ToUpper(h.node))
	svc.method("Connect", func(context.Context, []any) (any, error) { svc.vals["connected"] = true; return nil, nil })
	svc.method("NewTask", func(context.Context, []any) (any, error) { return newTaskDefinition(), nil })
	svc.method("GetFolder", func(_ context.Context, a []any) (any, error) {
		if p := ps.ToString(firstArg(a)); p != `\` {
			return nil, comError("GetFolder", 1, "The system cannot find the file specified.", 0x80070002)
		}
		return h.taskFolder(), nil
	})
	return svc
}

// newTaskDefinition is ITaskDefinition with the defaults Windows gives.
func newTaskDefinition() *hostObj {
	settings := newObj("System.__ComObject").with("ExecutionTimeLimit", "PT72H").with("DisallowStartIfOnBatteries", true).
		with("StopIfGoingOnBatteries", true).with("Enabled", true).with("AllowDemandStart", true).with("Hidden", false).
		with("MultipleInstances", int64(2))
	principal := newObj("System.__ComObject").with("RunLevel", int64(0)).with("LogonType", int64(0)).with("UserId", "")
	info := newObj("System.__ComObject").with("Description", "").with("Author", "")
	actions := newObj("System.__ComObject").with("Count", int64(0))
	var list []*hostObj
	actions.method("Create", func(_ context.Context, a []any) (any, error) {
		if t, _ := argInt(firstArg(a)); t != 0 {
			return nil, comError("Create", 1, "The parameter is incorrect.", 0x80070057)
		}
		act := newObj("System.__ComObject").with("Type", int64(0)).with("Path", "").with("Arguments", "").with("WorkingDirectory", "")
		list = append(list, act)
		actions.vals["count"] = int64(len(list))
		return act, nil
	})
	triggers := newObj("System.__ComObject").with("Count", int64(0))
	triggers.method("Create", func(_ context.Context, a []any) (any, error) {
		return newObj("System.__ComObject").with("StartBoundary", "").with("Enabled", true), nil
	})
	def := newObj("System.__ComObject").with("Settings", settings).with("Principal", principal).
		with("RegistrationInfo", info).with("Actions", actions).with("Triggers", triggers)
	def.tag = func() string {
		if len(list) == 0 {
			return ""
		}
		p, _ := list[0].Property("Path")
		args, _ := list[0].Property("Arguments")
		return strings.TrimSpace(ps.ToString(p) + " " + ps.ToString(args))
	}
	return def
}

// taskFolder is the root task folder.
func (h *NodeHost) taskFolder() *hostObj {
	f := newObj("System.__ComObject").with("Name", `\`).with("Path", `\`)
	f.readOnly = true
	f.method("RegisterTaskDefinition", func(ctx context.Context, a []any) (any, error) {
		if len(a) < 6 {
			return nil, comError("RegisterTaskDefinition", len(a), "The parameter is incorrect.", 0x80070057)
		}
		def, ok := a[1].(*hostObj)
		line, isDef := "", false
		if ok {
			var fn func() string
			fn, isDef = def.tag.(func() string)
			if isDef {
				line = fn()
			}
		}
		if !isDef {
			return nil, comError("RegisterTaskDefinition", len(a), "The parameter is incorrect.", 0x80070057)
		}
		name, user, pass := ps.ToString(a[0]), ps.ToString(a[3]), ps.ToString(a[4])
		n := h.lock()
		defer h.unlock()
		if logon, _ := argInt(a[5]); logon != 1 && logon != 6 {
			// Only a password logon gives the task credentials of its own.
			pass = ""
		}
		if err := h.s.register(n, h.opts.Account, name, user, pass, line); err != nil {
			return nil, comError("RegisterTaskDefinition", len(a), logonFailure, 0x8007052E)
		}
		return h.registeredTask(taskName(name)), nil
	})
	f.method("GetTask", func(_ context.Context, a []any) (any, error) {
		name := taskName(ps.ToString(firstArg(a)))
		n := h.lock()
		defer h.unlock()
		if h.s.system(n).tasks[strings.ToLower(name)] == nil {
			return nil, comError("GetTask", 1, "The system cannot find the file specified.", 0x80070002)
		}
		return h.registeredTask(name), nil
	})
	f.method("DeleteTask", func(_ context.Context, a []any) (any, error) {
		name := strings.ToLower(taskName(ps.ToString(firstArg(a))))
		n := h.lock()
		defer h.unlock()
		if h.s.system(n).tasks[name] == nil {
			return nil, comError("DeleteTask", len(a), "The system cannot find the file specified.", 0x80070002)
		}
		delete(h.s.system(n).tasks, name)
		return nil, nil
	})
	return f
}

// registeredTask is IRegisteredTask.
func (h *NodeHost) registeredTask(name string) *hostObj {
	t := newObj("System.__ComObject").with("Name", name).with("Path", `\`+name).with("State", int64(3)).with("Enabled", true)
	t.readOnly = true
	t.method("Run", func(ctx context.Context, _ []any) (any, error) {
		n := h.lock()
		defer h.unlock()
		task := h.s.system(n).tasks[strings.ToLower(name)]
		if task == nil {
			return nil, comError("Run", 1, "The system cannot find the file specified.", 0x80070002)
		}
		h.s.runTask(ctx, n, task, h.opts.Account)
		return newObj("System.__ComObject").with("Name", name).with("State", int64(4)), nil
	})
	return t
}

// schtasks is schtasks.exe: /create, /run, /delete and /query of one task.
func (c *cmdProc) schtasks(args []string) ([]runbook.OutputLine, int) {
	var op string
	opt := map[string]string{}
	for i := 0; i < len(args); i++ {
		name, _, ok := option(args[i])
		if !ok {
			continue
		}
		switch name {
		case "create", "run", "delete", "query", "end", "change":
			op = name
		case "f", "v", "nh":
			opt[name] = "1"
		default:
			if i+1 < len(args) {
				opt[name] = args[i+1]
				i++
			}
		}
	}
	errLine := func(s string) ([]runbook.OutputLine, int) {
		return []runbook.OutputLine{{Stream: runbook.Stderr, Text: "ERROR: " + s}}, 1
	}
	ok := func(s string) ([]runbook.OutputLine, int) {
		return []runbook.OutputLine{{Stream: runbook.Stdout, Text: "SUCCESS: " + s}}, 0
	}
	name := taskName(opt["tn"])
	tasks := c.s.system(c.n).tasks
	task := tasks[strings.ToLower(name)]
	switch {
	case op == "":
		return errLine("Invalid syntax. Type \"SCHTASKS /?\" for usage.")
	case name == "" && op != "query":
		return errLine("Invalid syntax. Mandatory option '/tn' is missing.")
	case op == "create":
		if task != nil && opt["f"] == "" {
			return errLine("Cannot create a file when that file already exists.")
		}
		if err := c.s.register(c.n, c.acct, name, opt["ru"], opt["rp"], opt["tr"]); err != nil {
			return errLine(logonFailure)
		}
		return ok(fmt.Sprintf("The scheduled task %q has successfully been created.", name))
	case task == nil && op != "query":
		return errLine("The system cannot find the file specified.")
	case op == "run":
		c.s.runTask(c.ctx, c.n, task, c.acct)
		return ok(fmt.Sprintf("Attempted to run the scheduled task %q.", name))
	case op == "delete":
		delete(tasks, strings.ToLower(name))
		return ok(fmt.Sprintf("The scheduled task %q was successfully deleted.", name))
	}
	var out []runbook.OutputLine
	for _, t := range tasks {
		if name == "" || strings.EqualFold(t.name, name) {
			out = append(out, runbook.OutputLine{Stream: runbook.Stdout, Text: fmt.Sprintf("%-40s %-22s %s", t.name, "Never", "Ready")})
		}
	}
	return out, 0
}
