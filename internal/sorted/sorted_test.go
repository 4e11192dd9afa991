package sorted

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestKeys(t *testing.T) {
	tests := []struct {
		name string
		m    map[string]int
		want []string
	}{
		{"nil map", nil, []string{}},
		{"empty map", map[string]int{}, []string{}},
		{"keys in order", map[string]int{"b": 1, "a": 2, "c": 0, "B": 3}, []string{"B", "a", "b", "c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Keys(tc.m)
			if got == nil || !slices.Equal(got, tc.want) {
				t.Errorf("Keys = %#v, want %#v", got, tc.want)
			}
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.want) == 0 && string(b) != "[]" {
				t.Errorf("empty keys encode as %s, want []", b)
			}
		})
	}
}
