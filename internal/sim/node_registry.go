package sim

import (
	"sort"
	"strconv"
	"strings"
)

// This file is a simulated node's registry: the keys the scripts read,
// derived from the world at each read, so a Setup that stopped part way,
// a restart pending or a new build shows there as it would on Windows.

// regKey is one key with its values (string, int64, []any for REG_MULTI_SZ)
// in display order.
type regKey struct {
	path   string // HKEY_LOCAL_MACHINE\...
	names  []string
	values map[string]any
}

func (k *regKey) set(name string, v any) *regKey {
	if k.values == nil {
		k.values = map[string]any{}
	}
	k.names = append(k.names, name)
	k.values[name] = psValue(v)
	return k
}

const hklm = `HKEY_LOCAL_MACHINE\`

// regPath makes a registry path canonical ("HKEY_LOCAL_MACHINE\..."); ok is
// false for a path that is not in the registry.
func regPath(p string) (string, bool) {
	p = strings.TrimSpace(strings.ReplaceAll(p, "/", `\`))
	for _, pre := range []string{`Microsoft.PowerShell.Core\Registry::`, `Registry::`} {
		if len(p) >= len(pre) && strings.EqualFold(p[:len(pre)], pre) {
			p = p[len(pre):]
		}
	}
	low := strings.ToLower(p)
	switch {
	case strings.HasPrefix(low, `hklm:`):
		p = hklm + strings.TrimLeft(p[5:], `\`)
	case strings.HasPrefix(low, strings.ToLower(hklm)) || low == "hkey_local_machine":
		p = hklm + strings.TrimLeft(p[len("HKEY_LOCAL_MACHINE"):], `\`)
	default:
		return "", false
	}
	return strings.TrimRight(p, `\`), true
}

// isRegistryPath tells a registry path from a file path.
func isRegistryPath(p string) bool { _, ok := regPath(p); return ok }

// registry is the node's keys now. Callers hold s.mu.
func (s *Sim) registry(n *node) map[string]*regKey {
	keys := map[string]*regKey{}
	add := func(path string) *regKey {
		k := &regKey{path: hklm + path}
		keys[strings.ToLower(k.path)] = k
		return k
	}
	cp := hostCodePages(n)
	add(`SYSTEM\CurrentControlSet\Control\Nls\CodePage`).
		set("ACP", strconv.Itoa(cp.ansi)).set("OEMCP", strconv.Itoa(cp.oem)).set("MACCP", "10000")
	sm := add(`SYSTEM\CurrentControlSet\Control\Session Manager`).set("BootExecute", []string{"autocheck autochk *"})
	if n.pending {
		sm.set("PendingFileRenameOperations", []string{`\??\C:\WINDOWS\system32\inetsrv\ISATQ.DLL.pending`, ""})
	}
	add(`SOFTWARE\Microsoft\Windows\CurrentVersion`).set("ProgramFilesDir", `C:\Program Files`)
	if !n.files.IsZero() {
		f := n.files
		add(`SOFTWARE\Microsoft\Exchange\Setup`).
			set("MsiInstallPath", exchangeInstallPath).
			set("MsiProductMajor", int64(f.Major)).set("MsiProductMinor", int64(f.Minor)).
			set("MsiBuildMajor", int64(f.Build)).set("MsiBuildMinor", int64(f.Revision))
		add(`SOFTWARE\Microsoft\Exchange\v8.0`)
		for _, name := range []string{"MailboxRole", "AdminTools"} {
			k := add(`SOFTWARE\Microsoft\Exchange\v8.0\`+name).set("ConfiguredVersion", n.build.String())
			if name == n.watermark {
				k.set("Watermark", setupWatermark).set("Action", "BuildToBuildUpgrade")
			}
		}
	}
	// Every parent of a key is a key.
	for _, k := range keys {
		for p := k.path; strings.Contains(p, `\`); {
			p = p[:strings.LastIndexByte(p, '\\')]
			if _, ok := keys[strings.ToLower(p)]; !ok {
				keys[strings.ToLower(p)] = &regKey{path: p}
			}
		}
	}
	return keys
}

// subKeys lists a key's direct children, sorted.
func subKeys(keys map[string]*regKey, path string) []*regKey {
	pre := strings.ToLower(path) + `\`
	var out []*regKey
	for lk, k := range keys {
		if strings.HasPrefix(lk, pre) && !strings.Contains(lk[len(pre):], `\`) {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].path) < strings.ToLower(out[j].path) })
	return out
}

// keyObject is what Get-Item and Get-ChildItem give for a key.
func keyObject(k *regKey) *hostObj {
	o := newObj("Microsoft.Win32.RegistryKey").
		with("Name", k.path).
		with("PSPath", `Microsoft.PowerShell.Core\Registry::`+k.path).
		with("PSChildName", k.path[strings.LastIndexByte(k.path, '\\')+1:]).
		with("SubKeyCount", int64(0)).with("ValueCount", int64(len(k.names)))
	o.str, o.readOnly = k.path, true
	return o
}

// valuesObject is what Get-ItemProperty gives for a key: its values and
// the provider's PS* properties.
func valuesObject(k *regKey) *hostObj {
	o := newObj("System.Management.Automation.PSCustomObject")
	for _, name := range k.names {
		o.with(name, k.values[name])
	}
	i := strings.LastIndexByte(k.path, '\\')
	o.with("PSPath", `Microsoft.PowerShell.Core\Registry::`+k.path).
		with("PSParentPath", `Microsoft.PowerShell.Core\Registry::`+k.path[:i]).
		with("PSChildName", k.path[i+1:]).
		with("PSDrive", "HKLM").with("PSProvider", `Microsoft.PowerShell.Core\Registry`)
	o.readOnly = true
	return o
}
