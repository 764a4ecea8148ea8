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
// engine decides about the reboot (3010) itself.
func InstallRollupCommand(pkg string) string {
	return "msiexec.exe /update " + CmdQuote(pkg) + " /quiet /norestart"
}

// InstallPatchCommand installs an OS hotfix: .msu through wusa (2008),
// .msp through msiexec, an .exe hotfix with its own quiet switches.
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

// RebootCommand restarts the node with a comment that shows in its event log.
func RebootCommand(comment string) string {
	return fmt.Sprintf(`shutdown /r /t 5 /c "%s"`, sanitizeComment(comment))
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

// StartCMSCommand brings a stopped CMS online.
func StartCMSCommand(cms string) string {
	return "Start-ClusteredMailboxServer -Identity " + PSQuote(cms)
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
	out := b.String()
	if len(out) > 200 {
		out = out[:200]
	}
	return out
}
