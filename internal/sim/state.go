package sim

import (
	"encoding/json"
	"fmt"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// A simulated world is saved as the calls that changed it, not as its
// state: the world holds scheduled events (closures) that cannot be
// serialised, but it is deterministic for a seed and a sequence of calls,
// so replaying the recorded calls at their recorded simulated instants
// rebuilds it exactly. Only calls that change something are recorded:
// commands and jobs started, and faults that fired outside a command.

// stateVersion guards against restoring a save of another layout, or of
// a world whose rules have changed since (2: Setup refuses with a restart
// pending and leaves a watermark; quorum; a Failed copy stays Failed), as
// replaying its calls under other rules would rebuild another world.
const stateVersion = 2

type savedState struct {
	Version int       `json:"version"`
	Seed    int64     `json:"seed"`
	Now     time.Time `json:"now"`
	Ops     []op      `json:"ops"`
}

// op is one recorded call.
type op struct {
	At     time.Time       `json:"at"`
	Kind   string          `json:"kind"` // run, start, auth, drop
	Cmd    runbook.Command `json:"cmd"`
	JobID  string          `json:"job,omitempty"`
	Faults bool            `json:"faults,omitempty"`
}

const (
	opRun   = "run"   // a command interpreted by Run or Console
	opStart = "start" // a job started
	opAuth  = "auth"  // an auth-failure fault fired (Cmd zero for Observe)
	opDrop  = "drop"  // a connection-drop fault fired on a tail
)

func (s *Sim) record(kind string, cmd runbook.Command, jobID string, faults bool) {
	if s.replaying {
		return
	}
	s.ops = append(s.ops, op{At: s.clk.now, Kind: kind, Cmd: cmd, JobID: jobID, Faults: faults})
}

// MarshalState saves the world so Restore can rebuild it after the program
// was killed in the middle of a window (a detached Setup keeps running on
// the simulated node, as it would on a real one).
func (s *Sim) MarshalState() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	data, err := json.Marshal(savedState{Version: stateVersion, Seed: s.seed, Now: s.clk.now, Ops: s.ops})
	if err != nil {
		return nil, fmt.Errorf("saving the simulated world: %w", err)
	}
	return data, nil
}

// Restore rebuilds a saved world from its scenario (which must be the one
// it was saved from) and continues at o.Speed from the saved instant. The
// saved seed wins over o.Seed: the world was built with it.
func Restore(sc *config.Scenario, data []byte, o Options) (*Sim, error) {
	var st savedState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("restoring the simulated world: %w", err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("restoring the simulated world: saved by another version (layout %d, want %d)", st.Version, stateVersion)
	}
	s := New(sc, Options{Speed: 0, Seed: st.Seed})
	s.replaying = true
	for i, o := range st.Ops {
		if o.At.Before(s.clk.now) {
			return nil, fmt.Errorf("restoring the simulated world: call %d goes back in time", i+1)
		}
		s.advanceTo(o.At)
		if err := s.replay(o); err != nil {
			return nil, fmt.Errorf("restoring the simulated world: call %d (%s %q): %w", i+1, o.Kind, o.Cmd.Line, err)
		}
	}
	s.advanceTo(st.Now)
	s.replaying = false
	s.ops = st.Ops
	s.clk.setSpeed(o.Speed)
	return s, nil
}

// replay redoes one recorded call's effects on the world.
func (s *Sim) replay(o op) error {
	switch o.Kind {
	case opAuth:
		s.takeFault(faultAuth, o.Cmd)
		return nil
	}
	n := s.w.node(o.Cmd.Node)
	if n == nil {
		return fmt.Errorf("no node %q in this scenario", o.Cmd.Node)
	}
	switch o.Kind {
	case opRun:
		s.interpret(n, o.Cmd, o.Faults)
		if o.Faults {
			s.takeFault(faultDrop, o.Cmd)
		}
	case opStart:
		n.jobs[o.JobID] = s.interpret(n, o.Cmd, true)
	case opDrop:
		p := n.jobs[o.JobID]
		if p == nil {
			return fmt.Errorf("no job %q on %s", o.JobID, n.name)
		}
		s.takeFault(faultDrop, p.cmd)
	default:
		return fmt.Errorf("unknown call %q", o.Kind)
	}
	return nil
}

// Sent lists, in order, every command the nodes received: run to its end
// or started as a detached job, each with the step that sent it (no step
// for a line typed on a console). It reads the calls MarshalState saves,
// so a restored world lists what it received before the save too; tests
// count it per step to show that nothing is sent twice, across crashes.
func (s *Sim) Sent() []runbook.Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []runbook.Command
	for _, o := range s.ops {
		if o.Kind == opRun || o.Kind == opStart {
			out = append(out, o.Cmd)
		}
	}
	return out
}
