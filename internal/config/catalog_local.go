package config

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// maxLocalScenarios bounds the files one folder may contribute, so a
// chooser opened in a folder full of YAML still starts at once.
const maxLocalScenarios = 200

// ListLocalScenarios loads the scenario files (*.yaml, *.yml) directly in
// each folder (the current one, the user's scenario folder), in name
// order per folder, marked Local. A folder that does not exist is
// skipped, and a folder named twice is read once. A YAML file that is not
// a scenario (an inventory, anything else) is left out quietly; one that
// looks like a scenario but does not load is left out and reported in
// problems, with its file:line:col, so a trainer learns why it is missing.
func ListLocalScenarios(dirs ...string) (list []ScenarioInfo, problems []error) {
	seen := map[string]bool{}
	for _, dir := range dirs {
		if dir == "" {
			continue
		}
		abs, err := filepath.Abs(dir)
		if err != nil || seen[abs] {
			continue
		}
		seen[abs] = true
		files := localScenarioFiles(dir)
		for _, f := range files {
			s, err := LoadScenarioFile(f)
			if err != nil {
				if looksLikeScenario(f) {
					problems = append(problems, err)
				}
				continue
			}
			list = append(list, ScenarioInfo{Name: s.Name, Title: s.Title, Description: s.Description, File: f, Local: true})
		}
	}
	return list, problems
}

// localScenarioFiles lists a folder's YAML files, at most
// maxLocalScenarios of them.
func localScenarioFiles(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var files []string
	for _, e := range ents {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.Type().IsRegular() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(files)
	if len(files) > maxLocalScenarios {
		files = files[:maxLocalScenarios]
	}
	return files
}

// looksLikeScenario: a file with a top-level name: and groups: and no
// winrm: (an inventory's) was meant as a scenario.
func looksLikeScenario(file string) bool {
	data, err := os.ReadFile(file)
	if err != nil || len(data) > maxYAMLSize {
		return false
	}
	data = append([]byte("\n"), data...)
	return bytes.Contains(data, []byte("\nname:")) && bytes.Contains(data, []byte("\ngroups:")) && !bytes.Contains(data, []byte("\nwinrm:"))
}

// UserScenarioDir is the user's scenario folder: scenarios/ beside the
// state folder whose locks/ holds the cluster locks (lockDir), where twins
// and a trainer's scenarios can live apart from any project folder.
func UserScenarioDir(lockDir string) string {
	if lockDir == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(lockDir), "scenarios")
}
