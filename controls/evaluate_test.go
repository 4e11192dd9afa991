package controls

import (
	"testing"
)

// itemsCheck is a plugin-style check over payload.items of one kind.
const itemsCheck = `
id: test_items_ok
title: Every item is ok
evidence: vendor.test.items
for_each: payload.items
resource: item.id
pass: item.ok == true
citations: ["164.312(d)"]
severity: low
remediation: Fix the item.
`

// TestForEachNullIsUnknown: null means "not seen" in every payload
// (docs/adding-a-collector.md), so a for_each that gives null is unknown,
// never "no resources, not applicable"; an empty list is "seen, none".
func TestForEachNullIsUnknown(t *testing.T) {
	cat := testCatalog(t)
	tests := []struct {
		name    string
		payload map[string]any
		want    ResultStatus
	}{
		{"null list is unknown", map[string]any{"items": nil}, StatusUnknown},
		{"empty list is not applicable", map[string]any{"items": []any{}}, StatusNotApplicable},
		{"listed item is decided", map[string]any{"items": []any{map[string]any{"id": "a", "ok": true}}}, StatusPass},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set := checksFrom(t, cat, map[string]string{"local/items.yaml": itemsCheck})
			in := &Inputs{Catalog: cat, Checks: set, Run: runInfo("111111111111"),
				Snapshots: []SnapshotData{mkSnap(t, "vendor.test.items", "111111111111", "global", "", tc.payload)}}
			got := resultsOf(evaluate(t, in), "test_items_ok")
			if len(got) != 1 || got[0].Status != tc.want {
				t.Fatalf("results %+v, want one %s", got, tc.want)
			}
		})
	}
}
