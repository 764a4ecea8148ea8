// Command cmsrunbook is the maintenance-window runbook for Exchange 2007
// clustered mailbox servers on Windows Server 2003/2008 failover clusters.
// main wires the process to the cli package: the signals that end a run
// (Ctrl+C, SIGTERM, SIGHUP when an RDP or SSH session drops, a closed
// Windows console, which Go delivers as SIGTERM) and the exit code.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"cmsrunbook/internal/cli"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() { // owned by main; ends with the first signal or when Main returns
		select {
		case s := <-sigs:
			// A second signal ends the process at once, should the run
			// not stop in time.
			signal.Reset(os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
			cancel(cli.Interrupt{Signal: s})
		case <-done:
		}
	}()
	code := cli.Main(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	close(done)
	signal.Stop(sigs)
	cancel(nil)
	os.Exit(code)
}
