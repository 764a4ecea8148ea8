package config_test

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
)

// fuzzReadRel gives the fuzzer a tiny file system: one capture exists,
// anything else does not. It is only ever asked for a clean path inside
// the scenario's folder; anything else is a hole in outputPath.
func fuzzReadRel(rel string) ([]byte, error) {
	if !filepath.IsLocal(filepath.FromSlash(rel)) || path.Clean(rel) != rel || strings.Contains(rel, `\`) {
		panic(fmt.Sprintf("readRel asked for %q, which is not a clean path inside the folder", rel))
	}
	if strings.HasPrefix(rel, "captured/") && strings.HasSuffix(rel, ".txt") {
		return []byte("Exchange Server setup encountered an error.\n"), nil
	}
	return nil, fs.ErrNotExist
}

// checkFuzzErr asserts the loaders' promise: every failure is a
// *config.Error naming the file.
func checkFuzzErr(t *testing.T, err error) {
	t.Helper()
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %T %v is not a *config.Error", err, err)
	}
	if ce.File == "" {
		t.Fatalf("error %v has no File", err)
	}
	if ce.Line < 0 || ce.Col < 0 {
		t.Fatalf("error %v has a negative position", err)
	}
	_ = ce.Error()
}

func FuzzParseScenario(f *testing.F) {
	files, err := fs.Glob(assets.Scenarios, "scenarios/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		data, err := fs.ReadFile(assets.Scenarios, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		goodScenario,
		goodScenario + "replication: {healthy: maybe, copy_queue: lots}\n",
		goodScenario + "faults:\n  - {step: pause-node, kind: move-refused, node: EXNODE09, times: 0}\n",
		goodScenario + "outputs:\n  - {step: setup-upgrade, file: captured/x.txt, exit_code: 99999999999}\n",
		goodScenario + "timing: {reboot: 240}\n---\nname: two\n",
		"- just\n- a list\n",
		"name: [unclosed\n",
		"a: &x [*x]\n",
		"<<: {name: x}\n",
		"? complex\n: key\n",
		"\xef\xbb\xbfname: x\n",
		"",
		goodScenario + "outputs:\n  - {step: setup-upgrade, file: /proc/self/environ}\n",
		goodScenario + "outputs:\n  - {step: setup-upgrade, file: '..\\..\\secret.txt'}\n",
		goodScenario + "outputs:\n  - {step: setup-upgrade, file: 'captured/./a/../x.txt'}\n",
		"name: a\x00b\n",
		"title: \x1b[31m\n",
		"title: caf\xe9\n",
		string(encodeUTF16(goodScenario, false, false)),
		string(billionLaughs()),
		"\n\n  \n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := config.ParseScenario("fuzz.yaml", data, fuzzReadRel)
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		if err := s.Cluster.Validate(); err != nil {
			t.Fatalf("loaded a cluster that does not validate: %v", err)
		}
	})
}

func FuzzParseInventory(f *testing.F) {
	for _, s := range []string{
		goodInventory,
		goodInventory + "password: hunter2\n",
		goodInventory + "window: {start: \"2026-11-28T22:00:00+01:00\", end: \"2026-11-28T21:00:00+01:00\"}\n",
		mod(goodInventory, "transport: https", "transport: http"),
		mod(goodInventory, "port: 5986", "port: 70000"),
		mod(goodInventory, "auth: ntlm,", "auth: ntlm, ca_file: ../../nope.pem,"),
		"cluster: EXCLUS01\nnodes: [~, 1, [2]]\n",
		"- cluster\n",
		"",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := config.ParseInventory("fuzz.yaml", data, dir)
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		if len(inv.Nodes) < 2 {
			t.Fatalf("loaded an inventory with %d nodes", len(inv.Nodes))
		}
	})
}
