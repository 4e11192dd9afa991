// Package period names audit periods and computes their bounds. A period is
// a year ("2026"), a half ("2026-H2"), a quarter ("2026-Q4", the default) or
// a month ("2026-11"); periods are UTC.
package period

import (
	"fmt"
	"strconv"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// Current returns the quarter that contains now, e.g. "2026-Q4".
func Current(now time.Time) string {
	now = now.UTC()
	return fmt.Sprintf("%d-Q%d", now.Year(), (int(now.Month())-1)/3+1)
}

// Bounds returns the first instant of p and the first instant after it.
func Bounds(p string) (start, end time.Time, err error) {
	if !evidence.ValidPeriod(p) {
		return time.Time{}, time.Time{}, fmt.Errorf("period %q is not a year (2026), half (2026-H2), quarter (2026-Q4) or month (2026-11)", p)
	}
	year, _ := strconv.Atoi(p[:4])
	switch {
	case len(p) == 4:
		start = time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(1, 0, 0), nil
	case p[5] == 'Q':
		q := int(p[6] - '0')
		start = time.Date(year, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 3, 0), nil
	case p[5] == 'H':
		h := int(p[6] - '0')
		start = time.Date(year, time.Month(6*(h-1)+1), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 6, 0), nil
	default:
		m, _ := strconv.Atoi(p[5:])
		if m < 1 || m > 12 {
			return time.Time{}, time.Time{}, fmt.Errorf("period %q: month %d out of range", p, m)
		}
		start = time.Date(year, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 1, 0), nil
	}
}

// Previous returns the period of the same length just before p, e.g.
// "2026-Q3" for "2026-Q4" and "2025-12" for "2026-01".
func Previous(p string) (string, error) {
	start, _, err := Bounds(p)
	if err != nil {
		return "", err
	}
	switch {
	case len(p) == 4:
		return strconv.Itoa(start.Year() - 1), nil
	case p[5] == 'Q':
		t := start.AddDate(0, -3, 0)
		return Current(t), nil
	case p[5] == 'H':
		t := start.AddDate(0, -6, 0)
		return fmt.Sprintf("%d-H%d", t.Year(), (int(t.Month())-1)/6+1), nil
	default:
		t := start.AddDate(0, -1, 0)
		return t.Format("2006-01"), nil
	}
}
