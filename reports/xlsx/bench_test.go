package xlsx

import (
	"context"
	"io"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/reports/reportstest"
)

// benchmarkFindings renders a workbook whose findings are generated on the
// fly, so what is measured is the renderer, not the input. bench/reports.sh
// measures the peak memory of the whole process.
func benchmarkFindings(b *testing.B, n int) {
	p := reportstest.New(reportstest.Options{Failing: n / 10, Passing: n - n/10, Stream: true})
	p.Digest = testDigest
	b.ReportAllocs()
	for b.Loop() {
		if err := (Renderer{}).Render(context.Background(), io.Discard, p, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFindings10k renders 10,000 finding rows.
func BenchmarkFindings10k(b *testing.B) { benchmarkFindings(b, 10000) }

// BenchmarkFindings100k renders 100,000 finding rows (the target: under 10 s).
func BenchmarkFindings100k(b *testing.B) { benchmarkFindings(b, 100000) }
