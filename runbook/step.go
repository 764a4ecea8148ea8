package runbook

import (
	"errors"
	"fmt"
)

// StepKind is the `kind` field of DESIGN section 4, shared by plans, the
// journal and scenario files.
type StepKind string

const (
	KindPreflight     StepKind = "preflight"
	KindPauseNode     StepKind = "pause-node"
	KindMoveGroups    StepKind = "move-groups"
	KindSetupUpgrade  StepKind = "setup-upgrade"
	KindInstallRollup StepKind = "install-rollup"
	KindInstallPatch  StepKind = "install-patch"
	KindRebootNode    StepKind = "reboot-node"
	KindResumeNode    StepKind = "resume-node"
	KindStopCMS       StepKind = "stop-cms"
	KindMoveCMS       StepKind = "move-cms"
	KindUpgradeCMS    StepKind = "upgrade-cms"
	KindStartCMS      StepKind = "start-cms"
	KindVerify        StepKind = "verify"
)

// StepKinds lists every kind in procedure order.
var StepKinds = []StepKind{
	KindPreflight, KindPauseNode, KindMoveGroups, KindSetupUpgrade, KindInstallRollup,
	KindInstallPatch, KindRebootNode, KindResumeNode, KindStopCMS, KindMoveCMS,
	KindUpgradeCMS, KindStartCMS, KindVerify,
}

// ParseStepKind validates a kind from a file.
func ParseStepKind(s string) (StepKind, error) {
	for _, k := range StepKinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", errors.New(say("step kind %q is not one of %s", s, fmt.Sprint(StepKinds)))
}

// Detached reports the long-running kinds that run detached on the node and
// are streamed by tailing a log (DESIGN section 4).
func (k StepKind) Detached() bool {
	return k == KindSetupUpgrade || k == KindUpgradeCMS || k == KindInstallRollup || k == KindInstallPatch
}

// ExecMode is how the engine carries a step out. The planner sets it, so
// the engine never re-derives it from the step kind.
type ExecMode string

const (
	// ExecCheck reads live state only (preflight, verify): nothing is sent.
	ExecCheck ExecMode = "check"
	// ExecCommands runs the step's short commands one after another.
	ExecCommands ExecMode = "commands"
	// ExecJob starts the step's command detached on the node and tails its
	// log (Setup.com, msiexec, a hotfix).
	ExecJob ExecMode = "job"
	// ExecReboot sends the restart and waits for the node to go and come
	// back with a new boot ID.
	ExecReboot ExecMode = "reboot"
)

// ExecFor is the execution mode of a step kind.
func ExecFor(k StepKind) ExecMode {
	switch {
	case k == KindPreflight || k == KindVerify:
		return ExecCheck
	case k.Detached():
		return ExecJob
	case k == KindRebootNode:
		return ExecReboot
	}
	return ExecCommands
}

// Outage is how a step affects the CMS's availability to users.
type Outage string

const (
	OutageNone   Outage = "none"
	OutageStarts Outage = "starts"
	OutageDuring Outage = "during"
	OutageEnds   Outage = "ends"
	OutageBrief  Outage = "brief"
)

// Confirm is how a person confirms a step: a key, or typing the CMS name.
type Confirm string

const (
	ConfirmKey   Confirm = "key"
	ConfirmTyped Confirm = "typed"
)

// Shell says which interpreter a step's commands are written for.
type Shell string

const (
	ShellCmd        Shell = "cmd"
	ShellPowerShell Shell = "powershell"
	ShellNone       Shell = "none" // preflight and verify read state, they send no command of their own
)

// Condition makes a step run only when something holds at run time.
type Condition string

const (
	Always Condition = ""
	// IfRebootRequired: the install before it asked for a restart (msiexec
	// 3010, a pending-reboot key), or the plan was told to always reboot.
	IfRebootRequired Condition = "if-reboot-required"
	// IfCMSNotOnline: only when /upgradecms left the CMS offline.
	IfCMSNotOnline Condition = "if-cms-not-online"
)

// Post is a step's postcondition as data, so the engine verifies it against
// live state and the TUI and report can show it.
type Post struct {
	// NodeState: the node must reach this state.
	NodeState NodeState `json:"node_state,omitempty"`
	// OwnsNoGroups: the node owns no group at all.
	OwnsNoGroups bool `json:"owns_no_groups,omitempty"`
	// GroupsOnline: these groups must be Online (on whichever node).
	GroupsOnline []string `json:"groups_online,omitempty"`
	// NodeBuild: the node's Exchange build must be at least this.
	NodeBuild string `json:"node_build,omitempty"`
	// BuildChanged: the node's build must be higher than before (a rollup
	// whose exact build the plan does not know).
	BuildChanged bool `json:"build_changed,omitempty"`
	// BootChanged: the node rebooted (boot time changed) and its Cluster
	// service answers.
	BootChanged bool `json:"boot_changed,omitempty"`
	// CMS names the clustered mailbox server the next fields talk about.
	CMS       string     `json:"cms,omitempty"`
	CMSState  GroupState `json:"cms_state,omitempty"`
	CMSOwner  string     `json:"cms_owner,omitempty"`
	CMSBuild  string     `json:"cms_build,omitempty"`
	ExitCodes []int      `json:"exit_codes,omitempty"`
	// Invariants: the end-of-window checks of DESIGN section 5.
	Invariants bool `json:"invariants,omitempty"`
	// Text says the same in words for people.
	Text string `json:"text"`
}

// Step is one numbered runbook step. It is pure data: the engine executes
// it, the TUI shows it, the journal records it and the simulator interprets
// its commands.
type Step struct {
	N        int       `json:"n"`
	ID       string    `json:"id"`
	Kind     StepKind  `json:"kind"`
	Node     string    `json:"node,omitempty"`
	Title    string    `json:"title"`
	Shell    Shell     `json:"shell"`
	Commands []string  `json:"commands"`
	Outage   Outage    `json:"outage"`
	Confirm  Confirm   `json:"confirm"`
	When     Condition `json:"when,omitempty"`
	// Target is the node a move sends things to.
	Target string `json:"target,omitempty"`
	// CMS is the clustered mailbox server the step acts on.
	CMS string `json:"cms,omitempty"`
	// Groups are the groups a move-groups step moves.
	Groups []string `json:"groups,omitempty"`
	Post   Post     `json:"post"`
	// Fallback is the manual command a person may choose when the step
	// fails (e.g. a cluster-tools CMS move), with the warning that goes
	// with it.
	Fallback        []string `json:"fallback,omitempty"`
	FallbackShell   Shell    `json:"fallback_shell,omitempty"`
	FallbackWarning string   `json:"fallback_warning,omitempty"`
	// Why explains the step's place in the procedure, in plain words.
	Why string `json:"why"`
	// Exec is how the engine carries the step out (set by the planner;
	// journals written before it existed are filled in by Plan.FillExec).
	Exec ExecMode `json:"exec,omitempty"`
}
