package demo

import (
	"strings"
	"testing"
	"time"
)

func sampleIDs() IDs {
	return IDs{ManagementName: "123456789012", "clinic-prod": "111111111111", "analytics": "222222222222", "sandbox": "333333333333"}
}

func TestSampleNeedsEveryAccount(t *testing.T) {
	ids := sampleIDs()
	delete(ids, "analytics")
	if _, err := Sample(ids, "o-test", Period{}, time.Now()); err == nil || !strings.Contains(err.Error(), "analytics") {
		t.Errorf("error %v, want one naming the missing account", err)
	}
}

// TestSampleCostMonths checks Cost Explorer reports one result per month of
// the period up to now, the current month estimated, in every account.
func TestSampleCostMonths(t *testing.T) {
	now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		start, end time.Time
		want       []string
	}{
		{"current quarter", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), []string{"2026-10-01", "2026-11-01~"}},
		{"past quarter", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), []string{"2026-07-01", "2026-08-01", "2026-09-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Sample(sampleIDs(), "o-test", Period{Start: tt.start, End: tt.end}, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range o.Scope.CostPages[0].Results {
				m := r.Start
				if r.Estimated {
					m += "~"
				}
				got = append(got, m)
				accounts := map[string]bool{}
				for _, g := range r.Groups {
					accounts[g.Account] = true
				}
				if len(accounts) != 4 {
					t.Errorf("%s: usage in %d accounts, want 4", r.Start, len(accounts))
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("months %v, want %v", got, tt.want)
			}
		})
	}
}
