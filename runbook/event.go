package runbook

// Event is one line of the run record (DESIGN section 8). The engine emits
// events; the journal writes them as JSONL, the headless printer and the TUI
// show them, and the report and resume read them back. One type, so every
// reader sees exactly what was recorded.
type Event struct {
	Seq   int64     `json:"seq"`
	Time  string    `json:"time"` // RFC 3339 with milliseconds, stamped by the engine's clock
	Event EventType `json:"event"`
	Step  string    `json:"step,omitempty"`
	Kind  StepKind  `json:"kind,omitempty"`
	Node  string    `json:"node,omitempty"`

	// run-started
	Goal     Goal              `json:"goal,omitempty"`
	Source   string            `json:"source,omitempty"`  // scenario name or file, or inventory path
	Options  map[string]string `json:"options,omitempty"` // what resume needs (speed, seed, on-failure, ...)
	Operator string            `json:"operator,omitempty"`
	Digest   string            `json:"digest,omitempty"`
	Plan     []Step            `json:"plan,omitempty"`
	Cluster  *Cluster          `json:"cluster,omitempty"` // run-started: before; run-finished: after

	// finding
	Finding *Finding `json:"finding,omitempty"`

	// step-confirmed, decision
	By     string `json:"by,omitempty"`     // who confirmed: the operator, or "--yes"
	Typed  string `json:"typed,omitempty"`  // what was typed for a typed confirmation
	Choice string `json:"choice,omitempty"` // decision: retry, manual, skip, abort, wait

	// step-started: the attempt and, for detached steps, the job.
	Attempt  int      `json:"attempt,omitempty"`
	Job      string   `json:"job,omitempty"`
	Commands []string `json:"commands,omitempty"`
	Manual   bool     `json:"manual,omitempty"` // the manual fallback was run
	// Boot is the node's boot ID before a reboot step, so a resume can
	// tell whether the reboot already happened.
	Boot string `json:"boot,omitempty"`

	// output
	Stream Stream `json:"stream,omitempty"`
	Text   string `json:"text,omitempty"`
	Offset int64  `json:"offset,omitempty"` // detached jobs: log bytes read so far

	// step-succeeded, step-failed
	ExitCode   *int       `json:"exit_code,omitempty"`
	DurationMS int64      `json:"duration_ms,omitempty"`
	Diagnosis  *Diagnosis `json:"diagnosis,omitempty"`

	// step-skipped
	Reason string `json:"reason,omitempty"`

	// run-finished; outage-started, outage-ended
	Status   RunStatus `json:"status,omitempty"`
	OutageMS int64     `json:"outage_ms,omitempty"`
	Message  string    `json:"message,omitempty"`
}

// EventType is the `event` field.
type EventType string

const (
	EvRunStarted    EventType = "run-started"
	EvRunResumed    EventType = "run-resumed"
	EvFinding       EventType = "finding"
	EvStepConfirmed EventType = "step-confirmed"
	EvStepStarted   EventType = "step-started"
	EvOutput        EventType = "output"
	EvStepSucceeded EventType = "step-succeeded"
	EvStepFailed    EventType = "step-failed"
	EvStepSkipped   EventType = "step-skipped"
	EvDecision      EventType = "decision"
	EvOutageStarted EventType = "outage-started"
	EvOutageEnded   EventType = "outage-ended"
	EvRunFinished   EventType = "run-finished"
	// EvRunInterrupted records why the process stopped without finishing
	// (a signal, a closed session, input that ended): the run is resumable.
	EvRunInterrupted EventType = "run-interrupted"
)

// RunStatus is how a run ended.
type RunStatus string

const (
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"
	RunAborted   RunStatus = "aborted"
)

// Diagnosis explains a failed step: what happened, why it matters, the
// output lines that show it, and the remedies a person (or --on-failure)
// can choose from.
type Diagnosis struct {
	Code     string   `json:"code"`
	Message  string   `json:"message"`
	Why      string   `json:"why,omitempty"`
	Lines    []string `json:"lines,omitempty"`
	Remedies []Remedy `json:"remedies"`
}

// RemedyAction is what the engine does for a remedy.
type RemedyAction string

const (
	RemedyRetry  RemedyAction = "retry"  // re-read live state, then run the step again if it still does not hold
	RemedyWait   RemedyAction = "wait"   // keep waiting (a reboot, a queue draining), then re-check
	RemedyManual RemedyAction = "manual" // run the step's manual fallback command
	RemedySkip   RemedyAction = "skip"   // record the skip and go on
	RemedyAbort  RemedyAction = "abort"  // stop the run; nothing else is sent
	RemedyMount  RemedyAction = "mount"  // mount the dismounted databases, then re-check
	// The ways back while a CMS is down: start it where it is, or move it
	// back to the node it came from and start it there.
	RemedyStartCMS RemedyAction = "start"
	RemedyMoveBack RemedyAction = "move-back"
)

// Remedy is one choice offered on a failure.
type Remedy struct {
	Action  RemedyAction `json:"action"`
	Key     string       `json:"key"` // r, w, m, s, a, d
	Label   string       `json:"label"`
	Command string       `json:"command,omitempty"` // exact command it runs or a person should run
	Warning string       `json:"warning,omitempty"`
	// Commands, Node and Shell are what the remedy sends, for the remedies
	// that change the cluster (manual fallback, mount, the ways back): the
	// engine asks for them like a step and runs exactly these.
	Commands []string `json:"commands,omitempty"`
	Node     string   `json:"node,omitempty"`
	Shell    Shell    `json:"shell,omitempty"`
}

// Sends reports a remedy that sends commands to the cluster.
func (r Remedy) Sends() bool { return len(r.Commands) > 0 }
