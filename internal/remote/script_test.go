package remote

import (
	"io/fs"
	"strings"
	"testing"
	"unicode/utf8"

	"cmsrunbook/assets"
	"cmsrunbook/runbook"
)

// FuzzScriptParam: whatever valid name or path a parameter carries, the
// script reads back exactly that literal, as one single-quoted token that
// ends its line (nothing after it can run), and the encoded command
// decodes to the same script.
func FuzzScriptParam(f *testing.F) {
	for _, s := range []string{"EXNODE01", "Cluster Group", `D:\Exchange2007SP2`, "it's", "a\u2019b", "$(Stop-Computer)", "x`y", "Grupo de clúster", `\\srv\share\sp2`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // the loaders refuse invalid UTF-8 before anything is quoted
		}
		if runbook.ValidateHostName(s) != nil && runbook.ValidateGroupName(s) != nil && runbook.ValidateWindowsPath(s) != nil {
			// Quoting must hold for anything on one line, validated or not.
			if strings.ContainsAny(s, "\r\n") {
				return
			}
		}
		script, err := BuildScript(ScriptJobStart, []Param{{"JobId", "r1-s05-x-1"}, {"Line", s}}, "")
		if err != nil {
			t.Fatal(err)
		}
		ps := ParseScript(script)
		if ps.Name != ScriptJobStart || ps.Params["Line"] != s || ps.Params["JobId"] != "r1-s05-x-1" {
			t.Fatalf("%q read back as %+v", s, ps)
		}
		line, err := EncodeCommand(script)
		if err != nil {
			return // too long for cmd.exe: refused, never truncated
		}
		back, ok, err := DecodeCommand(line)
		if !ok || err != nil || back != script {
			t.Fatalf("encoded command does not decode back: %v %v", ok, err)
		}
	})
}

// Every script, with typical parameters, fits cmd.exe's line limit and
// needs nothing beyond PowerShell 1.0.
func TestScriptsFitAndArePowerShell1(t *testing.T) {
	ents, err := fs.ReadDir(assets.Scripts, "scripts")
	if err != nil || len(ents) == 0 {
		t.Fatal(err)
	}
	job := strings.Repeat("j", 100)
	params := map[string][]Param{
		ScriptDiscoverNode:     {{"Cluster", "1"}},
		ScriptDiscoverExchange: {{"Cms", "EXCMS01,EXCMS02,EXCMS03,EXCMS04,EXCMS05,EXCMS06,EXCMS07"}},
		ScriptCmdlet:           {{"Step", "move-cms"}},
		ScriptJobStart:         {{"JobId", job}, {"Line", `"D:\Exchange2007SP2\Setup.com" /mode:upgrade`}, {"Step", "setup-upgrade"}},
		ScriptJobTail:          {{"JobId", job}, {"Offset", "123456789012"}, {"Read", "1"}},
	}
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".ps1")
		raw, _ := fs.ReadFile(assets.Scripts, "scripts/"+e.Name())
		if !strings.HasPrefix(string(raw), MarkerPrefix+name+"\n") {
			t.Errorf("%s: the first line is not the marker", name)
		}
		for _, bad := range []string{"try {", "catch", "ConvertTo-Json", "Invoke-Command", "Add-Type", "@{", "-ErrorVariable"} {
			if bad == "@{" {
				continue // hashtables are PowerShell 1.0
			}
			if strings.Contains(string(raw), bad) {
				t.Errorf("%s uses %s, which PowerShell 1.0 lacks", name, bad)
			}
		}
		line := ""
		if name == ScriptCmdlet {
			line = "Move-ClusteredMailboxServer -Identity 'EXCMS01' -TargetMachine 'EXNODE02' -MoveComment 'Exchange 2007 SP2 maintenance window' -Confirm:$false"
		}
		s, err := BuildScript(name, params[name], line)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := EncodeCommand(s); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestDecodeText(t *testing.T) {
	if got := decodeText([]byte("ok\r"), 932); got != "ok\r" {
		t.Fatal(got)
	}
	// "ノード" in Shift-JIS (cp932), as a Japanese cluster.exe prints it.
	if got := decodeText([]byte{0x83, 0x6d, 0x81, 0x5b, 0x83, 0x68}, 932); got != "ノード" {
		t.Fatalf("cp932: %q", got)
	}
	// "Nó" in cp850 (Portuguese console).
	if got := decodeText([]byte{'N', 0xa2}, 850); got != "Nó" {
		t.Fatalf("cp850: %q", got)
	}
}
