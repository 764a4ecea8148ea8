package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// badInputCase is a wrong inventory, scenario or --fault and what its
// exit-2 message says in English and, per language, words the
// translation must hold.
type badInputCase struct {
	name  string
	file  string // written to the test's folder as FILE; "" for none
	text  string
	args  func(file string) []string
	field string // the prefix's field, "" when the error names none
	// english is how the message after the FILE:LINE:COL: FIELD: prefix
	// begins.
	english string
	words   map[string][]string
	// keep are what every language still shows as written: values the
	// user typed, keys, codes.
	keep []string
}

const badInventory = `cluster: EXCLUS01
nodes:
  - {name: EXNODE01, address: exnode01.example.local}
  - {name: EXNODE02, address: exnode02.example.local}
winrm: {user: 'EXAMPLE\exadmin', auth: digest}
goal: exchange-sp2
media: 'D:\Exchange2007SP2'
`

const scenarioHead = `name: lang-test
title: A scenario with a mistake
description: A trainer's scenario with one mistake in it.
goal: exchange-sp2
management_host: {os: windows-server-2003, exchange_tools: rtm}
cluster: {name: EXCLUS01, type: ccr, os: windows-server-2003, os_sp: 2}
`

const scenarioTail = `groups:
  - {name: Cluster Group, owner: EXNODE02, state: online}
  - {name: EXCMS01, owner: EXNODE01, state: online, cms: true}
media: 'D:\Exchange2007SP2'
`

var badInputCases = []badInputCase{
	{
		name: "inventory-auth",
		file: "inventory.yaml",
		text: badInventory,
		args: func(f string) []string { return []string{"plan", "--inventory", f} },
		// The inventory's errors reach Main through the session's
		// InputError.
		field:   "winrm.auth",
		english: `"digest" is not one of basic, ntlm, kerberos`,
		words: map[string][]string{
			"ja":    {"のいずれでもありません"},
			"pt-BR": {"não é nenhum de"},
			"it":    {"non è nessuno tra"},
		},
		keep: []string{`"digest"`, "basic", "ntlm", "kerberos"},
	},
	{
		name: "scenario-node-state",
		file: "state.yaml",
		text: scenarioHead + `nodes:
  - {name: EXNODE01, state: up, exchange: 8.0.685.24}
  - {name: EXNODE02, state: sideways, exchange: 8.0.685.24}
` + scenarioTail,
		args:    func(f string) []string { return []string{"plan", "--scenario", f} },
		field:   "nodes[1].state",
		english: `node state "sideways" is not one of up, down, paused, joining`,
		words: map[string][]string{
			"ja":    {"ノードの状態", "のいずれでもありません"},
			"pt-BR": {"o estado de nó", "não é nenhum de"},
			"it":    {"lo stato del nodo", "non è nessuno tra"},
		},
		keep: []string{`"sideways"`, "paused", "joining"},
	},
	{
		name: "scenario-unknown-key",
		file: "key.yaml",
		text: scenarioHead + `nodez:
  - {name: EXNODE01, exchange: 8.0.685.24}
` + scenarioTail,
		args:    func(f string) []string { return []string{"plan", "--scenario", f} },
		field:   "nodez",
		english: `unknown key "nodez" (did you mean "nodes"?); the keys here are name, title, description, goal, management_host, cluster, nodes, groups, replication, quorum, media, package, package_build, reboot, move_back, faults, outputs, timing, locale, twin`,
		words: map[string][]string{
			"ja":    {"不明なキー", "ここで使用できるキー"},
			"pt-BR": {"chave desconhecida", "você quis dizer"},
			"it":    {"chiave sconosciuta", "forse si intendeva"},
		},
		keep: []string{`"nodez"`, `"nodes"`, "management_host, cluster, nodes"},
	},
	{
		name: "scenario-missing-file",
		args: func(string) []string {
			return []string{"plan", "--scenario", filepath.Join("no-such-folder", "scenario.yaml")}
		},
		english: "no embedded scenario has this name and no file has this path; the embedded scenarios are ccr-2003-sp2",
		words: map[string][]string{
			"ja":    {"組み込みシナリオ"},
			"pt-BR": {"nenhum cenário incorporado"},
			"it":    {"nessuno scenario incorporato"},
		},
		keep: []string{"ccr-2003-sp2"},
	},
	{
		name: "fault-spec",
		args: func(string) []string {
			return []string{"sim", "--scenario", "ccr-2003-sp2", "--headless", "--yes", "--fault", "bogus@move-cms"}
		},
		english: `fault kind "bogus" is not one of move-refused, move-late-failure, setup-fails, reboot-timeout, pause-fails, group-move-fails, connection-drop, auth-failure, setup-fails-after-copy, upgradecms-partially-online`,
		words: map[string][]string{
			"ja":    {"障害の種類", "種類と、それが発生する手順:", "任意の手順"},
			"pt-BR": {"o tipo de falha", "tipos e as etapas em que ocorrem:", "qualquer etapa"},
			"it":    {"il tipo di guasto", "tipi e passaggi in cui si verificano:", "qualsiasi passaggio"},
		},
		keep: []string{`"bogus"`, "move-refused@move-cms", "reboot-timeout@reboot-node:NODE", "KIND@STEP[:NODE][xTIMES]", "EXNODE01, EXNODE02"},
	},
}

// TestConfigErrorsLang: a wrong inventory, scenario or --fault exits 2
// in every language with the English FILE:LINE:COL: FIELD: prefix, so an
// editor still jumps to the spot, and the message after it translated,
// with the values the user typed and the keys as written; English is as
// it always was.
func TestConfigErrorsLang(t *testing.T) {
	dir := t.TempDir()
	for _, c := range badInputCases {
		t.Run(c.name, func(t *testing.T) {
			file := ""
			if c.file != "" {
				file = filepath.Join(dir, c.file)
				if err := os.WriteFile(file, []byte(c.text), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			args := c.args(file)
			code, _, en := run(t, append(args, "--lang", "en")...)
			if code != 2 {
				t.Fatalf("English: exit %d, want 2: %s", code, en)
			}
			first, _, _ := strings.Cut(en, "\n")
			i := strings.Index(first, c.english)
			if i < 0 {
				t.Fatalf("English message changed:\n got %q\nwant it to hold %q", first, c.english)
			}
			prefix, englishRest := first[:i], first[i:]
			if !strings.HasPrefix(prefix, "cmsrunbook: ") {
				t.Fatalf("English message %q does not start with cmsrunbook: ", first)
			}
			if c.file != "" && !strings.HasPrefix(prefix, "cmsrunbook: "+file+":") {
				t.Errorf("English prefix %q does not name %s:LINE:COL", prefix, file)
			}
			if c.field != "" && !strings.HasSuffix(prefix, ": "+c.field+": ") {
				t.Errorf("English prefix %q does not end in the field %s", prefix, c.field)
			}
			for lang, words := range c.words {
				t.Run(lang, func(t *testing.T) {
					code, _, msg := run(t, append(args, "--lang", lang)...)
					if code != 2 {
						t.Fatalf("exit %d, want 2: %s", code, msg)
					}
					if !strings.HasPrefix(msg, prefix) {
						t.Fatalf("the FILE:LINE:COL: FIELD: prefix changed:\n got %q\nwant %q", msg, prefix)
					}
					rest := strings.TrimPrefix(msg, prefix)
					if firstRest, _, _ := strings.Cut(rest, "\n"); firstRest == englishRest {
						t.Fatalf("the message is still English: %q", msg)
					}
					for _, w := range words {
						if !strings.Contains(rest, w) {
							t.Errorf("the message lacks %q:\n%s", w, msg)
						}
					}
					for _, w := range c.keep {
						if !strings.Contains(rest, w) {
							t.Errorf("the message lost %q, which stays as written:\n%s", w, msg)
						}
					}
					if lang != "pt-BR" && lang != "it" { // Japanese has none of these English words left
						for _, w := range []string{" is not one of ", "unknown key", "kinds, and the steps", "no embedded scenario"} {
							if strings.Contains(rest, w) {
								t.Errorf("the message still says %q:\n%s", w, msg)
							}
						}
					}
				})
			}
		})
	}
}
