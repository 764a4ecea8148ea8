package ps

import (
	"context"
	"strings"
	"testing"
)

type result struct {
	out  []string
	err  []string
	code int
}

func (r result) String() string {
	return "stdout:\n" + strings.Join(r.out, "\n") + "\nstderr:\n" + strings.Join(r.err, "\n")
}

func runOn(h *fakeHost, script string) result {
	var r result
	r.code = Run(context.Background(), script, h,
		func(l string) { r.out = append(r.out, l) },
		func(l string) { r.err = append(r.err, l) })
	return r
}

// TestLanguage runs one script per construct the project's scripts use
// and checks what a user of powershell.exe would see: stdout, the exit
// code, and that nothing went to stderr unless an error is expected.
func TestLanguage(t *testing.T) {
	for _, tc := range []struct {
		name, script, want string
		code               int
	}{
		{"comment and assignment", "# a comment\n$v = 'a' # trailing\n$v", "a", 0},
		{"null assignment discards", "$null = 'hidden'\n'shown'", "shown", 0},
		{"statements on one line", "'a'; 'b'", "a\nb", 0},
		{"array +=", "$p = @()\n$p += 'x'\n$p += 'y'\n'' + $p.Count + ':' + [string]::Join(',', $p)", "2:x,y", 0},
		{"+= on a null variable makes a scalar", "$q += 'x'\n$q", "x", 0},
		{"hashtable index set and case-insensitive get", "$x = @{}\n$x['Abc'] = 1\n$x['ABC'] + $x.abc + $x.Count", "3", 0},
		{"hashtable missing key is null", "$x = @{}\nif (-not $x['nope']) { 'none' }", "none", 0},
		{"hashtable literal", "$h = @{ a = 1; b = 'two' }\n$h.b + $h['a']", "two1", 0},
		{"double-quoted escapes", "\"a`tb\"", "a\tb", 0},
		{"double-quoted expansion", "$n = 'X'; \"<$n>\"", "<X>", 0},
		{"expansion of env and member text", "\"$env:TEMP.x\"", `C:\Temp.x`, 0},
		{"subexpression in a string", "$a = 'ab'; \"len $($a.Length)\"", "len 2", 0},
		{"single quotes keep everything", "'$n `t'", "$n `t", 0},
		{"doubled single quote", "'it''s'", "it's", 0},
		{"typographic quotes are quotes", "\u2018it\u2019\u2019s\u2019", "it\u2019s", 0},
		{"string plus number", "'' + 1 + 2", "12", 0},
		{"number plus string", "1 + '2'", "3", 0},
		{"array plus array", "$a = @(1) + @(2, 3)\n$a.Count", "3", 0},
		{"left string compares as string", "'10' -gt 9", "False", 0},
		{"left number compares as number", "10 -gt '9'", "True", 0},
		{"-eq is case-insensitive", "'abc' -eq 'ABC'", "True", 0},
		{"-ceq is not", "'abc' -ceq 'ABC'", "False", 0},
		{"-ne and -le", "(1 -ne 2) -and (2 -le 2)", "True", 0},
		{"-eq on an array filters", "$r = (1, 2, 1) -eq 1\n$r.Count", "2", 0},
		{"-like wildcards", "('Microsoft Exchange System Attendant' -like 'microsoft exchange*') -and ('ab' -like 'a?') -and -not ('abc' -like 'a[xy]c')", "True", 0},
		{"-match sets matches", "if ('Name=\"EX\\\\01\"' -match 'Name=\"(.*)\"') { $matches[1].Replace('\\\\', '\\') }", `EX\01`, 0},
		{"-match failing keeps matches", "$null = 'a1' -match '(\\d)'\n$null = 'b' -match '(\\d)'\n$matches[1]", "1", 0},
		{"-not, ! and -or", "$s = $null\nif (-not $s -or $s.State -ne 'Running') { 'down' }\nif (!$s) { 'none' }", "down\nnone", 0},
		{"-and short-circuits", "$s = $null\nif ($s -and $s.Foo()) { 'x' } else { 'ok' }", "ok", 0},
		{"parenthesised pipeline member", "(Get-Item 'C:\\f.txt').Length", "5", 0},
		{"if elseif else across lines", "$v = 2\nif ($v -eq 1) { 'one' }\nelseif ($v -eq 2) { 'two' }\nelse { 'many' }", "two", 0},
		{"else on the next line", "if ($false) { 'a' }\nelse { 'b' }", "b", 0},
		{"foreach and continue", "foreach ($n in 'a,,b'.Split(',')) {\n if ($n -eq '') { continue }\n 'n=' + $n\n}", "n=a\nn=b", 0},
		{"foreach over a comma list", "foreach ($c in 'x', 'y') { $c }", "x\ny", 0},
		{"exit code", "'before'\nexit 3\n'after'", "before", 3},
		{"exit with no value", "exit", "", 0},
		{"ForEach-Object sets $_ in the caller's scope", "$z = ''\n1, 2 | ForEach-Object { $z = $z + $_ }\n$z", "12", 0},
		{"Where-Object filters", "1, 2, 3 | Where-Object { $_ -gt 1 } | ForEach-Object { 'v' + $_ }", "v2\nv3", 0},
		{"Select-Object -First", "'a', 'b', 'c' | Select-Object -First 2", "a\nb", 0},
		{"Select-Object -First on host output", "Get-Content 'C:\\f.txt' | Select-Object -First 1", "hello", 0},
		{"Sort-Object", "3, 1, 2 | Sort-Object", "1\n2\n3", 0},
		{"Sort-Object -Descending", "'b', 'a' | Sort-Object -Descending", "b\na", 0},
		{"string methods", "'  Ab.cd  '.Trim().ToUpper().Replace('.', '-') + 'x'.Length", "AB-CD1", 0},
		{"Split and index", "$v = '6.0.6002'\n[int]$v.Split('.')[0] -ge 6", "True", 0},
		{"array Count and index", "$a = 'x', 'y', 'z'\n'' + $a.Count + $a[1] + $a[-1]", "3yz", 0},
		{"out of range index is null", "$a = @(1)\nif ($a[5] -eq $null) { 'null' }", "null", 0},
		{"Count of a scalar is null in 1.0", "$s = 'x'\nif ($s.Count -eq $null) { 'none' }", "none", 0},
		{"int cast trims", "[int]'3010 ' + 1", "3011", 0},
		{"int cast rounds half to even", "[int]2.5", "2", 0},
		{"long cast", "[long]'5000000000' + 1", "5000000001", 0},
		{"string cast of a number", "[string]12 + 3", "123", 0},
		{"Math Min", "[Math]::Min(70000 - 1, 65536)", "65536", 0},
		{"Convert base64 with range", "$b = [Text.Encoding]::UTF8.GetBytes('hello')\n[Convert]::ToBase64String($b, 1, 3)", "ZWxs", 0},
		{"FromBase64String and UTF8", "[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('aMOp'))", "h\u00e9", 0},
		{"string Join", "[string]::Join('-', @('a', 'b'))", "a-b", 0},
		{"OEM encoding bytes", "[Text.Encoding]::GetEncoding(850).GetBytes('\u00e9')[0]", "130", 0},
		{"Shift-JIS round trip", "$e = [Text.Encoding]::GetEncoding(932)\n$e.GetString($e.GetBytes('\u65e5\u672c')) -eq '\u65e5\u672c'", "True", 0},
		{"unmappable character does not round-trip", "$e = [Text.Encoding]::GetEncoding(437)\n$e.GetString($e.GetBytes('\u65e5')) -eq '\u65e5'", "False", 0},
		{"Default is the ANSI code page", "[Text.Encoding]::Default.CodePage", "1252", 0},
		{"OEM code page from the culture", "[Globalization.CultureInfo]::CurrentCulture.TextInfo.OEMCodePage", "437", 0},
		{"New-Object byte[]", "$n = 4\n$a = New-Object byte[] $n\n$a.Length", "4", 0},
		{"env variables", "$env:COMPUTERNAME", "EXNODE01", 0},
		{"unknown env variable is null", "if ($env:NOPE -eq $null) { 'null' }", "null", 0},
		{"Write-Output and Write-Host", "Write-Output 'a'\nWrite-Host 'b' 'c'", "a\nb c", 0},
		{"Out-Null", "'x' | Out-Null\n'y'", "y", 0},
		{"Out-String", "$s = 'a', 'b' | Out-String\n$s.Length", "6", 0},
		{"-f and ranges", "'{0}-{1}' -f 'a', (1..3).Count", "a-3", 0},
		{"-replace", "'a.b.c' -replace '\\.', '/'", "a/b/c", 0},
		{"-contains", "@('a', 'B') -contains 'b'", "True", 0},
		{"while", "$i = 0\nwhile ($i -lt 3) { $i += 1 }\n$i", "3", 0},
		{"nested member set on a host object", "$s = New-Object -ComObject Schedule.Service\n$w = $s.NewTask(0)\n$w.Settings.ExecutionTimeLimit = 'PT0S'\n$w.Settings.ExecutionTimeLimit", "PT0S", 0},
		{"DateTime arithmetic", "((Get-Date) - (Get-Item 'C:\\f.txt').LastWriteTime).TotalSeconds -gt 120", "True", 0},
		{"line continuation", "'a' + `\n'b'", "ab", 0},
		{"pipe at the end of a line", "1, 2 |\nForEach-Object { $_ * 2 }", "2\n4", 0},
		{"dollar-question after a native success", "schtasks.exe /run /tn nope\n$?\n$LASTEXITCODE", "ERROR: The system cannot find the file specified.\nFalse\n1", 0},
		{"stdin by $input", "$input | ForEach-Object { 'got ' + $_ }", "got line1\ngot line2", 0},
		{"throw ends the script", "throw 'boom'\n'after'", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHost()
			h.files[`c:\f.txt`] = "hello"
			h.stdin = "line1\r\nline2\r\n"
			r := runOn(h, tc.script)
			if got := strings.Join(r.out, "\n"); got != tc.want || r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s\nwant stdout:\n%s", r.code, tc.code, r, tc.want)
			}
			if len(r.err) > 0 && tc.code == 0 {
				t.Errorf("unexpected stderr:\n%s", r)
			}
		})
	}
}

// TestErrors covers how errors end (or do not end) a script, as
// powershell.exe -EncodedCommand reports them.
func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		out, err     []string
		code         int
	}{
		{
			name:   "a non-terminating error prints and the script goes on",
			script: "Get-Item 'C:\\nope'\n'after'",
			out:    []string{"after"},
			err:    []string{"Get-Item : Cannot find path 'C:\\nope' because it does not exist.", "At line:1 char:9", "+ Get-Item  <<<< 'C:\\nope'"},
		},
		{
			name:   "SilentlyContinue hides it and sets $?",
			script: "$k = Get-ItemProperty 'HKLM:\\NOPE' -ErrorAction SilentlyContinue\n'' + $? + [int]($k -eq $null)",
			out:    []string{"False1"},
		},
		{
			name:   "the last statement failing gives exit 1",
			script: "'x'\nGet-Item 'C:\\nope' -ea SilentlyContinue",
			out:    []string{"x"},
			code:   1,
		},
		{
			name:   "an unknown command",
			script: "Get-Frobnitz -Identity X",
			err: []string{"The term 'Get-Frobnitz' is not recognized as a cmdlet, function, operable program, or script file. Verify the term and try again.",
				"At line:1 char:13", "+ Get-Frobnitz <<<< -Identity X"},
			code: 1,
		},
		{
			name:   "Stop preference and trap: $_ to stdout, exit 1",
			script: "$ErrorActionPreference = 'Stop'\ntrap { $_; exit 1 }\nGet-Item 'C:\\nope'\n'not reached'",
			out:    []string{"Get-Item : Cannot find path 'C:\\nope' because it does not exist.", "At line:3 char:9", "+ Get-Item  <<<< 'C:\\nope'"},
			code:   1,
		},
		{
			name:   "Stop preference without trap ends the script",
			script: "$ErrorActionPreference = 'Stop'\nGet-Item 'C:\\nope'\n'not reached'",
			err: []string{"Get-Item : " + stopPrefix + "Cannot find path 'C:\\nope' because it does not exist.",
				"At line:2 char:9", "+ Get-Item  <<<< 'C:\\nope'"},
			code: 1,
		},
		{
			name:   "a trap that does not exit lets the script go on",
			script: "trap { 'trapped: ' + $_ }\n[int]'Echo is OFF'\n'after'",
			out:    []string{"trapped: Cannot convert value \"Echo is OFF\" to type \"System.Int32\". Error: \"Input string was not in a correct format.\"", "after"},
			err:    []string{"Cannot convert value \"Echo is OFF\" to type \"System.Int32\". Error: \"Input string was not in a correct format.\"", "At line:2 char:5", "+ [int] <<<< 'Echo is OFF'"},
		},
		{
			name:   "trap continue suppresses the error",
			script: "trap { continue }\n$x = $null\n$x.Foo()\n'after'",
			out:    []string{"after"},
		},
		{
			name:   "a method on null is statement-terminating",
			script: "$x = $null\n$x.Foo()\n'after'",
			out:    []string{"after"},
			err:    []string{"You cannot call a method on a null-valued expression.", "At line:2 char:7", "+ $x.Foo( <<<< )"},
		},
		{
			name:   "a method's exception",
			script: "$s = New-Object -ComObject Schedule.Service\n$s.GetFolder('\\').RegisterTaskDefinition('t', $null, 6, 'u', 'bad', 1)",
			err: []string{"Exception calling \"RegisterTaskDefinition\" with \"6\" argument(s): \"Logon failure: unknown user name or bad password. (Exception from HRESULT: 0x8007052E)\"",
				"At line:2 char:41", "+ $s.GetFolder('\\').RegisterTaskDefinition( <<<< 't', $null, 6, 'u', 'bad', 1)"},
			code: 1,
		},
		{
			name:   "a terminating cmdlet error",
			script: "Get-MailboxServer -Identity EXCMS01\n'after'",
			out:    []string{"after"},
			err: []string{"Get-MailboxServer : Active Directory operation failed on DC01.contoso.local. This error is not retriable. Additional information: An operations error occurred.",
				"At line:1 char:18", "+ Get-MailboxServer  <<<< -Identity EXCMS01"},
		},
		{
			name:   "2>&1 puts errors in the output",
			script: "Get-Item 'C:\\nope' 2>&1 | ForEach-Object { 'E: ' + $_ }",
			out:    []string{"E: Cannot find path 'C:\\nope' because it does not exist."},
			code:   1, // the error still fails the statement
		},
		{
			name:   "a parse error runs nothing",
			script: "'first'\nif ($x { 'y' }",
			err:    []string{"Missing ')' after the if condition.", "At line:2 char:8", "+ if ($x  <<<< { 'y' }"},
			code:   1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newFakeHost()
			h.noAD = true
			r := runOn(h, tc.script)
			if strings.Join(r.out, "\n") != strings.Join(tc.out, "\n") || strings.Join(r.err, "\n") != strings.Join(tc.err, "\n") || r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s\nwant stdout:\n%s\nwant stderr:\n%s", r.code, tc.code, r, strings.Join(tc.out, "\n"), strings.Join(tc.err, "\n"))
			}
		})
	}
}

// TestFormatting checks the engineer's one-liners print as the simulator
// printed them before (a list for the CMS status, a table for the copy
// status, Format-List with a property).
func TestFormatting(t *testing.T) {
	h := newFakeHost()
	r := runOn(h, "Get-ClusteredMailboxServerStatus -Identity EXCMS01")
	want := []string{"",
		"Identity                   : EXCMS01",
		"ClusteredMailboxServerName : EXCMS01.contoso.local",
		"State                      : Online",
		"OperationalMachines        : {EXNODE01 <Active>, EXNODE02 <Quorum Owner>}",
		"FailedResources            : {}",
		"", ""}
	if strings.Join(r.out, "\n") != strings.Join(want, "\n") || r.code != 0 {
		t.Errorf("default view:\n%s", r)
	}
	r = runOn(h, "Get-ClusteredMailboxServerStatus -Identity EXCMS01 | Format-List State")
	if strings.Join(r.out, "\n") != "\nState : Online\n\n" {
		t.Errorf("Format-List State: %q", r.out)
	}
	r = runOn(h, "Get-StorageGroupCopyStatus -Server EXCMS01")
	want = []string{"",
		"StorageGroupName    SummaryCopyStatus CopyQueueLength ReplayQueueLength",
		"----------------    ----------------- --------------- -----------------",
		"First Storage Group Healthy                         0                 0",
		""}
	if strings.Join(r.out, "\n") != strings.Join(want, "\n") {
		t.Errorf("table view:\n%s", r)
	}
	r = runOn(h, "Get-StorageGroupCopyStatus -Server EXCMS01 | Format-Table StorageGroupName, CopyQueueLength")
	want = []string{"",
		"StorageGroupName    CopyQueueLength",
		"----------------    ---------------",
		"First Storage Group               0",
		""}
	if strings.Join(r.out, "\n") != strings.Join(want, "\n") {
		t.Errorf("Format-Table with properties:\n%s", r)
	}
	r = runOn(h, "@{ a = 1 }")
	if strings.Join(r.out, "\n") != "\nName Value\n---- -----\na        1\n" {
		t.Errorf("hashtable: %q", r.out)
	}
	r = runOn(h, "Get-MailboxServer EXCMS01 | Select-Object Name, ClusteredStorageType")
	if strings.Join(r.out, "\n") != "\nName    ClusteredStorageType\n----    --------------------\nEXCMS01 NonShared\n" {
		t.Errorf("Select-Object -Property: %q", r.out)
	}
}

func TestConversions(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want int64
		err  string
	}{
		{"3010 ", 3010, ""},
		{" 0x10", 16, ""},
		{int64(7), 7, ""},
		{nil, 0, ""},
		{"Echo is OFF", 0, `Cannot convert value "Echo is OFF" to type "System.Int32". Error: "Input string was not in a correct format."`},
		{"99999999999", 0, `Cannot convert value "99999999999" to type "System.Int32". Error: "Value was either too large or too small for an Int32."`},
	} {
		got, err := ToInt(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ToInt(%#v) error = %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ToInt(%#v) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for v, want := range map[string]bool{"": false, "0": true, "False": true} {
		if Truthy(v) != want {
			t.Errorf("Truthy(%q) != %v", v, want)
		}
	}
	if Truthy([]any{int64(0)}) || !Truthy([]any{int64(0), int64(0)}) || Truthy([]any{}) {
		t.Error("array truthiness")
	}
	if ToString([]any{"a", int64(1), true}) != "a 1 True" || ToString(2.5) != "2.5" {
		t.Error("ToString")
	}
}
