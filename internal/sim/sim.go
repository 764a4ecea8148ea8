// Package sim is the simulated cluster cmsrunbook trains on and is tested
// against: a two- to eight-node Windows failover cluster running Exchange
// 2007 clustered mailbox servers, with a command interpreter that answers
// the lines the engine sends (runbook/render.go) and the lines an engineer
// types, a simulated clock, detached jobs with byte-offset logs, and the
// faults and replayed transcripts a scenario asks for.
//
// The world enforces the real rules itself (a paused node cannot take
// groups, Exchange refuses a handoff while replication lags, /mode:upgrade
// on the old active node before /upgradecms breaks the CMS, ...), so a
// trainee or a test learns the procedure from the cluster's reactions and
// not from the engine's opinion of them.
//
// There is no goroutine: the world advances lazily. Scheduled events (a
// group reaching Online, a node coming back from a reboot, a Setup phase
// ending) are processed whenever simulated time moves, in Sleep, Run,
// TailJob, Observe and every other call. At speed max nothing ever waits in
// real time, so a whole maintenance window runs in milliseconds and, for a
// given seed and sequence of calls, always the same way.
package sim

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// Options tune a simulation.
type Options struct {
	// Speed is simulated seconds per real second; 0 or +Inf means max:
	// never wait in real time, only move simulated time.
	Speed float64
	// Seed makes the small random variations (durations, boot times)
	// reproducible.
	Seed int64
}

// Epoch is the simulated instant every simulation starts at: the evening a
// typical window opens.
var Epoch = time.Date(2026, 11, 28, 22, 0, 0, 0, time.UTC)

// Sim is one simulated cluster. Every exported method is safe for
// concurrent use: one mutex guards the whole world, and it is released
// whenever a call waits in real time or hands output to a callback, so a
// callback may call back into the Sim.
type Sim struct {
	mu  sync.Mutex
	clk clock
	rng *rand.Rand

	events eventQueue
	seq    uint64 // orders events scheduled for the same instant

	w       world
	faults  []*faultState
	outputs []config.Output
	timing  config.Timing
	nextPID int
	// nodes holds each node's disk, scheduled tasks and running batch
	// files (node_files.go), made on first use.
	nodes map[string]*nodeSystem

	// seed, ops and replaying serve MarshalState and Restore (state.go).
	seed      int64
	ops       []op
	replaying bool
}

// New builds the world of a scenario. The scenario is not modified.
func New(sc *config.Scenario, o Options) *Sim {
	s := &Sim{
		rng:     rand.New(rand.NewPCG(uint64(o.Seed), uint64(o.Seed)^0x9e3779b97f4a7c15)),
		outputs: append([]config.Output(nil), sc.Outputs...),
		seed:    o.Seed,
	}
	s.clk.init(o.Speed)
	for _, f := range sc.Faults {
		s.faults = append(s.faults, &faultState{f: f})
	}
	s.timing = s.defaultTiming(sc.Timing)
	s.w = s.buildWorld(sc)
	return s
}

// SetSpeed changes how fast simulated time runs (the TUI's + and -); 0 or
// +Inf is max. Callers waiting in real time re-plan their wait at once.
func (s *Sim) SetSpeed(speed float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	s.clk.setSpeed(speed)
}

// SetupStarts reports how many times Setup.com was started on a node, so
// tests can assert that a re-attaching engine never starts it twice.
func (s *Sim) SetupStarts(node string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.w.node(node); n != nil {
		return n.setupStarts
	}
	return 0
}

// Snapshot returns the current world as Observe would, without consuming
// any fault: for tests and for the TUI.
func (s *Sim) Snapshot() runbook.Observation {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	return s.observation()
}

// defaultTiming fills the durations a scenario leaves out. Defaults vary a
// little with the seed, as real steps do; durations a scenario gives are
// used exactly, so a scenario author gets what they wrote.
func (s *Sim) defaultTiming(t config.Timing) config.Timing {
	pick := func(v *time.Duration, def time.Duration) {
		if *v > 0 {
			return
		}
		jitter := 0.9 + 0.2*s.rng.Float64()
		*v = time.Duration(math.Round(float64(def)*jitter/float64(time.Second))) * time.Second
	}
	pick(&t.Pause, 2*time.Second)
	pick(&t.GroupMove, 15*time.Second)
	pick(&t.SetupUpgrade, 30*time.Minute)
	pick(&t.UpgradeCMS, 8*time.Minute)
	pick(&t.Install, 10*time.Minute)
	pick(&t.Reboot, 4*time.Minute)
	pick(&t.Resume, 2*time.Second)
	pick(&t.CMSStop, time.Minute)
	pick(&t.CMSMove, 90*time.Second)
	pick(&t.CMSStart, 45*time.Second)
	pick(&t.ReplicationCatchup, 2*time.Minute)
	return t
}

// eq compares Windows names, which are case-insensitive.
func eq(a, b string) bool { return strings.EqualFold(a, b) }
