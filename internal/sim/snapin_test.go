package sim

import (
	"context"
	"strings"
	"testing"
)

// A plain powershell.exe (what WinRM starts) knows no Exchange cmdlet
// until the snap-in is added, as on a real node; with it, over the WinRM
// logon, the cmdlet reaches for Active Directory and fails (the double
// hop).
func TestExchangeCmdletsNeedTheSnapin(t *testing.T) {
	s := newSim(t, "ccr-2008-sp1-to-sp2")
	run := func(script string) (int, string) {
		var out []string
		code, err := s.RunPowerShell(context.Background(), "EXNODE01", script, HostOptions{Logon: LogonNetwork, Account: testAccount},
			func(x string) { out = append(out, x) }, func(x string) { out = append(out, x) })
		if err != nil {
			t.Fatal(err)
		}
		return code, strings.Join(out, "\n")
	}
	if code, out := run("Get-ClusteredMailboxServerStatus -Identity EXCMS01"); code == 0 || !strings.Contains(out, "is not recognized as a cmdlet") {
		t.Errorf("without the snap-in: exit %d\n%s", code, out)
	}
	if code, out := run("Add-PSSnapin Microsoft.Exchange.Management.PowerShell.Admin; Get-ClusteredMailboxServerStatus -Identity EXCMS01"); code == 0 || !strings.Contains(out, "Active Directory") {
		t.Errorf("with the snap-in over the WinRM logon: exit %d\n%s", code, out)
	}
}
