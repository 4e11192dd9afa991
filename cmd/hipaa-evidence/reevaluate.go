package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
	"github.com/hipaa-evidence/hipaa-evidence/reports/bundle"
)

// Limits of what --reevaluate reads back from a verified bundle. The files
// are verified, but a bundle sealed by a hostile key holder is still hostile
// input.
const (
	// maxEvalInput bounds one evaluation input file (checks, config): it
	// stops a huge "check file" from exhausting memory before it is parsed.
	maxEvalInput = 64 << 20
	// maxResultsRead bounds results/results.json, which is held in memory
	// and decoded: 1 GiB is far above 100,000 results.
	maxResultsRead = 1 << 30
	// maxDifferences bounds the differences listed, so a wholly different
	// results.json gives a readable report, not megabytes of output.
	maxDifferences = 50
)

// errReevaluation means re-running the bundled checks on the bundled
// evidence does not reproduce the bundled results.json.
var errReevaluation = errors.New("re-evaluation differs from the bundled results")

// reevaluation compares the bundled results.json with a fresh evaluation of
// the bundled evidence.
type reevaluation struct {
	// Same is true when the fresh results.json is byte-identical.
	Same bool `json:"same"`
	// BundledSHA256 is the digest of the bundled results.json.
	BundledSHA256 string `json:"bundled_sha256"`
	// ReevaluatedSHA256 is the digest of the fresh results.json.
	ReevaluatedSHA256 string `json:"reevaluated_sha256"`
	// Snapshots counts the snapshots evaluated.
	Snapshots int `json:"snapshots"`
	// Results and Controls count the fresh results and control statuses.
	Results int `json:"results"`
	// Controls counts the control statuses compared.
	Controls int `json:"controls"`
	// Differences lists what differs, at most maxDifferences.
	Differences []string `json:"differences"`
}

func (r *reevaluation) summary() string {
	if r.Same {
		return fmt.Sprintf("the bundled checks on the %d bundled snapshots reproduce results.json byte for byte (%d results, %d controls)", r.Snapshots, r.Results, r.Controls)
	}
	return fmt.Sprintf("DIFFERS from results.json (%d difference(s) shown below)", len(r.Differences))
}

// reevaluate re-runs the bundled checks on the bundled evidence (whose
// signatures verification checked) and compares with results.json.
func (a *app) reevaluate(ctx context.Context, b *bundle.Bundle) (*reevaluation, error) {
	files := map[string][]byte{}
	for _, p := range append(b.Files("config/"), b.Files("checks/")...) {
		data, err := b.ReadFile(p, maxEvalInput)
		if err != nil {
			return nil, fmt.Errorf("re-evaluate: %w", err)
		}
		files[evalFileName(p)] = data
	}
	var snaps []controls.SnapshotData
	for _, p := range b.Files("evidence/") {
		if p == bundle.RunManifestFile || strings.HasSuffix(p, ".sig") {
			continue
		}
		data, err := b.ReadFile(p, evidence.MaxSnapshotSize)
		if err != nil {
			return nil, fmt.Errorf("re-evaluate: %w", err)
		}
		snaps = append(snaps, controls.SnapshotData{Digest: b.Digest(p), Data: data})
	}
	bundled, err := b.ReadFile(bundle.ResultsFile, maxResultsRead)
	if err != nil {
		return nil, fmt.Errorf("re-evaluate: %w", err)
	}
	in, err := controls.InputsFromFiles(files, snaps)
	if err != nil {
		return nil, fmt.Errorf("re-evaluate: %w", err)
	}
	res, err := controls.Evaluate(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("re-evaluate: %w", err)
	}
	fresh, err := res.Encode()
	if err != nil {
		return nil, fmt.Errorf("re-evaluate: %w", err)
	}
	re := &reevaluation{
		Same:              bytes.Equal(fresh, bundled),
		BundledSHA256:     evidence.Digest(bundled),
		ReevaluatedSHA256: evidence.Digest(fresh),
		Snapshots:         len(snaps),
		Results:           len(res.Results),
		Controls:          len(res.Controls),
		Differences:       []string{},
	}
	if re.Same {
		return re, nil
	}
	old, err := controls.DecodeResults(bundled)
	if err != nil {
		re.Differences = append(re.Differences, fmt.Sprintf("the bundled results.json does not parse: %v", err))
	} else {
		re.Differences = diffResults(old, res)
	}
	if len(re.Differences) == 0 {
		re.Differences = append(re.Differences, "the results agree but the bytes differ (field order, formatting or metadata)")
	}
	return re, fmt.Errorf("%w: %s", errReevaluation, re.Differences[0])
}

// diffResults lists how fresh results differ from the bundled ones: per
// check × resource status and per control status.
func diffResults(old, fresh *controls.Results) []string {
	var out []string
	add := func(format string, args ...any) {
		if len(out) < maxDifferences {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	key := func(r controls.Result) string {
		return r.CheckID + " " + r.AccountID + " " + r.Region + " " + r.ResourceID
	}
	was := map[string]controls.Result{}
	for _, r := range old.Results {
		was[key(r)] = r
	}
	now := map[string]controls.Result{}
	for _, r := range fresh.Results {
		now[key(r)] = r
	}
	keys := make([]string, 0, len(was)+len(now))
	for k := range was {
		keys = append(keys, k)
	}
	for k := range now {
		if _, ok := was[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		o, inOld := was[k]
		n, inNew := now[k]
		switch {
		case !inNew:
			add("result %s (%s) is in results.json but not re-evaluated", k, o.Status)
		case !inOld:
			add("result %s (%s) is re-evaluated but not in results.json", k, n.Status)
		case o.Status != n.Status:
			add("result %s: results.json says %s, re-evaluation says %s", k, o.Status, n.Status)
		case o.Detail != n.Detail:
			add("result %s: detail differs", k)
		}
	}
	oc := map[string]controls.Control{}
	for _, c := range old.Controls {
		oc[c.ID] = c
	}
	for _, c := range fresh.Controls {
		o, ok := oc[c.ID]
		switch {
		case !ok:
			add("control %s (%s) is not in results.json", c.ID, c.Status)
		case o.Status != c.Status:
			add("control %s: results.json says %s, re-evaluation says %s", c.ID, o.Status, c.Status)
		}
		delete(oc, c.ID)
	}
	left := make([]string, 0, len(oc))
	for id := range oc {
		left = append(left, id)
	}
	sort.Strings(left)
	for _, id := range left {
		add("control %s is in results.json but not re-evaluated", id)
	}
	return out
}
