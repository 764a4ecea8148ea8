package runbook

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
)

// replay plays a plan forward from the cluster with the guards on, as the
// engine will, and returns the end state.
func replay(t *testing.T, c Cluster, o Options, p *Plan) Cluster {
	t.Helper()
	st := c.Clone()
	orig := map[string]string{}
	for _, g := range c.CMSs() {
		orig[strings.ToUpper(g.Name)] = g.Owner
	}
	for _, s := range p.Steps {
		if s.When == IfCMSNotOnline {
			continue // /upgradecms brings the CMS online in the normal case
		}
		if err := Guard(&st, s, o, orig); err != nil {
			t.Fatalf("step %d %s refused by the guards: %v", s.N, s.ID, err)
		}
		Apply(&st, s, o)
	}
	return st
}

func kindsOn(p *Plan, node string) []StepKind {
	var out []StepKind
	for _, s := range p.Steps {
		if s.Node == node && s.CMS == "" {
			out = append(out, s.Kind)
		}
	}
	return out
}

func indexOf(p *Plan, kind StepKind, node string) int {
	for i, s := range p.Steps {
		if s.Kind == kind && (node == "" || s.Node == node) {
			return i
		}
	}
	return -1
}

func TestCCRServicePackOrder(t *testing.T) {
	c := ccr()
	p, err := MakePlan(c, sp2())
	if err != nil {
		t.Fatal(err)
	}
	want := []StepKind{KindPauseNode, KindMoveGroups, KindSetupUpgrade, KindRebootNode, KindResumeNode}
	if got := kindsOn(p, "EXNODE02"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("passive node steps %v, want %v", got, want)
	}
	if got := kindsOn(p, "EXNODE01"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("active node steps %v, want %v", got, want)
	}
	resumed := indexOf(p, KindResumeNode, "EXNODE02")
	stop := indexOf(p, KindStopCMS, "")
	upg := indexOf(p, KindUpgradeCMS, "")
	activeSetup := indexOf(p, KindSetupUpgrade, "EXNODE01")
	if !(resumed < stop && stop < indexOf(p, KindMoveCMS, "") && indexOf(p, KindMoveCMS, "") < upg && upg < activeSetup) {
		t.Errorf("order wrong: passive resumed %d, stop %d, upgradecms %d, active setup %d", resumed, stop, upg, activeSetup)
	}
	if p.Steps[0].Kind != KindPreflight || p.Steps[len(p.Steps)-1].Kind != KindVerify {
		t.Error("plan does not start with preflight and end with verify")
	}
	s := p.Steps[stop]
	if s.Outage != OutageStarts || s.Confirm != ConfirmTyped || s.CMS != "EXCMS01" {
		t.Errorf("stop-cms: outage %s confirm %s cms %s", s.Outage, s.Confirm, s.CMS)
	}
	if p.Steps[upg].Outage != OutageEnds || p.Steps[upg].Node != "EXNODE02" {
		t.Errorf("upgrade-cms must end the outage on EXNODE02: %+v", p.Steps[upg])
	}
	mv := p.Steps[indexOf(p, KindMoveCMS, "")]
	if mv.Target != "EXNODE02" || len(mv.Fallback) == 0 || !strings.Contains(mv.FallbackWarning, "databases") {
		t.Errorf("move-cms target %s fallback %v", mv.Target, mv.Fallback)
	}
	// The Cluster Group leaves the passive node for the active one, and
	// later leaves the active node for the upgraded one.
	mg := p.Steps[indexOf(p, KindMoveGroups, "EXNODE02")]
	if mg.Commands[0] != `cluster.exe group "Cluster Group" /move:EXNODE01 /wait:300` {
		t.Errorf("move-groups command %q", mg.Commands[0])
	}
	mg = p.Steps[indexOf(p, KindMoveGroups, "EXNODE01")]
	if mg.Target != "EXNODE02" || len(mg.Groups) != 1 {
		t.Errorf("active node's groups go to %s: %v", mg.Target, mg.Groups)
	}
	end := replay(t, c, sp2(), p)
	assertEndState(t, end, BuildSP2)
	for i, s := range p.Steps {
		if s.N != i+1 || !strings.HasPrefix(s.ID, fmt.Sprintf("s%02d-", i+1)) {
			t.Errorf("step %d numbered %d id %s", i, s.N, s.ID)
		}
		if s.Why == "" || s.Post.Text == "" {
			t.Errorf("step %s lacks an explanation or a postcondition", s.ID)
		}
	}
}

func assertEndState(t *testing.T, c Cluster, target Build) {
	t.Helper()
	for _, n := range c.Nodes {
		if n.State != NodeUp {
			t.Errorf("%s ends %s", n.Name, n.State)
		}
		if !target.IsZero() && !n.Build.AtLeast(target) {
			t.Errorf("%s ends on %s", n.Name, n.Build)
		}
	}
	for _, g := range c.CMSs() {
		if g.State != GroupOnline {
			t.Errorf("%s ends %s", g.Name, g.State)
		}
		if !target.IsZero() && !c.CMSBuild(g).AtLeast(target) {
			t.Errorf("%s ends on %s", g.Name, c.CMSBuild(g))
		}
	}
}

func TestPassiveAlreadyUpgradedAndPaused(t *testing.T) {
	c := ccr()
	c.Nodes[1].Build, c.Nodes[1].State = BuildSP2, NodePaused
	p, err := MakePlan(c, sp2())
	if err != nil {
		t.Fatal(err)
	}
	if got := kindsOn(p, "EXNODE02"); fmt.Sprint(got) != fmt.Sprint([]StepKind{KindResumeNode}) {
		t.Errorf("upgraded paused passive node gets %v, want only a resume", got)
	}
	if indexOf(p, KindResumeNode, "EXNODE02") > indexOf(p, KindMoveCMS, "") {
		t.Error("the CMS moves to EXNODE02 before it is resumed")
	}
	assertEndState(t, replay(t, c, sp2(), p), BuildSP2)
}

func TestNothingToDo(t *testing.T) {
	c := ccr()
	c.Nodes[0].Build, c.Nodes[1].Build = BuildSP2, BuildSP2
	p, err := MakePlan(c, sp2())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 2 {
		t.Errorf("a cluster already on SP2 gets %d steps, want preflight and verify", len(p.Steps))
	}
}

func TestWindows2008NeverPlanned(t *testing.T) {
	p, err := MakePlan(ccr(), Options{Goal: GoalWindows2008})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 0 || !Blocking(p.Findings) || p.Findings[0].Code != FindInplaceOSUpgrade {
		t.Errorf("windows-2008: %d steps, findings %v", len(p.Steps), p.Findings)
	}
}

// TestOldActiveNeverBeforeUpgradeCMS is the SiliconExus lesson: the guard
// refuses /mode:upgrade on the old active node while its CMS is not
// upgraded, even when the CMS has been moved away.
func TestOldActiveNeverBeforeUpgradeCMS(t *testing.T) {
	c, o := ccr(), sp2()
	p, _ := MakePlan(c, o)
	st := c.Clone()
	orig := map[string]string{"EXCMS01": "EXNODE01"}
	for _, s := range p.Steps {
		if s.Kind == KindUpgradeCMS {
			break
		}
		Apply(&st, s, o)
	}
	// The CMS now sits stopped on EXNODE02; skip /upgradecms and try the
	// old active node.
	err := Guard(&st, Step{Kind: KindSetupUpgrade, Node: "EXNODE01"}, o, orig)
	ge, ok := err.(*GuardError)
	if !ok || ge.Code != DiagUpgradeCMSSkipped || !strings.Contains(ge.Message, "will not start") {
		t.Fatalf("guard gave %v", err)
	}
}

func TestGuards(t *testing.T) {
	o := sp2()
	orig := map[string]string{"EXCMS01": "EXNODE01"}
	cases := []struct {
		name string
		set  func(c *Cluster)
		step Step
		want string
	}{
		{"setup on the CMS owner", nil, Step{Kind: KindSetupUpgrade, Node: "EXNODE01"}, "owns the CMS"},
		{"rollup on the CMS owner", nil, Step{Kind: KindInstallRollup, Node: "EXNODE01"}, "owns the CMS"},
		{"pause the last Up node", func(c *Cluster) { c.Nodes[1].State = NodePaused }, Step{Kind: KindPauseNode, Node: "EXNODE01"}, "no node Up"},
		{"move CMS to a paused node", func(c *Cluster) { c.Nodes[1].State, c.Nodes[1].Build = NodePaused, BuildSP2 },
			Step{Kind: KindMoveCMS, CMS: "EXCMS01", Node: "EXNODE01", Target: "EXNODE02"}, "not Up"},
		{"move CMS to a node not upgraded", nil, Step{Kind: KindMoveCMS, CMS: "EXCMS01", Node: "EXNODE01", Target: "EXNODE02"}, "only move to an upgraded node"},
		{"move CMS to a stranger", nil, Step{Kind: KindMoveCMS, CMS: "EXCMS01", Node: "EXNODE01", Target: "EXNODE09"}, "not a node"},
		{"upgradecms on a node not owning it", nil, Step{Kind: KindUpgradeCMS, CMS: "EXCMS01", Node: "EXNODE02"}, "does not own"},
		{"groups to a paused node", func(c *Cluster) { c.Nodes[0].State = NodePaused }, Step{Kind: KindMoveGroups, Node: "EXNODE02", Target: "EXNODE01"}, "not Up"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ccr()
			if tc.set != nil {
				tc.set(&c)
			}
			err := Guard(&c, tc.step, o, orig)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("guard gave %v, want %q", err, tc.want)
			}
		})
	}
	// And the safe versions pass.
	c := ccr()
	if err := Guard(&c, Step{Kind: KindSetupUpgrade, Node: "EXNODE02"}, o, orig); err != nil {
		t.Errorf("setup on the passive node refused: %v", err)
	}
}

// TestSCCPlansAreSafe plans many random SCCs (2-8 nodes, up to n-1 CMSs,
// some nodes already upgraded or paused) and replays each with the guards
// on: the planner never produces an unsafe step, every CMS moves at most
// once, and the window ends with everything Up, Online and upgraded.
func TestSCCPlansAreSafe(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 400; i++ {
		n := 2 + rng.Intn(7)
		k := 1 + rng.Intn(n-1)
		c := scc(n, k)
		for j := range c.Nodes {
			c.Nodes[j].Build = BuildSP1
			if rng.Intn(4) == 0 && !c.IsActive(c.Nodes[j].Name) {
				c.Nodes[j].Build = BuildSP2
			}
			if rng.Intn(5) == 0 && j > 0 {
				c.Nodes[j].State = NodePaused
			}
		}
		o := sp2()
		p, err := MakePlan(c, o)
		if err != nil {
			t.Fatalf("case %d (%d nodes, %d CMSs): %v", i, n, k, err)
		}
		if f, ok := codes(p.Findings)[FindNoUpgradeTarget]; ok {
			t.Fatalf("case %d (%d nodes, %d CMSs): %s", i, n, k, f.Message)
		}
		end := replay(t, c, o, p)
		assertEndState(t, end, BuildSP2)
		moves := map[string]int{}
		for _, s := range p.Steps {
			if s.Kind == KindMoveCMS {
				moves[s.CMS]++
			}
		}
		for cms, m := range moves {
			if m > 1 {
				t.Errorf("case %d: %s moves %d times", i, cms, m)
			}
		}
	}
}

func TestSCCEightNodesTwoCMSs(t *testing.T) {
	c := scc(8, 2)
	for i := range c.Nodes {
		c.Nodes[i].Build = BuildSP2
	}
	o := Options{Goal: GoalSP3, Media: `D:\Exchange2007SP3`}
	p, err := MakePlan(c, o)
	if err != nil {
		t.Fatal(err)
	}
	if Blocking(p.Findings) {
		t.Fatalf("blocked: %v", p.Findings)
	}
	assertEndState(t, replay(t, c, o, p), BuildSP3)
	if n := strings.Count(fmt.Sprint(p.Steps), string(KindUpgradeCMS)); n < 2 {
		t.Errorf("%d upgrade-cms steps for 2 CMSs", n)
	}
}

// TestSCCMoreCMSsThanPassives: 3 nodes, 2 CMSs, one passive. The first CMS
// goes to the passive node; its old node is then free, gets upgraded, and
// takes the second CMS.
func TestSCCMoreCMSsThanPassives(t *testing.T) {
	c := scc(3, 2)
	for i := range c.Nodes {
		c.Nodes[i].Build = BuildSP1
	}
	o := sp2()
	p, err := MakePlan(c, o)
	if err != nil {
		t.Fatal(err)
	}
	assertEndState(t, replay(t, c, o, p), BuildSP2)
	var targets []string
	for _, s := range p.Steps {
		if s.Kind == KindMoveCMS {
			targets = append(targets, s.CMS+"->"+s.Target)
		}
	}
	if fmt.Sprint(targets) != "[EXCMS01->SCCNODE03 EXCMS02->SCCNODE01]" {
		t.Errorf("CMS moves %v", targets)
	}
}

func TestRollupPlan(t *testing.T) {
	c := ccr()
	c.Nodes[0].Build, c.Nodes[1].Build = BuildSP2, BuildSP2
	o := Options{Goal: GoalRollup, Package: `D:\Updates\Exchange2007-KB972705-x64-EN.msp`, PackageBuild: MustBuild("8.2.217.3")}
	p, err := MakePlan(c, o)
	if err != nil {
		t.Fatal(err)
	}
	var moves []Step
	for _, s := range p.Steps {
		if s.Kind == KindMoveCMS {
			moves = append(moves, s)
		}
		if s.Kind == KindSetupUpgrade || s.Kind == KindStopCMS || s.Kind == KindUpgradeCMS {
			t.Errorf("a rollup plan has %s", s.Kind)
		}
		if s.Kind == KindRebootNode && s.When != IfRebootRequired {
			t.Errorf("rollup reboot is unconditional")
		}
	}
	if len(moves) != 1 || moves[0].Outage != OutageBrief || moves[0].Confirm != ConfirmTyped || moves[0].Target != "EXNODE02" {
		t.Fatalf("rollup handoffs: %+v", moves)
	}
	if indexOf(p, KindInstallRollup, "EXNODE02") > indexOf(p, KindMoveCMS, "") || indexOf(p, KindInstallRollup, "EXNODE01") < indexOf(p, KindMoveCMS, "") {
		t.Error("rollup order is not passive, handoff, old active")
	}
	if got := p.Steps[indexOf(p, KindInstallRollup, "EXNODE02")].Commands[0]; got != `msiexec.exe /update D:\Updates\Exchange2007-KB972705-x64-EN.msp /quiet /norestart /l*v "C:\ExchangeSetupLogs\cmsrunbook-Exchange2007-KB972705-x64-EN.log"` {
		t.Errorf("rollup command %q", got)
	}
	assertEndState(t, replay(t, c, o, p), MustBuild("8.2.217.3"))

	o.MoveBack = true
	p, _ = MakePlan(c, o)
	last := p.Steps[len(p.Steps)-2]
	if last.Kind != KindMoveCMS || last.Target != "EXNODE01" {
		t.Errorf("--move-back: second-to-last step is %s to %s", last.Kind, last.Target)
	}
	o.Reboot = RebootAlways
	p, _ = MakePlan(c, o)
	if p.Steps[indexOf(p, KindRebootNode, "")].When != Always {
		t.Error("reboot: always still conditional")
	}
}

func TestOSPatchPlan(t *testing.T) {
	c := ccr()
	o := Options{Goal: GoalOSPatch, Package: `D:\Updates\Windows6.0-KB955302-x64.msu`}
	p, err := MakePlan(c, o)
	if err != nil {
		t.Fatal(err)
	}
	i := indexOf(p, KindInstallPatch, "EXNODE02")
	if i < 0 || p.Steps[i].Commands[0] != `wusa.exe D:\Updates\Windows6.0-KB955302-x64.msu /quiet /norestart` {
		t.Fatalf("patch step: %+v", p.Steps)
	}
	assertEndState(t, replay(t, c, o, p), Build{})
}

func TestPlanRejectsBadClusters(t *testing.T) {
	cases := map[string]func(c *Cluster){
		"bad node name":        func(c *Cluster) { c.Nodes[0].Name = "EX NODE" },
		"three-node CCR":       func(c *Cluster) { c.Nodes = append(c.Nodes, Node{Name: "EXNODE03", State: NodeUp}) },
		"owner not a node":     func(c *Cluster) { c.Groups[0].Owner = "ELSEWHERE" },
		"no CMS":               func(c *Cluster) { c.Groups[1].CMS = false },
		"group with a quote":   func(c *Cluster) { c.Groups[0].Name = `Cluster "Group"` },
		"group with a percent": func(c *Cluster) { c.Groups[0].Name = `Group%PATH%` },
		"duplicate node":       func(c *Cluster) { c.Nodes[1].Name = "exnode01" },
	}
	for name, mutate := range cases {
		c := ccr()
		mutate(&c)
		if _, err := MakePlan(c, sp2()); err == nil {
			t.Errorf("%s: planned anyway", name)
		}
	}
}

func TestDigestFollowsSteps(t *testing.T) {
	a, _ := MakePlan(ccr(), sp2())
	b, _ := MakePlan(ccr(), sp2())
	if a.Digest() != b.Digest() {
		t.Error("same input, different digest")
	}
	o := sp2()
	o.Media = `E:\SP2`
	c, _ := MakePlan(ccr(), o)
	if a.Digest() == c.Digest() {
		t.Error("a different media path gave the same digest")
	}
}

func BenchmarkPlanSCC8(b *testing.B) {
	c := scc(8, 3)
	for i := range c.Nodes {
		c.Nodes[i].Build = BuildSP2
	}
	o := Options{Goal: GoalSP3, Media: `D:\Exchange2007SP3`}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MakePlan(c, o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanCCR is the baseline the SCC figure is read against.
func BenchmarkPlanCCR(b *testing.B) {
	c, o := ccr(), sp2()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MakePlan(c, o); err != nil {
			b.Fatal(err)
		}
	}
}

// planSeq is a plan as the engineer reads it: kind, then the node (a CMS
// step: the CMS at its node), and where a move sends things.
func planSeq(p *Plan) []string {
	out := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		t := string(s.Kind)
		switch {
		case s.CMS != "":
			t += " " + s.CMS + "@" + s.Node
		case s.Node != "":
			t += " " + s.Node
		}
		if s.Target != "" {
			t += ">" + s.Target
		}
		if s.Outage != OutageNone {
			t += " (" + string(s.Outage) + ")"
		}
		out[i] = t
	}
	return out
}

// The normal procedure's tail for the old active node EXNODE01 of ccr().
var activeTail = []string{"pause-node EXNODE01", "move-groups EXNODE01>EXNODE02", "setup-upgrade EXNODE01", "reboot-node EXNODE01", "resume-node EXNODE01", "verify"}

// TestHalfDoneWindows plans from the live state of windows that an earlier
// run left half done (interrupted or aborted), and from nodes left in a
// state the procedure has to repair first: each plan picks the procedure
// up where the cluster is, in the order the engineer sees.
func TestHalfDoneWindows(t *testing.T) {
	passive := []string{"pause-node EXNODE02", "move-groups EXNODE02>EXNODE01", "setup-upgrade EXNODE02", "reboot-node EXNODE02", "resume-node EXNODE02"}
	outage := []string{"stop-cms EXCMS01@EXNODE01 (starts)", "move-cms EXCMS01@EXNODE01>EXNODE02 (during)", "upgrade-cms EXCMS01@EXNODE02 (ends)", "start-cms EXCMS01@EXNODE02 (ends)"}
	cat := func(parts ...[]string) []string { return slices.Concat(parts...) }
	cases := []struct {
		name string
		set  func(c *Cluster)
		want []string
		// findings the plan must carry, and whether it is blocked
		codes   []string
		blocked bool
	}{
		{"active node left Paused: resumed first", func(c *Cluster) { c.Nodes[0].State = NodePaused },
			cat([]string{"preflight", "resume-node EXNODE01"}, passive, outage, activeTail), []string{FindNodePaused}, false},
		{"every node left Paused: the active one resumed first, the passive one stays paused for its Setup",
			func(c *Cluster) { c.Nodes[0].State, c.Nodes[1].State = NodePaused, NodePaused },
			cat([]string{"preflight", "resume-node EXNODE01"}, passive[1:], outage, activeTail), []string{FindNodePaused}, false},
		{"passive already upgraded: the outage is next", func(c *Cluster) { c.Nodes[1].Build = BuildSP2 },
			cat([]string{"preflight"}, outage, []string{"pause-node EXNODE01", "move-groups EXNODE01", "setup-upgrade EXNODE01", "reboot-node EXNODE01", "resume-node EXNODE01", "verify"}), nil, false},
		{"CMS moved, Offline, before /upgradecms: /upgradecms where it is, then the old active node",
			func(c *Cluster) {
				c.Nodes[1].Build = BuildSP2
				c.Groups[0].Owner = "EXNODE01"
				c.Groups[1].Owner, c.Groups[1].State, c.Groups[1].Build = "EXNODE02", GroupOffline, BuildRTM
			},
			cat([]string{"preflight", "upgrade-cms EXCMS01@EXNODE02 (ends)", "start-cms EXCMS01@EXNODE02 (ends)"}, activeTail), []string{FindCMSNotOnline}, true},
		{"CMS moved, still Online on the old build: stopped and /upgradecms'd where it is",
			func(c *Cluster) {
				c.Nodes[1].Build = BuildSP2
				c.Groups[0].Owner = "EXNODE01"
				c.Groups[1].Owner, c.Groups[1].Build = "EXNODE02", BuildRTM
			},
			cat([]string{"preflight", "stop-cms EXCMS01@EXNODE02 (starts)", "upgrade-cms EXCMS01@EXNODE02 (ends)", "start-cms EXCMS01@EXNODE02 (ends)"}, activeTail), nil, false},
		{"CMS stopped but not moved: the move is next, no second stop",
			func(c *Cluster) { c.Nodes[1].Build, c.Groups[1].State = BuildSP2, GroupOffline },
			cat([]string{"preflight", "move-cms EXCMS01@EXNODE01>EXNODE02 (starts)"}, outage[2:], []string{"pause-node EXNODE01", "move-groups EXNODE01", "setup-upgrade EXNODE01", "reboot-node EXNODE01", "resume-node EXNODE01", "verify"}), []string{FindCMSNotOnline}, true},
		{"passive Setup left unfinished at the new build: Setup again before any stop",
			func(c *Cluster) { c.Nodes[1].Build, c.Nodes[1].SetupIncomplete = BuildSP2, true },
			cat([]string{"preflight"}, passive, outage, activeTail), []string{FindSetupIncomplete}, false},
		{"passive node with a restart pending: restarted, still paused, before its Setup",
			func(c *Cluster) { c.Nodes[1].Pending = true },
			cat([]string{"preflight", "pause-node EXNODE02", "move-groups EXNODE02>EXNODE01", "reboot-node EXNODE02"}, passive[2:], outage, activeTail), []string{FindPendingReboot}, false},
		{"upgraded passive node with a restart pending: restarted before the CMS moves to it",
			func(c *Cluster) { c.Nodes[1].Build, c.Nodes[1].Pending = BuildSP2, true },
			cat([]string{"preflight", "pause-node EXNODE02", "move-groups EXNODE02>EXNODE01", "reboot-node EXNODE02", "resume-node EXNODE02"}, outage, activeTail), []string{FindPendingReboot}, false},
		{"the CMS owner has a restart pending: never restarted while it owns the CMS",
			func(c *Cluster) { c.Nodes[0].Pending = true },
			cat([]string{"preflight"}, passive, outage, []string{"pause-node EXNODE01", "move-groups EXNODE01>EXNODE02", "reboot-node EXNODE01"}, activeTail[2:]), []string{FindPendingReboot}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, o := ccr(), sp2()
			tc.set(&c)
			p, err := MakePlan(c, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := planSeq(p); !slices.Equal(got, tc.want) {
				t.Errorf("plan\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			for _, code := range tc.codes {
				if _, ok := codes(p.Findings)[code]; !ok {
					t.Errorf("no %s finding: %v", code, p.Findings)
				}
			}
			if Blocking(p.Findings) != tc.blocked {
				t.Errorf("blocked %v, want %v: %v", Blocking(p.Findings), tc.blocked, p.Findings)
			}
			if v := planViolations(c, o, p); len(v) > 0 {
				t.Errorf("%s", strings.Join(v, "\n"))
			}
		})
	}
}

// TestNoOutageWithoutAWayOut: when no node can take a CMS, the plan ends
// with a blocking finding that says why for each node, and it never stops
// the CMS.
func TestNoOutageWithoutAWayOut(t *testing.T) {
	cases := []struct {
		name       string
		c          Cluster
		o          Options
		code, want string
	}{
		{"the only passive node is not a possible owner", func() Cluster {
			c := ccr()
			c.Groups[1].PossibleOwners = []string{"EXNODE01"}
			return c
		}(), sp2(), FindNoUpgradeTarget, "EXNODE02 is not a possible owner of EXCMS01"},
		{"SCC: the CMS may run only where the other CMS went", func() Cluster {
			c := scc(3, 2)
			c.Groups[0].PossibleOwners = []string{"SCCNODE01", "SCCNODE03"}
			c.Groups[1].PossibleOwners = []string{"SCCNODE02", "SCCNODE03"}
			return c
		}(), Options{Goal: GoalSP3, Media: `D:\Exchange2007SP3`}, FindNoUpgradeTarget, "SCCNODE03 already runs EXCMS01"},
		{"rollup: the groups of the passive node may run nowhere else", func() Cluster {
			c := ccr()
			c.Nodes[0].Build, c.Nodes[1].Build = BuildSP2, BuildSP2
			c.Groups[0].PossibleOwners = []string{"EXNODE02"}
			return c
		}(), Options{Goal: GoalRollup, Package: `D:\Updates\Exchange2007-KB972705-x64-EN.msp`}, FindNoGroupTarget, `No node can take "Cluster Group" from EXNODE02`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := MakePlan(tc.c, tc.o)
			if err != nil {
				t.Fatal(err)
			}
			f, ok := codes(p.Findings)[tc.code]
			if !ok || f.Severity != Block || !strings.Contains(f.Message, tc.want) {
				t.Fatalf("finding %s: %+v, want one saying %q", tc.code, f, tc.want)
			}
			for _, s := range p.Steps {
				if s.Kind == KindStopCMS && indexOf(p, KindUpgradeCMS, "") < 0 {
					t.Errorf("the plan stops %s with no /upgradecms after it", s.CMS)
				}
			}
			if v := planViolations(tc.c, tc.o, p); len(v) > 0 {
				t.Errorf("%s", strings.Join(v, "\n"))
			}
		})
	}
}

// TestTargetsFollowPossibleOwners: a CMS goes only to one of its possible
// owners, and a target the other CMS cannot use is taken first.
func TestTargetsFollowPossibleOwners(t *testing.T) {
	c := scc(4, 2)
	for i := range c.Nodes {
		c.Nodes[i].Build = BuildSP1
	}
	c.Groups[1].PossibleOwners = []string{"SCCNODE02", "SCCNODE03"}
	o := sp2()
	p, err := MakePlan(c, o)
	if err != nil {
		t.Fatal(err)
	}
	var moves []string
	for _, s := range p.Steps {
		if s.Kind == KindMoveCMS {
			moves = append(moves, s.CMS+">"+s.Target)
		}
	}
	// EXCMS01 may run anywhere; EXCMS02 only on SCCNODE03 of the free
	// nodes, so EXCMS01 takes SCCNODE04.
	if fmt.Sprint(moves) != "[EXCMS01>SCCNODE04 EXCMS02>SCCNODE03]" {
		t.Errorf("moves %v", moves)
	}
	if Blocking(p.Findings) {
		t.Fatalf("blocked: %v", p.Findings)
	}
	if v := planViolations(c, o, p); len(v) > 0 {
		t.Error(strings.Join(v, "\n"))
	}
}

// TestRollupActiveLeftPaused: the same repair for a rollup window.
func TestRollupActiveLeftPaused(t *testing.T) {
	c := ccr()
	c.Nodes[0].Build, c.Nodes[1].Build = BuildSP2, BuildSP2
	c.Nodes[0].State = NodePaused
	o := Options{Goal: GoalRollup, Package: `D:\Updates\Exchange2007-KB972705-x64-EN.msp`, PackageBuild: MustBuild("8.2.217.3")}
	p, err := MakePlan(c, o)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"preflight", "resume-node EXNODE01", "pause-node EXNODE02", "move-groups EXNODE02>EXNODE01", "install-rollup EXNODE02", "reboot-node EXNODE02", "resume-node EXNODE02",
		"move-cms EXCMS01@EXNODE01>EXNODE02 (brief)", "pause-node EXNODE01", "move-groups EXNODE01>EXNODE02", "install-rollup EXNODE01", "reboot-node EXNODE01", "resume-node EXNODE01", "verify"}
	if got := planSeq(p); !slices.Equal(got, want) {
		t.Errorf("plan %v\nwant %v", got, want)
	}
	if v := planViolations(c, o, p); len(v) > 0 {
		t.Error(strings.Join(v, "\n"))
	}
}

// TestPlannerGuardStaysAnAssertion: the guard in the planner still stops a
// planner bug dead (an unsafe step never reaches a plan).
func TestPlannerGuardStaysAnAssertion(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "unsafe step setup-upgrade EXNODE01") {
			t.Errorf("recovered %v", r)
		}
	}()
	pl := newPlanner(ccr(), sp2())
	pl.add(Step{Kind: KindSetupUpgrade, Node: "EXNODE01"})
}
