package tui

import (
	"runtime"
	"strings"

	"charm.land/lipgloss/v2"
)

// Glyphs are the characters the screen draws with. The ASCII set exists
// because a Windows console on a CJK code page draws box-drawing
// characters two columns wide (the layout then drifts every frame), and a
// Linux console or a C locale cannot show them at all.
type Glyphs struct {
	H, V, TL, TR, BL, BR string // box
	HF                   string // the top edge of the focused pane
	Pending, Running     string
	OK, Failed, Skipped  string
	Next                 string // the step waiting for Enter
	Outage               string
	Ellipsis             string
	NodeUp, NodeDown     string
	NodePaused, NodeJoin string
	Sep                  string
	Prompt               string
	// MoreUp and MoreDown mark a panel that scrolls: more above, more below.
	MoreUp, MoreDown string
	// Cont starts the continuation of a command wrapped at a space.
	Cont string
}

// UnicodeGlyphs are for terminals that can show box drawing.
var UnicodeGlyphs = Glyphs{
	H: "─", V: "│", TL: "┌", TR: "┐", BL: "└", BR: "┘", HF: "━",
	Pending: "·", Running: "▶", OK: "✓", Failed: "✗", Skipped: "↷", Next: "»", Outage: "!",
	Ellipsis: "…", NodeUp: "●", NodeDown: "✗", NodePaused: "‖", NodeJoin: "~", Sep: "│", Prompt: "›",
	MoreUp: "▲ more", MoreDown: "▼ more", Cont: "↪",
}

// ASCIIGlyphs are for everything else.
var ASCIIGlyphs = Glyphs{
	H: "-", V: "|", TL: "+", TR: "+", BL: "+", BR: "+", HF: "=",
	Pending: ".", Running: ">", OK: "+", Failed: "x", Skipped: "-", Next: ">", Outage: "!",
	Ellipsis: "~", NodeUp: "*", NodeDown: "x", NodePaused: "=", NodeJoin: "~", Sep: "|", Prompt: ">",
	MoreUp: "^ more", MoreDown: "v more", Cont: "+",
}

// DetectASCII decides from the environment whether box drawing is safe:
// no on TERM=linux or dumb, no when the locale is not UTF-8 (LC_ALL, then
// LC_CTYPE, then LANG, as the C library reads them; all unset is the C
// locale), and on Windows no outside Windows Terminal (conhost with a DBCS
// code page measures these glyphs as two columns).
func DetectASCII(getenv func(string) string) bool {
	switch getenv("TERM") {
	case "linux", "dumb", "vt100", "vt220":
		return true
	}
	if runtime.GOOS == "windows" {
		return getenv("WT_SESSION") == ""
	}
	loc := ""
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := getenv(k); v != "" {
			loc = v
			break
		}
	}
	l := strings.ToLower(loc)
	return !(strings.Contains(l, "utf-8") || strings.Contains(l, "utf8"))
}

// DetectNoColor follows https://no-color.org: any non-empty NO_COLOR.
func DetectNoColor(getenv func(string) string) bool {
	return getenv("NO_COLOR") != "" || getenv("TERM") == "dumb"
}

// Styles are every style the screen uses, built once from the colour
// choice. The colours are the 16 basic ANSI ones, so the terminal's own
// theme (light or dark) decides how they look and no background query is
// needed. Without colour, selection and emphasis still show through
// reverse video and bold, and every state also has its own glyph and word.
type Styles struct {
	NoColor bool

	Badge, LiveBadge, Header, Dim, Bold     lipgloss.Style
	Title, TitleFocused, Border, BorderFoc  lipgloss.Style
	Selected, NextStep                      lipgloss.Style
	OK, Failed, Running, Skipped, Warn      lipgloss.Style
	Outage, Command, Stderr, Match, Current lipgloss.Style
	Key, DialogBorder, DangerBorder, Input  lipgloss.Style
	Status, Hint                            lipgloss.Style
	// StatusAlarm is a status-bar segment that must stand out (the
	// outage clock, BLOCKED) while keeping the bar's own background.
	StatusAlarm lipgloss.Style
}

// NewStyles builds the styles, with or without colour.
func NewStyles(noColor bool) Styles {
	n := lipgloss.NewStyle()
	s := Styles{NoColor: noColor}
	if noColor {
		s.Badge = n.Reverse(true).Bold(true)
		s.LiveBadge = n.Reverse(true).Bold(true).Blink(false)
		s.Header = n.Bold(true)
		s.Dim = n
		s.Bold = n.Bold(true)
		s.Title = n
		s.TitleFocused = n.Reverse(true)
		s.Border, s.BorderFoc = n, n
		s.Selected = n.Reverse(true)
		s.NextStep = n.Bold(true)
		s.OK, s.Failed, s.Running, s.Skipped, s.Warn = n, n.Bold(true), n.Bold(true), n, n.Bold(true)
		s.Outage = n.Bold(true)
		s.Command = n.Bold(true)
		s.Stderr = n
		s.Match = n.Reverse(true)
		s.Current = n.Reverse(true).Underline(true)
		s.Key = n.Bold(true)
		s.DialogBorder, s.DangerBorder = n, n.Bold(true)
		s.Input = n.Underline(true)
		s.Status = n.Reverse(true)
		s.StatusAlarm = n.Reverse(true).Bold(true)
		s.Hint = n
		return s
	}
	c := func(v string) lipgloss.Style { return n.Foreground(lipgloss.Color(v)) }
	s.Badge = n.Background(lipgloss.Color("3")).Foreground(lipgloss.Color("0")).Bold(true)
	s.LiveBadge = n.Background(lipgloss.Color("1")).Foreground(lipgloss.Color("15")).Bold(true)
	s.Header = n.Bold(true)
	s.Dim = c("8")
	s.Bold = n.Bold(true)
	s.Title = c("6")
	s.TitleFocused = c("6").Bold(true).Reverse(true)
	s.Border = c("8")
	s.BorderFoc = c("6")
	s.Selected = n.Reverse(true)
	s.NextStep = c("3").Bold(true)
	s.OK = c("2")
	s.Failed = c("1").Bold(true)
	s.Running = c("6").Bold(true)
	s.Skipped = c("8")
	s.Warn = c("3").Bold(true)
	s.Outage = c("5").Bold(true)
	s.Command = c("6")
	s.Stderr = c("1")
	s.Match = n.Background(lipgloss.Color("3")).Foreground(lipgloss.Color("0"))
	s.Current = n.Background(lipgloss.Color("5")).Foreground(lipgloss.Color("15"))
	s.Key = c("3").Bold(true)
	s.DialogBorder = c("6")
	s.DangerBorder = c("1").Bold(true)
	s.Input = n.Underline(true)
	s.Status = n.Background(lipgloss.Color("8")).Foreground(lipgloss.Color("15"))
	s.StatusAlarm = n.Background(lipgloss.Color("1")).Foreground(lipgloss.Color("15")).Bold(true)
	s.Hint = c("8")
	return s
}
