package sim

import "cmsrunbook/runbook"

// RoleKey is one Exchange role's key under
// HKLM\SOFTWARE\Microsoft\Exchange\v8.0 on a node: the version Setup last
// finished configuring, and the Watermark and Action values a Setup that
// stopped part way leaves behind (Exchange Team blog, "How does Exchange
// 2007 setup know to resume a failed setup?"; TechNet cc540457).
type RoleKey struct {
	Name              string
	ConfiguredVersion runbook.Build
	Watermark, Action string
}

// NodeRegistry is what discover-node reads of a node's Exchange install:
// the file version of bin\ExSetup.exe and the role keys.
type NodeRegistry struct {
	FileVersion runbook.Build
	Roles       []RoleKey
}

// setupWatermark is the task ID a stopped Setup records, in the form of
// the IDs its task scripts carry ("# [ID = fdfe6b1a, ...]").
const setupWatermark = "8d1c3a5e"

// Registry reads a node's Exchange registry and binaries as discover-node
// does; ok is false for a name that is not a node. A clustered mailbox
// node holds the Mailbox role and the management tools.
func (s *Sim) Registry(node string) (reg NodeRegistry, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sync()
	n := s.w.node(node)
	if n == nil {
		return NodeRegistry{}, false
	}
	if n.files.IsZero() {
		return NodeRegistry{}, true
	}
	reg.FileVersion = n.files
	for _, name := range []string{"MailboxRole", "AdminTools"} {
		k := RoleKey{Name: name, ConfiguredVersion: n.build}
		if name == n.watermark {
			k.Watermark, k.Action = setupWatermark, "BuildToBuildUpgrade"
		}
		reg.Roles = append(reg.Roles, k)
	}
	return reg, true
}
