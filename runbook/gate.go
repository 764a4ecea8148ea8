package runbook

import "strings"

// DiagHandoffNotReady is the gate before an outage refusing to take a CMS
// down: something on the handoff path would fail after the stop.
const DiagHandoffNotReady = "handoff-not-ready"

// OpensOutage reports a step that takes users off their mailboxes: the
// stop of a CMS, or the online handoff of a rollup or patch.
func OpensOutage(s Step) bool { return s.Outage == OutageStarts || s.Outage == OutageBrief }

// HandoffTarget is where the CMS of an outage-opening step is to go: the
// handoff's own target, or for a stop the target of the first move of
// that CMS after it in the plan; with no move planned (the CMS is upgraded
// where it is) its current owner, from the cluster.
func HandoffTarget(steps []Step, s Step, c *Cluster) string {
	if s.Kind == KindMoveCMS {
		return s.Target
	}
	after := false
	for _, t := range steps {
		if t.ID == s.ID {
			after = true
			continue
		}
		if after && t.Kind == KindMoveCMS && strings.EqualFold(t.CMS, s.CMS) {
			return t.Target
		}
	}
	if g := c.Group(s.CMS); g != nil {
		return g.Owner
	}
	return ""
}

// HandoffBlockers lists, in words an engineer acts on, what on the handoff
// path of cms to target would fail once users are off: the target node
// (Up, not paused, upgraded with Setup complete, no restart pending, a
// possible owner, running no other CMS), CCR replication, and quorum. It
// is checked on live state right before the command that opens the
// outage, so a stop is refused while the CMS still runs. Empty: the path
// holds.
func HandoffBlockers(c *Cluster, cms, target string, o Options) []string {
	var out []string
	g := c.Group(cms)
	if g == nil {
		return []string{say("%s is not a clustered mailbox server of %s", cms, c.Name)}
	}
	t := c.Node(target)
	if t == nil {
		return []string{say("%q is not a node of %s", target, c.Name)}
	}
	out = append(out, targetBlockers(c, g, t, o)...)
	if c.Type == CCR {
		r := c.Replication
		if !r.Healthy || r.CopyQueue > NearZeroQueue || r.ReplayQueue > NearZeroQueue {
			out = append(out, say("replication is not healthy (copy queue %d, replay queue %d): Exchange refuses the move until the copy is Healthy and the queues are near zero; check with %s",
				r.CopyQueue, r.ReplayQueue, CopyStatusCommand(cms)))
		}
	}
	if why := c.QuorumLostWithout(t.Name); why != "" {
		out = append(out, say("quorum: %s", why))
	}
	return out
}

// targetBlockers is what about the target node itself would fail the
// handoff.
func targetBlockers(c *Cluster, g *Group, t *Node, o Options) []string {
	var out []string
	if t.State != NodeUp {
		out = append(out, say("%s is %s: a CMS can only go to a node that is Up (resume it with %s)", t.Name, t.State.Display(), ResumeNodeCommand(t.Name)))
	}
	want := Build{}
	switch {
	case o.Goal.IsServicePack():
		want = o.Goal.TargetBuild()
	case o.Goal == GoalRollup:
		want = o.PackageBuild
	}
	if !want.IsZero() && !t.Build.AtLeast(want) {
		out = append(out, say("%s runs %s, not yet %s: upgrade it first (Setup.com /mode:upgrade, reboot, resume)", t.Name, Describe(t.Build), Describe(want)))
	}
	if t.SetupIncomplete {
		out = append(out, say("Setup left its watermark on %s (new binaries, not configured): run Setup.com /mode:upgrade on it again and reboot it first", t.Name))
	}
	if t.Pending && o.Goal.IsServicePack() {
		out = append(out, say("%s has a restart pending: Setup.com /upgradecms refuses to start there until it is restarted", t.Name))
	}
	if !g.MayRunOn(t.Name) {
		out = append(out, say("%s is not a possible owner of %s (possible owners: %s)", t.Name, g.Name, strings.Join(g.PossibleOwners, ", ")))
	}
	for _, other := range c.CMSs() {
		if strings.EqualFold(other.Owner, t.Name) && !strings.EqualFold(other.Name, g.Name) {
			out = append(out, say("%s already runs the CMS %s; a CMS needs a passive node", t.Name, other.Name))
		}
	}
	return out
}

// gateDiagnosis refuses to open the outage: nothing was sent, the CMS
// still runs.
func gateDiagnosis(s Step, blockers []string) Diagnosis {
	msg := say("Refused to stop %s: %s.", s.CMS, sayList(blockers))
	if s.Kind == KindMoveCMS {
		msg = say("Refused to hand %s over: %s.", s.CMS, sayList(blockers))
	}
	check := ""
	for _, b := range blockers {
		if strings.HasPrefix(b, "replication") {
			check = CopyStatusCommand(s.CMS) // the queues are what to watch
		}
	}
	return Diagnosis{Code: DiagHandoffNotReady,
		Message: msg,
		Why:     say("Nothing was sent: %s still runs and users are not affected. Taking it down now would leave it down, because the move or /upgradecms that must follow would fail. Fix what is listed, then re-check.", s.CMS),
		Lines:   blockers,
		Remedies: []Remedy{{Action: RemedyRetry, Key: "r", Label: say("Re-check the handoff path (after fixing it) and go on if it holds"), Command: check},
			{Action: RemedyAbort, Key: "a", Label: say("Stop the window here; the CMS keeps running (the journal keeps the place for resume)")}}}
}
