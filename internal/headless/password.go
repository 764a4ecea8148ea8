package headless

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrNotTerminal refuses a password prompt when standard input is not a
// terminal: a password is never read from a pipe or a file, where it
// would sit in a script or a shell history.
var ErrNotTerminal = errors.New("standard input is not a terminal, so the password cannot be asked for without echo")

// AskPassword asks for a password on the terminal without echo (after
// the nodes refused one). What is typed is never shown or written
// anywhere; "" means nothing was given.
func (p *Prompt) AskPassword(ctx context.Context, prompt string) (string, error) {
	if p.secret == nil {
		return "", ErrNotTerminal
	}
	if p.pending {
		// The line reader is blocked on the terminal already: a second
		// reader would split what is typed between the two.
		return "", errors.New("an earlier answer is still being read; cannot ask for a password now")
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	// The caller words the prompt; a sentence it built in English from a
	// catalogue key is said in the Prompt's language.
	fmt.Fprintf(p.Out, "%s: ", p.tr().Text(prompt))
	b, err := p.secret()
	fmt.Fprintln(p.Out)
	if err != nil {
		return "", fmt.Errorf("reading the password: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
