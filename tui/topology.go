package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"cmsrunbook/runbook"
)

// topologyView is the topology pane's content, scrolled, with "more"
// markers where lines are above or below. When the whole topology does
// not fit, the first lines say where each CMS runs, so an 8-node cluster
// at 80x24 still shows the one thing that matters most in the window.
func (m *Model) topologyView(w, h int) []string {
	all := m.topologyLines(w)
	if len(all) > h {
		all = append(m.cmsPlacement(w), all...)
	}
	sc := scroller{top: m.topoTop}
	out := sc.view(m.look(), all, h)
	m.topoTop = sc.top
	return out
}

// cmsPlacement is one line per CMS: its name, node and state.
func (m *Model) cmsPlacement(w int) []string {
	var out []string
	for i := range m.cluster.Groups {
		g := &m.cluster.Groups[i]
		if !g.CMS {
			continue
		}
		out = append(out, fit(m.groupOn(m.st.Bold.Render(g.Name), g.Owner, m.groupStyle(g.State).Render(m.p.Text(g.State.Display()))), w, m.g))
	}
	return out
}

// topologyLines lists the nodes (state, role, OS, Exchange build), the
// groups (owner, state; the CMS marked with its build), replication and
// the management host. Wide panes give a node one line, narrow ones two.
func (m *Model) topologyLines(w int) []string {
	c := &m.cluster
	wide := w >= 58
	var out []string
	if wide {
		out = append(out, m.st.Dim.Render(m.p.Tr("Nodes")))
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		role := m.p.Tr("passive")
		if c.IsActive(n.Name) {
			role = m.p.Tr("active")
		}
		glyph, style := m.nodeLook(n.State)
		state := style.Render(padRight(m.p.Text(n.State.Display()), 7))
		os := c.NodeOS(n).Short()
		build := m.p.Text(runbook.Describe(n.Build))
		pend := ""
		if n.Pending {
			pend = " " + m.st.Warn.Render(m.p.Tr("reboot pending"))
		}
		if wide {
			out = append(out, fmt.Sprintf("%s %s %s %s %s %s%s", style.Render(glyph), padRight(n.Name, 9), state, padRight(role, 7), padRight(os, 8), build, pend))
		} else {
			out = append(out, fmt.Sprintf("%s %s %s %s%s", style.Render(glyph), padRight(n.Name, 9), state, role, pend))
			out = append(out, fmt.Sprintf("    %s %s %s", os, m.g.Sep, build))
		}
	}
	ind := ""
	if wide {
		out = append(out, m.st.Dim.Render(m.p.Tr("Groups")))
		ind = "  "
	}
	for i := range c.Groups {
		g := &c.Groups[i]
		st := m.groupStyle(g.State).Render(m.p.Text(g.State.Display()))
		if g.CMS {
			cms := m.st.Bold.Render(g.Name) + " " + m.st.Outage.Render("[CMS]")
			b := m.p.Text(runbook.Describe(c.CMSBuild(g)))
			if wide {
				out = append(out, "  "+m.groupOn(cms, padRight(g.Owner, 9), st)+"  "+b)
			} else {
				out = append(out, m.groupOn(cms, g.Owner, st))
				out = append(out, "    "+b)
			}
			continue
		}
		out = append(out, ind+m.groupOn(quoteGroup(g.Name), g.Owner, st))
	}
	if c.Type == runbook.CCR {
		r := c.Replication
		word := m.st.OK.Render(m.p.Tr("Healthy"))
		if !r.Healthy {
			word = m.st.Failed.Render(m.p.Tr("Unhealthy"))
		}
		repl := m.st.Dim.Render(m.p.Tr("Replication"))
		if wide {
			out = append(out, repl+" "+m.p.Tr("%s copy queue %d replay queue %d", word, r.CopyQueue, r.ReplayQueue))
		} else {
			out = append(out, repl+" "+m.p.Tr("%s queues %d/%d", word, r.CopyQueue, r.ReplayQueue))
		}
	}
	if mh := c.Management; mh != nil {
		out = append(out, m.st.Dim.Render(m.p.Tr("Admin box"))+" "+m.p.Tr("%s, tools %s", runbook.OS{Family: mh.OS.Family, SP: mh.OS.SP}.Short(), strings.ToUpper(string(mh.Tools))))
	}
	return out
}

// groupOn is a group, the node that owns it and its state. The English
// is the screen's "EXCMS01 on EXNODE01 Online"; the catalogue key says
// more, so that no sentence of the runbook's with "on" in it is ever
// taken for this one.
func (m *Model) groupOn(group, owner, state string) string {
	if isEnglish(m.p) {
		return fmt.Sprintf("%s on %s %s", group, owner, state)
	}
	return m.p.Tr("group %s on node %s is %s", group, owner, state)
}

// padRight pads s with spaces to w cells (display width, so a wide
// letter counts two); longer text is left as it is, as %-*s did.
func padRight(s string, w int) string {
	if sw := ansi.StringWidth(s); sw < w {
		return s + strings.Repeat(" ", w-sw)
	}
	return s
}

func quoteGroup(n string) string {
	if strings.Contains(n, " ") {
		return `"` + n + `"`
	}
	return n
}

func (m *Model) nodeLook(s runbook.NodeState) (string, styleRenderer) {
	switch s {
	case runbook.NodeUp:
		return m.g.NodeUp, m.st.OK
	case runbook.NodePaused:
		return m.g.NodePaused, m.st.Warn
	case runbook.NodeDown:
		return m.g.NodeDown, m.st.Failed
	}
	return m.g.NodeJoin, m.st.Warn
}

func (m *Model) groupStyle(s runbook.GroupState) styleRenderer {
	switch s {
	case runbook.GroupOnline:
		return m.st.OK
	case runbook.GroupFailed:
		return m.st.Failed
	}
	return m.st.Warn
}

// styleRenderer is what the panes need of a lipgloss style.
type styleRenderer interface{ Render(...string) string }
