package assets

import (
	"io/fs"
	"testing"
)

// TestScenariosEmbedded guards the embed pattern: the default scenario and
// the captured transcripts must be inside, under the scenarios/ prefix.
func TestScenariosEmbedded(t *testing.T) {
	for _, name := range []string{
		"scenarios/ccr-2003-sp2.yaml",
		"scenarios/captured/setup-upgrade-sp1-success.txt",
		"scenarios/captured/setup-upgrade-sp2-1603.txt",
	} {
		if _, err := fs.Stat(Scenarios, name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
