// Package report turns plans and run journals into documents for people and
// scripts: the plan as text for the terminal, markdown for a change ticket
// and JSON for scripts (DESIGN section 3), and the end-of-window change
// record read from a run journal (record.go).
package report

import (
	"cmsrunbook/internal/i18n"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"cmsrunbook/runbook"
)

// PlanDoc is what a plan document shows: the cluster as it was found, the
// plan built for it and where it came from.
type PlanDoc struct {
	Source  string // "scenario ccr-2003-sp2" or "inventory site.yaml"
	Cluster runbook.Cluster
	Plan    *runbook.Plan
	// Lang is the language of the words (commands, codes and names are
	// never translated); "" is English.
	Lang i18n.Lang
}

// jsonPlan is the `plan --format json` object of DESIGN section 3.
type jsonPlan struct {
	Goal     runbook.Goal      `json:"goal"`
	Source   string            `json:"source,omitempty"`
	Digest   string            `json:"digest"`
	Blocked  bool              `json:"blocked"`
	Cluster  jsonCluster       `json:"cluster"`
	Findings []runbook.Finding `json:"findings"`
	Steps    []jsonStep        `json:"steps"`
}

// jsonStep is a step as DESIGN section 3 shows it: how the engine carries
// it out (Exec) is the engine's business, recorded in the journal's plan
// but not part of the plan document's contract.
type jsonStep struct {
	runbook.Step
	Exec *struct{} `json:"exec,omitempty"` // shadows Step.Exec; always nil
}

func jsonSteps(steps []runbook.Step) []jsonStep {
	out := make([]jsonStep, len(steps))
	for i, s := range steps {
		out[i] = jsonStep{Step: s}
	}
	return out
}

type jsonCluster struct {
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	OS          string      `json:"os"`
	OSSP        int         `json:"os_sp"`
	Nodes       []jsonNode  `json:"nodes"`
	Groups      []jsonGroup `json:"groups"`
	Replication *jsonRepl   `json:"replication,omitempty"`
	Management  *jsonMgmt   `json:"management_host,omitempty"`
}

type jsonNode struct {
	Name          string `json:"name"`
	State         string `json:"state"`
	Role          string `json:"role"`
	OS            string `json:"os"`
	OSSP          int    `json:"os_sp"`
	Exchange      string `json:"exchange"`
	ExchangeName  string `json:"exchange_name"`
	PendingReboot bool   `json:"pending_reboot"`
}

type jsonGroup struct {
	Name     string `json:"name"`
	Owner    string `json:"owner"`
	State    string `json:"state"`
	CMS      bool   `json:"cms"`
	Exchange string `json:"exchange,omitempty"`
}

type jsonRepl struct {
	Healthy     bool `json:"healthy"`
	CopyQueue   int  `json:"copy_queue"`
	ReplayQueue int  `json:"replay_queue"`
}

type jsonMgmt struct {
	OS    string `json:"os"`
	OSSP  int    `json:"os_sp"`
	Tools string `json:"exchange_tools"`
}

// ClusterJSON is the cluster object shared by the plan and check outputs.
func clusterJSON(c *runbook.Cluster) jsonCluster {
	out := jsonCluster{Name: c.Name, Type: string(c.Type), OS: string(c.OS.Family), OSSP: c.OS.SP,
		Nodes: []jsonNode{}, Groups: []jsonGroup{}}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		os := c.NodeOS(n)
		out.Nodes = append(out.Nodes, jsonNode{Name: n.Name, State: string(n.State), Role: role(c, n.Name),
			OS: string(os.Family), OSSP: os.SP, Exchange: n.Build.String(), ExchangeName: runbook.Describe(n.Build), PendingReboot: n.Pending})
	}
	for i := range c.Groups {
		g := &c.Groups[i]
		jg := jsonGroup{Name: g.Name, Owner: g.Owner, State: string(g.State), CMS: g.CMS}
		if g.CMS {
			jg.Exchange = c.CMSBuild(g).String()
		}
		out.Groups = append(out.Groups, jg)
	}
	if c.Type == runbook.CCR {
		out.Replication = &jsonRepl{c.Replication.Healthy, c.Replication.CopyQueue, c.Replication.ReplayQueue}
	}
	if m := c.Management; m != nil {
		out.Management = &jsonMgmt{OS: string(m.OS.Family), OSSP: m.OS.SP, Tools: string(m.Tools)}
	}
	return out
}

func role(c *runbook.Cluster, node string) string {
	if c.IsActive(node) {
		return "active"
	}
	return "passive"
}

// PlanJSON writes the machine-readable plan. check --format json uses the
// same object with the steps left out.
func PlanJSON(w io.Writer, d PlanDoc, withSteps bool) error {
	out := jsonPlan{Goal: d.Plan.Goal, Source: d.Source, Digest: d.Plan.Digest(), Blocked: runbook.Blocking(d.Plan.Findings),
		Cluster: clusterJSON(&d.Cluster), Findings: d.Plan.Findings, Steps: jsonSteps(d.Plan.Steps)}
	if out.Findings == nil {
		out.Findings = []runbook.Finding{}
	}
	if !withSteps {
		out.Steps = nil
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("writing plan JSON: %w", err)
	}
	return nil
}

// clusterLine is "EXCLUS01 (CCR, Windows Server 2003 SP2)".
func clusterLine(c *runbook.Cluster) string {
	return fmt.Sprintf("%s (%s, %s)", c.Name, strings.ToUpper(string(c.Type)), c.OS)
}

// outageSpan says where the outage lies, "steps 7-9" or "none".
func outageSpan(p *runbook.Plan) string {
	var parts []string
	start := 0
	for _, s := range p.Steps {
		switch s.Outage {
		case runbook.OutageStarts:
			start = s.N
		case runbook.OutageEnds:
			if start != 0 {
				parts = append(parts, fmt.Sprintf("steps %d-%d (CMS stopped until /upgradecms brings it back)", start, s.N))
				start = 0
			}
		case runbook.OutageBrief:
			parts = append(parts, fmt.Sprintf("step %d (brief handoff)", s.N))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

func outageLabel(o runbook.Outage) string {
	switch o {
	case runbook.OutageStarts:
		return "OUTAGE STARTS"
	case runbook.OutageDuring:
		return "OUTAGE"
	case runbook.OutageEnds:
		return "OUTAGE ENDS"
	case runbook.OutageBrief:
		return "BRIEF OUTAGE"
	}
	return ""
}

func confirmLabel(s runbook.Step) string {
	if s.Confirm == runbook.ConfirmTyped {
		return "type " + s.CMS + " to confirm"
	}
	return "press y to confirm"
}

func whenLabel(c runbook.Condition) string {
	switch c {
	case runbook.IfRebootRequired:
		return "only if the install asks for a restart"
	case runbook.IfCMSNotOnline:
		return "only if the CMS is not Online afterwards"
	}
	return ""
}

func shellLabel(s runbook.Shell) string {
	switch s {
	case runbook.ShellPowerShell:
		return "Exchange Management Shell"
	case runbook.ShellCmd:
		return "cmd.exe"
	}
	return ""
}

func sevLabel(s runbook.Severity) string {
	switch s {
	case runbook.Block:
		return "BLOCK"
	case runbook.Warn:
		return "WARN"
	}
	return "INFO"
}

// PlanText writes the plan for a person at a terminal.
func PlanText(w io.Writer, d PlanDoc) error {
	c, p := &d.Cluster, d.Plan
	b := &strings.Builder{}
	fmt.Fprintf(b, "%s on %s\n", p.Goal.Label(), clusterLine(c))
	if d.Source != "" {
		fmt.Fprintf(b, "Source: %s   Plan digest: %s\n", d.Source, p.Digest())
	}
	fmt.Fprintf(b, "Outage: %s\n\n", outageSpan(p))
	b.WriteString("Cluster\n")
	for i := range c.Nodes {
		n := &c.Nodes[i]
		fmt.Fprintf(b, "  %-15s %-7s %-7s %-9s %s\n", n.Name, n.State.Display(), role(c, n.Name), c.NodeOS(n).Short(), runbook.Describe(n.Build))
		if owns := ownedNames(c, n.Name); owns != "" {
			b.WriteString(indentWrap(owns, "  "+strings.Repeat(" ", 16), 78))
		}
	}
	if c.Management != nil {
		fmt.Fprintf(b, "  Managed from: %s with %s Exchange tools\n", c.Management.OS, strings.ToUpper(string(c.Management.Tools)))
	}
	b.WriteString("\n")
	if len(p.Findings) > 0 {
		b.WriteString("Findings\n")
		for _, f := range p.Findings {
			node := ""
			if f.Node != "" {
				node = " [" + f.Node + "]"
			}
			fmt.Fprintf(b, "  %-5s %s%s\n", sevLabel(f.Severity), f.Code, node)
			b.WriteString(indentWrap(f.Message, "        ", 78))
			b.WriteString(indentWrap("Remedy: "+f.Remedy, "        ", 78))
		}
		b.WriteString("\n")
	}
	if runbook.Blocking(p.Findings) {
		b.WriteString("BLOCKED: the runbook stops at preflight until the blocking findings are resolved.\n\n")
	}
	b.WriteString("Steps\n")
	if len(p.Steps) == 0 {
		b.WriteString("  (none: this goal is never planned)\n")
	}
	for _, s := range p.Steps {
		node := s.Node
		if node == "" {
			node = "all nodes"
		}
		fmt.Fprintf(b, "%3d. %s\n", s.N, s.Title)
		tags := []string{"on " + node + ", " + string(s.Kind)}
		if l := outageLabel(s.Outage); l != "" {
			tags = append(tags, l)
		}
		if s.Confirm == runbook.ConfirmTyped {
			tags = append(tags, confirmLabel(s))
		}
		if l := whenLabel(s.When); l != "" {
			tags = append(tags, l)
		}
		b.WriteString(indentWrap(tags[0]+bracket(tags[1:]), "     ", 78))
		prompt := "> "
		if s.Shell == runbook.ShellPowerShell {
			prompt = "PS> "
		}
		for _, cmd := range s.Commands {
			fmt.Fprintf(b, "     %s%s\n", prompt, cmd)
		}
		b.WriteString(indentWrap("verify: "+s.Post.Text, "     ", 78))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// bracket renders tags as "  [A] [B]", or nothing.
func bracket(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return "  [" + strings.Join(tags, "] [") + "]"
}

func ownedNames(c *runbook.Cluster, node string) string {
	var out []string
	for _, g := range c.Owned(node) {
		name := g.Name
		if g.CMS {
			name += " (CMS)"
		}
		out = append(out, name)
	}
	if len(out) == 0 {
		return ""
	}
	return "owns " + strings.Join(out, ", ")
}

// indentWrap wraps plain text at width with a hanging indent.
func indentWrap(s, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(s) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	if len(line) > len(indent) {
		b.WriteString(line + "\n")
	}
	return b.String()
}

// findingsTable writes findings as a markdown table, or "None.", for the
// plan and the change record alike.
func findingsTable(b *strings.Builder, fs []runbook.Finding) {
	if len(fs) == 0 {
		b.WriteString("None.\n")
		return
	}
	b.WriteString("| Severity | Code | Node | Finding | Remedy |\n|---|---|---|---|---|\n")
	for _, f := range fs {
		fmt.Fprintf(b, "| %s | `%s` | %s | %s | %s |\n", sevLabel(f.Severity), f.Code, f.Node, mdCell(f.Message), mdCell(f.Remedy))
	}
}

// Wrap wraps plain text at width with a hanging indent (for any command
// that prints prose to a terminal).
func Wrap(s, indent string, width int) string { return indentWrap(s, indent, width) }

// mdCell escapes text for a markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// PlanMarkdown writes the plan as a change-ticket document a change board
// can read: the cluster, the outage, the findings with remedies and every
// step with its node, exact commands, outage marking and check.
func PlanMarkdown(w io.Writer, d PlanDoc) error {
	c, p := &d.Cluster, d.Plan
	b := &strings.Builder{}
	fmt.Fprintf(b, "# Change plan: %s on %s\n\n", p.Goal.Label(), c.Name)
	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(b, "| Cluster | %s |\n", mdCell(clusterLine(c)))
	fmt.Fprintf(b, "| Goal | `%s` (%s) |\n", p.Goal, mdCell(p.Goal.Label()))
	if d.Source != "" {
		fmt.Fprintf(b, "| Source | %s |\n", mdCell(d.Source))
	}
	fmt.Fprintf(b, "| Steps | %d |\n", len(p.Steps))
	fmt.Fprintf(b, "| User-visible outage | %s |\n", mdCell(outageSpan(p)))
	fmt.Fprintf(b, "| Plan digest | `%s` |\n", p.Digest())
	status := "Ready: no blocking finding"
	if runbook.Blocking(p.Findings) {
		status = "**BLOCKED**: the runbook stops at preflight until the blocking findings below are resolved"
	}
	fmt.Fprintf(b, "| Status | %s |\n\n", status)

	b.WriteString("## Cluster before the window\n\n")
	b.WriteString("| Node | State | Role | OS | Exchange | Owns |\n|---|---|---|---|---|---|\n")
	for i := range c.Nodes {
		n := &c.Nodes[i]
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", n.Name, n.State.Display(), role(c, n.Name), mdCell(c.NodeOS(n).String()),
			mdCell(runbook.Describe(n.Build)), mdCell(strings.TrimPrefix(ownedNames(c, n.Name), "owns ")))
	}
	b.WriteString("\n| Group | Owner | State | Clustered mailbox server |\n|---|---|---|---|\n")
	for i := range c.Groups {
		g := &c.Groups[i]
		cms := ""
		if g.CMS {
			cms = "yes, " + runbook.Describe(c.CMSBuild(g))
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", mdCell(g.Name), g.Owner, g.State.Display(), mdCell(cms))
	}
	if c.Type == runbook.CCR {
		r := c.Replication
		h := "Healthy"
		if !r.Healthy {
			h = "not Healthy"
		}
		fmt.Fprintf(b, "\nReplication: %s, copy queue %d, replay queue %d.\n", h, r.CopyQueue, r.ReplayQueue)
	}
	if m := c.Management; m != nil {
		fmt.Fprintf(b, "\nManaged from: %s with %s Exchange management tools.\n", m.OS, strings.ToUpper(string(m.Tools)))
	}

	b.WriteString("\n## Findings\n\n")
	findingsTable(b, p.Findings)

	b.WriteString("\n## Steps\n\n")
	if len(p.Steps) == 0 {
		b.WriteString("None: this goal is never planned (see the findings).\n")
	}
	for _, s := range p.Steps {
		fmt.Fprintf(b, "### %d. %s\n\n", s.N, s.Title)
		node := s.Node
		if node == "" {
			node = "all nodes"
		}
		fmt.Fprintf(b, "- Kind: `%s`; runs on: **%s**\n", s.Kind, node)
		if l := outageLabel(s.Outage); l != "" {
			fmt.Fprintf(b, "- Outage: **%s**\n", l)
		} else {
			b.WriteString("- Outage: none\n")
		}
		fmt.Fprintf(b, "- Confirmation: %s\n", confirmLabel(s))
		if l := whenLabel(s.When); l != "" {
			fmt.Fprintf(b, "- Runs %s\n", l)
		}
		if len(s.Commands) > 0 {
			fmt.Fprintf(b, "- Commands (%s):\n\n  ```\n", shellLabel(s.Shell))
			for _, cmd := range s.Commands {
				fmt.Fprintf(b, "  %s\n", cmd)
			}
			b.WriteString("  ```\n\n")
		}
		fmt.Fprintf(b, "- Verified: %s\n", s.Post.Text)
		if len(s.Fallback) > 0 && s.FallbackWarning != "" {
			fmt.Fprintf(b, "- Manual fallback if it fails: `%s` (%s)\n", strings.Join(s.Fallback, "`, `"), s.FallbackWarning)
		}
		fmt.Fprintf(b, "- Why: %s\n\n", s.Why)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// CheckText writes the findings only, for `check`.
func CheckText(w io.Writer, d PlanDoc) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "%s on %s\n\n", d.Plan.Goal.Label(), clusterLine(&d.Cluster))
	if len(d.Plan.Findings) == 0 {
		b.WriteString("No findings: the cluster is ready.\n")
	}
	for _, f := range d.Plan.Findings {
		node := ""
		if f.Node != "" {
			node = " [" + f.Node + "]"
		}
		fmt.Fprintf(b, "%-5s %s%s\n", sevLabel(f.Severity), f.Code, node)
		b.WriteString(indentWrap(f.Message, "      ", 78))
		b.WriteString(indentWrap("Remedy: "+f.Remedy, "      ", 78))
	}
	if runbook.Blocking(d.Plan.Findings) {
		b.WriteString("\nBLOCKED: resolve the blocking findings before the window.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
