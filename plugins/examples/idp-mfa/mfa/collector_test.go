package mfa_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/examples/idp-mfa/mfa"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// request returns a request whose options are the YAML text opts, decoded
// strictly as the host decodes a collector's config section.
func request(t *testing.T, opts string) *collectors.Request {
	t.Helper()
	r := &collectors.Request{
		Period: "2026-Q4",
		Now:    func() time.Time { return time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC) },
	}
	if opts != "" {
		r.Options = collectors.NewOptions(func(v any) error {
			dec := yaml.NewDecoder(strings.NewReader(opts))
			dec.KnownFields(true)
			return dec.Decode(v)
		})
	}
	return r
}

func collect(t *testing.T, opts string) *evidence.Snapshot {
	t.Helper()
	resp, err := mfa.New().Collect(context.Background(), request(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Snapshots) != 1 {
		t.Fatalf("got %d snapshots, want 1", len(resp.Snapshots))
	}
	s := resp.Snapshots[0]
	if s.Kind != mfa.Kind {
		t.Errorf("kind = %s", s.Kind)
	}
	// The runner fills in these fields; the snapshot must then encode.
	s.Schema, s.Collector, s.Source, s.Period, s.CollectedAt = evidence.SchemaV1, evidence.CollectorInfo{Name: mfa.Name, Version: "1.0.0"},
		evidence.Source{Region: evidence.GlobalRegion}, "2026-Q4", time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	if _, err := s.Encode(); err != nil {
		t.Errorf("the snapshot does not encode: %v", err)
	}
	return s
}

func TestCollectExport(t *testing.T) {
	s := collect(t, "export: ../testdata/users-export.json\n")
	if s.Status != evidence.StatusOK || len(s.Errors) != 0 || strings.Join(s.APICalls, ",") != mfa.ActionReadExport {
		t.Fatalf("snapshot = %+v", s)
	}
	var got bytes.Buffer
	if err := json.Indent(&got, s.Payload, "", "  "); err != nil {
		t.Fatal(err)
	}
	got.WriteByte('\n')
	golden := filepath.Join("testdata", "payload.golden.json")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("payload differs from %s (run with -update to accept):\n%s", golden, got.String())
	}
	var p mfa.Payload
	if err := json.Unmarshal(s.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if p.Summary != (mfa.Summary{Users: 5, Active: 4, ActiveWithoutMFA: 1}) {
		t.Errorf("summary = %+v", p.Summary)
	}
}

func TestCollectFailures(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name   string
		opts   string
		action string
		code   string
		want   string
	}{
		{"no options", "", mfa.ActionConfigure, mfa.CodeNotConfigured, "set collectors.options.example-idp-mfa.export"},
		{"unknown option", "exprot: x.json\n", mfa.ActionConfigure, mfa.CodeNotConfigured, "exprot"},
		{"missing export", "export: " + filepath.Join(dir, "nope.json") + "\n", mfa.ActionReadExport, mfa.CodeNotFound, "no user export"},
		{"not JSON", "export: " + write("bad.json", "users,login\nalice,yes\n") + "\n", mfa.ActionReadExport, mfa.CodeMalformed, "not a user export"},
		{"no tenant", "export: " + write("empty.json", `{"users": []}`) + "\n", mfa.ActionReadExport, mfa.CodeMalformed, "lacks generated_at or tenant"},
		{"user without id", "export: " + write("noid.json", `{"generated_at":"2026-11-01T00:00:00Z","tenant":"t","users":[{"login":"x"}]}`) + "\n",
			mfa.ActionReadExport, mfa.CodeMalformed, "users[0] has no id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := collect(t, tc.opts)
			if s.Status != evidence.StatusError || len(s.Errors) != 1 {
				t.Fatalf("snapshot = %+v, want one error", s)
			}
			e := s.Errors[0]
			if e.Action != tc.action || e.Code != tc.code || !strings.Contains(e.Message, tc.want) {
				t.Errorf("error = %+v, want %s %s containing %q", e, tc.action, tc.code, tc.want)
			}
		})
	}
}
