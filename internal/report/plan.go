// Package report turns plans and run journals into documents for people and
// scripts: the plan as text for the terminal, markdown for a change ticket
// and JSON for scripts (DESIGN section 3), and the end-of-window change
// record read from a run journal (record.go).
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"

	"github.com/charmbracelet/x/ansi"
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

// role is a node's role as the JSON says it ("active", "passive"); a
// view shows it through Printer.Text.
func role(c *runbook.Cluster, node string) string {
	if c.IsActive(node) {
		return i18n.N("active")
	}
	return i18n.N("passive")
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
func outageSpan(pr *i18n.Printer, p *runbook.Plan) string {
	var parts []string
	start := 0
	for _, s := range p.Steps {
		switch s.Outage {
		case runbook.OutageStarts:
			start = s.N
		case runbook.OutageEnds:
			if start != 0 {
				parts = append(parts, pr.Tr("steps %d-%d (CMS stopped until /upgradecms brings it back)", start, s.N))
				start = 0
			}
		case runbook.OutageBrief:
			parts = append(parts, pr.Tr("step %d (brief handoff)", s.N))
		}
	}
	if len(parts) == 0 {
		return pr.Tr("none")
	}
	return strings.Join(parts, "; ")
}

// outageLabel, whenLabel, shellLabel and sevLabel are English (the change
// record quotes them too); a view shows them through Printer.Text.
func outageLabel(o runbook.Outage) string {
	switch o {
	case runbook.OutageStarts:
		return i18n.N("OUTAGE STARTS")
	case runbook.OutageDuring:
		return i18n.N("OUTAGE")
	case runbook.OutageEnds:
		return i18n.N("OUTAGE ENDS")
	case runbook.OutageBrief:
		return i18n.N("BRIEF OUTAGE")
	}
	return ""
}

func confirmLabel(pr *i18n.Printer, s runbook.Step) string {
	if s.Confirm == runbook.ConfirmTyped {
		return pr.Tr("type %s to confirm", s.CMS)
	}
	return pr.Tr("press y to confirm")
}

func whenLabel(c runbook.Condition) string {
	switch c {
	case runbook.IfRebootRequired:
		return i18n.N("only if the install asks for a restart")
	case runbook.IfCMSNotOnline:
		return i18n.N("only if the CMS is not Online afterwards")
	}
	return ""
}

func shellLabel(s runbook.Shell) string {
	switch s {
	case runbook.ShellPowerShell:
		return i18n.N("Exchange Management Shell")
	case runbook.ShellCmd:
		return "cmd.exe"
	}
	return ""
}

// goalLine is "Exchange 2007 SP2 on EXCLUS01 (CCR, Windows Server 2003 SP2)".
func goalLine(pr *i18n.Printer, g runbook.Goal, c *runbook.Cluster) string {
	return pr.Tr("%s on %s (%s, %s)", pr.Text(g.Label()), c.Name, strings.ToUpper(string(c.Type)), pr.Text(c.OS.String()))
}

// printer is the Printer of a document's language; "" is English.
func printer(l i18n.Lang) *i18n.Printer {
	if l == "" {
		l = i18n.English
	}
	return i18n.For(l)
}

// pad left-aligns s in a column of width display cells (fmt's %-7s counts
// runes, which misaligns double-width text).
func pad(s string, width int) string {
	if w := ansi.StringWidth(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}

// PlanText writes the plan for a person at a terminal, in d.Lang.
func PlanText(w io.Writer, d PlanDoc) error {
	c, p := &d.Cluster, d.Plan
	pr := printer(d.Lang)
	b := &strings.Builder{}
	b.WriteString(longLine(pr, "", goalLine(pr, p.Goal, c)))
	if d.Source != "" {
		b.WriteString(longLine(pr, "", pr.Tr("Source: %s   Plan digest: %s", pr.Text(d.Source), p.Digest())))
	}
	b.WriteString(longLine(pr, "", pr.Tr("Outage: %s", outageSpan(pr, p))) + "\n")
	b.WriteString(pr.Tr("Cluster") + "\n")
	// English keeps its fixed columns; translated words may be wider.
	stateW, roleW, osW := 7, 7, 9
	if pr.Lang() != i18n.English {
		for i := range c.Nodes {
			n := &c.Nodes[i]
			stateW = max(stateW, ansi.StringWidth(pr.Text(n.State.Display())))
			roleW = max(roleW, ansi.StringWidth(pr.Text(role(c, n.Name))))
			osW = max(osW, ansi.StringWidth(pr.Text(c.NodeOS(n).Short())))
		}
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		fmt.Fprintf(b, "  %s %s %s %s %s\n", pad(n.Name, 15), pad(pr.Text(n.State.Display()), stateW), pad(pr.Text(role(c, n.Name)), roleW),
			pad(pr.Text(c.NodeOS(n).Short()), osW), pr.Text(runbook.Describe(n.Build)))
		if owns := ownedNames(pr, c, n.Name); owns != "" {
			b.WriteString(indentWrap(pr.Tr("owns %s", owns), "  "+strings.Repeat(" ", 16), 78))
		}
	}
	if c.Management != nil {
		b.WriteString(longLine(pr, "  ", pr.Tr("Managed from: %s with %s Exchange tools", pr.Text(c.Management.OS.String()), strings.ToUpper(string(c.Management.Tools)))))
	}
	b.WriteString("\n")
	if len(p.Findings) > 0 {
		b.WriteString(pr.Tr("Findings") + "\n")
		for _, f := range p.Findings {
			node := ""
			if f.Node != "" {
				node = " [" + f.Node + "]"
			}
			fmt.Fprintf(b, "  %s %s%s\n", pad(pr.Text(f.Severity.Label()), 5), f.Code, node)
			b.WriteString(indentWrap(pr.Text(f.Message), "        ", 78))
			b.WriteString(indentWrap(pr.Tr("Remedy: %s", pr.Text(f.Remedy)), "        ", 78))
		}
		b.WriteString("\n")
	}
	if runbook.Blocking(p.Findings) {
		b.WriteString(longLine(pr, "", pr.Tr("BLOCKED: the runbook stops at preflight until the blocking findings are resolved.")) + "\n")
	}
	b.WriteString(pr.Tr("Steps") + "\n")
	if len(p.Steps) == 0 {
		b.WriteString("  " + pr.Tr("(none: this goal is never planned)") + "\n")
	}
	for _, s := range p.Steps {
		node := s.Node
		if node == "" {
			node = pr.Tr("all nodes")
		}
		b.WriteString(longLine(pr, fmt.Sprintf("%3d. ", s.N), pr.Text(s.Title)))
		tags := []string{pr.Tr("on %s, %s", node, string(s.Kind))}
		if l := outageLabel(s.Outage); l != "" {
			tags = append(tags, pr.Text(l))
		}
		if s.Confirm == runbook.ConfirmTyped {
			tags = append(tags, confirmLabel(pr, s))
		}
		if l := whenLabel(s.When); l != "" {
			tags = append(tags, pr.Text(l))
		}
		b.WriteString(indentWrap(tags[0]+bracket(tags[1:]), "     ", 78))
		prompt := "> "
		if s.Shell == runbook.ShellPowerShell {
			prompt = "PS> "
		}
		for _, cmd := range s.Commands {
			fmt.Fprintf(b, "     %s%s\n", prompt, cmd)
		}
		b.WriteString(indentWrap(pr.Tr("verify: %s", pr.Text(s.Post.Text)), "     ", 78))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// longLine is a line the English plan has always printed whole (a step
// title, the BLOCKED line): English keeps it so, other languages wrap it
// at 78 cells (when it does not fit) under a hanging indent as wide as
// first.
func longLine(pr *i18n.Printer, first, s string) string {
	if pr.Lang() == i18n.English || ansi.StringWidth(first+s) <= 78 {
		return first + s + "\n"
	}
	return indentWrapFirst(first, s, strings.Repeat(" ", ansi.StringWidth(first)), 78)
}

// bracket renders tags as "  [A] [B]", or nothing.
func bracket(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return "  [" + strings.Join(tags, "] [") + "]"
}

// ownedNames lists the groups a node owns, "G1, EXCMS01 (CMS)", or "".
func ownedNames(pr *i18n.Printer, c *runbook.Cluster, node string) string {
	var out []string
	for _, g := range c.Owned(node) {
		name := g.Name
		if g.CMS {
			name = pr.Tr("%s (CMS)", name)
		}
		out = append(out, name)
	}
	return strings.Join(out, ", ")
}

// indentWrap wraps plain text at width display cells with a hanging
// indent. Words are kept whole where they fit; a word wider than a line,
// and text without spaces in double-width scripts (Japanese), is broken
// between characters, never inside one.
func indentWrap(s, indent string, width int) string {
	return indentWrapFirst(indent, s, indent, width)
}

// indentWrapFirst is indentWrap with a different prefix on the first line
// ("  1. "), of the same width as indent.
func indentWrapFirst(first, s, indent string, width int) string {
	var b strings.Builder
	line := first
	lineW, prefixW := ansi.StringWidth(first), ansi.StringWidth(first)
	newLine := func() {
		b.WriteString(line + "\n")
		line = indent
		lineW, prefixW = ansi.StringWidth(indent), ansi.StringWidth(indent)
	}
	// put adds a piece (a word, or a piece of text without spaces) after
	// sep, on a new line if it does not fit, broken between characters if
	// it is wider than a whole line.
	put := func(piece string, sep bool) {
		pw := ansi.StringWidth(piece)
		gap := 0
		if sep && lineW > prefixW {
			gap = 1
		}
		if lineW+gap+pw > width && lineW > prefixW {
			newLine()
			gap = 0
		}
		if gap == 1 {
			line += " "
			lineW++
		}
		if lineW+pw <= width {
			line += piece
			lineW += pw
			return
		}
		for _, r := range piece {
			rw := ansi.StringWidth(string(r))
			if lineW+rw > width && lineW > prefixW {
				newLine()
			}
			line += string(r)
			lineW += rw
		}
	}
	for _, word := range strings.Fields(s) {
		if !wide(word) {
			put(word, true)
			continue
		}
		for i, seg := range segments(word) {
			put(seg, i == 0)
		}
	}
	if lineW > prefixW {
		b.WriteString(line + "\n")
	}
	return b.String()
}

// wide reports whether a word holds double-width characters: text without
// spaces (Japanese) that may be broken between them.
func wide(word string) bool {
	return ansi.StringWidth(word) > len([]rune(word))
}

// segments cuts text without spaces where a line may break: before and
// after each double-width character, but never inside a run of narrow
// ones (a name, a command, a number) and never before closing
// punctuation (、。), a small kana or a closing bracket (i18n.NoLineStart).
func segments(word string) []string {
	var out []string
	cur, curWide := "", false
	for _, r := range word {
		w := ansi.StringWidth(string(r)) > 1
		switch {
		case cur == "":
			cur, curWide = string(r), w
		case i18n.NoLineStart(r) || strings.ContainsRune(")]},.:;!?", r) && curWide:
			cur += string(r) // no line starts with it
		case !w && !curWide:
			cur += string(r)
		default:
			out = append(out, cur)
			cur, curWide = string(r), w
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// findingsTableIn writes findings as a markdown table, or "None.", for
// the plan and the change record alike, in pr's language (nil: English).
func findingsTableIn(b *strings.Builder, pr *i18n.Printer, fs []runbook.Finding) {
	if len(fs) == 0 {
		b.WriteString(pr.Tr("None.") + "\n")
		return
	}
	b.WriteString(pr.Tr("| Severity | Code | Node | Finding | Remedy |") + "\n|---|---|---|---|---|\n")
	for _, f := range fs {
		fmt.Fprintf(b, "| %s | `%s` | %s | %s | %s |\n", pr.Text(f.Severity.Label()), f.Code, f.Node, mdCell(pr.Lines(f.Message)), mdCell(pr.Lines(f.Remedy)))
	}
}

// Wrap wraps plain text at width display cells with a hanging indent (for
// any command that prints prose to a terminal); Japanese text, which has
// no spaces, is broken between characters.
func Wrap(s, indent string, width int) string { return indentWrap(s, indent, width) }

// mdCell escapes text for a markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// PlanMarkdown writes the plan as a change-ticket document a change board
// can read: the cluster, the outage, the findings with remedies and every
// step with its node, exact commands, outage marking and check; in d.Lang,
// with the commands, codes and names as they are.
func PlanMarkdown(w io.Writer, d PlanDoc) error {
	c, p := &d.Cluster, d.Plan
	pr := printer(d.Lang)
	b := &strings.Builder{}
	b.WriteString("# " + pr.Tr("Change plan: %s on %s", pr.Text(p.Goal.Label()), c.Name) + "\n\n")
	b.WriteString("| | |\n|---|---|\n")
	fmt.Fprintf(b, "| %s | %s |\n", pr.Tr("Cluster"), mdCell(clusterLine(c)))
	fmt.Fprintf(b, "| %s | `%s` (%s) |\n", pr.Tr("Goal"), p.Goal, mdCell(pr.Text(p.Goal.Label())))
	if d.Source != "" {
		fmt.Fprintf(b, "| %s | %s |\n", pr.Tr("Source"), mdCell(pr.Text(d.Source)))
	}
	fmt.Fprintf(b, "| %s | %d |\n", pr.Tr("Steps"), len(p.Steps))
	fmt.Fprintf(b, "| %s | %s |\n", pr.Tr("User-visible outage"), mdCell(outageSpan(pr, p)))
	fmt.Fprintf(b, "| %s | `%s` |\n", pr.Tr("Plan digest"), p.Digest())
	status := pr.Tr("Ready: no blocking finding")
	if runbook.Blocking(p.Findings) {
		status = pr.Tr("**BLOCKED**: the runbook stops at preflight until the blocking findings below are resolved")
	}
	fmt.Fprintf(b, "| %s | %s |\n\n", pr.Tr("Status"), status)

	b.WriteString("## " + pr.Tr("Cluster before the window") + "\n\n")
	b.WriteString(pr.Tr("| Node | State | Role | OS | Exchange | Owns |") + "\n|---|---|---|---|---|---|\n")
	for i := range c.Nodes {
		n := &c.Nodes[i]
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s |\n", n.Name, pr.Text(n.State.Display()), pr.Text(role(c, n.Name)), mdCell(pr.Text(c.NodeOS(n).String())),
			mdCell(pr.Text(runbook.Describe(n.Build))), mdCell(ownedNames(pr, c, n.Name)))
	}
	b.WriteString("\n" + pr.Tr("| Group | Owner | State | Clustered mailbox server |") + "\n|---|---|---|---|\n")
	for i := range c.Groups {
		g := &c.Groups[i]
		cms := ""
		if g.CMS {
			cms = pr.Tr("yes, %s", pr.Text(runbook.Describe(c.CMSBuild(g))))
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", mdCell(g.Name), g.Owner, pr.Text(g.State.Display()), mdCell(cms))
	}
	if c.Type == runbook.CCR {
		r := c.Replication
		cq, rq := strconv.Itoa(r.CopyQueue), strconv.Itoa(r.ReplayQueue)
		line := pr.Tr("Replication: Healthy, copy queue %s, replay queue %s.", cq, rq)
		if !r.Healthy {
			line = pr.Tr("Replication: not Healthy, copy queue %s, replay queue %s.", cq, rq)
		}
		b.WriteString("\n" + line + "\n")
	}
	if m := c.Management; m != nil {
		b.WriteString("\n" + pr.Tr("Managed from: %s with %s Exchange management tools.", pr.Text(m.OS.String()), strings.ToUpper(string(m.Tools))) + "\n")
	}

	b.WriteString("\n## " + pr.Tr("Findings") + "\n\n")
	findingsTableIn(b, pr, p.Findings)

	b.WriteString("\n## " + pr.Tr("Steps") + "\n\n")
	if len(p.Steps) == 0 {
		b.WriteString(pr.Tr("None: this goal is never planned (see the findings).") + "\n")
	}
	for _, s := range p.Steps {
		fmt.Fprintf(b, "### %d. %s\n\n", s.N, pr.Text(s.Title))
		node := s.Node
		if node == "" {
			node = pr.Tr("all nodes")
		}
		b.WriteString("- " + pr.Tr("Kind: `%s`; runs on: **%s**", string(s.Kind), node) + "\n")
		if l := outageLabel(s.Outage); l != "" {
			b.WriteString("- " + pr.Tr("Outage: **%s**", pr.Text(l)) + "\n")
		} else {
			b.WriteString("- " + pr.Tr("Outage: none") + "\n")
		}
		b.WriteString("- " + pr.Tr("Confirmation: %s", confirmLabel(pr, s)) + "\n")
		if l := whenLabel(s.When); l != "" {
			b.WriteString("- " + pr.Tr("Runs %s", pr.Text(l)) + "\n")
		}
		if len(s.Commands) > 0 {
			b.WriteString("- " + pr.Tr("Commands (%s):", pr.Text(shellLabel(s.Shell))) + "\n\n  ```\n")
			for _, cmd := range s.Commands {
				fmt.Fprintf(b, "  %s\n", cmd)
			}
			b.WriteString("  ```\n\n")
		}
		b.WriteString("- " + pr.Tr("Verified: %s", pr.Text(s.Post.Text)) + "\n")
		if len(s.Fallback) > 0 && s.FallbackWarning != "" {
			b.WriteString("- " + pr.Tr("Manual fallback if it fails: `%s` (%s)", strings.Join(s.Fallback, "`, `"), pr.Text(s.FallbackWarning)) + "\n")
		}
		b.WriteString("- " + pr.Tr("Why: %s", pr.Text(s.Why)) + "\n\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// CheckText writes the findings only, for `check`, in d.Lang.
func CheckText(w io.Writer, d PlanDoc) error {
	pr := printer(d.Lang)
	b := &strings.Builder{}
	b.WriteString(longLine(pr, "", goalLine(pr, d.Plan.Goal, &d.Cluster)) + "\n")
	if len(d.Plan.Findings) == 0 {
		b.WriteString(pr.Tr("No findings: the cluster is ready.") + "\n")
	}
	for _, f := range d.Plan.Findings {
		node := ""
		if f.Node != "" {
			node = " [" + f.Node + "]"
		}
		fmt.Fprintf(b, "%s %s%s\n", pad(pr.Text(f.Severity.Label()), 5), f.Code, node)
		b.WriteString(indentWrap(pr.Text(f.Message), "      ", 78))
		b.WriteString(indentWrap(pr.Tr("Remedy: %s", pr.Text(f.Remedy)), "      ", 78))
	}
	if runbook.Blocking(d.Plan.Findings) {
		b.WriteString("\n" + longLine(pr, "", pr.Tr("BLOCKED: resolve the blocking findings before the window.")))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
