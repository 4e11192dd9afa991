package jsonreport

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
	"github.com/hipaa-evidence/hipaa-evidence/reports/reportstest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func encode(t testing.TB, p *reports.Package) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := (Renderer{}).Render(context.Background(), &buf, p, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	got := encode(t, reportstest.New(reportstest.Options{Failing: 4, Passing: 3}))
	golden := filepath.Join("testdata", "package.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("JSON model differs from %s; run go test -update and review the diff", golden)
	}
	if !json.Valid(got) {
		t.Fatal("output is not valid JSON")
	}
}

func TestRoundTrip(t *testing.T) {
	p := reportstest.New(reportstest.Options{Failing: 20, Passing: 10})
	b := encode(t, p)
	q, err := Decode(bytes.NewReader(b), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Fatal("decoded package differs from the encoded one")
	}
	if again := encode(t, q); !bytes.Equal(b, again) {
		t.Fatal("re-encoding the decoded package changes the bytes")
	}
}

func TestStreamAndSliceEncodeTheSame(t *testing.T) {
	a := encode(t, reportstest.New(reportstest.Options{Failing: 50, Passing: 50}))
	b := encode(t, reportstest.New(reportstest.Options{Failing: 50, Passing: 50, Stream: true}))
	if !bytes.Equal(a, b) {
		t.Fatal("a streamed package encodes differently from the same package in memory")
	}
}

func TestEmptyFindings(t *testing.T) {
	p := reportstest.New(reportstest.Options{})
	p.Findings = nil
	p.FindingSource = nil
	b := encode(t, p)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if f, ok := m["findings"].([]any); !ok || len(f) != 0 {
		t.Fatalf("findings = %#v, want []", m["findings"])
	}
}

func TestDecodeRejects(t *testing.T) {
	good := string(encode(t, reportstest.New(reportstest.Options{Failing: 1})))
	cases := []struct {
		name, in string
		limit    int64
		want     string
	}{
		{"oversize", good, 100, "larger than"},
		{"unknown field", strings.Replace(good, `"schema"`, `"extra": 1, "schema"`, 1), 1 << 20, "unknown field"},
		{"wrong schema", strings.Replace(good, reports.PackageSchema, "other/v9", 1), 1 << 20, "schema"},
		{"not json", "{", 1 << 20, "read JSON report"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.in), tc.limit)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Decode error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(encode(f, reportstest.New(reportstest.Options{Failing: 1})))
	f.Add([]byte(`{"schema":"hipaa-evidence/report-package/v1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(bytes.NewReader(data), 1<<20)
		if err != nil {
			return
		}
		// Whatever decodes must encode again.
		var buf bytes.Buffer
		if err := Encode(context.Background(), &buf, p); err != nil {
			t.Fatalf("encode a decoded package: %v", err)
		}
		if !json.Valid(buf.Bytes()) {
			t.Fatal("re-encoded package is not valid JSON")
		}
	})
}
