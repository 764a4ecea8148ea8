package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"cmsrunbook/internal/journal"
)

// TestReportOfAnEditedJournal: the change record of a journal edited after
// the run still comes out, with the warning at its top, in the JSON and on
// standard error; resume refuses the same journal with exit 2.
func TestReportOfAnEditedJournal(t *testing.T) {
	jp := filepath.Join(t.TempDir(), "j.jsonl")
	if code, out, _ := run(t, "sim", "--headless", "--yes", "--speed", "max", "--scenario", "ccr-2003-sp2", "--journal", jp, "--quiet"); code != 0 {
		t.Fatalf("sim exit %d\n%s", code, out)
	}
	if code, md, stderr := run(t, "report", "--journal", jp); code != 0 || strings.Contains(md, "WARNING") || stderr != "" {
		t.Fatalf("report of a journal as written: exit %d, stderr %q", code, stderr)
	}
	data, err := os.ReadFile(jp)
	if err != nil {
		t.Fatal(err)
	}
	ls := bytes.SplitAfter(data, []byte("\n"))
	bad := 0
	for i, l := range ls {
		if i > 3 && bytes.Contains(l, []byte(`"event":"step-started"`)) && bytes.Contains(l, []byte(`"commands":["`)) {
			ls[i] = bytes.Replace(l, []byte(`"commands":["`), []byte(`"commands":["rem `), 1)
			bad = i + 1
			break
		}
	}
	if bad == 0 {
		t.Fatal("no step-started with commands in the journal")
	}
	if err := os.WriteFile(jp, bytes.Join(ls, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	line := "line " + itoa(bad)

	code, md, stderr := run(t, "report", "--journal", jp)
	if code != 0 {
		t.Fatalf("report of an edited journal: exit %d: %s", code, stderr)
	}
	if top := strings.SplitN(md, "\n\n", 3); len(top) < 3 || !strings.HasPrefix(top[1], "> **WARNING:**") || !strings.Contains(top[1], line) {
		t.Errorf("the record does not open with the warning:\n%.600s", md)
	}
	if !strings.Contains(md, "## Steps") {
		t.Error("the record of an edited journal was not rendered")
	}
	if !strings.Contains(stderr, "WARNING") || !strings.Contains(stderr, jp) || !strings.Contains(stderr, line) {
		t.Errorf("standard error does not warn: %q", stderr)
	}

	code, js, _ := run(t, "report", "--journal", jp, "--format", "json")
	var rec struct {
		Integrity *struct {
			Verified     bool   `json:"verified"`
			FirstBadLine int    `json:"first_bad_line"`
			Problem      string `json:"problem"`
		} `json:"integrity"`
	}
	if err := json.Unmarshal([]byte(js), &rec); code != 0 || err != nil || rec.Integrity == nil || rec.Integrity.Verified || rec.Integrity.FirstBadLine != bad || rec.Integrity.Problem == "" {
		t.Errorf("report json: exit %d, %v, integrity %+v", code, err, rec.Integrity)
	}

	code, _, stderr = run(t, "resume", "--journal", jp, "--headless", "--yes", "--speed", "max")
	if code != ExitUsage || !strings.Contains(stderr, jp) || !strings.Contains(stderr, line) || !strings.Contains(stderr, "nothing was sent") {
		t.Errorf("resume of an edited journal: exit %d: %s", code, stderr)
	}
}

// TestReportOfWhatIsNotAJournal: /dev/zero, a FIFO and a file with a line
// longer than any journal's end at once, exit 2, naming the file.
func TestReportOfWhatIsNotAJournal(t *testing.T) {
	dir := t.TempDir()
	long := filepath.Join(dir, "long.jsonl")
	if err := os.WriteFile(long, bytes.Repeat([]byte("{"), journal.MaxLine+1), 0o600); err != nil {
		t.Fatal(err)
	}
	paths := []string{long, dir}
	if runtime.GOOS != "windows" {
		paths = append(paths, "/dev/zero")
	}
	for _, p := range paths {
		for _, cmd := range []string{"report", "resume"} {
			code, _, stderr := run(t, cmd, "--journal", p)
			if code != ExitUsage || !strings.Contains(stderr, p) {
				t.Errorf("%s --journal %s: exit %d: %s", cmd, p, code, stderr)
			}
		}
	}
}
