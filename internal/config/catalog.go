package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// DefaultScenario is what `cmsrunbook` with no arguments trains on: the
// common case (a healthy two-node CCR going from RTM to SP2), first in every
// list.
const DefaultScenario = "ccr-2003-sp2"

// scenarioDir is where scenarios live inside the embedded assets.
const scenarioDir = "scenarios"

// ScenarioInfo is one line of `cmsrunbook scenarios`.
type ScenarioInfo struct {
	Name        string
	Title       string
	Description string
	// File is the scenario's name inside the fs.FS, like
	// scenarios/ccr-2003-sp2.yaml, or for a local one its path on disk.
	File string
	// Local marks a scenario file found on disk (a twin, a trainer's own)
	// rather than embedded; --scenario takes its File.
	Local bool
}

// Arg is what --scenario takes to run it: the embedded name, or a local
// file's path.
func (s ScenarioInfo) Arg() string {
	if s.Local {
		return s.File
	}
	return s.Name
}

// ListScenarios loads every scenarios/*.yaml in fsys, so a broken embedded
// scenario is reported rather than listed, and returns them with the
// default first, then by name.
func ListScenarios(fsys fs.FS) ([]ScenarioInfo, error) {
	files, err := fs.Glob(fsys, scenarioDir+"/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("listing embedded scenarios: %w", err)
	}
	out := make([]ScenarioInfo, 0, len(files))
	for _, f := range files {
		s, err := LoadScenarioFS(fsys, f)
		if err != nil {
			return nil, err
		}
		out = append(out, ScenarioInfo{Name: s.Name, Title: s.Title, Description: s.Description, File: f})
	}
	sort.Slice(out, func(i, j int) bool { return scenarioLess(out[i].Name, out[j].Name) })
	return out, nil
}

// scenarioLess orders scenario names: the default first, then by name.
func scenarioLess(a, b string) bool {
	if da, db := a == DefaultScenario, b == DefaultScenario; da != db {
		return da
	}
	return a < b
}

// ResolveScenario loads what --scenario names: an embedded scenario's name
// (scenarios/NAME.yaml in fsys) or else a file on disk. A name that is
// neither gets an error listing the embedded names, since a typo of one is
// the likely cause.
func ResolveScenario(fsys fs.FS, nameOrFile string) (*Scenario, error) {
	if strings.TrimSpace(nameOrFile) == "" {
		return nil, &Error{File: "--scenario", Msg: say("no scenario given; name an embedded scenario (cmsrunbook scenarios lists them) or a file")}
	}
	if fsys != nil && validScenarioName(nameOrFile) {
		p := path.Join(scenarioDir, nameOrFile+".yaml")
		if _, err := fs.Stat(fsys, p); err == nil {
			return LoadScenarioFS(fsys, p)
		}
	}
	if _, err := os.Stat(nameOrFile); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return LoadScenarioFile(nameOrFile)
	}
	var names []string
	if fsys != nil {
		files, _ := fs.Glob(fsys, scenarioDir+"/*.yaml")
		for _, f := range files {
			names = append(names, strings.TrimSuffix(path.Base(f), ".yaml"))
		}
		sort.Slice(names, func(i, j int) bool { return scenarioLess(names[i], names[j]) })
	}
	msg := say("no embedded scenario has this name and no file has this path")
	if len(names) > 0 {
		msg = say("%s; the embedded scenarios are %s", msg, strings.Join(names, ", "))
	}
	return nil, &Error{File: nameOrFile, Msg: msg, Err: fs.ErrNotExist}
}
