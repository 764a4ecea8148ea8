package runbook

import "time"

// typicalDuration is how long a step of each kind usually takes on real
// hardware of the Exchange 2007 era, generous rather than hopeful: a
// service pack's Setup.com /mode:upgrade 45 minutes (reports run from 30
// to over an hour; PROCEDURES.md: an SP1 node "about 45 minutes, mostly
// waiting for the box to reboot"), a restart 10 minutes with the Cluster
// service back, /upgradecms 15 minutes. The simulator's defaults are
// shorter; these are for planning a real window.
var typicalDuration = map[StepKind]time.Duration{
	KindPreflight:     time.Minute,
	KindPauseNode:     30 * time.Second,
	KindResumeNode:    30 * time.Second,
	KindMoveGroups:    2 * time.Minute,
	KindSetupUpgrade:  45 * time.Minute,
	KindUpgradeCMS:    15 * time.Minute,
	KindInstallRollup: 20 * time.Minute,
	KindInstallPatch:  15 * time.Minute,
	KindRebootNode:    10 * time.Minute,
	KindStopCMS:       2 * time.Minute,
	KindMoveCMS:       3 * time.Minute,
	KindStartCMS:      2 * time.Minute,
	KindVerify:        time.Minute,
}

// StepEstimate is a step's typical duration (a minute for kinds without
// one), for the screen to say whether the rest of the plan fits in the
// approved window.
func StepEstimate(s Step) time.Duration {
	if d, ok := typicalDuration[s.Kind]; ok {
		return d
	}
	return time.Minute
}
