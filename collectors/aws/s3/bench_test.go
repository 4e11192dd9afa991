package s3_test

import (
	"context"
	"fmt"
	"testing"

	s3coll "github.com/hipaa-evidence/hipaa-evidence/collectors/aws/s3"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/s3/s3fake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// BenchmarkCollect measures one account's collection against kumo with 50
// buckets, 10 of them tagged as PHI: wall time, allocations and API calls.
func BenchmarkCollect(b *testing.B) {
	e := collectortest.NewEmulator(b)
	ctx := context.Background()
	m := &s3fake.Account{ID: collectortest.DefaultAccount}
	for i := 0; i < 50; i++ {
		bk := &s3fake.Bucket{Name: fmt.Sprintf("bench-bucket-%02d", i)}
		if i%5 == 0 {
			bk.Tags = []s3fake.Tag{{Key: "phi", Value: "true"}}
		}
		m.Buckets = append(m.Buckets, bk)
	}
	if err := m.Seed(ctx, e.Config()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := m.Delete(ctx, e.Config()); err != nil {
			b.Error(err)
		}
	})
	m.Install(e.Transport)
	req := collectortest.NewRequest(&e.Endpoint, evidence.GlobalRegion)
	e.Transport.ResetCounts()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s3coll.New().Collect(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(e.Transport.Total())/float64(b.N), "calls/op")
}
