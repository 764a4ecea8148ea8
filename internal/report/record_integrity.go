package report

import (
	"cmsrunbook/internal/i18n"
	"fmt"
	"strings"
)

// Integrity is what the journal's hash chain says about the events a
// change record is built from. It has the fields of journal.Integrity
// (the caller converts), so the report stays pure over events and does
// not depend on how the journal is stored.
type Integrity struct {
	// Verified: every line of the journal is as the run wrote it.
	Verified bool `json:"verified"`
	// Unchained: the journal has no hash chain at all (written by a
	// cmsrunbook from before the chain); nothing could be verified.
	Unchained bool `json:"unchained,omitempty"`
	// FirstBadLine is the first line that does not verify (1-based).
	FirstBadLine int `json:"first_bad_line,omitempty"`
	// Problem says what is wrong.
	Problem string `json:"problem,omitempty"`
}

// RunOption adds to what the change record is built from.
type RunOption func(*runRecord)

// WithIntegrity records the journal's integrity: the JSON carries it as
// "integrity", and the markdown says it in the summary and, when the
// journal does not verify, in a warning at the top. Without it (events
// that did not come from a file) the record says nothing about it.
func WithIntegrity(in Integrity) RunOption {
	return func(r *runRecord) { r.Integrity = &in }
}

// WithLang writes the record's words in l; commands, codes, names and
// the JSON keys stay as they are.
func WithLang(l i18n.Lang) RunOption {
	return func(r *runRecord) { r.lang = l }
}

// Warning is the sentence a journal that does not verify is reported
// with, at the top of the markdown and on standard error; "" for a
// verified journal.
func (in Integrity) Warning() string {
	switch {
	case in.Verified:
		return ""
	case in.Unchained:
		return "This record is UNVERIFIED: the journal has no hash chain (it was written by a cmsrunbook from before the chain), so nothing shows that it is the record as the run wrote it. Compare it with the copy kept with the change before relying on it; resume refuses this journal."
	}
	w := fmt.Sprintf("This record may have been ALTERED: the journal's hash chain breaks at line %d: %s.", in.FirstBadLine, strings.TrimSuffix(in.Problem, "."))
	if in.FirstBadLine > 1 {
		w += fmt.Sprintf(" Lines 1 to %d are as the run wrote them; what the record says from line %d on may not be what happened.", in.FirstBadLine-1, in.FirstBadLine)
	} else {
		w += " Nothing in it can be taken as what happened."
	}
	return w + " Resume refuses this journal."
}

// writeIntegrityWarning puts the warning right under the title.
func (r *runRecord) writeIntegrityWarning(b *strings.Builder) {
	if r.Integrity == nil || r.Integrity.Verified {
		return
	}
	fmt.Fprintf(b, "> **WARNING:** %s\n\n", mdCell(r.Integrity.Warning()))
}

// integrityRow is the summary table's line on the journal's integrity.
func (r *runRecord) integrityRow(b *strings.Builder) {
	switch in := r.Integrity; {
	case in == nil:
	case in.Verified:
		b.WriteString("| Journal integrity | hash chain verified: every line is as the run wrote it |\n")
	case in.Unchained:
		b.WriteString("| Journal integrity | **unverified**: no hash chain |\n")
	default:
		fmt.Fprintf(b, "| Journal integrity | **hash chain broken at line %d** |\n", in.FirstBadLine)
	}
}
