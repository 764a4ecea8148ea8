package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/sim"
	"cmsrunbook/runbook"
	"cmsrunbook/tui"
)

// DefaultSpeed makes a CCR service-pack window (about three simulated
// hours, mostly Setup and reboots) take a few minutes of real time.
const DefaultSpeed = 60.0

// parseSpeed reads --speed: a positive number or "max".
func parseSpeed(s string) (float64, error) {
	if s == "max" {
		return math.Inf(1), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, fmt.Errorf("--speed %q is not a positive number or max", s)
	}
	return v, nil
}

func formatSpeed(v float64) string {
	if math.IsInf(v, 1) {
		return "max"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// operator names who is at the keyboard, for the record.
func operator(env Env) string {
	for _, k := range []string{"CMSRUNBOOK_OPERATOR", "USER", "USERNAME"} {
		if v := env.Getenv(k); v != "" {
			return v
		}
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// window is one run of a plan: the journal, the lock, the executor and the
// engine, wired together.
type window struct {
	env      Env
	plan     *runbook.Plan
	opts     runbook.Options
	jw       *journal.Writer
	lock     *journal.LockFile
	sim      *sim.Sim
	world    string // where the simulated world is saved, next to the journal
	printer  *headless.Printer
	confirm  engine.Confirmer
	runID    string
	progress engine.Progress
	// sink and observed feed the screen (tui) when it runs; nil headless.
	// history is the journal so far, for the screen of a resumed run.
	history  []runbook.Event
	sink     func(runbook.Event)
	observed func(runbook.Observation)
	// exec, clock and rebootTimeout drive a real cluster (sim is nil
	// then); real marks the screen LIVE.
	exec          engine.Executor
	clock         engine.Clock
	real          bool
	rebootTimeout time.Duration
}

// emit journals an event, then shows it. The simulated world is saved at
// every step boundary, before the journal records it: a real cluster is
// always at least as far along as the record of it, and a resume after a
// crash must find it so (a journaled success with a world that had not
// seen it would send the CMS to a node still on the old build).
func (w *window) emit(ev runbook.Event) error {
	if ev.Event != runbook.EvOutput && w.sim != nil {
		if err := w.saveWorld(); err != nil {
			return err
		}
	}
	if err := w.jw.Write(ev); err != nil {
		return err
	}
	if w.sink != nil {
		w.sink(ev)
	}
	return w.printer.Print(ev)
}

func (w *window) saveWorld() error {
	data, err := w.sim.MarshalState()
	if err != nil {
		return fmt.Errorf("saving the simulated cluster: %w", err)
	}
	tmp := w.world + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("saving the simulated cluster: %w", err)
	}
	if err := os.Rename(tmp, w.world); err != nil {
		return fmt.Errorf("saving the simulated cluster: %w", err)
	}
	return nil
}

// savingExec saves the simulated world after every action that changes it,
// so a SIGKILL between two journal events cannot lose a started job.
type savingExec struct {
	*sim.Sim
	w *window
}

func (s savingExec) StartJob(ctx context.Context, cmd runbook.Command, id string) error {
	err := s.Sim.StartJob(ctx, cmd, id)
	if serr := s.w.saveWorld(); serr != nil && err == nil {
		err = serr
	}
	return err
}

func (s savingExec) Run(ctx context.Context, cmd runbook.Command, out func(runbook.OutputLine)) (runbook.ExecResult, error) {
	res, err := s.Sim.Run(ctx, cmd, out)
	if serr := s.w.saveWorld(); serr != nil && err == nil {
		err = serr
	}
	return res, err
}

// execute runs the engine and records how the run ended.
func (w *window) execute(ctx context.Context, clock engine.Clock, exec engine.Executor, rebootTimeout time.Duration) (int, error) {
	eng := engine.New(engine.Config{Exec: exec, Clock: clock, Confirmer: w.confirm, Emit: w.emit,
		RunID: w.runID, Options: w.opts, RebootTimeout: rebootTimeout, Observed: w.observed})
	status, err := eng.Run(ctx, w.plan, w.progress)
	fin := runbook.Event{Event: runbook.EvRunFinished, Status: status}
	if err != nil {
		if errors.Is(err, context.Canceled) {
			// Interrupted: no run-finished, so resume picks it up.
			fmt.Fprintln(w.env.Stderr, "cmsrunbook: interrupted; nothing more was sent. Resume with: cmsrunbook resume --journal "+w.jw.Path())
			return ExitInterrupted, nil
		}
		fin.Status, fin.Message = runbook.RunFailed, err.Error()
	}
	if obs, oerr := exec.Observe(context.WithoutCancel(ctx)); oerr == nil {
		c := obs.Cluster
		fin.Cluster = &c
	}
	fin.Time = clock.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00")
	if werr := w.emit(fin); werr != nil {
		return ExitFailed, werr
	}
	if err != nil {
		return ExitFailed, err
	}
	if status != runbook.RunSucceeded {
		fmt.Fprintf(w.env.Stdout, "The journal keeps the place: cmsrunbook resume --journal %s\n", w.jw.Path())
		return ExitFailed, nil
	}
	fmt.Fprintf(w.env.Stdout, "Change record: cmsrunbook report --journal %s\n", w.jw.Path())
	return ExitOK, nil
}

func (w *window) close() {
	if w.jw != nil {
		if err := w.jw.Close(); err != nil {
			fmt.Fprintf(w.env.Stderr, "cmsrunbook: closing the journal: %v\n", err)
		}
	}
	if w.lock != nil {
		_ = w.lock.Release()
	}
}

// defaultJournal names a new journal in the current folder.
func defaultJournal(cluster string, now time.Time) string {
	return fmt.Sprintf("cmsrunbook-%s-%s.jsonl", strings.ToUpper(cluster), now.Format("20060102-150405"))
}

func cmdSim(ctx context.Context, args []string, env Env) (int, error) {
	fs := newFlags("sim", env)
	scen := fs.String("scenario", config.DefaultScenario, "embedded scenario `NAME` or scenario FILE")
	speedFlag := fs.String("speed", formatSpeed(DefaultSpeed), "simulated seconds per real second, or max")
	lang := fs.String("lang", "en", "language of the screens (en)")
	head := fs.Bool("headless", false, "print one line per event instead of the screen")
	yes := fs.Bool("yes", false, "with --headless: confirm every step without asking (training and tests only)")
	onFail := fs.String("on-failure", "abort", "with --yes: abort, retry or manual")
	jpath := fs.String("journal", "", "journal `FILE` (default: cmsrunbook-CLUSTER-TIME.jsonl here)")
	seed := fs.Int64("seed", 1, "simulation seed (the same seed replays the same window)")
	quiet := fs.Bool("quiet", false, "with --headless: leave the nodes' output to the journal")
	ascii := fs.Bool("ascii", false, "draw the screen with ASCII only (automatic when the terminal cannot show box drawing)")
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	speed, err := parseSpeed(*speedFlag)
	if err != nil {
		return ExitUsage, usagef("%v", err)
	}
	if *lang != "en" {
		return ExitUsage, usagef("--lang %q: only en is available", *lang)
	}
	of, err := headless.ParseOnFailure(*onFail)
	if err != nil {
		return ExitUsage, usagef("%v", err)
	}
	if *yes && !*head {
		return ExitUsage, usagef("--yes needs --headless: on the screen every step is confirmed by a person")
	}
	sc, err := config.ResolveScenario(assets.Scenarios, *scen)
	if err != nil {
		return ExitUsage, err
	}
	plan, err := runbook.MakePlan(sc.Cluster, sc.Options)
	if err != nil {
		return ExitUsage, usagef("%s: %v", sc.Name, err)
	}
	if len(plan.Steps) == 0 {
		// A goal that is never planned (windows-2008): say why and stop.
		for _, f := range plan.Findings {
			fmt.Fprintf(env.Stdout, "%s %s: %s\n  remedy: %s\n", strings.ToUpper(string(f.Severity)), f.Code, f.Message, f.Remedy)
		}
		return ExitFailed, fmt.Errorf("%s: goal %s is never planned; there is nothing to run", sc.Name, plan.Goal)
	}
	if *jpath == "" {
		*jpath = defaultJournal(sc.Cluster.Name, time.Now())
	}
	source := sc.Name
	if _, statErr := assets.Scenarios.Open("scenarios/" + sc.Name + ".yaml"); statErr != nil || *scen != sc.Name {
		if abs, aerr := filepath.Abs(*scen); aerr == nil {
			source = abs
		}
	}

	w := &window{env: env, plan: plan, opts: sc.Options, runID: "r" + strconv.FormatInt(time.Now().Unix(), 36), world: *jpath + ".world"}
	w.lock, err = journal.Lock(filepath.Dir(*jpath), sc.Cluster.Name)
	if err != nil {
		return ExitFailed, err
	}
	defer w.close()
	w.jw, err = journal.Create(*jpath)
	if err != nil {
		return ExitFailed, err
	}
	w.sim = sim.New(sc, sim.Options{Speed: speed, Seed: *seed})
	screen := !*head && tui.IsTerminal(env.Stdout)
	w.printer = headless.NewPrinter(env.Stdout, plan)
	if screen {
		w.printer = headless.NewPrinter(io.Discard, plan) // the screen shows the events
	}
	w.printer.Quiet = *quiet
	w.confirm = pickConfirmer(*yes, of, env)
	if !*head && !screen {
		fmt.Fprintln(env.Stderr, "cmsrunbook: standard output is not a terminal; running line by line (use --headless to silence this note)")
	}

	c := sc.Cluster
	start := runbook.Event{Event: runbook.EvRunStarted, Goal: sc.Options.Goal, Source: source,
		Options: map[string]string{"mode": "sim", "speed": formatSpeed(speed), "seed": strconv.FormatInt(*seed, 10),
			"on-failure": string(of), "yes": strconv.FormatBool(*yes), "world": filepath.Base(w.world), "run-id": w.runID},
		Operator: operator(env), Digest: plan.Digest(), Plan: plan.Steps, Cluster: &c,
		Time: w.sim.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00")}
	if err := w.emit(start); err != nil {
		return ExitFailed, err
	}
	for i := range plan.Findings {
		f := plan.Findings[i]
		if err := w.emit(runbook.Event{Event: runbook.EvFinding, Finding: &f, Node: f.Node, Time: start.Time}); err != nil {
			return ExitFailed, err
		}
	}
	if screen {
		return w.screen(ctx, screenOptions{title: sc.Title, source: sc.Name, cluster: sc.Cluster, speed: speed, ascii: *ascii})
	}
	return w.execute(ctx, w.sim, savingExec{w.sim, w}, 0)
}

func pickConfirmer(yes bool, of headless.OnFailure, env Env) engine.Confirmer {
	if yes {
		return headless.Auto{OnFailure: of}
	}
	return headless.NewPrompt(env.Stdin, env.Stdout, operator(env))
}

func cmdResume(ctx context.Context, args []string, env Env) (int, error) {
	fs := newFlags("resume", env)
	jpath := fs.String("journal", "", "the journal `FILE` of the interrupted run")
	head := fs.Bool("headless", false, "print one line per event instead of the screen")
	yes := fs.Bool("yes", false, "with --headless: confirm every step without asking (simulated runs only)")
	speedFlag := fs.String("speed", "", "simulated seconds per real second, or max (default: as recorded)")
	quiet := fs.Bool("quiet", false, "with --headless: leave the nodes' output to the journal")
	if err := parseFlags(fs, args); err != nil {
		return ExitUsage, err
	}
	if *jpath == "" {
		return ExitUsage, usagef("resume: --journal FILE is required")
	}
	rep, err := journal.Read(*jpath)
	if err != nil {
		return ExitUsage, err
	}
	rs := journal.State(rep.Events)
	if rs.Started == nil {
		return ExitUsage, usagef("%s: the journal has no run-started event; there is nothing to resume", *jpath)
	}
	if rs.IsFinished() {
		fmt.Fprintf(env.Stdout, "The run in %s already finished (%s); nothing to resume. The change record: cmsrunbook report --journal %s\n", *jpath, rs.Finished.Status, *jpath)
		return ExitOK, nil
	}
	o := rs.Started.Options
	if o["mode"] == "real" {
		return resumeReal(ctx, &rep, &rs, *jpath, *head, *yes, *quiet, env)
	}
	if o["mode"] != "sim" {
		return ExitUsage, usagef("%s: resuming a run against a real cluster needs the WinRM executor, which is not in this build", *jpath)
	}
	if *yes && !*head {
		return ExitUsage, usagef("--yes needs --headless")
	}
	sc, err := config.ResolveScenario(assets.Scenarios, rs.Started.Source)
	if err != nil {
		return ExitUsage, err
	}
	speedText := o["speed"]
	if *speedFlag != "" {
		speedText = *speedFlag
	}
	speed, err := parseSpeed(speedText)
	if err != nil {
		return ExitUsage, usagef("%v", err)
	}
	seed, _ := strconv.ParseInt(o["seed"], 10, 64)
	of, err := headless.ParseOnFailure(o["on-failure"])
	if err != nil {
		of = headless.FailAbort
	}
	plan := &runbook.Plan{Goal: rs.Started.Goal, Steps: rs.Started.Plan}
	w := &window{env: env, plan: plan, opts: sc.Options, runID: o["run-id"], world: filepath.Join(filepath.Dir(*jpath), o["world"])}
	w.opts.Goal = rs.Started.Goal
	data, err := os.ReadFile(w.world)
	if err != nil {
		return ExitUsage, usagef("%s: the simulated cluster saved with the run cannot be read: %v", *jpath, err)
	}
	w.sim, err = sim.Restore(sc, data, sim.Options{Speed: speed, Seed: seed})
	if err != nil {
		return ExitUsage, usagef("%s: %v", w.world, err)
	}
	w.lock, err = journal.Lock(filepath.Dir(*jpath), sc.Cluster.Name)
	if err != nil {
		return ExitFailed, err
	}
	defer w.close()
	w.jw, err = journal.OpenAppend(*jpath)
	if err != nil {
		return ExitFailed, err
	}
	screen := !*head && tui.IsTerminal(env.Stdout)
	w.printer = headless.NewPrinter(env.Stdout, plan)
	if screen {
		w.printer = headless.NewPrinter(io.Discard, plan) // the screen shows the events
	}
	w.printer.Quiet = *quiet
	w.confirm = pickConfirmer(*yes, of, env)
	w.progress = progressFrom(&rs, rep.Events)
	w.history = rep.Events
	msg := fmt.Sprintf("%d of %d steps done", len(plan.Steps)-len(rs.Remaining()), len(plan.Steps))
	if rep.Torn {
		msg += fmt.Sprintf("; the journal's last line (line %d) was cut short by the crash and was dropped", rep.TornLine)
	}
	if rs.OutageOpen {
		msg += "; THE OUTAGE IS STILL ON: the CMS is down"
	}
	if err := w.emit(runbook.Event{Event: runbook.EvRunResumed, Message: msg, Operator: operator(env),
		Time: w.sim.Now().UTC().Format("2006-01-02T15:04:05.000Z07:00")}); err != nil {
		return ExitFailed, err
	}
	if screen {
		return w.screen(ctx, screenOptions{title: "Resumed: " + sc.Title, source: sc.Name, cluster: lastCluster(&rs, sc.Cluster), speed: speed})
	}
	return w.execute(ctx, w.sim, savingExec{w.sim, w}, 0)
}

// lastCluster is the cluster the screen shows until the first observation:
// as the run found it, else as the file describes it.
func lastCluster(rs *journal.RunState, fallback runbook.Cluster) runbook.Cluster {
	if rs.Started != nil && rs.Started.Cluster != nil {
		return *rs.Started.Cluster
	}
	return fallback
}

// progressFrom turns the journal into what the engine skips, re-attaches to
// and waits for: steps done, detached jobs started, reboots under way (by
// the boot ID recorded when each was first started).
func progressFrom(rs *journal.RunState, events []runbook.Event) engine.Progress {
	p := engine.Progress{Done: map[string]bool{}, Jobs: map[string]string{}, Offsets: map[string]int64{},
		Attempts: map[string]int{}, Boots: map[string]string{}, InOutage: rs.OutageOpen}
	for id, st := range rs.Steps {
		if st.Status.Done() {
			p.Done[id] = true
			continue
		}
		p.Attempts[id] = st.Attempts
		if st.Job != "" && st.Status == journal.StepStarted {
			p.Jobs[id] = st.Job
			p.Offsets[id] = st.Offset
		}
	}
	for _, ev := range events {
		if ev.Event == runbook.EvStepStarted && ev.Boot != "" && !p.Done[ev.Step] {
			if _, seen := p.Boots[ev.Step]; !seen {
				p.Boots[ev.Step] = ev.Boot // the first start's boot ID
			}
		}
	}
	if rs.Started != nil && rs.Started.Cluster != nil {
		p.OrigOwners = map[string]string{}
		for _, g := range rs.Started.Cluster.CMSs() {
			p.OrigOwners[strings.ToUpper(g.Name)] = g.Owner
		}
	}
	return p
}
