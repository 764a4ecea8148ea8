package report

import (
	"encoding/json"
	"fmt"
	"io"

	"cmsrunbook/runbook"
)

// RunJSON writes the change record as one JSON object: integrity (with
// WithIntegrity), summary, before, after, outage, steps, deviations,
// findings and failures.
func RunJSON(w io.Writer, events []runbook.Event, opts ...RunOption) error {
	r, err := buildRun(events, opts)
	if err != nil {
		return fmt.Errorf("change record: %w", err)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("writing change record JSON: %w", err)
	}
	return nil
}
