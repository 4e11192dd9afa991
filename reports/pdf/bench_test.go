package pdf

import (
	"context"
	"io"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/reports/reportstest"
)

// BenchmarkRender10kFailing renders a report with 10,000 failing resources
// (the target: under 10 s and 500 MiB; see bench/README.md for peak memory).
func BenchmarkRender10kFailing(b *testing.B) {
	p := reportstest.New(reportstest.Options{Failing: 10000, Passing: 10000})
	p.Digest = testDigest
	b.ReportAllocs()
	for b.Loop() {
		if err := (Renderer{}).Render(context.Background(), io.Discard, p, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderSmall renders a report with 25 failing resources.
func BenchmarkRenderSmall(b *testing.B) {
	p := reportstest.New(reportstest.Options{Failing: 25})
	p.Digest = testDigest
	b.ReportAllocs()
	for b.Loop() {
		if err := (Renderer{}).Render(context.Background(), io.Discard, p, nil); err != nil {
			b.Fatal(err)
		}
	}
}
