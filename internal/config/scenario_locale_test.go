package config_test

import (
	"testing"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// A scenario's locale is checked where it is written, like every other key.
func TestScenarioLocaleBad(t *testing.T) {
	for _, c := range []badCase{
		{name: "unknown locale", yaml: goodScenario + "locale: fr-FR\n", line: 13, col: 9, field: "locale", msg: `"fr-FR" is not one of en-US, ja-JP, pt-BR, it-IT`},
		{name: "locale not text", yaml: goodScenario + "locale: [ja-JP]\n", line: 13, field: "locale", msg: "expected text"},
		{name: "unknown node locale", yaml: mod(goodScenario, "{name: EXNODE02,", "{name: EXNODE02, locale: ja,"), line: 8, col: 30, field: "nodes[1].locale", msg: `"ja" is not one of`},
		{name: "R2 mixed with 2003", yaml: mod(goodScenario, "{name: EXNODE02,", "{name: EXNODE02, os: windows-server-2008-r2,"), line: 8, field: "nodes[1].os", msg: "cannot mix Windows Server 2003 and Windows Server 2008 R2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.ParseScenario("scn.yaml", []byte(c.yaml), readCaptured)
			checkBad(t, "scn.yaml", err, c)
		})
	}
}

// The scenario's locale reaches every node's OS, a node's own locale wins,
// en-US is the model's "" and the spelling's case does not matter.
func TestScenarioLocaleReachesNodes(t *testing.T) {
	src := goodScenario + "locale: PT-br\n"
	src = mod(src, "{name: EXNODE01,", "{name: EXNODE01, locale: ja-JP,")
	sc, err := config.ParseScenario("scn.yaml", []byte(src), readCaptured)
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Cluster.OS.Locale; got != "pt-BR" {
		t.Errorf("cluster locale %q, want pt-BR", got)
	}
	if a, b := sc.Cluster.Nodes[0].OS.Locale, sc.Cluster.Nodes[1].OS.Locale; a != "ja-JP" || b != "pt-BR" {
		t.Errorf("node locales %q, %q; want ja-JP, pt-BR", a, b)
	}

	sc, err = config.ParseScenario("scn.yaml", []byte(goodScenario+"locale: en-us\n"), readCaptured)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Cluster.OS.Locale != "" || sc.Cluster.Nodes[0].OS.Locale != "" {
		t.Errorf("en-US is not the model's default: %+v", sc.Cluster.OS)
	}
}

// An R2 cluster parses as Windows Server 2008 R2, not as 2008.
func TestScenarioWindows2008R2(t *testing.T) {
	src := mod(goodScenario, "os: windows-server-2003, os_sp: 2", "os: windows-server-2008-r2, os_sp: 1")
	sc, err := config.ParseScenario("scn.yaml", []byte(src), readCaptured)
	if err != nil {
		t.Fatal(err)
	}
	if want := (runbook.OS{Family: runbook.Windows2008R2, SP: 1}); sc.Cluster.OS != want || sc.Cluster.Nodes[1].OS != want {
		t.Errorf("OS %+v / %+v, want %+v", sc.Cluster.OS, sc.Cluster.Nodes[1].OS, want)
	}
}
