package sim

import (
	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// Short names for the fault kinds the interpreter checks.
const (
	faultMoveRefused = config.FaultMoveRefused
	faultMoveLate    = config.FaultMoveLateFailure
	faultSetup       = config.FaultSetupFails
	faultReboot      = config.FaultRebootTimeout
	faultPause       = config.FaultPauseFails
	faultGroupMove   = config.FaultGroupMoveFails
	faultDrop        = config.FaultConnectionDrop
	faultAuth        = config.FaultAuthFailure
	// faultSetupAfterCopy and faultUpgradeCMSPartial are the failures that
	// leave the world half-done: new binaries not configured, a CMS
	// upgraded with a database dismounted.
	faultSetupAfterCopy    = config.FaultSetupFailsAfterCopy
	faultUpgradeCMSPartial = config.FaultUpgradeCMSPartiallyOnline
)

// faultState counts how often a scenario fault has fired.
type faultState struct {
	f     config.Fault
	fired int
	// bound is the node a fault without a node bound itself to when it
	// first fired: "whichever node first runs a step of this kind", and
	// its retries.
	bound string
}

// takeFault reports whether a fault of this kind fires for the command,
// and counts the attempt. A fault matches the command's step kind (a fault
// with no step matches only calls with no step, such as Observe) and its
// node, and fires for its first Times matching attempts, then the world
// behaves normally.
func (s *Sim) takeFault(kind config.FaultKind, cmd runbook.Command) bool {
	for _, fs := range s.faults {
		if !s.faultMatches(fs, kind, cmd) || fs.fired >= fs.f.Times {
			continue
		}
		fs.fired++
		if fs.f.Node == "" && fs.bound == "" {
			fs.bound = cmd.Node
		}
		return true
	}
	return false
}

func (s *Sim) faultMatches(fs *faultState, kind config.FaultKind, cmd runbook.Command) bool {
	if fs.f.Kind != kind || fs.f.Step != cmd.Kind {
		return false
	}
	node := fs.f.Node
	if node == "" {
		node = fs.bound
	}
	return node == "" || eq(node, cmd.Node)
}

// hasFault reports whether the scenario holds a fault of this kind for the
// command's step and node at all, fired or not.
func (s *Sim) hasFault(kind config.FaultKind, cmd runbook.Command) bool {
	for _, fs := range s.faults {
		if s.faultMatches(fs, kind, cmd) {
			return true
		}
	}
	return false
}

// replayFor picks the captured output that replaces the command's own, if
// any. An output whose effect is failure, for a step that also has a
// setup-fails fault, replays only while that fault fires: the transcript
// is what the failure looks like, and a retry after the fault is spent
// succeeds (otherwise a trainee could never recover). Without such a
// fault the output replays on every attempt.
func (s *Sim) replayFor(cmd runbook.Command) *config.Output {
	if cmd.Kind == "" {
		return nil
	}
	var o *config.Output
	for i := range s.outputs {
		c := &s.outputs[i]
		if c.Step != cmd.Kind || c.Node != "" && !eq(c.Node, cmd.Node) {
			continue
		}
		if o == nil || o.Node == "" && c.Node != "" {
			o = c // a node-specific entry beats a general one
		}
	}
	if o == nil {
		return nil
	}
	if o.Effect == config.EffectFailure && s.hasFault(faultSetup, cmd) && !s.takeFault(faultSetup, cmd) {
		return nil
	}
	return o
}
