package remote

import (
	"testing"

	"cmsrunbook/runbook"
)

// Win32_OperatingSystem.Version and ServicePackMajorVersion as nodes of
// each release print them: 2008 R2 is its own release (only Exchange 2007
// SP3 runs on it), never folded into 2008.
func TestParseOSReleases(t *testing.T) {
	for _, c := range []struct {
		version, sp string
		want        runbook.OS
	}{
		{"5.2.3790", "2", runbook.OS{Family: runbook.Windows2003, SP: 2}},
		{"6.0.6002", "2", runbook.OS{Family: runbook.Windows2008, SP: 2}},
		{"6.1.7601", "1", runbook.OS{Family: runbook.Windows2008R2, SP: 1}},
		{"6.1.7600", "0", runbook.OS{Family: runbook.Windows2008R2}},
		{"10.0.14393", "0", runbook.OS{}},
	} {
		if got := parseOS(c.version, c.sp); got != c.want {
			t.Errorf("parseOS(%q, %q) = %+v, want %+v", c.version, c.sp, got, c.want)
		}
	}
}
