package runbook

import (
	"strings"
	"testing"
)

// Windows Server 2008 R2 is a release of its own, not 2008: it parses from
// the file spelling and from Win32_OperatingSystem's 6.1, reads as
// "2008 R2", and its cluster tools do not manage a 2008 cluster.
func TestWindows2008R2IsItsOwnRelease(t *testing.T) {
	f, err := ParseOSFamily(" Windows-Server-2008-R2 ")
	if err != nil || f != Windows2008R2 {
		t.Fatalf("ParseOSFamily = %q, %v", f, err)
	}
	if _, err := ParseOSFamily("windows-server-2012"); err == nil {
		t.Error("an unknown release was accepted")
	}
	for v, want := range map[string]OSFamily{"6.1.7601": Windows2008R2, "6.1": Windows2008R2, "6.0.6002": Windows2008, "5.2.3790": Windows2003, "6.10.1": "", "6.2.9200": ""} {
		if got := OSFamilyOfVersion(v, true); got != want {
			t.Errorf("OSFamilyOfVersion(%q) = %q, want %q", v, got, want)
		}
	}
	if got := OSFamilyOfVersion("6.0.6002", false); got != WindowsVista {
		t.Errorf("a 6.0 client is %q, want Vista", got)
	}
	if s := (OS{Family: Windows2008R2, SP: 1}).String(); s != "Windows Server 2008 R2 SP1" {
		t.Errorf("String = %q", s)
	}
	if s := (OS{Family: Windows2008R2}).Short(); s != "2008 R2" {
		t.Errorf("Short = %q", s)
	}
	if !Windows2008R2.IsServer() || !Windows2008R2.Is2008Kind() || Windows2003.Is2008Kind() {
		t.Error("2008 R2 is a 2008-kind server release")
	}
	if Windows2008R2.generation() == Windows2008.generation() {
		t.Error("2008 R2 shares cluster tools with 2008")
	}
	for f, want := range map[OSFamily]int{Windows2003: 0, Windows2008: 1, Windows2008R2: 3} {
		if got := f.ExchangeMinSP(); got != want {
			t.Errorf("%s: Exchange needs SP%d, want SP%d", f, got, want)
		}
	}
}

// The in-place OS upgrade finding no longer says Exchange 2007 is
// unsupported on 2008 R2: SP3 supports it.
func TestInplaceUpgradeRemedyKnowsSP3(t *testing.T) {
	c := ccr()
	c.OS = OS{Family: Windows2008R2, SP: 1}
	f := inplaceOSUpgrade(&c)
	if !strings.Contains(f.Message, "already runs Windows Server 2008 R2") || !strings.Contains(f.Remedy, "Exchange 2007 SP3") || strings.Contains(f.Remedy, "not supported on Windows Server 2008 R2") {
		t.Errorf("in-place upgrade finding: %s / %s", f.Message, f.Remedy)
	}
}
