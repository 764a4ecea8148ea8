package runbook

import (
	"strings"
	"time"
)

// What the engine needs to know about a step beyond how it runs (Exec):
// the per-kind details of waiting, classifying and explaining a failure
// live here, beside the kinds, so the engine asks rather than re-derives.

// VerifyWaitSeconds is how long a step's postcondition may take to appear
// beyond the engine's default: a group or CMS move may be given the
// plan's /wait time, as cluster.exe returns when ownership changes, not
// when the group is Online. 0 means the default.
func VerifyWaitSeconds(s Step, o Options) int {
	if s.Kind == KindMoveGroups || s.Kind == KindMoveCMS {
		return o.MoveWait
	}
	return 0
}

// VerifyLimit is how long the engine polls live state for a step's
// postcondition before it calls the step failed: the engine's default
// (verify), or the plan's /wait for a move, whichever is longer; a check
// holds or it does not, at once.
func VerifyLimit(s Step, o Options, verify time.Duration) time.Duration {
	if s.Exec == ExecCheck {
		return 0
	}
	return max(verify, time.Duration(VerifyWaitSeconds(s, o))*time.Second)
}

// WaitLimit is how long a running step may take, from when its command
// is sent, before the engine gives up on it, for the screen to show
// beside its elapsed time: a reboot's node must be back within reboot, a
// command's result must show within its VerifyLimit. 0: no limit (a
// detached job runs until it ends; a check does not wait).
func WaitLimit(s Step, o Options, reboot, verify time.Duration) time.Duration {
	switch s.Exec {
	case ExecReboot:
		return reboot
	case ExecCommands:
		return VerifyLimit(s, o, verify)
	}
	return 0
}

// RetryAwaitsReplication reports a step whose retry must first wait for
// replication to be healthy with near-zero queues: Exchange refuses a CMS
// handoff before that, so retrying at once is refused again.
func RetryAwaitsReplication(s Step) bool { return s.Kind == KindMoveCMS }

// ClassifyJob classifies a detached job's transcript and exit code with
// the classifier for what it ran: Setup.com, or msiexec/wusa.
func ClassifyJob(s Step, text string, exitCode int) Classification {
	if s.Kind == KindSetupUpgrade || s.Kind == KindUpgradeCMS {
		return ClassifySetup(text, exitCode)
	}
	return ClassifyMsiexec(exitCode, text)
}

// JobDecidedByState reports a finished Setup.com job whose transcript
// gave no verdict in any language the runbook knows (a Windows language
// not in SetupLanguages, or a log cut off) and whose exit code is 0: it is
// not a failure and not a success on its words, so the node's state
// decides, as the step's postcondition (Unmet): for /mode:upgrade the
// node's configured build at the target and no Setup watermark left
// (Watermark/Action under the role's key), for /upgradecms the CMS Online
// at the target build. The engine verifies such a step instead of failing
// it, so a Setup that worked in a language we cannot read is never left
// "incomplete" to be retried, and one that left its watermark fails with
// what the state shows. A non-zero exit code without a verdict is a
// failure already (ClassifySetup).
func JobDecidedByState(s Step, c Classification) bool {
	return (s.Kind == KindSetupUpgrade || s.Kind == KindUpgradeCMS) &&
		c.Outcome == OutcomeIncomplete && c.ExitCode == 0
}

// AnnotateFailure attaches to a failure what live state says: the parts of
// the postcondition that do not hold and, for a CMS move, the replication
// queues and whether the CMS arrived with its databases dismounted (a
// late failure).
func AnnotateFailure(f *Failure, now, before *Observation, o Options) {
	if f.Step.Exec != ExecCheck && f.Unmet == nil {
		f.Unmet = Unmet(f.Step, now, before, o)
	}
	f.Dismounted = PartiallyOnlineAt(&now.Cluster, f.Step)
	if f.Step.Kind == KindMoveCMS {
		f.CopyQueue, f.ReplayQueue = now.Cluster.Replication.CopyQueue, now.Cluster.Replication.ReplayQueue
	}
}

// PartiallyOnlineAt reports a step's CMS running Partially Online (some
// databases dismounted) on the node the step puts it on: a late failure
// of a move, /upgradecms or a start, clear at once rather than after a
// timeout.
func PartiallyOnlineAt(c *Cluster, s Step) bool {
	if s.CMS == "" {
		return false
	}
	g := c.Group(s.CMS)
	if g == nil || g.State != GroupPartiallyOnline {
		return false
	}
	where := s.Node
	if s.Kind == KindMoveCMS {
		where = s.Target
	}
	return strings.EqualFold(g.Owner, where)
}

// CommandTookEffect reports a step whose command visibly went through
// already: sent before a crash or a dropped connection, or a move that
// happened although the CMS did not come up. Such a step is re-observed,
// never sent again.
func CommandTookEffect(s Step, c *Cluster) bool {
	switch s.Kind {
	case KindMoveCMS:
		g := c.Group(s.CMS)
		return g != nil && strings.EqualFold(g.Owner, s.Target)
	case KindStopCMS:
		g := c.Group(s.CMS)
		return g != nil && (g.State == GroupOffline || g.State == GroupOfflinePending)
	case KindStartCMS:
		g := c.Group(s.CMS)
		return g != nil && (g.State == GroupOnline || g.State == GroupOnlinePending || g.State == GroupPartiallyOnline)
	case KindUpgradeCMS:
		// /upgradecms raised the CMS's build already (it may have come up
		// Partially Online): running it again only fails with "nothing to
		// upgrade".
		// Only a build the cluster reported for the CMS itself counts, never
		// the fallback to its owner's (the new node's) build.
		g := c.Group(s.CMS)
		want, err := ParseBuild(s.Post.CMSBuild)
		return g != nil && err == nil && !want.IsZero() && !g.Build.IsZero() && g.Build.AtLeast(want)
	case KindPauseNode:
		n := c.Node(s.Node)
		return n != nil && n.State == NodePaused
	case KindResumeNode:
		n := c.Node(s.Node)
		return n != nil && n.State == NodeUp
	case KindMoveGroups:
		if len(s.Groups) == 0 {
			return false
		}
		for _, name := range s.Groups {
			if g := c.Group(name); g == nil || !strings.EqualFold(g.Owner, s.Target) {
				return false
			}
		}
		return true
	}
	return false
}

// CommandDone reports that the i-th command of a step visibly went through
// already: a group move whose group is on the target (the first of two
// moves sent before a crash). Only the commands still to do are sent.
func CommandDone(s Step, i int, c *Cluster) bool {
	if s.Kind != KindMoveGroups || i >= len(s.Groups) || len(s.Groups) != len(s.Commands) {
		return false
	}
	g := c.Group(s.Groups[i])
	return g != nil && strings.EqualFold(g.Owner, s.Target)
}
