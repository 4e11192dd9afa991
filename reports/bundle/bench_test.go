package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

// benchBundleSize is the content size of the benchmark bundle.
const benchBundleSize = 1 << 30

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// prngFile is a File of size deterministic pseudo-random bytes.
func prngFile(path string, seed uint64, size int64) File {
	return File{Path: path, Open: func() (io.ReadCloser, error) {
		return io.NopCloser(io.LimitReader(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16)}), size)), nil
	}}
}

// benchBundle writes a 1 GiB bundle once per process: 2,048 signed
// 512 KiB snapshots with their run manifest, plus the usual other files.
func benchBundle(b *testing.B) string {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "bundle-bench-")
		if err != nil {
			benchErr = err
			return
		}
		s, err := evidence.GenerateKeyFile(filepath.Join(dir, "key.pem"), false)
		if err != nil {
			benchErr = err
			return
		}
		ctx := context.Background()
		const n = 2048
		size := int64(benchBundleSize / n)
		rm := &locker.Manifest{Schema: locker.ManifestSchema, RunID: locker.NewRunID("2026-Q4", time.Now()), Period: "2026-Q4",
			ToolVersion: "bench", KeyID: evidence.KeyID(s.PublicKey())}
		var files []File
		for i := 0; i < n; i++ {
			f := prngFile(fmt.Sprintf("evidence/%012d/us-east-1/aws.bench.kind%04d.json", 100000000000+i%16, i), uint64(i), size)
			rc, err := f.Open()
			if err != nil {
				benchErr = err
				return
			}
			data, err := io.ReadAll(rc)
			if err != nil {
				benchErr = err
				return
			}
			sig, err := s.Sign(ctx, data)
			if err != nil {
				benchErr = err
				return
			}
			sum := sha256.Sum256(data)
			rm.Snapshots = append(rm.Snapshots, locker.SnapshotEntry{Digest: hex.EncodeToString(sum[:]), Kind: "aws.bench", Region: "us-east-1", Size: size})
			files = append(files, f, BytesFile(f.Path+".sig", sig))
		}
		sort.Slice(rm.Snapshots, func(i, j int) bool { return rm.Snapshots[i].Digest < rm.Snapshots[j].Digest })
		rmb, err := evidence.EncodeJSON(rm)
		if err != nil {
			benchErr = err
			return
		}
		rms, err := s.Sign(ctx, rmb)
		if err != nil {
			benchErr = err
			return
		}
		files = append(files, BytesFile(RunManifestFile, rmb), BytesFile(RunManifestFile+".sig", rms),
			BytesFile(ResultsFile, []byte("{}\n")), prngFile("reports/report.pdf", 1<<20, 8<<20))
		res, err := WriteFile(ctx, dir, &Input{Organization: "bench", Period: "2026-Q4", ToolVersion: "bench", Signer: s, Files: files}, false)
		if err != nil {
			benchErr = err
			return
		}
		benchPath = res.Path
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

// BenchmarkVerify1GiB verifies a 1 GiB bundle and, in the same iteration,
// runs sha256sum over the same bytes (the zip, whose entries are stored).
// It reports the median ratio sha256sum time / verify time: at least 0.7 is
// the target (verification is hashing, and nothing is read twice).
//
//	go test -run '^$' -bench Verify1GiB -benchtime 5x ./reports/bundle/
func BenchmarkVerify1GiB(b *testing.B) {
	if _, err := exec.LookPath("sha256sum"); err != nil {
		b.Skip("sha256sum is not installed")
	}
	path := benchBundle(b)
	for _, w := range []int{1, 0} {
		name := fmt.Sprintf("workers=%d", w)
		if w == 0 {
			name = "workers=default"
		}
		b.Run(name, func(b *testing.B) { benchVerify(b, path, w) })
	}
}

func benchVerify(b *testing.B, path string, workers int) {
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	var ratios, verifyTimes, sumTimes []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		start := time.Now()
		if out, err := exec.Command("sha256sum", path).CombinedOutput(); err != nil {
			b.Fatalf("sha256sum: %v: %s", err, out)
		}
		sumTime := time.Since(start).Seconds()
		b.StartTimer()
		start = time.Now()
		rep, err := VerifyFile(context.Background(), path, Options{Workers: workers})
		verifyTime := time.Since(start).Seconds()
		if err != nil {
			b.Fatal(err)
		}
		if rep.Snapshots != 2048 {
			b.Fatalf("verified %d snapshots", rep.Snapshots)
		}
		ratios = append(ratios, sumTime/verifyTime)
		verifyTimes = append(verifyTimes, verifyTime)
		sumTimes = append(sumTimes, sumTime)
	}
	b.ReportMetric(median(ratios), "ratio-vs-sha256sum")
	b.ReportMetric(float64(info.Size())/median(verifyTimes)/1e6, "verify-MB/s")
	b.ReportMetric(float64(info.Size())/median(sumTimes)/1e6, "sha256sum-MB/s")
}

func median(x []float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// TestMain removes the benchmark bundle after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchPath != "" {
		os.RemoveAll(filepath.Dir(benchPath))
	}
	os.Exit(code)
}
