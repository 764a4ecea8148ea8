package runbook

import (
	"fmt"
	"slices"
	"strings"
)

// planViolations holds a plan to the planner's contract and returns what
// breaks it. On every plan: each outage opened is closed (a stop-cms is
// followed by the move and the /upgradecms of the same CMS, nothing else in
// between), each CMS moves at most once in a service pack (passive nodes
// first) and once more only to move back, and every node the plan pauses
// it resumes. On a plan with no blocking finding, it also replays the
// steps on a copy of the cluster with Apply and checks the safety rules of
// DESIGN section 11 at each step and the end state of section 5.
func planViolations(c Cluster, o Options, p *Plan) []string {
	if o.Goal == GoalWindows2008 {
		if len(p.Steps) != 0 || !Blocking(p.Findings) {
			return []string{"windows-2008 was planned"}
		}
		return nil
	}
	v := append(structureViolations(o, p), passiveFirst(c, o, p)...)
	if !Blocking(p.Findings) {
		v = append(v, replayViolations(c, o, p)...)
	}
	return v
}

func structureViolations(o Options, p *Plan) []string {
	var v []string
	if len(p.Steps) < 2 || p.Steps[0].Kind != KindPreflight || p.Steps[len(p.Steps)-1].Kind != KindVerify {
		v = append(v, "the plan does not run from preflight to verify")
	}
	moves := map[string]int{}
	for i, s := range p.Steps {
		if s.N != i+1 || s.ID == "" || s.Why == "" || s.Post.Text == "" {
			v = append(v, fmt.Sprintf("step %d (%s) is not numbered, named or explained", i+1, s.Kind))
		}
		if (s.Outage == OutageStarts || s.Outage == OutageBrief) && s.Confirm != ConfirmTyped {
			v = append(v, fmt.Sprintf("step %d takes %s down on a keypress, not by typing its name", s.N, s.CMS))
		}
		switch s.Kind {
		case KindStopCMS:
			v = append(v, outageClosed(p.Steps, i)...)
		case KindMoveCMS:
			moves[strings.ToUpper(s.CMS)]++
			if s.Outage == OutageDuring || s.Outage == OutageStarts {
				v = append(v, outageClosed(p.Steps, i)...)
			}
		case KindPauseNode:
			if !resumedAfter(p.Steps, i) {
				v = append(v, fmt.Sprintf("step %d pauses %s and nothing resumes it", s.N, s.Node))
			}
		}
	}
	most := 1
	if !o.Goal.IsServicePack() && o.MoveBack {
		most = 2
	}
	for cms, m := range moves {
		if m > most {
			v = append(v, fmt.Sprintf("%s moves %d times", cms, m))
		}
	}
	return v
}

// passiveFirst: every node that runs no CMS when the window starts and
// needs the install gets it before the first CMS moves, so the CMS moves
// only once.
func passiveFirst(c Cluster, o Options, p *Plan) []string {
	first := slices.IndexFunc(p.Steps, func(s Step) bool { return s.Kind == KindMoveCMS })
	if first < 0 {
		return nil
	}
	r := &replayState{c: c, o: o}
	var v []string
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if c.IsActive(n.Name) || r.upgraded(n) && o.Goal != GoalOSPatch {
			continue
		}
		if !slices.ContainsFunc(p.Steps[:first], func(s Step) bool { return s.Kind.Detached() && s.Kind != KindUpgradeCMS && s.Node == n.Name }) {
			v = append(v, fmt.Sprintf("the passive node %s is not done before the first CMS move (step %d)", n.Name, first+1))
		}
	}
	return v
}

// outageClosed checks that the CMS taken down (or moved while down) at
// step i comes back: the next steps on it are at most one move and then
// its /upgradecms, with no other step in between.
func outageClosed(steps []Step, i int) []string {
	s := steps[i]
	moved := s.Kind == KindMoveCMS
	for _, t := range steps[i+1:] {
		switch {
		case t.Kind == KindMoveCMS && strings.EqualFold(t.CMS, s.CMS) && !moved:
			moved = true
			if t.Outage != OutageDuring {
				return []string{fmt.Sprintf("step %d moves %s after its stop but says the outage is %q, not during", t.N, t.CMS, t.Outage)}
			}
		case t.Kind == KindUpgradeCMS && strings.EqualFold(t.CMS, s.CMS):
			return nil
		default:
			return []string{fmt.Sprintf("step %d takes %s down and step %d (%s %s) comes before its /upgradecms", s.N, s.CMS, t.N, t.Kind, t.Node)}
		}
	}
	return []string{fmt.Sprintf("step %d takes %s down and no /upgradecms follows: an outage the plan never closes", s.N, s.CMS)}
}

func resumedAfter(steps []Step, i int) bool {
	for _, t := range steps[i+1:] {
		if t.Kind == KindResumeNode && strings.EqualFold(t.Node, steps[i].Node) {
			return true
		}
	}
	return false
}

// replayState is the cluster as the plan leaves it after each step, with
// what Apply does not track: a restart clears a pending reboot, a Setup
// clears an earlier Setup's watermark, and which nodes are patched.
type replayState struct {
	c       Cluster
	o       Options
	orig    map[string]string
	patched map[string]bool
}

func (r *replayState) upgraded(n *Node) bool {
	switch {
	case r.o.Goal.IsServicePack():
		return n.Build.AtLeast(r.o.Goal.TargetBuild()) && !n.SetupIncomplete
	case r.o.Goal == GoalRollup && !r.o.PackageBuild.IsZero():
		return n.Build.AtLeast(r.o.PackageBuild)
	}
	return r.patched[strings.ToUpper(n.Name)]
}

func (r *replayState) cmsUpgraded(g *Group) bool {
	return r.c.CMSBuild(g).AtLeast(r.o.Goal.TargetBuild())
}

func replayViolations(c Cluster, o Options, p *Plan) []string {
	r := &replayState{c: c.Clone(), o: o, orig: map[string]string{}, patched: map[string]bool{}}
	for _, g := range c.CMSs() {
		r.orig[strings.ToUpper(g.Name)] = g.Owner
	}
	var v []string
	for _, s := range p.Steps {
		if s.When == IfCMSNotOnline {
			continue // /upgradecms brings the CMS online in the normal case
		}
		if err := Guard(&r.c, s, o, r.orig); err != nil {
			v = append(v, fmt.Sprintf("step %d %s refused by the guards: %v", s.N, s.ID, err))
		}
		for _, e := range r.stepViolations(s) {
			v = append(v, fmt.Sprintf("step %d %s: %s", s.N, s.ID, e))
		}
		Apply(&r.c, s, o)
		if n := r.c.Node(s.Node); n != nil {
			switch {
			case s.Kind == KindRebootNode && s.When == Always:
				n.Pending = false
			case s.Kind == KindSetupUpgrade:
				n.SetupIncomplete = false
			}
			if s.Kind.Detached() && s.Kind != KindUpgradeCMS {
				r.patched[strings.ToUpper(n.Name)] = true
			}
		}
	}
	return append(v, r.endViolations()...)
}

// stepViolations checks one step against the state it runs in.
func (r *replayState) stepViolations(s Step) []string {
	var v []string
	switch s.Kind {
	case KindSetupUpgrade, KindInstallRollup, KindInstallPatch:
		n := r.c.Node(s.Node)
		if r.c.IsActive(s.Node) {
			v = append(v, "installs on a node that owns a CMS")
		}
		if n.Pending {
			v = append(v, "installs on a node with a restart pending")
		}
		if s.Kind == KindSetupUpgrade {
			v = append(v, r.upgradeCMSFirst(s.Node)...)
		}
	case KindPauseNode:
		up := 0
		for _, n := range r.c.Nodes {
			if n.State == NodeUp && !strings.EqualFold(n.Name, s.Node) {
				up++
			}
		}
		if up == 0 {
			v = append(v, "pauses the last Up node")
		}
	case KindMoveCMS:
		v = append(v, r.targetViolations(r.c.Group(s.CMS), s.Target)...)
	case KindUpgradeCMS:
		if n := r.c.Node(s.Node); n.State != NodeUp || !r.upgraded(n) {
			v = append(v, fmt.Sprintf("/upgradecms on %s, which is %s on %s (Setup incomplete: %v)", s.Node, n.State, n.Build, n.SetupIncomplete))
		}
	}
	return v
}

// upgradeCMSFirst is the SiliconExus rule: no node is upgraded while a CMS
// it ran at the start is not /upgradecms'd, nor while a CMS waits for its
// /upgradecms on a node that is already upgraded.
func (r *replayState) upgradeCMSFirst(node string) []string {
	var v []string
	for _, g := range r.c.CMSs() {
		if r.cmsUpgraded(g) {
			continue
		}
		if strings.EqualFold(r.orig[strings.ToUpper(g.Name)], node) {
			v = append(v, fmt.Sprintf("upgrades %s, the old active node of %s, before its /upgradecms", node, g.Name))
		}
		if r.upgraded(r.c.Node(g.Owner)) {
			v = append(v, fmt.Sprintf("upgrades %s while %s waits for /upgradecms on %s", node, g.Name, g.Owner))
		}
	}
	return v
}

// targetViolations checks a CMS move's target: Up, upgraded (for a
// service pack: the target build with Setup complete and no restart
// pending, or /upgradecms will not run), a possible owner, running no
// other CMS.
func (r *replayState) targetViolations(g *Group, target string) []string {
	t := r.c.Node(target)
	switch {
	case t == nil:
		return []string{"moves " + g.Name + " to a stranger"}
	case strings.EqualFold(g.Owner, t.Name):
		return []string{"moves " + g.Name + " to the node that owns it"}
	case t.State != NodeUp:
		return []string{fmt.Sprintf("moves %s to %s, which is %s", g.Name, t.Name, t.State)}
	case !r.upgraded(t):
		return []string{fmt.Sprintf("moves %s to %s, not upgraded (%s, Setup incomplete %v)", g.Name, t.Name, t.Build, t.SetupIncomplete)}
	case r.o.Goal.IsServicePack() && t.Pending:
		return []string{fmt.Sprintf("moves %s to %s, which has a restart pending", g.Name, t.Name)}
	case !g.MayRunOn(t.Name):
		return []string{fmt.Sprintf("moves %s to %s, not a possible owner", g.Name, t.Name)}
	}
	for _, other := range r.c.CMSs() {
		if other != g && strings.EqualFold(other.Owner, t.Name) {
			return []string{fmt.Sprintf("moves %s to %s, which runs %s", g.Name, t.Name, other.Name)}
		}
	}
	return nil
}

// endViolations is the end state of DESIGN section 5.
func (r *replayState) endViolations() []string {
	var v []string
	for i := range r.c.Nodes {
		n := &r.c.Nodes[i]
		if n.State != NodeUp {
			v = append(v, fmt.Sprintf("end: %s is %s", n.Name, n.State))
		}
		if !r.upgraded(n) {
			v = append(v, fmt.Sprintf("end: %s is not upgraded (%s, Setup incomplete %v)", n.Name, n.Build, n.SetupIncomplete))
		}
	}
	for _, g := range r.c.CMSs() {
		if g.State != GroupOnline {
			v = append(v, fmt.Sprintf("end: %s is %s", g.Name, g.State))
		}
		if r.o.Goal.IsServicePack() && !r.cmsUpgraded(g) {
			v = append(v, fmt.Sprintf("end: %s is on %s", g.Name, r.c.CMSBuild(g)))
		}
	}
	return v
}

func describeCase(c Cluster, o Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "goal %s media %q package %q (%s) move-back %v; %s %s, quorum %+v, replication %+v\n", o.Goal, o.Media, o.Package, o.PackageBuild, o.MoveBack, c.Type, c.OS, c.Quorum, c.Replication)
	for _, n := range c.Nodes {
		fmt.Fprintf(&b, "  node %s %s %s pending=%v incomplete=%v\n", n.Name, n.State, n.Build, n.Pending, n.SetupIncomplete)
	}
	for _, g := range c.Groups {
		fmt.Fprintf(&b, "  group %q on %s %s cms=%v build=%s owners=%v\n", g.Name, g.Owner, g.State, g.CMS, g.Build, g.PossibleOwners)
	}
	return b.String()
}

func planLines(p *Plan) string {
	var b strings.Builder
	for _, f := range p.Findings {
		if f.Severity == Block {
			fmt.Fprintf(&b, "  BLOCK %s %s: %s\n", f.Code, f.Node, f.Message)
		}
	}
	for _, s := range p.Steps {
		fmt.Fprintf(&b, "  %2d %s %s %s %s\n", s.N, s.Kind, s.Node, s.CMS, s.Target)
	}
	return b.String()
}
