package config

import (
	"bytes"
	"cmsrunbook/internal/i18n"
	"fmt"
	"regexp"
	"strings"
	"time"

	"cmsrunbook/runbook"
)

// TwinInfo says which real cluster a scenario is the twin of and when it
// was discovered, so a rehearsal's change record can say what it
// rehearsed. A scenario written by hand has none.
type TwinInfo struct {
	// Cluster is the real cluster's name as discovery read it.
	Cluster string
	// Discovered is when the read-only discovery ran.
	Discovered time.Time
}

// Twin is a discovered cluster to be written as a scenario: the world as
// discovery saw it and the window's options (the inventory's, with the
// command line's overrides), so the twin plans exactly like the cluster.
type Twin struct {
	Cluster    runbook.Cluster
	Options    runbook.Options
	Discovered time.Time
}

// TwinName is the scenario name of the twin of cluster: "twin-" and the
// cluster's name in the letters a scenario name allows.
func TwinName(cluster string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(cluster) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	name := strings.Trim("twin-"+b.String(), "-")
	if len(name) > maxScenarioName {
		name = strings.TrimRight(name[:maxScenarioName], "-")
	}
	return name
}

// MarshalTwin renders the twin as a scenario file. It holds only what the
// planner and the simulator read (names, states, builds, owners, the
// quorum, replication, the management host, the goal and its paths) and
// no connection setting: no address, port, user name or password, which
// a scenario has no key for. The result is parsed back before it is
// returned, so a twin that would not load is an error here, not at the
// rehearsal.
func MarshalTwin(t Twin) ([]byte, error) {
	c := t.Cluster
	if err := c.Validate(); err != nil {
		return nil, i18n.Wrap(say("the discovered cluster cannot be a scenario: %s", err.Error()), err)
	}
	when := t.Discovered.UTC()
	var b bytes.Buffer
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# Dress-rehearsal twin of cluster %s, discovered read-only over WinRM on %s.\n", c.Name, when.Format(time.RFC3339))
	w("# It holds no address, user name or password. Rehearse it with the sim command:\n#   sim --scenario THIS-FILE [--fault KIND@STEP[:NODE][xTIMES]]\n")
	w("name: %s\n", TwinName(c.Name))
	w("title: %s\n", yq(fmt.Sprintf("Twin of %s (%s, %d nodes), discovered %s", c.Name, strings.ToUpper(string(c.Type)), len(c.Nodes), when.Format("2006-01-02 15:04 UTC"))))
	w("description: %s\n", yq(twinDescription(c, t.Options, when)))
	w("twin: {cluster: %s, discovered: %s}\n", yq(c.Name), yq(when.Format(time.RFC3339)))
	if t.Options.Goal != "" {
		w("goal: %s\n", t.Options.Goal)
	}
	if m := c.Management; m != nil {
		w("management_host: {os: %s, exchange_tools: %s}\n", m.OS.Family, m.Tools)
	}
	w("cluster: {name: %s, type: %s, os: %s, os_sp: %d}\n", yq(c.Name), c.Type, c.OS.Family, c.OS.SP)
	if c.OS.Locale != "" {
		w("locale: %s\n", c.OS.Locale)
	}
	w("nodes:\n")
	for _, n := range c.Nodes {
		w("  - {name: %s, state: %s, exchange: %s", yq(n.Name), n.State, n.Build)
		if n.Pending {
			w(", pending_reboot: true")
		}
		if n.SetupIncomplete {
			w(", setup_incomplete: true")
		}
		if len(n.MissingFiles) > 0 {
			// Discovery did not find these on the node: the twin's nodes
			// lack them too, so its plan blocks as the real one does.
			q := make([]string, len(n.MissingFiles))
			for i, f := range n.MissingFiles {
				q[i] = yq(f)
			}
			w(", missing_files: [%s]", strings.Join(q, ", "))
		}
		if n.OS.Family != "" && n.OS != c.OS {
			w(", os: %s, os_sp: %d", n.OS.Family, n.OS.SP)
		}
		if n.OS.Family != "" && n.OS.Locale != c.OS.Locale {
			w(", locale: %s", localeName(n.OS.Locale))
		}
		w("}\n")
	}
	w("groups:\n")
	for _, g := range c.Groups {
		w("  - {name: %s, owner: %s, state: %s", yq(g.Name), yq(g.Owner), g.State)
		if g.CMS {
			w(", cms: true")
			if !g.Build.IsZero() {
				w(", exchange: %s", g.Build)
			}
		}
		w("}\n")
	}
	if c.Type == runbook.CCR {
		r := c.Replication
		w("replication: {healthy: %t, copy_queue: %d, replay_queue: %d}\n", r.Healthy, r.CopyQueue, r.ReplayQueue)
	}
	writeTwinQuorum(&b, c.Quorum)
	writeTwinOptions(&b, t.Options)
	data := b.Bytes()
	if _, err := ParseScenario("twin of "+c.Name, data, nil); err != nil {
		return nil, i18n.Wrap(say("the twin of %s does not load as a scenario: %s", c.Name, err.Error()), err)
	}
	return data, nil
}

// localeName is the file spelling of a node's locale ("" is English).
func localeName(l string) string {
	if l == "" {
		return "en-US"
	}
	return l
}

func writeTwinQuorum(b *bytes.Buffer, q runbook.Quorum) {
	if q.Model == runbook.QuorumUnknown {
		return
	}
	fmt.Fprintf(b, "quorum: {model: %s", q.Model)
	if q.Witness != runbook.WitnessUnknown && q.Model != runbook.QuorumNodeMajority {
		fmt.Fprintf(b, ", witness: %s", q.Witness)
	}
	b.WriteString("}\n")
}

func writeTwinOptions(b *bytes.Buffer, o runbook.Options) {
	if o.Media != "" {
		fmt.Fprintf(b, "media: %s\n", yq(o.Media))
	}
	if o.Package != "" {
		fmt.Fprintf(b, "package: %s\n", yq(o.Package))
	}
	if !o.PackageBuild.IsZero() && o.Goal == runbook.GoalRollup {
		fmt.Fprintf(b, "package_build: %s\n", o.PackageBuild)
	}
	if o.Reboot == runbook.RebootAlways {
		fmt.Fprintf(b, "reboot: %s\n", o.Reboot)
	}
	if o.MoveBack {
		b.WriteString("move_back: true\n")
	}
}

// twinDescription is what a trainee reads in the chooser: where and when
// the twin comes from, and what discovery saw that a scenario cannot
// hold.
func twinDescription(c runbook.Cluster, o runbook.Options, when time.Time) string {
	var cms, owners []string
	for _, g := range c.CMSs() {
		cms = append(cms, g.Name)
		owners = append(owners, g.Owner)
	}
	s := fmt.Sprintf("A simulated twin of the real cluster %s, read over WinRM on %s: its %d nodes, groups, owners, builds and state as they were then. %s is active on %s.",
		c.Name, when.Format("2006-01-02 15:04 UTC"), len(c.Nodes), strings.Join(cms, " and "), strings.Join(owners, " and "))
	if o.Goal != "" {
		s += " Rehearse the window (" + string(o.Goal) + ") here before running it for real; add the faults you fear with --fault."
	}
	var missing []string
	for _, n := range c.Nodes {
		for _, f := range n.MissingFiles {
			missing = append(missing, n.Name+": "+f)
		}
	}
	if len(missing) > 0 {
		s += " Discovery found files missing (" + strings.Join(missing, "; ") + "); the twin has every file, so copy them before the real window."
	}
	return s
}

// yq quotes s as a single-quoted YAML scalar, where the only escape
// is a doubled quote.
func yq(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TwinSecrets are what must never be written into a twin: the WinRM
// password, the account and the nodes' addresses.
type TwinSecrets struct {
	Password  string
	User      string
	Addresses []string
}

// FindSecret reports the first line of data that holds one of the secrets
// and what it holds ("the WinRM password", "the WinRM user name", "a node's
// address"), never the secret itself; 0 when none is there. The password
// is matched exactly; the user name (whole, and its account part) and the
// addresses as whole words in any case, since Windows names ignore case
// and a short account name inside a longer word is not that account.
func FindSecret(data []byte, s TwinSecrets) (line int, what string) {
	type probe struct {
		re   *regexp.Regexp
		what string
	}
	var probes []probe
	if s.Password != "" {
		probes = append(probes, probe{regexp.MustCompile(regexp.QuoteMeta(s.Password)), "the WinRM password"})
	}
	for _, u := range userParts(s.User) {
		probes = append(probes, probe{wordRE(u), "the WinRM user name"})
	}
	for _, a := range s.Addresses {
		if a = strings.Trim(strings.TrimSpace(a), "[]"); a != "" {
			probes = append(probes, probe{wordRE(a), "a node's address"})
		}
	}
	for i, l := range strings.Split(string(data), "\n") {
		for _, p := range probes {
			if p.re.MatchString(l) {
				return i + 1, p.what
			}
		}
	}
	return 0, ""
}

// userParts are the spellings of an account worth looking for: as
// written, and the account without its domain (EXAMPLE\exadmin,
// exadmin@example.local -> exadmin).
func userParts(u string) []string {
	u = strings.TrimSpace(u)
	if u == "" {
		return nil
	}
	out := []string{u}
	acct := u
	if i := strings.LastIndex(acct, `\`); i >= 0 {
		acct = acct[i+1:]
	}
	if i := strings.Index(acct, "@"); i >= 0 {
		acct = acct[:i]
	}
	if acct != u && acct != "" {
		out = append(out, acct)
	}
	return out
}

// wordRE matches w case-insensitively where it is not part of a longer
// name (letters, digits, '-', '_' and '.' on either side).
func wordRE(w string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)(^|[^\p{L}\p{N}_.-])` + regexp.QuoteMeta(w) + `($|[^\p{L}\p{N}_.-])`)
}

// readTwin reads twin: {cluster, discovered}, nil when absent.
func readTwin(top *fields) *TwinInfo {
	tf := top.sub("twin", "cluster", "discovered")
	if !tf.present() || top.r.failed() {
		return nil
	}
	tf.require("cluster", say("the name of the real cluster this scenario is a twin of"))
	t := &TwinInfo{Cluster: tf.hostName("cluster")}
	tf.require("discovered", say(`when the cluster was discovered, an RFC 3339 time like "2026-11-28T21:00:00Z"`))
	s := tf.str("discovered")
	if top.r.failed() {
		return nil
	}
	d, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tf.fail("discovered", say(`%q is not an RFC 3339 time with its offset, like "2026-11-28T21:00:00Z"`, s))
		return nil
	}
	t.Discovered = d
	return t
}
