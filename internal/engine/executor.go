package engine

import (
	"context"
	"time"

	"cmsrunbook/runbook"
)

// Executor is how the engine reaches the cluster: the in-process simulator
// for training and tests, WinRM for a real cluster. It is defined here,
// where it is used, in runbook types only, so neither implementation
// imports the engine.
type Executor interface {
	// Observe reads the live state: nodes, groups, CMS, replication,
	// builds, boot IDs. It is how every postcondition is verified and how
	// a retry or a resume finds out what already holds.
	Observe(ctx context.Context) (runbook.Observation, error)
	// Run runs one short command to completion, streaming its output.
	Run(ctx context.Context, cmd runbook.Command, out func(runbook.OutputLine)) (runbook.ExecResult, error)
	// StartJob starts a long-running command detached on its node (it
	// survives a dropped connection or a crashed runbook) under jobID.
	StartJob(ctx context.Context, cmd runbook.Command, jobID string) error
	// Job reports a detached job's state; Found is false when no job of
	// that ID was ever started on the node.
	Job(ctx context.Context, node, jobID string) (runbook.JobState, error)
	// TailJob streams the job's log from a byte offset until the job ends
	// (or ctx ends), and returns its final state.
	TailJob(ctx context.Context, node, jobID string, from int64, out func(runbook.OutputLine, int64)) (runbook.JobState, error)
}

// WaitObserver is an Executor that can read live state more cheaply for
// the engine's waits on node and cluster facts: a node coming back from a
// restart, the postcondition of a step that reads no Exchange fact (a
// node paused or resumed, groups moved, a node's build after Setup).
// ObserveWait reads everything Observe reads, but may take the Exchange
// part (CMS states and builds as Exchange reports them, copy status) from
// an earlier observation while nothing can have changed it; on a real
// cluster that part starts a scheduled task and loads the Exchange
// snap-in, seconds of a node's time on every 5 s poll. The engine uses it
// only where no decision rests on an Exchange fact (waitObserve); gates,
// guards, re-checks and the verification of CMS steps always Observe.
// An Executor without it is observed with Observe throughout.
type WaitObserver interface {
	ObserveWait(ctx context.Context) (runbook.Observation, error)
}

// Clock is the engine's time: real for a real cluster, the simulator's
// scaled clock in training (at --speed max a Sleep returns at once and only
// moves simulated time).
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends.
	Sleep(ctx context.Context, d time.Duration) error
}
