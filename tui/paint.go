package tui

import "time"

// The screen's byte budget (DESIGN section 10: at most 10 KB/s at 120x40
// while Setup streams at 300 lines/s, on the Linux and the Windows
// renderer). Over a slow RDP link bytes are what the operator feels, and
// the renderer sends bytes for every cell that changes between frames.
// Below ~15 lines a frame every new line costs 140-200 bytes once; above
// it every frame repaints the whole pane (~1.5 KB at 120x40); on Windows,
// where Bubble Tea turns scroll optimisation off, every frame with a new
// line repaints the whole pane at any rate. So frames stay at FPS for
// keys and dialogs, but the output pane takes new lines at most a few
// times a second, and the status line's clock moves twice a second.
const (
	// paintGap is the shortest time between two paints of new output
	// lines while a person can still read them.
	paintGap = time.Second / 4
	// floodGap is the shortest time between paints once a pane or more of
	// lines waits: nobody reads 300 lines a second, and each paint is a
	// whole pane of bytes.
	floodGap = time.Second / 2
	// clockGap is how often the status line's clocks move on screen; in a
	// fast simulation the window clock changes every frame otherwise.
	clockGap = time.Second / 2
)

// paintState is the output pane's paint rate and the status line's shown
// clock. It belongs to the UI goroutine.
type paintState struct {
	last time.Time // wall time of the last paint that brought new lines

	clockAt    time.Time // wall time the shown clock was read
	clockShown time.Time // the window clock as the status line shows it
	frozen     time.Time // set while View draws: the clock the screen shows
}

// due says whether this frame takes the queued output lines: the first
// lines after a quiet spell at once (a command's first words show
// without delay), then at most one paint per paintGap, or per floodGap
// once a whole pane of lines waits. now is wall time.
func (p *paintState) due(now time.Time, pending, rows int) bool {
	if pending == 0 || p.last.IsZero() || now.Before(p.last) {
		return true
	}
	gap := paintGap
	if pending >= rows {
		gap = floodGap
	}
	return now.Sub(p.last) >= gap
}

// painted records a paint that brought n new lines.
func (p *paintState) painted(now time.Time, n int) {
	if n > 0 {
		p.last = now
	}
}

// clock is the window clock as the screen shows it: read from now at
// most once per clockGap of wall time.
func (p *paintState) clock(wall time.Time, now func() time.Time) time.Time {
	if p.clockAt.IsZero() || wall.Sub(p.clockAt) >= clockGap || wall.Before(p.clockAt) {
		p.clockShown, p.clockAt = now(), wall
	}
	return p.clockShown
}

// clock is the window clock for the status line: the shown (rate-limited)
// clock while View draws a frame for the terminal, the live one otherwise
// (Render for tests and reports).
func (m *Model) clock() time.Time {
	if !m.paint.frozen.IsZero() {
		return m.paint.frozen
	}
	return m.opts.Now()
}
