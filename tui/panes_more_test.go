package tui

import "testing"

// Whatever the selection, the runbook pane shows the selected step, and
// every step is either shown or counted by a marker: none disappears.
func TestStepWindowShowsSelectionAndCountsTheRest(t *testing.T) {
	for n := 1; n <= 40; n++ {
		for h := 1; h <= 20; h++ {
			for sel := 0; sel < n; sel++ {
				top, rows, up, down := stepWindow(n, sel, h)
				used := rows
				if up {
					used++
				}
				if down {
					used++
				}
				if used > h {
					t.Fatalf("n=%d h=%d sel=%d: %d rows for %d", n, h, sel, used, h)
				}
				if h >= 3 && (sel < top || sel >= top+rows) {
					t.Fatalf("n=%d h=%d sel=%d: selection outside [%d,%d)", n, h, sel, top, top+rows)
				}
				if h >= 3 && (up != (top > 0) || down != (top+rows < n)) {
					t.Fatalf("n=%d h=%d sel=%d: markers up=%v down=%v for top %d rows %d", n, h, sel, up, down, top, rows)
				}
			}
		}
	}
}
