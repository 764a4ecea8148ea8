package sim

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"

	"cmsrunbook/internal/config"
	"cmsrunbook/runbook"
)

// localeScenario is a two-node 2003 CCR whose nodes speak node1 and node2
// (a locale name, or "" for the scenario's default).
func localeScenario(t *testing.T, clusterLocale, node2 string) *Sim {
	t.Helper()
	src := `name: loc
title: Localized nodes
description: Nodes in other languages.
goal: exchange-sp2
cluster: {name: EXCLUS01, type: ccr, os: windows-server-2003, os_sp: 2}
nodes:
  - {name: EXNODE01, exchange: 8.1.240.6}
  - {name: EXNODE02, exchange: 8.1.240.6` + node2 + `}
groups:
  - {name: Cluster Group, owner: EXNODE02}
  - {name: EXCMS01, owner: EXNODE01, cms: true}
media: 'D:\Exchange2007SP2'
` + clusterLocale
	sc, err := config.ParseScenario("loc.yaml", []byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	return New(sc, Options{Seed: 1})
}

// A node's code pages follow its language: the scenario's for every node,
// a node's own where it names one, English for a node that does not exist.
func TestNodeCodePages(t *testing.T) {
	s := localeScenario(t, "locale: ja-JP\n", ", locale: pt-BR")
	for _, c := range []struct {
		node      string
		oem, ansi int
	}{{"EXNODE01", 932, 932}, {"exnode02", 850, 1252}, {"EXNODE09", 437, 1252}} {
		if oem, ansi := s.NodeCodePages(c.node); oem != c.oem || ansi != c.ansi {
			t.Errorf("%s: code pages %d/%d, want %d/%d", c.node, oem, ansi, c.oem, c.ansi)
		}
	}
	s = localeScenario(t, "locale: it-IT\n", "")
	if oem, ansi := s.NodeCodePages("EXNODE02"); oem != 850 || ansi != 1252 {
		t.Errorf("Italian node: %d/%d, want 850/1252", oem, ansi)
	}
	s = localeScenario(t, "", "")
	if oem, ansi := s.NodeCodePages("EXNODE01"); oem != 437 || ansi != 1252 {
		t.Errorf("English node: %d/%d, want 437/1252", oem, ansi)
	}
}

// EncodeOEM writes what a Windows console program writes: the code page's
// bytes, Windows' best fit for a full-width or typographic quote, '?' for
// a character the page cannot hold.
func TestEncodeOEM(t *testing.T) {
	for _, c := range []struct {
		cp   int
		in   string
		want []byte
	}{
		{932, "ノード", []byte{0x83, 0x6d, 0x81, 0x5b, 0x83, 0x68}},
		{850, "Nó ação", []byte{'N', 0xa2, ' ', 'a', 0x87, 0xc6, 'o'}},
		{1252, "Nó", []byte{'N', 0xf3}},
		{437, "Nó", []byte{'N', 0xa2}},
		{850, "D:\\Ｍedia\uff02x", []byte("D:\\Media\"x")},
		{850, "“q”", []byte(`"q"`)},
		{850, "ノ", []byte("?")},
		{4242, "Nó", []byte{'N', 0xa2}}, // unknown: 437
	} {
		if got := EncodeOEM(c.cp, c.in); !bytes.Equal(got, c.want) {
			t.Errorf("EncodeOEM(%d, %q) = % x, want % x", c.cp, c.in, got, c.want)
		}
	}
}

// Every language has a word for every state cluster.exe prints and for
// every Setup step the simulator names, and all of its text survives its
// own OEM code page: a word that came out as '?' on the wire would be a
// bug in the table, not a property of Windows.
func TestLocaleTextsAreCompleteAndEncodable(t *testing.T) {
	var states []string
	for _, s := range []runbook.NodeState{runbook.NodeUp, runbook.NodeDown, runbook.NodePaused, runbook.NodeJoining} {
		states = append(states, s.Display())
	}
	for _, g := range []runbook.GroupState{runbook.GroupOnline, runbook.GroupPartiallyOnline, runbook.GroupOnlinePending,
		runbook.GroupOffline, runbook.GroupOfflinePending, runbook.GroupFailed} {
		states = append(states, g.Display())
	}
	for _, name := range config.Locales {
		l := localeOf(name)
		if name != "en-US" && l == &english {
			t.Errorf("%s has no texts", name)
			continue
		}
		texts := []string{l.cluster.nodesTitle, l.cluster.nodeTitle, l.cluster.groupsTitle, l.cluster.groupTitle,
			l.cluster.resTitle, l.cluster.resOneTitle, l.cluster.nodeHeader, l.cluster.groupHeader, l.cluster.resHeader,
			l.cluster.pausing, l.cluster.resuming, l.cluster.moving, l.cluster.bringingOnline, l.cluster.takingOffline,
			l.setup.welcome, l.setup.preparing, l.setup.upgradeRoles, l.setup.prereq, l.setup.configuring,
			l.setup.completed, l.setup.failed, l.setup.success, l.setup.notDone, l.setup.errorLine, l.setup.reboot}
		if name != "en-US" {
			for _, st := range states {
				w, ok := l.cluster.states[st]
				if !ok {
					t.Errorf("%s has no word for %s", name, st)
				}
				texts = append(texts, w)
			}
			for en := range japaneseText.setup.steps {
				w, ok := l.setup.steps[en]
				if !ok {
					t.Errorf("%s has no name for the Setup step %q", name, en)
				}
				texts = append(texts, w)
			}
		}
		for _, s := range texts {
			if s == "" {
				t.Errorf("%s: an empty text", name)
			}
			if enc := EncodeOEM(l.oem, s); bytes.Contains(enc, []byte("?")) && !strings.Contains(s, "?") {
				t.Errorf("%s: %q does not fit code page %d", name, s, l.oem)
			}
		}
	}
}

// cluster.exe on a Japanese node prints its listing in Japanese, and the
// bytes the node would send decode back to the same text from cp932.
func TestClusterExeSpeaksTheNodesLanguage(t *testing.T) {
	s := localeScenario(t, "locale: ja-JP\n", ", locale: it-IT")
	r := console(t, s, "EXNODE01", "cluster.exe node")
	if r.exit != 0 || !strings.Contains(r.out, "ノード         ノード ID 状態") || !strings.Contains(r.out, "EXNODE02             2 稼働中") {
		t.Fatalf("Japanese cluster node:\n%s", r)
	}
	wire := EncodeOEM(932, r.out)
	back, err := japanese.ShiftJIS.NewDecoder().Bytes(wire)
	if err != nil || string(back) != r.out {
		t.Errorf("cp932 round trip: %v\n%q\n%q", err, back, r.out)
	}

	r = console(t, s, "EXNODE02", "cluster.exe group")
	if r.exit != 0 || !strings.Contains(r.out, "Gruppo               Nodo            Stato") || !strings.Contains(r.out, "In linea") || strings.Contains(r.out, "Online") {
		t.Fatalf("Italian cluster group:\n%s", r)
	}
	r = console(t, s, "EXNODE02", "cluster.exe node EXNODE02 /pause")
	if r.exit != 0 || !strings.Contains(r.out, "Sospensione del nodo 'EXNODE02' in corso...") || !strings.Contains(r.out, "Sospeso") {
		t.Fatalf("Italian pause:\n%s", r)
	}
	back, err = charmap.CodePage850.NewDecoder().Bytes(EncodeOEM(850, r.out))
	if err != nil || string(back) != r.out {
		t.Errorf("cp850 round trip: %v\n%q", err, back)
	}
	// The world is the same whatever the language: the pause happened.
	obs := s.Snapshot()
	if st := obs.Cluster.Node("EXNODE02").State; st != runbook.NodePaused {
		t.Errorf("EXNODE02 is %s after the Italian pause", st)
	}
}

// Setup.com on a Portuguese node prints its steps and verdict in
// Portuguese; on an English node the real capture's English lines.
func TestSetupSpeaksTheNodesLanguage(t *testing.T) {
	s := localeScenario(t, "locale: pt-BR\n", "")
	out, st := job(t, s, "EXNODE02", runbook.KindSetupUpgrade, `D:\Exchange2007SP2\Setup.com /mode:upgrade`, "s1")
	if st.ExitCode != 0 || !strings.Contains(out, "Copiando arquivos do Exchange") || !strings.Contains(out, "CONCLUÍDO") ||
		!strings.Contains(out, "A operação de instalação do Microsoft Exchange Server foi concluída com êxito.") || strings.Contains(out, "COMPLETED") {
		t.Fatalf("Portuguese Setup (exit %d):\n%s", st.ExitCode, out)
	}
	obs := s.Snapshot()
	if b := obs.Cluster.Node("EXNODE02").Build; !b.AtLeast(runbook.BuildSP2) {
		t.Errorf("the Portuguese Setup did not upgrade EXNODE02: %s", b)
	}

	s = localeScenario(t, "", "")
	out, st = job(t, s, "EXNODE02", runbook.KindSetupUpgrade, `D:\Exchange2007SP2\Setup.com /mode:upgrade`, "s1")
	if st.ExitCode != 0 || !strings.Contains(out, setupSuccess) || !strings.Contains(out, "Copying Exchange files") {
		t.Fatalf("English Setup (exit %d):\n%s", st.ExitCode, out)
	}
}

// A refused Setup on a Japanese node says so in Japanese and exits 1.
func TestSetupRefusalInJapanese(t *testing.T) {
	s := localeScenario(t, "locale: ja-JP\n", "")
	out, st := job(t, s, "EXNODE01", runbook.KindSetupUpgrade, `D:\Exchange2007SP2\Setup.com /mode:upgrade`, "s1")
	if st.ExitCode != 1 || !strings.Contains(out, "メールボックスの役割のチェック") || !strings.Contains(out, "失敗") ||
		!strings.Contains(out, japaneseText.setup.errorLine) {
		t.Fatalf("Japanese refusal (exit %d):\n%s", st.ExitCode, out)
	}
}
