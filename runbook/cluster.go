// Package runbook is the pure domain of cmsrunbook: the cluster model, the
// Exchange 2007 version catalogue, the preflight rules, the planner, the
// rendering of steps into the exact commands a node runs, and the classifiers
// that read Setup.com and msiexec output. It does no I/O, reads no clock and
// draws nothing, so the engine, the simulator, the TUI, the journal and the
// report can all rely on the same deterministic answers.
package runbook

import (
	"errors"
	"strings"
)

// ClusterType is the Exchange 2007 clustering model. CCR clusters always have
// two nodes and one CMS; SCC clusters have up to eight nodes and may host
// several CMSs (PROCEDURES 1.4).
type ClusterType string

const (
	CCR ClusterType = "ccr"
	SCC ClusterType = "scc"
)

// NodeState mirrors ClusNode.State (PROCEDURES 2.2). Decisions use these
// values, never localised words.
type NodeState string

const (
	NodeUp      NodeState = "up"
	NodeDown    NodeState = "down"
	NodePaused  NodeState = "paused"
	NodeJoining NodeState = "joining"
)

// ParseNodeState accepts the model's spelling and the cluster.exe words in
// any capitalisation.
func ParseNodeState(s string) (NodeState, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "up":
		return NodeUp, nil
	case "down":
		return NodeDown, nil
	case "paused":
		return NodePaused, nil
	case "joining":
		return NodeJoining, nil
	}
	return "", errors.New(say("node state %q is not one of up, down, paused, joining", s))
}

// GroupState covers the cluster group states and the CMS states of
// Get-ClusteredMailboxServerStatus (PROCEDURES 3.1).
type GroupState string

const (
	GroupOnline          GroupState = "online"
	GroupPartiallyOnline GroupState = "partially-online"
	GroupOnlinePending   GroupState = "online-pending"
	GroupOffline         GroupState = "offline"
	GroupOfflinePending  GroupState = "offline-pending"
	GroupFailed          GroupState = "failed"
)

// ParseGroupState accepts the model's spelling and the words cluster.exe and
// the Exchange cmdlets print ("Partially Online", "Online Pending").
func ParseGroupState(s string) (GroupState, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer(" ", "-", "_", "-").Replace(k)
	switch GroupState(k) {
	case GroupOnline, GroupPartiallyOnline, GroupOnlinePending, GroupOffline, GroupOfflinePending, GroupFailed:
		return GroupState(k), nil
	}
	return "", errors.New(say("group state %q is not one of online, partially-online, online-pending, offline, offline-pending, failed", s))
}

// Display is the word an engineer reads in Cluster Administrator.
func (s GroupState) Display() string {
	switch s {
	case GroupOnline:
		return say("Online")
	case GroupPartiallyOnline:
		return say("Partially Online")
	case GroupOnlinePending:
		return say("Online Pending")
	case GroupOffline:
		return say("Offline")
	case GroupOfflinePending:
		return say("Offline Pending")
	case GroupFailed:
		return say("Failed")
	case "":
		return say("Unknown")
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Display is the word cluster.exe prints for the node state.
func (s NodeState) Display() string {
	switch s {
	case NodeUp:
		return say("Up")
	case NodeDown:
		return say("Down")
	case NodePaused:
		return say("Paused")
	case NodeJoining:
		return say("Joining")
	case "":
		return say("Unknown")
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Cluster is everything the planner and the rules know about one failover
// cluster and the box the engineer manages it from.
type Cluster struct {
	Name        string      `json:"name"`
	Type        ClusterType `json:"type"`
	OS          OS          `json:"os"`
	Nodes       []Node      `json:"nodes"`
	Groups      []Group     `json:"groups"`
	Replication Replication `json:"replication"`
	// Quorum is how the cluster keeps quorum; zero when unknown.
	Quorum Quorum `json:"quorum,omitzero"`
	// Management is the admin box the engineer works from; nil when unknown.
	Management *ManagementHost `json:"management_host,omitempty"`
}

// Node is one cluster member.
type Node struct {
	Name    string    `json:"name"`
	State   NodeState `json:"state"`
	OS      OS        `json:"os,omitzero"` // zero: same as the cluster
	Build   Build     `json:"exchange"`
	Pending bool      `json:"pending_reboot,omitempty"` // a reboot is already pending before the window
	// SetupIncomplete: an Exchange Setup on this node left its watermark
	// (new binaries copied, configuration not finished), so its file
	// version says nothing about what is configured: Setup must run again.
	SetupIncomplete bool `json:"setup_incomplete,omitempty"`
	// MissingFiles are files the window runs (Setup.com in the media
	// folder, the update package) that discovery did not find on this
	// node.
	MissingFiles []string `json:"missing_files,omitempty"`
}

// Group is a cluster resource group. A CMS is a group too; its Build is the
// clustered instance's version, which /upgradecms raises.
type Group struct {
	Name  string     `json:"name"`
	Owner string     `json:"owner"`
	State GroupState `json:"state"`
	CMS   bool       `json:"cms,omitempty"`
	Build Build      `json:"exchange,omitzero"` // CMS only; zero means "same as its owner at discovery"
	// PossibleOwners are the nodes the group may run on (an SCC CMS's
	// possible owners); empty means any node.
	PossibleOwners []string `json:"possible_owners,omitempty"`
}

// MayRunOn reports whether node is among the group's possible owners.
func (g *Group) MayRunOn(node string) bool {
	if len(g.PossibleOwners) == 0 {
		return true
	}
	for _, n := range g.PossibleOwners {
		if strings.EqualFold(n, node) {
			return true
		}
	}
	return false
}

// Replication is the CCR copy status summed over the storage groups.
type Replication struct {
	Healthy     bool `json:"healthy"`
	CopyQueue   int  `json:"copy_queue"`
	ReplayQueue int  `json:"replay_queue"`
}

// NearZeroQueue is the queue length the rules still call healthy: a busy
// CCR pair rarely shows exactly zero, but a few logs drain within seconds.
const NearZeroQueue = 10

// ManagementHost is the computer the engineer runs the Exchange and cluster
// tools on (PROCEDURES 5, management-host limits).
type ManagementHost struct {
	OS    OS           `json:"os"`
	Tools ToolsVersion `json:"exchange_tools"`
}

// ToolsVersion is the release of the Exchange management tools installed on
// the management host.
type ToolsVersion string

const (
	ToolsNone ToolsVersion = "none"
	ToolsRTM  ToolsVersion = "rtm"
	ToolsSP1  ToolsVersion = "sp1"
	ToolsSP2  ToolsVersion = "sp2"
	ToolsSP3  ToolsVersion = "sp3"
)

// ParseToolsVersion validates a tools release.
func ParseToolsVersion(s string) (ToolsVersion, error) {
	switch ToolsVersion(strings.ToLower(strings.TrimSpace(s))) {
	case ToolsNone, ToolsRTM, ToolsSP1, ToolsSP2, ToolsSP3:
		return ToolsVersion(strings.ToLower(strings.TrimSpace(s))), nil
	}
	return "", errors.New(say("exchange tools %q is not one of none, rtm, sp1, sp2, sp3", s))
}

// Node returns the named node (names compare case-insensitively, as Windows
// does) or nil.
func (c *Cluster) Node(name string) *Node {
	for i := range c.Nodes {
		if strings.EqualFold(c.Nodes[i].Name, name) {
			return &c.Nodes[i]
		}
	}
	return nil
}

// Group returns the named group or nil.
func (c *Cluster) Group(name string) *Group {
	for i := range c.Groups {
		if strings.EqualFold(c.Groups[i].Name, name) {
			return &c.Groups[i]
		}
	}
	return nil
}

// CMSs lists the clustered mailbox servers in file order.
func (c *Cluster) CMSs() []*Group {
	var out []*Group
	for i := range c.Groups {
		if c.Groups[i].CMS {
			out = append(out, &c.Groups[i])
		}
	}
	return out
}

// NodeOS is the node's OS, falling back to the cluster's.
func (c *Cluster) NodeOS(n *Node) OS {
	if n.OS.Family != "" {
		return n.OS
	}
	return c.OS
}

// IsActive reports whether the node owns a CMS.
func (c *Cluster) IsActive(node string) bool {
	for _, g := range c.CMSs() {
		if strings.EqualFold(g.Owner, node) {
			return true
		}
	}
	return false
}

// Owned lists the groups a node owns, CMSs included, in file order.
func (c *Cluster) Owned(node string) []*Group {
	var out []*Group
	for i := range c.Groups {
		if strings.EqualFold(c.Groups[i].Owner, node) {
			out = append(out, &c.Groups[i])
		}
	}
	return out
}

// CMSBuild is the clustered instance's build: its own when known, else its
// owner's at discovery (a CMS always runs the binaries of its node until
// /upgradecms is needed).
func (c *Cluster) CMSBuild(g *Group) Build {
	if !g.Build.IsZero() {
		return g.Build
	}
	if n := c.Node(g.Owner); n != nil {
		return n.Build
	}
	return Build{}
}

// Clone returns a deep copy, so the planner can play steps forward without
// touching the caller's cluster.
func (c Cluster) Clone() Cluster {
	out := c
	out.Nodes = append([]Node(nil), c.Nodes...)
	out.Groups = append([]Group(nil), c.Groups...)
	if c.Management != nil {
		m := *c.Management
		out.Management = &m
	}
	return out
}

// Validate checks that the model is coherent: names valid and unique,
// owners that exist, a CCR with two nodes and one CMS, at most eight nodes.
// Loaders call it so a broken world never reaches the planner.
func (c *Cluster) Validate() error {
	if err := ValidateHostName(c.Name); err != nil {
		return sayWrap(err, say("cluster name: %s", err.Error()))
	}
	switch c.Type {
	case CCR, SCC:
	default:
		return errors.New(say("cluster type %q is not ccr or scc", c.Type))
	}
	if len(c.Nodes) < 2 {
		return errors.New(say("a failover cluster needs at least 2 nodes, this one has %d", len(c.Nodes)))
	}
	if c.Type == CCR && len(c.Nodes) != 2 {
		return errors.New(say("a CCR cluster has exactly 2 nodes, this one has %d", len(c.Nodes)))
	}
	if len(c.Nodes) > 8 {
		return errors.New(say("an Exchange 2007 cluster has at most 8 nodes, this one has %d", len(c.Nodes)))
	}
	seen := map[string]bool{}
	for _, n := range c.Nodes {
		if err := ValidateHostName(n.Name); err != nil {
			return sayWrap(err, say("node name: %s", err.Error()))
		}
		k := strings.ToUpper(n.Name)
		if seen[k] {
			return errors.New(say("node %s is listed twice", n.Name))
		}
		seen[k] = true
	}
	gseen := map[string]bool{}
	cms := 0
	for _, g := range c.Groups {
		if g.CMS {
			cms++
			if err := ValidateHostName(g.Name); err != nil {
				return sayWrap(err, say("CMS name: %s", err.Error()))
			}
		} else if err := ValidateGroupName(g.Name); err != nil {
			return sayWrap(err, say("group name: %s", err.Error()))
		}
		k := strings.ToUpper(g.Name)
		if gseen[k] {
			return errors.New(say("group %q is listed twice", g.Name))
		}
		gseen[k] = true
		if c.Node(g.Owner) == nil {
			return errors.New(say("group %q is owned by %q, which is not a node of the cluster", g.Name, g.Owner))
		}
	}
	if cms == 0 {
		return errors.New(say("the cluster has no clustered mailbox server (mark one group with cms: true)"))
	}
	if c.Type == CCR && cms != 1 {
		return errors.New(say("a CCR cluster hosts exactly 1 CMS, this one has %d", cms))
	}
	if cms >= len(c.Nodes) {
		return errors.New(say("%d CMSs on %d nodes leaves no passive node to upgrade first", cms, len(c.Nodes)))
	}
	return nil
}
