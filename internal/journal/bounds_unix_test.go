//go:build unix

package journal

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadRefusesDevices: /dev/zero would never end and a FIFO would
// block until someone writes; both are refused at once, by name.
func TestReadRefusesDevices(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.jsonl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, what string }{{"/dev/zero", "device"}, {"/dev/null", "device"}, {fifo, "FIFO"}} {
		if _, err := os.Stat(c.path); err != nil {
			t.Logf("%s: %v", c.path, err)
			continue
		}
		done := make(chan error, 1)
		go func() {
			_, err := Read(c.path)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.what) {
				t.Errorf("%s: %v", c.path, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Read(%s) did not return", c.path)
		}
		if _, err := OpenAppend(c.path); err == nil {
			t.Errorf("OpenAppend(%s) succeeded", c.path)
		}
	}
}
