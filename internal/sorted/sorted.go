package sorted

import "sort"

// Keys returns m's keys in ascending order. It never returns nil: an empty
// map gives an empty slice, which encodes as [] rather than null in JSON.
func Keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
