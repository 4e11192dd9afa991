package collectortest

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// Suite describes one collector for the conformance suite.
type Suite struct {
	// New makes the collector under test.
	New func() collectors.Collector
	// Endpoint is where the collector's calls go; its Recorder is read.
	Endpoint *Endpoint
	// Request returns a request for one target whose AWS config comes from
	// Endpoint.Config (so the Recorder sees every call).
	Request func(t *testing.T) *collectors.Request
}

var actionPattern = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9]+$`)

// cancelBound is how long a collector may take to give up after its context
// is cancelled.
const cancelBound = 10 * time.Second

// RunConformance checks the contract every collector must keep:
//   - its descriptor is valid and its actions are well-formed IAM actions;
//   - every operation it sends, and every action named in a snapshot, is
//     declared (so `hipaa-evidence iam-policy` is complete);
//   - it never returns a nil response with a nil error;
//   - its snapshots have declared kinds, legal statuses, and encode;
//   - a cancelled context makes it return promptly, without claiming any
//     evidence it did not see.
func RunConformance(t *testing.T, s Suite) {
	t.Helper()
	d := s.New().Describe()
	t.Run("descriptor", func(t *testing.T) {
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, a := range d.Actions {
			if !actionPattern.MatchString(a) {
				t.Errorf("action %q is not of the form service:Action", a)
			}
		}
	})
	declared := map[string]bool{}
	for _, a := range d.Actions {
		declared[a] = true
	}

	t.Run("declared actions cover every call", func(t *testing.T) {
		s.Endpoint.Recorder.Reset()
		req := s.Request(t)
		resp, err := s.New().Collect(context.Background(), req)
		if err != nil {
			t.Fatalf("collect: %v", err)
		}
		if resp == nil {
			t.Fatal("collect returned a nil response and a nil error")
		}
		calls := s.Endpoint.Recorder.Actions()
		if len(calls) == 0 && len(d.Actions) > 0 {
			t.Error("no calls were recorded: is the request's AWS config from Endpoint.Config?")
		}
		for _, a := range calls {
			if !declared[a] {
				t.Errorf("collector calls %s but its descriptor does not declare it", a)
			}
		}
		checkSnapshots(t, d, req, resp.Snapshots, declared)
	})

	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req := s.Request(t)
		done := make(chan struct{})
		var (
			resp *collectors.Response
			err  error
		)
		go func() {
			defer close(done)
			resp, err = s.New().Collect(ctx, req)
		}()
		select {
		case <-done:
		case <-time.After(cancelBound):
			t.Fatalf("collect did not return within %s of cancellation", cancelBound)
		}
		if err != nil {
			return
		}
		if resp == nil {
			t.Fatal("collect returned a nil response and a nil error")
		}
		for _, snap := range resp.Snapshots {
			if snap.Status == evidence.StatusOK && len(snap.APICalls) > 0 {
				t.Errorf("snapshot %s claims status ok after its calls were cancelled", snap.Kind)
			}
		}
		checkSnapshots(t, d, req, resp.Snapshots, declared)
	})
}

func checkSnapshots(t *testing.T, d collectors.Descriptor, req *collectors.Request, snaps []*evidence.Snapshot, declared map[string]bool) {
	t.Helper()
	if len(snaps) == 0 {
		t.Error("collector returned no snapshots")
	}
	for _, snap := range snaps {
		if snap == nil {
			t.Error("nil snapshot")
			continue
		}
		if !d.HasKind(snap.Kind) {
			t.Errorf("snapshot kind %q is not declared", snap.Kind)
		}
		if !snap.Status.Valid() {
			t.Errorf("snapshot %s has illegal status %q", snap.Kind, snap.Status)
		}
		for _, a := range snap.APICalls {
			if !declared[a] {
				t.Errorf("snapshot %s names undeclared action %s", snap.Kind, a)
			}
		}
		for _, e := range snap.Errors {
			if !declared[e.Action] {
				t.Errorf("snapshot %s records a failure of undeclared action %s", snap.Kind, e.Action)
			}
		}
		c := *snap
		c.Schema = evidence.SchemaV1
		c.Collector = evidence.CollectorInfo{Name: d.Name, Version: d.Version}
		c.Source = evidence.Source{Partition: req.Target.Partition, AccountID: req.Target.AccountID, Region: req.Target.Region}
		c.Period = req.Period
		c.CollectedAt = time.Now()
		if _, err := c.Encode(); err != nil {
			t.Errorf("snapshot %s does not encode: %v", snap.Kind, err)
		}
	}
}

// NewRequest returns a request for the emulator's default account in
// region (or evidence.GlobalRegion), period 2026-Q4, with a fixed clock.
func NewRequest(e *Endpoint, region string) *collectors.Request {
	cfg := e.Config()
	if region != evidence.GlobalRegion {
		cfg.Region = region
	}
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	return &collectors.Request{
		Target:      collectors.Target{Partition: "aws", AccountID: DefaultAccount, Region: region},
		AWS:         cfg,
		Period:      "2026-Q4",
		PeriodStart: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		PeriodEnd:   time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		Now:         func() time.Time { return now },
	}
}
