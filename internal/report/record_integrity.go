package report

import (
	"cmsrunbook/internal/i18n"
	"fmt"
	"strconv"
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
func (in Integrity) Warning() string { return in.warning(nil) }

// WarningIn is Warning in language l.
func (in Integrity) WarningIn(l i18n.Lang) string {
	if l == "" {
		l = i18n.English
	}
	return in.warning(i18n.For(l))
}

// warning is Warning in p's words (nil: English). Line numbers are
// written with %s: a printer would group the digits of a %d.
func (in Integrity) warning(p *i18n.Printer) string {
	switch {
	case in.Verified:
		return ""
	case in.Unchained:
		return p.Tr("This record is UNVERIFIED: the journal has no hash chain (it was written by a cmsrunbook from before the chain), so nothing shows that it is the record as the run wrote it. Compare it with the copy kept with the change before relying on it; resume refuses this journal.")
	}
	bad := strconv.Itoa(in.FirstBadLine)
	w := p.Tr("This record may have been ALTERED: the journal's hash chain breaks at line %s: %s.", bad, p.Text(strings.TrimSuffix(in.Problem, ".")))
	// Each tail is a key with the sentence before it as %s, so a
	// language that sets no space between sentences can say so.
	if in.FirstBadLine > 1 {
		w = p.Tr("%s Lines 1 to %s are as the run wrote them; what the record says from line %s on may not be what happened.", w, strconv.Itoa(in.FirstBadLine-1), bad)
	} else {
		w = p.Tr("%s Nothing in it can be taken as what happened.", w)
	}
	return p.Tr("%s Resume refuses this journal.", w)
}

// writeIntegrityWarning puts the warning right under the title.
func (r *runRecord) writeIntegrityWarning(b *strings.Builder) {
	if r.Integrity == nil || r.Integrity.Verified {
		return
	}
	p := r.tr()
	fmt.Fprintf(b, "> **%s** %s\n\n", p.Tr("WARNING:"), mdCell(r.Integrity.warning(p)))
}

// integrityRow is the summary table's line on the journal's integrity.
func (r *runRecord) integrityRow(b *strings.Builder) {
	p := r.tr()
	switch in := r.Integrity; {
	case in == nil:
	case in.Verified:
		fmt.Fprintf(b, "| %s | %s |\n", p.Tr("Journal integrity"), p.Tr("hash chain verified: every line is as the run wrote it"))
	case in.Unchained:
		fmt.Fprintf(b, "| %s | %s |\n", p.Tr("Journal integrity"), p.Tr("**unverified**: no hash chain"))
	default:
		fmt.Fprintf(b, "| %s | %s |\n", p.Tr("Journal integrity"), p.Tr("**hash chain broken at line %s**", strconv.Itoa(in.FirstBadLine)))
	}
}
