package config

import (
	"io/fs"
	"path"
	"path/filepath"
)

// LoadScenarioFile loads a scenario from disk; outputs[].file paths are
// relative to the scenario file's folder and must stay inside it.
func LoadScenarioFile(file string) (*Scenario, error) {
	data, err := readRegular(osOpener{}, file, maxYAMLSize, yamlSizeHint())
	if err != nil {
		return nil, &Error{File: file, Msg: say("cannot read the scenario: %s", plainFSError(err)), Err: err}
	}
	dir := filepath.Dir(file)
	s, err := ParseScenario(file, data, diskOutputs(dir))
	if err != nil {
		return nil, err
	}
	for i := range s.Outputs {
		clean, _ := outputPath(s.Outputs[i].File)
		s.Outputs[i].File = filepath.Join(dir, filepath.FromSlash(clean))
	}
	return s, nil
}

// LoadScenarioFS loads a scenario from fsys (the embedded ones);
// outputs[].file paths are relative to name's folder and must stay inside
// it.
func LoadScenarioFS(fsys fs.FS, name string) (*Scenario, error) {
	data, err := readFSRegular(fsys, name, maxYAMLSize, yamlSizeHint())
	if err != nil {
		return nil, &Error{File: name, Msg: say("cannot read the scenario: %s", plainFSError(err)), Err: err}
	}
	dir := path.Dir(name)
	s, err := ParseScenario(name, data, fsOutputs(fsys, dir))
	if err != nil {
		return nil, err
	}
	for i := range s.Outputs {
		clean, _ := outputPath(s.Outputs[i].File)
		s.Outputs[i].File = path.Join(dir, clean)
	}
	return s, nil
}
