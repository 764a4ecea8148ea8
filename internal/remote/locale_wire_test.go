package remote_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/masterzen/winrm"
	"golang.org/x/text/encoding/japanese"

	"cmsrunbook/runbook"
)

// A Japanese node answers cmd.exe commands in its OEM code page (932), as
// cluster.exe does on a real one; the executor learns the code page in
// discovery and shows the operator the same text a console there shows.
func TestJapaneseNodeOutputDecoded(t *testing.T) {
	w := serve(t, "ccr-2003-rollup-ja", worldOpts{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := w.exec.Observe(ctx); err != nil {
		t.Fatal(err)
	}
	var lines []string
	res, err := w.exec.Run(ctx, runbook.Command{Node: "EXNODE01", Shell: runbook.ShellCmd, Line: "cluster.exe group"}, func(l runbook.OutputLine) {
		lines = append(lines, l.Text)
	})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("cluster.exe group: exit %d, %v: %q", res.ExitCode, err, lines)
	}
	out := strings.Join(lines, "\n")
	for _, want := range []string{"グループ", "オンライン"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output does not hold %q as UTF-8 (was it decoded from code page 932?):\n%s", want, out)
		}
	}
	if strings.ContainsRune(out, '\uFFFD') {
		t.Errorf("the output holds replacement characters:\n%s", out)
	}

	// On the wire it is Shift-JIS, not UTF-8, as on a real Japanese node:
	// without the decoding above the operator would see mojibake.
	n := w.inv.Nodes[0]
	client, err := winrm.NewClient(winrm.NewEndpoint(n.Address, n.Port, false, false, nil, nil, nil, 30*time.Second), testUser, testPass)
	if err != nil {
		t.Fatal(err)
	}
	var raw, stderr bytes.Buffer
	if _, err := client.Run("cluster.exe group", &raw, &stderr); err != nil {
		t.Fatal(err)
	}
	if utf8.Valid(raw.Bytes()) {
		t.Fatalf("the node sent UTF-8, not its OEM code page: %q", raw.String())
	}
	dec, err := japanese.ShiftJIS.NewDecoder().Bytes(raw.Bytes())
	if err != nil || !strings.Contains(string(dec), "オンライン") {
		t.Errorf("the raw output is not Shift-JIS Japanese (%v): %q", err, raw.Bytes())
	}
}
