package sim

import (
	"sort"
	"strings"
	"time"

	"cmsrunbook/runbook"
)

// This file is a simulated node's disk: what Windows has on it (the system
// programs, the Exchange binaries while they are installed, the scenario's
// media folder and package, which every node holds) and what scripts and
// batch files write there. Paths compare case-insensitively, as NTFS
// names do under Windows.

// nodeSystem is what a node keeps besides the cluster's view of it: its
// disk, its scheduled tasks, the batch files running on it.
type nodeSystem struct {
	files   map[string]*simFile // by pathKey
	tasks   map[string]*schedTask
	batches []*batchRun
}

// simFile is one written file or folder.
type simFile struct {
	path string // as created, for listings
	dir  bool
	data []byte
	mod  time.Time
	// live is a program whose output is being redirected here: the
	// content is what it has written by now, in the node's OEM code page.
	live    *proc
	streams map[runbook.Stream]bool
}

// system returns the node's own state, made on first use.
func (s *Sim) system(n *node) *nodeSystem {
	if s.nodes == nil {
		s.nodes = map[string]*nodeSystem{}
	}
	k := strings.ToUpper(n.name)
	ns := s.nodes[k]
	if ns == nil {
		ns = &nodeSystem{files: map[string]*simFile{}, tasks: map[string]*schedTask{}}
		s.nodes[k] = ns
	}
	return ns
}

// cleanPath makes a Windows path canonical: backslashes, no doubled or
// trailing separator (but a drive root keeps its own), no provider prefix.
func cleanPath(p string) string {
	p = strings.TrimSpace(p)
	for _, pre := range []string{`Microsoft.PowerShell.Core\FileSystem::`, `FileSystem::`} {
		if len(p) >= len(pre) && strings.EqualFold(p[:len(pre)], pre) {
			p = p[len(pre):]
		}
	}
	p = strings.ReplaceAll(p, "/", `\`)
	for strings.Contains(p, `\\`) {
		p = strings.ReplaceAll(p, `\\`, `\`)
	}
	var parts []string
	for _, part := range strings.Split(p, `\`) {
		switch part {
		case ".":
		case "..":
			if len(parts) > 1 {
				parts = parts[:len(parts)-1]
			}
		default:
			parts = append(parts, part)
		}
	}
	p = strings.Join(parts, `\`)
	p = strings.TrimRight(p, `\`)
	if len(p) == 2 && p[1] == ':' {
		p += `\`
	}
	return p
}

func pathKey(p string) string { return strings.ToLower(cleanPath(p)) }

// parentPath is the folder a path is in ("" for a drive root).
func parentPath(p string) string {
	p = cleanPath(p)
	i := strings.LastIndexByte(p, '\\')
	if i < 0 || len(p) <= 3 {
		return ""
	}
	if i == 2 {
		return p[:3]
	}
	return p[:i]
}

// baseName is the last element of a path.
func baseName(p string) string {
	p = cleanPath(p)
	if i := strings.LastIndexByte(p, '\\'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// exchangeInstallPath is where Exchange 2007 installs by default
// (MsiInstallPath, with its trailing backslash).
const exchangeInstallPath = `C:\Program Files\Microsoft\Exchange Server\`

// builtinFiles are the files a node has without anyone writing them,
// as they are now: path -> whether it is a folder.
func (s *Sim) builtinFiles(n *node) map[string]bool {
	sys := `C:\WINDOWS\system32\`
	f := map[string]bool{
		`C:\`: true, `D:\`: true, `C:\WINDOWS\Temp`: true, `C:\WINDOWS`: true, `C:\WINDOWS\system32`: true,
		`C:\WINDOWS\system32\WindowsPowerShell\v1.0`:                true,
		`C:\Program Files`:                                          true,
		`C:\WINDOWS\system32\WindowsPowerShell\v1.0\powershell.exe`: false,
	}
	for _, p := range systemPrograms(n) {
		f[sys+p] = false
	}
	if !n.files.IsZero() {
		for _, d := range []string{`C:\Program Files\Microsoft`, `C:\Program Files\Microsoft\Exchange Server`, exchangeInstallPath + "bin"} {
			f[d] = true
		}
		f[exchangeInstallPath+`bin\ExSetup.exe`] = false
	}
	if m := s.w.opts.Media; m != "" {
		f[cleanPath(m)] = true
		f[cleanPath(m)+`\Setup.com`] = false
	}
	if p := s.w.opts.Package; p != "" {
		f[cleanPath(p)] = false
	}
	for _, p := range n.missing {
		delete(f, cleanPath(p))
	}
	// Every parent of a built-in file is a folder.
	for p := range f {
		for q := parentPath(p); q != ""; q = parentPath(q) {
			f[cleanPath(q)] = true
		}
	}
	return f
}

// systemPrograms are the programs in system32 the scripts and batch files
// call; wusa.exe came with Windows Server 2008.
func systemPrograms(n *node) []string {
	p := []string{"cmd.exe", "msiexec.exe", "schtasks.exe", "cluster.exe", "shutdown.exe", "hostname.exe"}
	if n.os.Family.Is2008Kind() {
		p = append(p, "wusa.exe")
	}
	return p
}

// fileInfo is what the node knows of a path now.
type fileInfo struct {
	path   string
	exists bool
	dir    bool
	size   int64
	mod    time.Time
	f      *simFile // nil for a built-in file
}

// stat looks a path up. Callers hold s.mu.
func (s *Sim) stat(n *node, p string) fileInfo {
	k := pathKey(p)
	if f := s.system(n).files[k]; f != nil {
		return fileInfo{path: f.path, exists: true, dir: f.dir, size: int64(len(s.content(n, f))), mod: f.mod, f: f}
	}
	for b, dir := range s.builtinFiles(n) {
		if strings.ToLower(b) == k {
			return fileInfo{path: b, exists: true, dir: dir, size: builtinSize(dir), mod: n.bootTime}
		}
	}
	// A folder exists when something was written inside it.
	for fk, f := range s.system(n).files {
		if strings.HasPrefix(fk, k+`\`) {
			return fileInfo{path: cleanPath(p), exists: true, dir: true, mod: f.mod}
		}
	}
	return fileInfo{path: cleanPath(p)}
}

func builtinSize(dir bool) int64 {
	if dir {
		return 0
	}
	return 28672
}

// content is a file's bytes now.
func (s *Sim) content(n *node, f *simFile) []byte {
	if f.live == nil {
		return f.data
	}
	var b []byte
	cp := hostCodePages(n).oem
	for _, l := range f.live.lines[:f.live.visible(s.clk.now)] {
		if !f.streams[l.line.Stream] {
			continue
		}
		enc, _ := encodeCP(cp, l.line.Text+"\r\n")
		b = append(b, enc...)
	}
	return append(append([]byte(nil), f.data...), b...)
}

// freeze fixes a redirected file's content once its program has ended.
func (s *Sim) freeze(n *node, f *simFile) {
	if f.live != nil {
		f.data = s.content(n, f)
		f.live = nil
	}
}

// writeFile creates or replaces a file; its folder must exist.
func (s *Sim) writeFile(n *node, p string, data []byte, appendTo bool) error {
	if st := s.stat(n, parentPath(p)); parentPath(p) != "" && (!st.exists || !st.dir) {
		return errPathNotFound
	}
	if st := s.stat(n, p); st.exists && st.dir {
		return errAccessDenied
	}
	sys := s.system(n)
	k := pathKey(p)
	f := sys.files[k]
	if f == nil || !appendTo {
		f = &simFile{path: cleanPath(p)}
		sys.files[k] = f
	}
	s.freeze(n, f)
	f.data = append(f.data, data...)
	f.mod = s.clk.now
	return nil
}

// mkdir creates a folder and its parents.
func (s *Sim) mkdir(n *node, p string) error {
	if st := s.stat(n, p); st.exists {
		if !st.dir {
			return errAccessDenied
		}
		return nil
	}
	if q := parentPath(p); q != "" {
		if err := s.mkdir(n, q); err != nil {
			return err
		}
	}
	s.system(n).files[pathKey(p)] = &simFile{path: cleanPath(p), dir: true, mod: s.clk.now}
	return nil
}

// removeFile deletes a written file (built-in ones are in use).
func (s *Sim) removeFile(n *node, p string) error {
	st := s.stat(n, p)
	switch {
	case !st.exists:
		return errFileNotFound
	case st.f == nil:
		return errAccessDenied
	}
	delete(s.system(n).files, pathKey(p))
	return nil
}

// moveFile renames a file, replacing the target (move /y).
func (s *Sim) moveFile(n *node, from, to string) error {
	st := s.stat(n, from)
	if !st.exists || st.f == nil || st.dir {
		return errFileNotFound
	}
	if t := s.stat(n, to); t.exists && t.dir {
		to = cleanPath(to) + `\` + baseName(from)
	}
	if q := parentPath(to); q != "" && !s.stat(n, q).exists {
		return errPathNotFound
	}
	sys := s.system(n)
	delete(sys.files, pathKey(from))
	st.f.path = cleanPath(to)
	sys.files[pathKey(to)] = st.f
	return nil
}

// listDir lists a folder's direct children, sorted by name.
func (s *Sim) listDir(n *node, p string) []fileInfo {
	k := pathKey(p)
	seen := map[string]bool{}
	var out []fileInfo
	add := func(path string) {
		if pathKey(parentPath(path)) != k || seen[pathKey(path)] {
			return
		}
		seen[pathKey(path)] = true
		out = append(out, s.stat(n, path))
	}
	for _, f := range s.system(n).files {
		add(f.path)
		for q := parentPath(f.path); q != ""; q = parentPath(q) {
			add(q)
		}
	}
	for b := range s.builtinFiles(n) {
		add(b)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].path) < strings.ToLower(out[j].path) })
	return out
}

// fileError is a Win32 error as .NET and cmd.exe word it.
type fileError struct {
	code int
	msg  string
}

func (e *fileError) Error() string { return e.msg }

var (
	errFileNotFound = &fileError{2, "The system cannot find the file specified."}
	errPathNotFound = &fileError{3, "The system cannot find the path specified."}
	errAccessDenied = &fileError{5, "Access is denied."}
)
