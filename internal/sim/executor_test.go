package sim_test

import (
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/sim"
)

// The simulator satisfies the engine's interfaces without importing the
// engine; this keeps it so.
var (
	_ engine.Executor = (*sim.Sim)(nil)
	_ engine.Clock    = (*sim.Sim)(nil)
)
