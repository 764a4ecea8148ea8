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
	"strconv"
	"strings"
	"syscall"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/report"
	"cmsrunbook/internal/session"
	"cmsrunbook/runbook"

	"github.com/charmbracelet/x/ansi"
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

func (i Interrupt) Error() string { return say("interrupted by %s", signalName(i.Signal)) }

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

// usageText is `cmsrunbook help`, a catalogue key as a whole: its
// translations keep every command, flag and value as it is.
var usageText = i18n.N(`cmsrunbook: the maintenance-window runbook for Exchange 2007 clustered mailbox servers

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
`)

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
	// The messages speak --lang when it parsed, else the locale's
	// language; what names a file, a line or a field stays as it is.
	p := i18n.For(argLang(args, env.Getenv))
	seeHelp := p.Tr("Run 'cmsrunbook help' for usage.")
	var ue *usageError
	var ce *config.Error
	var ie *session.InputError
	switch {
	case errors.As(err, &ie) && ie.Usage:
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\n%s\n", p.Lines(ie.Error()), seeHelp)
		return ExitUsage
	case errors.As(err, &ie):
		msg := p.Lines(ie.Error())
		if errors.As(ie, &ce) && ce.Error() == ie.Error() {
			msg = ce.In(p) // a file's error: its FILE:LINE:COL: FIELD: stays as it is
		}
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\n", msg)
		return ExitUsage
	case errors.As(err, &ue):
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\n%s\n", p.Lines(ue.msg), seeHelp)
		return ExitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\n", ce.In(p))
		return ExitUsage
	case errors.Is(err, flag.ErrHelp):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\n", p.Tr("interrupted"))
		return interruptedCode(ctx)
	}
	fmt.Fprintf(env.Stderr, "cmsrunbook: %s\n", p.Lines(err.Error()))
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
	lang, rest, leading, err := leadingLang(args)
	if err != nil {
		return ExitUsage, err
	}
	if leading {
		// --lang before the command (or alone: training) is the
		// command's own --lang.
		if len(rest) == 0 {
			return cmdTraining(ctx, env, lang)
		}
		args = append([]string{rest[0], "--lang", lang}, rest[1:]...)
	}
	if len(args) == 0 {
		return cmdTraining(ctx, env, "")
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
		return cmdHelp(args[1:], env)
	}
	return ExitUsage, usage(say("unknown command %q", args[0]))
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
		return "", usage(say("%s: --lang: %s", fs.Name(), err))
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
		return usage(say("%s: unexpected argument %q", fs.Name(), fs.Arg(0)))
	}
	if f := fs.Lookup("lang"); f != nil && f.Value.String() != "" {
		if _, err := i18n.Parse(f.Value.String()); err != nil {
			return usage(say("%s: --lang: %s", fs.Name(), err))
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
func (p *planFlags) load(ctx context.Context, env Env, lang i18n.Lang) (*source, error) {
	switch {
	case p.inventory != "" && p.scenario != "":
		return nil, usage(say("give --inventory or --scenario, not both"))
	case p.inventory == "" && p.scenario == "":
		return nil, usage(say("give --inventory FILE or --scenario NAME|FILE"))
	case p.save != "" && p.inventory == "":
		return nil, usage(say("--save-scenario writes a discovered cluster: it needs --inventory FILE"))
	}
	// The command line's goal and package, checked before anything
	// connects, and given to discovery so it looks for the right files.
	var goal runbook.Goal
	if p.goal != "" {
		g, err := runbook.ParseGoal(p.goal)
		if err != nil {
			return nil, usage(say("--goal: %s", err))
		}
		goal = g
	}
	if p.pkg != "" {
		if err := runbook.ValidateWindowsPath(p.pkg); err != nil {
			return nil, usage(say("--package: %s", err))
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
		src = &source{label: say("scenario %s", sc.Name), cluster: sc.Cluster, opts: sc.Options}
	} else {
		d, err := session.DiscoverCluster(ctx, env.session(), p.inventory, lang, override)
		if err != nil {
			return nil, err
		}
		src = &source{label: say("inventory %s", p.inventory), cluster: d.Cluster, opts: d.Options, disc: d}
	}
	override(&src.opts)
	if p.moveBack {
		src.opts.MoveBack = true
	}
	if src.opts.Goal.IsServicePack() && src.opts.Media == "" {
		return nil, usage(say("goal %s needs the media path (media: in the file)", src.opts.Goal))
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
		return ExitUsage, usage(say("%s: --format %q is not one of %s", name, pf.format, formats))
	}
	lang, err := langOf(fs, env)
	if err != nil {
		return ExitUsage, err
	}
	src, err := pf.load(ctx, env, lang)
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
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\n", i18n.For(lang).Tr("saved a twin of %s to %s; rehearse it with: cmsrunbook sim --scenario %s", src.cluster.Name, pf.save, pf.save))
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
	lang, err := langOf(fs, env)
	if err != nil {
		return ExitUsage, err
	}
	p := i18n.For(lang)
	list, err := allScenarios(env, lang)
	if err != nil {
		return ExitFailed, err
	}
	width := 0
	for _, s := range list {
		width = max(width, ansi.StringWidth(s.Name))
	}
	for _, s := range list {
		def := ""
		switch {
		case s.Local:
			def = " " + p.Tr("(local: %s)", s.File)
		case s.Name == config.DefaultScenario:
			def = " " + p.Tr("(default)")
		}
		pad := strings.Repeat(" ", width-ansi.StringWidth(s.Name))
		fmt.Fprintf(env.Stdout, "%s%s  %s%s\n", s.Name, pad, p.Text(s.Title), def)
		if *long {
			io.WriteString(env.Stdout, wrapIndent(p.Text(s.Description), strings.Repeat(" ", width+2), 78))
		}
	}
	return ExitOK, nil
}

// cmdHelp is `cmsrunbook help [--lang L]`: the usage in the language asked
// for, else the locale's. Other words after help are ignored, as they
// always were; only a --lang it does not know is an error.
func cmdHelp(args []string, env Env) (int, error) {
	for i, a := range args {
		v, ok := "", false
		switch {
		case a == "--lang" || a == "-lang":
			if i+1 < len(args) {
				v, ok = args[i+1], true
			}
		case strings.HasPrefix(a, "--lang=") || strings.HasPrefix(a, "-lang="):
			_, v, ok = strings.Cut(a, "=")
		}
		if _, err := i18n.Parse(v); ok && err != nil {
			return ExitUsage, usage(say("%s: --lang: %s", "help", err))
		}
	}
	io.WriteString(env.Stdout, i18n.For(argLang(args, env.Getenv)).Text(usageText))
	return ExitOK, nil
}

// cmdTraining is what `cmsrunbook` with no arguments does: on a terminal
// it opens the scenario chooser and then the runbook screen of the chosen
// scenario (as `sim --scenario NAME`); elsewhere (a pipe, a test) it
// prints the default scenario's plan and says how to go further. lang is
// a --lang given before any command ("" for the locale's language).
func cmdTraining(ctx context.Context, env Env, lang string) (int, error) {
	l, err := i18n.Choose(lang, env.Getenv)
	if err != nil {
		return ExitUsage, usage(say("--lang: %s", err))
	}
	p := i18n.For(l)
	list, err := allScenarios(env, l)
	if err != nil {
		return ExitFailed, err
	}
	if name, shown, err := session.Choose(ctx, env.session(), list, config.DefaultScenario, l); shown {
		if err != nil || name == "" {
			return ExitOK, err
		}
		return cmdSim(ctx, []string{"--scenario", name, "--lang", string(l)}, env)
	}
	sc, err := config.ResolveScenario(assets.Scenarios, config.DefaultScenario)
	if err != nil {
		return ExitFailed, err
	}
	plan, err := runbook.MakePlan(sc.Cluster, sc.Options)
	if err != nil {
		return ExitFailed, err
	}
	fmt.Fprintf(env.Stdout, "%s\n%s\n\n", p.Tr("Training scenario: %s", p.Text(sc.Title)), wrapIndent(p.Text(sc.Description), "", 78))
	if err := report.PlanText(env.Stdout, report.PlanDoc{Source: say("scenario %s", sc.Name), Cluster: sc.Cluster, Plan: plan, Lang: l}); err != nil {
		return ExitFailed, err
	}
	fmt.Fprintln(env.Stdout, "\n"+p.Tr("Other scenarios: cmsrunbook scenarios --long; a change-ticket plan: cmsrunbook plan --scenario NAME --format markdown"))
	return ExitOK, nil
}

// allScenarios is the embedded scenarios, then the scenario files in the
// current folder and the user's scenario folder (twins, a trainer's own),
// marked local. A local file that looks like a scenario but does not load
// is named on stderr with its error, so its author learns why it is not
// listed; it does not stop the others.
func allScenarios(env Env, lang i18n.Lang) ([]config.ScenarioInfo, error) {
	list, err := config.ListScenarios(assets.Scenarios)
	if err != nil {
		return nil, err
	}
	local, problems := config.ListLocalScenarios(session.LocalScenarioDirs(env.session())...)
	pr := i18n.For(lang)
	for _, p := range problems {
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\n", pr.Tr("not listed: %s", pr.Text(p.Error())))
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
		return ExitUsage, usage(say("report: --journal FILE is required"))
	}
	if *format != "markdown" && *format != "json" && *format != "html" {
		return ExitUsage, usage(say("report: --format %q is not markdown, json or html", *format))
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
	p := i18n.For(lang)
	if w := integrity.WarningIn(lang); w != "" {
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\n", p.Tr("WARNING: %s: %s", *jpath, w))
	}
	if rep.Torn {
		fmt.Fprintf(env.Stderr, "cmsrunbook: %s\n", p.Tr("note: the journal's last line (line %s) was cut short by a crash and is not in the report", strconv.Itoa(rep.TornLine)))
	}
	return ExitOK, nil
}
