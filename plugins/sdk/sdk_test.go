package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/proto"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/sdk"
)

type fake struct {
	d       collectors.Descriptor
	collect func(context.Context, *collectors.Request) (*collectors.Response, error)
}

func (f *fake) Describe() collectors.Descriptor { return f.d }
func (f *fake) Collect(ctx context.Context, r *collectors.Request) (*collectors.Response, error) {
	return f.collect(ctx, r)
}

func desc(name string) collectors.Descriptor {
	return collectors.Descriptor{Name: name, Version: "1.0.0", Scope: collectors.Once, EvidenceKinds: []string{"idp.test." + strings.ReplaceAll(name, "-", "_")}}
}

func okCollector(name string) *fake {
	return &fake{d: desc(name), collect: func(context.Context, *collectors.Request) (*collectors.Response, error) {
		return &collectors.Response{Snapshots: []*evidence.Snapshot{
			{Kind: desc(name).EvidenceKinds[0], Status: evidence.StatusOK, Payload: json.RawMessage(`{"a":1}`)},
			nil,
			{Kind: desc(name).EvidenceKinds[0], Status: evidence.StatusOK, Payload: json.RawMessage(`{"a":2}`)},
		}}, nil
	}}
}

func valid() sdk.Plugin {
	return sdk.Plugin{
		Name:       "acme-idp",
		Version:    "1.0.0",
		Collectors: []collectors.Collector{okCollector("mfa"), okCollector("audit-log")},
		Checks: fstest.MapFS{
			"checks/b.yaml":      {Data: []byte("id: b\ncitations: [\"164.312(d)\"]\n")},
			"checks/a.yml":       {Data: []byte("- id: a1\n  citations: [\"164.312(b)\", \"164.312(d)\"]\n- id: a2\n  citations: []\n")},
			"checks/README.md":   {Data: []byte("not a check")},
			"checks/deep/c.yaml": {Data: []byte("checks:\n  - id: c\n    citations:\n      - 164.308(a)(1)(ii)(D)\n")},
		},
	}
}

func TestDescribe(t *testing.T) {
	d, err := sdk.Describe(valid())
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "acme-idp" || d.Version != "1.0.0" || d.SDKVersion == "" {
		t.Errorf("description = %+v", d)
	}
	var names []string
	for _, c := range d.Collectors {
		names = append(names, c.Name)
	}
	if !reflect.DeepEqual(names, []string{"mfa", "audit-log"}) {
		t.Errorf("collectors = %v", names)
	}
	var files []string
	for _, f := range d.Checks {
		files = append(files, f.Name)
	}
	if !reflect.DeepEqual(files, []string{"checks/a.yml", "checks/b.yaml", "checks/deep/c.yaml"}) {
		t.Errorf("check files = %v", files)
	}
	if want := []string{"164.308(a)(1)(ii)(D)", "164.312(b)", "164.312(d)"}; !reflect.DeepEqual(d.Citations, want) {
		t.Errorf("citations = %v, want %v", d.Citations, want)
	}
}

func TestCheckRejects(t *testing.T) {
	withActions := okCollector("mfa")
	withActions.d.Actions = []string{"iam:ListUsers"}
	badKind := okCollector("mfa")
	badKind.d.EvidenceKinds = []string{"MFA"}
	tests := []struct {
		name   string
		mutate func(*sdk.Plugin)
		want   string
	}{
		{"bad name", func(p *sdk.Plugin) { p.Name = "Acme IdP" }, "name"},
		{"no version", func(p *sdk.Plugin) { p.Version = " " }, "version is empty"},
		{"no collectors", func(p *sdk.Plugin) { p.Collectors = nil }, "no collectors"},
		{"nil collector", func(p *sdk.Plugin) { p.Collectors = append(p.Collectors, nil) }, "collector 2 is nil"},
		{"duplicate", func(p *sdk.Plugin) { p.Collectors = append(p.Collectors, okCollector("mfa")) }, `"mfa" is listed twice`},
		{"AWS actions", func(p *sdk.Plugin) { p.Collectors = []collectors.Collector{withActions} }, "not given AWS credentials"},
		{"invalid descriptor", func(p *sdk.Plugin) { p.Collectors = []collectors.Collector{badKind} }, "invalid evidence kind"},
		{"check not YAML", func(p *sdk.Plugin) {
			p.Checks = fstest.MapFS{"x.yaml": {Data: []byte("id: [unclosed\n")}}
		}, "check file x.yaml"},
		{"check too large", func(p *sdk.Plugin) {
			p.Checks = fstest.MapFS{"x.yaml": {Data: make([]byte, sdk.MaxCheckFileSize+1)}}
		}, "larger than"},
	}
	if err := sdk.Check(valid()); err != nil {
		t.Fatalf("the valid plugin is rejected: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := valid()
			tc.mutate(&p)
			err := sdk.Check(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestCollect(t *testing.T) {
	p := valid()
	panicky := okCollector("boom")
	panicky.collect = func(context.Context, *collectors.Request) (*collectors.Response, error) { panic("nil map") }
	nothing := okCollector("nothing")
	nothing.collect = func(context.Context, *collectors.Request) (*collectors.Response, error) { return nil, nil }
	p.Collectors = append(p.Collectors, panicky, nothing)
	impl, err := sdk.NewPlugin(p)
	if err != nil {
		t.Fatal(err)
	}
	var got []*evidence.Snapshot
	send := func(s *evidence.Snapshot) error { got = append(got, s); return nil }
	if err := impl.Collect(context.Background(), "mfa", &collectors.Request{}, send); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Errorf("sent %d snapshots, want 2 (nil ones skipped)", len(got))
	}
	tests := []struct {
		name, collector, want string
		is                    error
	}{
		{"unknown", "nope", "no such collector", proto.ErrUnknownCollector},
		{"panic", "boom", "collector boom panicked: nil map", nil},
		{"nil response", "nothing", "no response and no error", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := impl.Collect(context.Background(), tc.collector, &collectors.Request{}, send)
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
	stop := errors.New("host refused")
	if err := impl.Collect(context.Background(), "mfa", &collectors.Request{}, func(*evidence.Snapshot) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("a refusing send: err = %v", err)
	}
}
