// Package assets holds the files cmsrunbook carries inside its binary, so
// that training works on an admin box with nothing but the executable: the
// embedded scenarios now, and later the PowerShell scripts the nodes run
// (scripts/) and the explanation texts (text/).
package assets

import "embed"

// Scenarios holds scenarios/*.yaml and the captured transcripts they
// replay (scenarios/captured/). Paths keep the scenarios/ prefix, so
// config.LoadScenarioFS(Scenarios, "scenarios/ccr-2003-sp2.yaml") works and
// a scenario's relative outputs[].file resolves inside the same FS.
//
//go:embed scenarios
var Scenarios embed.FS

// Scripts holds scripts/*.ps1: the PowerShell 1.0 scripts the WinRM
// executor sends to real nodes (discovery, detached jobs, Exchange cmdlet
// lines). Each starts with a "# cmsrunbook-script: NAME" marker line, which
// is also how the simulator behind serve-sim recognises them.
//
//go:embed scripts
var Scripts embed.FS

// I18n holds i18n/LANG/*.json: the message catalogues (internal/i18n). Each
// file maps an English message, which is its key, to its translation; the
// files of one language are read as one catalogue.
//
//go:embed i18n
var I18n embed.FS
