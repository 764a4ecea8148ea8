package tui

import (
	"strings"
	"testing"

	"cmsrunbook/assets"
	"cmsrunbook/internal/config"
)

// TestChooserListsLocalScenarios: scenario files found on disk show
// beside the embedded ones, marked local, with their file named above the
// description; a local file that shares an embedded name does not take
// the default's place; Enter on a local one gives its path for
// --scenario.
func TestChooserListsLocalScenarios(t *testing.T) {
	list, err := config.ListScenarios(assets.Scenarios)
	if err != nil {
		t.Fatal(err)
	}
	list = append(list,
		config.ScenarioInfo{Name: "twin-exclus01", Title: "Twin of EXCLUS01 (CCR, 2 nodes)", Description: "A simulated twin of the real cluster EXCLUS01.", File: "/srv/twins/twin.yaml", Local: true},
		config.ScenarioInfo{Name: config.DefaultScenario, Title: "My copy of the default", Description: "d", File: "./mine.yaml", Local: true})
	c := NewChooser(list, config.DefaultScenario, true, true)
	c.width, c.height = 120, 60
	first := c.Render()
	if !strings.Contains(first, "(default)") {
		t.Fatalf("the embedded default is not preselected:\n%s", first)
	}
	for _, want := range []string{"twin-exclus01", "Twin of EXCLUS01 (CCR, 2 nodes) (local)", "My copy of the default (local)"} {
		if !strings.Contains(first, want) {
			t.Errorf("the list lacks %q:\n%s", want, first)
		}
	}
	for _, r := range "twin" {
		c.Update(keyMsg(string(r)))
	}
	view := c.Render()
	if !strings.Contains(view, "Local file /srv/twins/twin.yaml.") {
		t.Errorf("the description does not name the local file:\n%s", view)
	}
	c.Update(keyMsg("enter"))
	if c.Chosen != "/srv/twins/twin.yaml" {
		t.Fatalf("chose %q, want the local file's path", c.Chosen)
	}

	// Typing "local" keeps only the local scenarios.
	c = NewChooser(list, config.DefaultScenario, true, true)
	for _, r := range "(local)" {
		c.Update(keyMsg(string(r)))
	}
	for _, idx := range c.matches {
		if !c.list[idx].Local {
			t.Errorf("filter (local) kept embedded %s", c.list[idx].Name)
		}
	}
	if len(c.matches) != 2 {
		t.Errorf("filter (local) kept %d scenarios, want 2", len(c.matches))
	}
}
