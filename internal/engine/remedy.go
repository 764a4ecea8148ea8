package engine

import (
	"context"
	"strings"

	"cmsrunbook/runbook"
)

// gate is the check before an outage: before a step takes a CMS that
// still runs down (its stop, or an online handoff), the whole handoff path
// is checked on live state; what fails is returned and nothing is sent.
// The manual fallback is not gated: a person chose it after a refusal,
// with its warning that it skips Exchange's checks.
func (e *Engine) gate(st *stepRun, obs *runbook.Observation) []string {
	s := st.step
	if !runbook.OpensOutage(s) || e.outage.on || st.manual {
		return nil
	}
	if g := obs.Cluster.Group(s.CMS); g == nil || g.State != runbook.GroupOnline {
		return nil // already down: the gate cannot keep users on any more
	}
	target := runbook.HandoffTarget(e.steps, s, &obs.Cluster)
	return runbook.HandoffBlockers(&obs.Cluster, s.CMS, target, e.cfg.Options)
}

// addWayBack tells the failure which CMSs are down and how users get back.
func (e *Engine) addWayBack(st *stepRun, obs *runbook.Observation) {
	down := runbook.DownCMSs(&obs.Cluster)
	if len(down) == 0 {
		return
	}
	cms := down[0]
	for _, d := range down {
		if strings.EqualFold(d, st.step.CMS) {
			cms = d
		}
	}
	st.failure.Down = down
	st.failure.WayBack = runbook.WayBack(&obs.Cluster, cms, e.origOwner[strings.ToUpper(cms)])
}

// runRemedy sends a remedy's commands on its node, then re-checks the step.
func (e *Engine) runRemedy(ctx context.Context, st *stepRun, r runbook.Remedy) (phase, error) {
	for _, line := range r.Commands {
		res, err := e.runCommand(ctx, st, remedyCommand(st.step, r, line))
		if err != nil {
			if transient(err) {
				return phaseStart, nil // the re-check reads what happened
			}
			if authFailed(err) {
				return e.execFailure(st, err)
			}
			return phaseDone, err
		}
		if res.ExitCode != 0 {
			break // the re-check says what still does not hold
		}
	}
	return phaseStart, nil
}

// wayBack brings users back while the CMS is down: it sends the remedy's
// commands, waits for the CMS to be Online, and stops the window there.
// The journal keeps the place: a resume redoes the outage from the stop.
func (e *Engine) wayBack(ctx context.Context, st *stepRun, r runbook.Remedy) (phase, error) {
	s := st.step
	for _, line := range r.Commands {
		res, err := e.runCommand(ctx, st, remedyCommand(s, r, line))
		if err != nil {
			return e.execFailure(st, err)
		}
		if res.ExitCode != 0 {
			code := res.ExitCode
			st.failure = &runbook.Failure{Step: s, ExitCode: &code, Output: st.output}
			return phaseDiagnose, nil
		}
	}
	back := runbook.Step{ID: s.ID, Kind: runbook.KindStartCMS, Node: r.Node, CMS: s.CMS,
		Post: runbook.Post{CMS: s.CMS, CMSState: runbook.GroupOnline, Text: s.CMS + " is Online"}}
	if unmet, _, err := e.pollUntil(ctx, back, st.before, e.cfg.VerifyTimeout); err != nil || len(unmet) > 0 {
		if authFailed(err) {
			return e.execFailure(st, err)
		}
		if err != nil {
			return phaseDone, err
		}
		st.failure = &runbook.Failure{Step: s, Unmet: unmet, Output: st.output}
		return phaseDiagnose, nil
	}
	msg := say("%s is Online again: users are back. The window stops here; resume redoes the outage from the stop of %s once the cause is fixed.", s.CMS, s.CMS)
	if err := e.output(st, "", runbook.OutputLine{Stream: runbook.Note, Text: msg}, 0); err != nil {
		return phaseDone, err
	}
	st.status = runbook.RunAborted
	return phaseDone, nil
}

// remedyCommand is one line of a remedy, on the remedy's node.
func remedyCommand(s runbook.Step, r runbook.Remedy, line string) runbook.Command {
	node, shell := r.Node, r.Shell
	if node == "" {
		node = s.Node
	}
	if shell == "" {
		shell = runbook.ShellPowerShell
	}
	return runbook.Command{Node: node, Shell: shell, Line: line, StepID: s.ID, Kind: s.Kind}
}
