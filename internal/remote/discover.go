package remote

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"

	"cmsrunbook/runbook"
)

// ScriptDiscoverCluster is the cluster-wide part of discovery: the
// cluster's name, nodes, groups and quorum, read on one node.
const ScriptDiscoverCluster = "discover-cluster"

// RecordFields is, per discovery script and record, how many tab-separated
// fields the parsers below read. The scripts in assets/scripts and the
// simulator behind WinRM must print exactly these (tests hold all three
// to it), so a field the code reads is never one nobody prints.
var RecordFields = map[string]map[string]int{
	ScriptDiscoverNode: {
		"host": 2, "os": 4, "cp": 2, "clussvc": 2, "exchange": 2,
		"role": 5, "pending": 3, "path": 3,
	},
	ScriptDiscoverCluster: {
		"cluster": 2, "node": 3, "group": 5, "quorum": 5,
	},
	ScriptDiscoverExchange: {
		"cms": 5, "copy": 6,
	},
}

// nodeInfo is what one node's discovery script reported.
type nodeInfo struct {
	ok       bool
	err      error
	os       runbook.OS
	boot     string
	cp       int
	clussvc  bool
	build    runbook.Build // the configured build where Setup recorded one, else the file version
	files    runbook.Build // bin\ExSetup.exe's file version
	setup    setupState
	pending  bool
	hostname string
	missing  []string // files the window needs that are not on the node
	// pathsRead: missing is what the node said now; a wait poll does not
	// ask, and the node keeps the files it last reported missing.
	pathsRead bool
}

// setupState is what the role keys under HKLM\SOFTWARE\Microsoft\Exchange
// \v8.0 say: the build Setup last finished configuring (the Mailbox role's,
// else the lowest of the roles'), and the roles a Setup that stopped part
// way left its Watermark or Action values on.
type setupState struct {
	configured runbook.Build
	mailbox    bool // configured is the Mailbox role's
	watermarks []string
}

// clusterInfo is what the cluster script reported.
type clusterInfo struct {
	ok      bool
	err     error
	cluster string
	nodes   []record // node name state
	groups  []record // group name state owner cms
	quorum  runbook.Quorum
}

// exchangeInfo is what the Exchange script reported.
type exchangeInfo struct {
	cms    map[string]record // upper-case name -> cms name storage build state
	copies []record
}

// OS versions (Win32_OperatingSystem.Version): 5.2 is Server 2003 (and
// R2), 6.0 is Server 2008, 6.1 is 2008 R2, which only Exchange 2007 SP3
// supports (runbook.OSFamilyOfVersion).
func parseOS(version, sp string) runbook.OS {
	// A cluster node is a server: 6.0 is Server 2008, 6.1 Server 2008 R2.
	os := runbook.OS{Family: runbook.OSFamilyOfVersion(version, true)}
	os.SP, _ = strconv.Atoi(strings.TrimSpace(sp))
	return os
}

// nodeRecord reads one record of discover-node into ni.
func (ni *nodeInfo) nodeRecord(r record) {
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
		ni.files, _ = runbook.ParseBuild(r.field(1))
	case "role":
		ni.setup.role(r.field(1), r.field(2), r.field(3), r.field(4))
	case "pending":
		n, _ := strconv.Atoi(r.field(1))
		ni.pending = n > 0
	case "path":
		if r.field(2) != "1" {
			ni.missing = append(ni.missing, r.field(1))
		}
	}
}

// role reads one role key: its configured version and its watermark.
func (st *setupState) role(name, configured, watermark, action string) {
	if strings.TrimSpace(watermark) != "" || strings.TrimSpace(action) != "" {
		st.watermarks = append(st.watermarks, name)
	}
	b, err := runbook.ParseBuild(strings.TrimSpace(configured))
	if err != nil {
		return
	}
	mailbox := strings.EqualFold(name, "MailboxRole")
	switch {
	case mailbox:
		st.configured, st.mailbox = b, true
	case st.mailbox:
	case st.configured.IsZero() || b.Compare(st.configured) < 0:
		st.configured = b
	}
}

// finish settles the node's build once every record is read: what Setup
// configured where it says so (a half-done Setup leaves the new file
// version behind, so the file alone would call the node upgraded), else
// the file version.
func (ni *nodeInfo) finish() {
	ni.build = ni.files
	if !ni.setup.configured.IsZero() {
		ni.build = ni.setup.configured
	}
}

// clusterRecord reads one record of discover-cluster into ci.
func (ci *clusterInfo) clusterRecord(r record) {
	switch r.field(0) {
	case "cluster":
		ci.cluster, ci.ok = r.field(1), true
	case "node":
		ci.nodes = append(ci.nodes, r)
	case "group":
		ci.groups = append(ci.groups, r)
	case "quorum":
		ci.quorum = parseQuorum(r.field(1), r.field(2), r.field(3), r.field(4))
	}
}

// parseQuorum reads the quorum resource's type (a resource type name,
// which Windows does not translate) and MSCluster_Resource.State numbers:
// a "Majority Node Set" with a file share (MNSFileShare) is mns-fsw whose
// witness state WMI cannot tell on Windows Server 2003; a 2008 "File
// Share Witness" is mns-fsw with the witness resource's own state; any
// other resource type (a "Physical Disk") is a quorum disk. A majority
// node set without a share read is unknown, not node-majority: the
// private property may simply not be readable through WMI, and calling a
// two-node CCR a bare majority would block every window. No quorum
// resource (a 2008 node majority, or nothing read) is unknown too: the
// inventory's quorum fills what discovery cannot tell.
func parseQuorum(typ, state, share, fsw string) runbook.Quorum {
	typ = strings.TrimSpace(typ)
	switch {
	case typ == "":
		return runbook.Quorum{}
	case strings.EqualFold(typ, "File Share Witness"):
		return runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: witnessFromWMI(state)}
	case strings.EqualFold(typ, "Majority Node Set"):
		if strings.TrimSpace(share) == "" && strings.TrimSpace(fsw) == "" {
			return runbook.Quorum{}
		}
		return runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: witnessFromWMI(fsw)}
	case strings.EqualFold(typ, "Local Quorum"):
		return runbook.Quorum{}
	}
	return runbook.Quorum{Model: runbook.QuorumDisk, Witness: witnessFromWMI(state)}
}

// witnessFromWMI reads MSCluster_Resource.State: 2 Online; 3 Offline and
// 4 Failed both leave the witness without its vote; anything else (-1
// Unknown, 0 Inherited, 1 Initializing, 128-130 Pending) or nothing is
// unknown.
func witnessFromWMI(code string) runbook.WitnessState {
	switch strings.TrimSpace(code) {
	case "2":
		return runbook.WitnessOnline
	case "3", "4":
		return runbook.WitnessFailed
	}
	return runbook.WitnessUnknown
}

// neededFiles are the files the window runs on the nodes: Setup.com in
// the media folder for a service pack, the package for a rollup or an OS
// update. Discovery checks each is there, so a wrong path blocks the plan
// before the window rather than failing a Setup step in it.
//
// Until NeedFiles is called, the inventory's own options decide.
func (e *Executor) neededFiles() []string {
	e.mu.Lock()
	fs := e.files
	e.mu.Unlock()
	if fs != nil {
		return fs
	}
	return filesFor(e.inv.Options)
}

// NeedFiles sets the window's options (the inventory's, with the command
// line's goal or package) whose files discovery checks on every node.
func (e *Executor) NeedFiles(o runbook.Options) {
	fs := filesFor(o)
	if fs == nil {
		fs = []string{}
	}
	e.mu.Lock()
	e.files = fs
	e.mu.Unlock()
}

func filesFor(o runbook.Options) []string {
	var fs []string
	if o.Goal.IsServicePack() && strings.TrimSpace(o.Media) != "" {
		fs = append(fs, strings.TrimRight(strings.TrimSpace(o.Media), `\`)+`\Setup.com`)
	}
	if o.Goal.NeedsPackage() && strings.TrimSpace(o.Package) != "" {
		fs = append(fs, strings.TrimSpace(o.Package))
	}
	return fs
}

// discoverNode runs one powershell.exe on node for a poll: the node
// script and, when withCluster, the cluster script after it (BuildScripts;
// its part prints nothing where the Cluster service does not run, and
// ci.ok is then false). Both scripts' records go to their own parsers.
//
// A wait poll (wait) does not ask for the files the window needs: their
// presence is a planning fact every full observation reads, and without
// the paths the pair always fits one cmd.exe line. With them, media or
// package paths too long for the pair make it two runs (the node script,
// then the cluster script).
func (e *Executor) discoverNode(ctx context.Context, node string, withCluster, wait bool) (nodeInfo, clusterInfo) {
	ctx, cancel := context.WithTimeout(ctx, e.opts.NodeTimeout)
	defer cancel()
	var ni nodeInfo
	var ci clusterInfo
	paths := ""
	if !wait {
		paths = strings.Join(e.neededFiles(), "|")
	}
	names := []string{ScriptDiscoverNode}
	if withCluster {
		names = append(names, ScriptDiscoverCluster)
	}
	src, err := e.pollScript(names, paths)
	if err == nil && withCluster {
		if _, lerr := EncodeCommand(src); lerr != nil {
			ni, _ = e.discoverNode(ctx, node, false, wait)
			if !ni.ok || !ni.clussvc {
				return ni, clusterInfo{err: ni.err}
			}
			return ni, e.discoverCluster(ctx, node)
		}
	}
	if err != nil {
		ni.err, ci.err = err, err
		return ni, ci
	}
	code, stderr, err := e.runScript(ctx, node, strings.Join(names, "+"), src, nil, func(r record) {
		ni.nodeRecord(r)
		if withCluster {
			ci.clusterRecord(r)
		}
	})
	switch {
	case err != nil:
		ni.err, ci.ok, ci.err = err, false, err
	case ni.boot == "":
		ni.err = errors.New(say("%s: the discovery script printed no facts (exit %s): %s", node, strconv.Itoa(code), stderr))
	default:
		ni.ok = true
		ni.pathsRead = !wait
		ni.finish()
		if ni.cp > 0 {
			if c, cerr := e.conn(node); cerr == nil {
				c.setCodePage(ni.cp)
			}
		}
	}
	return ni, ci
}

// pollScript is BuildScripts(names, Paths), built once per executor for
// each (names, paths): a wait poll sends the same text every 5 s.
func (e *Executor) pollScript(names []string, paths string) (string, error) {
	key := strings.Join(names, "+") + "\x00" + paths
	e.mu.Lock()
	src, ok := e.scripts[key]
	e.mu.Unlock()
	if ok {
		return src, nil
	}
	src, err := BuildScripts(names, []Param{{"Paths", paths}})
	if err != nil {
		return "", err
	}
	e.mu.Lock()
	if e.scripts == nil || len(e.scripts) > 16 {
		e.scripts = map[string]string{}
	}
	e.scripts[key] = src
	e.mu.Unlock()
	return src, nil
}

// discoverCluster runs the cluster script on node; ci.ok is false when its
// Cluster service does not answer there.
func (e *Executor) discoverCluster(ctx context.Context, node string) clusterInfo {
	ctx, cancel := context.WithTimeout(ctx, e.opts.NodeTimeout)
	defer cancel()
	var ci clusterInfo
	if _, _, err := e.script(ctx, node, ScriptDiscoverCluster, nil, ci.clusterRecord); err != nil {
		ci.ok, ci.err = false, err
	}
	return ci
}

// Observe discovers the cluster: first one node's own facts, so refused
// credentials are found on one node only (firstContact); then the other
// nodes' facts in parallel (a node that does not answer within
// NodeTimeout is reported unreachable and Down, not as an error of the
// whole observation). The cluster's nodes, groups and quorum come from
// the first node that answers, in the same powershell.exe as its own
// facts, so a poll starts one powershell.exe per node. The Exchange view
// (CMS states and builds, copy status) is read on that node, fresh, while
// the other nodes answer.
// It fails only when no node answers, when credentials are refused, or
// when the Exchange view cannot be read.
func (e *Executor) Observe(ctx context.Context) (runbook.Observation, error) {
	return e.observe(ctx, false)
}

// ObserveWait is Observe for a wait whose decision rests on the nodes'
// and the cluster's own facts (a node coming back from a restart, a node
// paused or resumed, a group moved, a node's build): everything is read
// fresh except the Exchange view, which is the one read last when
// exchangeView.reusable allows it. Loading the Exchange snap-in takes seconds
// and a scheduled task on a node; this is what keeps the engine's 5 s
// polls during a wait down to one powershell.exe per node.
func (e *Executor) ObserveWait(ctx context.Context) (runbook.Observation, error) {
	return e.observe(ctx, true)
}

func (e *Executor) observe(ctx context.Context, wait bool) (runbook.Observation, error) {
	if err := ctx.Err(); err != nil {
		return runbook.Observation{}, err
	}
	e.mu.Lock()
	lead := e.lead
	e.mu.Unlock()
	infos, asked, first, ci, err := e.firstContact(ctx, lead, wait)
	if err != nil {
		return runbook.Observation{}, err
	}
	var wg sync.WaitGroup
	// The first contact's cluster view names the CMSs: the Exchange view
	// is read there while the other nodes answer, not after them.
	var xi exchangeInfo
	var xerr error
	early := first >= 0 && infos[first].ok && ci.ok
	if early {
		wg.Go(func() { xi, xerr = e.exchange(ctx, ci, e.conns[e.order[first]].name, wait) })
	}
	for i, name := range e.order {
		if asked[i] {
			continue
		}
		wg.Go(func() { infos[i], _ = e.discoverNode(ctx, e.conns[name].name, false, wait) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return runbook.Observation{}, err
	}
	if ci.err != nil && errors.Is(ci.err, runbook.ErrAuthFailed) {
		return runbook.Observation{}, wrap(say("discovering the cluster: %s", ci.err), ci.err)
	}
	var lost []error
	for _, ni := range infos {
		if ni.err != nil && errors.Is(ni.err, runbook.ErrAuthFailed) {
			return runbook.Observation{}, wrap(say("discovering the cluster: %s", ni.err), ni.err)
		}
		if ni.err != nil {
			lost = append(lost, ni.err)
		}
	}
	src, ci := e.clusterSource(ctx, infos, lead, first, ci)
	if src < 0 {
		if len(lost) == len(infos) {
			all := errors.Join(lost...)
			return runbook.Observation{}, wrap(say("discovering the cluster: no node answers: %s", all), all)
		}
	} else {
		e.mu.Lock()
		e.lead = src
		e.mu.Unlock()
	}
	obs := e.assemble(infos, ci, src)
	if src >= 0 {
		if !early || src != first {
			xi, xerr = e.exchange(ctx, ci, e.conns[e.order[src]].name, wait)
		}
		if xerr != nil {
			return runbook.Observation{}, xerr
		}
		applyExchange(&obs.Cluster, xi)
	}
	return obs, nil
}

// clusterSource picks the node the cluster-wide view comes from: the
// first contact (the lead, or the next node that answered) when its
// Cluster service gave the view in its poll, or else the next node from
// the lead that answers with a running Cluster service, asked now; -1
// when none does.
func (e *Executor) clusterSource(ctx context.Context, infos []nodeInfo, lead, first int, ci clusterInfo) (int, clusterInfo) {
	if first >= 0 && infos[first].ok && ci.ok {
		return first, ci
	}
	for k := range e.order {
		i := (lead + k) % len(e.order)
		if i == first || !infos[i].ok || !infos[i].clussvc {
			continue
		}
		if c := e.discoverCluster(ctx, e.conns[e.order[i]].name); c.ok {
			return i, c
		}
	}
	return -1, clusterInfo{}
}

// assemble builds the Observation. Nodes keep inventory order; a node that
// did not answer keeps the OS, build and Setup state it last reported (a
// reboot does not make the planner forget them).
func (e *Executor) assemble(infos []nodeInfo, ci clusterInfo, src int) runbook.Observation {
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
		if ci.cluster != "" {
			c.Name = ci.cluster
		}
		for _, r := range ci.nodes {
			states[strings.ToUpper(r.field(1))] = runbook.NodeStateFromWMI(r.field(2))
		}
	}
	for i, key := range e.order {
		ni := infos[i]
		if ni.ok {
			if !ni.pathsRead {
				ni.missing = e.last[key].missing
			}
			e.last[key] = ni
		}
		prev := e.last[key]
		n := runbook.Node{Name: e.conns[key].name, OS: prev.os, Build: prev.build, Pending: prev.pending,
			SetupIncomplete: len(prev.setup.watermarks) > 0, MissingFiles: prev.missing}
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
		for _, r := range ci.groups {
			owner := r.field(3)
			if n := c.Node(owner); n != nil {
				owner = n.Name
			}
			c.Groups = append(c.Groups, runbook.Group{Name: r.field(1), State: runbook.GroupStateFromWMI(r.field(2)), Owner: owner, CMS: r.field(4) == "1"})
		}
	}
	c.Quorum = mergeQuorum(ci.quorum, e.inv.Quorum)
	return runbook.Observation{Cluster: c, Facts: facts}
}

// mergeQuorum is the discovered quorum, with what it cannot tell taken
// from the inventory: the model when no quorum resource was read, the
// witness's state when the inventory describes the same model (a Windows
// Server 2003 file share witness has no state WMI reports).
func mergeQuorum(found, inv runbook.Quorum) runbook.Quorum {
	q := found
	if q.Model == runbook.QuorumUnknown {
		q.Model = inv.Model
	}
	if q.Witness == runbook.WitnessUnknown && inv.Model == q.Model {
		q.Witness = inv.Witness
	}
	return q
}

func bootOr(ni, prev nodeInfo) string {
	if ni.ok {
		return ni.boot
	}
	return prev.boot
}
