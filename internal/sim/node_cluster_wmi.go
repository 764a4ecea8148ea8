package sim

import (
	"fmt"
	"strings"
)

// This file is WMI root\MSCluster: the cluster's nodes, groups and
// resources and the associations discover-cluster walks, with states as
// the numbers the provider reports (never localised).

// wmiRef is an association end: `MSCluster_Resource.Name="X"`, with
// backslashes doubled as WMI writes them.
func wmiRef(class, name string) string {
	return fmt.Sprintf(`%s.Name="%s"`, class, strings.ReplaceAll(name, `\`, `\\`))
}

// clusterResource is one resource as MSCluster_Resource shows it.
type clusterResource struct {
	name, typ, group string
	state            string
	share            string // a 2003 majority node set's MNSFileShare
}

// clusterResources lists every group's resources. Callers hold s.mu.
func (s *Sim) clusterResources() []clusterResource {
	w := &s.w
	qname, qtype := w.quorumResource()
	var out []clusterResource
	for _, g := range w.groups {
		for _, r := range g.resources {
			cr := clusterResource{name: r, group: g.name, typ: resourceType(r), state: resourceWMI(g.state)}
			if w.quorum.model != "" && r == qname {
				cr.typ = qtype
				cr.share = w.fileShareWitness()
				if w.witnessResourceFailed(r) {
					cr.state = "4"
				}
			}
			out = append(out, cr)
		}
	}
	return out
}

// resourceType is a resource's type from the name the simulator gives it.
func resourceType(name string) string {
	switch {
	case strings.HasPrefix(name, "IP Address"), name == "Cluster IP Address":
		return "IP Address"
	case strings.HasPrefix(name, "Network Name"), name == "Cluster Name":
		return "Network Name"
	case strings.HasPrefix(name, "Exchange System Attendant"):
		return "Microsoft Exchange System Attendant"
	case strings.HasPrefix(name, "Exchange Information Store"):
		return "Microsoft Exchange Information Store"
	case name == "Majority Node Set":
		return "Majority Node Set"
	case name == "File Share Witness":
		return "File Share Witness"
	case strings.HasPrefix(name, "Disk "):
		return "Physical Disk"
	}
	return "Generic Service"
}

// clusterInstances lists a root\MSCluster class; ok is false for a class
// the provider does not have.
func (s *Sim) clusterInstances(class string) ([]*hostObj, bool) {
	w := &s.w
	var out []*hostObj
	switch class {
	case "mscluster_cluster":
		out = append(out, wmiObj("MSCluster_Cluster").with("Name", w.name))
	case "mscluster_node":
		for _, n := range w.nodes {
			out = append(out, wmiObj("MSCluster_Node").with("Name", n.name).with("State", int64(atoi(n.state().WMI()))))
		}
	case "mscluster_resourcegroup":
		for _, g := range w.groups {
			out = append(out, wmiObj("MSCluster_ResourceGroup").with("Name", g.name).with("State", int64(atoi(g.displayState().WMI()))))
		}
	case "mscluster_resource":
		for _, r := range s.clusterResources() {
			pp := wmiObj("MSCluster_Property")
			if r.typ == "Majority Node Set" {
				pp.with("MNSFileShare", r.share)
			}
			out = append(out, wmiObj("MSCluster_Resource").with("Name", r.name).with("Type", r.typ).
				with("State", int64(atoi(r.state))).with("PrivateProperties", pp))
		}
	case "mscluster_clustertoquorumresource":
		if name, _ := w.quorumResource(); name != "" && w.quorum.model != "" {
			out = append(out, assoc("MSCluster_ClusterToQuorumResource", wmiRef("MSCluster_Cluster", w.name), wmiRef("MSCluster_Resource", name)))
		}
	case "mscluster_resourcegrouptoresource":
		for _, r := range s.clusterResources() {
			out = append(out, assoc("MSCluster_ResourceGroupToResource", wmiRef("MSCluster_ResourceGroup", r.group), wmiRef("MSCluster_Resource", r.name)))
		}
	case "mscluster_nodetoactivegroup":
		for _, g := range w.groups {
			if g.owner != "" {
				out = append(out, assoc("MSCluster_NodeToActiveGroup", wmiRef("MSCluster_Node", g.owner), wmiRef("MSCluster_ResourceGroup", g.name)))
			}
		}
	default:
		return nil, false
	}
	return out, true
}

func assoc(class, group, part string) *hostObj {
	return wmiObj(class).with("GroupComponent", group).with("PartComponent", part)
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}
