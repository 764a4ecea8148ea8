package tui

import (
	"fmt"
	"strings"

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
		out = append(out, fit(fmt.Sprintf("%s on %s %s", m.st.Bold.Render(g.Name), g.Owner, m.groupStyle(g.State).Render(g.State.Display())), w, m.g))
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
		out = append(out, m.st.Dim.Render("Nodes"))
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		role := "passive"
		if c.IsActive(n.Name) {
			role = "active"
		}
		glyph, style := m.nodeLook(n.State)
		state := style.Render(fmt.Sprintf("%-7s", n.State.Display()))
		os := c.NodeOS(n).Short()
		build := runbook.Describe(n.Build)
		pend := ""
		if n.Pending {
			pend = " " + m.st.Warn.Render("reboot pending")
		}
		if wide {
			out = append(out, fmt.Sprintf("%s %-9s %s %-7s %-8s %s%s", style.Render(glyph), n.Name, state, role, os, build, pend))
		} else {
			out = append(out, fmt.Sprintf("%s %-9s %s %s%s", style.Render(glyph), n.Name, state, role, pend))
			out = append(out, fmt.Sprintf("    %s %s %s", os, m.g.Sep, build))
		}
	}
	ind := ""
	if wide {
		out = append(out, m.st.Dim.Render("Groups"))
		ind = "  "
	}
	for i := range c.Groups {
		g := &c.Groups[i]
		st := m.groupStyle(g.State).Render(g.State.Display())
		if g.CMS {
			cms := m.st.Bold.Render(g.Name) + " " + m.st.Outage.Render("[CMS]")
			b := runbook.Describe(c.CMSBuild(g))
			if wide {
				out = append(out, fmt.Sprintf("  %s on %-9s %s  %s", cms, g.Owner, st, b))
			} else {
				out = append(out, fmt.Sprintf("%s on %s %s", cms, g.Owner, st))
				out = append(out, "    "+b)
			}
			continue
		}
		out = append(out, fmt.Sprintf("%s%s on %s %s", ind, quoteGroup(g.Name), g.Owner, st))
	}
	if c.Type == runbook.CCR {
		r := c.Replication
		word := m.st.OK.Render("Healthy")
		if !r.Healthy {
			word = m.st.Failed.Render("Unhealthy")
		}
		if wide {
			out = append(out, fmt.Sprintf("%s %s copy queue %d replay queue %d", m.st.Dim.Render("Replication"), word, r.CopyQueue, r.ReplayQueue))
		} else {
			out = append(out, fmt.Sprintf("%s %s queues %d/%d", m.st.Dim.Render("Replication"), word, r.CopyQueue, r.ReplayQueue))
		}
	}
	if mh := c.Management; mh != nil {
		out = append(out, fmt.Sprintf("%s %s, tools %s", m.st.Dim.Render("Admin box"), runbook.OS{Family: mh.OS.Family, SP: mh.OS.SP}.Short(), strings.ToUpper(string(mh.Tools))))
	}
	return out
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
