package headless

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/term"

	"cmsrunbook/internal/engine"
	"cmsrunbook/internal/i18n"
	"cmsrunbook/runbook"
)

// OnFailure is the --on-failure choice of an unattended run.
type OnFailure string

const (
	FailAbort  OnFailure = "abort"
	FailRetry  OnFailure = "retry"
	FailManual OnFailure = "manual"
)

// ParseOnFailure validates the flag.
func ParseOnFailure(s string) (OnFailure, error) {
	switch OnFailure(s) {
	case FailAbort, FailRetry, FailManual:
		return OnFailure(s), nil
	}
	return "", fmt.Errorf("--on-failure %q is not one of abort, retry, manual", s)
}

// MaxRetries bounds --on-failure retry per step.
const MaxRetries = 3

// Auto is the --yes confirmer: it confirms every step itself and answers
// failures from --on-failure. It is refused for real clusters by the CLI.
type Auto struct {
	OnFailure OnFailure
}

// who says who decided, for the journal.
func (a Auto) who() string { return "--yes --on-failure " + string(a.OnFailure) }

// Confirm confirms every step; typed steps get the CMS name typed.
func (a Auto) Confirm(_ context.Context, s runbook.Step) (engine.Confirmation, error) {
	c := engine.Confirmation{Answer: engine.AnswerRun, By: "--yes"}
	if s.Confirm == runbook.ConfirmTyped {
		c.Typed = s.CMS
	}
	return c, nil
}

// Decide applies --on-failure: abort stops; retry takes the remedy that
// re-checks (mount, wait, retry) up to MaxRetries times; manual takes the
// manual fallback where one exists, else the mount, else stops.
func (a Auto) Decide(_ context.Context, s runbook.Step, d runbook.Diagnosis, attempt int) (engine.Decision, error) {
	return engine.Decision{Action: a.choose(d, attempt), By: a.who()}, nil
}

// choose is the --on-failure policy.
func (a Auto) choose(d runbook.Diagnosis, attempt int) runbook.RemedyAction {
	has := func(act runbook.RemedyAction) bool {
		for _, r := range d.Remedies {
			if r.Action == act {
				return true
			}
		}
		return false
	}
	switch a.OnFailure {
	case FailRetry:
		if attempt > MaxRetries {
			return runbook.RemedyAbort
		}
		for _, act := range []runbook.RemedyAction{runbook.RemedyMount, runbook.RemedyWait, runbook.RemedyRetry} {
			if has(act) {
				return act
			}
		}
	case FailManual:
		if attempt > MaxRetries {
			return runbook.RemedyAbort
		}
		for _, act := range []runbook.RemedyAction{runbook.RemedyManual, runbook.RemedyMount, runbook.RemedyWait} {
			if has(act) {
				return act
			}
		}
		// Transient failures (a dropped connection, a slow reboot) have no
		// manual fallback: reconnecting is the manual way.
		if (d.Code == runbook.DiagConnectionLost || d.Code == runbook.DiagAuthFailed) && has(runbook.RemedyRetry) {
			return runbook.RemedyRetry
		}
	}
	return runbook.RemedyAbort
}

// Prompt asks a person on a line-oriented terminal: y/N for a step, the
// CMS name for a typed step, a remedy key after a failure. Anything but a
// clear yes is a no.
type Prompt struct {
	In       *bufio.Reader
	Out      io.Writer
	Operator string
	// Lang is the language of the questions ("" is English). What a
	// person types stays the same in every language: y (or yes) runs a
	// step, s skips it, a typed step wants the CMS name exactly as the
	// cluster spells it, and a remedy is chosen by its key.
	Lang i18n.Lang

	// One goroutine reads the input, one line per request, so a question
	// can be given up (Ctrl+C, a closed session) while the read waits.
	start, stop sync.Once
	want        chan struct{}
	lines       chan answerLine
	done        chan struct{}
	pending     bool // a line was requested and not yet received

	// secret reads a line from the terminal without echo; nil when the
	// input is not a terminal (AskPassword).
	secret func() ([]byte, error)
}

// answerLine is one line read from the input, or how reading ended.
type answerLine struct {
	text string
	err  error
}

// ErrInputClosed is the input ending before an answer: nothing is decided,
// the run stops where it is and stays resumable.
var ErrInputClosed = errors.New("standard input closed before an answer")

// NewPrompt reads answers from in and writes questions to out.
func NewPrompt(in io.Reader, out io.Writer, operator string) *Prompt {
	p := &Prompt{In: bufio.NewReader(in), Out: out, Operator: operator}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.secret = func() ([]byte, error) { return term.ReadPassword(int(f.Fd())) }
	}
	return p
}

// line waits for the next answer or for ctx to end, so Ctrl+C or a closed
// session interrupts a question at once. A line asked for and abandoned is
// the answer to the next question (the person typed it for this one).
func (p *Prompt) line(ctx context.Context) (string, error) {
	p.start.Do(func() {
		p.want, p.lines, p.done = make(chan struct{}), make(chan answerLine, 1), make(chan struct{})
		go p.read()
	})
	if !p.pending {
		select {
		case p.want <- struct{}{}:
			p.pending = true
		case <-p.done:
			return "", ErrInputClosed
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	select {
	case l := <-p.lines:
		p.pending = false
		if l.err != nil && l.text == "" {
			return "", ErrInputClosed
		}
		return strings.TrimSpace(l.text), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// read is the Prompt's reader: one line per request, until the input ends
// or the Prompt is closed. A read blocked on a terminal cannot be given up;
// it ends with the input or the process.
func (p *Prompt) read() {
	defer close(p.done)
	for range p.want {
		s, err := p.In.ReadString('\n')
		p.lines <- answerLine{text: s, err: err}
		if err != nil {
			return
		}
	}
}

// Close ends the reader once no question is waiting.
func (p *Prompt) Close() {
	p.start.Do(func() {}) // never started: nothing to end
	p.stop.Do(func() {
		if p.want != nil {
			close(p.want)
		}
	})
}

// tr speaks the Prompt's language.
func (p *Prompt) tr() *i18n.Printer {
	if p.Lang == "" {
		return i18n.For(i18n.English)
	}
	return i18n.For(p.Lang)
}

// Confirm asks before a step.
func (p *Prompt) Confirm(ctx context.Context, s runbook.Step) (engine.Confirmation, error) {
	tr := p.tr()
	fmt.Fprintf(p.Out, "\n%s\n", tr.Tr("Step %d: %s (on %s)", s.N, tr.Text(s.Title), nodeOr(tr, s.Node)))
	for _, c := range s.Commands {
		fmt.Fprintf(p.Out, "    %s\n", c)
	}
	if s.Outage != runbook.OutageNone {
		// The outage word is the plan's (none, starts, during, ends, brief).
		fmt.Fprintf(p.Out, "    %s\n", tr.Tr("outage: %s", s.Outage))
	}
	if s.Confirm == runbook.ConfirmTyped {
		// The CMS name is typed as the cluster spells it, in any language.
		fmt.Fprint(p.Out, tr.Tr("Type %s to confirm (s skips it; anything else stops the run here, and resume continues from this step):", s.CMS)+" ")
	} else {
		fmt.Fprint(p.Out, tr.Tr("Run it? [y/N] (s skips it; N stops the run here, and resume continues from this step):")+" ")
	}
	ans, err := p.line(ctx)
	if err != nil {
		return engine.Confirmation{}, err
	}
	by := p.Operator
	switch {
	case s.Confirm == runbook.ConfirmTyped && ans == s.CMS:
		return engine.Confirmation{Answer: engine.AnswerRun, By: by, Typed: ans}, nil
	case s.Confirm != runbook.ConfirmTyped && (ans == "y" || ans == "Y" || strings.EqualFold(ans, "yes")):
		return engine.Confirmation{Answer: engine.AnswerRun, By: by}, nil
	case ans == "s":
		return engine.Confirmation{Answer: engine.AnswerSkip, By: by}, nil
	}
	return engine.Confirmation{Answer: engine.AnswerAbort, By: by}, nil
}

// Decide asks which remedy to take.
func (p *Prompt) Decide(ctx context.Context, s runbook.Step, d runbook.Diagnosis, attempt int) (engine.Decision, error) {
	keys := []string{}
	for _, r := range d.Remedies {
		keys = append(keys, r.Key)
	}
	fmt.Fprint(p.Out, p.tr().Tr("Choose a remedy [%s]:", strings.Join(keys, "/"))+" ")
	ans, err := p.line(ctx)
	if err != nil {
		return engine.Decision{Action: runbook.RemedyAbort, By: p.Operator}, err
	}
	for _, r := range d.Remedies {
		if r.Key == ans {
			return engine.Decision{Action: r.Action, By: p.Operator}, nil
		}
	}
	return engine.Decision{Action: runbook.RemedyAbort, By: p.Operator}, nil
}
