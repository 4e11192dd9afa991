package kms_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/kms"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/kms/kmsfake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// BenchmarkCollect measures one region's collection of 100 keys with 10 ms
// of injected latency per call, at several per-key concurrency bounds. It
// adds keys to kumo's process-wide state, so it runs after the tests (go
// test -run '^$' -bench Collect).
func BenchmarkCollect(b *testing.B) {
	e := collectortest.NewEmulator(b)
	m := &kmsfake.Account{}
	for i := 0; i < 100; i++ {
		m.Keys = append(m.Keys, &kmsfake.Key{})
	}
	if err := m.Seed(context.Background(), e.Config()); err != nil {
		b.Fatal(err)
	}
	m.Install(e.Transport)
	e.Transport.SetLatency(10 * time.Millisecond)
	for _, conc := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			e.Transport.ResetCounts()
			req := collectortest.NewRequest(&e.Endpoint, "us-east-1")
			req.Options = concurrency(conc)
			for b.Loop() {
				resp, err := kms.New().Collect(context.Background(), req)
				if err != nil {
					b.Fatal(err)
				}
				if s := resp.Snapshots[0]; s.Status != evidence.StatusOK {
					b.Fatalf("status %s: %+v", s.Status, s.Errors)
				}
			}
			b.ReportMetric(float64(e.Transport.Total())/float64(b.N), "calls/op")
		})
	}
}
