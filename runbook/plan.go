package runbook

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// Plan is the numbered runbook for one window, with the preflight findings.
type Plan struct {
	Goal     Goal      `json:"goal"`
	Findings []Finding `json:"findings"`
	Steps    []Step    `json:"steps"`
}

// Digest fingerprints the steps (kinds, nodes, commands) so a resumed run
// can tell whether it still follows the same plan.
func (p *Plan) Digest() string {
	h := sha256.New()
	for _, s := range p.Steps {
		b, _ := json.Marshal([]any{s.ID, s.Kind, s.Node, s.Target, s.Commands, s.When})
		h.Write(b)
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// FillExec sets how each step runs where the record does not say (a plan
// recorded before steps carried it).
func (p *Plan) FillExec() {
	for i := range p.Steps {
		if p.Steps[i].Exec == "" {
			p.Steps[i].Exec = ExecFor(p.Steps[i].Kind)
		}
	}
}

// Step returns the step with the given ID, or nil.
func (p *Plan) Step(id string) *Step {
	for i := range p.Steps {
		if p.Steps[i].ID == id {
			return &p.Steps[i]
		}
	}
	return nil
}

// PlanError is a plan the rules of the procedure make impossible (no
// upgraded node free to take a CMS, for example). It comes with the finding
// that explains it.
type PlanError struct{ Finding Finding }

func (e *PlanError) Error() string { return e.Finding.Message }

// MakePlan builds the procedure of DESIGN section 5 for the cluster and the
// goal, with the findings of Check. The cluster is not modified. A blocking
// finding does not stop planning (the change board still sees the plan; the
// engine stops at preflight), except for goals that are never planned.
func MakePlan(c Cluster, o Options) (*Plan, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if o.MoveWait <= 0 {
		o.MoveWait = DefaultMoveWait
	}
	if o.Reboot == "" {
		o.Reboot = RebootIfRequired
	}
	p := &Plan{Goal: o.Goal, Findings: Check(&c, o)}
	if o.Goal == GoalWindows2008 {
		p.Steps = []Step{}
		return p, nil
	}
	pl := &planner{opts: o, state: c.Clone(), done: map[string]bool{}, origOwner: map[string]string{}}
	for _, g := range c.CMSs() {
		pl.origOwner[strings.ToUpper(g.Name)] = g.Owner
	}
	pl.add(Step{Kind: KindPreflight, Title: "Preflight: check the cluster is ready", Shell: ShellNone,
		Post: Post{Text: "no blocking finding: every node Up, the CMS Online, prerequisites met"}})
	var err error
	if o.Goal.IsServicePack() {
		err = pl.servicePack()
	} else {
		err = pl.install()
	}
	if err != nil {
		var pe *PlanError
		if asPlanError(err, &pe) {
			p.Findings = append(p.Findings, pe.Finding)
		} else {
			return nil, err
		}
	}
	pl.add(Step{Kind: KindVerify, Title: "Verify the end state of the window", Shell: ShellNone,
		Post: Post{Invariants: true, Text: pl.verifyText()}})
	for i := range pl.steps {
		s := &pl.steps[i]
		s.N = i + 1
		s.ID = stepID(s)
		if s.Why == "" {
			s.Why = Explain(s.Kind, o.Goal)
		}
	}
	p.Steps = pl.steps
	return p, nil
}

func asPlanError(err error, target **PlanError) bool {
	pe, ok := err.(*PlanError)
	if ok {
		*target = pe
	}
	return ok
}

func stepID(s *Step) string {
	subject := s.Node
	if s.CMS != "" {
		subject = s.CMS
	}
	if subject == "" {
		return fmt.Sprintf("s%02d-%s", s.N, s.Kind)
	}
	return fmt.Sprintf("s%02d-%s-%s", s.N, s.Kind, subject)
}

// planner plays the procedure forward on a copy of the cluster, so each
// step is chosen from the state the previous ones leave behind and every
// step passes the safety guards before it is added.
type planner struct {
	opts      Options
	state     Cluster
	steps     []Step
	done      map[string]bool   // nodes whose install is planned (or not needed)
	origOwner map[string]string // CMS -> node that owned it when the window began
}

func (pl *planner) add(s Step) {
	if s.Outage == "" {
		s.Outage = OutageNone
	}
	if s.Confirm == "" {
		s.Confirm = ConfirmKey
	}
	if s.Commands == nil {
		s.Commands = []string{}
	}
	s.Exec = ExecFor(s.Kind)
	if err := Guard(&pl.state, s, pl.opts, pl.origOwner); err != nil {
		// A guard firing here is a planner bug, never a user's fault.
		panic(fmt.Sprintf("planner produced an unsafe step %s %s: %v", s.Kind, s.Node, err))
	}
	Apply(&pl.state, s, pl.opts)
	pl.steps = append(pl.steps, s)
}

// upToDate reports a node that needs no install for this goal.
func (pl *planner) upToDate(n *Node) bool {
	switch {
	case pl.opts.Goal.IsServicePack():
		return n.Build.AtLeast(pl.opts.Goal.TargetBuild())
	case pl.opts.Goal == GoalRollup && !pl.opts.PackageBuild.IsZero():
		return n.Build.AtLeast(pl.opts.PackageBuild)
	}
	return pl.done[strings.ToUpper(n.Name)]
}

func (pl *planner) servicePack() error {
	target := pl.opts.Goal.TargetBuild()
	// 1. Passive nodes first, so the CMS moves only once.
	for _, name := range pl.nodeNames() {
		if !pl.state.IsActive(name) {
			pl.node(name)
		}
	}
	// 2. Each CMS: stop, move to an upgraded free node, /upgradecms.
	for _, g := range pl.state.CMSs() {
		cms := g.Name
		if pl.state.CMSBuild(pl.state.Group(cms)).AtLeast(target) {
			continue
		}
		t := pl.freeTarget(cms)
		if t == "" {
			// SCC with more CMSs than passive nodes: a node whose own CMS
			// is already upgraded is free now; upgrade it and use it.
			for _, name := range pl.nodeNames() {
				n := pl.state.Node(name)
				if !pl.upToDate(n) && len(pl.cmsOwnedBy(name)) == 0 && pl.cmsUpgradedFrom(name) {
					pl.node(name)
					if t = pl.freeTarget(cms); t != "" {
						break
					}
				}
			}
		}
		if t == "" {
			return &PlanError{Finding{Code: FindNoUpgradeTarget, Severity: Block, Node: g.Owner,
				Message: fmt.Sprintf("No upgraded node is free to take %s: every upgraded node already runs a CMS or is not Up.", cms),
				Remedy:  "A CMS can move only to a passive node. Add a passive node, or bring a Down or Paused node back, then plan again."}}
		}
		owner := pl.state.Group(cms).Owner
		label := pl.opts.Goal.Label()
		pl.add(Step{Kind: KindStopCMS, Node: owner, CMS: cms, Shell: ShellPowerShell,
			Title:    fmt.Sprintf("Stop %s (outage starts)", cms),
			Commands: []string{StopCMSCommand(cms, label+" upgrade")},
			Outage:   OutageStarts, Confirm: ConfirmTyped,
			Post: Post{CMS: cms, CMSState: GroupOffline, Text: cms + " is Offline"}})
		pl.add(Step{Kind: KindMoveCMS, Node: owner, CMS: cms, Target: t, Shell: ShellPowerShell,
			Title:    fmt.Sprintf("Move %s to %s", cms, t),
			Commands: []string{MoveCMSCommand(cms, t, label+" upgrade")},
			Outage:   OutageDuring,
			Post:     Post{CMS: cms, CMSOwner: t, Text: fmt.Sprintf("%s is owned by %s (still Offline)", cms, t)},
			Fallback: []string{MoveGroupCommand(cms, t, pl.opts.MoveWait)}, FallbackShell: ShellCmd,
			FallbackWarning: "Moving a CMS with the cluster tools skips Exchange's health checks and can leave databases offline or failed. Afterwards check " + CMSStatusCommand(cms) + " and mount any dismounted database."})
		pl.add(Step{Kind: KindUpgradeCMS, Node: t, CMS: cms, Shell: ShellCmd,
			Title:    fmt.Sprintf("Upgrade %s with Setup.com /upgradecms on %s (outage ends)", cms, t),
			Commands: []string{UpgradeCMSCommand(pl.opts.Media)},
			Outage:   OutageEnds,
			Post: Post{CMS: cms, CMSState: GroupOnline, CMSBuild: target.String(), CMSOwner: t,
				Text: fmt.Sprintf("Setup.com reports success; %s is Online on %s at %s", cms, t, Describe(target))}})
		pl.add(Step{Kind: KindStartCMS, Node: t, CMS: cms, Shell: ShellPowerShell, When: IfCMSNotOnline,
			Title:    fmt.Sprintf("Start %s if /upgradecms left it offline", cms),
			Commands: []string{StartCMSCommand(cms)},
			Outage:   OutageEnds,
			Post:     Post{CMS: cms, CMSState: GroupOnline, Text: cms + " is Online"}})
	}
	// 3. The old active nodes, only now that their CMS is upgraded.
	for _, name := range pl.nodeNames() {
		if err := pl.handoffIfNeeded(name); err != nil {
			return err
		}
		pl.node(name)
	}
	return nil
}

// install plans an update rollup or OS patch: passive nodes, one handoff
// per CMS to a patched node, then the old active nodes.
func (pl *planner) install() error {
	for _, name := range pl.nodeNames() {
		if !pl.state.IsActive(name) {
			pl.node(name)
		}
	}
	for _, g := range pl.state.CMSs() {
		cms := g.Name
		if pl.upToDate(pl.state.Node(g.Owner)) {
			continue
		}
		if err := pl.handoff(cms); err != nil {
			return err
		}
	}
	for _, name := range pl.nodeNames() {
		pl.node(name)
	}
	if pl.opts.MoveBack {
		for _, g := range pl.state.CMSs() {
			orig := pl.origOwner[strings.ToUpper(g.Name)]
			if !strings.EqualFold(orig, g.Owner) && len(pl.cmsOwnedBy(orig)) == 0 {
				pl.addMove(g.Name, orig, "move back after "+pl.opts.Goal.Label())
			}
		}
	}
	return nil
}

// handoffIfNeeded moves a CMS that is already upgraded off a node that still
// needs its own upgrade (Setup must never run on a node owning a CMS).
func (pl *planner) handoffIfNeeded(name string) error {
	if pl.upToDate(pl.state.Node(name)) {
		return nil
	}
	for _, cms := range pl.cmsOwnedBy(name) {
		if err := pl.handoff(cms); err != nil {
			return err
		}
	}
	return nil
}

func (pl *planner) handoff(cms string) error {
	t := pl.freeTarget(cms)
	if t == "" {
		g := pl.state.Group(cms)
		return &PlanError{Finding{Code: FindNoUpgradeTarget, Severity: Block, Node: g.Owner,
			Message: fmt.Sprintf("No updated node is free to take %s: every updated node already runs a CMS or is not Up.", cms),
			Remedy:  "A CMS can move only to a passive node. Add a passive node, or bring a Down or Paused node back, then plan again."}}
	}
	pl.addMove(cms, t, pl.opts.Goal.Label())
	return nil
}

// addMove is a handoff of a running CMS: a brief outage, typed confirmation.
func (pl *planner) addMove(cms, target, comment string) {
	owner := pl.state.Group(cms).Owner
	pl.add(Step{Kind: KindMoveCMS, Node: owner, CMS: cms, Target: target, Shell: ShellPowerShell,
		Title:    fmt.Sprintf("Hand %s over to %s (brief outage)", cms, target),
		Commands: []string{MoveCMSCommand(cms, target, comment)},
		Outage:   OutageBrief, Confirm: ConfirmTyped,
		Post:     Post{CMS: cms, CMSOwner: target, CMSState: GroupOnline, Text: fmt.Sprintf("%s is Online on %s", cms, target)},
		Fallback: []string{MoveGroupCommand(cms, target, pl.opts.MoveWait)}, FallbackShell: ShellCmd,
		FallbackWarning: "Moving a CMS with the cluster tools skips Exchange's health checks and can leave databases offline or failed. Afterwards check " + CMSStatusCommand(cms) + " and mount any dismounted database."})
}

// node plans one node's maintenance: pause, move its groups off, install,
// reboot, resume. A node already up to date gets only a resume if paused.
func (pl *planner) node(name string) {
	key := strings.ToUpper(name)
	n := pl.state.Node(name)
	if pl.done[key] || pl.upToDate(n) {
		if n.State == NodePaused {
			pl.add(Step{Kind: KindResumeNode, Node: n.Name, Shell: ShellCmd,
				Title:    fmt.Sprintf("Resume %s (left Paused)", n.Name),
				Commands: []string{ResumeNodeCommand(n.Name)},
				Post:     Post{NodeState: NodeUp, Text: n.Name + " shows Up"}})
		}
		pl.done[key] = true
		return
	}
	pl.done[key] = true
	if n.State != NodePaused {
		pl.add(Step{Kind: KindPauseNode, Node: n.Name, Shell: ShellCmd,
			Title:    "Pause " + n.Name,
			Commands: []string{PauseNodeCommand(n.Name)},
			Post:     Post{NodeState: NodePaused, Text: n.Name + " shows Paused"}})
	}
	pl.moveGroups(n.Name)
	pl.installStep(n)
	when := Always
	if !pl.opts.Goal.IsServicePack() && pl.opts.Reboot != RebootAlways {
		when = IfRebootRequired
	}
	pl.add(Step{Kind: KindRebootNode, Node: n.Name, Shell: ShellCmd, When: when,
		Title:    "Reboot " + n.Name,
		Commands: []string{RebootCommand(fmt.Sprintf("cmsrunbook: %s on %s", pl.opts.Goal.Label(), n.Name))},
		Post:     Post{BootChanged: true, Text: n.Name + " restarted (boot time changed) and its Cluster service answers"}})
	pl.add(Step{Kind: KindResumeNode, Node: n.Name, Shell: ShellCmd,
		Title:    "Resume " + n.Name,
		Commands: []string{ResumeNodeCommand(n.Name)},
		Post:     Post{NodeState: NodeUp, Text: n.Name + " shows Up (a pause survives the reboot)"}})
}

func (pl *planner) moveGroups(name string) {
	var groups, cmds []string
	target := pl.groupTarget(name)
	for _, g := range pl.state.Owned(name) {
		if g.CMS {
			continue
		}
		groups = append(groups, g.Name)
		cmds = append(cmds, MoveGroupCommand(g.Name, target, pl.opts.MoveWait))
	}
	if len(groups) == 0 {
		pl.add(Step{Kind: KindMoveGroups, Node: name, Shell: ShellCmd,
			Title:    fmt.Sprintf("Check that %s owns no groups", name),
			Commands: []string{GroupStatusCommand()},
			Post:     Post{OwnsNoGroups: true, Text: name + " owns no group"}})
		return
	}
	pl.add(Step{Kind: KindMoveGroups, Node: name, Target: target, Groups: groups, Shell: ShellCmd,
		Title:    fmt.Sprintf("Move %s off %s to %s", quoteList(groups), name, target),
		Commands: cmds,
		Post:     Post{OwnsNoGroups: true, GroupsOnline: groups, Text: fmt.Sprintf("%s owns no group; %s Online on %s", name, quoteList(groups), target)},
		Fallback: cmds, FallbackShell: ShellCmd})
}

func (pl *planner) installStep(n *Node) {
	switch {
	case pl.opts.Goal.IsServicePack():
		t := pl.opts.Goal.TargetBuild()
		pl.add(Step{Kind: KindSetupUpgrade, Node: n.Name, Shell: ShellCmd,
			Title:    fmt.Sprintf("Upgrade %s to %s with Setup.com /mode:upgrade", n.Name, spName(t.ServicePack())),
			Commands: []string{SetupUpgradeCommand(pl.opts.Media)},
			Post:     Post{NodeBuild: t.String(), Text: fmt.Sprintf("Setup.com reports success with no FAILED step; %s runs %s", n.Name, Describe(t))}})
	case pl.opts.Goal == GoalRollup:
		post := Post{ExitCodes: []int{0, 3010, 1641}, BuildChanged: true, Text: fmt.Sprintf("msiexec exits 0, 3010 or 1641; %s's build went up", n.Name)}
		if !pl.opts.PackageBuild.IsZero() {
			post = Post{ExitCodes: []int{0, 3010, 1641}, NodeBuild: pl.opts.PackageBuild.String(), Text: fmt.Sprintf("msiexec exits 0, 3010 or 1641; %s runs %s", n.Name, Describe(pl.opts.PackageBuild))}
		}
		pl.add(Step{Kind: KindInstallRollup, Node: n.Name, Shell: ShellCmd,
			Title:    "Install the update rollup on " + n.Name,
			Commands: []string{InstallRollupCommand(pl.opts.Package)},
			Post:     post})
	default:
		pl.add(Step{Kind: KindInstallPatch, Node: n.Name, Shell: ShellCmd,
			Title:    "Install the update on " + n.Name,
			Commands: []string{InstallPatchCommand(pl.opts.Package)},
			Post:     Post{ExitCodes: []int{0, 3010}, Text: "the installer exits 0 or 3010"}})
	}
}

// groupTarget picks where a node's groups go: a node that is Up (not
// Paused), preferring one that runs a CMS, so a passive node stays truly
// passive for the install that follows.
func (pl *planner) groupTarget(from string) string {
	var fallback string
	for _, name := range pl.nodeNames() {
		n := pl.state.Node(name)
		if strings.EqualFold(name, from) || n.State != NodeUp {
			continue
		}
		if pl.state.IsActive(name) {
			return n.Name
		}
		if fallback == "" {
			fallback = n.Name
		}
	}
	return fallback
}

// freeTarget picks the node a CMS may move to: Up, done (upgraded or
// patched), running no CMS, not its owner.
func (pl *planner) freeTarget(cms string) string {
	owner := pl.state.Group(cms).Owner
	for _, name := range pl.nodeNames() {
		n := pl.state.Node(name)
		if strings.EqualFold(name, owner) || n.State != NodeUp || len(pl.cmsOwnedBy(name)) > 0 {
			continue
		}
		if pl.upToDate(n) || pl.done[strings.ToUpper(name)] {
			return n.Name
		}
	}
	return ""
}

func (pl *planner) cmsOwnedBy(node string) []string {
	var out []string
	for _, g := range pl.state.CMSs() {
		if strings.EqualFold(g.Owner, node) {
			out = append(out, g.Name)
		}
	}
	return out
}

// cmsUpgradedFrom reports that every CMS this node owned at the start has
// been upgraded, so the node may now be upgraded itself.
func (pl *planner) cmsUpgradedFrom(node string) bool {
	for cms, owner := range pl.origOwner {
		if strings.EqualFold(owner, node) && !pl.state.CMSBuild(pl.state.Group(cms)).AtLeast(pl.opts.Goal.TargetBuild()) {
			return false
		}
	}
	return true
}

func (pl *planner) nodeNames() []string {
	out := make([]string, len(pl.state.Nodes))
	for i, n := range pl.state.Nodes {
		out[i] = n.Name
	}
	return out
}

func (pl *planner) verifyText() string {
	parts := []string{"every node Up (none left Paused)"}
	switch {
	case pl.opts.Goal.IsServicePack():
		parts = append(parts, "every node and CMS on "+Describe(pl.opts.Goal.TargetBuild()))
	case pl.opts.Goal == GoalRollup && !pl.opts.PackageBuild.IsZero():
		parts = append(parts, "every node on "+Describe(pl.opts.PackageBuild))
	}
	parts = append(parts, "every CMS Online", "no Failed group")
	if pl.state.Type == CCR {
		parts = append(parts, "replication Healthy")
	}
	return strings.Join(parts, ", ")
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	return strings.Join(q, ", ")
}
