package sim

import (
	"strings"

	"cmsrunbook/runbook"
)

// KindOf recognises the command lines the runbook renders
// (runbook/render.go), so the simulator applies the scenario's faults and
// replayed outputs for that step kind wherever the line runs: in a WinRM
// cmd shell or in a job's batch file.
func KindOf(line string) runbook.StepKind {
	l := strings.ToLower(strings.TrimSpace(line))
	switch {
	case strings.HasPrefix(l, "cluster.exe node ") && strings.HasSuffix(l, " /pause"):
		return runbook.KindPauseNode
	case strings.HasPrefix(l, "cluster.exe node ") && strings.HasSuffix(l, " /resume"):
		return runbook.KindResumeNode
	case strings.HasPrefix(l, "cluster.exe group ") && strings.Contains(l, " /move:"):
		return runbook.KindMoveGroups
	case strings.HasPrefix(l, "shutdown /r "):
		return runbook.KindRebootNode
	case strings.Contains(l, `setup.com" /mode:upgrade`) || strings.Contains(l, `setup.com /mode:upgrade`):
		return runbook.KindSetupUpgrade
	case strings.Contains(l, `setup.com" /upgradecms`) || strings.Contains(l, `setup.com /upgradecms`):
		return runbook.KindUpgradeCMS
	case strings.HasPrefix(l, "msiexec.exe /update "), strings.HasPrefix(l, "msiexec /update "):
		return runbook.KindInstallRollup
	case strings.HasPrefix(l, "wusa.exe "), strings.HasPrefix(l, "wusa "):
		return runbook.KindInstallPatch
	}
	return ""
}

// cmdletKind is the step a runbook's Exchange cmdlet is, for the faults
// scenarios give those steps.
func cmdletKind(name string) runbook.StepKind {
	switch strings.ToLower(name) {
	case "stop-clusteredmailboxserver":
		return runbook.KindStopCMS
	case "move-clusteredmailboxserver":
		return runbook.KindMoveCMS
	case "start-clusteredmailboxserver":
		return runbook.KindStartCMS
	}
	return ""
}
