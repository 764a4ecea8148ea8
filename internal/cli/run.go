package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/internal/session"
)

// PasswordEnv names the variable the WinRM password comes from.
const PasswordEnv = session.PasswordEnv

func (env Env) session() session.Env {
	return session.Env{Stdin: env.Stdin, Stdout: env.Stdout, Stderr: env.Stderr, Getenv: env.Getenv}
}

// viewFlags are the flags every run takes: how it is shown and answered.
type viewFlags struct {
	head, yes, quiet, ascii *bool
	onFail                  *string
}

func (v *viewFlags) view(fs *flag.FlagSet, env Env) (session.View, error) {
	lang, err := langOf(fs, env)
	if err != nil {
		return session.View{}, err
	}
	return session.View{Headless: *v.head, Yes: *v.yes, OnFailure: *v.onFail, Quiet: *v.quiet, ASCII: *v.ascii, Lang: lang}, nil
}

// runSession runs an opened session and maps its result to the exit code.
func runSession(ctx context.Context, s *session.Session, err error) (int, error) {
	if err != nil {
		return ExitFailed, err
	}
	defer s.Close()
	res, err := s.Run(ctx)
	return int(res), err
}

func cmdSim(ctx context.Context, args []string, env Env) (int, error) {
	fs := newFlags("sim", env)
	scen := fs.String("scenario", config.DefaultScenario, "embedded scenario `NAME` or scenario FILE")
	speedFlag := fs.String("speed", session.FormatSpeed(session.DefaultSpeed), "simulated seconds per real second, or max")
	jpath := fs.String("journal", "", "journal `FILE` (default: cmsrunbook-CLUSTER-TIME.jsonl in the state folder's journals/)")
	seed := fs.Int64("seed", 1, "simulation seed (the same seed replays the same window)")
	var faults faultFlags
	fs.Var(&faults, "fault", "add a fault `KIND@STEP[:NODE][xTIMES]` to the scenario (repeatable), like move-refused@move-cms")
	v := viewFlags{
		head:   fs.Bool("headless", false, "print one line per event instead of the screen"),
		yes:    fs.Bool("yes", false, "with --headless: confirm every step without asking (training and tests only)"),
		onFail: fs.String("on-failure", "abort", "with --yes: abort, retry or manual"),
		quiet:  fs.Bool("quiet", false, "with --headless: leave the nodes' output to the journal"),
		ascii:  fs.Bool("ascii", false, "draw the screen with ASCII only (automatic when the terminal cannot show box drawing)"),
	}
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	speed, err := session.ParseSpeed(*speedFlag)
	if err != nil {
		return ExitUsage, usagef("%v", err)
	}
	view, err := v.view(fs, env)
	if err != nil {
		return ExitUsage, err
	}
	s, err := session.OpenSim(env.session(), session.SimSpec{Scenario: *scen, Speed: speed, Seed: *seed, Journal: *jpath, Faults: faults}, view)
	return runSession(ctx, s, err)
}

func cmdRun(ctx context.Context, args []string, env Env) (int, error) {
	fs := newFlags("run", env)
	invPath := fs.String("inventory", "", "inventory `FILE` of the real cluster")
	goal := fs.String("goal", "", "goal `G` (overrides the inventory's)")
	pkg := fs.String("package", "", "`PATH` of the .msp or hotfix on the nodes")
	moveBack := fs.Bool("move-back", false, "move each CMS back at the end (update-rollup, os-patch)")
	jpath := fs.String("journal", "", "journal `FILE` (default: cmsrunbook-CLUSTER-TIME.jsonl here)")
	noFail := "abort"
	v := viewFlags{
		head:   fs.Bool("headless", false, "print one line per event and ask on the terminal, line by line"),
		yes:    fs.Bool("yes", false, "refused: on a real cluster every step is confirmed by a person"),
		quiet:  fs.Bool("quiet", false, "with --headless: leave the nodes' output to the journal"),
		ascii:  fs.Bool("ascii", false, "draw the screen with ASCII only"),
		onFail: &noFail,
	}
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if *invPath == "" && !*v.yes {
		return ExitUsage, usage(say("run: --inventory FILE is required"))
	}
	view, err := v.view(fs, env)
	if err != nil {
		return ExitUsage, err
	}
	s, err := session.OpenReal(ctx, env.session(), session.RealSpec{Inventory: *invPath, Goal: *goal, Package: *pkg, MoveBack: *moveBack, Journal: *jpath}, view)
	return runSession(ctx, s, err)
}

func cmdResume(ctx context.Context, args []string, env Env) (int, error) {
	fs := newFlags("resume", env)
	jpath := fs.String("journal", "", "the journal `FILE` of the interrupted run")
	speedFlag := fs.String("speed", "", "simulated seconds per real second, or max (default: as recorded)")
	noFail, noASCII := "abort", false
	v := viewFlags{
		head:   fs.Bool("headless", false, "print one line per event instead of the screen"),
		yes:    fs.Bool("yes", false, "with --headless: confirm every step without asking (simulated runs only)"),
		quiet:  fs.Bool("quiet", false, "with --headless: leave the nodes' output to the journal"),
		onFail: &noFail,
		ascii:  &noASCII,
	}
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if *jpath == "" {
		return ExitUsage, usage(say("resume: --journal FILE is required"))
	}
	view, err := v.view(fs, env)
	if err != nil {
		return ExitUsage, err
	}
	s, err := session.OpenResume(ctx, env.session(), session.ResumeSpec{Journal: *jpath, Speed: *speedFlag}, view)
	var fin *session.ErrFinished
	if errors.As(err, &fin) {
		fmt.Fprintln(env.Stdout, i18n.For(view.Lang).Text(fin.Error()))
		return ExitOK, nil
	}
	return runSession(ctx, s, err)
}

// faultFlags collects the repeatable --fault; the specs are checked
// against the scenario once it is loaded.
type faultFlags []string

func (f *faultFlags) String() string { return strings.Join(*f, ",") }

func (f *faultFlags) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New(say("empty; write %s", config.FaultSpecSyntax))
	}
	*f = append(*f, v)
	return nil
}
