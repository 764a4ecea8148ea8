package runbook

import "strings"

// While a CMS is down after its stop, every failure offers the way back
// that fits (DESIGN section 11): users first, the window later.

// WayBack is how users get their mailboxes back while cms is down: start
// it where it is when its owner runs the build the CMS is on, or move it
// back to origOwner (the node it came from, still on that build) and
// start it there, as when /upgradecms failed on the new node. Nil when
// the CMS is not down or no node can run it now (then a person must act:
// the diagnosis says so).
func WayBack(c *Cluster, cms, origOwner string) *Remedy {
	g := c.Group(cms)
	if g == nil || g.State == GroupOnline || g.State == GroupPartiallyOnline {
		return nil
	}
	build := c.CMSBuild(g)
	if n := c.Node(g.Owner); n != nil && n.State == NodeUp && n.Build.ServicePack() == build.ServicePack() && n.Build.Major == build.Major {
		return &Remedy{Action: RemedyStartCMS, Key: "b",
			Label:    say("Bring users back: start %s on %s, where it is", cms, n.Name),
			Command:  StartCMSCommand(cms),
			Commands: []string{StartCMSCommand(cms)}, Node: n.Name, Shell: ShellPowerShell}
	}
	if o := c.Node(origOwner); o != nil && !strings.EqualFold(o.Name, g.Owner) && o.State == NodeUp &&
		o.Build.ServicePack() == build.ServicePack() && o.Build.Major == build.Major && g.MayRunOn(o.Name) {
		cmds := []string{MoveCMSCommand(cms, o.Name, "cmsrunbook: way back after a failure"), StartCMSCommand(cms)}
		return &Remedy{Action: RemedyMoveBack, Key: "b",
			Label:    say("Bring users back: move %s back to %s (still on %s) and start it there", cms, o.Name, Describe(build)),
			Command:  strings.Join(cmds, " ; "),
			Commands: cmds, Node: g.Owner, Shell: ShellPowerShell}
	}
	return nil
}

// RemedyStep is a remedy that sends commands, shaped as a step so it is
// shown and confirmed like one: its exact commands, on its node, with the
// CMS name typed when it acts on a CMS.
func RemedyStep(s Step, r Remedy) Step {
	rs := Step{N: s.N, ID: s.ID, Kind: s.Kind, Node: r.Node, Title: r.Label, Shell: r.Shell,
		Commands: r.Commands, Outage: s.Outage, Confirm: ConfirmKey, CMS: s.CMS, Target: s.Target,
		Post: s.Post, Exec: ExecCommands, Why: r.Warning}
	if rs.Node == "" {
		rs.Node = s.Node
	}
	if rs.Shell == "" {
		rs.Shell = s.Shell
	}
	if s.CMS != "" {
		rs.Confirm = ConfirmTyped
	}
	if rs.Why == "" {
		rs.Why = say("A remedy after a failure: it changes the cluster, so it is confirmed like a step and recorded with who chose it.")
	}
	return rs
}

// DownCMSs lists the clustered mailbox servers that are down: not Online,
// and not Partially Online either (that one runs, with databases to
// mount: the dismounted diagnosis and its mount remedy are its way back).
func DownCMSs(c *Cluster) []string {
	var out []string
	for _, g := range c.CMSs() {
		if g.State != GroupOnline && g.State != GroupPartiallyOnline {
			out = append(out, g.Name)
		}
	}
	return out
}
