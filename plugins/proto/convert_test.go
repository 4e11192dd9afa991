package proto

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	pb "github.com/hipaa-evidence/hipaa-evidence/plugins/proto/internal/pluginv1"
)

func TestDescriptionRoundTrip(t *testing.T) {
	in := &Description{
		Name:    "acme-idp",
		Version: "1.2.3",
		Collectors: []collectors.Descriptor{
			{Name: "acme-mfa", Version: "1.0.0", Summary: "MFA enrolment", Scope: collectors.Once,
				EvidenceKinds: []string{"idp.acme.mfa_enrollment"}, Permissions: []string{"acme:users.read"}},
			{Name: "acme-audit", Version: "0.1.0", Scope: collectors.PerRegion, EvidenceKinds: []string{"idp.acme.audit", "idp.acme.audit_config"}},
			{Name: "acme-acct", Version: "0.1.0", Scope: collectors.PerAccount, EvidenceKinds: []string{"idp.acme.accounts"}},
		},
		Checks:     []CheckFile{{Name: "checks/mfa.yaml", Content: []byte("id: x\n")}},
		Citations:  []string{"164.312(d)"},
		SDKVersion: "v1.0.0",
	}
	out, err := descriptionFromWire(descriptionToWire(in))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip changed the description:\n in %+v\nout %+v", in, out)
	}
}

func TestDescriptionFromWireRejects(t *testing.T) {
	good := func() *pb.DescribeResponse {
		return &pb.DescribeResponse{Name: "p", Version: "1", Collectors: []*pb.CollectorInfo{
			{Name: "c", Version: "1", Scope: pb.Scope_SCOPE_ONCE, EvidenceKinds: []string{"a.b"}},
		}}
	}
	tests := []struct {
		name   string
		mutate func(*pb.DescribeResponse) *pb.DescribeResponse
		want   string
	}{
		{"nil", func(*pb.DescribeResponse) *pb.DescribeResponse { return nil }, "empty description"},
		{"no name", func(m *pb.DescribeResponse) *pb.DescribeResponse { m.Name = ""; return m }, "name and version"},
		{"no version", func(m *pb.DescribeResponse) *pb.DescribeResponse { m.Version = ""; return m }, "name and version"},
		{"no collectors", func(m *pb.DescribeResponse) *pb.DescribeResponse { m.Collectors = nil; return m }, "serves no collectors"},
		{"unspecified scope", func(m *pb.DescribeResponse) *pb.DescribeResponse {
			m.Collectors[0].Scope = pb.Scope_SCOPE_UNSPECIFIED
			return m
		}, "scope 0"},
		{"unknown scope", func(m *pb.DescribeResponse) *pb.DescribeResponse { m.Collectors[0].Scope = 42; return m }, "scope 42"},
		{"unnamed check file", func(m *pb.DescribeResponse) *pb.DescribeResponse {
			m.Checks = []*pb.CheckFile{{Content: []byte("id: x")}}
			return m
		}, "check file 0 has no name"},
	}
	if _, err := descriptionFromWire(good()); err != nil {
		t.Fatalf("the unmutated description is rejected: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := descriptionFromWire(tc.mutate(good()))
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrMalformed containing %q", err, tc.want)
			}
		})
	}
}

func TestRequestRoundTrip(t *testing.T) {
	now := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	in := &collectors.Request{
		Target:      collectors.Target{Partition: "aws", AccountID: "111122223333", Region: "global"},
		Period:      "2026-Q4",
		PeriodStart: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		PeriodEnd:   time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		Options: collectors.NewOptions(func(v any) error {
			p := v.(*any)
			*p = map[string]any{"export": "/data/mfa.json", "max_age_days": 30}
			return nil
		}),
		Accounts: []collectors.AccountInfo{{ID: "111122223333", Name: "prod"}},
		Now:      func() time.Time { return now },
	}
	w, err := requestToWire("acme-mfa", in)
	if err != nil {
		t.Fatal(err)
	}
	name, out, err := requestFromWire(w)
	if err != nil {
		t.Fatal(err)
	}
	if name != "acme-mfa" {
		t.Errorf("collector = %q", name)
	}
	if out.Target != in.Target || out.Period != in.Period || !out.PeriodStart.Equal(in.PeriodStart) || !out.PeriodEnd.Equal(in.PeriodEnd) {
		t.Errorf("request fields changed: %+v", out)
	}
	if !reflect.DeepEqual(out.Accounts, in.Accounts) {
		t.Errorf("accounts = %+v", out.Accounts)
	}
	if got := out.Now(); !got.Equal(now) {
		t.Errorf("Now() = %v, want the host's %v", got, now)
	}
	var opts struct {
		Export     string `yaml:"export"`
		MaxAgeDays int    `yaml:"max_age_days"`
	}
	if err := out.Options.Decode(&opts); err != nil {
		t.Fatal(err)
	}
	if opts.Export != "/data/mfa.json" || opts.MaxAgeDays != 30 {
		t.Errorf("options = %+v", opts)
	}
	var strict struct {
		Export string `yaml:"export"`
	}
	if err := out.Options.Decode(&strict); err == nil || !strings.Contains(err.Error(), "max_age_days") {
		t.Errorf("an unknown option field is not rejected: %v", err)
	}
}

func TestRequestWithoutOptions(t *testing.T) {
	w, err := requestToWire("c", &collectors.Request{Period: "2026"})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.GetOptionsYaml()) != 0 {
		t.Errorf("options_yaml = %q, want empty", w.GetOptionsYaml())
	}
	_, r, err := requestFromWire(w)
	if err != nil {
		t.Fatal(err)
	}
	v := struct{ A int }{A: 7}
	if err := r.Options.Decode(&v); err != nil || v.A != 7 {
		t.Errorf("empty options changed the value: %+v, %v", v, err)
	}
}

func TestRequestFromWireRejects(t *testing.T) {
	tests := []struct {
		name string
		m    *pb.CollectRequest
		want string
	}{
		{"nil", nil, "names no collector"},
		{"no collector", &pb.CollectRequest{Period: "2026"}, "names no collector"},
		{"bad time", &pb.CollectRequest{Collector: "c", PeriodStart: &timestamppb.Timestamp{Seconds: 1, Nanos: -1}}, "period_start"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := requestFromWire(tc.m)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrMalformed containing %q", err, tc.want)
			}
		})
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   *evidence.Snapshot
	}{
		{"ok", &evidence.Snapshot{Kind: "idp.acme.mfa", Status: evidence.StatusOK, APICalls: []string{"acme:ListUsers"},
			Payload: json.RawMessage(`{"users":[{"id":"u1","mfa":true}]}`)}},
		{"partial", &evidence.Snapshot{Kind: "idp.acme.mfa", Status: evidence.StatusPartial, APICalls: []string{"acme:ListUsers"},
			Errors:  []evidence.CallError{{Action: "acme:ListFactors", Code: "Forbidden", Message: "scope missing"}},
			Payload: json.RawMessage(`{"users":[]}`)}},
		{"error", &evidence.Snapshot{Kind: "idp.acme.mfa", Status: evidence.StatusError,
			Errors: []evidence.CallError{{Action: "acme:ListUsers", Code: "Unavailable", Message: "down"}}, Payload: json.RawMessage(`{}`)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := snapshotFromWire(snapshotToWire(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(tc.in, out) {
				t.Errorf("round trip changed the snapshot:\n in %+v\nout %+v", tc.in, out)
			}
		})
	}
}

func TestSnapshotFromWireRejects(t *testing.T) {
	tests := []struct {
		name string
		m    *pb.Snapshot
		want string
	}{
		{"nil", nil, "carries no snapshot"},
		{"bad kind", &pb.Snapshot{Kind: "Not A Kind", Status: pb.Status_STATUS_OK}, "evidence kind"},
		{"one-part kind", &pb.Snapshot{Kind: "mfa", Status: pb.Status_STATUS_OK}, "evidence kind"},
		{"no status", &pb.Snapshot{Kind: "a.b"}, "status 0"},
		{"unknown status", &pb.Snapshot{Kind: "a.b", Status: 9}, "status 9"},
		{"payload not JSON", &pb.Snapshot{Kind: "a.b", Status: pb.Status_STATUS_OK, Payload: []byte("{users: [")}, "not JSON"},
		{"ok with errors", &pb.Snapshot{Kind: "a.b", Status: pb.Status_STATUS_OK,
			Errors: []*pb.CallError{{Action: "x:Y", Code: "E"}}}, "status ok with 1 errors"},
		{"error without errors", &pb.Snapshot{Kind: "a.b", Status: pb.Status_STATUS_ERROR}, "without errors"},
		{"error lacks code", &pb.Snapshot{Kind: "a.b", Status: pb.Status_STATUS_PARTIAL,
			Errors: []*pb.CallError{{Action: "x:Y"}}}, "lacks action or code"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := snapshotFromWire(tc.m)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrMalformed containing %q", err, tc.want)
			}
		})
	}
}

func TestEmptyPayloadBecomesObject(t *testing.T) {
	s, err := snapshotFromWire(&pb.Snapshot{Kind: "a.b", Status: pb.Status_STATUS_OK})
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Payload) != "{}" {
		t.Errorf("payload = %q, want {}", s.Payload)
	}
}

func TestEnumMappingsAreComplete(t *testing.T) {
	for v := range pb.Scope_name {
		s := pb.Scope(v)
		d, err := scopeFromWire(s)
		if s == pb.Scope_SCOPE_UNSPECIFIED {
			if err == nil {
				t.Errorf("SCOPE_UNSPECIFIED accepted as %q", d)
			}
			continue
		}
		if err != nil || scopeToWire(d) != s {
			t.Errorf("scope %v does not round-trip: %q, %v", s, d, err)
		}
	}
	for v := range pb.Status_name {
		s := pb.Status(v)
		d, err := statusFromWire(s)
		if s == pb.Status_STATUS_UNSPECIFIED {
			if err == nil {
				t.Errorf("STATUS_UNSPECIFIED accepted as %q", d)
			}
			continue
		}
		if err != nil || statusToWire(d) != s {
			t.Errorf("status %v does not round-trip: %q, %v", s, d, err)
		}
	}
}
