package sim

import (
	"fmt"
	"strings"
	"time"

	"cmsrunbook/runbook"
)

// This file is cluster.exe as Windows Server 2003/2008 ships it: node,
// group and res, with the listing layouts of the real captures
// (PROCEDURES 2.3) and errors as "System error N has occurred (0x...)."
// with N as the exit code. Titles, headings and state words are in the
// language of the node it runs on (locale.go); the layout is the same.

// Win32 cluster errors cluster.exe reports (winerror.h).
const (
	errInvalidParameter = 87
	errRPCUnavailable   = 1722
	errGroupNotFound    = 5013
	errResourceNotFound = 5007
	errNodeNotAvailable = 5036
	errResourceFailed   = 5038
	errNodeNotFound     = 5042
	errNodeDown         = 5050
	errNodeNotPaused    = 5058
	errNodePaused       = 5070
	errNodeNotReady     = 5072
)

var sysErrText = map[int]string{
	errInvalidParameter: "The parameter is incorrect.",
	errRPCUnavailable:   "The RPC server is unavailable.",
	errGroupNotFound:    "The cluster group could not be found.",
	errResourceNotFound: "The cluster resource could not be found.",
	errNodeNotAvailable: "A cluster node is not available for this operation.",
	errResourceFailed:   "The cluster resource failed.",
	errNodeNotFound:     "The cluster node was not found.",
	errNodeDown:         "The cluster node is down.",
	errNodeNotPaused:    "The cluster node is not paused.",
	errNodePaused:       "The cluster node is paused.",
	errNodeNotReady:     "The cluster node is not ready to perform the requested operation.",
}

// sysErr prints cluster.exe's error form and exits with the code.
func (x *interp) sysErr(code int) {
	x.eprint(fmt.Sprintf("System error %d has occurred (0x%08x).", code, code), sysErrText[code], "")
	x.exit(code)
}

func (x *interp) cluster(args []string) {
	// cluster [[/cluster:]Name] node|group|res ...
	if len(args) > 0 {
		if name, _, ok := option(args[0]); ok && abbrev(name, "cluster", "cluster") {
			args = args[1:]
		} else if eq(args[0], x.s.w.name) {
			args = args[1:]
		}
	}
	if len(args) == 0 {
		x.print("The syntax of this command is:", "",
			"CLUSTER [[/CLUSTER:]cluster-name] <options>", "",
			"<options> =", "  NODE [node-name] [/STATUS | /PAUSE | /RESUME]",
			"  GROUP [group-name] [/STATUS | /MOVETO[:node-name] [/WAIT[:seconds]] | /ONLINE | /OFFLINE]",
			"  RES[OURCE] [resource-name] [/STATUS]")
		x.exit(0)
		return
	}
	if !x.n.clussvc {
		// cluster.exe talks to the local Cluster service over RPC.
		x.sysErr(errRPCUnavailable)
		return
	}
	switch strings.ToLower(args[0]) {
	case "node":
		x.clusterNode(args[1:])
	case "group":
		x.clusterGroup(args[1:])
	case "res", "resource":
		x.clusterRes(args[1:])
	case "/quorum", "/quorumresource", "/quorumres":
		x.clusterQuorum()
	case "/ver", "/version":
		os := x.n.os.Family.Name()
		x.print(fmt.Sprintf("Cluster Name:     %s", x.s.w.name), "",
			fmt.Sprintf("Cluster Version:  %s (build %s)", os, windowsVersion(x.n.os)), "")
		x.exit(0)
	default:
		x.sysErr(errInvalidParameter)
	}
}

// splitArgs separates the object name from the switches.
func splitArgs(args []string) (names []string, opts [][2]string, bad bool) {
	for _, a := range args {
		if n, v, ok := option(a); ok {
			opts = append(opts, [2]string{n, v})
		} else {
			names = append(names, a)
		}
	}
	return names, opts, len(names) > 1
}

const (
	nodeHeader = "Node           Node ID Status"
	nodeRule   = "-------------- ------- ---------------------"
)

// nodeLine is a row of `cluster node`: the name left-justified in 14, the
// ID right-justified in 7, the state word (PROCEDURES 2.3); a longer name
// pushes the rest right.
func nodeLine(name string, id int, state string) string {
	return fmt.Sprintf("%-14s %7d %s", name, id, state)
}

// nodeRow is a node's row in the language of the node cluster.exe runs on.
func (x *interp) nodeRow(n *node, st runbook.NodeState) string {
	return nodeLine(n.name, n.id, x.clusterWord(st.Display()))
}

func (x *interp) nodeTable(title string, nodes ...*node) {
	x.print(title, "", x.clusterText().nodeHeader, nodeRule)
	for _, n := range nodes {
		x.print(x.nodeRow(n, n.state()))
	}
	x.print("")
}

func (x *interp) clusterNode(args []string) {
	names, opts, bad := splitArgs(args)
	if bad || len(opts) > 1 {
		x.sysErr(errInvalidParameter)
		return
	}
	var target *node
	if len(names) == 1 {
		if target = x.s.w.node(names[0]); target == nil {
			x.sysErr(errNodeNotFound)
			return
		}
	}
	op := "status"
	if len(opts) == 1 {
		op = opts[0][0]
	}
	switch {
	case abbrev(op, "stat", "status"):
		if target == nil {
			x.nodeTable(x.clusterText().nodesTitle, x.s.w.nodes...)
		} else {
			x.nodeTable(fmt.Sprintf(x.clusterText().nodeTitle, target.name), target)
		}
		x.exit(0)
	case op == "pause" && target != nil:
		x.pauseNode(target)
	case op == "resume" && target != nil:
		x.resumeNode(target)
	default:
		x.sysErr(errInvalidParameter)
	}
}

func (x *interp) pauseNode(n *node) {
	x.print(fmt.Sprintf(x.clusterText().pausing, n.name), "")
	x.take(x.s.timing.Pause)
	switch {
	case n.state() == runbook.NodeDown || n.state() == runbook.NodeJoining:
		x.sysErr(errNodeDown)
	case x.fails(faultPause):
		x.sysErr(errNodeNotReady)
	default:
		n.paused = true
		x.print(x.clusterText().nodeHeader, nodeRule, x.nodeRow(n, runbook.NodePaused), "")
		x.exit(0)
	}
}

func (x *interp) resumeNode(n *node) {
	x.print(fmt.Sprintf(x.clusterText().resuming, n.name), "")
	x.take(x.s.timing.Resume)
	switch {
	case n.state() == runbook.NodeDown || n.state() == runbook.NodeJoining:
		x.sysErr(errNodeDown)
	case !n.paused:
		x.sysErr(errNodeNotPaused)
	default:
		n.paused = false
		x.print(x.clusterText().nodeHeader, nodeRule, x.nodeRow(n, runbook.NodeUp), "")
		x.exit(0)
	}
}

const (
	groupHeader = "Group                Node            Status"
	groupRule   = "-------------------- --------------- ------"
)

// groupRow is a row of `cluster group`: columns of 20 and 15, overflowing
// to the right.
func groupRow(name, owner string, st runbook.GroupState) string {
	return groupLine(name, owner, st.Display())
}

func groupLine(name, owner, state string) string {
	return fmt.Sprintf("%-20s %-15s %s", name, owner, state)
}

// localGroupRow is a group row with the state in the node's language.
func (x *interp) localGroupRow(name, owner string, st runbook.GroupState) string {
	return groupLine(name, owner, x.clusterWord(st.Display()))
}

// groupListing prints the group table's heading lines.
func (x *interp) groupListing() { x.print(x.clusterText().groupHeader, groupRule) }

func (x *interp) clusterGroup(args []string) {
	names, opts, bad := splitArgs(args)
	if bad {
		x.sysErr(errInvalidParameter)
		return
	}
	if len(names) == 0 {
		if len(opts) > 1 || len(opts) == 1 && !abbrev(opts[0][0], "stat", "status") {
			x.sysErr(errInvalidParameter)
			return
		}
		x.print(x.clusterText().groupsTitle, "")
		x.groupListing()
		for _, g := range x.s.w.groups {
			x.print(x.localGroupRow(g.name, g.owner, g.displayState()))
		}
		x.print("")
		x.exit(0)
		return
	}
	g := x.s.w.group(names[0])
	if g == nil {
		x.sysErr(errGroupNotFound)
		return
	}
	var op, arg string
	for _, o := range opts {
		switch {
		case abbrev(o[0], "wait", "wait"):
		case op == "":
			op, arg = o[0], o[1]
		default:
			x.sysErr(errInvalidParameter)
			return
		}
	}
	switch {
	case op == "" || abbrev(op, "stat", "status"):
		x.print(fmt.Sprintf(x.clusterText().groupTitle, g.name), "")
		x.groupListing()
		x.print(x.localGroupRow(g.name, g.owner, g.displayState()), "")
		x.exit(0)
	case abbrev(op, "move", "moveto"):
		x.moveGroup(g, arg)
	case abbrev(op, "on", "online"):
		x.onlineGroup(g)
	case abbrev(op, "off", "offline"):
		x.offlineGroup(g)
	default:
		x.sysErr(errInvalidParameter)
	}
}

// moveGroup changes the group's owner and returns while it is still Online
// Pending on the new node: like MoveClusterGroup, success means only that
// ownership changed, so the engine must poll (PROCEDURES 2.2).
func (x *interp) moveGroup(g *group, to string) {
	s := x.s
	var target *node
	if to != "" {
		if target = s.w.node(to); target == nil {
			x.sysErr(errNodeNotFound)
			return
		}
	} else {
		for _, n := range s.w.nodes {
			if !eq(n.name, g.owner) && n.canHost() {
				target = n
				break
			}
		}
		if target == nil {
			x.sysErr(errNodeNotAvailable)
			return
		}
	}
	x.print(fmt.Sprintf(x.clusterText().moving, g.name), "")
	switch target.state() {
	case runbook.NodeDown, runbook.NodeJoining:
		x.sysErr(errNodeDown)
		return
	case runbook.NodePaused:
		x.sysErr(errNodePaused)
		return
	}
	if eq(target.name, g.owner) {
		x.groupListing()
		x.print(x.localGroupRow(g.name, g.owner, g.displayState()), "")
		x.exit(0)
		return
	}
	move := s.timing.GroupMove
	handoff := min(3*time.Second, move)
	if x.fails(faultGroupMove) {
		// A resource fails to come online on the target; the cluster
		// brings the group back on its old owner.
		prev := g.state
		g.state = runbook.GroupOnlinePending
		s.transition(g, []step{{move, func() { g.state = prev }}})
		x.take(move)
		x.sysErr(errResourceFailed)
		return
	}
	wasOnline := g.state != runbook.GroupOffline && g.state != runbook.GroupFailed
	if !wasOnline {
		g.owner = target.name
		g.op++
		x.take(handoff)
		x.groupListing()
		x.print(x.localGroupRow(g.name, g.owner, g.displayState()), "")
		x.exit(0)
		return
	}
	g.state = runbook.GroupOfflinePending
	g.op++
	from := g.owner
	s.transition(g, []step{{handoff, func() {
		g.owner = target.name
		if g.cms {
			for _, db := range g.dbs {
				db.mounted = false
			}
			if !eq(from, target.name) {
				s.bumpReplication(4, 9)
			}
		}
		s.bringOnline(g, move-handoff)
	}}})
	x.take(handoff)
	shown := runbook.GroupOnlinePending
	if move == handoff {
		shown = runbook.GroupOnline
	}
	x.groupListing()
	x.print(x.localGroupRow(g.name, target.name, shown), "")
	x.exit(0)
}

func (x *interp) onlineGroup(g *group) {
	x.print(fmt.Sprintf(x.clusterText().bringingOnline, g.name), "")
	owner := x.s.w.node(g.owner)
	if owner == nil || !owner.reachable || !owner.clussvc {
		x.sysErr(errNodeDown)
		return
	}
	if g.state != runbook.GroupOnline && g.state != runbook.GroupOnlinePending {
		x.s.bringOnline(g, x.s.timing.GroupMove)
	}
	x.take(time.Second)
	x.groupListing()
	x.print(x.localGroupRow(g.name, g.owner, g.displayState()), "")
	x.exit(0)
}

func (x *interp) offlineGroup(g *group) {
	x.print(fmt.Sprintf(x.clusterText().takingOffline, g.name), "")
	if g.state != runbook.GroupOffline {
		g.state = runbook.GroupOfflinePending
		g.restore = false
		x.s.transition(g, []step{{5 * time.Second, func() {
			g.state = runbook.GroupOffline
			for _, db := range g.dbs {
				db.mounted = false
			}
		}}})
	}
	x.take(time.Second)
	x.groupListing()
	x.print(x.localGroupRow(g.name, g.owner, g.displayState()), "")
	x.exit(0)
}

const (
	resHeader = "Resource             Group                Node            Status"
	resRule   = "-------------------- -------------------- --------------- ------"
)

// resLine is a row of `cluster res`: columns of 20, 20 and 15, long names
// overflowing and pushing the rest right (PROCEDURES 2.3).
func resLine(name, group, owner, state string) string {
	return fmt.Sprintf("%-20s %-20s %-15s %s", name, group, owner, state)
}

type resRow struct {
	name  string
	g     *group
	state string
}

// resources lists every resource with the state derived from its group:
// a CMS's database resources follow their mount state, and a Failed CMS
// shows its Information Store instance Failed.
func (w *world) resources() []resRow {
	var out []resRow
	for _, g := range w.groups {
		st := g.state.Display()
		for _, r := range g.resources {
			rs := st
			if g.cms && g.state == runbook.GroupFailed {
				rs = "Offline"
				if strings.HasPrefix(r, "Exchange Information Store") {
					rs = "Failed"
				}
			}
			if w.witnessResourceFailed(r) {
				rs = "Failed"
			}
			out = append(out, resRow{r, g, rs})
		}
		for _, db := range g.dbs {
			rs := st
			switch {
			case g.state == runbook.GroupFailed:
				rs = "Offline"
			case db.stuck:
				rs = "Failed"
			case g.state == runbook.GroupOnline && !db.mounted:
				rs = "Offline"
			}
			out = append(out, resRow{fmt.Sprintf("%s/%s (%s)", db.sg, db.name, g.name), g, rs})
		}
	}
	return out
}

func (x *interp) clusterRes(args []string) {
	names, opts, bad := splitArgs(args)
	if len(names) == 1 && len(opts) == 1 && abbrev(opts[0][0], "priv", "privproperties") {
		x.resPrivate(names[0])
		return
	}
	if bad || len(opts) > 1 || len(opts) == 1 && !abbrev(opts[0][0], "stat", "status") {
		x.sysErr(errInvalidParameter)
		return
	}
	rows := x.s.w.resources()
	title := x.clusterText().resTitle
	if len(names) == 1 {
		var one []resRow
		for _, r := range rows {
			if eq(r.name, names[0]) {
				one = append(one, r)
			}
		}
		if len(one) == 0 {
			x.sysErr(errResourceNotFound)
			return
		}
		rows, title = one, fmt.Sprintf(x.clusterText().resOneTitle, one[0].name)
	}
	x.print(title, "", x.clusterText().resHeader, resRule)
	for _, r := range rows {
		x.print(resLine(r.name, r.g.name, r.g.owner, x.clusterWord(r.state)))
	}
	x.print("")
	x.exit(0)
}

// clusterQuorum is `cluster /quorum`: the quorum resource. (The layout is
// modelled on cluster.exe's other listings; no capture of it was found.)
func (x *interp) clusterQuorum() {
	w := &x.s.w
	name, _ := w.quorumResource()
	if name == "" {
		name = "(none: node majority)"
	}
	x.print(fmt.Sprintf("Listing quorum configuration for cluster '%s':", w.name), "",
		"Quorum Resource Name            Path                            Max Log Size",
		"------------------------------- ------------------------------- ------------",
		fmt.Sprintf("%-31s %-31s %d (0x%x)", name, `C:\WINDOWS\Cluster\`, 4096, 4096), "")
	x.exit(0)
}

// resPrivate is `cluster res NAME /priv`: the private properties. Only the
// majority node set has any the runbook cares about: its file share witness
// (MNSFileShare, KB 921181), empty when it has none.
func (x *interp) resPrivate(name string) {
	w := &x.s.w
	var found bool
	for _, r := range w.resources() {
		found = found || eq(r.name, name)
	}
	if !found {
		x.sysErr(errResourceNotFound)
		return
	}
	x.print(fmt.Sprintf("Listing private properties for '%s':", name), "",
		"T  Resource             Name                           Value",
		"-- -------------------- ------------------------------ -----------------------")
	if rn, typ := w.quorumResource(); eq(rn, name) && typ == "Majority Node Set" {
		x.print(fmt.Sprintf("S  %-20s %-30s %s", name, "MNSFileShare", w.fileShareWitness()),
			fmt.Sprintf("D  %-20s %-30s %s", name, "MNSFileShareCheckInterval", "240 (0xf0)"),
			fmt.Sprintf("D  %-20s %-30s %s", name, "MNSFileShareDelay", "4 (0x4)"))
	}
	x.print("")
	x.exit(0)
}
