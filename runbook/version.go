package runbook

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Build is an Exchange build number, 8.1.240.6 for example. The zero value
// means "unknown".
type Build struct {
	Major, Minor, Build, Revision int
}

// IsZero reports an unknown build.
func (b Build) IsZero() bool { return b == Build{} }

// String prints the dotted form Microsoft's build table uses.
func (b Build) String() string {
	if b.IsZero() {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d.%d.%d", b.Major, b.Minor, b.Build, b.Revision)
}

// MarshalText writes the dotted form, so journals and JSON read naturally.
func (b Build) MarshalText() ([]byte, error) {
	if b.IsZero() {
		return []byte(""), nil
	}
	return []byte(b.String()), nil
}

// UnmarshalText reads any form ParseBuild accepts; empty is unknown.
func (b *Build) UnmarshalText(t []byte) error {
	if len(t) == 0 {
		*b = Build{}
		return nil
	}
	v, err := ParseBuild(string(t))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// Compare orders builds: -1, 0 or 1.
func (b Build) Compare(o Build) int {
	for _, p := range [][2]int{{b.Major, o.Major}, {b.Minor, o.Minor}, {b.Build, o.Build}, {b.Revision, o.Revision}} {
		if p[0] < p[1] {
			return -1
		}
		if p[0] > p[1] {
			return 1
		}
	}
	return 0
}

// AtLeast reports b >= o.
func (b Build) AtLeast(o Build) bool { return b.Compare(o) >= 0 }

// ServicePack is the SP level of an Exchange 2007 build: 0 for RTM. The minor
// version carries it (8.0 RTM, 8.1 SP1, 8.2 SP2, 8.3 SP3).
func (b Build) ServicePack() int { return b.Minor }

var (
	dottedBuild = regexp.MustCompile(`^\s*(\d+)\.(\d+)\.(\d+)\.(\d+)\s*$`)
	// The AdminDisplayVersion form: "Version 8.1 (Build 240.6)", also with a
	// trailing ": Service Pack 2" as Exchange 2003 prints it.
	adminDisplay = regexp.MustCompile(`(?i)^\s*version\s+(\d+)\.(\d+)\s*\(\s*build\s+(\d+)\.(\d+)\s*(?::[^)]*)?\)\s*$`)
)

// ParseBuild reads "8.1.240.6", "08.00.0685.025" and the AdminDisplayVersion
// form "Version 8.1 (Build 240.6)".
func ParseBuild(s string) (Build, error) {
	m := dottedBuild.FindStringSubmatch(s)
	if m == nil {
		m = adminDisplay.FindStringSubmatch(s)
	}
	if m == nil {
		return Build{}, errors.New(say("build %q is not a build number like 8.1.240.6 or \"Version 8.1 (Build 240.6)\"", s))
	}
	var p [4]int
	for i := range p {
		v, err := strconv.Atoi(m[i+1])
		if err != nil || v > 99999 {
			return Build{}, errors.New(say("build %q has an out-of-range part %q", s, m[i+1]))
		}
		p[i] = v
	}
	return Build{p[0], p[1], p[2], p[3]}, nil
}

// MustBuild is ParseBuild for constants in this package and tests.
func MustBuild(s string) Build {
	b, err := ParseBuild(s)
	if err != nil {
		panic(err)
	}
	return b
}

// Release is one named Exchange 2007 build.
type Release struct {
	Name  string // "Exchange 2007 SP2", "Exchange 2007 SP1 Update Rollup 4"
	Short string // "SP2", "SP1 RU4"
	Build Build
}

// The service-pack builds (PROCEDURES 3.3). RTM appears twice: 8.0.685.24 is
// what the RTM setup log and servers print, 8.0.685.25 what Microsoft's build
// table lists; both are RTM.
var (
	BuildRTM  = MustBuild("8.0.685.24")
	BuildRTMb = MustBuild("8.0.685.25")
	BuildSP1  = MustBuild("8.1.240.6")
	BuildSP2  = MustBuild("8.2.176.2")
	BuildSP3  = MustBuild("8.3.83.6")
)

// catalogue lists every build the tool can name. Rollup builds are those of
// PROCEDURES 3.3; for SP1 and SP3 only the first and last rollups are
// sourced there, so the ones between are named by their SP only.
var catalogue = []Release{
	{"Exchange 2007 RTM", "RTM", BuildRTM},
	{"Exchange 2007 RTM", "RTM", BuildRTMb},
	{"Exchange 2007 RTM Update Rollup 1", "RTM RU1", MustBuild("8.0.708.3")},
	{"Exchange 2007 RTM Update Rollup 2", "RTM RU2", MustBuild("8.0.711.2")},
	{"Exchange 2007 RTM Update Rollup 3", "RTM RU3", MustBuild("8.0.730.1")},
	{"Exchange 2007 RTM Update Rollup 4", "RTM RU4", MustBuild("8.0.744.0")},
	{"Exchange 2007 RTM Update Rollup 5", "RTM RU5", MustBuild("8.0.754.0")},
	{"Exchange 2007 RTM Update Rollup 6", "RTM RU6", MustBuild("8.0.783.2")},
	{"Exchange 2007 RTM Update Rollup 7", "RTM RU7", MustBuild("8.0.813.0")},
	{"Exchange 2007 SP1", "SP1", BuildSP1},
	{"Exchange 2007 SP1 Update Rollup 1", "SP1 RU1", MustBuild("8.1.263.1")},
	{"Exchange 2007 SP1 Update Rollup 10", "SP1 RU10", MustBuild("8.1.436.0")},
	{"Exchange 2007 SP2", "SP2", BuildSP2},
	{"Exchange 2007 SP2 Update Rollup 1", "SP2 RU1", MustBuild("8.2.217.3")},
	{"Exchange 2007 SP2 Update Rollup 2", "SP2 RU2", MustBuild("8.2.234.1")},
	{"Exchange 2007 SP2 Update Rollup 3", "SP2 RU3", MustBuild("8.2.247.2")},
	{"Exchange 2007 SP2 Update Rollup 4", "SP2 RU4", MustBuild("8.2.254.0")},
	{"Exchange 2007 SP2 Update Rollup 5", "SP2 RU5", MustBuild("8.2.305.3")},
	{"Exchange 2007 SP3", "SP3", BuildSP3},
	{"Exchange 2007 SP3 Update Rollup 1", "SP3 RU1", MustBuild("8.3.106.2")},
	{"Exchange 2007 SP3 Update Rollup 23", "SP3 RU23", MustBuild("8.3.517.0")},
}

// Catalogue returns a copy of the known releases, oldest first.
func Catalogue() []Release { return append([]Release(nil), catalogue...) }

// Lookup names a build exactly, or reports false.
func Lookup(b Build) (Release, bool) {
	for _, r := range catalogue {
		if r.Build == b {
			return r, true
		}
	}
	return Release{}, false
}

// Describe names any Exchange 2007 build for a person: the exact release
// when catalogued, else its service pack with "+ update" when it lies past
// the SP build, so "8.1.359.2" reads "SP1 + update (8.1.359.2)".
func Describe(b Build) string {
	if b.IsZero() {
		return say("unknown build")
	}
	if r, ok := Lookup(b); ok {
		return r.Short + " (" + b.String() + ")"
	}
	if b.Major != 8 || b.Minor > 3 {
		return b.String()
	}
	return say("%s + update (%s)", spName(b.Minor), b.String())
}

func spName(sp int) string {
	if sp == 0 {
		return "RTM"
	}
	return fmt.Sprintf("SP%d", sp)
}

// OSFamily is a Windows release.
type OSFamily string

const (
	Windows2003 OSFamily = "windows-server-2003"
	Windows2008 OSFamily = "windows-server-2008"
	// Windows2008R2 is Windows Server 2008 R2 (version 6.1), a release of
	// its own: Exchange 2007 runs on it only from SP3 on (PROCEDURES 5),
	// and its cluster tools manage only 2008 R2 clusters.
	Windows2008R2 OSFamily = "windows-server-2008-r2"
	WindowsXP     OSFamily = "windows-xp"
	WindowsVista  OSFamily = "windows-vista"
)

// OS is a Windows release and service pack.
type OS struct {
	Family OSFamily `json:"family"`
	SP     int      `json:"sp"`
	// Locale is the Windows language of a node ("ja-JP", "pt-BR",
	// "it-IT"); empty is English (en-US). It decides the code pages the
	// node's console writes in and the language cluster.exe and Setup.com
	// print, so nothing may decide on their words (DESIGN section 12).
	Locale string `json:"locale,omitempty"`
}

// ParseOSFamily accepts the file spellings of DESIGN section 8.
func ParseOSFamily(s string) (OSFamily, error) {
	switch f := OSFamily(strings.ToLower(strings.TrimSpace(s))); f {
	case Windows2003, Windows2008, Windows2008R2, WindowsXP, WindowsVista:
		return f, nil
	}
	return "", errors.New(say("os %q is not one of windows-server-2003, windows-server-2008, windows-server-2008-r2, windows-xp, windows-vista", s))
}

// OSFamilyOfVersion maps Win32_OperatingSystem.Version to a family: 5.1 is
// XP, 5.2 Server 2003 (and 2003 R2, the same kernel and cluster service),
// 6.0 Server 2008 (or Vista), 6.1 Server 2008 R2 (or Windows 7). server
// picks the server release where a client shares the version. Unknown
// versions give "".
func OSFamilyOfVersion(version string, server bool) OSFamily {
	v := strings.TrimSpace(version)
	switch {
	case strings.HasPrefix(v, "5.1"):
		return WindowsXP
	case strings.HasPrefix(v, "5.2"):
		return Windows2003
	case v == "6.0" || strings.HasPrefix(v, "6.0."):
		if server {
			return Windows2008
		}
		return WindowsVista
	case (v == "6.1" || strings.HasPrefix(v, "6.1.")) && server:
		return Windows2008R2
	}
	return ""
}

// IsServer reports a server OS a cluster node can run.
func (f OSFamily) IsServer() bool {
	return f == Windows2003 || f == Windows2008 || f == Windows2008R2
}

// Is2008Kind reports Windows Server 2008 or 2008 R2: the failover
// clustering of 2008 (File Share Witness, Task Scheduler 2.0, wusa for
// .msu updates, the Component Based Servicing keys) is in both.
func (f OSFamily) Is2008Kind() bool { return f == Windows2008 || f == Windows2008R2 }

// Name is the product name, "Windows Server 2003".
func (f OSFamily) Name() string {
	switch f {
	case Windows2003:
		return "Windows Server 2003"
	case Windows2008:
		return "Windows Server 2008"
	case Windows2008R2:
		return "Windows Server 2008 R2"
	case WindowsXP:
		return "Windows XP"
	case WindowsVista:
		return "Windows Vista"
	}
	return string(f)
}

// ExchangeMinSP is the oldest Exchange 2007 service pack supported on the
// family: SP1 for Windows Server 2008 (RTM does not run on it), SP3 for
// 2008 R2 (SP3 added it; RTM, SP1 and SP2 are not supported there), none
// for 2003 (PROCEDURES 5: cc296562 and the 2026-11-29 correction of
// bb629581, which predates SP3).
func (f OSFamily) ExchangeMinSP() int {
	switch f {
	case Windows2008:
		return 1
	case Windows2008R2:
		return 3
	}
	return 0
}

// String is "Windows Server 2003 SP2".
func (o OS) String() string {
	if o.Family == "" {
		return say("unknown OS")
	}
	if o.SP == 0 {
		if o.Family.Is2008Kind() {
			return o.Family.Name() + " RTM"
		}
		return o.Family.Name()
	}
	return fmt.Sprintf("%s SP%d", o.Family.Name(), o.SP)
}

// Short is "2003 SP2" for narrow columns.
func (o OS) Short() string {
	s := strings.TrimPrefix(strings.TrimPrefix(o.String(), "Windows Server "), "Windows ")
	return strings.TrimSuffix(s, " RTM")
}

// generation groups the OS families whose cluster tools interoperate:
// 2003 and XP; 2008 and Vista; 2008 R2 alone (PROCEDURES 5: the Cluster
// service lets no management tool of another OS version administer it,
// and 2008 R2 is 6.1 where 2008 is 6.0; its client, Windows 7, is not a
// family the inventory knows).
func (f OSFamily) generation() int {
	switch f {
	case Windows2003, WindowsXP:
		return 2003
	case Windows2008, WindowsVista:
		return 2008
	case Windows2008R2:
		return 2009
	}
	return 0
}
