package sim

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cmsrunbook/internal/sim/ps"
	"cmsrunbook/runbook"
)

// This file is the Exchange 2007 snap-in's cmdlets for a NodeHost, and the
// double hop: from a WinRM shell's network logon every cmdlet that reads
// Active Directory fails; from a scheduled task's logon they run against
// the simulated world through the simulator's own Exchange Management
// Shell (interp_exchange.go), with its rules, faults and timings.

// exchangeCmdlets are the snap-in's cmdlets the simulated world answers.
var exchangeCmdlets = map[string]bool{
	"get-clusteredmailboxserverstatus": true, "stop-clusteredmailboxserver": true,
	"start-clusteredmailboxserver": true, "move-clusteredmailboxserver": true,
	"get-storagegroupcopystatus": true, "get-exchangeserver": true, "get-mailboxserver": true,
	"get-mailboxdatabase": true, "mount-database": true,
}

func isExchangeCmdlet(name string) bool { return exchangeCmdlets[strings.ToLower(name)] }

// exchange runs an Exchange cmdlet.
func (h *NodeHost) exchange(ctx context.Context, name string, args []ps.Arg, input []any, out ps.Output) (ps.Result, error) {
	n := h.lock()
	defer h.unlock()
	s := h.s
	if h.opts.Logon == LogonNetwork {
		return ps.Result{}, &ps.ErrorRecord{Command: name, Message: s.adError(),
			ErrorID:  "ADOperationException",
			Category: "NotSpecified: (0:Int32) [" + name + "], ADOperationException"}
	}
	x := h.ex
	if x == nil {
		// A task-logon host outside a job: the cmdlet's time is not
		// anyone's log.
		cmd := runbook.Command{Node: n.name, Shell: runbook.ShellPowerShell, Line: name}
		x = &interp{s: s, n: n, cmd: cmd, p: s.newProc(n, cmd)}
	}
	saved := x.cmd
	x.cmd.Kind = cmdletKind(name)
	defer func() { x.cmd = saved }()
	c := &psCall{name: name, nameEnd: len(name)}
	for _, a := range args {
		switch {
		case a.Name == "":
			c.args = append(c.args, psTok{kind: 's', text: exchangeArg(a.Value)})
		case a.HasValue:
			c.args = append(c.args, psTok{kind: 'p', text: a.Name, val: &psTok{kind: 's', text: exchangeArg(a.Value)}})
		default:
			c.args = append(c.args, psTok{kind: 'p', text: a.Name})
		}
	}
	var objs []psObj
	var perr *psError
	if strings.EqualFold(name, "Get-MailboxServer") {
		objs, perr = x.getMailboxServer(c)
	} else {
		objs, perr = x.cmdlet(c, exchangeInput(input))
	}
	if perr != nil {
		return ps.Result{}, &ps.ErrorRecord{Command: name, Message: perr.msg,
			ErrorID:  "ExchangeTaskException",
			Category: "InvalidOperation: (:) [" + name + "], TaskException"}
	}
	for _, o := range objs {
		out.Object(exchangeObject(o))
	}
	return ps.Result{}, nil
}

// exchangeArg is an argument as the simulator's shell reads it.
func exchangeArg(v any) string {
	switch t := v.(type) {
	case bool:
		if t {
			return "$true"
		}
		return "$false"
	case *hostObj:
		if id, ok := t.Property("Identity"); ok {
			return ps.ToString(id)
		}
	}
	return ps.ToString(v)
}

// exchangeInput recovers the world objects piped into a cmdlet.
func exchangeInput(in []any) []psObj {
	var out []psObj
	for _, v := range in {
		if o, ok := v.(*hostObj); ok {
			if po, ok := o.tag.(psObj); ok {
				out = append(out, po)
			}
		}
	}
	return out
}

// exchangeTypes are the .NET types of the Exchange objects.
var exchangeTypes = map[string]string{
	"cmsstatus":       "Microsoft.Exchange.Management.SystemConfigurationTasks.ClusteredMailboxServerStatus",
	"copystatus":      "Microsoft.Exchange.Management.SystemConfigurationTasks.StorageGroupCopyStatusEntry",
	"exchangeserver":  "Microsoft.Exchange.Data.Directory.Management.ExchangeServer",
	"mailboxdatabase": "Microsoft.Exchange.Data.Directory.SystemConfiguration.MailboxDatabase",
	"mailboxserver":   "Microsoft.Exchange.Data.Directory.Management.MailboxServer",
}

// exchangeObject turns the simulator's object into the script's.
func exchangeObject(po psObj) *hostObj {
	o := newObj(exchangeTypes[po.typ])
	for _, p := range po.props {
		v := p.val
		if s, ok := v.(string); ok && p.name == "AdminDisplayVersion" {
			v = serverVersion(s)
		}
		o.with(p.name, v)
	}
	o.view, o.list = po.view, po.view == nil
	if id, ok := po.get("Identity"); ok {
		o.str = psFormat(id)
	}
	o.readOnly, o.tag = true, po
	return o
}

// serverVersion is Exchange's ServerVersion: "Version 8.1 (Build 240.6)"
// with Major, Minor, Build and Revision.
func serverVersion(s string) *hostObj {
	var b runbook.Build
	fmt.Sscanf(s, "Version %d.%d (Build %d.%d)", &b.Major, &b.Minor, &b.Build, &b.Revision)
	o := newObj("Microsoft.Exchange.Data.ServerVersion").
		with("Major", int64(b.Major)).with("Minor", int64(b.Minor)).
		with("Build", int64(b.Build)).with("Revision", int64(b.Revision))
	o.str, o.readOnly = s, true
	return o
}

// getMailboxServer is Get-MailboxServer for a CMS: its clustered storage
// type (NonShared for CCR, Shared for SCC) and the nodes that can run it.
func (x *interp) getMailboxServer(c *psCall) ([]psObj, *psError) {
	if err := c.bind([]string{"Identity", "DomainController"}, nil, []string{"Identity"}); err != nil {
		return nil, err
	}
	w := &x.s.w
	var gs []*group
	if id, ok := c.named["Identity"]; ok {
		g := w.cms(id)
		if g == nil {
			return nil, x.notFound(c, id)
		}
		gs = append(gs, g)
	} else {
		for _, g := range w.groups {
			if g.cms {
				gs = append(gs, g)
			}
		}
	}
	x.take(time.Second)
	storage := "Shared"
	if w.typ == runbook.CCR {
		storage = "NonShared"
	}
	var nodes []string
	for _, n := range w.nodes {
		nodes = append(nodes, n.name)
	}
	var out []psObj
	for _, g := range gs {
		out = append(out, psObj{typ: "mailboxserver", g: g,
			view: []string{"Name", "Site", "ClusteredStorageType"},
			props: []psProp{
				{"Name", g.name},
				{"ClusteredStorageType", storage},
				{"RedundantMachines", nodes},
				{"Site", w.domain + "/Configuration/Sites/Default-First-Site-Name"},
				{"Identity", g.name},
			}})
	}
	return out, nil
}
