package sim

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"cmsrunbook/runbook"
)

// This file holds the installers: Setup.com (/mode:upgrade, /upgradecms),
// msiexec /update for rollups, and OS hotfixes (wusa, update.exe-style
// packages). Their consoles follow the real captures (PROCEDURES 4.1):
// dotted "......................... COMPLETED" steps, hard wraps at 80
// columns, the verdict lines; their effects follow the real rules.
// Setup.com speaks the node's language (locale.go): headings, step names,
// step statuses and verdict lines; its reasons for refusing stay English.

// dotted renders a Setup.com step line; the name column is 33 characters
// wide (counted as fmt pads: in characters, not bytes, so a Japanese name
// is padded like an English one).
func dotted(name, status string) string {
	if utf8.RuneCountInString(name) >= 33 {
		return "    " + name + " ......................... " + status
	}
	return fmt.Sprintf("    %-33s......................... %s", name, status)
}

// wrap80 hard-wraps a line at 80 columns, splitting words, as the Windows
// console does.
func wrap80(line string) []string {
	var out []string
	for utf8.RuneCountInString(line) > consoleCols {
		i, n := 0, 0
		for n < consoleCols {
			_, size := utf8.DecodeRuneInString(line[i:])
			i += size
			n++
		}
		out = append(out, line[:i])
		line = line[i:]
	}
	return append(out, line)
}

const consoleCols = 80

// printWrapped prints long console lines wrapped at 80 columns.
func (x *interp) printWrapped(lines ...string) {
	for _, l := range lines {
		x.print(wrap80(l)...)
	}
}

// at moves the cursor to fraction f of d (never backwards).
func (x *interp) at(d time.Duration, f float64) {
	if t := time.Duration(float64(d) * f); t > x.t {
		x.t = t
	}
}

// AdminDisplayVersion renders a build as Get-ExchangeServer shows it:
// "Version 8.1 (Build 240.6)".
func adminVersion(b runbook.Build) string {
	return fmt.Sprintf("Version %d.%d (Build %d.%d)", b.Major, b.Minor, b.Build, b.Revision)
}

const (
	setupWelcome     = "Welcome to Microsoft Exchange Server 2007 Unattended Setup"
	setupPreparing   = "Preparing Exchange Setup"
	setupPrereq      = "Performing Microsoft Exchange Server Prerequisite Check"
	setupConfiguring = "Configuring Microsoft Exchange Server"
	setupSuccess     = "The Microsoft Exchange Server setup operation completed successfully."
	setupNotDone     = "The Exchange Server Setup operation did not complete. For more information, visit http://support.microsoft.com and enter the Error ID."
	setupError       = "Exchange Server setup encountered an error."
	setupReboot      = " Setup has made changes to operating system settings that require a reboot to take effect. Please reboot this server prior to placing it into production."
)

// setupTarget is the build the media installs: the goal's service pack,
// else one named in the media path (D:\Exchange2007SP2).
func (x *interp) setupTarget(path string) runbook.Build {
	if b := x.s.w.opts.Goal.TargetBuild(); !b.IsZero() {
		return b
	}
	p := strings.ToUpper(path)
	for _, c := range []struct {
		tag string
		b   runbook.Build
	}{{"SP3", runbook.BuildSP3}, {"SP2", runbook.BuildSP2}, {"SP1", runbook.BuildSP1}} {
		if strings.Contains(p, c.tag) {
			return c.b
		}
	}
	return runbook.BuildSP2
}

func (x *interp) setup(path string, args []string) {
	mode := ""
	for _, a := range args {
		name, val, ok := option(a)
		if !ok {
			continue
		}
		switch {
		case (name == "mode" || name == "m") && strings.EqualFold(val, "upgrade"):
			mode = "upgrade"
		case name == "upgradecms":
			mode = "upgradecms"
		case name == "mode" || name == "m":
			mode = strings.ToLower(val)
		}
	}
	media := path
	if i := strings.LastIndexAny(media, `\/`); i >= 0 {
		media = media[:i]
	} else {
		media = `D:\`
	}
	for _, p := range x.n.live {
		if p.setup && p.running(x.s.clk.now) {
			t := x.setupText()
			x.print(t.welcome, t.preparing)
			x.printWrapped(" Setup cannot continue because another instance of Exchange Setup is already running on this computer.")
			x.print(t.errorLine)
			x.exit(1)
			return
		}
	}
	x.p.setup = true
	x.n.setupStarts++
	target := x.setupTarget(path)
	switch mode {
	case "upgrade":
		x.setupUpgrade(media, target)
	case "upgradecms":
		x.upgradeCMS(media, target)
	default:
		x.print(x.setupText().welcome, "")
		x.printWrapped(fmt.Sprintf("The value '%s' for parameter 'mode' is not valid on a clustered mailbox server node. Use /mode:upgrade to apply a service pack to this node, then /upgradecms on the node that owns the clustered mailbox server.", mode))
		x.exit(1)
	}
}

// setupRefused prints a prerequisite failure: Setup stops before changing
// anything.
func (x *interp) setupRefused(check string, roles bool, reasons ...string) {
	t := x.setupText()
	x.print(t.welcome, t.preparing)
	if roles {
		x.upgradeRoles()
	}
	x.print(t.prereq)
	x.take(90 * time.Second)
	x.print(x.dottedStep(check, false))
	for _, r := range reasons {
		x.printWrapped("     " + r)
	}
	x.printWrapped(t.notDone)
	x.print(t.errorLine)
	x.exit(1)
}

// upgradeRoles prints the roles Setup will upgrade on a CMS node.
func (x *interp) upgradeRoles() {
	x.print(x.setupText().upgradeRoles, "    "+x.setupStep("Mailbox Role"), "    "+x.setupStep("Management Tools"))
}

// restartClusterService is what an installer does to the node part way
// through: the Cluster service stops (every group the node owns fails
// over or goes offline) and starts again after down.
func (x *interp) restartClusterService(at, down time.Duration) {
	s, n := x.s, x.n
	epoch := n.epoch
	s.effect(x.p, at, func() {
		if n.epoch != epoch || !n.clussvc {
			return
		}
		s.stopClusterService(n)
		s.after(down, func() {
			if n.epoch != epoch || n.clussvc {
				return
			}
			n.clussvc = true
			s.nodeJoined(n)
		})
	})
}

// setupPendingRestart is the prerequisite failure of a node with a restart
// pending (TechNet cc164360 gives the rule's text; the console's own
// wording of it was not captured).
const setupPendingRestart = "Microsoft Exchange Server setup cannot continue because a restart from a previous installation or update is pending. Restart the computer, then run Setup again."

// setupUpgrade is Setup.com /mode:upgrade: the node's binaries go to the
// media's service pack. It refuses on a node that runs a CMS or has a
// restart pending; it restarts the Cluster service part way (groups the
// node owns fail over); it sets its watermark once the new binaries are
// copied and clears it only when every role is configured; and when it
// leaves a CMS older than every node, that CMS breaks. A node whose last
// Setup left its watermark is resumed, whatever its file version.
func (x *interp) setupUpgrade(media string, target runbook.Build) {
	s, n := x.s, x.n
	if n.build.AtLeast(target) && n.watermark == "" {
		x.setupRefused("Mailbox Role Checks", false, fmt.Sprintf("The installed version of Exchange Server 2007 on this computer (%s) is the same as or later than the version of this Setup (%s). There is nothing to upgrade.", adminVersion(n.build), adminVersion(target)))
		return
	}
	if g := s.w.runsCMS(n.name); g != nil {
		x.setupRefused("Mailbox Role Checks", true, fmt.Sprintf("The clustered mailbox server '%s' is running on this node. Move it to a passive node with Move-ClusteredMailboxServer (or stop it and move it) before you upgrade this node.", g.name))
		return
	}
	if n.pending {
		x.setupRefused("Mailbox Role Checks", true, setupPendingRestart)
		return
	}
	d := s.timing.SetupUpgrade
	fail := x.fails(faultSetup)
	afterCopy := !fail && x.fails(faultSetupAfterCopy)
	t := x.setupText()
	x.print(t.welcome)
	x.at(d, 0.005)
	x.print(t.preparing)
	x.at(d, 0.02)
	x.upgradeRoles()
	x.print(t.prereq)
	x.at(d, 0.06)
	x.print(x.dottedStep("Mailbox Role Checks", true), t.configuring)
	x.restartClusterService(time.Duration(float64(d)*0.15), time.Minute)
	for _, st := range []struct {
		name string
		at   float64
	}{{"Preparing Setup", 0.09}, {"Removing Exchange Files", 0.28}, {"Preparing Files", 0.33}} {
		x.at(d, st.at)
		x.print(x.dottedStep(st.name, true))
	}
	if fail {
		// The MSI rolls back: the node keeps its old binaries.
		x.at(d, 0.45)
		x.setupFailed("Copying Exchange files", fmt.Sprintf("Installing product %s\\exchangeserver.msi failed. Fatal error during installation. Error code is 1603.", strings.TrimRight(media, `\`)))
		return
	}
	x.at(d, 0.58)
	x.print(x.dottedStep("Copying Exchange files", true))
	s.effect(x.p, x.t, func() { n.files, n.watermark = target, "MailboxRole" })
	if afterCopy {
		x.at(d, 0.75)
		x.setupFailed("Mailbox Server Role", "Service 'MSExchangeIS' failed to reach status 'Running' on this server.")
		return
	}
	x.setupConfigured(d, target)
}

// setupConfigured is the end of a /mode:upgrade that works: the roles are
// configured, the watermark goes, a reboot is pending.
func (x *interp) setupConfigured(d time.Duration, target runbook.Build) {
	s, n := x.s, x.n
	t := x.setupText()
	x.at(d, 0.90)
	x.print(x.dottedStep("Mailbox Server Role", true))
	x.at(d, 0.96)
	x.print(x.dottedStep("Exchange Management Tools", true))
	x.at(d, 0.995)
	x.print(x.dottedStep("Finalizing Setup", true))
	x.at(d, 1)
	x.printWrapped(t.reboot)
	x.print(t.success)
	s.effect(x.p, x.t, func() {
		n.build, n.files, n.watermark = target, target, ""
		n.pending = true
		s.markBrokenCMSs()
	})
	x.exit(0)
}

// upgradeCMS is Setup.com /upgradecms: on the node that owns the CMS, once
// that node runs the new binaries, it upgrades the clustered instance and
// brings it online at the new build.
func (x *interp) upgradeCMS(media string, target runbook.Build) {
	s, n := x.s, x.n
	g := s.w.runsCMS(n.name)
	const check = "Clustered Mailbox Server Checks"
	switch {
	case g == nil:
		x.setupRefused(check, false, "This computer does not own a clustered mailbox server. Run Setup.com /upgradecms on the node that owns the clustered mailbox server.")
		return
	case g.broken:
		x.setupRefused(check, false, fmt.Sprintf("The clustered mailbox server '%s' cannot be upgraded: its configuration is from an earlier version of Exchange Server 2007 than every node of the cluster, so it cannot be started. (Every node was upgraded before /upgradecms ran; see HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Exchange\\v8.0\\CMS.)", g.name))
		return
	case n.watermark != "":
		// Simulated wording: Setup resumes only the operation its
		// watermark records.
		x.setupRefused(check, false, fmt.Sprintf("A previous Setup on this computer did not finish (Watermark and Action values under HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Exchange\\v8.0\\%s). Run Setup.com /mode:upgrade again to finish it, then run /upgradecms.", n.watermark))
		return
	case !n.build.AtLeast(target):
		x.setupRefused(check, false, fmt.Sprintf("The Exchange binaries on this computer (%s) are older than this Setup (%s). Run Setup.com /mode:upgrade on this node, restart it, then run /upgradecms.", adminVersion(n.build), adminVersion(target)))
		return
	case g.build.AtLeast(target):
		x.setupRefused(check, false, fmt.Sprintf("The clustered mailbox server '%s' is already at %s. There is nothing to upgrade.", g.name, adminVersion(g.build)))
		return
	case n.pending:
		x.setupRefused(check, false, setupPendingRestart)
		return
	}
	d := s.timing.UpgradeCMS
	fail := x.fails(faultSetup)
	partial := !fail && x.fails(faultUpgradeCMSPartial)
	t := x.setupText()
	x.print(t.welcome)
	x.at(d, 0.01)
	x.print(t.preparing, t.prereq)
	x.at(d, 0.10)
	x.print(x.dottedStep(check, true), t.configuring)
	x.at(d, 0.15)
	x.print(x.dottedStep("Preparing Setup", true))
	if g.state != runbook.GroupOffline {
		g.state = runbook.GroupOfflinePending
		s.transition(g, []step{{time.Duration(float64(d) * 0.3), func() {
			g.state = runbook.GroupOffline
			for _, db := range g.dbs {
				db.mounted = false
			}
		}}})
	}
	x.at(d, 0.30)
	x.print(x.dottedStep("Stopping Clustered Mailbox Server", true))
	if fail {
		x.at(d, 0.70)
		x.setupFailed("Upgrading Clustered Mailbox Server", fmt.Sprintf("Installing product %s\\exchangeserver.msi failed. Fatal error during installation. Error code is 1603.", strings.TrimRight(media, `\`)))
		return
	}
	x.at(d, 0.80)
	x.print(x.dottedStep("Upgrading Clustered Mailbox Server", true))
	upgraded := x.t
	s.effect(x.p, upgraded, func() {
		g.build = target
		if partial {
			// A database the upgraded instance does not mount: Setup
			// reports success, the CMS comes back Partially Online.
			g.dbs[len(g.dbs)-1].stuck = true
		}
		s.bringOnline(g, time.Duration(float64(d)*0.17))
	})
	x.at(d, 0.97)
	x.print(x.dottedStep("Starting Clustered Mailbox Server", true))
	x.at(d, 1)
	x.print(x.dottedStep("Finalizing Setup", true), t.success)
	x.exit(0)
}

// rollupBuild is what a rollup brings: the scenario's package build, else
// the next catalogued rollup of the node's service pack, else a plausible
// later revision.
func (x *interp) rollupBuild(cur runbook.Build) runbook.Build {
	if b := x.s.w.opts.PackageBuild; !b.IsZero() {
		return b
	}
	var best runbook.Build
	for _, r := range runbook.Catalogue() {
		b := r.Build
		if b.Major == cur.Major && b.Minor == cur.Minor && b.Compare(cur) > 0 && (best.IsZero() || b.Compare(best) < 0) {
			best = b
		}
	}
	if !best.IsZero() {
		return best
	}
	return runbook.Build{Major: cur.Major, Minor: cur.Minor, Build: cur.Build + 31, Revision: 1}
}

// msiexec handles `msiexec /update X.msp /quiet /norestart`: quiet, so no
// output; the exit code is the Windows Installer result (PROCEDURES 4.3).
func (x *interp) msiexec(args []string) {
	pkg := ""
	for i := 0; i < len(args); i++ {
		if name, _, ok := option(args[i]); ok && (name == "update" || name == "p") && i+1 < len(args) {
			pkg = args[i+1]
			i++
		}
	}
	if pkg == "" {
		x.eprint("Windows Installer. V 3.01.4000.1823", "", "The command line is not valid: msiexec /update <patch.msp> /quiet /norestart")
		x.exit(1639)
		return
	}
	s, n := x.s, x.n
	target := x.rollupBuild(n.build)
	if target.ServicePack() != n.build.ServicePack() {
		x.take(20 * time.Second)
		x.exit(1642) // the patch does not apply to what is installed
		return
	}
	d := s.timing.Install
	x.restartClusterService(time.Duration(float64(d)*0.3), 45*time.Second)
	if x.fails(faultSetup) {
		x.at(d, 0.6)
		x.exit(1603)
		return
	}
	x.at(d, 1)
	code := 0
	if n.pending {
		code = 3010
	}
	s.effect(x.p, x.t, func() {
		if target.Compare(n.build) > 0 {
			n.build = target
		}
	})
	x.exit(code)
}

// hotfix handles an OS update: wusa.exe X.msu /quiet /norestart on 2008,
// or the package's own exe with /quiet /norestart. It asks for a restart.
func (x *interp) hotfix(prog string, args []string, wusa bool) {
	pkg := prog
	if wusa {
		pkg = ""
		for _, a := range args {
			if _, _, ok := option(a); !ok {
				pkg = a
				break
			}
		}
		if pkg == "" {
			x.eprint("Windows Update Standalone Installer", "Usage: wusa.exe <update.msu> [/quiet] [/norestart]")
			x.exit(87)
			return
		}
	}
	s, n := x.s, x.n
	d := s.timing.Install
	x.restartClusterService(time.Duration(float64(d)*0.3), 45*time.Second)
	if x.fails(faultSetup) {
		x.at(d, 0.6)
		x.exit(1603)
		return
	}
	x.at(d, 1)
	s.effect(x.p, x.t, func() { n.pending = true })
	x.exit(3010)
}

// setupFailed prints the end of a Setup.com run whose step failed with
// the error text given, in the shape of the real transcripts (the step
// FAILED, the error indented five spaces, the two verdict lines, wrapped
// at 80 columns), and exits 1.
func (x *interp) setupFailed(phase, why string) {
	t := x.setupText()
	x.print(x.dottedStep(phase, false))
	x.printWrapped("     "+why, t.notDone)
	x.print(t.errorLine)
	x.exit(1)
}
