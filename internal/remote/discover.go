package remote

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"cmsrunbook/runbook"
)

// nodeInfo is what one node's discovery script reported.
type nodeInfo struct {
	ok       bool
	err      error
	os       runbook.OS
	boot     string
	cp       int
	clussvc  bool
	build    runbook.Build
	pending  bool
	cluster  string
	nodes    []record // node name state
	groups   []record // group name state owner cms
	hasClus  bool
	hostname string
}

// clusterInfo is what the Exchange script reported.
type exchangeInfo struct {
	cms    map[string]record // upper-case name -> cms name storage build state
	copies []record
}

// OS versions (Win32_OperatingSystem.Version): 5.2 is Server 2003 (and
// R2), 6.0 is Server 2008, 6.1 is 2008 R2 (reported as 2008: the same
// rules apply to Exchange 2007).
func parseOS(version, sp string) runbook.OS {
	var os runbook.OS
	switch {
	case strings.HasPrefix(version, "5.2"):
		os.Family = runbook.Windows2003
	case strings.HasPrefix(version, "6."):
		os.Family = runbook.Windows2008
	case strings.HasPrefix(version, "5.1"):
		os.Family = runbook.WindowsXP
	}
	os.SP, _ = strconv.Atoi(strings.TrimSpace(sp))
	return os
}

// discoverNode runs the node script, with the cluster part when lead.
func (e *Executor) discoverNode(ctx context.Context, node string, lead bool) nodeInfo {
	ctx, cancel := context.WithTimeout(ctx, e.opts.NodeTimeout)
	defer cancel()
	flag := "0"
	if lead {
		flag = "1"
	}
	var ni nodeInfo
	code, stderr, err := e.script(ctx, node, ScriptDiscoverNode, []Param{{"Cluster", flag}}, func(r record) {
		switch r.field(0) {
		case "host":
			ni.hostname = r.field(1)
		case "os":
			ni.os = parseOS(r.field(1), r.field(2))
			ni.boot = r.field(3)
		case "cp":
			ni.cp, _ = strconv.Atoi(r.field(1))
		case "clussvc":
			ni.clussvc = r.field(1) == "1"
		case "exchange":
			ni.build, _ = runbook.ParseBuild(r.field(1))
		case "pending":
			n, _ := strconv.Atoi(r.field(1))
			ni.pending = n > 0
		case "cluster":
			ni.cluster, ni.hasClus = r.field(1), true
		case "node":
			ni.nodes = append(ni.nodes, r)
		case "group":
			ni.groups = append(ni.groups, r)
		}
	})
	switch {
	case err != nil:
		ni.err = err
	case ni.boot == "":
		ni.err = fmt.Errorf("%s: the discovery script printed no facts (exit %d): %s", node, code, stderr)
	default:
		ni.ok = true
		if ni.cp > 0 {
			if c, cerr := e.conn(node); cerr == nil {
				c.setCodePage(ni.cp)
			}
		}
	}
	return ni
}

func (e *Executor) discoverExchange(ctx context.Context, node string, cms []string) (exchangeInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, e.opts.ExchangeTimeout)
	defer cancel()
	xi := exchangeInfo{cms: map[string]record{}}
	code, stderr, err := e.script(ctx, node, ScriptDiscoverExchange, []Param{{"Cms", strings.Join(cms, ",")}}, func(r record) {
		switch r.field(0) {
		case "cms":
			xi.cms[strings.ToUpper(r.field(1))] = r
		case "copy":
			xi.copies = append(xi.copies, r)
		}
	})
	if err != nil {
		return xi, fmt.Errorf("reading Exchange status on %s: %w", node, err)
	}
	if len(cms) > 0 && len(xi.cms) == 0 {
		return xi, fmt.Errorf("reading Exchange status on %s: no answer for %s (exit %d): %s", node, strings.Join(cms, ", "), code, stderr)
	}
	return xi, nil
}

// Observe discovers the cluster: every node's own facts in parallel (a
// node that does not answer within NodeTimeout is reported unreachable and
// Down, not as an error of the whole observation), the cluster's nodes and
// groups from one node's WMI, then the Exchange view from the same node.
// It fails only when no node answers, when credentials are refused, or
// when the Exchange view cannot be read.
func (e *Executor) Observe(ctx context.Context) (runbook.Observation, error) {
	if err := ctx.Err(); err != nil {
		return runbook.Observation{}, err
	}
	e.mu.Lock()
	lead := e.lead
	e.mu.Unlock()
	infos := make([]nodeInfo, len(e.order))
	var wg sync.WaitGroup
	for i, name := range e.order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			infos[i] = e.discoverNode(ctx, e.conns[name].name, i == lead)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return runbook.Observation{}, err
	}
	var lost []error
	for _, ni := range infos {
		if ni.err != nil && errors.Is(ni.err, runbook.ErrAuthFailed) {
			return runbook.Observation{}, fmt.Errorf("discovering the cluster: %w", ni.err)
		}
		if ni.err != nil {
			lost = append(lost, ni.err)
		}
	}
	// The cluster-wide view: from the lead, or else the next node that
	// answers with a running Cluster service.
	src := -1
	if infos[lead].ok && infos[lead].hasClus {
		src = lead
	} else {
		for k := 1; k < len(e.order); k++ {
			i := (lead + k) % len(e.order)
			if !infos[i].ok || !infos[i].clussvc {
				continue
			}
			if ni := e.discoverNode(ctx, e.conns[e.order[i]].name, true); ni.ok && ni.hasClus {
				infos[i], src = ni, i
				break
			}
		}
	}
	if src < 0 {
		if len(lost) == len(infos) {
			return runbook.Observation{}, fmt.Errorf("discovering the cluster: no node answers: %w", errors.Join(lost...))
		}
	} else {
		e.mu.Lock()
		e.lead = src
		e.mu.Unlock()
	}
	obs := e.assemble(infos, src)
	if src >= 0 {
		var cms []string
		for _, g := range obs.Cluster.CMSs() {
			cms = append(cms, g.Name)
		}
		xi, err := e.discoverExchange(ctx, e.conns[e.order[src]].name, cms)
		if err != nil {
			return runbook.Observation{}, err
		}
		applyExchange(&obs.Cluster, xi)
	}
	return obs, nil
}

// assemble builds the Observation. Nodes keep inventory order; a node that
// did not answer keeps the OS and build it last reported (a reboot does
// not make the planner forget them).
func (e *Executor) assemble(infos []nodeInfo, src int) runbook.Observation {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := runbook.Cluster{Name: e.inv.Cluster, Type: runbook.SCC, Management: e.inv.Management}
	if c.Management != nil {
		m := *c.Management
		c.Management = &m
	}
	facts := map[string]runbook.NodeFacts{}
	states := map[string]runbook.NodeState{}
	if src >= 0 {
		if infos[src].cluster != "" {
			c.Name = infos[src].cluster
		}
		for _, r := range infos[src].nodes {
			states[strings.ToUpper(r.field(1))] = runbook.NodeStateFromWMI(r.field(2))
		}
	}
	for i, key := range e.order {
		ni := infos[i]
		if ni.ok {
			e.last[key] = ni
		}
		prev := e.last[key]
		n := runbook.Node{Name: e.conns[key].name, OS: prev.os, Build: prev.build, Pending: prev.pending}
		switch st, ok := states[key]; {
		case !ni.ok || !ni.clussvc:
			n.State = runbook.NodeDown
		case ok:
			n.State = st
		default:
			n.State = runbook.NodeDown
		}
		if c.OS.Family == "" && prev.os.Family != "" {
			c.OS = prev.os
		}
		c.Nodes = append(c.Nodes, n)
		facts[key] = runbook.NodeFacts{Reachable: ni.ok, ClusterService: ni.ok && ni.clussvc, BootID: bootOr(ni, prev)}
	}
	for i := range c.Nodes {
		if c.Nodes[i].OS == c.OS {
			c.Nodes[i].OS = runbook.OS{} // same as the cluster
		}
	}
	if src >= 0 {
		for _, r := range infos[src].groups {
			owner := r.field(3)
			if n := c.Node(owner); n != nil {
				owner = n.Name
			}
			c.Groups = append(c.Groups, runbook.Group{Name: r.field(1), State: runbook.GroupStateFromWMI(r.field(2)), Owner: owner, CMS: r.field(4) == "1"})
		}
	}
	return runbook.Observation{Cluster: c, Facts: facts}
}

func bootOr(ni, prev nodeInfo) string {
	if ni.ok {
		return ni.boot
	}
	return prev.boot
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
