package config_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// goodScenario is a minimal valid scenario; the table's bad cases are
// small edits of it, so each names one mistake. Lines:
//
//	1 name  2 title  3 description  4 goal  5 cluster  6 nodes  7-8 nodes
//	9 groups  10-11 groups  12 media
const goodScenario = `name: test-scn
title: Test scenario
description: A scenario for tests.
goal: exchange-sp2
cluster: {name: EXCLUS01, type: ccr, os: windows-server-2003, os_sp: 2}
nodes:
  - {name: EXNODE01, exchange: 8.0.685.24}
  - {name: EXNODE02, exchange: 8.0.685.24}
groups:
  - {name: Cluster Group, owner: EXNODE02}
  - {name: EXCMS01, owner: EXNODE01, cms: true}
media: 'D:\Exchange2007SP2'
`

// readCaptured stands in for the loaders' file access: only
// captured/ok.txt exists.
func readCaptured(rel string) ([]byte, error) {
	if rel == "captured/ok.txt" {
		return []byte("The Microsoft Exchange Server setup operation completed successfully.\n"), nil
	}
	return nil, fs.ErrNotExist
}

const rollupGoalLine = "goal: update-rollup"

// badScenarios are small edits of goodScenario, each one mistake, and
// where its error must point.
var badScenarios = []badCase{
	{name: "empty file", yaml: "", line: 0, msg: "empty"},
	{name: "only whitespace", yaml: "  \n\n", line: 0, msg: "empty"},
	{name: "only comments", yaml: "# nothing here\n", line: 0, msg: "no settings"},
	{name: "top-level list", yaml: "- a\n- b\n", line: 1, col: 1, msg: "must be a mapping"},
	{name: "top-level text", yaml: "hello\n", line: 1, msg: "must be a mapping"},
	{name: "not YAML", yaml: "name: [unclosed\n", line: 1, msg: "not valid YAML"},
	{name: "bad indentation", yaml: "name: x\n  title: y\n", line: 1, msg: "not valid YAML"},
	{name: "deep flow nesting", yaml: "name: " + strings.Repeat("[", 40), line: 1, col: 39, msg: "nested more than 32 deep"},
	{name: "deep block nesting", yaml: "name: x\n" + strings.Repeat("- ", 40) + "x\n", line: 2, col: 65, msg: "nested more than 32 deep"},
	{name: "deep indentation", yaml: "name:\n" + strings.Repeat(" ", 300) + "x\n", line: 2, col: 257, msg: "indented more than 256"},
	{name: "brackets in quoted text are fine", yaml: "name: '" + strings.Repeat("[", 40) + "'\n", line: 1, col: 7, field: "name", msg: "not a scenario name"},
	{name: "two documents", yaml: goodScenario + "---\nname: other\n", line: 14, msg: "more than one YAML document"},
	{name: "utf-16", yaml: "\xff\xfen\x00a\x00", line: 0, msg: "UTF-16"},
	{name: "not utf-8", yaml: mod(goodScenario, "Test scenario", "Caf\xe9"), line: 2, col: 11, msg: "not UTF-8"},
	{name: "unknown key", yaml: goodScenario + "colour: blue\n", line: 13, col: 1, field: "colour", msg: `unknown key "colour"`},
	{name: "misspelt key", yaml: mod(goodScenario, "media:", "medai:"), line: 12, field: "medai", msg: `did you mean "media"`},
	{name: "missing_files not a path", yaml: mod(goodScenario, "{name: EXNODE02,", "{name: EXNODE02, missing_files: ['Setup.com'],"), line: 8, field: "nodes[1].missing_files", msg: "entry 1"},
	{name: "missing_files a number", yaml: mod(goodScenario, "{name: EXNODE02,", "{name: EXNODE02, missing_files: [42],"), line: 8, field: "nodes[1].missing_files", msg: "expected a quoted Windows path"},
	{name: "unknown nested key", yaml: mod(goodScenario, "{name: EXNODE02,", "{name: EXNODE02, colour: red,"), line: 8, col: 22, field: "nodes[1].colour", msg: "unknown key"},
	{name: "duplicate key", yaml: goodScenario + "goal: exchange-sp3\n", line: 13, field: "goal", msg: "appears twice; the first is on line 4"},
	{name: "missing title", yaml: mod(goodScenario, "title: Test scenario\n", ""), line: 1, field: "title", msg: "is missing"},
	{name: "empty title", yaml: mod(goodScenario, "title: Test scenario", "title:"), line: 2, field: "title", msg: "is empty"},
	{name: "missing description", yaml: mod(goodScenario, "description: A scenario for tests.\n", ""), line: 1, field: "description", msg: "is missing"},
	{name: "bad name", yaml: mod(goodScenario, "name: test-scn", "name: Test_Scn"), line: 1, col: 7, field: "name", msg: "not a scenario name"},
	{name: "bad goal", yaml: mod(goodScenario, "goal: exchange-sp2", "goal: exchange-sp4"), line: 4, col: 7, field: "goal", msg: "is not one of"},
	{name: "missing goal", yaml: mod(goodScenario, "goal: exchange-sp2\n", ""), line: 1, field: "goal", msg: "is missing"},
	{name: "missing cluster", yaml: mod(goodScenario, "cluster: {name: EXCLUS01, type: ccr, os: windows-server-2003, os_sp: 2}\n", ""), line: 1, field: "cluster", msg: "is missing"},
	{name: "cluster not a mapping", yaml: mod(goodScenario, "cluster: {name: EXCLUS01, type: ccr, os: windows-server-2003, os_sp: 2}", "cluster: EXCLUS01"), line: 5, field: "cluster", msg: "expected a mapping"},
	{name: "bad cluster type", yaml: mod(goodScenario, "type: ccr", "type: lcr"), line: 5, field: "cluster.type", msg: `"lcr" is not ccr or scc`},
	{name: "bad OS", yaml: mod(goodScenario, "os: windows-server-2003", "os: windows-98"), line: 5, field: "cluster.os", msg: "is not one of"},
	{name: "client OS for cluster", yaml: mod(goodScenario, "os: windows-server-2003", "os: windows-xp"), line: 5, field: "cluster.os", msg: "client OS"},
	{name: "os_sp not a number", yaml: mod(goodScenario, "os_sp: 2", "os_sp: two"), line: 5, field: "cluster.os_sp", msg: "expected a whole number"},
	{name: "os_sp fraction", yaml: mod(goodScenario, "os_sp: 2", "os_sp: 2.5"), line: 5, field: "cluster.os_sp", msg: "expected a whole number"},
	{name: "os_sp out of range", yaml: mod(goodScenario, "os_sp: 2", "os_sp: 3"), line: 5, field: "cluster.os_sp", msg: "out of range"},
	{name: "bad cluster name", yaml: mod(goodScenario, "name: EXCLUS01", "name: EXCLUS_01"), line: 5, field: "cluster.name", msg: "letters, digits and hyphens"},
	{name: "nodes not a list", yaml: mod(goodScenario, "nodes:\n  - {name: EXNODE01, exchange: 8.0.685.24}\n  - {name: EXNODE02, exchange: 8.0.685.24}", "nodes: 5"), line: 6, field: "nodes", msg: "expected a list"},
	{name: "null node entry", yaml: mod(goodScenario, "  - {name: EXNODE02, exchange: 8.0.685.24}", "  - ~"), line: 8, field: "nodes[1]", msg: "empty list entry"},
	{name: "node entry is text", yaml: mod(goodScenario, "  - {name: EXNODE02, exchange: 8.0.685.24}", "  - EXNODE02"), line: 8, field: "nodes[1]", msg: "expected a mapping"},
	{name: "bad node name", yaml: mod(goodScenario, "name: EXNODE02", "name: EXNODE_02"), line: 8, field: "nodes[1].name", msg: "letters, digits and hyphens"},
	{name: "long node name", yaml: mod(goodScenario, "name: EXNODE02", "name: EXNODE02EXNODE02"), line: 8, field: "nodes[1].name", msg: "at most 15"},
	{name: "bad node state", yaml: mod(goodScenario, "{name: EXNODE02,", "{name: EXNODE02, state: sleeping,"), line: 8, field: "nodes[1].state", msg: "not one of up, down, paused, joining"},
	{name: "missing node build", yaml: mod(goodScenario, "{name: EXNODE02, exchange: 8.0.685.24}", "{name: EXNODE02}"), line: 8, field: "nodes[1].exchange", msg: "is missing"},
	{name: "bad build", yaml: mod(goodScenario, "{name: EXNODE01, exchange: 8.0.685.24}", "{name: EXNODE01, exchange: 8.0.685}"), line: 7, field: "nodes[0].exchange", msg: "not a build number"},
	{name: "not an Exchange 2007 build", yaml: mod(goodScenario, "{name: EXNODE01, exchange: 8.0.685.24}", "{name: EXNODE01, exchange: 6.5.7638.2}"), line: 7, field: "nodes[0].exchange", msg: "not an Exchange 2007 build"},
	{name: "pending_reboot not bool", yaml: mod(goodScenario, "{name: EXNODE02,", "{name: EXNODE02, pending_reboot: maybe,"), line: 8, field: "nodes[1].pending_reboot", msg: `expected true or false, got "maybe"`},
	{name: "mixed node OS", yaml: mod(goodScenario, "{name: EXNODE02,", "{name: EXNODE02, os: windows-server-2008,"), line: 8, field: "nodes[1].os", msg: "cannot mix"},
	{name: "duplicate node", yaml: mod(goodScenario, "name: EXNODE02", "name: exnode01"), line: 8, field: "nodes[1].name", msg: "listed twice; the first is on line 7"},
	{name: "CCR with three nodes", yaml: mod(goodScenario, "  - {name: EXNODE02, exchange: 8.0.685.24}\n", "  - {name: EXNODE02, exchange: 8.0.685.24}\n  - {name: EXNODE03, exchange: 8.0.685.24}\n"), line: 6, col: 1, field: "nodes", msg: "exactly 2 nodes"},
	{name: "owner not a node", yaml: mod(goodScenario, "owner: EXNODE02", "owner: EXNODE03"), line: 10, field: "groups[0].owner", msg: `"EXNODE03" is not a node of this cluster (nodes: EXNODE01, EXNODE02)`},
	{name: "group name with quote", yaml: mod(goodScenario, "name: Cluster Group", `name: 'Cluster "Group'`), line: 10, field: "groups[0].name", msg: "cmd.exe cannot pass"},
	{name: "group name with percent", yaml: mod(goodScenario, "name: Cluster Group", `name: Cluster%PATH%`), line: 10, field: "groups[0].name", msg: "cmd.exe cannot pass"},
	{name: "CMS name not a host name", yaml: mod(goodScenario, "name: EXCMS01", "name: EX CMS01"), line: 11, field: "groups[1].name", msg: "letters, digits and hyphens"},
	{name: "duplicate group", yaml: mod(goodScenario, "name: Cluster Group", "name: excms01"), line: 11, field: "groups[1].name", msg: "listed twice; the first is on line 10"},
	{name: "bad group state", yaml: mod(goodScenario, "owner: EXNODE02}", "owner: EXNODE02, state: asleep}"), line: 10, field: "groups[0].state", msg: "is not one of online"},
	{name: "cms not bool", yaml: mod(goodScenario, "cms: true", "cms: yes"), line: 11, field: "groups[1].cms", msg: "expected true or false"},
	{name: "exchange on non-CMS group", yaml: mod(goodScenario, "owner: EXNODE02}", "owner: EXNODE02, exchange: 8.0.685.24}"), line: 10, field: "groups[0].exchange", msg: "only on the group with cms: true"},
	{name: "no CMS", yaml: mod(goodScenario, ", cms: true", ""), line: 9, col: 1, field: "groups", msg: "no clustered mailbox server"},
	{name: "missing groups", yaml: mod(goodScenario, "groups:\n  - {name: Cluster Group, owner: EXNODE02}\n  - {name: EXCMS01, owner: EXNODE01, cms: true}\n", ""), line: 1, field: "groups", msg: "is missing"},
	{name: "healthy maybe", yaml: goodScenario + "replication: {healthy: maybe}\n", line: 13, col: 24, field: "replication.healthy", msg: `expected true or false, got "maybe"`},
	{name: "copy_queue lots", yaml: goodScenario + "replication: {copy_queue: lots}\n", line: 13, field: "replication.copy_queue", msg: `expected a whole number, got "lots"`},
	{name: "copy_queue negative", yaml: goodScenario + "replication: {copy_queue: -1}\n", line: 13, field: "replication.copy_queue", msg: "out of range"},
	{name: "copy_queue overflow", yaml: goodScenario + "replication: {copy_queue: 99999999999999999999}\n", line: 13, field: "replication.copy_queue", msg: "whole number"},
	{name: "replication on SCC", yaml: mod(goodScenario, "type: ccr", "type: scc") + "replication: {healthy: true}\n", line: 13, field: "replication", msg: "no replication"},
	{name: "missing media", yaml: mod(goodScenario, "media: 'D:\\Exchange2007SP2'\n", ""), line: 1, field: "media", msg: "is missing; goal exchange-sp2 runs Setup.com"},
	{name: "relative media", yaml: mod(goodScenario, `D:\Exchange2007SP2`, `Exchange2007SP2`), line: 12, field: "media", msg: "not an absolute Windows path"},
	{name: "media with quote char", yaml: mod(goodScenario, `'D:\Exchange2007SP2'`, `"D:\\Ex%TEMP%"`), line: 12, field: "media", msg: "cannot be passed safely"},
	{name: "missing package", yaml: mod(goodScenario, "goal: exchange-sp2", rollupGoalLine), line: 1, field: "package", msg: "is missing; goal update-rollup installs it"},
	{name: "package not msp", yaml: mod(goodScenario, "goal: exchange-sp2", rollupGoalLine) + "package: 'D:\\Updates\\rollup.exe'\n", line: 13, field: "package", msg: "is an .msp file"},
	{name: "package_build for SP goal", yaml: goodScenario + "package_build: 8.2.217.3\n", line: 13, field: "package_build", msg: "applies only to goal update-rollup"},
	{name: "bad reboot", yaml: goodScenario + "reboot: sometimes\n", line: 13, field: "reboot", msg: "not one of if-required, always"},
	{name: "move_back not bool", yaml: goodScenario + "move_back: please\n", line: 13, field: "move_back", msg: "expected true or false"},
	{name: "management host without tools", yaml: goodScenario + "management_host: {os: windows-vista}\n", line: 13, field: "management_host.exchange_tools", msg: "is missing"},
	{name: "management host bad tools", yaml: goodScenario + "management_host: {os: windows-vista, exchange_tools: sp4}\n", line: 13, field: "management_host.exchange_tools", msg: "is not one of none, rtm"},
	{name: "management host bad os", yaml: goodScenario + "management_host: {os: windows-7, exchange_tools: sp1}\n", line: 13, field: "management_host.os", msg: "is not one of"},
	{name: "bad duration", yaml: goodScenario + "timing: {reboot: 4 minutes}\n", line: 13, field: "timing.reboot", msg: "is not a duration"},
	{name: "duration without unit", yaml: goodScenario + "timing: {reboot: 240}\n", line: 13, field: "timing.reboot", msg: "has no unit; write it with one, like 240s"},
	{name: "zero duration", yaml: goodScenario + "timing: {reboot: 0s}\n", line: 13, field: "timing.reboot", msg: "longer than zero"},
	{name: "unknown timing key", yaml: goodScenario + "timing: {coffee: 5m}\n", line: 13, field: "timing.coffee", msg: "unknown key"},
	{name: "faults not a list", yaml: goodScenario + "faults: {kind: move-refused}\n", line: 13, field: "faults", msg: "expected a list"},
	{name: "unknown fault kind", yaml: goodScenario + "faults:\n  - {kind: disk-full}\n", line: 14, field: "faults[0].kind", msg: `fault kind "disk-full" is not one of`},
	{name: "missing fault kind", yaml: goodScenario + "faults:\n  - {step: move-cms}\n", line: 14, field: "faults[0].kind", msg: "is missing"},
	{name: "fault step does not fit", yaml: goodScenario + "faults:\n  - {step: pause-node, kind: move-refused}\n", line: 14, field: "faults[0].step", msg: "a move-refused fault happens in a move-cms step, not pause-node"},
	{name: "fault unknown step", yaml: goodScenario + "faults:\n  - {step: defrag, kind: connection-drop}\n", line: 14, field: "faults[0].step", msg: `step kind "defrag"`},
	{name: "fault unknown node", yaml: goodScenario + "faults:\n  - {kind: reboot-timeout, node: EXNODE09}\n", line: 14, field: "faults[0].node", msg: "not a node of this cluster"},
	{name: "fault times zero", yaml: goodScenario + "faults:\n  - {kind: reboot-timeout, times: 0}\n", line: 14, field: "faults[0].times", msg: "out of range"},
	{name: "duplicate fault", yaml: goodScenario + "faults:\n  - {kind: reboot-timeout}\n  - {kind: reboot-timeout, step: reboot-node}\n", line: 15, field: "faults[1]", msg: "listed twice (the first is on line 14)"},
	{name: "output missing file", yaml: goodScenario + "outputs:\n  - {step: setup-upgrade, node: EXNODE02, file: captured/nope.txt}\n", line: 14, field: "outputs[0].file", msg: `cannot read "captured/nope.txt"`},
	{name: "output without file", yaml: goodScenario + "outputs:\n  - {step: setup-upgrade, node: EXNODE02}\n", line: 14, field: "outputs[0].file", msg: "is missing"},
	{name: "output bad effect", yaml: goodScenario + "outputs:\n  - {step: setup-upgrade, file: captured/ok.txt, effect: maybe}\n", line: 14, field: "outputs[0].effect", msg: "not success or failure"},
	{name: "output for preflight", yaml: goodScenario + "outputs:\n  - {step: preflight, file: captured/ok.txt}\n", line: 14, field: "outputs[0].step", msg: "no output to replay"},
	{name: "output exit code text", yaml: goodScenario + "outputs:\n  - {step: setup-upgrade, file: captured/ok.txt, exit_code: ok}\n", line: 14, field: "outputs[0].exit_code", msg: "expected a whole number"},
	{name: "duplicate output", yaml: goodScenario + "outputs:\n  - {step: setup-upgrade, node: EXNODE02, file: captured/ok.txt}\n  - {step: setup-upgrade, node: exnode02, file: captured/ok.txt}\n", line: 15, field: "outputs[1]", msg: "second output for the same step and node"},
	{name: "setup_incomplete not bool", yaml: mod(goodScenario, "{name: EXNODE02,", "{name: EXNODE02, setup_incomplete: half,"), line: 8, col: 40, field: "nodes[1].setup_incomplete", msg: `expected true or false, got "half"`},
	{name: "quorum not a mapping", yaml: goodScenario + "quorum: mns-fsw\n", line: 13, col: 9, field: "quorum", msg: "expected a mapping"},
	{name: "quorum unknown key", yaml: goodScenario + "quorum: {model: mns-fsw, share: 'x'}\n", line: 13, col: 26, field: "quorum.share", msg: `unknown key "share"`},
	{name: "quorum without model", yaml: goodScenario + "quorum: {witness: failed}\n", line: 13, field: "quorum.model", msg: "is missing; how the cluster keeps quorum"},
	{name: "quorum bad model", yaml: goodScenario + "quorum: {model: majority}\n", line: 13, col: 17, field: "quorum.model", msg: `quorum model "majority" is not one of node-majority, mns-fsw, disk`},
	{name: "quorum bad witness", yaml: goodScenario + "quorum: {model: mns-fsw, witness: broken}\n", line: 13, col: 35, field: "quorum.witness", msg: `witness "broken" is not one of online, failed`},
	{name: "quorum witness not text", yaml: goodScenario + "quorum: {model: mns-fsw, witness: [online]}\n", line: 13, field: "quorum.witness", msg: "expected text"},
	{name: "witness of a bare majority", yaml: goodScenario + "quorum: {model: node-majority, witness: online}\n", line: 13, col: 41, field: "quorum.witness", msg: "has no witness state"},
	{name: "quorum disk on CCR", yaml: goodScenario + "quorum: {model: disk, witness: online}\n", line: 13, col: 17, field: "quorum.model", msg: "a CCR cluster has no shared disk"},
	{name: "after-copy fault in a move", yaml: goodScenario + "faults:\n  - {step: move-cms, kind: setup-fails-after-copy}\n", line: 14, field: "faults[0].step", msg: "a setup-fails-after-copy fault happens in a setup-upgrade step, not move-cms"},
	{name: "partially-online fault in a setup", yaml: goodScenario + "faults:\n  - {step: setup-upgrade, kind: upgradecms-partially-online}\n", line: 14, field: "faults[0].step", msg: "a upgradecms-partially-online fault happens in a upgrade-cms step, not setup-upgrade"},
	{name: "unknown fault kind lists the new ones", yaml: goodScenario + "faults:\n  - {kind: setup-fails-later}\n", line: 14, field: "faults[0].kind", msg: "setup-fails-after-copy, upgradecms-partially-online"},
	{name: "tag", yaml: mod(goodScenario, "goal: exchange-sp2", "goal: !!str exchange-sp2"), line: 4, field: "goal", msg: "YAML tags"},
	{name: "alias", yaml: mod(mod(goodScenario, "title: Test scenario", "title: *m"), "name: test-scn\n", "name: test-scn\npackage: &m 'D:\\u.msp'\n"), line: 3, field: "title", msg: "anchors and aliases"},
	{name: "anchor", yaml: mod(goodScenario, "title: Test scenario", "title: &t Test scenario"), line: 2, field: "title", msg: "anchors and aliases"},
	{name: "merge key", yaml: mod(goodScenario, "cluster: {", "cluster: {<<: {os_sp: 1}, "), line: 5, field: "cluster", msg: "merge keys"},
	{name: "title on two lines", yaml: mod(goodScenario, "title: Test scenario", "title: \"Test\\nscenario\""), line: 2, field: "title", msg: "one line"},
}

func TestParseScenarioBad(t *testing.T) {
	for _, c := range badScenarios {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.ParseScenario("scn.yaml", []byte(c.yaml), readCaptured)
			checkBad(t, "scn.yaml", err, c)
		})
	}
}

func TestParseScenarioGood(t *testing.T) {
	src := goodScenario + `management_host: {os: windows-server-2003, exchange_tools: rtm}
replication: {healthy: false, copy_queue: 12, replay_queue: 3}
reboot: always
move_back: true
quorum: {model: mns-fsw, witness: failed}
faults:
  - {step: move-cms, kind: move-refused, times: 2}
  - {kind: setup-fails, node: exnode02}
  - {kind: auth-failure}
  - {kind: setup-fails-after-copy, node: EXNODE02}
  - {kind: upgradecms-partially-online}
outputs:
  - {step: setup-upgrade, node: EXNODE02, file: captured/ok.txt, exit_code: 0, effect: failure}
timing: {setup_upgrade: 1800s, reboot: 4m, replication_catchup: 1h30m}
`
	src = mod(src, "{name: EXNODE02, exchange: 8.0.685.24}", "{name: EXNODE02, state: paused, exchange: 8.0.685.24, pending_reboot: true, setup_incomplete: true, os_sp: 1}")
	src = mod(src, "{name: EXCMS01, owner: EXNODE01, cms: true}", "{name: EXCMS01, owner: exnode01, state: partially online, cms: true, exchange: 8.0.685.24}")
	got, err := config.ParseScenario("scn.yaml", []byte(src), readCaptured)
	if err != nil {
		t.Fatal(err)
	}
	w2003sp2 := runbook.OS{Family: runbook.Windows2003, SP: 2}
	rtm := runbook.MustBuild("8.0.685.24")
	want := &config.Scenario{
		Path:        "scn.yaml",
		Name:        "test-scn",
		Title:       "Test scenario",
		Description: "A scenario for tests.",
		Goal:        runbook.GoalSP2,
		Cluster: runbook.Cluster{
			Name: "EXCLUS01",
			Type: runbook.CCR,
			OS:   w2003sp2,
			Nodes: []runbook.Node{
				{Name: "EXNODE01", State: runbook.NodeUp, OS: w2003sp2, Build: rtm},
				{Name: "EXNODE02", State: runbook.NodePaused, OS: runbook.OS{Family: runbook.Windows2003, SP: 1}, Build: rtm, Pending: true, SetupIncomplete: true},
			},
			Groups: []runbook.Group{
				{Name: "Cluster Group", Owner: "EXNODE02", State: runbook.GroupOnline},
				{Name: "EXCMS01", Owner: "EXNODE01", State: runbook.GroupPartiallyOnline, CMS: true, Build: rtm},
			},
			Replication: runbook.Replication{Healthy: false, CopyQueue: 12, ReplayQueue: 3},
			Quorum:      runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessFailed},
			Management:  &runbook.ManagementHost{OS: runbook.OS{Family: runbook.Windows2003}, Tools: runbook.ToolsRTM},
		},
		Options: runbook.Options{
			Goal:     runbook.GoalSP2,
			Media:    `D:\Exchange2007SP2`,
			Reboot:   runbook.RebootAlways,
			MoveBack: true,
			MoveWait: runbook.DefaultMoveWait,
		},
		Faults: []config.Fault{
			{Step: runbook.KindMoveCMS, Kind: config.FaultMoveRefused, Times: 2, Line: 19},
			{Step: runbook.KindSetupUpgrade, Node: "EXNODE02", Kind: config.FaultSetupFails, Times: 1, Line: 20},
			{Step: runbook.KindPauseNode, Kind: config.FaultAuthFailure, Times: 1, Line: 21},
			{Step: runbook.KindSetupUpgrade, Node: "EXNODE02", Kind: config.FaultSetupFailsAfterCopy, Times: 1, Line: 22},
			{Step: runbook.KindUpgradeCMS, Kind: config.FaultUpgradeCMSPartiallyOnline, Times: 1, Line: 23},
		},
		Outputs: []config.Output{{
			Step: runbook.KindSetupUpgrade, Node: "EXNODE02", File: "captured/ok.txt",
			Text:     "The Microsoft Exchange Server setup operation completed successfully.\n",
			ExitCode: 0, Effect: config.EffectFailure,
		}},
		Timing: config.Timing{SetupUpgrade: 30 * time.Minute, Reboot: 4 * time.Minute, ReplicationCatchup: 90 * time.Minute},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	if err := got.Cluster.Validate(); err != nil {
		t.Errorf("loaded cluster does not validate: %v", err)
	}
}

// TestScenarioDefaults checks what an omitted key means.
func TestScenarioDefaults(t *testing.T) {
	s, err := config.ParseScenario("scn.yaml", []byte(goodScenario), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Cluster.Management != nil {
		t.Errorf("Management = %+v, want nil without management_host", s.Cluster.Management)
	}
	if r := s.Cluster.Replication; !r.Healthy || r.CopyQueue != 0 || r.ReplayQueue != 0 {
		t.Errorf("Replication = %+v, want healthy and empty queues", r)
	}
	if s.Options.Reboot != runbook.RebootIfRequired || s.Options.MoveBack || s.Options.MoveWait != runbook.DefaultMoveWait {
		t.Errorf("Options = %+v", s.Options)
	}
	for _, n := range s.Cluster.Nodes {
		if n.State != runbook.NodeUp || n.OS != s.Cluster.OS {
			t.Errorf("node %+v: want state up and the cluster's OS", n)
		}
	}
	if s.Timing != (config.Timing{}) || s.Faults != nil || s.Outputs != nil {
		t.Errorf("want no timing, faults or outputs: %+v %+v %+v", s.Timing, s.Faults, s.Outputs)
	}
}

// TestScenarioQuorum: a witness left out of a scenario's quorum is
// healthy; a bare majority node set has none; an SCC may use a disk.
func TestScenarioQuorum(t *testing.T) {
	cases := []struct {
		extra string
		scc   bool
		want  runbook.Quorum
	}{
		{"", false, runbook.Quorum{}},
		{"quorum: {model: mns-fsw}\n", false, runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessOnline}},
		{"quorum: {model: mns-fsw, witness: failed}\n", false, runbook.Quorum{Model: runbook.QuorumMNSFSW, Witness: runbook.WitnessFailed}},
		{"quorum: {model: node-majority}\n", false, runbook.Quorum{Model: runbook.QuorumNodeMajority}},
		{"quorum: {model: disk, witness: failed}\n", true, runbook.Quorum{Model: runbook.QuorumDisk, Witness: runbook.WitnessFailed}},
	}
	for _, c := range cases {
		src := goodScenario + c.extra
		if c.scc {
			src = mod(src, "type: ccr", "type: scc")
		}
		s, err := config.ParseScenario("scn.yaml", []byte(src), nil)
		if err != nil {
			t.Fatalf("%q: %v", c.extra, err)
		}
		if s.Cluster.Quorum != c.want {
			t.Errorf("%q: quorum %+v, want %+v", c.extra, s.Cluster.Quorum, c.want)
		}
	}
}

func TestFaultNaturalSteps(t *testing.T) {
	cases := []struct {
		kind config.FaultKind
		goal runbook.Goal
		want runbook.StepKind
	}{
		{config.FaultMoveRefused, runbook.GoalSP2, runbook.KindMoveCMS},
		{config.FaultMoveLateFailure, runbook.GoalRollup, runbook.KindMoveCMS},
		{config.FaultSetupFails, runbook.GoalSP2, runbook.KindSetupUpgrade},
		{config.FaultSetupFails, runbook.GoalRollup, runbook.KindInstallRollup},
		{config.FaultSetupFails, runbook.GoalOSPatch, runbook.KindInstallPatch},
		{config.FaultRebootTimeout, runbook.GoalSP2, runbook.KindRebootNode},
		{config.FaultPauseFails, runbook.GoalSP2, runbook.KindPauseNode},
		{config.FaultGroupMoveFails, runbook.GoalSP2, runbook.KindMoveGroups},
		{config.FaultConnectionDrop, runbook.GoalSP3, runbook.KindSetupUpgrade},
		{config.FaultConnectionDrop, runbook.GoalRollup, runbook.KindInstallRollup},
		{config.FaultAuthFailure, runbook.GoalSP2, runbook.KindPauseNode},
		{config.FaultSetupFailsAfterCopy, runbook.GoalSP2, runbook.KindSetupUpgrade},
		{config.FaultUpgradeCMSPartiallyOnline, runbook.GoalSP3, runbook.KindUpgradeCMS},
	}
	for _, c := range cases {
		if got := c.kind.NaturalStep(c.goal); got != c.want {
			t.Errorf("%s.NaturalStep(%s) = %s, want %s", c.kind, c.goal, got, c.want)
		}
		if !c.kind.Fits(c.kind.NaturalStep(c.goal)) {
			t.Errorf("%s does not fit its own natural step", c.kind)
		}
	}
	for _, k := range config.FaultKinds() {
		if _, err := config.ParseFaultKind(string(k)); err != nil {
			t.Errorf("ParseFaultKind(%s): %v", k, err)
		}
	}
	if !config.FaultConnectionDrop.Fits(runbook.KindVerify) || config.FaultSetupFails.Fits(runbook.KindMoveCMS) {
		t.Error("Fits is wrong for connection-drop or setup-fails")
	}
}

// TestLoadScenarioFileRelative checks outputs[].file resolves against the
// scenario's own directory, not the working directory.
func TestLoadScenarioFileRelative(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "captured"), 0o755); err != nil {
		t.Fatal(err)
	}
	text := "Welcome to Microsoft Exchange Server 2007 Unattended Setup\n"
	if err := os.WriteFile(filepath.Join(dir, "captured", "run.txt"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	src := goodScenario + "outputs:\n  - {step: setup-upgrade, node: EXNODE02, file: captured/run.txt, exit_code: 3010}\n"
	file := filepath.Join(dir, "my.yaml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := config.LoadScenarioFile(file)
	if err != nil {
		t.Fatal(err)
	}
	o := s.Outputs[0]
	if o.Text != text || o.File != filepath.Join(dir, "captured", "run.txt") || o.ExitCode != 3010 || o.Effect != config.EffectSuccess {
		t.Errorf("output = %+v", o)
	}
	if s.Path != file {
		t.Errorf("Path = %q, want %q", s.Path, file)
	}

	// The same scenario elsewhere, without its captured folder, fails at
	// the file's line.
	other := filepath.Join(t.TempDir(), "my.yaml")
	if err := os.WriteFile(other, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = config.LoadScenarioFile(other)
	checkBad(t, other, err, badCase{line: 14, field: "outputs[0].file", msg: "cannot read"})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
}

func TestLoadScenarioFS(t *testing.T) {
	src := goodScenario + "outputs:\n  - {step: setup-upgrade, file: captured/ok.txt}\n"
	fsys := fstest.MapFS{
		"scenarios/a.yaml":           {Data: []byte(src)},
		"scenarios/captured/ok.txt":  {Data: []byte("ok\n")},
		"scenarios/escape.yaml":      {Data: []byte(goodScenario + "outputs:\n  - {step: setup-upgrade, file: ../../etc/passwd}\n")},
		"scenarios/absolute.yaml":    {Data: []byte(goodScenario + "outputs:\n  - {step: setup-upgrade, file: /etc/passwd}\n")},
		"scenarios/backslashes.yaml": {Data: []byte(goodScenario + "outputs:\n  - {step: setup-upgrade, file: 'captured\\ok.txt'}\n")},
	}
	s, err := config.LoadScenarioFS(fsys, "scenarios/a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if o := s.Outputs[0]; o.File != "scenarios/captured/ok.txt" || o.Text != "ok\n" {
		t.Errorf("output = %+v", o)
	}
	if s, err := config.LoadScenarioFS(fsys, "scenarios/backslashes.yaml"); err != nil || s.Outputs[0].Text != "ok\n" {
		t.Errorf("backslash path: %v", err)
	}
	for _, name := range []string{"scenarios/escape.yaml", "scenarios/absolute.yaml"} {
		_, err := config.LoadScenarioFS(fsys, name)
		checkBad(t, name, err, badCase{line: 14, field: "outputs[0].file", msg: "must stay inside"})
	}
	_, err = config.LoadScenarioFS(fsys, "scenarios/missing.yaml")
	checkBad(t, "scenarios/missing.yaml", err, badCase{line: 0, msg: "cannot read the scenario"})
}

func TestLoadScenarioFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.yaml")
	_, err := config.LoadScenarioFile(missing)
	checkBad(t, missing, err, badCase{line: 0, msg: "cannot read the scenario"})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%v does not wrap fs.ErrNotExist", err)
	}
	_, err = config.LoadScenarioFile(dir)
	checkBad(t, dir, err, badCase{line: 0, msg: "folder"})
	empty := filepath.Join(dir, "empty.yaml")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = config.LoadScenarioFile(empty)
	checkBad(t, empty, err, badCase{line: 0, msg: "empty"})
}

func TestErrorString(t *testing.T) {
	cases := []struct {
		e    config.Error
		want string
	}{
		{config.Error{File: "a.yaml", Line: 3, Col: 7, Field: "nodes[1].state", Msg: "bad"}, "a.yaml:3:7: nodes[1].state: bad"},
		{config.Error{File: "a.yaml", Line: 3, Col: 7, Msg: "not valid YAML"}, "a.yaml:3:7: not valid YAML"},
		{config.Error{File: "a.yaml", Msg: "the file is empty"}, "a.yaml: the file is empty"},
		{config.Error{File: "a.yaml", Field: "name", Msg: "x"}, "a.yaml: name: x"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
	if strings.Contains((&config.Error{File: "f", Line: 1, Msg: "m"}).Error(), ":0") {
		t.Error("a zero column is printed")
	}
}
