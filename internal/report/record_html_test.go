package report_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"cmsrunbook/internal/headless"
	"cmsrunbook/internal/report"
	"cmsrunbook/runbook"
)

// hostile is journal text that must stay text: a node's output, an
// operator name. If it became markup, the script would retitle the page.
const hostile = `<script>document.title="PWNED"</script><img src=x onerror="document.title='PWNED'">`

// htmlRun is a real simulated window with a refused CMS move that was
// retried (failures, decisions, an outage), with hostile text planted
// in what the journal quotes from the node and the operator.
func htmlRun(t *testing.T) ([]runbook.Event, []byte) {
	t.Helper()
	events := simulate(t, "fault-move-refused", headless.FailRetry, "")
	events[0].Operator = `EXAMPLE\exadmin ` + hostile
	planted := false
	for i := range events {
		if d := events[i].Diagnosis; d != nil && !planted {
			d.Lines = append(d.Lines, hostile)
			planted = true
		}
	}
	if !planted {
		t.Fatal("the simulated run has no failure to plant output in")
	}
	var buf bytes.Buffer
	if err := report.RunHTML(&buf, events); err != nil {
		t.Fatal(err)
	}
	return events, buf.Bytes()
}

// executedSteps are the steps with a step-started event.
func executedSteps(events []runbook.Event) map[string]bool {
	out := map[string]bool{}
	for _, ev := range events {
		if ev.Event == runbook.EvStepStarted {
			out[ev.Step] = true
		}
	}
	return out
}

var (
	barRe   = regexp.MustCompile(`<rect\b[^>]*\bdata-step="([^"]*)"`)
	bandRe  = regexp.MustCompile(`<rect\b[^>]*\bdata-outage="true"`)
	titleRe = regexp.MustCompile(`<title>([^<]*)</title>`)
)

// checkPage asserts on a page as written or as the browser holds it: a
// title, the SVG timeline, one bar per executed step, the outage band,
// and no markup from the journal.
func checkPage(t *testing.T, page string, events []runbook.Event) {
	t.Helper()
	if m := titleRe.FindStringSubmatch(page); m == nil || !strings.HasPrefix(m[1], "Change record: ") {
		t.Errorf("page title: %v", m)
	}
	if !strings.Contains(page, "<svg") {
		t.Error("no SVG timeline")
	}
	want := executedSteps(events)
	got := map[string]int{}
	for _, m := range barRe.FindAllStringSubmatch(page, -1) {
		got[m[1]]++
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("step %s: %d timeline bars, want 1", id, got[id])
		}
	}
	for id, n := range got {
		if !want[id] {
			t.Errorf("a bar (%d) for step %s, which never started", n, id)
		}
	}
	if p := runbook.Fold(events); len(p.Outages) > 0 && len(bandRe.FindAllString(page, -1)) != len(p.Outages) {
		t.Errorf("%d outage bands for %d outages", len(bandRe.FindAllString(page, -1)), len(p.Outages))
	}
	if strings.Contains(page, "PWNED\"</") || strings.Contains(strings.ToLower(page), "<script") || strings.Contains(page, "<img") {
		t.Error("journal text became markup")
	}
	if !strings.Contains(page, "&lt;script&gt;") {
		t.Error("the planted output is not shown as text")
	}
}

func TestRunHTML(t *testing.T) {
	events, page := htmlRun(t)
	checkPage(t, string(page), events)
	for _, want := range []string{"SIMULATION", "Cluster-wide", "EXNODE01", "m-failure", "m-decision", "Backout", "Follow-ups"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("page lacks %q", want)
		}
	}
	self := strings.NewReplacer(`xmlns="http://www.w3.org/2000/svg"`, "", "&lt;img src=x", "").Replace(string(page))
	for _, external := range []string{"http://", "https://", "src=", "<link", "url("} {
		if strings.Contains(self, external) {
			t.Errorf("the page refers to something outside it (%s)", external)
		}
	}
}

// chromium finds the browser, or skips the test saying why.
func chromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Skip("chromium is not installed (/usr/bin/chromium, or chromium on PATH): the HTML change record is not checked in a browser; .ci/run installs it with apt-get")
	return ""
}

// TestRunHTMLInChromium renders the change record of a real simulated
// run in headless Chromium and asserts on the DOM the browser built:
// the page rendered with its title (no planted script ran), the SVG
// timeline is there, one bar per executed step, the outage band. With
// CMSRUNBOOK_SCREENSHOT=FILE.png it also saves a screenshot to look at.
func TestRunHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	events, page := htmlRun(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "record.html")
	if err := os.WriteFile(file, page, 0o600); err != nil {
		t.Fatal(err)
	}
	dom := runChromium(t, bin, dir, "--dump-dom", "file://"+file)
	checkPage(t, dom, events)
	if m := titleRe.FindStringSubmatch(dom); m != nil && strings.Contains(m[1], "PWNED") {
		t.Error("a script from the journal ran in the browser")
	}
	if png := os.Getenv("CMSRUNBOOK_SCREENSHOT"); png != "" {
		runChromium(t, bin, dir, "--screenshot="+png, "--window-size=1200,1400", "--hide-scrollbars", "file://"+file)
		t.Logf("screenshot: %s", png)
	}
}

func runChromium(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + filepath.Join(dir, "profile")}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, errb.String())
	}
	t.Logf("chromium %s took %s", args[0], time.Since(start).Round(time.Millisecond))
	return out.String()
}
