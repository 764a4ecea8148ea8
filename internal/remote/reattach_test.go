package remote_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/remote"
	"cmsrunbook/runbook"
)

// TestExchangeCommandNotSentTwiceAfterACrash: a run that crashed while
// Stop-ClusteredMailboxServer ran on the node (its job started, its end
// never read) is resumed by a new process with the same run ID: sending
// the step again re-attaches to the job the first send started, and the
// CMS is stopped once.
func TestExchangeCommandNotSentTwiceAfterACrash(t *testing.T) {
	w := serve(t, "ccr-2003-sp2", worldOpts{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := w.exec.Observe(ctx); err != nil {
		t.Fatal(err)
	}
	line := "Stop-ClusteredMailboxServer -Identity 'EXCMS01' -StopReason 'test' -Confirm:$false"
	script, err := remote.BuildScript(remote.ScriptCmdlet, []remote.Param{{Name: "Step", Value: string(runbook.KindStopCMS)}}, line)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := remote.EncodeCommand(script)
	if err != nil {
		t.Fatal(err)
	}
	// The first process: the job starts, then the process dies.
	if err := w.exec.StartJob(ctx, runbook.Command{Node: "EXNODE01", Shell: runbook.ShellCmd, Line: enc, Kind: runbook.KindStopCMS}, remote.CommandJobID("run-1", "EXNODE01", line)); err != nil {
		t.Fatal(err)
	}
	// The resumed process sends the step again.
	ex2, err := remote.New(w.inv, remote.Options{Password: testPass, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ex2.SetRunID("run-1")
	var out []string
	res, err := ex2.Run(ctx, runbook.Command{Node: "EXNODE01", Shell: runbook.ShellPowerShell, Line: line, Kind: runbook.KindStopCMS}, func(l runbook.OutputLine) {
		out = append(out, l.Text)
	})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("the resumed send: exit %d, %v:\n%s", res.ExitCode, err, strings.Join(out, "\n"))
	}
	if !strings.Contains(strings.Join(out, "\n"), "not sent again") {
		t.Errorf("the resumed send does not say it re-attached:\n%s", strings.Join(out, "\n"))
	}
	// Sent again, Stop-ClusteredMailboxServer on a stopped CMS would fail;
	// and a later, new send of the same line in the run is a fresh job.
	res, err = ex2.Run(ctx, runbook.Command{Node: "EXNODE01", Shell: runbook.ShellPowerShell, Line: "Get-ClusteredMailboxServerStatus -Identity 'EXCMS01'", Kind: runbook.KindStopCMS}, func(l runbook.OutputLine) {
		out = append(out, l.Text)
	})
	if err != nil || !strings.Contains(strings.Join(out, "\n"), "Offline") {
		t.Errorf("the CMS is not stopped after the re-attach (%v):\n%s", err, strings.Join(out, "\n"))
	}
}
