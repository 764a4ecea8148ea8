package runbook

import "strings"

// Severity orders findings: a blocking finding stops the runbook at
// preflight.
type Severity string

const (
	Block Severity = "block"
	Warn  Severity = "warn"
	Info  Severity = "info"
)

// The stable finding codes of DESIGN section 6. Scripts and the journal rely
// on these strings.
const (
	FindPrereqOSSP       = "prereq-os-sp"
	FindInplaceOSUpgrade = "inplace-os-upgrade"
	FindNodeDown         = "node-down"
	FindNodePaused       = "node-paused"
	FindCMSNotOnline     = "cms-not-online"
	FindReplication      = "replication-unhealthy"
	FindGroupsOnPassive  = "groups-on-passive"
	FindPendingReboot    = "pending-reboot"
	FindMgmtOSMismatch   = "mgmt-os-mismatch"
	FindMgmtVista        = "mgmt-vista"
	FindMgmtToolsVersion = "mgmt-tools-version"
	FindSetupComOnly     = "setup-com-only"
	FindRollupsRemoved   = "rollups-removed"
	FindAlreadyAtTarget  = "already-at-target"
	FindDowngrade        = "target-older"
	FindNoUpgradeTarget  = "no-upgrade-target"
	FindMissingPackage   = "package-missing"
	FindMissingMedia     = "media-missing"
	FindRollupSPMismatch = "rollup-sp-mismatch"
	FindGroupFailed      = "group-failed"
	FindRTMCopyStatus    = "rtm-copy-status"
	FindQuorumAtRisk     = "quorum-at-risk"
	FindSetupIncomplete  = "setup-incomplete"
	// FindExchangeOSUnsupported: the Exchange 2007 release is not
	// supported on the nodes' Windows (RTM on 2008, below SP3 on 2008 R2).
	FindExchangeOSUnsupported = "exchange-os-unsupported"
)

// Finding is one preflight result: stable code, severity, what it is in
// plain words and what to do about it.
type Finding struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	Node     string   `json:"node,omitempty"`
	Message  string   `json:"message"`
	Remedy   string   `json:"remedy"`
}

// Label is the severity as a person reads it (BLOCK, WARN, INFO); views
// translate it with the rest of what the runbook says.
func (s Severity) Label() string {
	switch s {
	case Block:
		return say("BLOCK")
	case Warn:
		return say("WARN")
	case Info:
		return say("INFO")
	}
	return strings.ToUpper(string(s))
}

// Blocking reports whether any finding blocks the window.
func Blocking(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Block {
			return true
		}
	}
	return false
}
