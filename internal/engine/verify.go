package engine

import (
	"context"
	"time"

	"cmsrunbook/runbook"
)

// lateFailureGrace is how long a CMS may show a clear late failure
// (Partially Online: databases dismounted; Failed) on the node a step put
// it on before the step fails, instead of after the whole verify timeout:
// users are waiting.
const lateFailureGrace = time.Minute

// verify polls live state until the postcondition holds or the verify
// timeout passes: cluster.exe returns when ownership changes, not when a
// group is Online. The end-of-window check does not wait: it holds or it
// does not.
func (e *Engine) verify(ctx context.Context, st *stepRun) (phase, error) {
	s := st.step
	unmet, obs, err := e.pollUntil(ctx, s, st.before, runbook.VerifyLimit(s, e.cfg.Options, e.cfg.VerifyTimeout))
	if authFailed(err) {
		return e.execFailure(st, err)
	}
	if err != nil {
		return phaseDone, err
	}
	if len(unmet) == 0 {
		return phaseDone, e.succeeded(st)
	}
	st.failure = &runbook.Failure{Step: s, Unmet: unmet, Output: st.output}
	runbook.AnnotateFailure(st.failure, obs, st.before, e.cfg.Options)
	return phaseDiagnose, nil
}

// pollUntil reads live state until s's postcondition holds, a late
// failure of its CMS has lasted lateFailureGrace, or timeout passes. It
// returns what does not hold (empty: it holds) and the last observation.
func (e *Engine) pollUntil(ctx context.Context, s runbook.Step, before *runbook.Observation, timeout time.Duration) ([]string, *runbook.Observation, error) {
	start := e.cfg.Clock.Now()
	var last runbook.Observation
	var failingSince time.Time
	for {
		obs, err := e.observeFor(ctx, s)
		if err != nil && (!transient(err) || recordFailed(err)) {
			return nil, nil, err
		}
		if err == nil {
			last = obs
			unmet := runbook.Unmet(s, &obs, before, e.cfg.Options)
			if len(unmet) == 0 {
				return nil, &last, nil
			}
			now := e.cfg.Clock.Now()
			if lateFailure(&obs.Cluster, s) {
				if failingSince.IsZero() {
					failingSince = now
				}
			} else {
				failingSince = time.Time{}
			}
			if now.Sub(start) >= timeout || !failingSince.IsZero() && now.Sub(failingSince) >= lateFailureGrace {
				return unmet, &last, nil
			}
		}
		if err := e.cfg.Clock.Sleep(ctx, e.cfg.PollInterval); err != nil {
			return nil, nil, err
		}
	}
}

// observeFor reads live state for s's postcondition: the cheaper wait
// read when nothing it checks comes from Exchange (readsExchange), else a
// full Observe, so the verification of a CMS step, of the end of the
// window or of a check never sees a stale Exchange view.
func (e *Engine) observeFor(ctx context.Context, s runbook.Step) (runbook.Observation, error) {
	if readsExchange(s) {
		return e.observe(ctx)
	}
	return e.waitObserve(ctx)
}

// readsExchange reports a step whose postcondition (or late-failure
// check) reads what only Exchange reports: a CMS's state, owner or build,
// copy status (the end-of-window invariants), or anything of a check.
func readsExchange(s runbook.Step) bool {
	return s.Post.CMS != "" || s.CMS != "" || s.Post.Invariants || s.Exec == runbook.ExecCheck ||
		s.Kind == runbook.KindPreflight || s.Kind == runbook.KindVerify
}

// waitObserve is observe through the executor's WaitObserver when it has
// one: for waits on node and cluster facts only.
func (e *Engine) waitObserve(ctx context.Context) (runbook.Observation, error) {
	w, ok := e.cfg.Exec.(WaitObserver)
	if !ok {
		return e.observe(ctx)
	}
	obs, err := w.ObserveWait(ctx)
	if err != nil {
		return obs, err
	}
	// As observe does: show it, and move the outage clock (the CMS
	// states in it are fresh whenever the cluster saw a CMS change).
	if e.cfg.Observed != nil {
		e.cfg.Observed(obs)
	}
	if err := e.outage.follow(&obs); err != nil {
		return obs, &recordError{err}
	}
	return obs, nil
}

// lateFailure: the step's CMS is Partially Online or Failed where the step
// put it, a state that does not clear on its own.
func lateFailure(c *runbook.Cluster, s runbook.Step) bool {
	if runbook.PartiallyOnlineAt(c, s) {
		return true
	}
	g := c.Group(s.CMS)
	return s.CMS != "" && g != nil && g.State == runbook.GroupFailed
}

// waitReboot waits for the node to go away and come back with a new boot
// ID and a Cluster service that answers.
func (e *Engine) waitReboot(ctx context.Context, st *stepRun) (phase, error) {
	s := st.step
	deadline := e.cfg.Clock.Now().Add(e.cfg.RebootTimeout)
	for {
		obs, err := e.waitObserve(ctx)
		if err == nil {
			f := obs.Fact(s.Node)
			if f.Reachable && f.ClusterService && runbook.BootChanged(st.bootBefore, f.BootID) {
				return phaseVerify, nil
			}
		} else if authFailed(err) {
			return e.execFailure(st, err)
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
			line := say("waiting for replication: copy queue %d, replay queue %d", r.CopyQueue, r.ReplayQueue)
			if line != last {
				last = line
				if err := e.output(st, st.step.Node, runbook.OutputLine{Stream: runbook.Note, Text: line}, 0); err != nil {
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

// sentRebootGrace is how long a resume watches a node whose restart was
// recorded as started but which still runs its old boot: shutdown /r /t 5
// takes it down within seconds when the command left before the crash.
const sentRebootGrace = 2 * time.Minute

// awaitSentReboot watches the node for sentRebootGrace and returns the
// last observation: the node away or back on a new boot means the restart
// was sent and is not sent again.
func (e *Engine) awaitSentReboot(ctx context.Context, st *stepRun) (runbook.Observation, error) {
	deadline := e.cfg.Clock.Now().Add(sentRebootGrace)
	for {
		if err := e.cfg.Clock.Sleep(ctx, e.cfg.PollInterval); err != nil {
			return runbook.Observation{}, err
		}
		obs, err := e.waitObserve(ctx)
		if err != nil && (recordFailed(err) || !transient(err)) {
			return obs, err
		}
		if err == nil && st.rebootUnderWay(&obs) || !e.cfg.Clock.Now().Before(deadline) {
			return obs, err
		}
	}
}
