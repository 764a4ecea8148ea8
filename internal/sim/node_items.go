package sim

import (
	"fmt"
	"path"
	"strings"

	"cmsrunbook/internal/sim/ps"
)

// This file is the item cmdlets (Get-Item, Get-ChildItem, Get-ItemProperty,
// Test-Path, New-Item, Get-Content, Remove-Item) over a node's registry
// and disk.

// itemCommand runs one item cmdlet; name is lower-case.
func (h *NodeHost) itemCommand(name string, args []ps.Arg, out ps.Output) (ps.Result, error) {
	canon := map[string]string{
		"gp": "get-itemproperty", "gci": "get-childitem", "dir": "get-childitem", "ls": "get-childitem",
		"gi": "get-item", "ni": "new-item", "gc": "get-content", "cat": "get-content", "type": "get-content",
		"ri": "remove-item", "del": "remove-item", "rm": "remove-item",
	}
	if c, ok := canon[name]; ok {
		name = c
	}
	cmdlet := cmdletName(name)
	a, err := bindArgs(args, "Path", "LiteralPath", "Name", "ItemType", "Value", "Force", "Recurse", "Filter", "TotalCount", "ErrorAction", "PathType")
	if err != nil {
		return ps.Result{}, withCommand(err, cmdlet)
	}
	p, ok := a.str("Path", 0)
	if !ok {
		p, ok = a.str("LiteralPath", -1)
	}
	if !ok && name == "new-item" {
		p, ok = a.str("Name", -1)
	}
	if !ok {
		if name == "get-childitem" {
			p = `C:\`
		} else {
			return ps.Result{}, &ps.ErrorRecord{Command: cmdlet, Message: "Cannot process command because of one or more missing mandatory parameters: Path.",
				ErrorID: "MissingMandatoryParameter", Category: "InvalidArgument: (:) [" + cmdlet + "], ParameterBindingException"}
		}
	}
	n := h.lock()
	defer h.unlock()
	x := itemCall{h: h, n: n, cmdlet: cmdlet, out: out}
	switch name {
	case "test-path":
		out.Object(x.exists(p))
	case "get-itemproperty":
		x.getItemProperty(p)
	case "get-childitem":
		x.getChildItem(p)
	case "get-item":
		x.getItem(p)
	case "new-item":
		typ, _ := a.str("ItemType", -1)
		val, _ := a.str("Value", -1)
		return ps.Result{}, x.newItem(p, typ, val)
	case "get-content":
		x.getContent(p)
	case "remove-item":
		x.removeItem(p)
	}
	return ps.Result{}, nil
}

// cmdletName spells a lower-case cmdlet name as PowerShell prints it.
func cmdletName(low string) string {
	parts := strings.Split(low, "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	s := strings.Join(parts, "-")
	return strings.Replace(strings.Replace(s, "Itemproperty", "ItemProperty", 1), "Childitem", "ChildItem", 1)
}

func withCommand(err error, cmdlet string) error {
	if e, ok := err.(*ps.ErrorRecord); ok && e.Command == "" {
		e.Command = cmdlet
	}
	return err
}

// itemCall is one item cmdlet run, with the world locked.
type itemCall struct {
	h      *NodeHost
	n      *node
	cmdlet string
	out    ps.Output
}

// notFound writes PowerShell's non-terminating "Cannot find path" error.
func (x itemCall) notFound(p string) {
	x.out.Error(&ps.ErrorRecord{Command: x.cmdlet,
		Message:  fmt.Sprintf("Cannot find path '%s' because it does not exist.", p),
		ErrorID:  "PathNotFound,Microsoft.PowerShell.Commands." + strings.ReplaceAll(x.cmdlet, "-", "") + "Command",
		Category: fmt.Sprintf("ObjectNotFound: (%s:String) [%s], ItemNotFoundException", p, x.cmdlet)})
}

func (x itemCall) exists(p string) bool {
	if rp, ok := regPath(p); ok {
		_, found := x.h.s.registry(x.n)[strings.ToLower(rp)]
		return found
	}
	if hasWildcard(p) {
		return len(x.glob(p)) > 0
	}
	return x.h.s.stat(x.n, p).exists
}

func (x itemCall) getItemProperty(p string) {
	rp, ok := regPath(p)
	if !ok {
		x.getItem(p)
		return
	}
	k, found := x.h.s.registry(x.n)[strings.ToLower(rp)]
	if !found {
		x.notFound(p)
		return
	}
	if len(k.names) > 0 {
		x.out.Object(valuesObject(k))
	}
}

func (x itemCall) getChildItem(p string) {
	if rp, ok := regPath(p); ok {
		keys := x.h.s.registry(x.n)
		if _, found := keys[strings.ToLower(rp)]; !found {
			x.notFound(p)
			return
		}
		for _, k := range subKeys(keys, rp) {
			x.out.Object(keyObject(k))
		}
		return
	}
	if hasWildcard(p) {
		for _, fi := range x.glob(p) {
			x.out.Object(fileObject(fi))
		}
		return
	}
	st := x.h.s.stat(x.n, p)
	switch {
	case !st.exists:
		x.notFound(p)
	case !st.dir:
		x.out.Object(fileObject(st))
	default:
		for _, fi := range x.h.s.listDir(x.n, p) {
			x.out.Object(fileObject(fi))
		}
	}
}

func (x itemCall) getItem(p string) {
	if rp, ok := regPath(p); ok {
		if k, found := x.h.s.registry(x.n)[strings.ToLower(rp)]; found {
			x.out.Object(keyObject(k))
		} else {
			x.notFound(p)
		}
		return
	}
	st := x.h.s.stat(x.n, p)
	if !st.exists {
		x.notFound(p)
		return
	}
	x.out.Object(fileObject(st))
}

func (x itemCall) newItem(p, typ, val string) error {
	if isRegistryPath(p) {
		return &ps.ErrorRecord{Command: x.cmdlet, Message: "Requested registry access is not allowed.", ErrorID: "System.Security.SecurityException,Microsoft.PowerShell.Commands.NewItemCommand", Category: "PermissionDenied: (:) [New-Item], SecurityException"}
	}
	s := x.h.s
	if st := s.stat(x.n, p); st.exists {
		return &ps.ErrorRecord{Command: x.cmdlet, Message: fmt.Sprintf("Item with specified name %s already exists.", cleanPath(p)),
			ErrorID: "DirectoryExist,Microsoft.PowerShell.Commands.NewItemCommand", Category: fmt.Sprintf("ResourceExists: (%s:String) [New-Item], IOException", cleanPath(p))}
	}
	var err error
	if strings.EqualFold(typ, "Directory") {
		err = s.mkdir(x.n, p)
	} else {
		err = s.writeFile(x.n, p, []byte(val), false)
	}
	if err != nil {
		return &ps.ErrorRecord{Command: x.cmdlet, Message: err.Error(), ErrorID: "NewItemIOError,Microsoft.PowerShell.Commands.NewItemCommand", Category: "WriteError: (:) [New-Item], IOException"}
	}
	x.out.Object(fileObject(s.stat(x.n, p)))
	return nil
}

func (x itemCall) getContent(p string) {
	st := x.h.s.stat(x.n, p)
	if !st.exists || st.dir {
		x.notFound(p)
		return
	}
	var b []byte
	if st.f != nil {
		b = x.h.s.content(x.n, st.f)
	}
	for _, l := range splitLines(decodeText(b, x.n.ansiCP())) {
		x.out.Object(l)
	}
}

// decodeText reads a text file as PowerShell 1.0 does: a byte-order mark
// says UTF-8 or UTF-16, anything else is in the ANSI code page.
func decodeText(b []byte, ansi int) string {
	switch {
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return string(b[3:])
	case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
		u := make([]rune, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, rune(uint16(b[i])|uint16(b[i+1])<<8))
		}
		return string(u)
	}
	return decodeCP(ansi, b)
}

func (x itemCall) removeItem(p string) {
	targets := []fileInfo{x.h.s.stat(x.n, p)}
	if hasWildcard(p) {
		targets = x.glob(p)
	}
	for _, t := range targets {
		if !t.exists {
			x.notFound(p)
			continue
		}
		if err := x.h.s.removeFile(x.n, t.path); err != nil {
			x.out.Error(&ps.ErrorRecord{Command: x.cmdlet, Message: fmt.Sprintf("Cannot remove item %s: %v", t.path, err),
				ErrorID: "RemoveFileSystemItemIOError,Microsoft.PowerShell.Commands.RemoveItemCommand", Category: "WriteError: (:) [Remove-Item], IOException"})
		}
	}
}

func hasWildcard(p string) bool { return strings.ContainsAny(baseName(p), "*?") }

// glob matches a wildcard in the last element of a path.
func (x itemCall) glob(p string) []fileInfo {
	pat := strings.ToLower(baseName(p))
	var out []fileInfo
	for _, fi := range x.h.s.listDir(x.n, parentPath(p)) {
		if ok, _ := path.Match(pat, strings.ToLower(baseName(fi.path))); ok {
			out = append(out, fi)
		}
	}
	return out
}

// fileObject is a FileInfo or DirectoryInfo.
func fileObject(fi fileInfo) *hostObj {
	typ, mode := "System.IO.FileInfo", "-a---"
	if fi.dir {
		typ, mode = "System.IO.DirectoryInfo", "d----"
	}
	o := newObj(typ).
		with("Name", baseName(fi.path)).
		with("FullName", fi.path).
		with("PSPath", `Microsoft.PowerShell.Core\FileSystem::`+fi.path).
		with("PSChildName", baseName(fi.path)).
		with("Mode", mode).
		with("LastWriteTime", dateTime(fi.mod)).
		with("LastWriteTimeUtc", dateTime(fi.mod.UTC()))
	if !fi.dir {
		o.with("Length", fi.size).with("DirectoryName", parentPath(fi.path))
	}
	o.str, o.readOnly = fi.path, true
	return o
}
