package remote

// This file is discovery's Exchange part: the cmdlets run as a scheduled
// task (the double hop), what they report, and when a wait may reuse the
// last view instead of asking Exchange again.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"cmsrunbook/runbook"
)

// discoverExchange reads the CMS states and builds and the copy status
// as Exchange reports them, on node, through the job runner.
func (e *Executor) discoverExchange(ctx context.Context, node string, cms []string) (exchangeInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, e.opts.ExchangeTimeout)
	defer cancel()
	xi := exchangeInfo{cms: map[string]record{}}
	s, err := BuildScript(ScriptDiscoverExchange, []Param{{"Cms", strings.Join(cms, ",")}}, "")
	if err != nil {
		return xi, err
	}
	// The snap-in needs Active Directory, so this runs through the job
	// runner too; the records come back in the job's log.
	var other []string
	code, err := e.runJob(ctx, node, "discover", s, "", func(l runbook.OutputLine) {
		if strings.Contains(l.Text, "\t") {
			xi.exchangeRecord(record(strings.Split(l.Text, "\t")))
		} else if len(other) < 20 && strings.TrimSpace(l.Text) != "" {
			other = append(other, l.Text)
		}
	})
	if err != nil {
		return xi, wrap(say("reading Exchange status on %s: %s", node, err), err)
	}
	if len(cms) > 0 && len(xi.cms) == 0 {
		return xi, errors.New(say("reading Exchange status on %s: no answer for %s (exit %s): %s", node, strings.Join(cms, ", "), strconv.Itoa(code), strings.Join(other, "\n")))
	}
	return xi, nil
}

// exchangeRecord reads one record of discover-exchange into xi.
func (xi *exchangeInfo) exchangeRecord(r record) {
	switch r.field(0) {
	case "cms":
		xi.cms[strings.ToUpper(r.field(1))] = r
	case "copy":
		xi.copies = append(xi.copies, r)
	}
}

// exchangeView is the Exchange part of the last observation that read
// it, for ObserveWait.
type exchangeView struct {
	ok     bool
	xi     exchangeInfo
	gen    uint64 // Executor.xgen when it was read
	cms    string // cmsFingerprint of the cluster it was read with
	reused int    // waits that reused it since
}

// maxExchangeReuse bounds how many waits in a row reuse one Exchange view,
// so what the screen shows of replication during a long wait (a node
// restarting for 20 minutes) is never older than about a minute of 5 s
// polls. No decision rests on it (exchangeView.reusable).
const maxExchangeReuse = 11

// reusable decides whether ObserveWait may reuse the last Exchange view
// (the invalidation rule); Observe never does. Safety comes first: what Exchange
// reports gates the outage steps (CMS state, the CMS build, copy status
// and queues), so a stale view must never reach a check that rests on
// it. The rule, all of which must hold:
//
//   - the engine asked for a wait on node and cluster facts (ObserveWait),
//     never a gate, a guard, the re-check before a step, or the
//     verification of a step whose postcondition reads Exchange (a CMS
//     step, the end-of-window check): those call Observe, which always
//     reads Exchange afresh, as does every observation after a failure;
//   - no command that can change Exchange state was sent since the view
//     was read (noteCommand): any PowerShell line (the Exchange cmdlets:
//     stop, move, start a CMS; the remedies that mount databases), Setup,
//     an update, and anything not known to leave Exchange alone; only
//     pausing, resuming, moving the non-CMS groups and restarting a node
//     keep it;
//   - the cluster's own view of every CMS (its group's owner and state,
//     read fresh from WMI on every poll) is what it was when the view was
//     read: a CMS that fails over, goes offline or partially online while
//     the engine waits shows there first, and the view is read again in
//     the same poll;
//   - it was reused fewer than maxExchangeReuse times in a row.
func (v exchangeView) reusable(gen uint64, cms string) bool {
	return v.ok && v.gen == gen && v.cms == cms && v.reused < maxExchangeReuse
}

// cmsFingerprint is the cluster's own view of its CMSs: each one's name,
// owner and group state, as WMI reported them.
func cmsFingerprint(ci clusterInfo) string {
	var b strings.Builder
	for _, r := range ci.groups {
		if r.field(4) == "1" {
			fmt.Fprintf(&b, "%s\x00%s\x00%s\n", strings.ToUpper(r.field(1)), strings.ToUpper(r.field(3)), runbook.GroupStateFromWMI(r.field(2)))
		}
	}
	return b.String()
}

// exchange is the Exchange view for the cluster ci describes: the last
// one when wait allows (exchangeView.reusable), else read now on node.
func (e *Executor) exchange(ctx context.Context, ci clusterInfo, node string, wait bool) (exchangeInfo, error) {
	fp := cmsFingerprint(ci)
	e.mu.Lock()
	gen := e.xgen
	if v := e.xview; wait && v.reusable(gen, fp) {
		e.xview.reused++
		e.mu.Unlock()
		return v.xi, nil
	}
	e.mu.Unlock()
	var cms []string
	for _, r := range ci.groups {
		if r.field(4) == "1" {
			cms = append(cms, r.field(1))
		}
	}
	xi, err := e.discoverExchange(ctx, node, cms)
	if err != nil {
		return xi, err
	}
	e.mu.Lock()
	e.xview = exchangeView{ok: true, xi: xi, gen: gen, cms: fp}
	e.mu.Unlock()
	return xi, nil
}

// noteCommand is called before a command is sent: unless its kind is
// known to leave Exchange alone, the Exchange view is read afresh by the
// next observation, wait or not.
func (e *Executor) noteCommand(cmd runbook.Command) {
	if cmd.Shell != runbook.ShellPowerShell {
		switch cmd.Kind {
		case runbook.KindPauseNode, runbook.KindResumeNode, runbook.KindMoveGroups, runbook.KindRebootNode:
			return
		}
	}
	e.mu.Lock()
	e.xgen++
	e.mu.Unlock()
}

// applyExchange adds the CMS builds and states, the cluster type and the
// CCR copy status.
func applyExchange(c *runbook.Cluster, xi exchangeInfo) {
	shared := false
	nonShared := false
	for i := range c.Groups {
		g := &c.Groups[i]
		r, ok := xi.cms[strings.ToUpper(g.Name)]
		if !g.CMS || !ok {
			continue
		}
		switch strings.ToLower(r.field(2)) {
		case "nonshared":
			nonShared = true
		case "shared":
			shared = true
		}
		g.Build, _ = runbook.ParseBuild(r.field(3))
		if st, ok := runbook.CMSStateFromEnum(r.field(4)); ok {
			g.State = st
		}
	}
	switch {
	case nonShared:
		c.Type = runbook.CCR
	case shared:
		c.Type = runbook.SCC
	case len(c.Nodes) == 2:
		c.Type = runbook.CCR
	}
	if len(xi.copies) > 0 {
		c.Replication.Healthy = true
		for _, r := range xi.copies {
			if !strings.EqualFold(r.field(3), "Healthy") {
				c.Replication.Healthy = false
			}
			cq, _ := strconv.Atoi(r.field(4))
			rq, _ := strconv.Atoi(r.field(5))
			c.Replication.CopyQueue += cq
			c.Replication.ReplayQueue += rq
		}
	}
}
