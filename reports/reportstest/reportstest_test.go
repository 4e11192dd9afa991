package reportstest

import (
	"slices"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
)

func TestNewIsCompleteAndOrdered(t *testing.T) {
	for _, stream := range []bool{false, true} {
		p := New(Options{Failing: 100, Passing: 50, Stream: stream})
		if len(p.Controls) != 68 {
			t.Fatalf("%d controls, want 68", len(p.Controls))
		}
		seen := map[reports.ControlStatus]bool{}
		for _, c := range p.Controls {
			if !c.Status.Valid() {
				t.Fatalf("control %s has status %q", c.ID, c.Status)
			}
			seen[c.Status] = true
		}
		for _, s := range reports.ControlStatuses {
			if !seen[s] {
				t.Errorf("no control has status %s", s)
			}
		}
		var prev reports.Finding
		n, fails := 0, 0
		for f := range p.AllFindings() {
			key := func(f reports.Finding) []string { return []string{f.CheckID, f.AccountID, f.Region, f.ResourceID} }
			if n > 0 && slices.Compare(key(prev), key(f)) >= 0 {
				t.Fatalf("findings out of order: %v then %v", key(prev), key(f))
			}
			prev = f
			n++
			if f.Status == reports.Fail {
				fails++
			}
		}
		if total := p.TotalCounts(); total.Total() != n || total.Fail != fails {
			t.Fatalf("counts %+v disagree with %d findings, %d failing", total, n, fails)
		}
		if fails != 103 || n != 100+50+6 {
			t.Fatalf("stream=%v: %d findings, %d failing; want 156 and 103", stream, n, fails)
		}
	}
}
