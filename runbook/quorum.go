package runbook

import "errors"

// QuorumModel is how a Windows cluster keeps quorum (PROCEDURES: a 2003
// CCR uses a majority node set with a file share witness; an SCC a shared
// quorum disk).
type QuorumModel string

const (
	QuorumUnknown      QuorumModel = ""
	QuorumNodeMajority QuorumModel = "node-majority" // majority node set, no witness
	QuorumMNSFSW       QuorumModel = "mns-fsw"       // majority node set with a file share witness
	QuorumDisk         QuorumModel = "disk"          // a shared quorum disk
)

// ParseQuorumModel validates a model from a file.
func ParseQuorumModel(s string) (QuorumModel, error) {
	switch m := QuorumModel(s); m {
	case QuorumNodeMajority, QuorumMNSFSW, QuorumDisk:
		return m, nil
	}
	return "", errors.New(say("quorum model %q is not one of node-majority, mns-fsw, disk", s))
}

// WitnessState is the state of the file share witness or quorum disk.
type WitnessState string

const (
	WitnessUnknown WitnessState = ""
	WitnessOnline  WitnessState = "online"
	WitnessFailed  WitnessState = "failed"
)

// ParseWitnessState validates a witness state from a file.
func ParseWitnessState(s string) (WitnessState, error) {
	switch w := WitnessState(s); w {
	case WitnessOnline, WitnessFailed:
		return w, nil
	}
	return "", errors.New(say("witness %q is not one of online, failed", s))
}

// Quorum is the cluster's quorum configuration and the witness's state.
type Quorum struct {
	Model   QuorumModel  `json:"model,omitempty"`
	Witness WitnessState `json:"witness,omitempty"`
}

// QuorumLostWithout says why taking node down (a reboot) would lose the
// cluster's quorum, and so take every group down with it; "" when it is
// safe or the model is unknown.
func (c *Cluster) QuorumLostWithout(node string) string {
	up := 0
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if n.State != NodeDown && n.State != NodeJoining && !equalFold(n.Name, node) {
			up++
		}
	}
	total := len(c.Nodes)
	switch c.Quorum.Model {
	case QuorumNodeMajority:
		if up*2 <= total {
			return say("a majority node set of %d nodes keeps quorum only with more than half of them up; without %s only %d would be", total, node, up)
		}
	case QuorumMNSFSW:
		votes := up
		if c.Quorum.Witness == WitnessOnline {
			votes++
		}
		if votes*2 <= total+1 {
			if c.Quorum.Witness == WitnessOnline {
				return say("with the file share witness online, %d of %d votes would remain without %s: quorum is lost", votes, total+1, node)
			}
			return say("with the file share witness failed or unknown, %d of %d votes would remain without %s: quorum is lost", votes, total+1, node)
		}
	case QuorumDisk:
		if c.Quorum.Witness == WitnessFailed {
			return say("the quorum disk has failed; the cluster cannot survive a node leaving")
		}
	}
	return ""
}

func equalFold(a, b string) bool { return upper(a) == upper(b) }
