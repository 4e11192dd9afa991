package plugins_test

import (
	"context"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/plugins"
)

// benchSnapshots is how many small snapshots one collection returns.
const benchSnapshots = 10000

// BenchmarkPluginOverhead collects 10,000 small snapshots with the same
// collector built in and served by a plugin subprocess (the test binary),
// in the same run, and reports the ratio of their times for one Collect
// call. (A whole Runner run also signs and stores every snapshot; that costs
// the same for both, tens of seconds for 10,000 snapshots, dominated by one
// fsync per file, and would hide the plugin's overhead.)
func BenchmarkPluginOverhead(b *testing.B) {
	path, digest := self(b)
	host := &plugins.Host{}
	p, err := host.Launch(context.Background(), plugins.Config{
		Name: "tp", Path: path, SHA256: digest,
		Env:          []string{modeEnv + "=ok", "TEST_N=10000"},
		MaxSnapshots: benchSnapshots,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	var viaPlugin collectors.Collector
	for _, c := range p.Collectors() {
		if c.Describe().Name == "test-items" {
			viaPlugin = c
		}
	}
	builtIn := &testCollector{name: "test-items", n: benchSnapshots}

	b.Run("collect", func(b *testing.B) {
		req := request()
		measure(b, func(c collectors.Collector) {
			resp, err := c.Collect(context.Background(), req)
			if err != nil || len(resp.Snapshots) != benchSnapshots || resp.Snapshots[0].Status != evidence.StatusOK {
				b.Fatalf("collect: %d snapshots, %v", len(resp.Snapshots), err)
			}
		}, builtIn, viaPlugin)
	})
}

// measure times f with the built-in and the plugin collector alternately
// and reports both times per operation and their ratio.
func measure(b *testing.B, f func(collectors.Collector), builtIn, viaPlugin collectors.Collector) {
	b.Helper()
	var tb, tp time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		f(builtIn)
		tb += time.Since(start)
		start = time.Now()
		f(viaPlugin)
		tp += time.Since(start)
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(tb.Milliseconds())/n, "builtin-ms/op")
	b.ReportMetric(float64(tp.Milliseconds())/n, "plugin-ms/op")
	b.ReportMetric(float64(tp)/float64(tb), "plugin/builtin")
}
