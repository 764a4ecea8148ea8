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

// Clock is the engine's time: real for a real cluster, the simulator's
// scaled clock in training (at --speed max a Sleep returns at once and only
// moves simulated time).
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends.
	Sleep(ctx context.Context, d time.Duration) error
}
