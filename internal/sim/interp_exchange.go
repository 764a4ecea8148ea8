package sim

import (
	"fmt"
	"strings"
	"time"

	"cmsrunbook/runbook"
)

// This file is the Exchange Management Shell: the cmdlets the runbook and
// an engineer use on a clustered mailbox server, with the rules Exchange
// itself enforces on a handoff (PROCEDURES 1.5, 3.4).

// powershell runs a PowerShell line: statements separated by ';', each a
// pipeline. The first error ends the line with exit code 1, as a script
// run with -Command reports it.
func (x *interp) powershell(line string) {
	for _, pipe := range psSplit(psLex(line)) {
		if len(pipe) == 1 && !looksLikePowerShell(pipe[0].name) {
			// A native program (cluster.exe, hostname) run from PowerShell.
			x.cmdexe(line[pipe[0].start:pipe[0].end])
			if x.p.exit != 0 {
				return
			}
			continue
		}
		var objs []psObj
		var fmtCall *psCall
		for _, c := range pipe {
			var err *psError
			switch strings.ToLower(c.name) {
			case "format-list", "fl", "format-table", "ft":
				fmtCall = c
				continue
			}
			if fmtCall != nil {
				err = &psError{c, "The object of type \"Microsoft.PowerShell.Commands.Internal.Format.FormatEntryData\" is not valid or not in the correct sequence. This is likely caused by a user-specified \"format-*\" command which is conflicting with the default formatting."}
			} else {
				objs, err = x.cmdlet(c, objs)
			}
			if err != nil {
				x.psFail(line, err)
				return
			}
		}
		x.render(objs, fmtCall)
	}
	x.exit(0)
}

// render prints what is left in the pipeline with the formatter given, or
// the objects' default view.
func (x *interp) render(objs []psObj, f *psCall) {
	if len(objs) == 0 {
		return
	}
	var pats []string
	list := objs[0].view == nil
	if f != nil {
		list = strings.HasPrefix(strings.ToLower(f.name), "format-l") || strings.EqualFold(f.name, "fl")
		for _, a := range f.args {
			if a.kind != 'p' {
				for _, p := range strings.Split(a.text, ",") {
					if p = strings.TrimSpace(p); p != "" {
						pats = append(pats, p)
					}
				}
			}
		}
	}
	if list {
		x.print(formatList(objs, pats)...)
	} else {
		x.print(formatTable(objs, pats)...)
	}
}

// psFail prints an error in PowerShell 1.0's layout and ends with exit 1.
func (x *interp) psFail(line string, e *psError) {
	at := e.call.nameEnd
	if e.msg == "" {
		x.eprint(fmt.Sprintf("The term '%s' is not recognized as a cmdlet, function, operable program, or script file. Verify the term and try again.", e.call.name),
			fmt.Sprintf("At line:1 char:%d", at+1),
			"+ "+line[:at]+" <<<< "+strings.TrimLeft(line[at:], " "))
		x.exit(1)
		return
	}
	x.eprint(fmt.Sprintf("%s : %s", e.call.name, e.msg),
		fmt.Sprintf("At line:1 char:%d", at+1),
		"+ "+line[:at]+"  <<<< "+strings.TrimLeft(line[at:], " "))
	x.exit(1)
}

// cmdlet runs one pipeline element on the objects piped into it.
func (x *interp) cmdlet(c *psCall, in []psObj) ([]psObj, *psError) {
	switch strings.ToLower(c.name) {
	case "add-pssnapin":
		return nil, c.bind([]string{"Name"}, nil, []string{"Name"})
	case "get-clusteredmailboxserverstatus":
		return x.getCMSStatus(c)
	case "stop-clusteredmailboxserver":
		return nil, x.stopCMS(c)
	case "start-clusteredmailboxserver":
		return nil, x.startCMS(c)
	case "move-clusteredmailboxserver":
		return nil, x.moveCMS(c)
	case "get-storagegroupcopystatus":
		return x.getCopyStatus(c)
	case "get-exchangeserver":
		return x.getExchangeServer(c)
	case "get-mailboxdatabase":
		return x.getMailboxDatabase(c)
	case "mount-database":
		return nil, x.mountDatabase(c, in)
	case "where-object", "where", "?":
		return x.where(c, in)
	case "select-object", "select":
		if err := c.bind([]string{"Property", "First"}, nil, []string{"Property"}); err != nil {
			return nil, err
		}
		return in, nil
	case "hostname":
		x.print(x.n.name)
		return nil, nil
	}
	return nil, &psError{c, ""}
}

// notFound is Exchange's answer to an identity that matches nothing.
func (x *interp) notFound(c *psCall, id string) *psError {
	return &psError{c, fmt.Sprintf("The operation could not be performed because object '%s' could not be found on domain controller 'DC01.%s'.", id, x.s.w.domain)}
}

// identity binds the usual -Identity parameter and finds the CMS.
func (x *interp) identityCMS(c *psCall, params, switches []string) (*group, *psError) {
	if err := c.bind(append([]string{"Identity", "DomainController"}, params...), append([]string{"Confirm", "WhatIf", "Verbose"}, switches...), []string{"Identity"}); err != nil {
		return nil, err
	}
	if err := c.require("Identity"); err != nil {
		return nil, err
	}
	g := x.s.w.cms(c.named["Identity"])
	if g == nil {
		return nil, x.notFound(c, c.named["Identity"])
	}
	return g, nil
}

func (x *interp) getCMSStatus(c *psCall) ([]psObj, *psError) {
	if err := c.bind([]string{"Identity", "DomainController"}, nil, []string{"Identity"}); err != nil {
		return nil, err
	}
	var gs []*group
	if id, ok := c.named["Identity"]; ok {
		g := x.s.w.cms(id)
		if g == nil {
			return nil, x.notFound(c, id)
		}
		gs = append(gs, g)
	} else {
		for _, g := range x.s.w.groups {
			if g.cms {
				gs = append(gs, g)
			}
		}
	}
	x.take(2 * time.Second)
	var out []psObj
	for _, g := range gs {
		out = append(out, x.cmsStatusObj(g))
	}
	return out, nil
}

// cmsStatusObj is Get-ClusteredMailboxServerStatus's object. The
// OperationalMachines entries carry the <Active...> marker scripts parse.
func (x *interp) cmsStatusObj(g *group) psObj {
	w := &x.s.w
	quorum := w.quorumOwner()
	var machines, repl []string
	for _, n := range w.nodes {
		if n.state() == runbook.NodeDown || n.state() == runbook.NodeJoining {
			continue
		}
		var marks []string
		if eq(n.name, g.owner) {
			marks = append(marks, "Active")
		}
		if eq(n.name, quorum) {
			marks = append(marks, "Quorum Owner")
		}
		m := n.name
		if len(marks) > 0 {
			m += " <" + strings.Join(marks, ", ") + ">"
		}
		machines = append(machines, m)
		repl = append(repl, n.name)
	}
	var failed []string
	switch g.displayState() {
	case runbook.GroupFailed:
		failed = append(failed, fmt.Sprintf("Exchange Information Store Instance (%s)", g.name))
	case runbook.GroupPartiallyOnline:
		for _, db := range g.dbs {
			if !db.mounted {
				failed = append(failed, db.sg+`\`+db.name)
			}
		}
	}
	if !w.repl.enabled {
		repl = nil
	}
	return psObj{typ: "cmsstatus", g: g, props: []psProp{
		{"Identity", g.name},
		{"ClusteredMailboxServerName", g.name + "." + w.domain},
		{"State", g.displayState().Display()},
		{"OperationalMachines", machines},
		{"FailedResources", failed},
		{"OperationalReplicationHostNames", repl},
		{"FailedReplicationHostNames", []string{}},
		{"InUseReplicationHostNames", repl},
		{"IsValid", true},
	}}
}

// ownerUp checks that the CMS's owner answers, as every CMS cmdlet needs.
func (x *interp) ownerUp(c *psCall, g *group) *psError {
	if o := x.s.w.node(g.owner); o == nil || !o.reachable || !o.clussvc {
		return &psError{c, fmt.Sprintf("The cluster service on node '%s', which owns clustered mailbox server '%s', could not be contacted. Check that the node is running.", g.owner, g.name)}
	}
	return nil
}

func (x *interp) stopCMS(c *psCall) *psError {
	g, err := x.identityCMS(c, []string{"StopReason"}, nil)
	if err != nil {
		return err
	}
	if err := c.require("StopReason"); err != nil {
		return err
	}
	if err := x.ownerUp(c, g); err != nil {
		return err
	}
	if g.state == runbook.GroupOffline {
		x.print(fmt.Sprintf("WARNING: The clustered mailbox server '%s' is already stopped.", g.name))
		return nil
	}
	s := x.s
	d := s.timing.CMSStop
	g.state = runbook.GroupOfflinePending
	g.restore = false
	s.transition(g, []step{{d, func() {
		g.state = runbook.GroupOffline
		for _, db := range g.dbs {
			db.mounted = false
		}
	}}})
	x.take(d)
	return nil
}

func (x *interp) startCMS(c *psCall) *psError {
	g, err := x.identityCMS(c, nil, nil)
	if err != nil {
		return err
	}
	if err := x.ownerUp(c, g); err != nil {
		return err
	}
	s := x.s
	if g.displayState() == runbook.GroupOnline {
		x.print(fmt.Sprintf("WARNING: The clustered mailbox server '%s' is already online.", g.name))
		return nil
	}
	owner := s.w.node(g.owner)
	if !s.cmsCanRun(g, g.owner) {
		x.take(s.timing.CMSStart / 2)
		g.op++
		g.state = runbook.GroupFailed
		why := fmt.Sprintf("The Exchange binaries on node '%s' (%s) do not match the version of the clustered mailbox server (%s). Run Setup.com /upgradecms on '%s'.", owner.name, adminVersion(owner.build), adminVersion(g.build), owner.name)
		switch {
		case g.broken:
			why = "The clustered mailbox server's version is older than the Exchange binaries on every node of the cluster, so no node can run it; /upgradecms was skipped before the last node was upgraded."
		case owner.watermark != "":
			why = fmt.Sprintf("Setup did not finish on node '%s': its Mailbox role is not configured. Run Setup.com /mode:upgrade on '%s' to finish it.", owner.name, owner.name)
		}
		return &psError{c, fmt.Sprintf("Clustered mailbox server '%s' failed to come online: resource 'Exchange Information Store Instance (%s)' failed. %s", g.name, g.name, why)}
	}
	d := s.timing.CMSStart
	s.bringOnline(g, d)
	x.take(d)
	return nil
}

// moveCMS is Move-ClusteredMailboxServer: Exchange's handoff with its
// health checks. It refuses a target that is not an Up member, one that
// runs a CMS, and (CCR) a move while replication is unhealthy or its
// queues are above runbook.NearZeroQueue.
func (x *interp) moveCMS(c *psCall) *psError {
	g, err := x.identityCMS(c, []string{"TargetMachine", "MoveComment"}, []string{"IgnoreDismounted", "ValidateOnly"})
	if err != nil {
		return err
	}
	if err := c.require("TargetMachine", "MoveComment"); err != nil {
		return err
	}
	s := x.s
	tname := c.named["TargetMachine"]
	target := s.w.node(strings.TrimSuffix(strings.ToLower(tname), "."+s.w.domain))
	refuse := func(why string) *psError {
		return &psError{c, fmt.Sprintf("Clustered mailbox server '%s' cannot be moved to '%s'. %s", g.name, tname, why)}
	}
	switch {
	case target == nil:
		return refuse(fmt.Sprintf("'%s' is not a node of cluster '%s' and is not in the RedundantMachines list of the clustered mailbox server.", tname, s.w.name))
	case eq(target.name, g.owner):
		return refuse(fmt.Sprintf("The clustered mailbox server is already running on '%s'.", target.name))
	case !target.canHost():
		return refuse(fmt.Sprintf("The target machine is not in an acceptable state: its cluster node state is %s. It must be Up (not Paused) to take the clustered mailbox server.", target.state().Display()))
	case s.w.runsCMS(target.name) != nil:
		return refuse(fmt.Sprintf("'%s' is already running clustered mailbox server '%s'; a node can run only one clustered mailbox server.", target.name, s.w.runsCMS(target.name).name))
	}
	if err := x.ownerUp(c, g); err != nil {
		return err
	}
	x.take(5 * time.Second) // the health checks
	if s.w.repl.enabled {
		if x.fails(faultMoveRefused) {
			s.bumpReplication(48, 135)
		}
		healthy, cq, rq := s.replicationNow()
		if !healthy || cq > runbook.NearZeroQueue || rq > runbook.NearZeroQueue {
			return refuse(fmt.Sprintf("Replication is not healthy enough for a handoff: the copies on '%s' have CopyQueueLength %d and ReplayQueueLength %d (at most %d each are allowed). Wait for replication to catch up (Get-StorageGroupCopyStatus), then retry.", target.name, cq, rq, runbook.NearZeroQueue))
		}
	}
	if c.on("ValidateOnly") {
		return nil
	}
	late := x.fails(faultMoveLate)
	if late {
		g.dbs[0].stuck = true
	}
	from := g.owner
	if g.state == runbook.GroupOffline || g.state == runbook.GroupFailed {
		// A stopped CMS only changes owner.
		x.take(s.timing.GroupMove)
		s.effect(x.p, x.t, func() { g.owner = target.name; g.op++ })
	} else {
		d := s.timing.CMSMove
		g.state = runbook.GroupOfflinePending
		s.transition(g, []step{
			{d / 4, func() {
				g.state = runbook.GroupOffline
				for _, db := range g.dbs {
					db.mounted = false
				}
			}},
			{d * 2 / 5, func() {
				g.owner = target.name
				s.bumpReplication(3, 7)
				s.bringOnline(g, d-d*2/5)
			}},
		})
		x.take(d)
	}
	if late {
		x.print(fmt.Sprintf("WARNING: Clustered mailbox server '%s' was moved from '%s' to '%s', but database '%s\\%s' could not be mounted. Check Get-MailboxDatabase -Status and mount it with Mount-Database.", g.name, from, target.name, g.dbs[0].sg, g.dbs[0].name))
	}
	return nil
}

// serverCMS resolves a -Server value: a CMS, or a node (its CMS).
func (x *interp) serverCMS(id string) *group {
	if g := x.s.w.cms(id); g != nil {
		return g
	}
	if n := x.s.w.node(id); n != nil {
		return x.s.w.runsCMS(n.name)
	}
	return nil
}

func (x *interp) getCopyStatus(c *psCall) ([]psObj, *psError) {
	if err := c.bind([]string{"Identity", "Server", "DomainController"}, nil, []string{"Identity"}); err != nil {
		return nil, err
	}
	s := x.s
	var gs []*group
	id := c.named["Server"]
	if id == "" {
		id = c.named["Identity"]
		if i := strings.IndexByte(id, '\\'); i >= 0 {
			id = id[:i]
		}
	}
	if id != "" {
		g := x.serverCMS(id)
		if g == nil {
			return nil, x.notFound(c, id)
		}
		gs = append(gs, g)
	} else {
		for _, g := range s.w.groups {
			if g.cms {
				gs = append(gs, g)
			}
		}
	}
	if !s.w.repl.enabled {
		return nil, &psError{c, fmt.Sprintf("Continuous replication is not enabled for the storage groups of '%s'.", gs[0].name)}
	}
	x.take(2 * time.Second)
	healthy, cq, rq := s.replicationNow()
	status := "Healthy"
	if !healthy {
		status = "Failed"
		for _, n := range s.w.nodes {
			if !n.reachable || !n.clussvc {
				status = "ServiceDown"
			}
		}
	}
	inspected := s.clk.now.Add(-7 * time.Second).Format("1/2/2006 3:04:05 PM")
	var out []psObj
	for _, g := range gs {
		for i, db := range g.dbs {
			share := func(total int) int { // spread the totals over the storage groups
				n := len(g.dbs)
				return total/n + map[bool]int{true: 1}[i < total%n]
			}
			out = append(out, psObj{typ: "copystatus", g: g, db: db,
				view: []string{"Name", "SummaryCopyStatus", "CopyQueueLength", "ReplayQueueLength", "LastInspectedLogTime"},
				props: []psProp{
					{"Identity", g.name + `\` + db.sg},
					{"StorageGroupName", db.sg},
					{"Name", db.sg},
					{"SummaryCopyStatus", status},
					{"Failed", status == "Failed"},
					{"Seeding", false},
					{"Suspend", false},
					{"CopyQueueLength", share(cq)},
					{"ReplayQueueLength", share(rq)},
					{"LastInspectedLogTime", inspected},
				}})
		}
	}
	return out, nil
}

func (x *interp) getExchangeServer(c *psCall) ([]psObj, *psError) {
	if err := c.bind([]string{"Identity", "DomainController"}, nil, []string{"Identity"}); err != nil {
		return nil, err
	}
	w := &x.s.w
	type srv struct {
		name    string
		build   runbook.Build
		cluster bool
	}
	var all []srv
	for _, g := range w.groups {
		if g.cms {
			all = append(all, srv{g.name, g.build, true})
		}
	}
	for _, n := range w.nodes {
		all = append(all, srv{n.name, n.build, true})
	}
	if id, ok := c.named["Identity"]; ok {
		id = strings.TrimSuffix(strings.ToLower(id), "."+w.domain)
		var one []srv
		for _, s := range all {
			if eq(s.name, id) {
				one = append(one, s)
			}
		}
		if len(one) == 0 {
			return nil, x.notFound(c, c.named["Identity"])
		}
		all = one
	}
	x.take(time.Second)
	var out []psObj
	for _, s := range all {
		out = append(out, psObj{typ: "exchangeserver",
			view: []string{"Name", "Site", "ServerRole", "Edition", "AdminDisplayVersion"},
			props: []psProp{
				{"Name", s.name},
				{"Domain", w.domain},
				{"Edition", "Enterprise"},
				{"Fqdn", strings.ToLower(s.name) + "." + w.domain},
				{"IsMailboxServer", true},
				{"IsMemberOfCluster", "Yes"},
				{"AdminDisplayVersion", adminVersion(s.build)},
				{"Site", w.domain + "/Configuration/Sites/Default-First-Site-Name"},
				{"ServerRole", "Mailbox"},
				{"ExchangeVersion", "0.1 (8.0.535.0)"},
				{"Identity", s.name},
			}})
	}
	return out, nil
}

func (x *interp) getMailboxDatabase(c *psCall) ([]psObj, *psError) {
	if err := c.bind([]string{"Identity", "Server", "StorageGroup", "DomainController"}, []string{"Status", "IncludePreExchange2007"}, []string{"Identity"}); err != nil {
		return nil, err
	}
	s := x.s
	var gs []*group
	if id := c.named["Server"]; id != "" {
		g := x.serverCMS(id)
		if g == nil {
			return nil, x.notFound(c, id)
		}
		gs = append(gs, g)
	} else {
		for _, g := range s.w.groups {
			if g.cms {
				gs = append(gs, g)
			}
		}
	}
	status := c.on("Status")
	view := []string{"Name", "Server", "StorageGroup", "Recovery"}
	if status {
		view = []string{"Name", "Server", "StorageGroup", "Mounted"}
	}
	x.take(time.Second)
	var out []psObj
	for _, g := range gs {
		for _, db := range g.dbs {
			o := psObj{typ: "mailboxdatabase", g: g, db: db, view: view, props: []psProp{
				{"Name", db.name},
				{"Server", g.name},
				{"StorageGroup", g.name + `\` + db.sg},
				{"Recovery", false},
				{"Identity", g.name + `\` + db.sg + `\` + db.name},
			}}
			if status {
				o.props = append(o.props, psProp{"Mounted", db.mounted && g.state == runbook.GroupOnline})
			} else {
				o.props = append(o.props, psProp{"Mounted", nil})
			}
			if id, ok := c.named["Identity"]; ok && !dbMatches(g, db, id) {
				continue
			}
			out = append(out, o)
		}
	}
	if id, ok := c.named["Identity"]; ok && len(out) == 0 {
		return nil, x.notFound(c, id)
	}
	return out, nil
}

// dbMatches accepts "CMS\SG\DB", "SG\DB" and "DB".
func dbMatches(g *group, db *database, id string) bool {
	for _, cand := range []string{g.name + `\` + db.sg + `\` + db.name, db.sg + `\` + db.name, db.name} {
		if eq(cand, id) {
			return true
		}
	}
	return false
}

func (x *interp) mountDatabase(c *psCall, in []psObj) *psError {
	if err := c.bind([]string{"Identity", "DomainController"}, []string{"Confirm", "Force"}, []string{"Identity"}); err != nil {
		return err
	}
	type target struct {
		g  *group
		db *database
	}
	var ts []target
	for _, o := range in {
		if o.db != nil {
			ts = append(ts, target{o.g, o.db})
		}
	}
	if id, ok := c.named["Identity"]; ok {
		for _, g := range x.s.w.groups {
			for _, db := range g.dbs {
				if dbMatches(g, db, id) {
					ts = append(ts, target{g, db})
				}
			}
		}
		if len(ts) == 0 {
			return x.notFound(c, id)
		}
	} else if len(in) == 0 {
		return nil // nothing was piped in: nothing to mount
	}
	for _, t := range ts {
		x.take(5 * time.Second)
		if t.g.state != runbook.GroupOnline {
			return &psError{c, fmt.Sprintf("Couldn't mount the database that you specified. Specified database: %s\\%s\\%s; Error code: MapiExceptionNetworkError: Unable to make admin interface connection to server. (hr=0x80040115, ec=-2147221227)", t.g.name, t.db.sg, t.db.name)}
		}
		t.db.mounted, t.db.stuck = true, false
	}
	return nil
}

func (x *interp) where(c *psCall, in []psObj) ([]psObj, *psError) {
	var block string
	for _, a := range c.args {
		if a.kind == 'b' {
			block = a.text
		}
	}
	var out []psObj
	for _, o := range in {
		ok, err := whereFilter(block, o)
		if err != nil {
			return nil, &psError{c, err.Error()}
		}
		if ok {
			out = append(out, o)
		}
	}
	return out, nil
}
