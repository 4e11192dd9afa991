package proto

import (
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	pb "github.com/hipaa-evidence/hipaa-evidence/plugins/proto/internal/pluginv1"
)

// FuzzSnapshotFromWire feeds arbitrary bytes, as a hostile plugin could
// send, through decoding and conversion. Conversion must never panic, and
// whatever it accepts must keep the snapshot invariants the host relies on.
func FuzzSnapshotFromWire(f *testing.F) {
	for _, m := range []*pb.Snapshot{
		{Kind: "idp.example.mfa", Status: pb.Status_STATUS_OK, Payload: []byte(`{"users":[]}`), ApiCalls: []string{"x:Y"}},
		{Kind: "a.b", Status: pb.Status_STATUS_PARTIAL, Errors: []*pb.CallError{{Action: "x:Y", Code: "E", Message: "m"}}},
		{Kind: "a.b", Status: pb.Status_STATUS_ERROR},
	} {
		b, err := proto.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m pb.Snapshot
		if proto.Unmarshal(b, &m) != nil {
			return
		}
		s, err := snapshotFromWire(&m)
		if err != nil {
			return
		}
		if !evidence.ValidKind(s.Kind) || !s.Status.Valid() || !json.Valid(s.Payload) {
			t.Fatalf("accepted an invalid snapshot: %+v", s)
		}
		if (s.Status == evidence.StatusOK) != (len(s.Errors) == 0) {
			t.Fatalf("accepted status %s with %d errors", s.Status, len(s.Errors))
		}
	})
}

// FuzzDescriptionFromWire checks that any description that converts has a
// name, a version and at least one collector with a known scope.
func FuzzDescriptionFromWire(f *testing.F) {
	b, err := proto.Marshal(&pb.DescribeResponse{Name: "p", Version: "1", Collectors: []*pb.CollectorInfo{
		{Name: "c", Version: "1", Scope: pb.Scope_SCOPE_ONCE, EvidenceKinds: []string{"a.b"}},
	}, Checks: []*pb.CheckFile{{Name: "c.yaml", Content: []byte("id: x\n")}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		var m pb.DescribeResponse
		if proto.Unmarshal(b, &m) != nil {
			return
		}
		d, err := descriptionFromWire(&m)
		if err != nil {
			return
		}
		if d.Name == "" || d.Version == "" || len(d.Collectors) == 0 {
			t.Fatalf("accepted an incomplete description: %+v", d)
		}
		for _, c := range d.Collectors {
			if scopeToWire(c.Scope) == pb.Scope_SCOPE_UNSPECIFIED {
				t.Fatalf("accepted scope %q", c.Scope)
			}
		}
	})
}
