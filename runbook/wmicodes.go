package runbook

import (
	"strconv"
	"strings"
)

// The language-neutral forms of the cluster and CMS states (DESIGN section
// 12): the numbers WMI root\MSCluster reports (MSCluster_Node.State,
// MSCluster_ResourceGroup.State; PROCEDURES 2.2) and the enum names of
// Get-ClusteredMailboxServerStatus's State, which Windows never translates.
// The WinRM executor reads them and the simulator behind WinRM writes them,
// so both sides share this one table.

var nodeWMI = []NodeState{NodeUp, NodeDown, NodePaused, NodeJoining} // 0..3

// NodeStateFromWMI reads MSCluster_Node.State; -1 (Unknown) and anything
// else unexpected count as Down, the state that blocks a window.
func NodeStateFromWMI(code string) NodeState {
	n, err := strconv.Atoi(strings.TrimSpace(code))
	if err != nil || n < 0 || n >= len(nodeWMI) {
		return NodeDown
	}
	return nodeWMI[n]
}

// WMI is the MSCluster_Node.State number of the state.
func (s NodeState) WMI() string {
	for i, v := range nodeWMI {
		if v == s {
			return strconv.Itoa(i)
		}
	}
	return "-1"
}

// GroupStateFromWMI reads MSCluster_ResourceGroup.State: 0 Online,
// 1 Offline, 2 Failed, 3 Partially Online, 4 Pending. WMI does not say
// which way a pending group is going; it reads as Online Pending, which
// no postcondition accepts as Online.
func GroupStateFromWMI(code string) GroupState {
	switch strings.TrimSpace(code) {
	case "0":
		return GroupOnline
	case "2":
		return GroupFailed
	case "3":
		return GroupPartiallyOnline
	case "4":
		return GroupOnlinePending
	}
	return GroupOffline
}

// WMI is the MSCluster_ResourceGroup.State number of the state.
func (s GroupState) WMI() string {
	switch s {
	case GroupOnline:
		return "0"
	case GroupFailed:
		return "2"
	case GroupPartiallyOnline:
		return "3"
	case GroupOnlinePending, GroupOfflinePending:
		return "4"
	}
	return "1"
}

var cmsEnum = map[GroupState]string{
	GroupOnline: "Online", GroupPartiallyOnline: "PartiallyOnline", GroupOnlinePending: "OnlinePending",
	GroupOffline: "Offline", GroupOfflinePending: "OfflinePending", GroupFailed: "Failed",
}

// CMSStateFromEnum reads the ClusteredMailboxServerState enum name.
func CMSStateFromEnum(name string) (GroupState, bool) {
	for s, n := range cmsEnum {
		if strings.EqualFold(n, strings.TrimSpace(name)) {
			return s, true
		}
	}
	return "", false
}

// CMSEnum is the ClusteredMailboxServerState enum name of the state.
func (s GroupState) CMSEnum() string {
	if n, ok := cmsEnum[s]; ok {
		return n
	}
	return "Offline"
}
