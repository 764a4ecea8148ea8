package runbook

import (
	"errors"
	"strings"
)

// Goal is what the window is for (`--goal`).
type Goal string

const (
	GoalSP1         Goal = "exchange-sp1"
	GoalSP2         Goal = "exchange-sp2"
	GoalSP3         Goal = "exchange-sp3"
	GoalRollup      Goal = "update-rollup"
	GoalOSPatch     Goal = "os-patch"
	GoalWindows2008 Goal = "windows-2008"
)

// Goals lists every goal.
var Goals = []Goal{GoalSP1, GoalSP2, GoalSP3, GoalRollup, GoalOSPatch, GoalWindows2008}

// ParseGoal validates a goal name.
func ParseGoal(s string) (Goal, error) {
	for _, g := range Goals {
		if string(g) == strings.TrimSpace(s) {
			return g, nil
		}
	}
	return "", errors.New(say("goal %q is not one of exchange-sp1, exchange-sp2, exchange-sp3, update-rollup, os-patch, windows-2008", s))
}

// IsServicePack reports the Setup.com /mode:upgrade goals.
func (g Goal) IsServicePack() bool { return g == GoalSP1 || g == GoalSP2 || g == GoalSP3 }

// NeedsPackage reports the goals that install a .msp or hotfix.
func (g Goal) NeedsPackage() bool { return g == GoalRollup || g == GoalOSPatch }

// TargetBuild is the service pack's build; zero for other goals.
func (g Goal) TargetBuild() Build {
	switch g {
	case GoalSP1:
		return BuildSP1
	case GoalSP2:
		return BuildSP2
	case GoalSP3:
		return BuildSP3
	}
	return Build{}
}

// Label is how the goal reads in titles and stop reasons: "Exchange 2007 SP2".
func (g Goal) Label() string {
	switch g {
	case GoalSP1:
		return "Exchange 2007 SP1"
	case GoalSP2:
		return "Exchange 2007 SP2"
	case GoalSP3:
		return "Exchange 2007 SP3"
	case GoalRollup:
		return say("Exchange 2007 update rollup")
	case GoalOSPatch:
		return say("Windows update")
	case GoalWindows2008:
		return say("Windows Server 2008 upgrade")
	}
	return string(g)
}

// RebootPolicy says when an install is followed by a reboot.
type RebootPolicy string

const (
	RebootIfRequired RebootPolicy = "if-required"
	RebootAlways     RebootPolicy = "always"
)

// Options are the inputs to planning beyond the cluster itself.
type Options struct {
	Goal Goal
	// Media is the folder holding Setup.com on each node (service packs).
	Media string
	// Package is the .msp or hotfix path on each node (rollups, patches).
	Package string
	// PackageBuild is the build the rollup brings, when known; otherwise the
	// rollup's postcondition is "build went up".
	PackageBuild Build
	// Reboot after install-rollup / install-patch.
	Reboot RebootPolicy
	// MoveBack moves each CMS back to its original node at the end of a
	// rollup or patch window (one more brief outage).
	MoveBack bool
	// MoveWait is the /wait seconds for cluster.exe group moves.
	MoveWait int
}

// DefaultMoveWait is long enough for an Exchange group to come Online;
// without /wait cluster.exe gives up after 20 seconds (PROCEDURES 2.1).
const DefaultMoveWait = 300
