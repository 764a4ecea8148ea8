// Command cmsrunbook is the maintenance-window runbook for Exchange 2007
// clustered mailbox servers on Windows Server 2003/2008 failover clusters.
// main only wires the process to the cli package.
package main

import (
	"context"
	"os"
	"os/signal"

	"cmsrunbook/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
	stop()
	os.Exit(code)
}
