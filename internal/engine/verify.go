package engine

import (
	"context"
	"fmt"
	"time"

	"cmsrunbook/runbook"
)

// verify polls live state until the postcondition holds or the verify
// timeout passes: cluster.exe returns when ownership changes, not when a
// group is Online. The end-of-window check does not wait: it holds or it
// does not.
func (e *Engine) verify(ctx context.Context, st *stepRun) (phase, error) {
	s := st.step
	timeout := e.cfg.VerifyTimeout
	if w := time.Duration(runbook.VerifyWaitSeconds(s, e.cfg.Options)) * time.Second; w > timeout {
		timeout = w
	}
	deadline := e.cfg.Clock.Now().Add(timeout)
	for {
		obs, err := e.observe(ctx)
		if err != nil && !transient(err) {
			return phaseDone, err
		}
		if err == nil {
			unmet := runbook.Unmet(s, &obs, st.before, e.cfg.Options)
			if len(unmet) == 0 {
				return phaseDone, e.succeeded(st)
			}
			if !e.cfg.Clock.Now().Before(deadline) || s.Exec == runbook.ExecCheck {
				st.failure = &runbook.Failure{Step: s, Unmet: unmet, Output: st.output}
				runbook.AnnotateFailure(st.failure, &obs, st.before, e.cfg.Options)
				return phaseDiagnose, nil
			}
		}
		if err := e.cfg.Clock.Sleep(ctx, e.cfg.PollInterval); err != nil {
			return phaseDone, err
		}
	}
}

// waitReboot waits for the node to go away and come back with a new boot
// ID and a Cluster service that answers.
func (e *Engine) waitReboot(ctx context.Context, st *stepRun) (phase, error) {
	s := st.step
	deadline := e.cfg.Clock.Now().Add(e.cfg.RebootTimeout)
	for {
		obs, err := e.observe(ctx)
		if err == nil {
			f := obs.Fact(s.Node)
			if f.Reachable && f.ClusterService && f.BootID != st.bootBefore {
				return phaseVerify, nil
			}
		} else if !transient(err) {
			return phaseDone, err
		}
		if !e.cfg.Clock.Now().Before(deadline) {
			st.failure = &runbook.Failure{Step: s, Timeout: true, Output: st.output}
			return phaseDiagnose, nil
		}
		if err := e.cfg.Clock.Sleep(ctx, e.cfg.PollInterval); err != nil {
			return phaseDone, err
		}
	}
}

// waitReplication holds a CMS move retry until the copy is Healthy and the
// queues are near zero (Exchange refuses the handoff before), showing the
// queues as they drain. It gives up after the verify timeout and lets the
// move be refused again, with the queues in the diagnosis.
func (e *Engine) waitReplication(ctx context.Context, st *stepRun) error {
	deadline := e.cfg.Clock.Now().Add(e.cfg.VerifyTimeout)
	last := ""
	for {
		obs, err := e.observe(ctx)
		if err != nil && !transient(err) {
			return err
		}
		if err == nil {
			r := obs.Cluster.Replication
			if obs.Cluster.Type != runbook.CCR || r.Healthy && r.CopyQueue <= runbook.NearZeroQueue && r.ReplayQueue <= runbook.NearZeroQueue {
				return nil
			}
			line := fmt.Sprintf("waiting for replication: copy queue %d, replay queue %d", r.CopyQueue, r.ReplayQueue)
			if line != last {
				last = line
				if err := e.output(st, st.step.Node, runbook.OutputLine{Stream: runbook.Stdout, Text: line}, 0); err != nil {
					return err
				}
			}
		}
		if !e.cfg.Clock.Now().Before(deadline) {
			return nil
		}
		if err := e.cfg.Clock.Sleep(ctx, e.cfg.PollInterval); err != nil {
			return err
		}
	}
}
