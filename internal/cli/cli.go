// Package cli implements cmsrunbook's subcommands: it parses flags, and
// for plan, check, report and serve-sim calls the planner and the writers;
// a run (sim, run, resume) is opened and owned by internal/session, whose
// result cli maps to the exit codes of DESIGN section 3. main.go only
// hands it the process's arguments and streams.
package cli

import (
	"cmsrunbook/internal/i18n"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/report"
	"cmsrunbook/internal/session"
	"cmsrunbook/runbook"
)

// Exit codes (DESIGN section 3).
const (
	ExitOK          = 0
	ExitFailed      = 1 // the runbook stopped on a failure or a blocking finding
	ExitUsage       = 2 // usage or bad input
	ExitInterrupted = 130
)

// Interrupt is the cause of a run's context ending on a signal; its exit
// code is the shell's: 130 for Ctrl+C, 143 for SIGTERM (also a closed
// Windows console), 129 for SIGHUP (a dropped RDP or SSH session).
type Interrupt struct{ Signal os.Signal }

func (i Interrupt) Error() string { return "interrupted by " + signalName(i.Signal) }

// ExitCode is 128 plus the signal's number.
func (i Interrupt) ExitCode() int {
	switch i.Signal {
	case syscall.SIGTERM:
		return 143
	case syscall.SIGHUP:
		return 129
	}
	return ExitInterrupted
}

func signalName(s os.Signal) string {
	switch s {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	case os.Interrupt:
		return "Ctrl+C"
	}
	return s.String()
}

// interruptedCode is the exit code of a run its context ended: the
// signal's, or 130.
func interruptedCode(ctx context.Context) int {
	var i Interrupt
	if errors.As(context.Cause(ctx), &i) {
		return i.ExitCode()
	}
	return ExitInterrupted
}

// Version is set at build time with -ldflags "-X cmsrunbook/internal/cli.Version=...".
var Version = "dev"

// Env is what a command may touch of the outside world; tests pass their own.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// usageError is bad usage: exit 2 with the message and a hint.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

const usageText = `cmsrunbook: the maintenance-window runbook for Exchange 2007 clustered mailbox servers

Usage:
  cmsrunbook                          training on the default simulated cluster
  cmsrunbook plan  (--inventory FILE | --scenario NAME|FILE) [--goal G] [--format text|markdown|json]
                 [--save-scenario TWIN.yaml]
  cmsrunbook check (--inventory FILE | --scenario NAME|FILE) [--goal G] [--format text|json]
                 [--save-scenario TWIN.yaml]
                                      with --inventory: also write the discovered cluster as a
                                      scenario (a twin to rehearse on; no address, user or password)
  cmsrunbook scenarios                list the training scenarios (embedded, and local files)
  cmsrunbook sim [--scenario NAME|FILE] [--speed X|max] [--headless --yes [--on-failure abort|retry|manual]]
                 [--journal FILE] [--seed N] [--fault KIND@STEP[:NODE][xTIMES]]...
  cmsrunbook run --inventory FILE [--goal G] [--journal FILE] [--headless]
                                      a real cluster over WinRM; every step confirmed by a person
  cmsrunbook resume --journal FILE [--headless --yes]
  cmsrunbook serve-sim --scenario NAME|FILE [--listen 127.0.0.1] [--tls] [--user U] --inventory-out FILE
                                      a simulated cluster behind WinRM on loopback (password from CMSRUNBOOK_PASSWORD)
  cmsrunbook report --journal FILE [--format markdown|json|html]
  cmsrunbook watch --journal FILE     follow a running window, read-only
  cmsrunbook version

Goals: exchange-sp1, exchange-sp2, exchange-sp3, update-rollup (--package PATH.msp),
       os-patch (--package PATH), windows-2008 (always refused, with guidance)
Exit codes: 0 done, 1 stopped on a failure or a blocking finding, 2 bad usage or input.
`

// Main runs one command line and returns the process exit code. It never
// panics on user input: every error becomes a message and an exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	code, err := dispatch(ctx, args, env)
	if code == ExitInterrupted {
		code = interruptedCode(ctx)
	}
	if err == nil {
		return code
	}
	var ue *usageError
	var ce *config.Error
	var ie *session.InputError
	switch {
	case errors.As(err, &ie) && ie.Usage:
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\nRun 'cmsrunbook help' for usage.\n", ie.Error())
		return ExitUsage
	case errors.As(err, &ie):
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\n", ie.Error())
		return ExitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\nRun 'cmsrunbook help' for usage.\n", ue.msg)
		return ExitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\n", ce.Error())
		return ExitUsage
	case errors.Is(err, flag.ErrHelp):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(env.Stderr, "cmsrunbook: interrupted")
		return interruptedCode(ctx)
	}
	fmt.Fprintf(env.Stderr, "cmsrunbook: %v\n", err)
	if code == ExitOK {
		code = ExitFailed
	}
	return code
}

// isInputError reports bad usage or a bad input file (exit 2).
func isInputError(err error) bool {
	var ue *usageError
	var ce *config.Error
	var ie *session.InputError
	return errors.As(err, &ue) || errors.As(err, &ce) || errors.As(err, &ie)
}

func dispatch(ctx context.Context, args []string, env Env) (int, error) {
	if len(args) == 0 {
		return cmdTraining(ctx, env)
	}
	switch args[0] {
	case "plan":
		return cmdPlan(ctx, args[1:], env, true)
	case "check":
		return cmdPlan(ctx, args[1:], env, false)
	case "run":
		return cmdRun(ctx, args[1:], env)
	case "serve-sim":
		return cmdServeSim(ctx, args[1:], env)
	case "scenarios":
		return cmdScenarios(args[1:], env)
	case "sim":
		return cmdSim(ctx, args[1:], env)
	case "resume":
		return cmdResume(ctx, args[1:], env)
	case "report":
		return cmdReport(args[1:], env)
	case "watch":
		return cmdWatch(ctx, args[1:], env)
	case "version", "--version":
		fmt.Fprintf(env.Stdout, "cmsrunbook %s\n", Version)
		return ExitOK, nil
	case "help", "-h", "--help":
		io.WriteString(env.Stdout, usageText)
		return ExitOK, nil
	}
	return ExitUsage, usagef("unknown command %q", args[0])
}

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.String("lang", "", "language `L` of what is shown: en, ja, pt-BR or it (default: from the locale)")
	return fs
}

// langOf is the language a parsed command speaks: --lang, else the
// locale (LC_ALL, LC_MESSAGES, LANG; the user's UI language on Windows),
// else English.
func langOf(fs *flag.FlagSet, env Env) (i18n.Lang, error) {
	var v string
	if f := fs.Lookup("lang"); f != nil {
		v = f.Value.String()
	}
	getenv := env.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	l, err := i18n.Choose(v, getenv)
	if err != nil {
		return "", usagef("%s: --lang: %v", fs.Name(), err)
	}
	return l, nil
}

// parseFlags turns flag errors into usage errors and refuses stray words.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	if f := fs.Lookup("lang"); f != nil && f.Value.String() != "" {
		if _, err := i18n.Parse(f.Value.String()); err != nil {
			return usagef("%s: --lang: %v", fs.Name(), err)
		}
	}
	return nil
}

// source is a loaded cluster and its planning options, from a scenario or
// an inventory.
type source struct {
	label   string
	cluster runbook.Cluster
	opts    runbook.Options
	// disc is the discovery of an --inventory source, for --save-scenario.
	disc *session.Discovery
}

// planFlags are shared by plan and check.
type planFlags struct {
	inventory, scenario, goal, format, pkg string
	moveBack                               bool
	// save is --save-scenario: write the discovered cluster as a twin.
	save string
}

func (p *planFlags) register(fs *flag.FlagSet, formats string) {
	fs.StringVar(&p.inventory, "inventory", "", "inventory `FILE` of a real cluster")
	fs.StringVar(&p.scenario, "scenario", "", "embedded scenario `NAME` or scenario FILE")
	fs.StringVar(&p.goal, "goal", "", "goal `G` (overrides the file's)")
	fs.StringVar(&p.format, "format", "text", "output format: "+formats)
	fs.StringVar(&p.pkg, "package", "", "`PATH` of the .msp or hotfix on the nodes (update-rollup, os-patch)")
	fs.BoolVar(&p.moveBack, "move-back", false, "move each CMS back to its original node at the end (update-rollup, os-patch)")
	fs.StringVar(&p.save, "save-scenario", "", "with --inventory: write the discovered cluster as a scenario `FILE` (a twin to rehearse on; no address, user or password)")
}

// load resolves the cluster and options the flags point at.
func (p *planFlags) load(ctx context.Context, env Env) (*source, error) {
	switch {
	case p.inventory != "" && p.scenario != "":
		return nil, usagef("give --inventory or --scenario, not both")
	case p.inventory == "" && p.scenario == "":
		return nil, usagef("give --inventory FILE or --scenario NAME|FILE")
	case p.save != "" && p.inventory == "":
		return nil, usagef("--save-scenario writes a discovered cluster: it needs --inventory FILE")
	}
	// The command line's goal and package, checked before anything
	// connects, and given to discovery so it looks for the right files.
	var goal runbook.Goal
	if p.goal != "" {
		g, err := runbook.ParseGoal(p.goal)
		if err != nil {
			return nil, usagef("--goal: %v", err)
		}
		goal = g
	}
	if p.pkg != "" {
		if err := runbook.ValidateWindowsPath(p.pkg); err != nil {
			return nil, usagef("--package: %v", err)
		}
	}
	override := func(o *runbook.Options) {
		if goal != "" {
			o.Goal = goal
		}
		if p.pkg != "" {
			o.Package = p.pkg
		}
	}
	var src *source
	if p.scenario != "" {
		sc, err := config.ResolveScenario(assets.Scenarios, p.scenario)
		if err != nil {
			return nil, err
		}
		src = &source{label: "scenario " + sc.Name, cluster: sc.Cluster, opts: sc.Options}
	} else {
		d, err := session.DiscoverCluster(ctx, env.session(), p.inventory, override)
		if err != nil {
			return nil, err
		}
		src = &source{label: "inventory " + p.inventory, cluster: d.Cluster, opts: d.Options, disc: d}
	}
	override(&src.opts)
	if p.moveBack {
		src.opts.MoveBack = true
	}
	if src.opts.Goal.IsServicePack() && src.opts.Media == "" {
		return nil, usagef("goal %s needs the media path (media: in the file)", src.opts.Goal)
	}
	return src, nil
}

func cmdPlan(ctx context.Context, args []string, env Env, withSteps bool) (int, error) {
	name, formats := "plan", "text|markdown|json"
	if !withSteps {
		name, formats = "check", "text|json"
	}
	fs := newFlags(name, env)
	var pf planFlags
	pf.register(fs, formats)
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if !strings.Contains("|"+formats+"|", "|"+pf.format+"|") {
		return ExitUsage, usagef("%s: --format %q is not one of %s", name, pf.format, formats)
	}
	src, err := pf.load(ctx, env)
	if err != nil {
		if pf.inventory != "" && !isInputError(err) {
			return ExitFailed, err // the cluster did not answer: not a usage error
		}
		return ExitUsage, err
	}
	plan, err := runbook.MakePlan(src.cluster, src.opts)
	if err != nil {
		return ExitUsage, usagef("%s: %v", src.label, err)
	}
	if pf.save != "" {
		if err := src.disc.SaveTwin(pf.save, src.opts); err != nil {
			if isInputError(err) {
				return ExitUsage, err
			}
			return ExitFailed, err
		}
		fmt.Fprintf(env.Stderr, "cmsrunbook: saved a twin of %s to %s; rehearse it with: cmsrunbook sim --scenario %s\n", src.cluster.Name, pf.save, pf.save)
	}
	lang, err := langOf(fs, env)
	if err != nil {
		return ExitUsage, err
	}
	doc := report.PlanDoc{Source: src.label, Cluster: src.cluster, Plan: plan, Lang: lang}
	switch {
	case pf.format == "json":
		err = report.PlanJSON(env.Stdout, doc, withSteps)
	case pf.format == "markdown":
		err = report.PlanMarkdown(env.Stdout, doc)
	case withSteps:
		err = report.PlanText(env.Stdout, doc)
	default:
		err = report.CheckText(env.Stdout, doc)
	}
	if err != nil {
		return ExitFailed, err
	}
	if runbook.Blocking(plan.Findings) {
		return ExitFailed, nil
	}
	return ExitOK, nil
}

func cmdScenarios(args []string, env Env) (int, error) {
	fs := newFlags("scenarios", env)
	long := fs.Bool("long", false, "also print each scenario's description")
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	list, err := allScenarios(env)
	if err != nil {
		return ExitFailed, err
	}
	width := 0
	for _, s := range list {
		width = max(width, len(s.Name))
	}
	for _, s := range list {
		def := ""
		switch {
		case s.Local:
			def = " (local: " + s.File + ")"
		case s.Name == config.DefaultScenario:
			def = " (default)"
		}
		fmt.Fprintf(env.Stdout, "%-*s  %s%s\n", width, s.Name, s.Title, def)
		if *long {
			io.WriteString(env.Stdout, wrapIndent(s.Description, strings.Repeat(" ", width+2), 78))
		}
	}
	return ExitOK, nil
}

// cmdTraining is what `cmsrunbook` with no arguments does: on a terminal
// it opens the scenario chooser and then the runbook screen of the chosen
// scenario (as `sim --scenario NAME`); elsewhere (a pipe, a test) it
// prints the default scenario's plan and says how to go further.
func cmdTraining(ctx context.Context, env Env) (int, error) {
	list, err := allScenarios(env)
	if err != nil {
		return ExitFailed, err
	}
	if name, shown, err := session.Choose(ctx, env.session(), list, config.DefaultScenario); shown {
		if err != nil || name == "" {
			return ExitOK, err
		}
		return cmdSim(ctx, []string{"--scenario", name}, env)
	}
	sc, err := config.ResolveScenario(assets.Scenarios, config.DefaultScenario)
	if err != nil {
		return ExitFailed, err
	}
	plan, err := runbook.MakePlan(sc.Cluster, sc.Options)
	if err != nil {
		return ExitFailed, err
	}
	fmt.Fprintf(env.Stdout, "Training scenario: %s\n%s\n\n", sc.Title, wrapIndent(sc.Description, "", 78))
	if err := report.PlanText(env.Stdout, report.PlanDoc{Source: "scenario " + sc.Name, Cluster: sc.Cluster, Plan: plan}); err != nil {
		return ExitFailed, err
	}
	fmt.Fprintln(env.Stdout, "\nOther scenarios: cmsrunbook scenarios --long; a change-ticket plan: cmsrunbook plan --scenario NAME --format markdown")
	return ExitOK, nil
}

// allScenarios is the embedded scenarios, then the scenario files in the
// current folder and the user's scenario folder (twins, a trainer's own),
// marked local. A local file that looks like a scenario but does not load
// is named on stderr with its error, so its author learns why it is not
// listed; it does not stop the others.
func allScenarios(env Env) ([]config.ScenarioInfo, error) {
	list, err := config.ListScenarios(assets.Scenarios)
	if err != nil {
		return nil, err
	}
	local, problems := config.ListLocalScenarios(session.LocalScenarioDirs(env.session())...)
	for _, p := range problems {
		fmt.Fprintf(env.Stderr, "cmsrunbook: not listed: %v\n", p)
	}
	return append(list, local...), nil
}

func wrapIndent(s, indent string, width int) string { return report.Wrap(s, indent, width) }

func cmdReport(args []string, env Env) (int, error) {
	fs := newFlags("report", env)
	jpath := fs.String("journal", "", "the journal `FILE` of a run")
	format := fs.String("format", "markdown", "markdown, json or html")
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if *jpath == "" {
		return ExitUsage, usagef("report: --journal FILE is required")
	}
	if *format != "markdown" && *format != "json" && *format != "html" {
		return ExitUsage, usagef("report: --format %q is not markdown, json or html", *format)
	}
	rep, err := journal.Read(*jpath)
	if err != nil {
		return ExitUsage, err
	}
	lang, err := langOf(fs, env)
	if err != nil {
		return ExitUsage, err
	}
	integrity := report.Integrity(rep.Integrity)
	switch *format {
	case "json":
		err = report.RunJSON(env.Stdout, rep.Events, report.WithIntegrity(integrity), report.WithLang(lang))
	case "html":
		err = report.RunHTML(env.Stdout, rep.Events, report.WithIntegrity(integrity), report.WithLang(lang))
	default:
		err = report.RunMarkdown(env.Stdout, rep.Events, report.WithIntegrity(integrity), report.WithLang(lang))
	}
	if err != nil {
		return ExitFailed, err
	}
	if w := integrity.Warning(); w != "" {
		fmt.Fprintf(env.Stderr, "cmsrunbook: WARNING: %s: %s\n", *jpath, w)
	}
	if rep.Torn {
		fmt.Fprintf(env.Stderr, "cmsrunbook: note: the journal's last line (line %d) was cut short by a crash and is not in the report\n", rep.TornLine)
	}
	return ExitOK, nil
}
