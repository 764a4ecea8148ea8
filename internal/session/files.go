package session

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
)

// Files the session keeps beside the journal (the simulated world, the
// screen's log) are written so that a link planted in the journal's folder
// cannot redirect them: the world goes to a fresh temporary file created
// exclusively and is renamed into place (a rename replaces a link, it does
// not follow it), and the log is opened without following a link.

// writeBeside writes data to path through an exclusive temporary file in
// the same folder and a rename.
func writeBeside(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o600)
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		_ = os.Remove(tmp)
	}
	return werr
}

// openLog opens (appending) the screen's log beside the journal, refusing
// a link or anything but a regular file; the caller closes it.
func openLog(path string) (*slog.Logger, *os.File, error) {
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, nil, errors.New(say("%s is not a regular file; the screen's log is not written there", path))
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|noFollow, 0o600)
	if err != nil {
		return nil, nil, wrap(say("opening the screen's log: %s", err), err)
	}
	return slog.New(slog.NewTextHandler(f, &slog.HandlerOptions{Level: slog.LevelInfo})), f, nil
}
