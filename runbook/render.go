package runbook

import (
	"fmt"
	"strings"
)

// The functions below turn a step's parameters into the exact command text a
// node runs. Every name and path they receive has passed ValidateHostName,
// ValidateGroupName or ValidateWindowsPath, and is still quoted, so no input
// can change what runs (DESIGN sections 11 and 12). cmd.exe commands go to
// cmd; PowerShell lines run under PowerShell 1.0 with the Exchange snap-in.

// PauseNodeCommand pauses a node so no group can move or fail over to it.
func PauseNodeCommand(node string) string {
	return "cluster.exe node " + CmdQuote(node) + " /pause"
}

// ResumeNodeCommand resumes a paused node; a pause survives a reboot.
func ResumeNodeCommand(node string) string {
	return "cluster.exe node " + CmdQuote(node) + " /resume"
}

// GroupStatusCommand lists every group with its owner and state.
func GroupStatusCommand() string { return "cluster.exe group" }

// MoveGroupCommand moves one group and waits for it: without /wait cluster.exe
// gives up after 20 seconds (PROCEDURES 2.1).
func MoveGroupCommand(group, target string, wait int) string {
	if wait <= 0 {
		wait = DefaultMoveWait
	}
	return fmt.Sprintf(`cluster.exe group "%s" /move:%s /wait:%d`, group, target, wait)
}

// SetupUpgradeCommand runs the unattended service-pack upgrade of the node's
// Exchange binaries. Never Setup.exe: the wizard cannot upgrade a CMS node.
func SetupUpgradeCommand(media string) string {
	return CmdQuote(joinWindowsPath(media, "Setup.com")) + " /mode:upgrade"
}

// UpgradeCMSCommand upgrades the clustered instance on its (upgraded) owner.
func UpgradeCMSCommand(media string) string {
	return CmdQuote(joinWindowsPath(media, "Setup.com")) + " /upgradecms"
}

// InstallRollupCommand installs an Exchange update rollup quietly; the
// engine decides about the reboot (3010) itself. The verbose log (/l*v) is
// what the setup-failed diagnosis sends the engineer to ("Return value 3",
// PROCEDURES 4.3): MsiLogPath names it, the same file on every attempt.
func InstallRollupCommand(pkg string) string {
	return "msiexec.exe /update " + CmdQuote(pkg) + " /quiet /norestart /l*v " + `"` + MsiLogPath(pkg) + `"`
}

// msiLogDir is where the verbose MSI logs go: Exchange Setup creates
// C:\ExchangeSetupLogs on every Exchange 2007 server (PROCEDURES 4.2, the
// folder SetupLogPath is in), and msiexec creates the log file but not
// its folder (a missing folder fails the install with 1622).
const msiLogDir = `C:\ExchangeSetupLogs`

// MsiLogPath is the verbose log of an msiexec install of pkg:
// C:\ExchangeSetupLogs\cmsrunbook-<package name>.log. The name is the
// package's file name without its extension, so two packages never share
// a log and a retry of one overwrites its own.
func MsiLogPath(pkg string) string {
	base := pkg
	if i := strings.LastIndexAny(base, `\/`); i >= 0 {
		base = base[i+1:]
	}
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return msiLogDir + `\cmsrunbook-` + base + ".log"
}

// msiLogOf returns the log path an msiexec command line names with /l*v,
// or "" when it names none, so a diagnosis points at the file the command
// that ran actually wrote.
func msiLogOf(command string) string {
	const flag = ` /l*v "`
	i := strings.Index(command, flag)
	if i < 0 {
		return ""
	}
	rest := command[i+len(flag):]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return ""
}

// InstallPatchCommand installs an OS hotfix: .msu through wusa (2008),
// .msp through msiexec, an .exe hotfix with its own quiet switches.
// wusa on Windows Server 2008 has no log switch (/log came with 2008 R2),
// so only the msiexec form names a log.
func InstallPatchCommand(pkg string) string {
	lower := strings.ToLower(pkg)
	switch {
	case strings.HasSuffix(lower, ".msu"):
		return "wusa.exe " + CmdQuote(pkg) + " /quiet /norestart"
	case strings.HasSuffix(lower, ".msp"):
		return InstallRollupCommand(pkg)
	}
	return CmdQuote(pkg) + " /quiet /norestart"
}

// ShutdownReason is a planned shutdown reason code for shutdown /d
// p:major:minor, logged with the comment in the System event log (USER32
// event 1074) on Windows Server 2003 and 2008 alike. The codes are those
// of the System Shutdown Reason Codes (reason.h: major 0 other, 2 operating
// system, 4 application; minor 0 other, 2 installation, 17 hot fix) and
// each is one the default "Reasons on this computer" list of shutdown /?
// on 2003 and 2008 defines as planned (ss64.com/nt/shutdown.html), so the
// event shows its title rather than "No title for this reason".
type ShutdownReason struct {
	Major, Minor int
	// Title is how the event log words it.
	Title string
}

var (
	// ReasonApplicationInstall: an Exchange service pack or update rollup
	// was installed (Application: Installation (Planned), p:4:2).
	ReasonApplicationInstall = ShutdownReason{4, 2, "Application: Installation (Planned)"}
	// ReasonOSHotfix: a Windows update was installed (Operating System:
	// Hot fix (Planned), p:2:17).
	ReasonOSHotfix = ShutdownReason{2, 17, "Operating System: Hot fix (Planned)"}
	// ReasonPlannedOther: a restart to clear one already pending, whose
	// cause the runbook does not know (Other (Planned), p:0:0).
	ReasonPlannedOther = ShutdownReason{0, 0, "Other (Planned)"}
)

// RebootReason is the reason a goal's reboot is logged with.
func RebootReason(g Goal) ShutdownReason {
	if g == GoalOSPatch {
		return ReasonOSHotfix
	}
	return ReasonApplicationInstall
}

// maxShutdownComment is the longest /c comment shutdown.exe takes on
// Windows Server 2003 ("Maximum of 127 characters allowed", shutdown /?;
// 2008 R2 and later allow 512). A longer one makes shutdown refuse.
const maxShutdownComment = 127

// RebootCommand restarts the node with a planned reason code and a comment
// that both show in its System event log, so whoever reads the log later
// sees that cmsrunbook restarted it, in which step and why.
func RebootCommand(reason ShutdownReason, comment string) string {
	c := []rune(sanitizeComment(comment))
	if len(c) > maxShutdownComment {
		c = c[:maxShutdownComment]
	}
	return fmt.Sprintf(`shutdown /r /t 5 /d p:%d:%d /c "%s"`, reason.Major, reason.Minor, string(c))
}

// StopCMSCommand stops the CMS; -Confirm defaults to true, so automation must
// pass -Confirm:$false (PROCEDURES 1.5).
func StopCMSCommand(cms, reason string) string {
	return fmt.Sprintf("Stop-ClusteredMailboxServer -Identity %s -StopReason %s -Confirm:$false", PSQuote(cms), PSQuote(sanitizeComment(reason)))
}

// MoveCMSCommand hands the CMS to another node with Exchange's own health
// checks; -MoveComment is required and goes to the event log.
func MoveCMSCommand(cms, target, comment string) string {
	return fmt.Sprintf("Move-ClusteredMailboxServer -Identity %s -TargetMachine %s -MoveComment %s -Confirm:$false", PSQuote(cms), PSQuote(target), PSQuote(sanitizeComment(comment)))
}

// StartCMSCommand brings a stopped CMS online. Like Stop- and
// Move-ClusteredMailboxServer it asks for confirmation, and under
// powershell -NonInteractive a prompt fails the command instead of
// waiting, so it passes -Confirm:$false too.
func StartCMSCommand(cms string) string {
	return "Start-ClusteredMailboxServer -Identity " + PSQuote(cms) + " -Confirm:$false"
}

// CMSStatusCommand shows the CMS state and its offline resources.
func CMSStatusCommand(cms string) string {
	return "Get-ClusteredMailboxServerStatus -Identity " + PSQuote(cms)
}

// CopyStatusCommand shows CCR copy status with copy and replay queues.
func CopyStatusCommand(cms string) string {
	return "Get-StorageGroupCopyStatus -Server " + PSQuote(cms)
}

// MountDatabasesCommand mounts every database of the CMS that a late move
// failure left dismounted.
func MountDatabasesCommand(cms string) string {
	return "Get-MailboxDatabase -Server " + PSQuote(cms) + " -Status | Where-Object { -not $_.Mounted } | Mount-Database"
}

// joinWindowsPath appends a file name to a validated folder path.
func joinWindowsPath(dir, file string) string {
	return strings.TrimRight(dir, `\`) + `\` + file
}

// sanitizeComment keeps the free text we generate safe in both a cmd.exe
// double-quoted and a PowerShell single-quoted argument.
func sanitizeComment(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '%' || r == '\'' || r == '`' || r == '$' || strings.ContainsRune(smartQuotes, r):
			continue
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	out := []rune(b.String())
	if len(out) > 200 {
		out = out[:200] // whole characters: a cut rune would reach the node as garbage
	}
	return string(out)
}
