package runbook

import "fmt"

// ccr returns the healthy two-node CCR of the default scenario: EXCMS01 on
// EXNODE01, "Cluster Group" on the passive EXNODE02, both on RTM, 2003 SP2.
func ccr() Cluster {
	return Cluster{
		Name: "EXCLUS01", Type: CCR, OS: OS{Family: Windows2003, SP: 2},
		Nodes: []Node{
			{Name: "EXNODE01", State: NodeUp, Build: BuildRTM},
			{Name: "EXNODE02", State: NodeUp, Build: BuildRTM},
		},
		Groups: []Group{
			{Name: "Cluster Group", Owner: "EXNODE02", State: GroupOnline},
			{Name: "EXCMS01", Owner: "EXNODE01", State: GroupOnline, CMS: true},
		},
		Replication: Replication{Healthy: true},
	}
}

// scc returns an n-node SCC with k CMSs on the first k nodes, every node on
// SP2, the Cluster Group on the last node.
func scc(n, k int) Cluster {
	c := Cluster{Name: "EXSCC01", Type: SCC, OS: OS{Family: Windows2008, SP: 0}, Replication: Replication{Healthy: true}}
	for i := 1; i <= n; i++ {
		c.Nodes = append(c.Nodes, Node{Name: fmt.Sprintf("SCCNODE%02d", i), State: NodeUp, Build: BuildSP2})
	}
	for i := 1; i <= k; i++ {
		c.Groups = append(c.Groups, Group{Name: fmt.Sprintf("EXCMS%02d", i), Owner: c.Nodes[i-1].Name, State: GroupOnline, CMS: true})
	}
	c.Groups = append(c.Groups, Group{Name: "Cluster Group", Owner: c.Nodes[n-1].Name, State: GroupOnline})
	return c
}

func sp2() Options { return Options{Goal: GoalSP2, Media: `D:\Exchange2007SP2`} }
