package controls

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
)

// testClock is the fixed evaluation clock of the tests: the run's finished_at.
var testClock = time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC)

// mkSnap encodes one snapshot; a non-empty errs makes it partial unless
// status says otherwise.
func mkSnap(t testing.TB, kind, account, region string, status evidence.Status, payload any, errs ...evidence.CallError) SnapshotData {
	t.Helper()
	raw, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	if status == "" {
		status = evidence.StatusOK
		if len(errs) > 0 {
			status = evidence.StatusPartial
		}
	}
	var calls []string
	for _, e := range errs {
		calls = append(calls, e.Action)
	}
	s := &evidence.Snapshot{
		Schema:      evidence.SchemaV1,
		Kind:        kind,
		Collector:   evidence.CollectorInfo{Name: "test", Version: "1.0.0"},
		Source:      evidence.Source{Partition: "aws", AccountID: account, Region: region},
		Period:      "2026-Q4",
		CollectedAt: testClock.Add(-time.Hour),
		Status:      status,
		Errors:      errs,
		APICalls:    calls,
		Payload:     raw,
	}
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return SnapshotData{Digest: evidence.Digest(b), Data: b}
}

// denied is an AccessDenied failure of action.
func denied(action string) evidence.CallError {
	return evidence.CallError{Action: action, Code: "AccessDenied", Message: "not authorized"}
}

// testCatalog loads the embedded catalog.
func testCatalog(t testing.TB) *Catalog {
	t.Helper()
	c, err := DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checksFrom parses check YAML into a set.
func checksFrom(t testing.TB, cat *Catalog, files map[string]string) *CheckSet {
	t.Helper()
	s := NewCheckSet()
	for _, name := range sorted.Keys(files) {
		if err := s.Add(name, []byte(files[name]), LoadOptions{Catalog: cat}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// runInfo is a run over accounts with the test clock.
func runInfo(accounts ...string) RunInfo {
	r := RunInfo{RunID: "2026-Q4_20261215T110000Z_abcdef", Period: "2026-Q4", FinishedAt: testClock, KeyID: "test", Regions: []string{"us-east-1"}}
	for _, a := range accounts {
		r.Accounts = append(r.Accounts, ScopeAccount{AccountID: a})
	}
	return r
}

// evaluate runs Evaluate and fails the test on error.
func evaluate(t testing.TB, in *Inputs) *Results {
	t.Helper()
	r, err := Evaluate(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// resultsOf returns the results of one check.
func resultsOf(r *Results, check string) []Result {
	var out []Result
	for _, x := range r.Results {
		if x.CheckID == check {
			out = append(out, x)
		}
	}
	return out
}

// control returns one control of r.
func control(t testing.TB, r *Results, id string) Control {
	t.Helper()
	for _, c := range r.Controls {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no control %s", id)
	return Control{}
}
