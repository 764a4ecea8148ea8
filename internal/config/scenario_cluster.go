package config

import (
	"strconv"
	"strings"

	"cmsrunbook/runbook"
)

// scenarioCluster reads cluster, nodes, groups and replication, checking
// every name and reference where it is written, then runs the domain's
// own Cluster.Validate for the rules about the whole (node and CMS counts).
func (r *reader) scenarioCluster(top *fields) runbook.Cluster {
	c := r.scenarioClusterHeader(top)
	if r.failed() {
		return c
	}
	c.Nodes = r.scenarioNodes(top, c.OS)
	if r.failed() {
		return c
	}
	c.Groups = r.scenarioGroups(top, &c)
	if r.failed() {
		return c
	}
	c.Replication = r.scenarioReplication(top, c.Type)
	if r.failed() {
		return c
	}
	c.Quorum = top.quorum("quorum", c.Type, runbook.WitnessOnline)
	if r.failed() {
		return c
	}
	if err := c.Validate(); err != nil {
		top.failKey(clusterErrorKey(err), err)
	}
	return c
}

// scenarioClusterHeader reads the cluster mapping: name, type (ccr or scc)
// and the OS every node runs unless it says otherwise.
func (r *reader) scenarioClusterHeader(top *fields) runbook.Cluster {
	var c runbook.Cluster
	top.require("cluster", say("the cluster, like {name: EXCLUS01, type: ccr, os: windows-server-2003, os_sp: 2}"))
	cf := top.sub("cluster", "name", "type", "os", "os_sp")
	cf.require("name", say("the cluster's NetBIOS name, like EXCLUS01"))
	c.Name = cf.hostName("name")
	if cf.require("type", say("ccr (two nodes, replicated) or scc (shared storage, up to eight nodes)")) {
		switch t := cf.str("type"); t {
		case string(runbook.CCR), string(runbook.SCC):
			c.Type = runbook.ClusterType(t)
		default:
			if !r.failed() {
				cf.fail("type", say("%q is not ccr or scc", t))
			}
		}
	}
	cf.require("os", say("the nodes' Windows release, windows-server-2003, windows-server-2008 or windows-server-2008-r2"))
	c.OS = runbook.OS{Family: cf.osFamily("os", true), SP: cf.osSP("os_sp")}
	c.OS.Locale = top.locale("locale", "")
	return c
}

// Locales are the Windows languages a simulated node can run: English
// (the default), Japanese, Brazilian Portuguese and Italian, the languages
// of the documents the project's glossary was built from.
var Locales = []string{"en-US", "ja-JP", "pt-BR", "it-IT"}

// locale reads a Windows locale name, spelt as Windows spells it (ja-JP)
// but accepted in any case; def when the key is absent. The model keeps
// "" for en-US, so scenarios and journals without a locale read as before.
func (f *fields) locale(key, def string) string {
	if !f.has(key) {
		return def
	}
	s := strings.TrimSpace(f.str(key))
	if f.r.failed() {
		return def
	}
	for _, l := range Locales {
		if strings.EqualFold(s, l) {
			if l == "en-US" {
				return ""
			}
			return l
		}
	}
	f.fail(key, say("%q is not one of %s", s, strings.Join(Locales, ", ")))
	return def
}

// scenarioNodes reads the nodes list, refusing a node listed twice (names
// compare case-insensitively). On an error it returns the nodes read so far.
func (r *reader) scenarioNodes(top *fields, clusterOS runbook.OS) []runbook.Node {
	top.require("nodes", say("the cluster's nodes, like - {name: EXNODE01, exchange: 8.0.685.24}"))
	var nodes []runbook.Node
	nodeLine := map[string]int{}
	for _, nf := range top.entries("nodes", "name", "state", "exchange", "pending_reboot", "setup_incomplete", "os", "os_sp", "locale", "missing_files") {
		n := r.scenarioNode(nf, clusterOS, nodeLine)
		if r.failed() {
			return nodes
		}
		nodes = append(nodes, n)
	}
	return nodes
}

// scenarioNode reads one node: Up unless its state says otherwise, on the
// cluster's OS family (a failover cluster cannot mix them) and, unless
// os_sp says otherwise, the cluster's service pack. nodeLine maps the
// upper-cased names read so far to their lines.
func (r *reader) scenarioNode(nf *fields, clusterOS runbook.OS, nodeLine map[string]int) runbook.Node {
	var n runbook.Node
	nf.require("name", say("the node's NetBIOS name, like EXNODE01"))
	n.Name = nf.hostName("name")
	if line, dup := nodeLine[strings.ToUpper(n.Name)]; dup && !r.failed() {
		nf.fail("name", say("node %s is listed twice; the first is on line %s", n.Name, strconv.Itoa(line)))
	}
	nodeLine[strings.ToUpper(n.Name)], _ = position(nf.where("name"))
	n.State = runbook.NodeUp
	if nf.has("state") {
		st, err := runbook.ParseNodeState(nf.str("state"))
		if err != nil && !r.failed() {
			nf.failErr("state", err)
		}
		n.State = st
	}
	nf.require("exchange", say("the node's Exchange 2007 build, like 8.0.685.24"))
	n.Build = nf.build("exchange")
	n.Pending = nf.boolean("pending_reboot", false)
	n.SetupIncomplete = nf.boolean("setup_incomplete", false)
	n.MissingFiles = nf.winPaths("missing_files")
	n.OS = clusterOS
	if nf.has("os") {
		fam := nf.osFamily("os", true)
		if fam != "" && fam != clusterOS.Family {
			nf.fail("os", say("a failover cluster cannot mix %s and %s nodes", clusterOS.Family.Name(), fam.Name()))
		}
	}
	if nf.has("os_sp") {
		n.OS.SP = nf.osSP("os_sp")
	}
	// A node may run another language than the rest: a cluster does not
	// care, but its console output and code pages differ.
	n.OS.Locale = nf.locale("locale", clusterOS.Locale)
	return n
}

// scenarioGroups reads the groups list, refusing a group listed twice
// (names compare case-insensitively) and an owner that is not one of c's
// nodes. On an error it returns the groups read so far.
func (r *reader) scenarioGroups(top *fields, c *runbook.Cluster) []runbook.Group {
	top.require("groups", say("the cluster's groups, at least the CMS, like - {name: EXCMS01, owner: EXNODE01, cms: true}"))
	var groups []runbook.Group
	groupLine := map[string]int{}
	for _, gf := range top.entries("groups", "name", "owner", "state", "cms", "exchange") {
		g := r.scenarioGroup(gf, c, groupLine)
		if r.failed() {
			return groups
		}
		groups = append(groups, g)
	}
	return groups
}

// scenarioGroup reads one group: a CMS's name must be a valid host name and
// only a CMS may carry an Exchange build; a group is Online unless its
// state says otherwise. groupLine maps the upper-cased names read so far
// to their lines.
func (r *reader) scenarioGroup(gf *fields, c *runbook.Cluster, groupLine map[string]int) runbook.Group {
	var g runbook.Group
	g.CMS = gf.boolean("cms", false)
	gf.require("name", say("the group's name as Cluster Administrator shows it, like Cluster Group"))
	g.Name = gf.str("name")
	if !r.failed() {
		validate := runbook.ValidateGroupName
		if g.CMS {
			validate = runbook.ValidateHostName
		}
		if err := validate(g.Name); err != nil {
			gf.failErr("name", err)
		}
	}
	if line, dup := groupLine[strings.ToUpper(g.Name)]; dup && !r.failed() {
		gf.fail("name", say("group %q is listed twice; the first is on line %s", g.Name, strconv.Itoa(line)))
	}
	groupLine[strings.ToUpper(g.Name)], _ = position(gf.where("name"))
	gf.require("owner", say("the node that owns the group now"))
	g.Owner = gf.nodeRef("owner", c)
	g.State = runbook.GroupOnline
	if gf.has("state") {
		st, err := runbook.ParseGroupState(gf.str("state"))
		if err != nil && !r.failed() {
			gf.failErr("state", err)
		}
		g.State = st
	}
	if gf.has("exchange") && !g.CMS && !r.failed() {
		gf.fail("exchange", say("is the build of a clustered mailbox server; set it only on the group with cms: true"))
	}
	g.Build = gf.build("exchange")
	return g
}

// scenarioReplication reads the CCR's replication state (healthy, empty
// queues when absent); an SCC has none, so naming it there is an error.
func (r *reader) scenarioReplication(top *fields, t runbook.ClusterType) runbook.Replication {
	rf := top.sub("replication", "healthy", "copy_queue", "replay_queue")
	if rf.present() && t == runbook.SCC && !r.failed() {
		top.fail("replication", say("an SCC cluster shares its storage and has no replication; remove replication"))
	}
	return runbook.Replication{
		Healthy:     rf.boolean("healthy", true),
		CopyQueue:   rf.integer("copy_queue", 0, 0, 1_000_000),
		ReplayQueue: rf.integer("replay_queue", 0, 0, 1_000_000),
	}
}
