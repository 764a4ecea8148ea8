package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// This file reads files the loaders did not write: the scenario or
// inventory an engineer names, and the captured transcripts a scenario
// replays. Only regular files are read (a folder, a device such as
// /dev/zero, a named pipe or a socket is refused by its kind before it is
// opened, so nothing blocks or streams forever), and a file over its size
// limit is refused by its size before a byte is read.

// Size limits. A cmsrunbook file is one or two kilobytes and a few dozen
// lines; the YAML parser's time grows with the square of the number of
// keys in a mapping (a 4 MiB file of keys takes minutes), so a YAML file is
// held far below that. A captured transcript is not parsed, only replayed;
// a Setup.com transcript is a few kilobytes.
const (
	maxYAMLSize   = 64 << 10
	maxYAMLLines  = 2000
	maxOutputSize = 4 << 20
)

// The hints that follow a size refusal.
func yamlSizeHint() string {
	return say("a cmsrunbook file is a few kilobytes, so this is probably the wrong file")
}

func outputSizeHint() string {
	return say("a captured transcript is a few kilobytes, so this is probably the wrong file")
}

// opener is what readRegular needs of a file system: the OS with paths as
// given (osOpener) or an *os.Root, which keeps every path inside its folder.
type opener interface {
	Stat(name string) (fs.FileInfo, error)
	OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error)
}

// osOpener opens paths as given.
type osOpener struct{}

func (osOpener) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

func (osOpener) OpenFile(name string, flag int, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(name, flag, perm)
}

// notRegularError: the path names a folder, a device, a pipe or a socket.
type notRegularError struct{ kind string }

func (e *notRegularError) Error() string { return say("it is %s, not a regular file", e.kind) }

// tooLargeError: the file is over its size limit.
type tooLargeError struct {
	size, limit int64
	hint        string
}

func (e *tooLargeError) Error() string {
	size := say("larger than %s", humanSize(e.limit))
	if e.size > e.limit {
		size = humanSize(e.size)
	}
	return say("it is %s, over the limit of %s; %s", size, humanSize(e.limit), e.hint)
}

// errChanged: the file was replaced between the check and the read.
var errChanged = errors.New(say("it changed while it was being read; try again"))

// humanSize writes a byte count the way Explorer would.
func humanSize(n int64) string {
	unit := func(div float64, name string) string {
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/div), ".0") + " " + name
	}
	switch {
	case n >= 1<<20:
		return unit(1<<20, "MiB")
	case n >= 1<<10:
		return unit(1<<10, "KiB")
	}
	return say("%d bytes", n)
}

// fileKind names what a non-regular file is, in an engineer's words.
func fileKind(mode fs.FileMode) string {
	switch {
	case mode.IsDir():
		return say("a folder")
	case mode&fs.ModeNamedPipe != 0:
		return say("a named pipe (FIFO)")
	case mode&fs.ModeSocket != 0:
		return say("a socket")
	case mode&fs.ModeDevice != 0, mode&fs.ModeCharDevice != 0:
		return say("a device")
	case mode&fs.ModeSymlink != 0:
		return say("a symbolic link")
	}
	return say("a special file")
}

// checkRegular refuses anything but a regular file of at most limit bytes.
// A size of 0 proves nothing (files under /proc report 0), so the read
// is limited too.
func checkRegular(name string, st fs.FileInfo, limit int64, hint string) error {
	if !st.Mode().IsRegular() {
		return &fs.PathError{Op: "read", Path: name, Err: &notRegularError{kind: fileKind(st.Mode())}}
	}
	if st.Size() > limit {
		return &fs.PathError{Op: "read", Path: name, Err: &tooLargeError{size: st.Size(), limit: limit, hint: hint}}
	}
	return nil
}

// readRegular reads name through o: a regular file of at most limit bytes.
// It checks the kind and size before opening, opens without blocking (a
// pipe swapped in after the check cannot hang the read), and checks that
// what it opened is what it checked.
func readRegular(o opener, name string, limit int64, hint string) ([]byte, error) {
	st, err := o.Stat(name)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(name, st, limit, hint); err != nil {
		return nil, err
	}
	f, err := o.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	opened, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !os.SameFile(st, opened) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errChanged}
	}
	if err := checkRegular(name, opened, limit, hint); err != nil {
		return nil, err
	}
	return readLimited(f, name, limit, hint)
}

// readFSRegular is readRegular for an fs.FS (the embedded scenarios).
func readFSRegular(fsys fs.FS, name string, limit int64, hint string) ([]byte, error) {
	st, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(name, st, limit, hint); err != nil {
		return nil, err
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	opened, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkRegular(name, opened, limit, hint); err != nil {
		return nil, err
	}
	return readLimited(f, name, limit, hint)
}

// readLimited reads at most limit bytes, refusing a file that turns out
// longer than its size said.
func readLimited(r io.Reader, name string, limit int64, hint string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &fs.PathError{Op: "read", Path: name, Err: &tooLargeError{size: -1, limit: limit, hint: hint}}
	}
	return data, nil
}

// plainFSError drops the Op and Path of an fs.PathError (the Error
// already names the file) and says "does not exist" the same way on every
// system.
func plainFSError(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return say("it does not exist")
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
