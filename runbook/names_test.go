package runbook

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidateHostName(t *testing.T) {
	good := []string{"EXNODE01", "exnode-02", "A", "SCC-N8", "NODE123456789AB"}
	bad := []string{"", "EX NODE", "EXNODE01.example.local", "-EXNODE", "EXNODE-", "12345", "NODE1234567890ABC", `EX"NODE`, "EX%NODE", "EX&NODE", "EXNÖDE", "EX\tNODE", "EX'NODE"}
	for _, s := range good {
		if err := ValidateHostName(s); err != nil {
			t.Errorf("%q refused: %v", s, err)
		}
	}
	for _, s := range bad {
		if err := ValidateHostName(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestValidateGroupName(t *testing.T) {
	good := []string{"Cluster Group", "Disk Group", "SQL (Prod) & Files", "Grupo de clúster", "クラスタ グループ", `Share K:\data`}
	bad := []string{"", " Cluster Group", "Cluster Group ", `Cluster "Group"`, "Group%PATH%", "/move", "-x", `Trailing\`, "Tab\there", "New\nline", "O'Brien", "Smart\u2019quote", "bad\xffutf8", "\u200bzero"}
	for _, s := range good {
		if err := ValidateGroupName(s); err != nil {
			t.Errorf("%q refused: %v", s, err)
		}
	}
	for _, s := range bad {
		if err := ValidateGroupName(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestValidateWindowsPath(t *testing.T) {
	good := []string{`D:\Exchange2007SP2`, `C:\Program Files\Exchange SP2\`, `\\fileserver\media\Exchange2007SP2`, `D:\Updates\Exchange2007-KB972705-x64-EN.msp`}
	bad := []string{"", `Exchange2007SP2`, `/mnt/media`, `D:Exchange`, `D:\a"b`, `D:\%TEMP%`, `D:\*.msp`, `D:\a|b`, "D:\\a\nb", `D:\a:b`}
	for _, s := range good {
		if err := ValidateWindowsPath(s); err != nil {
			t.Errorf("%q refused: %v", s, err)
		}
	}
	for _, s := range bad {
		if err := ValidateWindowsPath(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestRenderedCommands(t *testing.T) {
	cases := map[string]string{
		PauseNodeCommand("EXNODE02"):                             "cluster.exe node EXNODE02 /pause",
		MoveGroupCommand("Cluster Group", "EXNODE01", 0):         `cluster.exe group "Cluster Group" /move:EXNODE01 /wait:300`,
		SetupUpgradeCommand(`D:\Exchange2007SP2`):                `D:\Exchange2007SP2\Setup.com /mode:upgrade`,
		SetupUpgradeCommand(`C:\Exchange SP2\`):                  `"C:\Exchange SP2\Setup.com" /mode:upgrade`,
		UpgradeCMSCommand(`D:\Exchange2007SP2`):                  `D:\Exchange2007SP2\Setup.com /upgradecms`,
		StopCMSCommand("EXCMS01", "SP2 upgrade"):                 `Stop-ClusteredMailboxServer -Identity 'EXCMS01' -StopReason 'SP2 upgrade' -Confirm:$false`,
		MoveCMSCommand("EXCMS01", "EXNODE02", "it's $(evil)"):    `Move-ClusteredMailboxServer -Identity 'EXCMS01' -TargetMachine 'EXNODE02' -MoveComment 'its (evil)' -Confirm:$false`,
		RebootCommand(ReasonOSHotfix, `a "quoted" 100% comment`): `shutdown /r /t 5 /d p:2:17 /c "a quoted 100 comment"`,
		InstallRollupCommand(`D:\U\RU1.msp`):                     `msiexec.exe /update D:\U\RU1.msp /quiet /norestart /l*v "C:\ExchangeSetupLogs\cmsrunbook-RU1.log"`,
		InstallPatchCommand(`E:\Fix es\KB1.v2.msp`):              `msiexec.exe /update "E:\Fix es\KB1.v2.msp" /quiet /norestart /l*v "C:\ExchangeSetupLogs\cmsrunbook-KB1.v2.log"`,
		InstallPatchCommand(`E:\Fixes\Windows6.0-KB1-x64.msu`):   `wusa.exe E:\Fixes\Windows6.0-KB1-x64.msu /quiet /norestart`,
		StartCMSCommand("EXCMS01"):                               `Start-ClusteredMailboxServer -Identity 'EXCMS01' -Confirm:$false`,
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
}

// cmdArgv reads a command line the way cmd.exe and then a program's argv
// parser (CommandLineToArgvW rules) would, and reports whether cmd.exe
// would act on any character: a metacharacter outside quotes, any percent
// sign, or an unbalanced quote.
func cmdArgv(line string) (args []string, unsafe string) {
	inQ := false
	for _, r := range line {
		switch {
		case r == '"':
			inQ = !inQ
		case r == '%':
			return nil, "percent"
		case !inQ && strings.ContainsRune("&|<>^()", r):
			return nil, "metacharacter " + string(r)
		case r < 0x20:
			return nil, "control character"
		}
	}
	if inQ {
		return nil, "unbalanced quote"
	}
	var cur strings.Builder
	have := false
	inQ = false
	bs := 0
	flush := func() {
		if have {
			args = append(args, cur.String())
		}
		cur.Reset()
		have = false
	}
	for _, r := range line {
		switch {
		case r == '\\':
			bs++
			have = true
			continue
		case r == '"':
			cur.WriteString(strings.Repeat(`\`, bs/2))
			if bs%2 == 1 {
				cur.WriteRune('"')
			} else {
				inQ = !inQ
			}
			bs = 0
			have = true
			continue
		}
		cur.WriteString(strings.Repeat(`\`, bs))
		bs = 0
		if (r == ' ' || r == '\t') && !inQ {
			flush()
			continue
		}
		cur.WriteRune(r)
		have = true
	}
	cur.WriteString(strings.Repeat(`\`, bs))
	flush()
	return args, ""
}

// psLiteral reads back a PowerShell single-quoted literal starting at s[0]
// and returns its value and the rest of the line.
func psLiteral(s string) (val, rest string, ok bool) {
	isQ := func(r rune) bool { return r == '\'' || strings.ContainsRune(smartQuotes, r) }
	r, n := utf8.DecodeRuneInString(s)
	if !isQ(r) {
		return "", s, false
	}
	s = s[n:]
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		s = s[n:]
		if isQ(r) {
			r2, n2 := utf8.DecodeRuneInString(s)
			if len(s) > 0 && isQ(r2) {
				b.WriteRune(r2)
				s = s[n2:]
				continue
			}
			return b.String(), s, true
		}
		b.WriteRune(r)
	}
	return "", "", false
}

// FuzzGroupMoveCommand: no group name that passes validation changes what
// cluster.exe receives: argv is exactly the five intended arguments.
func FuzzGroupMoveCommand(f *testing.F) {
	for _, s := range []string{"Cluster Group", "SQL (Prod) & Files", `a\b`, "x^y", "!bang!", `q"uote`, "per%cent%", "tab\t", "クラスタ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidateGroupName(name) != nil {
			return
		}
		line := MoveGroupCommand(name, "EXNODE01", 300)
		args, unsafe := cmdArgv(line)
		if unsafe != "" {
			t.Fatalf("valid name %q renders an unsafe line (%s): %s", name, unsafe, line)
		}
		want := []string{"cluster.exe", "group", name, "/move:EXNODE01", "/wait:300"}
		if strings.Join(args, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("valid name %q: argv %q, want %q", name, args, want)
		}
	})
}

// FuzzPSQuote: any text quoted by PSQuote reads back as the same literal
// and nothing follows it.
func FuzzPSQuote(f *testing.F) {
	for _, s := range []string{"EXCMS01", "it's", "‘smart’", "$(Remove-Item C:\\)", "`n", "''"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		val, rest, ok := psLiteral(PSQuote(s))
		if !ok || val != s || rest != "" {
			t.Fatalf("PSQuote(%q) = %s reads back as %q rest %q", s, PSQuote(s), val, rest)
		}
	})
}

// FuzzHostNameCommands: valid host names pass through cmd.exe and
// PowerShell unchanged.
func FuzzHostNameCommands(f *testing.F) {
	for _, s := range []string{"EXNODE01", "a-b", "x&y", "EX NODE", "%x%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidateHostName(name) != nil {
			return
		}
		args, unsafe := cmdArgv(PauseNodeCommand(name))
		if unsafe != "" || len(args) != 4 || args[2] != name {
			t.Fatalf("pause %q: %q %s", name, args, unsafe)
		}
		line := StopCMSCommand(name, "SP2 upgrade")
		rest := strings.TrimPrefix(line, "Stop-ClusteredMailboxServer -Identity ")
		val, after, ok := psLiteral(rest)
		if !ok || val != name || !strings.HasPrefix(after, " -StopReason ") {
			t.Fatalf("stop %q: %s", name, line)
		}
	})
}

// FuzzPathCommands: valid media paths reach Setup.com as one argument.
func FuzzPathCommands(f *testing.F) {
	for _, s := range []string{`D:\Exchange2007SP2`, `C:\Program Files\SP2`, `\\srv\share\sp2`, `D:\a&b`, `D:\(x)`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if ValidateWindowsPath(p) != nil {
			return
		}
		args, unsafe := cmdArgv(SetupUpgradeCommand(p))
		want := strings.TrimRight(p, `\`) + `\Setup.com`
		if unsafe != "" || len(args) != 2 || args[0] != want || args[1] != "/mode:upgrade" {
			t.Fatalf("media %q: argv %q (%s)", p, args, unsafe)
		}
	})
}

// A reboot's comment longer than Windows Server 2003's 127 characters would
// make shutdown.exe refuse the restart: it is cut, on a character boundary.
func TestRebootCommentFitsWindows2003(t *testing.T) {
	long := strings.Repeat("é", 300)
	cmd := RebootCommand(ReasonApplicationInstall, long)
	i := strings.Index(cmd, `/c "`)
	if i < 0 || !strings.HasPrefix(cmd, "shutdown /r /t 5 /d p:4:2 ") {
		t.Fatalf("reboot command %q", cmd)
	}
	comment := strings.TrimSuffix(cmd[i+len(`/c "`):], `"`)
	if n := utf8.RuneCountInString(comment); n != 127 || !utf8.ValidString(comment) {
		t.Errorf("comment is %d characters (valid UTF-8: %v); want 127", n, utf8.ValidString(comment))
	}
}

// Each goal's reboot is logged with a planned reason that names what was
// installed: an OS hotfix for os-patch, an application install otherwise.
func TestRebootReasonByGoal(t *testing.T) {
	for g, want := range map[Goal]string{GoalOSPatch: "p:2:17", GoalRollup: "p:4:2", GoalSP2: "p:4:2", GoalSP3: "p:4:2"} {
		if got := RebootCommand(RebootReason(g), "x"); !strings.Contains(got, "/d "+want+" ") {
			t.Errorf("%s: %s, want /d %s", g, got, want)
		}
	}
}
