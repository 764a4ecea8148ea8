package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckFindsMissingMediaOnTheNodes: discovery looks on every node for
// the files the window runs, the inventory's media or the package the
// command line gives, and a path that is not there blocks before the
// window, naming the node and the path.
func TestCheckFindsMissingMediaOnTheNodes(t *testing.T) {
	inv := startServeSim(t, "--scenario", "ccr-2003-sp2", "--speed", "max")
	if code, out, errb := runMain(t, "", "check", "--inventory", inv); code != 0 || strings.Contains(out, "media-missing") {
		t.Fatalf("with the media on the nodes: exit %d\n%s\n%s", code, out, errb)
	}

	raw, err := os.ReadFile(inv)
	if err != nil {
		t.Fatal(err)
	}
	wrong := strings.Replace(string(raw), `media: 'D:\Exchange2007SP2'`, `media: 'E:\SP2 media'`, 1)
	if wrong == string(raw) {
		t.Fatalf("the served inventory names no media to change:\n%s", raw)
	}
	if err := os.WriteFile(inv, []byte(wrong), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errb := runMain(t, "", "check", "--inventory", inv)
	if code != 1 || !strings.Contains(out, "BLOCK media-missing [EXNODE01]") || !strings.Contains(out, `E:\SP2 media\Setup.com`) {
		t.Fatalf("media not on the nodes: exit %d\n%s\n%s", code, out, errb)
	}

	// A twin of that cluster lacks the media too: its plan blocks as the
	// real one does, and a rehearsal stops at preflight.
	twin := filepath.Join(t.TempDir(), "twin.yaml")
	if code, out, errb := runMain(t, "", "check", "--inventory", inv, "--save-scenario", twin); code != 1 {
		t.Fatalf("check --save-scenario: exit %d\n%s\n%s", code, out, errb)
	}
	if code, out, errb := runMain(t, "", "check", "--scenario", twin); code != 1 || !strings.Contains(out, "BLOCK media-missing [EXNODE02]") {
		t.Fatalf("the twin does not block on the missing media: exit %d\n%s\n%s", code, out, errb)
	}

	// The command line's goal and package decide what is looked for.
	code, out, errb = runMain(t, "", "check", "--inventory", inv, "--goal", "update-rollup", "--package", `D:\Updates\nowhere.msp`)
	if code != 1 || !strings.Contains(out, `D:\Updates\nowhere.msp`) || strings.Contains(out, `Setup.com`) {
		t.Fatalf("a --package not on the nodes: exit %d\n%s\n%s", code, out, errb)
	}
}
