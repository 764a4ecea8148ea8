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
//
// The plan starts from the cluster as it is, so a window that was
// interrupted or aborted is planned on from where it stopped: a paused CMS
// owner is resumed first, a CMS already on an upgraded node gets its
// /upgradecms, a node whose Setup was left unfinished runs Setup again, and
// a node with a restart pending is restarted before anything installs on
// it. What the procedure cannot do from here (no node may take a CMS, no
// node may take a node's groups) ends the plan with a blocking finding; it
// never opens an outage it has not planned to close.
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
	pl := newPlanner(c, o)
	pl.add(Step{Kind: KindPreflight, Title: say("Preflight: check the cluster is ready"), Shell: ShellNone,
		Post: Post{Text: say("no blocking finding: every node Up, the CMS Online, prerequisites met")}})
	if err := pl.run(); err != nil {
		var pe *PlanError
		if !asPlanError(err, &pe) {
			return nil, err
		}
		p.Findings = append(p.Findings, pe.Finding)
	}
	pl.add(Step{Kind: KindVerify, Title: say("Verify the end state of the window"), Shell: ShellNone,
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

// newPlanner copies the cluster to play the plan on. A node that is Down
// or Joining blocks the window (node-down, bring it back first); the plan
// shows the procedure as it will run once the node is back, so the copy
// counts it as Up.
func newPlanner(c Cluster, o Options) *planner {
	pl := &planner{opts: o, state: c.Clone(), done: map[string]bool{}, origOwner: map[string]string{}}
	for i := range pl.state.Nodes {
		if n := &pl.state.Nodes[i]; n.State == NodeDown || n.State == NodeJoining {
			n.State = NodeUp
		}
	}
	for _, g := range c.CMSs() {
		pl.origOwner[strings.ToUpper(g.Name)] = g.Owner
	}
	return pl
}

// run plans everything between preflight and verify.
func (pl *planner) run() error {
	pl.resumeActive()
	pl.startUpgradedCMSs()
	if pl.opts.Goal.IsServicePack() {
		return pl.servicePack()
	}
	return pl.install()
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
		// A guard firing here is a planner bug, never a user's fault: the
		// planner checks every condition the guards hold it to before it
		// chooses a step (FuzzPlan holds it to that over random clusters).
		panic(fmt.Sprintf("planner produced an unsafe step %s %s: %v", s.Kind, s.Node, err))
	}
	Apply(&pl.state, s, pl.opts)
	pl.settle(s)
	pl.steps = append(pl.steps, s)
}

// settle records what a step does to the planner's copy beyond Apply: a
// restart clears a pending reboot, and a Setup that completes clears the
// watermark an earlier one left.
func (pl *planner) settle(s Step) {
	n := pl.state.Node(s.Node)
	if n == nil {
		return
	}
	switch s.Kind {
	case KindRebootNode:
		n.Pending = false
	case KindSetupUpgrade:
		n.Pending = false
		n.SetupIncomplete = false
	}
}

// upToDate reports a node that needs no install for this goal. For a
// service pack that is the target build with Setup complete: a node whose
// Setup left its watermark may show the new build without being upgraded.
func (pl *planner) upToDate(n *Node) bool {
	switch {
	case pl.opts.Goal.IsServicePack():
		return n.Build.AtLeast(pl.opts.Goal.TargetBuild()) && !n.SetupIncomplete
	case pl.opts.Goal == GoalRollup && !pl.opts.PackageBuild.IsZero():
		return n.Build.AtLeast(pl.opts.PackageBuild)
	}
	return pl.done[strings.ToUpper(n.Name)]
}

// cmsUpgraded reports a CMS that needs no /upgradecms.
func (pl *planner) cmsUpgraded(g *Group) bool {
	return pl.state.CMSBuild(g).AtLeast(pl.opts.Goal.TargetBuild())
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
		if strings.EqualFold(owner, node) && !pl.cmsUpgraded(pl.state.Group(cms)) {
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
	var text string
	switch {
	case pl.opts.Goal.IsServicePack():
		text = say("every node Up (none left Paused), every node and CMS on %s, every CMS Online, no Failed group", Describe(pl.opts.Goal.TargetBuild()))
	case pl.opts.Goal == GoalRollup && !pl.opts.PackageBuild.IsZero():
		text = say("every node Up (none left Paused), every node on %s, every CMS Online, no Failed group", Describe(pl.opts.PackageBuild))
	default:
		text = say("every node Up (none left Paused), every CMS Online, no Failed group")
	}
	if pl.state.Type == CCR {
		text = say("%s, replication Healthy", text)
	}
	return text
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = `"` + n + `"`
	}
	return strings.Join(q, ", ")
}
