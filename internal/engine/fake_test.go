package engine_test

// Fakes for the engine's own tests: an Executor holding a tiny cluster and
// scripted behaviour per command line and per job, a Clock whose Sleep
// only moves time, a Confirmer that answers from a list and records what it
// was asked, and a journal that records events and can be told to fail.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/engine"
	"cmsrunbook/runbook"
)

// ---- the cluster ----------------------------------------------------------

const (
	node1  = "EXNODE01" // active: owns the CMS
	node2  = "EXNODE02" // passive: owns "Cluster Group"
	cms    = "EXCMS01"
	media  = `D:\Exchange2007SP2`
	runID  = "run1"
	boot1a = "boot-EXNODE01-a"
	boot2a = "boot-EXNODE02-a"
	boot2b = "boot-EXNODE02-b"
)

var (
	t0   = time.Date(2009, 11, 7, 22, 0, 0, 0, time.UTC)
	opts = runbook.Options{Goal: runbook.GoalSP2, Media: media, MoveWait: 0}
)

// ccr is a healthy two-node CCR on SP1: EXNODE01 runs EXCMS01, EXNODE02 is
// passive and owns "Cluster Group".
func ccr() runbook.Observation {
	return runbook.Observation{
		Cluster: runbook.Cluster{
			Name: "EXCLUS01", Type: runbook.CCR, OS: runbook.OS{Family: runbook.Windows2003, SP: 2},
			Nodes: []runbook.Node{
				{Name: node1, State: runbook.NodeUp, Build: runbook.BuildSP1},
				{Name: node2, State: runbook.NodeUp, Build: runbook.BuildSP1},
			},
			Groups: []runbook.Group{
				{Name: "Cluster Group", Owner: node2, State: runbook.GroupOnline},
				{Name: cms, Owner: node1, State: runbook.GroupOnline, CMS: true},
			},
			Replication: runbook.Replication{Healthy: true},
		},
		Facts: map[string]runbook.NodeFacts{
			node1: {Reachable: true, ClusterService: true, BootID: boot1a},
			node2: {Reachable: true, ClusterService: true, BootID: boot2a},
		},
	}
}

func cloneObs(o runbook.Observation) runbook.Observation {
	out := runbook.Observation{Cluster: o.Cluster.Clone()}
	if o.Facts != nil {
		out.Facts = map[string]runbook.NodeFacts{}
		for k, v := range o.Facts {
			out.Facts[k] = v
		}
	}
	return out
}

// Small mutations of the fake cluster, for scripts.

func setNode(name string, st runbook.NodeState) func(*runbook.Observation) {
	return func(o *runbook.Observation) { o.Cluster.Node(name).State = st }
}

func setBuild(name string, b runbook.Build) func(*runbook.Observation) {
	return func(o *runbook.Observation) { o.Cluster.Node(name).Build = b }
}

func setGroup(name string, st runbook.GroupState) func(*runbook.Observation) {
	return func(o *runbook.Observation) { o.Cluster.Group(name).State = st }
}

func setOwner(name, owner string) func(*runbook.Observation) {
	return func(o *runbook.Observation) { o.Cluster.Group(name).Owner = owner }
}

func setFact(node string, f runbook.NodeFacts) func(*runbook.Observation) {
	return func(o *runbook.Observation) { o.Facts[node] = f }
}

func both(fs ...func(*runbook.Observation)) func(*runbook.Observation) {
	return func(o *runbook.Observation) {
		for _, f := range fs {
			f(o)
		}
	}
}

// ---- the executor ---------------------------------------------------------

// cmdScript is what one Run of a command line does.
type cmdScript struct {
	exit int
	out  []string // stdout lines, streamed before the result
	err  error    // returned after the output (e.g. runbook.ErrConnectionLost)
	// effect changes the cluster: at once, or, with delay > 0, at the
	// delay-th Observe after the command.
	effect func(*runbook.Observation)
	delay  int
	takes  time.Duration // how long the command runs (moves the fake clock)
}

// jobScript is what a detached job started from a command line does.
type jobScript struct {
	startErr error // StartJob fails with it; no job is created
	log      []string
	exit     int
	// drop: the first TailJob streams this many lines, then the
	// connection drops (runbook.ErrConnectionLost); 0 means never.
	drop   int
	effect func(*runbook.Observation) // when the job ends
}

// fakeJob is a detached job on a node.
type fakeJob struct {
	node    string
	log     []string
	exit    int
	done    bool
	drop    int
	effect  func(*runbook.Observation)
	started bool // by StartJob (false: seeded by the test, e.g. left by a crashed run)
}

func (j *fakeJob) size() int64 {
	var n int64
	for _, l := range j.log {
		n += int64(len(l) + 2) // CRLF
	}
	return n
}

type sent struct {
	cmd   runbook.Command
	job   string // StartJob: the job ID; Run: ""
	emits int    // events recorded when it was sent
}

type later struct {
	at     int // the Observe call (1-based) that first sees it
	effect func(*runbook.Observation)
}

// fakeExec is the engine's Executor over a tiny cluster.
type fakeExec struct {
	obs   runbook.Observation
	clock *fakeClock

	cmds map[string][]cmdScript // per command line, consumed in order; the last repeats
	jobs map[string][]jobScript // per job command line, consumed per StartJob; the last repeats
	live map[string]*fakeJob    // jobs on the nodes by ID

	// observeErrs are returned by the next Observe calls, in order (nil: ok).
	observeErrs []error
	pending     []later
	// onObserve, when set, may change the state before every Observe
	// answers (n counts Observe calls from 1).
	onObserve func(n int, o *runbook.Observation)

	// What the engine did.
	observes int
	sent     []sent // Run and StartJob, in order
	jobCalls []string
	tails    []string
	// emitted reports how many times Emit was called (to order sends
	// against events).
	emitted func() int
	// auto, when set, gives every command and job without a script the
	// effect of its step (runbook.Apply; a reboot goes away and comes back
	// with a new boot ID), so a whole planned window can run.
	auto *runbook.Plan
}

func newFakeExec(obs runbook.Observation) *fakeExec {
	return &fakeExec{obs: obs, cmds: map[string][]cmdScript{}, jobs: map[string][]jobScript{}, live: map[string]*fakeJob{}}
}

// on scripts the Runs of a command line, in order.
func (x *fakeExec) on(line string, s ...cmdScript) { x.cmds[line] = append(x.cmds[line], s...) }

// onJob scripts the jobs started from a command line, in order.
func (x *fakeExec) onJob(line string, s ...jobScript) { x.jobs[line] = append(x.jobs[line], s...) }

// after changes the state at the n-th Observe from now.
func (x *fakeExec) after(n int, f func(*runbook.Observation)) {
	x.pending = append(x.pending, later{at: x.observes + n, effect: f})
}

func (x *fakeExec) apply(effect func(*runbook.Observation), delay int) {
	if effect == nil {
		return
	}
	if delay > 0 {
		x.after(delay, effect)
		return
	}
	effect(&x.obs)
}

func (x *fakeExec) emits() int {
	if x.emitted == nil {
		return 0
	}
	return x.emitted()
}

func (x *fakeExec) Observe(ctx context.Context) (runbook.Observation, error) {
	if err := ctx.Err(); err != nil {
		return runbook.Observation{}, err
	}
	x.observes++
	var keep []later
	for _, p := range x.pending {
		if p.at <= x.observes {
			p.effect(&x.obs)
		} else {
			keep = append(keep, p)
		}
	}
	x.pending = keep
	if x.onObserve != nil {
		x.onObserve(x.observes, &x.obs)
	}
	if len(x.observeErrs) > 0 {
		err := x.observeErrs[0]
		x.observeErrs = x.observeErrs[1:]
		if err != nil {
			return runbook.Observation{}, err
		}
	}
	return cloneObs(x.obs), nil
}

func (x *fakeExec) Run(ctx context.Context, cmd runbook.Command, out func(runbook.OutputLine)) (runbook.ExecResult, error) {
	if err := ctx.Err(); err != nil {
		return runbook.ExecResult{}, err
	}
	x.sent = append(x.sent, sent{cmd: cmd, emits: x.emits()})
	var s cmdScript
	if q := x.cmds[cmd.Line]; len(q) > 0 {
		s = q[0]
		if len(q) > 1 {
			x.cmds[cmd.Line] = q[1:]
		}
	} else if x.auto != nil {
		s = x.autoCmd(cmd)
	}
	for _, l := range s.out {
		out(runbook.OutputLine{Stream: runbook.Stdout, Text: l})
	}
	if x.clock != nil {
		x.clock.now = x.clock.now.Add(s.takes)
	}
	x.apply(s.effect, s.delay)
	if s.err != nil {
		return runbook.ExecResult{}, s.err
	}
	return runbook.ExecResult{ExitCode: s.exit}, nil
}

func (x *fakeExec) StartJob(ctx context.Context, cmd runbook.Command, jobID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x.sent = append(x.sent, sent{cmd: cmd, job: jobID, emits: x.emits()})
	if _, ok := x.live[jobID]; ok {
		return fmt.Errorf("fake: job %s started twice", jobID)
	}
	var s jobScript
	if q := x.jobs[cmd.Line]; len(q) > 0 {
		s = q[0]
		if len(q) > 1 {
			x.jobs[cmd.Line] = q[1:]
		}
	} else if x.auto != nil {
		s = jobScript{log: setupOK, effect: x.autoCmd(cmd).effect}
	}
	if s.startErr != nil {
		return s.startErr
	}
	x.live[jobID] = &fakeJob{node: cmd.Node, log: s.log, exit: s.exit, drop: s.drop, effect: s.effect, started: true}
	return nil
}

func (x *fakeExec) Job(ctx context.Context, node, jobID string) (runbook.JobState, error) {
	x.jobCalls = append(x.jobCalls, jobID)
	j, ok := x.live[jobID]
	if !ok || !strings.EqualFold(j.node, node) {
		return runbook.JobState{}, nil
	}
	return runbook.JobState{Found: true, Running: !j.done, ExitCode: j.exit, Size: j.size()}, nil
}

func (x *fakeExec) TailJob(ctx context.Context, node, jobID string, from int64, out func(runbook.OutputLine, int64)) (runbook.JobState, error) {
	x.tails = append(x.tails, jobID)
	j, ok := x.live[jobID]
	if !ok || !strings.EqualFold(j.node, node) {
		return runbook.JobState{}, fmt.Errorf("fake: no job %s on %s", jobID, node)
	}
	var off int64
	for i, l := range j.log {
		if j.drop > 0 && i == j.drop {
			j.drop = 0
			return runbook.JobState{Found: true, Running: true, Size: j.size()}, fmt.Errorf("tailing %s: %w", jobID, runbook.ErrConnectionLost)
		}
		off += int64(len(l) + 2)
		if off > from {
			out(runbook.OutputLine{Stream: runbook.Stdout, Text: l}, off)
		}
	}
	if !j.done {
		j.done = true
		x.apply(j.effect, 0)
	}
	return runbook.JobState{Found: true, ExitCode: j.exit, Size: off}, nil
}

// autoCmd is what a planned step's command does in a healthy cluster.
func (x *fakeExec) autoCmd(cmd runbook.Command) cmdScript {
	step := x.auto.Step(cmd.StepID)
	if step == nil {
		return cmdScript{}
	}
	if step.Kind == runbook.KindRebootNode {
		return cmdScript{effect: func(o *runbook.Observation) {
			key := strings.ToUpper(step.Node)
			boot := o.Facts[key].BootID + "'"
			o.Facts[key] = runbook.NodeFacts{}
			x.after(2, setFact(key, runbook.NodeFacts{Reachable: true, ClusterService: true, BootID: boot}))
		}}
	}
	s := *step
	return cmdScript{effect: func(o *runbook.Observation) { runbook.Apply(&o.Cluster, s, opts) }}
}

// seedJob leaves a job on a node, as a crashed run would have.
func (x *fakeExec) seedJob(id, node string, log []string, exit int, done bool, effect func(*runbook.Observation)) {
	x.live[id] = &fakeJob{node: node, log: log, exit: exit, done: done, effect: effect}
}

// runs lists the command lines sent with Run; starts the job IDs started.
func (x *fakeExec) runs() []string {
	var out []string
	for _, s := range x.sent {
		if s.job == "" {
			out = append(out, s.cmd.Line)
		}
	}
	return out
}

func (x *fakeExec) starts() []string {
	var out []string
	for _, s := range x.sent {
		if s.job != "" {
			out = append(out, s.job)
		}
	}
	return out
}

// offsetAfter is the log offset after the first n lines of a job's log, as
// TailJob reports it.
func offsetAfter(log []string, n int) int64 {
	var off int64
	for _, l := range log[:n] {
		off += int64(len(l) + 2)
	}
	return off
}

// ---- the clock ------------------------------------------------------------

// fakeClock's Sleep moves time at once.
type fakeClock struct {
	now    time.Time
	sleeps int
}

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.sleeps++
	if c.sleeps > 10000 {
		return errors.New("fake clock: the engine slept 10000 times (a loop that never ends?)")
	}
	c.now = c.now.Add(d)
	return nil
}

// ---- the confirmer --------------------------------------------------------

var errNoScript = errors.New("fake confirmer: no scripted answer left")

type answer struct {
	conf engine.Confirmation
	err  error
	then func() // runs before the answer is returned (the world moves while a person thinks)
}

type decision struct {
	dec  engine.Decision
	err  error
	then func()
}

func run(by string) answer {
	return answer{conf: engine.Confirmation{Answer: engine.AnswerRun, By: by}}
}
func skip(by string) answer {
	return answer{conf: engine.Confirmation{Answer: engine.AnswerSkip, By: by}}
}
func abort(by string) answer {
	return answer{conf: engine.Confirmation{Answer: engine.AnswerAbort, By: by}}
}
func typed(by, name string) answer {
	return answer{conf: engine.Confirmation{Answer: engine.AnswerRun, By: by, Typed: name}}
}
func choose(a runbook.RemedyAction, by string) decision {
	return decision{dec: engine.Decision{Action: a, By: by}}
}

// asked records one Decide call.
type asked struct {
	step    string
	code    string
	attempt int
	offered []runbook.RemedyAction
}

// scripted answers from lists and records what it was asked.
type scripted struct {
	answers   []answer
	decisions []decision
	confirmed []string // step IDs Confirm was asked about
	decided   []asked
}

func (c *scripted) Confirm(ctx context.Context, s runbook.Step) (engine.Confirmation, error) {
	c.confirmed = append(c.confirmed, s.ID)
	if len(c.answers) == 0 {
		return engine.Confirmation{}, fmt.Errorf("confirm %s: %w", s.ID, errNoScript)
	}
	a := c.answers[0]
	c.answers = c.answers[1:]
	if a.then != nil {
		a.then()
	}
	return a.conf, a.err
}

func (c *scripted) Decide(ctx context.Context, s runbook.Step, d runbook.Diagnosis, attempt int) (engine.Decision, error) {
	var offered []runbook.RemedyAction
	for _, r := range d.Remedies {
		offered = append(offered, r.Action)
	}
	c.decided = append(c.decided, asked{step: s.ID, code: d.Code, attempt: attempt, offered: offered})
	if len(c.decisions) == 0 {
		return engine.Decision{}, fmt.Errorf("decide %s (%s): %w", s.ID, d.Code, errNoScript)
	}
	dd := c.decisions[0]
	c.decisions = c.decisions[1:]
	if dd.then != nil {
		dd.then()
	}
	return dd.dec, dd.err
}

// ---- the journal ----------------------------------------------------------

var errJournal = errors.New("fake journal: disk full")

type recorder struct {
	events []runbook.Event
	failAt int // the Emit call (1-based) that fails; 0: none
	calls  int
}

func (r *recorder) emit(ev runbook.Event) error {
	r.calls++
	if r.calls == r.failAt {
		return errJournal
	}
	ev.Seq = int64(len(r.events) + 1)
	r.events = append(r.events, ev)
	return nil
}

// ---- the harness ----------------------------------------------------------

type harness struct {
	t    *testing.T
	x    *fakeExec
	clk  *fakeClock
	conf *scripted
	rec  *recorder
	cfg  engine.Config
}

func newHarness(t *testing.T, obs runbook.Observation) *harness {
	t.Helper()
	h := &harness{t: t, x: newFakeExec(obs), clk: &fakeClock{now: t0}, conf: &scripted{}, rec: &recorder{}}
	h.x.emitted = func() int { return h.rec.calls }
	h.x.clock = h.clk
	h.cfg = engine.Config{Exec: h.x, Clock: h.clk, Confirmer: h.conf, Emit: h.rec.emit, RunID: runID, Options: opts,
		PollInterval: 5 * time.Second, VerifyTimeout: time.Minute, RebootTimeout: 2 * time.Minute}
	return h
}

// run runs the plan of the given steps (numbered in order) from prog.
func (h *harness) run(prog *runbook.RunProgress, steps ...runbook.Step) (runbook.RunStatus, error) {
	return h.runCtx(context.Background(), prog, steps...)
}

func (h *harness) runCtx(ctx context.Context, prog *runbook.RunProgress, steps ...runbook.Step) (runbook.RunStatus, error) {
	plan := &runbook.Plan{Goal: opts.Goal, Steps: steps}
	return engine.New(h.cfg).Run(ctx, plan, prog)
}

// mustRun runs and fails the test on an error or another status.
func (h *harness) mustRun(want runbook.RunStatus, prog *runbook.RunProgress, steps ...runbook.Step) {
	h.t.Helper()
	status, err := h.run(prog, steps...)
	if err != nil {
		h.t.Fatalf("Run: %v\nevents:\n%s", err, strings.Join(trace(h.rec.events), "\n"))
	}
	if status != want {
		h.t.Fatalf("status %s, want %s\nevents:\n%s", status, want, strings.Join(trace(h.rec.events), "\n"))
	}
}

// ---- steps ----------------------------------------------------------------

func pauseStep(id, node string) runbook.Step {
	return runbook.Step{ID: id, Kind: runbook.KindPauseNode, Node: node, Shell: runbook.ShellCmd, Exec: runbook.ExecCommands,
		Commands: []string{runbook.PauseNodeCommand(node)}, Outage: runbook.OutageNone, Confirm: runbook.ConfirmKey,
		Post: runbook.Post{NodeState: runbook.NodePaused, Text: node + " shows Paused"}}
}

func resumeStep(id, node string) runbook.Step {
	return runbook.Step{ID: id, Kind: runbook.KindResumeNode, Node: node, Shell: runbook.ShellCmd, Exec: runbook.ExecCommands,
		Commands: []string{runbook.ResumeNodeCommand(node)}, Outage: runbook.OutageNone, Confirm: runbook.ConfirmKey,
		Post: runbook.Post{NodeState: runbook.NodeUp, Text: node + " shows Up"}}
}

func setupStep(id, node string) runbook.Step {
	return runbook.Step{ID: id, Kind: runbook.KindSetupUpgrade, Node: node, Shell: runbook.ShellCmd, Exec: runbook.ExecJob,
		Commands: []string{runbook.SetupUpgradeCommand(media)}, Outage: runbook.OutageNone, Confirm: runbook.ConfirmKey,
		Post: runbook.Post{NodeBuild: runbook.BuildSP2.String(), Text: node + " runs SP2"}}
}

func rollupStep(id, node string) runbook.Step {
	return runbook.Step{ID: id, Kind: runbook.KindInstallRollup, Node: node, Shell: runbook.ShellCmd, Exec: runbook.ExecJob,
		Commands: []string{runbook.InstallRollupCommand(`C:\ru.msp`)}, Outage: runbook.OutageNone, Confirm: runbook.ConfirmKey,
		Post: runbook.Post{ExitCodes: []int{0, 3010, 1641}, NodeBuild: "8.2.217.3", Text: node + " runs SP2 RU1"}}
}

func rebootStep(id, node string, when runbook.Condition) runbook.Step {
	return runbook.Step{ID: id, Kind: runbook.KindRebootNode, Node: node, Shell: runbook.ShellCmd, Exec: runbook.ExecReboot, When: when,
		Commands: []string{runbook.RebootCommand(runbook.ReasonPlannedOther, "cmsrunbook: test on "+node)}, Outage: runbook.OutageNone, Confirm: runbook.ConfirmKey,
		Post: runbook.Post{BootChanged: true, Text: node + " restarted"}}
}

func stopCMSStep(id string) runbook.Step {
	return runbook.Step{ID: id, Kind: runbook.KindStopCMS, Node: node1, CMS: cms, Shell: runbook.ShellPowerShell, Exec: runbook.ExecCommands,
		Commands: []string{runbook.StopCMSCommand(cms, "test")}, Outage: runbook.OutageStarts, Confirm: runbook.ConfirmTyped,
		Post: runbook.Post{CMS: cms, CMSState: runbook.GroupOffline, Text: cms + " is Offline"}}
}

// moveCMSStep is the service-pack move of a stopped CMS, with the cluster
// tools as manual fallback.
func moveCMSStep(id, target string) runbook.Step {
	return runbook.Step{ID: id, Kind: runbook.KindMoveCMS, Node: node1, CMS: cms, Target: target, Shell: runbook.ShellPowerShell, Exec: runbook.ExecCommands,
		Commands: []string{runbook.MoveCMSCommand(cms, target, "test")}, Outage: runbook.OutageDuring, Confirm: runbook.ConfirmKey,
		Post:     runbook.Post{CMS: cms, CMSOwner: target, Text: cms + " is owned by " + target},
		Fallback: []string{runbook.MoveGroupCommand(cms, target, 300)}, FallbackShell: runbook.ShellCmd, FallbackWarning: "skips Exchange's checks"}
}

// handoffStep moves a running CMS: a brief outage.
func handoffStep(id, target string) runbook.Step {
	s := moveCMSStep(id, target)
	s.Outage, s.Confirm = runbook.OutageBrief, runbook.ConfirmTyped
	s.Post = runbook.Post{CMS: cms, CMSOwner: target, CMSState: runbook.GroupOnline, Text: cms + " is Online on " + target}
	return s
}

func startCMSStep(id, node string, when runbook.Condition) runbook.Step {
	return runbook.Step{ID: id, Kind: runbook.KindStartCMS, Node: node, CMS: cms, Shell: runbook.ShellPowerShell, Exec: runbook.ExecCommands, When: when,
		Commands: []string{runbook.StartCMSCommand(cms)}, Outage: runbook.OutageEnds, Confirm: runbook.ConfirmKey,
		Post: runbook.Post{CMS: cms, CMSState: runbook.GroupOnline, Text: cms + " is Online"}}
}

// ---- Setup.com transcripts ------------------------------------------------

var setupOK = []string{
	"Preparing Exchange Setup",
	"Mailbox Role ...................................... COMPLETED",
	"The Microsoft Exchange Server setup operation completed successfully.",
}

var setupFailed = []string{
	"Preparing Exchange Setup",
	"Mailbox Role ...................................... FAILED",
	"     Installing product failed. Fatal error during installation. Error code is 1603.",
	"Exchange Server setup encountered an error.",
}

// ---- reading the events ---------------------------------------------------

// trace renders the transition events (not output) one per line: event,
// step and what identifies the transition.
func trace(events []runbook.Event) []string {
	var out []string
	for _, ev := range events {
		if ev.Event == runbook.EvOutput {
			continue
		}
		out = append(out, line(ev))
	}
	return out
}

func line(ev runbook.Event) string {
	s := string(ev.Event) + " " + ev.Step
	switch ev.Event {
	case runbook.EvStepConfirmed:
		s += " by=" + ev.By
		if ev.Typed != "" {
			s += " typed=" + ev.Typed
		}
	case runbook.EvStepStarted:
		s += fmt.Sprintf(" #%d", ev.Attempt)
		if ev.Manual {
			s += " manual"
		}
		if ev.Commands == nil {
			s += " (no commands)"
		}
	case runbook.EvStepSucceeded:
		s += fmt.Sprintf(" #%d", ev.Attempt)
		if ev.Message != "" {
			s += " (" + ev.Message + ")"
		}
	case runbook.EvStepFailed:
		s += fmt.Sprintf(" #%d", ev.Attempt)
		if ev.Diagnosis != nil {
			s += " " + ev.Diagnosis.Code
		}
	case runbook.EvStepSkipped:
		s += ": " + ev.Reason
		if ev.By != "" {
			s += " by=" + ev.By
		}
	case runbook.EvDecision:
		s += " " + ev.Choice + " by=" + ev.By
	case runbook.EvOutput:
		s += ": " + ev.Text
	}
	return s
}

// outputs lists the text of the output events.
func outputs(events []runbook.Event) []string {
	var out []string
	for _, ev := range events {
		if ev.Event == runbook.EvOutput {
			out = append(out, ev.Text)
		}
	}
	return out
}

// find returns the events of a type, in order.
func find(events []runbook.Event, t runbook.EventType) []runbook.Event {
	var out []runbook.Event
	for _, ev := range events {
		if ev.Event == t {
			out = append(out, ev)
		}
	}
	return out
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// regression fails a test on the exact symptom of an engine bug fixed
// since (the message says what used to happen and why).
func regression(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Fatalf("REGRESSION: "+format, args...)
}
