package config_test

import (
	"os"
	"path/filepath"
	"testing"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// The examples of DESIGN section 8, verbatim: what the documentation shows
// must load.
const designScenario = `name: ccr-2003-sp2
title: Two-node CCR on Windows Server 2003 SP2, Exchange 2007 RTM to SP2
description: ...
goal: exchange-sp2
management_host: {os: windows-server-2003, exchange_tools: rtm}
cluster: {name: EXCLUS01, type: ccr, os: windows-server-2003, os_sp: 2}
nodes:
  - {name: EXNODE01, state: up, exchange: 8.0.685.24}
  - {name: EXNODE02, state: up, exchange: 8.0.685.24, pending_reboot: false}
groups:
  - {name: Cluster Group, owner: EXNODE02, state: online}
  - {name: EXCMS01, owner: EXNODE01, state: online, cms: true}
replication: {healthy: true, copy_queue: 0, replay_queue: 0}
media: 'D:\Exchange2007SP2'
faults:
  - {step: move-cms, kind: move-refused, times: 1}
  - {step: reboot-node, node: EXNODE02, kind: reboot-timeout}
outputs:            # optional: replay captured output for a step instead of the simulated one
  - {step: setup-upgrade, node: EXNODE02, file: captured/setup-ok.txt, exit_code: 0}
  - {step: setup-upgrade, node: EXNODE01, file: captured/setup-1603.txt, exit_code: 0, effect: failure}
timing: {setup_upgrade: 1800s, reboot: 240s}
`

const designInventory = `cluster: EXCLUS01
nodes:
  - {name: EXNODE01, address: exnode01.example.local}
  - {name: EXNODE02, address: exnode02.example.local, port: 5986}
winrm: {transport: https, auth: ntlm, user: 'EXAMPLE\exadmin', ca_file: ca.pem,
        insecure_skip_verify: false, operation_timeout: 60s}
goal: exchange-sp2
media: 'D:\Exchange2007SP2'           # where Setup.com is, on each node
package: 'D:\Updates\Exchange2007-KB123456-x64-EN.msp'   # for update-rollup / os-patch
management_host: {os: windows-server-2008, exchange_tools: sp1}   # optional; detected on Windows
window: {start: "2026-11-28T22:00:00+01:00", end: "2026-11-29T02:00:00+01:00"}   # optional
`

func TestDesignExamples(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("scenario.yaml", designScenario)
	write("captured/setup-ok.txt", "ok\n")
	write("captured/setup-1603.txt", "Error code is 1603.\n")
	write("inventory.yaml", designInventory)
	write("ca.pem", "pem\n")

	s, err := config.LoadScenarioFile(filepath.Join(dir, "scenario.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Faults) != 2 || s.Faults[1].Node != "EXNODE02" || s.Faults[1].Times != 1 || len(s.Outputs) != 2 || s.Outputs[1].Effect != config.EffectFailure {
		t.Errorf("faults %+v outputs %+v", s.Faults, s.Outputs)
	}
	inv, err := config.LoadInventoryFile(filepath.Join(dir, "inventory.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if inv.WinRM.CAFile != filepath.Join(dir, "ca.pem") || inv.Options.Goal != runbook.GoalSP2 || inv.Window == nil || len(inv.Warnings) != 0 {
		t.Errorf("inventory %+v", inv)
	}
}
