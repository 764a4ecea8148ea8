package sim

import (
	"context"
	"fmt"
	"strings"

	"cmsrunbook/internal/sim/ps"
	"cmsrunbook/runbook"
)

// This file is the .NET file API the scripts call: [IO.File],
// [Diagnostics.FileVersionInfo] and IO.FileStream.

// dotnetError is a .NET exception as PowerShell reports a failed method
// call on it.
func dotnetError(method string, nargs int, err error) error {
	typ := "IOException"
	if fe, ok := err.(*fileError); ok {
		switch fe.code {
		case 2:
			typ = "FileNotFoundException"
		case 3:
			typ = "DirectoryNotFoundException"
		case 5:
			typ = "UnauthorizedAccessException"
		}
	}
	return &ps.ErrorRecord{
		Message:  fmt.Sprintf("Exception calling %q with %q argument(s): %q", method, fmt.Sprint(nargs), err.Error()),
		ErrorID:  "DotNetMethodException",
		Category: "NotSpecified: (:) [], MethodInvocationException (" + typ + ")",
	}
}

// fileStatic is [IO.File]::Method(args).
func (h *NodeHost) fileStatic(m string, args []any) (any, error) {
	n := h.lock()
	defer h.unlock()
	s := h.s
	if len(args) == 0 {
		return nil, dotnetError(m, 0, errFileNotFound)
	}
	p := ps.ToString(args[0])
	switch m {
	case "exists":
		st := s.stat(n, p)
		return st.exists && !st.dir, nil
	case "delete":
		// File.Delete does nothing for a file that is not there.
		if st := s.stat(n, p); st.exists {
			if err := s.removeFile(n, p); err != nil {
				return nil, dotnetError("Delete", 1, err)
			}
		}
		return nil, nil
	case "writealltext", "writeallbytes":
		if len(args) < 2 {
			return nil, dotnetError(m, len(args), errFileNotFound)
		}
		data, err := h.encodeArg(m, args)
		if err != nil {
			return nil, err
		}
		if err := s.writeFile(n, p, data, false); err != nil {
			return nil, dotnetError(methodName(m), len(args), err)
		}
		return nil, nil
	case "readalltext", "readallbytes":
		st := s.stat(n, p)
		if !st.exists || st.dir {
			return nil, dotnetError(methodName(m), len(args), &fileError{2, fmt.Sprintf("Could not find file '%s'.", p)})
		}
		var b []byte
		if st.f != nil {
			b = s.content(n, st.f)
		}
		if m == "readallbytes" {
			return append([]byte(nil), b...), nil
		}
		return decodeText(b, 65001), nil
	case "move":
		if len(args) < 2 {
			return nil, dotnetError("Move", len(args), errFileNotFound)
		}
		if err := s.moveFile(n, p, ps.ToString(args[1])); err != nil {
			return nil, dotnetError("Move", 2, err)
		}
		return nil, nil
	}
	return nil, &ps.ErrorRecord{Message: fmt.Sprintf("Method invocation failed because [System.IO.File] doesn't contain a method named '%s'.", m), ErrorID: "MethodNotFound", Category: "InvalidOperation"}
}

func methodName(low string) string {
	return map[string]string{"writealltext": "WriteAllText", "writeallbytes": "WriteAllBytes", "readalltext": "ReadAllText", "readallbytes": "ReadAllBytes"}[low]
}

// encodeArg is the bytes WriteAllText or WriteAllBytes writes: text in the
// encoding given (UTF-8 without a byte-order mark when none is; a UTF-8
// Encoding object writes the mark, as .NET's does), bytes as they are.
func (h *NodeHost) encodeArg(m string, args []any) ([]byte, error) {
	if m == "writeallbytes" {
		b, ok := args[1].([]byte)
		if !ok {
			return nil, dotnetError("WriteAllBytes", len(args), &fileError{0, "Cannot convert argument \"1\" to \"System.Byte[]\"."})
		}
		return append([]byte(nil), b...), nil
	}
	text := ps.ToString(args[1])
	if len(args) < 3 {
		return []byte(text), nil
	}
	cp := 65001
	if o, ok := args[2].(ps.Object); ok {
		if v, ok := o.Property("CodePage"); ok {
			if c, ok := argInt(v); ok {
				cp = int(c)
			}
		}
	}
	b, _ := encodeCP(cp, text)
	if cp == 65001 {
		b = append([]byte{0xEF, 0xBB, 0xBF}, b...)
	}
	return b, nil
}

// fileVersionInfo is [Diagnostics.FileVersionInfo]::GetVersionInfo(f): the
// version of the Exchange binaries for ExSetup.exe, the media's for its
// Setup.com, none for other files.
func (h *NodeHost) fileVersionInfo(p string) (any, error) {
	n := h.lock()
	defer h.unlock()
	st := h.s.stat(n, p)
	if !st.exists || st.dir {
		return nil, dotnetError("GetVersionInfo", 1, &fileError{2, p})
	}
	var b runbook.Build
	switch k := pathKey(p); {
	case k == pathKey(exchangeInstallPath+`bin\ExSetup.exe`):
		b = n.files
	case h.s.w.opts.Media != "" && k == pathKey(h.s.w.opts.Media+`\Setup.com`):
		x := &interp{s: h.s, n: n}
		b = x.setupTarget(h.s.w.opts.Media)
	}
	v := ""
	if !b.IsZero() {
		v = b.String()
	}
	o := newObj("System.Diagnostics.FileVersionInfo").with("FileVersion", v).with("ProductVersion", v).with("FileName", st.path)
	o.readOnly = true
	return o, nil
}

// openFileStream is New-Object IO.FileStream(path, mode, access, share):
// reading only, which is what the scripts do.
func (h *NodeHost) openFileStream(args []any) (ps.Object, error) {
	if len(args) < 2 {
		return nil, &ps.ErrorRecord{Command: "New-Object", Message: "Constructor not found. Cannot find an appropriate constructor for type IO.FileStream.", ErrorID: "CannotFindAppropriateCtor,Microsoft.PowerShell.Commands.NewObjectCommand", Category: "ObjectNotFound: (:) [New-Object], PSArgumentException"}
	}
	p := ps.ToString(args[0])
	mode := strings.ToLower(ps.ToString(args[1]))
	n := h.lock()
	st := h.s.stat(n, p)
	var data []byte
	if st.exists && st.f != nil {
		data = append([]byte(nil), h.s.content(n, st.f)...)
	}
	h.unlock()
	if mode != "open" && mode != "3" || !st.exists || st.dir {
		err := error(&fileError{2, fmt.Sprintf("Could not find file '%s'.", p)})
		if st.exists {
			err = errAccessDenied
		}
		return nil, &ps.ErrorRecord{Command: "New-Object", Message: fmt.Sprintf("Exception calling \".ctor\" with %q argument(s): %q", fmt.Sprint(len(args)), err.Error()), ErrorID: "ConstructorInvokedThrowException,Microsoft.PowerShell.Commands.NewObjectCommand", Category: "InvalidOperation: (:) [New-Object], MethodInvocationException"}
	}
	// The stream reads the file as it was when opened; a log that grows
	// after that is read by the next job-tail.
	var pos int64
	o := newObj("System.IO.FileStream").with("Name", st.path).with("Length", int64(len(data))).with("CanRead", true)
	o.method("Seek", func(_ context.Context, a []any) (any, error) {
		off, _ := argInt(firstArg(a))
		origin := "begin"
		if len(a) > 1 {
			origin = strings.ToLower(ps.ToString(a[1]))
		}
		switch origin {
		case "current", "1":
			pos += off
		case "end", "2":
			pos = int64(len(data)) + off
		default:
			pos = off
		}
		return pos, nil
	})
	o.method("Read", func(_ context.Context, a []any) (any, error) {
		if len(a) < 3 {
			return nil, dotnetError("Read", len(a), &fileError{0, "Value cannot be null."})
		}
		buf, ok := a[0].([]byte)
		off, _ := argInt(a[1])
		cnt, _ := argInt(a[2])
		if !ok || off < 0 || cnt < 0 || off+cnt > int64(len(buf)) {
			return nil, dotnetError("Read", 3, &fileError{0, "Offset and length were out of bounds for the array or count is greater than the number of elements from index to the end of the source collection."})
		}
		if pos >= int64(len(data)) {
			return int64(0), nil
		}
		c := copy(buf[off:off+cnt], data[pos:])
		pos += int64(c)
		return int64(c), nil
	})
	o.method("Close", func(context.Context, []any) (any, error) { return nil, nil })
	o.method("Dispose", func(context.Context, []any) (any, error) { return nil, nil })
	o.readOnly = true
	return o, nil
}

func firstArg(a []any) any {
	if len(a) == 0 {
		return nil
	}
	return a[0]
}
