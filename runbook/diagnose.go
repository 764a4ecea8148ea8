package runbook

import (
	"strconv"
	"strings"
)

// Diagnosis codes (DESIGN section 7) beyond the guard codes in guard.go.
const (
	DiagCMSMoveFailed       = "cms-move-failed"
	DiagDatabasesDismounted = "cms-databases-dismounted"
	DiagSetupFailed         = "setup-failed"
	DiagRebootTimeout       = "reboot-timeout"
	DiagNodeStillPaused     = "node-still-paused"
	DiagNodeNotPaused       = "node-not-paused"
	DiagGroupMoveFailed     = "group-move-failed"
	DiagCMSNotOnline        = "cms-not-online"
	DiagCMSNotOffline       = "cms-not-offline"
	DiagConnectionLost      = "connection-lost"
	DiagAuthFailed          = "auth-failed"
	DiagPreflightBlocked    = "preflight-blocked"
	DiagVerifyFailed        = "verify-failed"
)

// SetupLogPath is where Exchange 2007 Setup writes its log (PROCEDURES 4.2).
const SetupLogPath = `C:\ExchangeSetupLogs\ExchangeSetup.log`

// Failure is what the engine saw go wrong, in data: the diagnosis is
// derived from it without any I/O.
type Failure struct {
	Step Step
	// Kind of evidence: exactly one of these is set.
	Classification *Classification // a Setup.com / msiexec run that failed
	ExitCode       *int            // a short command that exited non-zero
	Output         []string        // the command's last output lines
	Unmet          []string        // postconditions that did not hold, in words
	Connection     bool            // the node stopped answering
	Auth           bool            // credentials refused
	Timeout        bool            // a reboot or a poll ran out of time
	Guard          *GuardError
	Dismounted     bool     // the CMS moved but databases stayed offline
	Blocking       []string // preflight: the blocking findings
	CopyQueue      int
	ReplayQueue    int
	// Gate: the outage was not opened; what on the handoff path fails.
	Gate []string
	// Down names the CMSs that are down while the step failed, and
	// WayBack is how users get back in (nil when no node can run it now).
	Down    []string
	WayBack *Remedy
}

// Diagnose turns a failure into what happened, why it matters, the lines
// that show it and the remedies the engine can carry out. While a CMS is
// down it says so first and offers the way back before anything else.
func Diagnose(f Failure) Diagnosis {
	d := diagnose(f)
	if len(f.Down) == 0 {
		return d
	}
	return withWayBack(d, f)
}

// withWayBack puts users first while a CMS is down: the diagnosis says it
// plainly, the way back is offered before the other remedies, and abort
// says that it leaves the CMS down.
func withWayBack(d Diagnosis, f Failure) Diagnosis {
	down := strings.Join(f.Down, ", ")
	why := d.Why
	var rem []Remedy
	if f.WayBack != nil {
		rem = append(rem, *f.WayBack)
	} else {
		why = say("%s No node can start it now: bring its node back (resume it, or restart its Cluster service), then %s.", why, StartCMSCommand(f.Down[0]))
	}
	d.Why = say("%s IS DOWN: users cannot reach their mailboxes. %s", down, why)
	for _, r := range d.Remedies {
		if r.Action == RemedyAbort {
			r.Label = say("Abort the window here: %s STAYS DOWN until you bring it back (the journal keeps the place for resume)", down)
			if f.WayBack != nil {
				r.Command = f.WayBack.Command
			}
		}
		rem = append(rem, r)
	}
	d.Remedies = rem
	return d
}

// diagnose is the diagnosis of the failure itself.
func diagnose(f Failure) Diagnosis {
	s := f.Step
	lines := lastLines(f.Output, 12)

	switch {
	case f.Gate != nil:
		return gateDiagnosis(s, f.Gate)
	case f.Dismounted:
		return dismountedDiagnosis(s, lines)
	case f.Guard != nil:
		return guardDiagnosis(f.Guard)
	case f.Auth:
		return authDiagnosis(s, lines)
	case f.Connection:
		return connectionDiagnosis(s, lines)
	case f.Blocking != nil:
		return preflightDiagnosis(f.Blocking)
	}

	switch s.Kind {
	case KindSetupUpgrade, KindUpgradeCMS, KindInstallRollup, KindInstallPatch:
		if f.Classification != nil || f.ExitCode != nil {
			return installDiagnosis(f, lines)
		}
	case KindMoveCMS:
		return moveCMSDiagnosis(f, lines)
	case KindRebootNode:
		if f.Timeout {
			return rebootTimeoutDiagnosis(s)
		}
	}
	return postconditionDiagnosis(f, lines)
}

// The remedies most diagnoses offer. Remedy is a value, so each Diagnosis
// gets its own copy.
var (
	retryRemedy = Remedy{Action: RemedyRetry, Key: "r", Label: say("Re-check the live state and retry the step if it still does not hold")}
	abortRemedy = Remedy{Action: RemedyAbort, Key: "a", Label: say("Abort the window here; nothing else is sent (the journal keeps the place for resume)")}
	skipRemedy  = Remedy{Action: RemedySkip, Key: "s", Label: say("Skip this step (recorded as a deviation)")}
)

// manualRemedies offers the step's manual fallback, or nothing when it has
// none.
func manualRemedies(s Step) []Remedy {
	if len(s.Fallback) == 0 {
		return nil
	}
	shell := s.FallbackShell
	if shell == "" {
		shell = s.Shell
	}
	return []Remedy{{Action: RemedyManual, Key: "m", Label: say("Run the manual fallback"), Command: strings.Join(s.Fallback, " && "), Warning: s.FallbackWarning,
		Commands: s.Fallback, Node: s.Node, Shell: shell}}
}

// guardDiagnosis reports a step the guard refused: the only way on is to
// abort.
func guardDiagnosis(g *GuardError) Diagnosis {
	return Diagnosis{Code: g.Code, Message: g.Message,
		Why:      say("The runbook refuses this step in the cluster's current state; running it would break the CMS or the cluster."),
		Remedies: []Remedy{abortRemedy}}
}

// authDiagnosis reports credentials the node refused. A refused password
// is never tried again on its own: every refusal counts toward the
// domain's lockout threshold, so the retry asks for the password again
// (the engine words the remedy with the attempt it would be, and stops
// offering it after a few refusals).
func authDiagnosis(s Step, lines []string) Diagnosis {
	return Diagnosis{Code: DiagAuthFailed, Message: say("%s refused the credentials.", nodeOr(s.Node)),
		Why:      say("Nothing more was sent, and the password is not tried again on its own: every refusal counts toward the domain's lockout threshold (commonly 3 to 5). Check the password, that the account is neither locked out nor expired, and that the nodes allow the authentication scheme; the account needs local Administrators on every node and the Exchange Server Administrator role."),
		Lines:    lines,
		Remedies: []Remedy{{Action: RemedyRetry, Key: "r", Label: say("Re-enter the password and retry")}, abortRemedy}}
}

// connectionDiagnosis reports a node that stopped answering mid-step.
func connectionDiagnosis(s Step, lines []string) Diagnosis {
	return Diagnosis{Code: DiagConnectionLost, Message: say("The connection to %s dropped while the step ran.", nodeOr(s.Node)),
		Why:      say("A long-running install keeps running on the node; the runbook re-attaches to it and reads its log from where it stopped, and never starts it twice."),
		Lines:    lines,
		Remedies: []Remedy{{Action: RemedyRetry, Key: "r", Label: say("Reconnect and re-attach")}, abortRemedy}}
}

// preflightDiagnosis reports blocking preflight findings, before anything
// has changed.
func preflightDiagnosis(blocking []string) Diagnosis {
	return Diagnosis{Code: DiagPreflightBlocked, Message: say("The cluster is not ready: %s", sayList(blocking)),
		Why:      say("Starting a rolling upgrade on an unhealthy cluster risks the CMS. Nothing has been changed yet."),
		Remedies: []Remedy{{Action: RemedyRetry, Key: "r", Label: say("Fix the findings, then re-check")}, abortRemedy}}
}

// installDiagnosis reports a Setup.com or installer run that failed, from
// its classification or, without one, its exit code.
func installDiagnosis(f Failure, lines []string) Diagnosis {
	s := f.Step
	d := Diagnosis{Code: DiagSetupFailed, Lines: lines,
		Remedies: []Remedy{{Action: RemedyRetry, Key: "r", Label: say("Fix the cause, then re-check the node's build and run the install again if it is still needed")}, skipRemedy, abortRemedy}}
	installer := s.Kind == KindInstallRollup || s.Kind == KindInstallPatch
	if c := f.Classification; c != nil {
		d.Message = c.Summary
		if d.Message == "" {
			d.Message = say("Setup.com reported a failure.")
			if installer {
				d.Message = say("The installer reported a failure.")
			}
		}
		if len(c.ErrorLines) > 0 {
			d.Lines = c.ErrorLines
		}
	} else {
		code := strconv.Itoa(*f.ExitCode)
		d.Message = say("Setup.com exited with code %s.", code)
		if installer {
			d.Message = say("The installer exited with code %s.", code)
		}
	}
	d.Why = installWhy(s)
	return d
}

// installWhy says where to look for why an install failed: Setup's log for
// Setup.com, a verbose MSI log for an update.
func installWhy(s Step) string {
	if s.Kind != KindSetupUpgrade && s.Kind != KindUpgradeCMS {
		for _, c := range s.Commands {
			if log := msiLogOf(c); log != "" {
				return say("The update is not installed on %s. Its verbose MSI log, %s on %s, shows the failing action: look for \"Return value 3\" and the lines just above it.", s.Node, log, s.Node)
			}
		}
		return say("The update is not installed on %s. Its installer keeps its own log: for a Windows Server 2003 hotfix %%windir%%\\KBnnnnnn.log, for a 2008 .msu the Setup event log and %%windir%%\\Logs\\CBS\\CBS.log.", s.Node)
	}
	why := say("The node is not on the new build. Read %s on %s for the failing task; Setup's exit code alone cannot be trusted.", SetupLogPath, s.Node)
	if s.Kind == KindUpgradeCMS {
		why = say("%s The CMS is still stopped: the outage continues until /upgradecms succeeds.", why)
	}
	return why
}

// dismountedDiagnosis reports a CMS that moved but left databases offline.
func dismountedDiagnosis(s Step, lines []string) Diagnosis {
	node := s.Target
	msg := say("%s moved to %s, but some of its databases stayed offline or dismounted (Partially Online).", s.CMS, s.Target)
	if s.Kind != KindMoveCMS || node == "" {
		node = s.Node
		msg = say("%s came back Partially Online on %s: some of its databases are dismounted.", s.CMS, node)
	}
	return Diagnosis{Code: DiagDatabasesDismounted, Message: msg,
		Why:   say("A late failure leaves the CMS running with databases offline: users of those databases have no mailbox until they are mounted."),
		Lines: lines,
		Remedies: []Remedy{{Action: RemedyMount, Key: "d", Label: say("Mount the dismounted databases, then re-check copy status"), Command: MountDatabasesCommand(s.CMS),
			Commands: []string{MountDatabasesCommand(s.CMS)}, Node: node, Shell: ShellPowerShell},
			retryRemedy, abortRemedy}}
}

// moveCMSDiagnosis reports a Move-ClusteredMailboxServer that did not move
// the CMS, with the queues when they were not empty.
func moveCMSDiagnosis(f Failure, lines []string) Diagnosis {
	s := f.Step
	rem := []Remedy{{Action: RemedyRetry, Key: "r", Label: say("Wait for replication to catch up, then retry the move"), Command: CopyStatusCommand(s.CMS)}}
	rem = append(rem, manualRemedies(s)...)
	rem = append(rem, abortRemedy)
	msg := say("Move-ClusteredMailboxServer did not move %s to %s.", s.CMS, s.Target)
	if f.CopyQueue > 0 || f.ReplayQueue > 0 {
		msg = say("Move-ClusteredMailboxServer did not move %s to %s. Copy queue %d, replay queue %d.", s.CMS, s.Target, f.CopyQueue, f.ReplayQueue)
	}
	return Diagnosis{Code: DiagCMSMoveFailed, Message: msg,
		Why:      say("Exchange refuses a handoff while replication is unhealthy or the target is not an acceptable passive node. A move with the cluster tools skips those checks and can leave databases offline."),
		Lines:    lines,
		Remedies: rem}
}

// rebootTimeoutDiagnosis reports a node that did not come back from its
// reboot in time.
func rebootTimeoutDiagnosis(s Step) Diagnosis {
	return Diagnosis{Code: DiagRebootTimeout, Message: say("%s did not come back from its reboot in time.", s.Node),
		Why:      say("The node may be stuck in shutdown, applying updates, or at a boot error. Check its console out-of-band (iLO, DRAC or the hypervisor console). The node is still Paused, so the cluster is not at risk from it."),
		Remedies: []Remedy{{Action: RemedyWait, Key: "w", Label: say("Keep waiting for the node")}, skipRemedy, abortRemedy}}
}

// postconditionDiagnosis reports a step that ran but whose postconditions
// did not hold.
func postconditionDiagnosis(f Failure, lines []string) Diagnosis {
	code, why := postconditionCause(f.Step.Kind)
	var msg string
	if unmet := sayList(f.Unmet); unmet != "" {
		msg = say("Not as expected: %s", unmet)
	}
	if f.ExitCode != nil && *f.ExitCode != 0 {
		code := strconv.Itoa(*f.ExitCode)
		// With nothing unmet the sentence ends in ". " (as it always has).
		msg = say("The command exited with code %s. %s", code, msg)
	}
	rem := []Remedy{retryRemedy}
	rem = append(rem, manualRemedies(f.Step)...)
	rem = append(rem, skipRemedy, abortRemedy)
	return Diagnosis{Code: code, Message: msg, Why: why, Lines: lines, Remedies: rem}
}

// postconditionCause picks the diagnosis code of a step kind whose
// postcondition failed, and why that state matters.
func postconditionCause(k StepKind) (code, why string) {
	code, why = DiagVerifyFailed, say("The step ran but the cluster is not in the state it should be.")
	switch k {
	case KindPauseNode:
		code, why = DiagNodeNotPaused, say("An unpaused node can take groups while it is being upgraded.")
	case KindResumeNode:
		code, why = DiagNodeStillPaused, say("A paused node takes no groups and no failover: the cluster has lost its redundancy until it is resumed.")
	case KindMoveGroups:
		code, why = DiagGroupMoveFailed, say("A node that still owns groups is not truly passive: installing on it fails those groups over.")
	case KindStopCMS:
		code, why = DiagCMSNotOffline, say("The CMS must be Offline before it is moved for /upgradecms.")
	case KindStartCMS, KindUpgradeCMS:
		code, why = DiagCMSNotOnline, say("Users have no mailbox access until the CMS is Online.")
	case KindMoveCMS:
		code = DiagCMSMoveFailed
	case KindSetupUpgrade, KindInstallRollup, KindInstallPatch:
		code, why = DiagSetupFailed, say("The install reported success but the node is not on the expected build. Check %s.", SetupLogPath)
	case KindRebootNode:
		code = DiagRebootTimeout
	}
	return code, why
}

func nodeOr(n string) string {
	if n == "" {
		return say("The node")
	}
	return n
}

func lastLines(lines []string, n int) []string {
	var out []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}
