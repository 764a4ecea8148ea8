package runbook

import (
	"strings"
	"testing"
)

func planStep(t *testing.T, kind StepKind, node string) Step {
	t.Helper()
	p, err := MakePlan(ccr(), sp2())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Steps {
		if s.Kind == kind && (node == "" || s.Node == node) {
			return s
		}
	}
	t.Fatalf("no %s step on %q", kind, node)
	return Step{}
}

func keys(d Diagnosis) string {
	var k []string
	for _, r := range d.Remedies {
		k = append(k, r.Key)
	}
	return strings.Join(k, "")
}

// TestDiagnose: every failure becomes the code of DESIGN section 7 with
// the remedies a person can act on, in a stable order of keys.
func TestDiagnose(t *testing.T) {
	zero, one := 0, 1
	failed := ClassifySetup("Mailbox Server Role              ......................... FAILED\nError code is 1603.\nThe Exchange Server Setup operation did not complete.", 0)
	cases := []struct {
		name  string
		f     Failure
		code  string
		keys  string
		words []string
	}{
		{"refused move", Failure{Step: planStep(t, KindMoveCMS, ""), ExitCode: &one, CopyQueue: 48, ReplayQueue: 135, Output: []string{"Move-ClusteredMailboxServer : refused"}},
			DiagCMSMoveFailed, "rma", []string{"Copy queue 48, replay queue 135", "cluster tools"}},
		{"late move failure", Failure{Step: planStep(t, KindMoveCMS, ""), Dismounted: true},
			DiagDatabasesDismounted, "dra", []string{"dismounted", "Mount-Database"}},
		{"setup failed, exit 0", Failure{Step: planStep(t, KindSetupUpgrade, "EXNODE02"), Classification: &failed, ExitCode: &zero},
			DiagSetupFailed, "rsa", []string{"1603", SetupLogPath}},
		{"reboot timeout", Failure{Step: planStep(t, KindRebootNode, "EXNODE02"), Timeout: true},
			DiagRebootTimeout, "wsa", []string{"out-of-band"}},
		{"still paused", Failure{Step: planStep(t, KindResumeNode, "EXNODE02"), Unmet: []string{"EXNODE02 is Paused, not Up"}},
			DiagNodeStillPaused, "rsa", []string{"EXNODE02 is Paused, not Up", "redundancy"}},
		{"group move", Failure{Step: planStep(t, KindMoveGroups, "EXNODE02"), Unmet: []string{`EXNODE02 still owns "Cluster Group"`}},
			DiagGroupMoveFailed, "rmsa", []string{"Cluster Group"}},
		{"CMS not online", Failure{Step: planStep(t, KindStartCMS, ""), Unmet: []string{"EXCMS01 is Offline, not Online"}},
			DiagCMSNotOnline, "rsa", []string{"mailbox access"}},
		{"connection", Failure{Step: planStep(t, KindSetupUpgrade, "EXNODE02"), Connection: true},
			DiagConnectionLost, "ra", []string{"re-attaches", "never starts it twice"}},
		{"auth", Failure{Step: planStep(t, KindPauseNode, "EXNODE02"), Auth: true},
			DiagAuthFailed, "ra", []string{"credentials"}},
		{"guard", Failure{Step: planStep(t, KindSetupUpgrade, "EXNODE01"), Guard: &GuardError{DiagUpgradeCMSSkipped, "the CMS would not start"}},
			DiagUpgradeCMSSkipped, "a", []string{"would not start"}},
		{"preflight", Failure{Step: planStep(t, KindPreflight, ""), Blocking: []string{"EXNODE02 is Down"}},
			DiagPreflightBlocked, "ra", []string{"EXNODE02 is Down"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Diagnose(tc.f)
			if d.Code != tc.code || keys(d) != tc.keys {
				t.Fatalf("code %s keys %q, want %s %q", d.Code, keys(d), tc.code, tc.keys)
			}
			text := d.Message + " " + d.Why + " " + strings.Join(d.Lines, " ")
			for _, r := range d.Remedies {
				text += " " + r.Label + " " + r.Command + " " + r.Warning
			}
			for _, w := range tc.words {
				if !strings.Contains(text, w) {
					t.Errorf("diagnosis lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

// TestUnmetAndHolds: postconditions read from live state.
func TestUnmetAndHolds(t *testing.T) {
	c := ccr()
	obs := Observation{Cluster: c, Facts: map[string]NodeFacts{"EXNODE02": {Reachable: true, ClusterService: true, BootID: "b1"}}}
	pause := planStep(t, KindPauseNode, "EXNODE02")
	if u := Unmet(pause, &obs, nil, sp2()); len(u) != 1 || !strings.Contains(u[0], "EXNODE02 is Up, not Paused") {
		t.Errorf("unmet %v", u)
	}
	if Holds(pause, &obs, sp2()) {
		t.Error("an Up node holds a pause")
	}
	obs.Cluster.Nodes[1].State = NodePaused
	if !Holds(pause, &obs, sp2()) {
		t.Error("a Paused node does not hold the pause")
	}
	reboot := planStep(t, KindRebootNode, "EXNODE02")
	if Holds(reboot, &obs, sp2()) {
		t.Error("a reboot can never already hold")
	}
	before := obs
	after := Observation{Cluster: c, Facts: map[string]NodeFacts{"EXNODE02": {Reachable: true, ClusterService: true, BootID: "b2"}}}
	if u := Unmet(reboot, &after, &before, sp2()); len(u) != 0 {
		t.Errorf("rebooted node unmet: %v", u)
	}
	if u := Unmet(reboot, &before, &before, sp2()); len(u) == 0 {
		t.Error("same boot ID counted as a reboot")
	}
	verify := planStep(t, KindVerify, "")
	if u := Unmet(verify, &obs, nil, sp2()); len(u) < 3 {
		t.Errorf("verify on an RTM cluster with a paused node: %v", u)
	}
}

// A failed rollup's diagnosis names the verbose log the msiexec command
// that ran was told to write, on the node it ran on.
func TestDiagnoseNamesTheMsiLogTheCommandWrote(t *testing.T) {
	o := Options{Goal: GoalRollup, Package: `D:\Updates\Exchange2007-KB972705-x64-EN.msp`}
	c := ccr()
	for i := range c.Nodes {
		c.Nodes[i].Build = MustBuild("8.2.176.2")
	}
	for i := range c.Groups {
		if c.Groups[i].CMS {
			c.Groups[i].Build = MustBuild("8.2.176.2")
		}
	}
	p, err := MakePlan(c, o)
	if err != nil {
		t.Fatal(err)
	}
	s := p.Steps[indexOf(p, KindInstallRollup, "EXNODE02")]
	code := 1603
	cl := ClassifyMsiexec(code, "")
	d := Diagnose(Failure{Step: s, Classification: &cl, ExitCode: &code})
	log := `C:\ExchangeSetupLogs\cmsrunbook-Exchange2007-KB972705-x64-EN.log`
	if !strings.Contains(s.Commands[0], `/l*v "`+log+`"`) {
		t.Fatalf("the install command writes no verbose log at %s: %s", log, s.Commands[0])
	}
	if !strings.Contains(d.Why, log+" on EXNODE02") || !strings.Contains(d.Why, "Return value 3") {
		t.Errorf("diagnosis does not point at the log the command wrote: %q", d.Why)
	}

	s.Commands = []string{`wusa.exe E:\Fixes\Windows6.0-KB1-x64.msu /quiet /norestart`}
	s.Kind = KindInstallPatch
	d = Diagnose(Failure{Step: s, Classification: &cl, ExitCode: &code})
	if strings.Contains(d.Why, "/l*v") || strings.Contains(d.Why, log) || !strings.Contains(d.Why, "CBS.log") {
		t.Errorf("a wusa install is sent to a verbose log it never wrote: %q", d.Why)
	}
}
