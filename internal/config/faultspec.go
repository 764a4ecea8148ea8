package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"cmsrunbook/runbook"
)

// FaultSpecSyntax is how --fault is written.
const FaultSpecSyntax = "KIND@STEP[:NODE][xTIMES]"

// faultSpecRE splits KIND@STEP[:NODE]; TIMES is taken off the end apart,
// since a node's name may itself end in x and digits.
var faultSpecRE = regexp.MustCompile(`^([A-Za-z-]+)(?:@([A-Za-z-]+))?(?::(.+))?$`)

// timesRE is a trailing xTIMES.
var timesRE = regexp.MustCompile(`^(.*?)x([0-9]+)$`)

// ParseFaultSpec reads one --fault KIND@STEP[:NODE][xTIMES] against the
// scenario's cluster and goal, with the same rules as a faults: entry of
// a scenario file: the kind must be one of FaultKinds, the step one it can
// happen in (absent: the kind's natural step for the goal), the node one
// of the cluster's, TIMES from 1 to 100 (absent: 1). Every error is an
// *Error naming the spec and listing the kinds with their steps (and the
// nodes, when the node is wrong).
func ParseFaultSpec(spec string, c *runbook.Cluster, goal runbook.Goal) (Fault, error) {
	fail := func(msg string) (Fault, error) {
		return Fault{}, &Error{File: "--fault " + strconv.Quote(spec), Msg: msg + "\n" + FaultSpecHelp(c)}
	}
	s := strings.TrimSpace(spec)
	f := Fault{Times: 1}
	// xTIMES at the end, unless the whole last part is a node's name.
	if m := timesRE.FindStringSubmatch(s); m != nil && !endsInNodeName(s, c) {
		n, err := strconv.Atoi(m[2])
		if err != nil || n < 1 || n > maxFaultTimes {
			return fail(say("TIMES %q is not a number from 1 to %d", m[2], maxFaultTimes))
		}
		s, f.Times = m[1], n
	}
	m := faultSpecRE.FindStringSubmatch(s)
	if m == nil {
		return fail(say("is not written %s", FaultSpecSyntax))
	}
	k, err := ParseFaultKind(strings.ToLower(m[1]))
	if err != nil {
		return fail(err.Error())
	}
	f.Kind = k
	if m[2] == "" {
		f.Step = k.NaturalStep(goal)
	} else {
		st, err := runbook.ParseStepKind(strings.ToLower(m[2]))
		if err != nil {
			return fail(say("step %q is not a step kind", m[2]))
		}
		if !k.Fits(st) {
			return fail(say("a %s fault happens in a %s step, not %s", k, joinKinds(k.Steps()), st))
		}
		f.Step = st
	}
	if m[3] != "" {
		n := c.Node(m[3])
		if n == nil {
			return fail(say("%q is not a node of cluster %s (nodes: %s)", m[3], c.Name, nodeNames(c)))
		}
		f.Node = n.Name
	}
	return f, nil
}

// endsInNodeName reports whether the text after the last ':' is a node's
// name as a whole (BOX12 stays a node, not BO twelve times).
func endsInNodeName(s string, c *runbook.Cluster) bool {
	i := strings.LastIndex(s, ":")
	return i >= 0 && c.Node(s[i+1:]) != nil
}

func nodeNames(c *runbook.Cluster) string {
	names := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		names[i] = n.Name
	}
	return strings.Join(names, ", ")
}

// FaultSpecHelp lists how --fault is written, every kind with the steps
// it happens in, and the cluster's nodes.
func FaultSpecHelp(c *runbook.Cluster) string {
	var b strings.Builder
	// Each line is a message of its own (the CLI translates the lines).
	b.WriteString(say("  write %s, like move-refused@move-cms or reboot-timeout@reboot-node:NODE or setup-fails@setup-upgradex2", FaultSpecSyntax) + "\n")
	b.WriteString(say("  kinds, and the steps they happen in:") + "\n")
	for _, k := range FaultKinds() {
		kind := fmt.Sprintf("%-28s", k)
		if ks := k.Steps(); ks != nil {
			fmt.Fprintf(&b, "    %s %s\n", kind, joinKinds(ks))
		} else {
			b.WriteString(say("    %s any step", kind) + "\n")
		}
	}
	if c != nil && len(c.Nodes) > 0 {
		b.WriteString(say("  nodes: %s", nodeNames(c)))
	}
	return strings.TrimRight(b.String(), "\n")
}

// FormatFaultSpec writes a fault back as --fault takes it, for the
// journal (a resumed rehearsal applies the same faults again).
func FormatFaultSpec(f Fault) string {
	s := string(f.Kind) + "@" + string(f.Step)
	if f.Node != "" {
		s += ":" + f.Node
	}
	if f.Times > 1 {
		s += "x" + strconv.Itoa(f.Times)
	}
	return s
}

// AddFaults parses specs against the scenario and adds them to its
// faults. A fault the scenario (or an earlier spec) already has for the
// same kind, step and node is an error: the trainer meant another one, or
// meant xTIMES.
func AddFaults(sc *Scenario, specs []string) ([]Fault, error) {
	var added []Fault
	for _, spec := range specs {
		f, err := ParseFaultSpec(spec, &sc.Cluster, sc.Goal)
		if err != nil {
			return nil, err
		}
		for _, old := range sc.Faults {
			if old.Kind == f.Kind && old.Step == f.Step && strings.EqualFold(old.Node, f.Node) {
				msg := say("the scenario already has this fault (an earlier --fault); use xTIMES on one fault to make it happen more than once")
				if old.Line > 0 {
					msg = say("the scenario already has this fault (%s line %s); use xTIMES on one fault to make it happen more than once", sc.Path, strconv.Itoa(old.Line))
				}
				return nil, &Error{File: "--fault " + strconv.Quote(spec), Msg: msg}
			}
		}
		sc.Faults = append(sc.Faults, f)
		added = append(added, f)
	}
	return added, nil
}
