package session

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/internal/journal"
	"cmsrunbook/internal/sim"
	"cmsrunbook/runbook"
	"cmsrunbook/tui"
)

// SimSpec is a new run on a simulated cluster.
type SimSpec struct {
	// Scenario is an embedded scenario's name or a scenario file.
	Scenario string
	// Speed is simulated seconds per real second (+Inf: no waiting).
	Speed float64
	Seed  int64
	// Journal is the journal's path ("" names one in the user's state
	// folder, see trainingJournal).
	Journal string
	// Faults are --fault KIND@STEP[:NODE][xTIMES] specs added to the
	// scenario's own faults.
	Faults []string
}

// OpenSim opens a new run on a simulated cluster.
func OpenSim(env Env, spec SimSpec, view View) (*Session, error) {
	of, err := onFailure(view)
	if err != nil {
		return nil, err
	}
	sc, err := config.ResolveScenario(assets.Scenarios, spec.Scenario)
	if err != nil {
		return nil, badInput(err)
	}
	plan, err := planFor(env, sc.Name, sc.Cluster, sc.Options, view.Lang)
	if err != nil {
		return nil, err
	}
	added, err := addFaults(sc, spec.Faults, plan)
	if err != nil {
		return nil, err
	}
	jpath := spec.Journal
	if jpath == "" {
		jpath = trainingJournal(env, sc.Cluster.Name, time.Now(), view.Lang)
	}
	s := &Session{env: env, view: view, plan: plan, opts: sc.Options, runID: newRunID(), world: jpath + ".world",
		progress: runbook.NewRunProgress(),
		screen:   screenInfo{title: sc.Title, source: sc.Name, cluster: sc.Cluster, speed: spec.Speed}}
	if err := s.begin(jpath, sc.Cluster.Name, true); err != nil {
		return nil, err
	}
	s.sim = sim.New(sc, sim.Options{Speed: spec.Speed, Seed: spec.Seed})
	s.exec, s.clock = savingExec{s.sim, s}, s.sim
	s.confirm = pickConfirmer(view.Yes, of, env, view.Lang)
	if !view.Headless && !s.useScreen() {
		fmt.Fprintln(env.Stderr, "cmsrunbook: "+i18n.For(view.Lang).Tr("standard output is not a terminal; running line by line (use --headless to silence this note)"))
	}
	c := sc.Cluster
	start := runbook.Event{Event: runbook.EvRunStarted, Goal: sc.Options.Goal, Source: simSource(spec.Scenario, sc.Name),
		Options: map[string]string{"mode": "sim", "speed": FormatSpeed(spec.Speed), "seed": strconv.FormatInt(spec.Seed, 10),
			"on-failure": string(of), "yes": strconv.FormatBool(view.Yes), "world": filepath.Base(s.world), "run-id": s.runID},
		Operator: Operator(env.Getenv), Digest: plan.Digest(), Plan: plan.Steps, Cluster: &c,
		Time: engine.Stamp(s.sim.Now())}
	faultOptions(start.Options, sc, added)
	s.opening = openingEvents(start, plan.Findings)
	return s, nil
}

// onFailure validates the view's --yes and --on-failure.
func onFailure(view View) (headless.OnFailure, error) {
	if view.OnFailure == "" {
		view.OnFailure = string(headless.FailAbort)
	}
	of, err := headless.ParseOnFailure(view.OnFailure)
	if err != nil {
		return "", inputf("%v", err)
	}
	if view.Yes && !view.Headless {
		return "", usage(say("--yes needs --headless: on the screen every step is confirmed by a person"))
	}
	return of, nil
}

// planFor plans the window; a goal that is never planned (windows-2008)
// says why on standard output and is not a run.
func planFor(env Env, label string, c runbook.Cluster, o runbook.Options, lang i18n.Lang) (*runbook.Plan, error) {
	plan, err := runbook.MakePlan(c, o)
	if err != nil {
		return nil, inputf("%s: %v", label, err)
	}
	if len(plan.Steps) == 0 {
		p := i18n.For(lang)
		for _, f := range plan.Findings {
			fmt.Fprintf(env.Stdout, "%s\n  %s\n", findingLine(p, f), p.Tr("remedy: %s", p.Lines(f.Remedy)))
		}
		return nil, errors.New(say("%s: goal %s is never planned; there is nothing to run", label, plan.Goal))
	}
	return plan, nil
}

// simSource is what run-started records as the scenario: the embedded
// name, or the file's absolute path so a resume from elsewhere finds it.
func simSource(arg, name string) string {
	if _, err := assets.Scenarios.Open("scenarios/" + name + ".yaml"); err == nil && arg == name {
		return name
	}
	if abs, err := filepath.Abs(arg); err == nil {
		return abs
	}
	return name
}

// openingEvents are run-started and the plan's findings, stamped alike.
func openingEvents(start runbook.Event, findings []runbook.Finding) []runbook.Event {
	evs := []runbook.Event{start}
	for i := range findings {
		f := findings[i]
		evs = append(evs, runbook.Event{Event: runbook.EvFinding, Finding: &f, Node: f.Node, Time: start.Time})
	}
	return evs
}

// begin takes the cluster's lock and opens the journal (a new one, or the
// interrupted run's for appending) and the line printer. The lock is the
// cluster's on this admin box, in the user's state folder (or
// CMSRUNBOOK_STATE_DIR of the session's environment), wherever the journal
// is; it records who runs, and which journal, for the run it refuses.
func (s *Session) begin(jpath, cluster string, create bool, secrets ...string) error {
	s.secrets = secrets
	dir := filepath.Dir(jpath)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		switch {
		case err == nil:
			return usage(say("the journal's folder %s is not a folder", dir))
		case errors.Is(err, fs.ErrNotExist):
			return usage(say("the journal's folder %s does not exist: create it or choose another --journal", dir))
		}
		return usage(say("the journal's folder %s: %s", dir, err))
	}
	getenv := s.env.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	ldir, err := journal.LockDir(getenv)
	if err != nil {
		return wrap(say("locking cluster %s: %s", cluster, err), err)
	}
	abs, err := filepath.Abs(jpath)
	if err != nil {
		abs = jpath
	}
	s.lock, err = journal.Lock(ldir, cluster, journal.Holder{User: Operator(getenv), Journal: abs})
	if err != nil {
		return err
	}
	open := journal.OpenAppend
	if create {
		open = journal.Create
	}
	s.jw, err = open(jpath, journal.WithSecrets(secrets...))
	if err != nil {
		s.Close()
		return err
	}
	var out io.Writer = s.env.Stdout
	if s.useScreen() {
		out = io.Discard // the screen shows the events
	}
	s.printer = headless.NewPrinter(out, s.plan, s.view.Lang)
	s.printer.Quiet = s.view.Quiet
	s.printer.Known(s.history)
	return nil
}

// useScreen: the runbook screen runs unless headless was asked for or
// standard output is not a terminal.
func (s *Session) useScreen() bool { return !s.view.Headless && tui.IsTerminal(s.env.Stdout) }

func pickConfirmer(yes bool, of headless.OnFailure, env Env, lang i18n.Lang) engine.Confirmer {
	if yes {
		return headless.Auto{OnFailure: of}
	}
	p := headless.NewPrompt(env.Stdin, env.Stdout, Operator(env.Getenv))
	p.Lang = lang // the questions in the operator's language; the answers stay y, s and the CMS name
	return p
}

// trainingJournal names a new training run's journal in the user's
// state folder (the lock's base folder: CMSRUNBOOK_STATE_DIR, else
// XDG_STATE_HOME/cmsrunbook or %LOCALAPPDATA%\cmsrunbook), in journals/,
// so rehearsals do not litter the folder they were started from; and
// says where it is. Without a state folder it stays in the current one
// (and the cluster's lock, which needs one too, says what to set).
// A real run's journal stays in the current folder (defaultJournal): the
// change record belongs with the change.
func trainingJournal(env Env, cluster string, now time.Time, lang i18n.Lang) string {
	name := defaultJournal(cluster, now)
	getenv := env.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	ldir, err := journal.LockDir(getenv)
	if err == nil {
		dir := filepath.Join(filepath.Dir(ldir), "journals")
		if err = os.MkdirAll(dir, 0o700); err == nil {
			name = filepath.Join(dir, name)
		}
	}
	fmt.Fprintln(env.Stdout, i18n.For(lang).Tr("Journal: %s", name))
	return name
}

// defaultJournal names a new journal in the current folder.
func defaultJournal(cluster string, now time.Time) string {
	return fmt.Sprintf("cmsrunbook-%s-%s.jsonl", strings.ToUpper(cluster), now.Format("20060102-150405"))
}

// newRunID names a run's detached jobs on the nodes.
func newRunID() string {
	return "r" + strconv.FormatInt(time.Now().UnixNano()/int64(time.Millisecond), 36)
}

// findingLine is a finding as the session prints it: its severity, its
// code and its message, in the language p speaks.
func findingLine(p *i18n.Printer, f runbook.Finding) string {
	msg := p.Text(f.Message)
	switch f.Severity {
	case runbook.Block:
		return p.Tr("BLOCK %s: %s", f.Code, msg)
	case runbook.Warn:
		return p.Tr("WARN %s: %s", f.Code, msg)
	case runbook.Info:
		return p.Tr("INFO %s: %s", f.Code, msg)
	}
	return fmt.Sprintf("%s %s: %s", strings.ToUpper(string(f.Severity)), f.Code, msg)
}
