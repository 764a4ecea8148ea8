package config

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"cmsrunbook/runbook"
)

// Scenario is a simulated world: the cluster as the simulator starts it,
// what the window is for, and what goes wrong on the way (DESIGN section 8).
type Scenario struct {
	// Path is the file it was loaded from (an fs.FS name for embedded ones).
	Path        string
	Name        string
	Title       string
	Description string
	Goal        runbook.Goal
	// Cluster is the world before the window. Every node's OS is set (from
	// the cluster's os/os_sp unless the node overrides it) and Management
	// holds management_host, nil when the file does not name one.
	Cluster runbook.Cluster
	Options runbook.Options
	Faults  []Fault
	Outputs []Output
	Timing  Timing
	// Twin is set on a scenario written from a discovered cluster
	// (--save-scenario): which cluster, discovered when.
	Twin *TwinInfo
}

// FaultKind is a failure the simulator injects.
type FaultKind string

// The fault kinds of DESIGN section 8. Each maps to a diagnosis of DESIGN
// section 7 the trainee should see.
const (
	// FaultMoveRefused: Move-ClusteredMailboxServer refuses the handoff
	// (replication not healthy) -> cms-move-failed.
	FaultMoveRefused FaultKind = "move-refused"
	// FaultMoveLateFailure: the CMS moves but its databases stay
	// dismounted -> cms-databases-dismounted.
	FaultMoveLateFailure FaultKind = "move-late-failure"
	// FaultSetupFails: Setup.com or msiexec reports failure -> setup-failed.
	FaultSetupFails FaultKind = "setup-fails"
	// FaultRebootTimeout: the node does not come back in time -> reboot-timeout.
	FaultRebootTimeout FaultKind = "reboot-timeout"
	// FaultPauseFails: the node does not reach Paused -> node-still-paused.
	FaultPauseFails FaultKind = "pause-fails"
	// FaultGroupMoveFails: a group does not move or come Online -> group-move-failed.
	FaultGroupMoveFails FaultKind = "group-move-fails"
	// FaultConnectionDrop: WinRM drops outside a reboot -> connection-lost.
	FaultConnectionDrop FaultKind = "connection-drop"
	// FaultAuthFailure: the node refuses the credentials -> auth-failed.
	FaultAuthFailure FaultKind = "auth-failure"
	// FaultSetupFailsAfterCopy: Setup.com /mode:upgrade fails after it has
	// copied the new binaries: the node's file version is the target's but
	// its roles are not configured (Setup's watermark stays) -> setup-failed;
	// a retry resumes Setup from the watermark.
	FaultSetupFailsAfterCopy FaultKind = "setup-fails-after-copy"
	// FaultUpgradeCMSPartiallyOnline: /upgradecms upgrades the CMS but one
	// database stays dismounted, so the CMS comes back Partially Online ->
	// cms-databases-dismounted; Mount-Database brings it Online.
	FaultUpgradeCMSPartiallyOnline FaultKind = "upgradecms-partially-online"
)

// FaultKinds lists every fault kind (a fresh slice each call).
func FaultKinds() []FaultKind {
	return []FaultKind{
		FaultMoveRefused, FaultMoveLateFailure, FaultSetupFails, FaultRebootTimeout,
		FaultPauseFails, FaultGroupMoveFails, FaultConnectionDrop, FaultAuthFailure,
		FaultSetupFailsAfterCopy, FaultUpgradeCMSPartiallyOnline,
	}
}

// faultKindList is every fault kind, for messages.
func faultKindList() string {
	names := make([]string, 0, 10)
	for _, k := range FaultKinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// ParseFaultKind validates a fault kind from a file.
func ParseFaultKind(s string) (FaultKind, error) {
	for _, k := range FaultKinds() {
		if string(k) == s {
			return k, nil
		}
	}
	return "", errors.New(say("fault kind %q is not one of %s", s, faultKindList()))
}

// Steps lists the step kinds the fault can happen in; nil means any step
// (a connection can drop, or credentials be refused, anywhere).
func (k FaultKind) Steps() []runbook.StepKind {
	switch k {
	case FaultMoveRefused, FaultMoveLateFailure:
		return []runbook.StepKind{runbook.KindMoveCMS}
	case FaultSetupFails:
		return []runbook.StepKind{runbook.KindSetupUpgrade, runbook.KindUpgradeCMS, runbook.KindInstallRollup, runbook.KindInstallPatch}
	case FaultRebootTimeout:
		return []runbook.StepKind{runbook.KindRebootNode}
	case FaultPauseFails:
		return []runbook.StepKind{runbook.KindPauseNode}
	case FaultGroupMoveFails:
		return []runbook.StepKind{runbook.KindMoveGroups}
	case FaultSetupFailsAfterCopy:
		return []runbook.StepKind{runbook.KindSetupUpgrade}
	case FaultUpgradeCMSPartiallyOnline:
		return []runbook.StepKind{runbook.KindUpgradeCMS}
	}
	return nil
}

// Fits reports whether the fault can happen in a step of this kind.
func (k FaultKind) Fits(step runbook.StepKind) bool {
	steps := k.Steps()
	if steps == nil {
		return true
	}
	for _, s := range steps {
		if s == step {
			return true
		}
	}
	return false
}

// NaturalStep is the step a fault lands on when the file names none: the
// install step of the goal for setup-fails and connection-drop (a drop
// during a long detached install is the case worth rehearsing), the first
// step that sends a command (pause-node) for auth-failure.
func (k FaultKind) NaturalStep(goal runbook.Goal) runbook.StepKind {
	switch k {
	case FaultSetupFails, FaultConnectionDrop:
		return installStep(goal)
	case FaultAuthFailure:
		return runbook.KindPauseNode
	}
	return k.Steps()[0]
}

// installStep is the step that installs the goal's update on a node.
func installStep(goal runbook.Goal) runbook.StepKind {
	switch goal {
	case runbook.GoalRollup:
		return runbook.KindInstallRollup
	case runbook.GoalOSPatch:
		return runbook.KindInstallPatch
	}
	return runbook.KindSetupUpgrade
}

// Fault is one injected failure.
type Fault struct {
	Step runbook.StepKind
	// Node is the node the step runs on, spelt as in the cluster; empty
	// means whichever node first runs a step of this kind.
	Node string
	Kind FaultKind
	// Times is how many attempts fail before the step works again (>= 1),
	// so a trainee can rehearse both "retry helps" and "retry does not".
	Times int
	// Line is the fault's line in the scenario file, for messages.
	Line int
}

// The effects an Output can have on the simulated world.
const (
	EffectSuccess = "success"
	EffectFailure = "failure"
)

// Output replays captured text for one step instead of the simulator's own
// output. Text and ExitCode are what the engine sees; Effect is what the
// step really does to the world, so a real transcript whose exit code lies
// (Setup.com exiting 0 after a FAILED step) can be rehearsed.
type Output struct {
	Step runbook.StepKind
	// Node is the node the step runs on; empty means any.
	Node string
	// File is the transcript's path: resolved on disk for LoadScenarioFile,
	// an fs.FS name for LoadScenarioFS, as written for ParseScenario.
	File     string
	Text     string
	ExitCode int
	Effect   string
}

// Timing overrides the simulator's durations (in simulated time); a zero
// field means the simulator's default.
type Timing struct {
	Pause, GroupMove, SetupUpgrade, UpgradeCMS, Install, Reboot, Resume,
	CMSStop, CMSMove, CMSStart, ReplicationCatchup time.Duration
}

var scenarioName = regexp.MustCompile(`^[a-z0-9-]+$`)

// maxScenarioName keeps names usable as file names and CLI arguments.
const maxScenarioName = 64

// validScenarioName reports a name that may be an embedded scenario's.
func validScenarioName(s string) bool {
	return len(s) <= maxScenarioName && scenarioName.MatchString(s)
}

var scenarioKeys = []string{
	"name", "title", "description", "goal", "management_host", "cluster", "nodes",
	"groups", "replication", "quorum", "media", "package", "package_build", "reboot",
	"move_back", "faults", "outputs", "timing", "locale", "twin",
}

var timingKeys = []string{
	"pause", "group_move", "setup_upgrade", "upgrade_cms", "install", "reboot",
	"resume", "cms_stop", "cms_move", "cms_start", "replication_catchup",
}

// ParseScenario reads a scenario from data. file names it in errors and
// becomes Scenario.Path. readRel reads an outputs[].file path relative to
// the scenario's folder (the caller resolves it); it is only given a path
// that stays inside that folder as written: cleaned, with forward slashes,
// not absolute and with no .. leading out (see outputPath). The caller
// still has to keep symbolic links from leading out. nil means output
// files cannot be read and any outputs entry is an error. Every error is
// an *Error.
func ParseScenario(file string, data []byte, readRel func(rel string) ([]byte, error)) (*Scenario, error) {
	root, perr := parseDocument(file, data)
	if perr != nil {
		return nil, perr
	}
	r := &reader{file: file}
	s := r.scenario(root, readRel)
	if r.err != nil {
		return nil, r.err
	}
	s.Path = file
	return s, nil
}

func (r *reader) scenario(root ast.Node, readRel func(string) ([]byte, error)) *Scenario {
	top := r.mapping(root, root, "", scenarioKeys...)
	s := &Scenario{}
	if top.require("name", say("a short name of lowercase letters, digits and hyphens, like ccr-2003-sp2")) {
		s.Name = top.str("name")
		if !r.failed() && !validScenarioName(s.Name) {
			top.fail("name", say("%q is not a scenario name; use up to %d lowercase letters, digits and hyphens, like ccr-2003-sp2", s.Name, maxScenarioName))
		}
	}
	s.Title = top.oneLine("title", say("a one-line title for the scenario list"), 120)
	if top.require("description", say("a few sentences a trainee reads before starting")) {
		s.Description = strings.TrimSpace(top.str("description"))
		if !r.failed() && s.Description == "" {
			top.fail("description", say("is blank; write a few sentences a trainee reads before starting"))
		}
	}
	top.require("goal", say("one of exchange-sp1, exchange-sp2, exchange-sp3, update-rollup, os-patch, windows-2008"))
	s.Goal = top.goal("goal")
	mgmt := top.management("management_host")
	if r.failed() {
		return nil
	}
	s.Cluster = r.scenarioCluster(top)
	s.Cluster.Management = mgmt
	if r.failed() {
		return nil
	}
	s.Options = top.options(s.Goal)
	s.Faults = r.faults(top, &s.Cluster, s.Goal)
	s.Outputs = r.outputs(top, &s.Cluster, readRel)
	s.Timing = readTiming(top)
	s.Twin = readTwin(top)
	if r.failed() {
		return nil
	}
	return s
}

// clusterErrorKey picks the part of the file a Cluster.Validate error is
// about, so the message points at the nodes or groups list.
func clusterErrorKey(err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "quorum"):
		return "quorum"
	case strings.Contains(msg, "CMS") || strings.Contains(msg, "group") || strings.Contains(msg, "clustered mailbox"):
		return "groups"
	case strings.Contains(msg, "node"):
		return "nodes"
	}
	return "cluster"
}

// failKey reports a problem at key's own line (the `nodes:` line rather
// than the first entry), for errors about a whole list.
func (f *fields) failKey(key string, err error) {
	at := f.where(key)
	if mv, ok := f.vals[key]; ok {
		at = mv.Key
	}
	f.r.failErr(at, f.child(key), err, err.Error())
}

// nodeRef reads a node name that must be one of the cluster's, and returns
// it spelt as the cluster spells it (names compare case-insensitively, as
// Windows does).
func (f *fields) nodeRef(key string, c *runbook.Cluster) string {
	s := f.str(key)
	if f.r.failed() || !f.has(key) {
		return ""
	}
	n := c.Node(s)
	if n == nil {
		names := make([]string, len(c.Nodes))
		for i, n := range c.Nodes {
			names[i] = n.Name
		}
		f.fail(key, say("%q is not a node of this cluster (nodes: %s)", s, strings.Join(names, ", ")))
		return ""
	}
	return n.Name
}

// stepKind reads a step kind.
func (f *fields) stepKind(key string) runbook.StepKind {
	s := f.str(key)
	if f.r.failed() || !f.has(key) {
		return ""
	}
	k, err := runbook.ParseStepKind(s)
	if err != nil {
		f.failErr(key, err)
	}
	return k
}

// maxFaultTimes bounds times: beyond a handful of failures a trainee has
// learnt the lesson, and a huge number is a typo.
const maxFaultTimes = 100

func (r *reader) faults(top *fields, c *runbook.Cluster, goal runbook.Goal) []Fault {
	var out []Fault
	seen := map[string]int{}
	for _, ff := range top.entries("faults", "step", "node", "kind", "times") {
		var f Fault
		ff.require("kind", say("one of %s", faultKindList()))
		if s := ff.str("kind"); ff.has("kind") && !r.failed() {
			k, err := ParseFaultKind(s)
			if err != nil {
				ff.failErr("kind", err)
			}
			f.Kind = k
		}
		if r.failed() {
			return nil
		}
		if ff.has("step") {
			f.Step = ff.stepKind("step")
			if !r.failed() && !f.Kind.Fits(f.Step) {
				ff.fail("step", say("a %s fault happens in a %s step, not %s", f.Kind, joinKinds(f.Kind.Steps()), f.Step))
			}
		} else {
			f.Step = f.Kind.NaturalStep(goal)
		}
		f.Node = ff.nodeRef("node", c)
		f.Times = ff.integer("times", 1, 1, maxFaultTimes)
		f.Line, _ = position(ff.node)
		key := string(f.Kind) + "|" + string(f.Step) + "|" + strings.ToUpper(f.Node)
		if line, dup := seen[key]; dup && !r.failed() {
			r.fail(ff.node, ff.path, say("the same fault is listed twice (the first is on line %s); use times: to make it happen more than once", strconv.Itoa(line)))
		}
		seen[key] = f.Line
		if r.failed() {
			return nil
		}
		out = append(out, f)
	}
	return out
}

func joinKinds(ks []runbook.StepKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	if len(s) > 1 {
		return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
	}
	return strings.Join(s, "")
}

// maxTiming bounds a simulated duration: no step of a window takes a day.
const maxTiming = 24 * time.Hour

func readTiming(top *fields) Timing {
	t := top.sub("timing", timingKeys...)
	d := func(key string) time.Duration { return t.duration(key, 0, maxTiming) }
	return Timing{
		Pause:              d("pause"),
		GroupMove:          d("group_move"),
		SetupUpgrade:       d("setup_upgrade"),
		UpgradeCMS:         d("upgrade_cms"),
		Install:            d("install"),
		Reboot:             d("reboot"),
		Resume:             d("resume"),
		CMSStop:            d("cms_stop"),
		CMSMove:            d("cms_move"),
		CMSStart:           d("cms_start"),
		ReplicationCatchup: d("replication_catchup"),
	}
}
