package runbook

// The types below are what crosses the line between the engine and an
// executor (the in-process simulator or WinRM). They live here, in the pure
// package, so the simulator and the WinRM executor can satisfy the engine's
// Executor interface without importing the engine or each other.

// Command is one remote action: a line for cmd.exe or for PowerShell 1.0
// with the Exchange snap-in, on one node.
type Command struct {
	Node  string
	Shell Shell
	Line  string
	// StepID and Kind say which runbook step sent it, so the simulator can
	// apply faults and replayed outputs, and a detached job can be found
	// again after a crash.
	StepID string
	Kind   StepKind
}

// Stream names an output stream.
type Stream string

const (
	Stdout Stream = "stdout"
	Stderr Stream = "stderr"
	// Note is a line the engine itself writes into a step's output (a
	// preflight finding, a wait's progress, the way back's result), never
	// a node's: it is recorded in English like the rest of the journal and
	// the views translate it, where a node's own words are never touched.
	Note Stream = "note"
)

// OutputLine is one line of a node's output, without its line ending.
type OutputLine struct {
	Stream Stream
	Text   string
}

// ExecResult is how a command ended.
type ExecResult struct {
	ExitCode int
}

// JobState is a detached job's state on its node (Setup.com, msiexec,
// hotfixes run outside the WinRM shell and write a log and an exit code).
type JobState struct {
	Found    bool
	Running  bool
	ExitCode int   // valid when Found and not Running
	Size     int64 // bytes of log written so far
	// Why a job ended without an exit code (ExitCode -1): "restarted"
	// (the node booted under it), "notstarted", "gone"; "" otherwise.
	Why string
}

// NodeFacts are the facts about a node the cluster model does not carry.
type NodeFacts struct {
	// Reachable: the node answers (WinRM up).
	Reachable bool
	// ClusterService: the Cluster service answers on the node.
	ClusterService bool
	// BootID changes on every boot (the boot time, formatted).
	BootID string
}

// Observation is the live state of the cluster as the executor read it.
type Observation struct {
	Cluster Cluster
	// Facts per node, keyed by the node name in upper case.
	Facts map[string]NodeFacts
}

// Fact returns a node's facts (zero when unknown).
func (o *Observation) Fact(node string) NodeFacts {
	if o.Facts == nil {
		return NodeFacts{}
	}
	return o.Facts[upper(node)]
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// Errors an executor returns that the engine diagnoses specially. Executors
// wrap them, so errors.Is works.
var (
	// ErrConnectionLost: the node stopped answering outside a reboot.
	ErrConnectionLost = execError("connection to the node lost")
	// ErrAuthFailed: the node refused the credentials.
	ErrAuthFailed = execError("credentials refused")
)

type execError string

func (e execError) Error() string { return string(e) }
