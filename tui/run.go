package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"cmsrunbook/internal/config"
	"cmsrunbook/internal/i18n"
)

// EngineFunc runs the window's engine with the screen's hooks (the
// confirmer, the event sink the journal-first emit forwards to, and the
// Observed callback) and returns the process exit code. It must return
// soon after ctx ends.
type EngineFunc func(ctx context.Context, h Hooks) (int, error)

// FPS is the renderer's frame rate: smooth for streaming output, and the
// bound on bytes written per second over a slow link.
const FPS = 30

// stopTimeout bounds how long Run waits for the engine after the screen
// closes. The engine stops at its next context check; a detached job on a
// node is not stopped (it was never the engine's to stop).
const stopTimeout = 15 * time.Second

// Run shows the runbook screen and runs the engine in a goroutine it owns.
// Quitting cancels the engine's context, which leaves the journal without
// a run-finished event, so the window is resumable; Run then waits for the
// engine to return. The result is the engine's exit code and error.
func Run(ctx context.Context, o Options, run EngineFunc, popts ...tea.ProgramOption) (int, error) {
	m := New(o)
	return runWith(ctx, m, m, run, "the engine", "the journal is resumable", popts)
}

// runWith shows screen (whose model is m) while run works in a goroutine
// runWith owns: a panic there is recorded and shown rather than leaving
// the terminal in raw mode; closing the screen cancels run's context and
// waits for it (at most stopTimeout). who names run in messages.
func runWith(ctx context.Context, screen tea.Model, m *Model, run EngineFunc, who, afterStop string, popts []tea.ProgramOption) (int, error) {
	ectx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{1, fmt.Errorf("%s stopped unexpectedly: %v", who, p)}
				m.log.Error("panic", "who", who, "panic", fmt.Sprint(p))
			}
			m.in.finish(r.code, r.err)
			done <- r
		}()
		r.code, r.err = run(ectx, m.Hooks())
	}()
	opts := append([]tea.ProgramOption{tea.WithContext(ctx), tea.WithFPS(FPS)}, popts...)
	_, perr := tea.NewProgram(screen, opts...).Run()
	cancel()
	var r result
	select {
	case r = <-done:
	case <-time.After(stopTimeout):
		return 1, fmt.Errorf("%s did not stop after the screen closed; %s", who, afterStop)
	}
	if perr != nil && !errors.Is(perr, tea.ErrProgramKilled) && !errors.Is(perr, context.Canceled) {
		return r.code, fmt.Errorf("the screen: %w", perr)
	}
	return r.code, r.err
}

// Choose shows the training chooser in language lang and returns the
// scenario picked, or "" when the person left without choosing.
func Choose(ctx context.Context, list []config.ScenarioInfo, def string, ascii, noColor bool, lang i18n.Lang, popts ...tea.ProgramOption) (string, error) {
	c := NewChooserLang(list, def, ascii, noColor, lang)
	opts := append([]tea.ProgramOption{tea.WithContext(ctx)}, popts...)
	if _, err := tea.NewProgram(c, opts...).Run(); err != nil {
		return "", err
	}
	return c.Chosen, nil
}

// IsTerminal reports whether w is a terminal the screen can take over.
// When it is not (a pipe, a test's buffer), callers fall back to lines.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
