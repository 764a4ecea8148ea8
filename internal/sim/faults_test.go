package sim

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// withFault is the default scenario with one extra fault.
func withFault(t *testing.T, f config.Fault) *Sim {
	t.Helper()
	sc := load(t, "ccr-2003-sp2")
	if f.Times == 0 {
		f.Times = 1
	}
	sc.Faults = append(sc.Faults, f)
	return New(sc, Options{Seed: 1})
}

func TestFaultPauseFails(t *testing.T) {
	s := newSim(t, "fault-pause-fails")
	cmd := runbook.PauseNodeCommand("EXNODE02")
	r := run(t, s, "EXNODE02", runbook.KindPauseNode, runbook.ShellCmd, cmd)
	if r.exit == 0 || !strings.Contains(r.out, "System error 5072") {
		t.Errorf("first pause:\n%s", r)
	}
	if st := snapNode(s, "EXNODE02").State; st != runbook.NodeUp {
		t.Errorf("after a failed pause: %s", st)
	}
	expectOK(t, run(t, s, "EXNODE02", runbook.KindPauseNode, runbook.ShellCmd, cmd))
	if st := snapNode(s, "EXNODE02").State; st != runbook.NodePaused {
		t.Errorf("after the retry: %s", st)
	}
}

func TestFaultGroupMoveFails(t *testing.T) {
	s := newSim(t, "fault-group-move-fails")
	cmd := runbook.MoveGroupCommand("Cluster Group", "EXNODE01", 300)
	r := run(t, s, "EXNODE02", runbook.KindMoveGroups, runbook.ShellCmd, cmd)
	if r.exit != errResourceFailed || !strings.Contains(r.out, "The cluster resource failed.") {
		t.Errorf("failed move:\n%s", r)
	}
	sleep(t, s, time.Minute)
	if g := snapGroup(s, "Cluster Group"); g.Owner != "EXNODE02" || g.State != runbook.GroupOnline {
		t.Errorf("after the failed move: %+v, want back Online on EXNODE02", g)
	}
	expectOK(t, run(t, s, "EXNODE02", runbook.KindMoveGroups, runbook.ShellCmd, cmd))
	if g := snapGroup(s, "Cluster Group"); g.Owner != "EXNODE01" {
		t.Errorf("after the retry: %+v", g)
	}
}

func TestFaultMoveRefused(t *testing.T) {
	s := newSim(t, "fault-move-refused")
	sleep(t, s, 5*time.Minute) // the initial queues drain
	cmd := runbook.MoveCMSCommand("EXCMS01", "EXNODE02", "x")
	r := run(t, s, "EXNODE01", runbook.KindMoveCMS, runbook.ShellPowerShell, cmd)
	if r.exit != 1 || !strings.Contains(r.out, "Replication is not healthy enough for a handoff") {
		t.Errorf("refused move:\n%s", r)
	}
	cs := console(t, s, "EXNODE01", runbook.CopyStatusCommand("EXCMS01"))
	if rep := s.Snapshot().Cluster.Replication; rep.CopyQueue <= runbook.NearZeroQueue || !strings.Contains(cs.out, "First Storage Group ") {
		t.Errorf("the refusal should show a long copy queue: %+v\n%s", rep, cs)
	}
	sleep(t, s, 5*time.Minute)
	expectOK(t, run(t, s, "EXNODE01", runbook.KindMoveCMS, runbook.ShellPowerShell, cmd))
	if g := snapGroup(s, "EXCMS01"); g.Owner != "EXNODE02" || g.State != runbook.GroupOnline {
		t.Errorf("after waiting and retrying: %+v", g)
	}
}

func TestFaultMoveLateFailure(t *testing.T) {
	s := newSim(t, "fault-move-late-failure")
	r := run(t, s, "EXNODE01", runbook.KindMoveCMS, runbook.ShellPowerShell, runbook.MoveCMSCommand("EXCMS01", "EXNODE02", "x"))
	expectOK(t, r)
	if !strings.Contains(r.out, "could not be mounted") {
		t.Errorf("late failure warning missing:\n%s", r)
	}
	if g := snapGroup(s, "EXCMS01"); g.Owner != "EXNODE02" || g.State != runbook.GroupPartiallyOnline {
		t.Errorf("after a late failure: %+v, want Partially Online on EXNODE02", g)
	}
	st := console(t, s, "EXNODE02", runbook.CMSStatusCommand("EXCMS01"))
	if !strings.Contains(st.out, "State                           : Partially Online") || !strings.Contains(st.out, `{First Storage Group\Mailbox Database}`) {
		t.Errorf("CMS status:\n%s", st)
	}
	db := console(t, s, "EXNODE02", "Get-MailboxDatabase -Server EXCMS01 -Status")
	if !strings.Contains(db.out, "Mailbox Database   EXCMS01 EXCMS01\\First Storage Group  False") {
		t.Errorf("databases:\n%s", db)
	}
	expectOK(t, console(t, s, "EXNODE02", runbook.MountDatabasesCommand("EXCMS01")))
	if g := snapGroup(s, "EXCMS01"); g.State != runbook.GroupOnline {
		t.Errorf("after mounting: %+v", g)
	}
}

func TestFaultSetupFailsSimulated(t *testing.T) {
	s := withFault(t, config.Fault{Step: runbook.KindSetupUpgrade, Node: "EXNODE02", Kind: config.FaultSetupFails})
	cmd := runbook.SetupUpgradeCommand(`D:\Exchange2007SP2`)
	out, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, cmd, "a1")
	c := runbook.ClassifySetup(out, st.ExitCode)
	if st.ExitCode == 0 || c.Outcome != runbook.OutcomeFailure || len(c.ErrorCodes) == 0 || c.ErrorCodes[0] != "1603" {
		t.Errorf("failed setup: %+v %+v\n%s", st, c, out)
	}
	for _, l := range strings.Split(out, "\n") {
		if len(l) > 80 {
			t.Errorf("line wider than the console: %q", l)
		}
	}
	if b := snapNode(s, "EXNODE02").Build; b != runbook.BuildRTM {
		t.Errorf("build changed on failure: %s", b)
	}
	if _, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, cmd, "a2"); st.ExitCode != 0 {
		t.Errorf("retry: %+v", st)
	}
}

// TestReplayedOutputWithLyingExitCode: the scenario replays a 1603
// transcript with exit code 0 and effect failure; the build must not move.
func TestReplayedOutputWithLyingExitCode(t *testing.T) {
	sc := load(t, "fault-setup-fails")
	s := New(sc, Options{Seed: 1})
	cmd := runbook.SetupUpgradeCommand(sc.Options.Media)
	out, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, cmd, "a1")
	if want := strings.TrimRight(strings.ReplaceAll(sc.Outputs[0].Text, "\r\n", "\n"), "\n"); out != want {
		t.Errorf("replayed text:\n%s\nwant:\n%s", out, want)
	}
	if st.ExitCode != 0 {
		t.Errorf("exit code %d, want the scenario's 0", st.ExitCode)
	}
	if b := snapNode(s, "EXNODE02").Build; b != runbook.BuildRTM {
		t.Errorf("effect failure changed the build to %s", b)
	}
	// The fault is spent: the retry is the simulator's own, successful run.
	out, st = job(t, s, "EXNODE02", runbook.KindSetupUpgrade, cmd, "a2")
	if st.ExitCode != 0 || runbook.ClassifySetup(out, 0).Outcome != runbook.OutcomeSuccess || snapNode(s, "EXNODE02").Build != runbook.BuildSP2 {
		t.Errorf("retry: %+v\n%s", st, out)
	}
}

func TestReplayedOutputSuccess(t *testing.T) {
	sc := load(t, "replay-captured-success")
	s := New(sc, Options{Seed: 1})
	out, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, runbook.SetupUpgradeCommand(sc.Options.Media), "a1")
	if !strings.Contains(out, "Hub Transport Role Checks") || st.ExitCode != 0 {
		t.Errorf("replay: %+v\n%s", st, out)
	}
	if b := snapNode(s, "EXNODE02").Build; b != runbook.BuildSP1 {
		t.Errorf("effect success: build %s, want SP1", b)
	}
	if el := s.Now().Sub(Epoch); el < 30*time.Minute {
		t.Errorf("the replay took %v of simulated time, want the scenario's 1800s", el)
	}
}

func TestFaultRebootTimeout(t *testing.T) {
	s := newSim(t, "fault-reboot-timeout") // reboot: 240s
	expectOK(t, run(t, s, "EXNODE02", runbook.KindRebootNode, runbook.ShellCmd, runbook.RebootCommand(runbook.ReasonPlannedOther, "x")))
	// Away past the runbook's default 20-minute reboot timeout, back
	// within one more wait.
	sleep(t, s, 21*time.Minute)
	if f := snapFact(s, "EXNODE02"); f.Reachable {
		t.Errorf("back after 21 min despite reboot-timeout: %+v", f)
	}
	sleep(t, s, 5*time.Minute)
	if f := snapFact(s, "EXNODE02"); !f.Reachable || !f.ClusterService {
		t.Errorf("not back after 26 min: %+v", f)
	}
	// The next reboot is normal.
	expectOK(t, run(t, s, "EXNODE02", runbook.KindRebootNode, runbook.ShellCmd, runbook.RebootCommand(runbook.ReasonPlannedOther, "x")))
	sleep(t, s, 5*time.Minute)
	if f := snapFact(s, "EXNODE02"); !f.ClusterService {
		t.Errorf("second reboot not back in time: %+v", f)
	}
}

func TestFaultAuthFailure(t *testing.T) {
	s := newSim(t, "fault-auth-failure")
	cmd := runbook.PauseNodeCommand("EXNODE02")
	r := run(t, s, "EXNODE02", runbook.KindPauseNode, runbook.ShellCmd, cmd)
	if !errors.Is(r.err, runbook.ErrAuthFailed) {
		t.Errorf("first command: %v, want ErrAuthFailed", r.err)
	}
	if st := snapNode(s, "EXNODE02").State; st != runbook.NodeUp {
		t.Errorf("a refused command changed the world: %s", st)
	}
	expectOK(t, run(t, s, "EXNODE02", runbook.KindPauseNode, runbook.ShellCmd, cmd))
	// A fault with no step refuses Observe.
	s = withFault(t, config.Fault{Kind: config.FaultAuthFailure, Times: 2})
	for i := 0; i < 2; i++ {
		if _, err := s.Observe(context.Background()); !errors.Is(err, runbook.ErrAuthFailed) {
			t.Errorf("observe %d: %v", i, err)
		}
	}
	if _, err := s.Observe(context.Background()); err != nil {
		t.Errorf("third observe: %v", err)
	}
}

func TestFaultConnectionDropDuringRun(t *testing.T) {
	s := withFault(t, config.Fault{Step: runbook.KindPauseNode, Node: "EXNODE02", Kind: config.FaultConnectionDrop})
	r := run(t, s, "EXNODE02", runbook.KindPauseNode, runbook.ShellCmd, runbook.PauseNodeCommand("EXNODE02"))
	if !errors.Is(r.err, runbook.ErrConnectionLost) {
		t.Fatalf("want a lost connection, got %s", r)
	}
	// The command ran on the node: the engine finds that out by reading.
	if st := snapNode(s, "EXNODE02").State; st != runbook.NodePaused {
		t.Errorf("the command did not run on the node: %s", st)
	}
}

// TestFaultConnectionDropReattach: the tail drops part way, the job runs
// on, and tailing again from the last offset gives exactly the rest.
func TestFaultConnectionDropReattach(t *testing.T) {
	sc := load(t, "fault-connection-drop")
	cmd := runbook.Command{Node: "EXNODE02", Kind: runbook.KindSetupUpgrade, Shell: runbook.ShellCmd, Line: runbook.SetupUpgradeCommand(sc.Options.Media)}
	ctx := context.Background()

	clean := New(load(t, "ccr-2003-sp2"), Options{Seed: 1})
	want, _ := job(t, clean, "EXNODE02", runbook.KindSetupUpgrade, cmd.Line, "j")

	s := New(sc, Options{Seed: 1})
	if err := s.StartJob(ctx, cmd, "j"); err != nil {
		t.Fatal(err)
	}
	var got []string
	var off int64
	tail := func(l runbook.OutputLine, o int64) { got = append(got, l.Text); off = o }
	st, err := s.TailJob(ctx, "EXNODE02", "j", 0, tail)
	if !errors.Is(err, runbook.ErrConnectionLost) || !st.Running {
		t.Fatalf("first tail: %+v, %v; want a drop while Setup runs", st, err)
	}
	if len(got) == 0 {
		t.Error("the drop came before any output")
	}
	if err := s.StartJob(ctx, cmd, "j"); err == nil {
		t.Error("starting the same job twice must fail")
	}
	js, err := s.Job(ctx, "EXNODE02", "j")
	if err != nil || !js.Found || !js.Running || js.Size < off {
		t.Errorf("Job after the drop: %+v, %v", js, err)
	}
	if js, _ := s.Job(ctx, "EXNODE02", "nope"); js.Found {
		t.Error("an unknown job was found")
	}
	st, err = s.TailJob(ctx, "EXNODE02", "j", off, tail)
	if err != nil || st.Running || st.ExitCode != 0 {
		t.Fatalf("re-attached tail: %+v, %v", st, err)
	}
	if strings.Join(got, "\n") != want {
		t.Errorf("output across the drop:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	if n := s.SetupStarts("EXNODE02"); n != 1 {
		t.Errorf("Setup started %d times", n)
	}
	if st.Size != off {
		t.Errorf("final size %d, last offset %d", st.Size, off)
	}
}
