package tui

import "cmsrunbook/internal/termsafe"

// MaxLineWidth bounds one output line on screen. The journal keeps the
// whole line; the screen only needs enough to read it, and a megabyte of
// base64 from a node must not cost a megabyte per frame.
const MaxLineWidth = 512

// Sanitize makes one line of remote output safe to draw (termsafe.Line),
// cut at MaxLineWidth runes.
func Sanitize(s string) string { return termsafe.Line(s, MaxLineWidth) }
