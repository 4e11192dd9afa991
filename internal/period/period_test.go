package period

import (
	"testing"
	"time"
)

func TestBoundsAndPrevious(t *testing.T) {
	tests := []struct {
		name, period, start, end, prev string
	}{
		{"quarter", "2026-Q4", "2026-10-01", "2027-01-01", "2026-Q3"},
		{"first quarter", "2026-Q1", "2026-01-01", "2026-04-01", "2025-Q4"},
		{"half", "2026-H1", "2026-01-01", "2026-07-01", "2025-H2"},
		{"month", "2026-01", "2026-01-01", "2026-02-01", "2025-12"},
		{"year", "2026", "2026-01-01", "2027-01-01", "2025"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, e, err := Bounds(tt.period)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Format("2006-01-02"); got != tt.start {
				t.Errorf("start %s, want %s", got, tt.start)
			}
			if got := e.Format("2006-01-02"); got != tt.end {
				t.Errorf("end %s, want %s", got, tt.end)
			}
			p, err := Previous(tt.period)
			if err != nil || p != tt.prev {
				t.Errorf("Previous = %q, %v; want %q", p, err, tt.prev)
			}
		})
	}
	for _, bad := range []string{"", "Q4", "2026-Q5", "2026-13", "2026-00", "26-Q1"} {
		if _, _, err := Bounds(bad); err == nil {
			t.Errorf("Bounds(%q) accepted", bad)
		}
	}
	if got := Current(time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)); got != "2026-Q4" {
		t.Errorf("Current = %s", got)
	}
}
