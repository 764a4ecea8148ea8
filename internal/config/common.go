package config

import (
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"cmsrunbook/runbook"
)

// This file reads the values both schemas share, with the runbook package's
// own validators, so a name or path that loads is one the planner can quote.

// hostName reads a NetBIOS host name (node, cluster, CMS).
func (f *fields) hostName(key string) string {
	s := f.str(key)
	if f.r.failed() || !f.has(key) {
		return s
	}
	if err := runbook.ValidateHostName(s); err != nil {
		f.failErr(key, err)
	}
	return s
}

// goal reads a goal name.
func (f *fields) goal(key string) runbook.Goal {
	s := f.str(key)
	if f.r.failed() || !f.has(key) {
		return ""
	}
	g, err := runbook.ParseGoal(s)
	if err != nil {
		f.failErr(key, err)
	}
	return g
}

// osFamily reads an OS; server limits it to what a cluster node can run.
func (f *fields) osFamily(key string, server bool) runbook.OSFamily {
	s := f.str(key)
	if f.r.failed() || !f.has(key) {
		return ""
	}
	fam, err := runbook.ParseOSFamily(s)
	if err != nil {
		f.failErr(key, err)
		return ""
	}
	if server && !fam.IsServer() {
		f.fail(key, say("%s is a client OS; cluster nodes run windows-server-2003 or windows-server-2008", s))
		return ""
	}
	return fam
}

// maxOSSP is the last service pack of both Windows Server 2003 and 2008.
const maxOSSP = 2

// osSP reads a Windows service-pack level.
func (f *fields) osSP(key string) int {
	return f.integer(key, 0, 0, maxOSSP)
}

// build reads an Exchange 2007 build number.
func (f *fields) build(key string) runbook.Build {
	s := f.str(key)
	if f.r.failed() || !f.has(key) {
		return runbook.Build{}
	}
	b, err := runbook.ParseBuild(s)
	if err != nil {
		f.failErr(key, err)
		return runbook.Build{}
	}
	if b.Major != 8 || b.Minor > 3 {
		f.fail(key, say("%s is not an Exchange 2007 build (8.0 RTM to 8.3 SP3), like 8.1.240.6", b))
		return runbook.Build{}
	}
	return b
}

// winPath reads an absolute Windows path on the nodes.
func (f *fields) winPath(key string) string {
	s := f.str(key)
	if f.r.failed() || !f.has(key) {
		return s
	}
	if err := runbook.ValidateWindowsPath(s); err != nil {
		f.failErr(key, err)
	}
	return s
}

// winPaths reads a list of absolute Windows paths on the nodes (a node's
// missing_files: the media or package that was never copied to it).
func (f *fields) winPaths(key string) []string {
	var out []string
	for i, n := range f.list(key) {
		s, ok := n.(*ast.StringNode)
		if !ok {
			f.fail(key, say("entry %s: expected a quoted Windows path, like 'D:\\Exchange2007SP2\\Setup.com', got %s", strconv.Itoa(i+1), describe(n)))
			return nil
		}
		if err := runbook.ValidateWindowsPath(s.Value); err != nil {
			f.fail(key, say("entry %s: %s", strconv.Itoa(i+1), err.Error()))
			return nil
		}
		out = append(out, s.Value)
	}
	return out
}

// oneLine reads a required single line of text for people.
func (f *fields) oneLine(key, hint string, maxLen int) string {
	if !f.require(key, hint) {
		return ""
	}
	s := f.str(key)
	switch {
	case f.r.failed():
	case strings.TrimSpace(s) == "":
		f.fail(key, say("is blank; %s", hint))
	case strings.ContainsAny(s, "\r\n"):
		f.fail(key, say("must be one line"))
	case len([]rune(s)) > maxLen:
		f.fail(key, say("is %d characters long; keep it under %d", len([]rune(s)), maxLen))
	}
	return s
}

// management reads management_host: the admin box the engineer works from.
// Both keys are required: a guessed tools version would produce a wrong
// mgmt-tools-version finding.
func (f *fields) management(key string) *runbook.ManagementHost {
	m := f.sub(key, "os", "exchange_tools")
	if !m.present() || f.r.failed() {
		return nil
	}
	m.require("os", say("the management host's OS, like windows-server-2003 or windows-vista"))
	fam := m.osFamily("os", false)
	m.require("exchange_tools", say("one of none, rtm, sp1, sp2, sp3"))
	s := m.str("exchange_tools")
	if f.r.failed() {
		return nil
	}
	tools, err := runbook.ParseToolsVersion(s)
	if err != nil {
		m.failErr("exchange_tools", err)
		return nil
	}
	return &runbook.ManagementHost{OS: runbook.OS{Family: fam}, Tools: tools}
}

// options reads the planning inputs shared by scenarios and inventories.
// goal may be empty (an inventory without one: the CLI's --goal supplies
// it), in which case media and package are not required here.
func (f *fields) options(goal runbook.Goal) runbook.Options {
	o := runbook.Options{Goal: goal, Reboot: runbook.RebootIfRequired, MoveWait: runbook.DefaultMoveWait}
	if goal.IsServicePack() {
		f.require("media", say("goal %s runs Setup.com from it; give the folder on each node, like 'D:\\Exchange2007SP2'", goal))
	}
	o.Media = f.winPath("media")
	if goal.NeedsPackage() {
		f.require("package", say("goal %s installs it; give its path on each node, like 'D:\\Updates\\Exchange2007-KB123456-x64-EN.msp'", goal))
	}
	o.Package = f.winPath("package")
	if goal == runbook.GoalRollup && o.Package != "" && !strings.HasSuffix(strings.ToLower(o.Package), ".msp") {
		f.fail("package", say("an Exchange 2007 update rollup is an .msp file (installed with msiexec /update); %q is not", o.Package))
	}
	if f.has("package_build") && goal != "" && goal != runbook.GoalRollup {
		f.fail("package_build", say("is the build an update rollup brings; it applies only to goal update-rollup, not %s", goal))
	}
	o.PackageBuild = f.build("package_build")
	if f.has("reboot") {
		switch s := f.str("reboot"); s {
		case string(runbook.RebootIfRequired), string(runbook.RebootAlways):
			o.Reboot = runbook.RebootPolicy(s)
		default:
			if !f.r.failed() {
				f.fail("reboot", say("%q is not one of if-required, always", s))
			}
		}
	}
	o.MoveBack = f.boolean("move_back", false)
	return o
}

// quorum reads quorum: {model, witness}: how the cluster keeps quorum and
// the state of its file share witness or quorum disk. Absent, it is the
// zero Quorum (unknown). A witness left out reads as defWitness for the
// models that have one (a scenario's world has a healthy one; an
// inventory leaves it to discovery). t is the cluster's type, or "" when
// the file does not say (an inventory).
func (f *fields) quorum(key string, t runbook.ClusterType, defWitness runbook.WitnessState) runbook.Quorum {
	qf := f.sub(key, "model", "witness")
	if !qf.present() || f.r.failed() {
		return runbook.Quorum{}
	}
	var q runbook.Quorum
	qf.require("model", say("how the cluster keeps quorum: node-majority, mns-fsw (a majority node set with a file share witness) or disk"))
	if s := qf.str("model"); qf.has("model") && !f.r.failed() {
		m, err := runbook.ParseQuorumModel(s)
		if err != nil {
			qf.failErr("model", err)
			return runbook.Quorum{}
		}
		q.Model = m
	}
	if f.r.failed() {
		return runbook.Quorum{}
	}
	if t == runbook.CCR && q.Model == runbook.QuorumDisk {
		qf.fail("model", say("a CCR cluster has no shared disk, so its quorum is a majority node set: node-majority, or mns-fsw with a file share witness"))
		return runbook.Quorum{}
	}
	if qf.has("witness") {
		if q.Model == runbook.QuorumNodeMajority {
			qf.fail("witness", say("a majority node set without a witness (node-majority) has no witness state; use model mns-fsw for one with a file share witness, or remove witness"))
			return runbook.Quorum{}
		}
		w, err := runbook.ParseWitnessState(qf.str("witness"))
		if err != nil && !f.r.failed() {
			qf.failErr("witness", err)
			return runbook.Quorum{}
		}
		q.Witness = w
	} else if q.Model != runbook.QuorumNodeMajority {
		q.Witness = defWitness
	}
	return q
}
