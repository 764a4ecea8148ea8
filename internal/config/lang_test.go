package config_test

import (
	"errors"
	"strings"
	"testing"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// TestErrorIn: Error.In keeps FILE:LINE:COL: FIELD: as Error writes it
// and translates what follows; In(nil) and English are Error itself.
func TestErrorIn(t *testing.T) {
	e := &config.Error{File: "inv.yaml", Line: 5, Col: 33, Field: "winrm.auth", Msg: `"digest" is not one of basic, ntlm, kerberos`}
	if got := e.In(nil); got != e.Error() {
		t.Errorf("In(nil) = %q, want Error() %q", got, e.Error())
	}
	if got := e.In(i18n.For(i18n.English)); got != e.Error() {
		t.Errorf("In(English) = %q, want Error() %q", got, e.Error())
	}
	want := map[i18n.Lang]string{
		i18n.Japanese:   `inv.yaml:5:33: winrm.auth: "digest" は basic、ntlm、kerberos のいずれでもありません`,
		i18n.Portuguese: `inv.yaml:5:33: winrm.auth: "digest" não é nenhum de basic, ntlm, kerberos`,
		i18n.Italian:    `inv.yaml:5:33: winrm.auth: "digest" non è nessuno tra basic, ntlm, kerberos`,
	}
	for l, w := range want {
		if got := e.In(i18n.For(l)); got != w {
			t.Errorf("In(%s) = %q, want %q", l, got, w)
		}
	}
	// No line, no field: only FILE: stays.
	e = &config.Error{File: "--scenario", Msg: "no scenario given; name an embedded scenario (cmsrunbook scenarios lists them) or a file"}
	if got := e.In(i18n.For(i18n.Japanese)); !strings.HasPrefix(got, "--scenario: シナリオが指定されていません") {
		t.Errorf("In(ja) = %q", got)
	}
}

// TestBadScenariosTranslated: every mistake of the scenario table reads,
// in each language, with the English prefix and a message that is no
// longer the English one.
func TestBadScenariosTranslated(t *testing.T) {
	for _, c := range badScenarios {
		_, err := config.ParseScenario("scn.yaml", []byte(c.yaml), readCaptured)
		var ce *config.Error
		if !errors.As(err, &ce) {
			t.Fatalf("%s: %v is not a *config.Error", c.name, err)
		}
		prefix := strings.TrimSuffix(ce.Error(), ce.Msg)
		for _, l := range i18n.Langs[1:] {
			got := ce.In(i18n.For(l))
			if !strings.HasPrefix(got, prefix) {
				t.Errorf("%s, %s: %q lost the prefix %q", c.name, l, got, prefix)
				continue
			}
			if rest := strings.TrimPrefix(got, prefix); rest == ce.Msg {
				t.Errorf("%s, %s: the message is still English: %q", c.name, l, rest)
			}
		}
	}
}

// TestFaultSpecHelpTranslated: each line of the --fault help but the
// kinds with their step ids is a message of its own, so every language
// words it; the syntax, the examples and the ids stay as written.
func TestFaultSpecHelpTranslated(t *testing.T) {
	c := &runbook.Cluster{Name: "EXCLUS01", Nodes: []runbook.Node{{Name: "EXNODE01"}, {Name: "EXNODE02"}}}
	en := config.FaultSpecHelp(c)
	for _, l := range i18n.Langs[1:] {
		got := i18n.For(l).Lines(en)
		enLines, lines := strings.Split(en, "\n"), strings.Split(got, "\n")
		if len(lines) != len(enLines) {
			t.Fatalf("%s: %d lines, English has %d:\n%s", l, len(lines), len(enLines), got)
		}
		for i, el := range enLines {
			steps := strings.HasPrefix(el, "    ") && !strings.HasSuffix(el, "any step")
			if steps != (lines[i] == el) {
				t.Errorf("%s: line %d %q (English %q)", l, i+1, lines[i], el)
			}
		}
		for _, w := range []string{config.FaultSpecSyntax, "move-refused@move-cms", "reboot-timeout@reboot-node:NODE", "EXNODE01, EXNODE02", "connection-drop"} {
			if !strings.Contains(got, w) {
				t.Errorf("%s: the help lost %q:\n%s", l, w, got)
			}
		}
	}
}
