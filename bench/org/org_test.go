package org

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	_ "github.com/hipaa-evidence/hipaa-evidence/collectors/all"
	collaws "github.com/hipaa-evidence/hipaa-evidence/collectors/aws"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/cloudtrail/cloudtrailfake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iam/iamfake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/kms/kmsfake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/s3/s3fake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope/scopefake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

// The per-account resources of the simulated organization.
const (
	keysPerAccount   = 100
	trailsPerAccount = 20
	usersPerAccount  = 25
	bucketsPerAcct   = 4
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// sim is a running simulated organization with n member accounts.
type sim struct {
	org *collectortest.Organization
}

// maxMembers is the size of the one simulated organization per process:
// kumo's state is per process, so a run over fewer accounts selects the
// first ones with the --accounts filter, as a user would.
const maxMembers = 199

var (
	shared     *sim
	sharedOnce sync.Once
	sharedErr  error
)

// newSim returns the process's simulated organization, starting and seeding
// it on first use.
func newSim(tb testing.TB) *sim {
	tb.Helper()
	sharedOnce.Do(func() {
		org, err := collectortest.StartOrganization(context.Background(), maxMembers)
		if err != nil {
			sharedErr = err
			return
		}
		shared = &sim{org: org}
		if sharedErr = shared.seed(context.Background()); sharedErr == nil {
			shared.install(org.Transport)
		}
	})
	if sharedErr != nil {
		tb.Fatal(sharedErr)
	}
	return shared
}

// accounts returns the ids of the first n accounts: the management account
// and n-1 members.
func (s *sim) accounts(n int) []string {
	ids := append([]string{s.org.ManagementID}, s.org.MemberIDs()...)
	return ids[:n]
}

var (
	models     *accountModels
	modelsOnce sync.Once
)

type accountModels struct {
	kms   *kmsfake.Account
	trail *cloudtrailfake.Account
	iam   *iamfake.Account
	s3    *s3fake.Account
	scope *scopefake.Organization
}

func buildModels() *accountModels {
	m := &accountModels{kms: &kmsfake.Account{}, trail: &cloudtrailfake.Account{}, s3: &s3fake.Account{ID: collectortest.DefaultAccount}}
	for i := 0; i < keysPerAccount; i++ {
		k := &kmsfake.Key{Description: fmt.Sprintf("key %d", i)}
		if i%10 == 0 {
			k.Spec, k.Usage = kmstypes.KeySpecEccNistP256, kmstypes.KeyUsageTypeSignVerify
		} else if i%3 == 0 {
			k.Rotation = &kmsfake.Rotation{PeriodDays: 365, Next: now.AddDate(0, 6, 0)}
		}
		if i%4 == 0 {
			k.Grants = []kmsfake.Grant{{ID: fmt.Sprintf("grant-%d", i), Grantee: "arn:aws:iam::123456789012:role/app", Operations: []string{"Decrypt", "Encrypt"}, Created: now.AddDate(0, -1, 0)}}
		}
		m.kms.Keys = append(m.kms.Keys, k)
	}
	for i := 0; i < trailsPerAccount; i++ {
		group := fmt.Sprintf("trail-%02d", i)
		m.trail.Trails = append(m.trail.Trails, &cloudtrailfake.Trail{
			Name: fmt.Sprintf("trail-%02d", i), Bucket: fmt.Sprintf("trail-bucket-%02d", i%bucketsPerAcct),
			MultiRegion: i == 0, LogFileValidation: i%2 == 0, Logging: i%5 != 4,
			LogGroupARN:    "arn:aws:logs:us-east-1:123456789012:log-group:" + group + ":*",
			EventSelectors: []cloudtrailfake.EventSelector{{ReadWriteType: "All", IncludeManagementEvents: true}},
		})
		m.trail.LogGroups = append(m.trail.LogGroups, &cloudtrailfake.LogGroup{Name: group, RetentionDays: 365})
	}
	m.iam = &iamfake.Account{ID: collectortest.DefaultAccount, ReportTime: now.Add(-time.Hour),
		PasswordPolicy: &iamtypes.PasswordPolicy{MinimumPasswordLength: aws.Int32(14)}}
	for i := 0; i < usersPerAccount; i++ {
		u := &iamfake.User{Name: fmt.Sprintf("user-%02d", i), Password: i%2 == 0, Keys: i % 3}
		if i%4 != 0 {
			u.MFA = "virtual"
		}
		m.iam.Users = append(m.iam.Users, u)
	}
	for i := 0; i < bucketsPerAcct; i++ {
		m.s3.Buckets = append(m.s3.Buckets, &s3fake.Bucket{Name: fmt.Sprintf("trail-bucket-%02d", i), Region: "us-east-1", Versioning: i%2 == 0,
			Tags: []s3fake.Tag{{Key: "phi", Value: "true"}}})
	}
	m.scope = &scopefake.Organization{ManagementID: collectortest.DefaultAccount, OrgID: "o-bench"}
	return m
}

// seed creates the shared resources once through the SDK.
func (s *sim) seed(ctx context.Context) error {
	modelsOnce.Do(func() { models = buildModels() })
	cfg := s.org.ManagementConfig()
	for name, seed := range map[string]func(context.Context, aws.Config) error{
		"kms": models.kms.Seed, "cloudtrail": models.trail.Seed, "iam": models.iam.Seed, "s3": models.s3.Seed,
	} {
		if err := seed(ctx, cfg); err != nil {
			return fmt.Errorf("seed %s: %w", name, err)
		}
	}
	return nil
}

// install answers the calls kumo lacks from the models, for every account.
func (s *sim) install(tr *collectortest.Transport) {
	models.kms.Install(tr)
	models.trail.Install(tr)
	models.iam.Install(tr)
	models.scope.Install(tr)
	for key, h := range models.s3.Stubs() {
		if key == "s3:GetPublicAccessBlock" {
			// s3fake answers the account-level setting only to its own
			// account id; here every account shares the one model.
			tr.Stub(key, func(r *http.Request, body []byte) *http.Response {
				r.Header.Set("X-Amz-Account-Id", models.s3.ID)
				return h(r, body)
			})
			continue
		}
		tr.Stub(key, h)
	}
}

// outcome is what one collection measured.
type outcome struct {
	wall      time.Duration
	calls     int
	snapshots int
	gaps      int
	peakHeap  uint64
	// gapKinds names the first incomplete snapshots, with their first error.
	gapKinds []string
}

// collect resolves the organization and runs every built-in collector over
// its accounts and regions, as `hipaa-evidence collect --organization` does.
func (s *sim) collect(b testing.TB, accounts int, regions []string, latency time.Duration) outcome {
	b.Helper()
	ctx := context.Background()
	lkDir := b.TempDir()
	if d := os.Getenv("LOCKER_TMP"); d != "" {
		var err error
		if lkDir, err = os.MkdirTemp(d, "org-bench-"); err != nil {
			b.Fatal(err)
		}
		defer os.RemoveAll(lkDir)
	}
	lk, err := locker.Open(filepath.Join(lkDir, "locker"))
	if err != nil {
		b.Fatal(err)
	}
	signer, err := evidence.GenerateKeyFile(filepath.Join(b.TempDir(), "k.pem"), false)
	if err != nil {
		b.Fatal(err)
	}
	s.org.Transport.SetLatency(latency)
	defer s.org.Transport.SetLatency(0)
	s.org.Transport.ResetCounts()

	stop := samplePeakHeap()
	start := time.Now()
	scope, err := collaws.ResolveScope(ctx, s.org.ManagementConfig(), collaws.Options{Organization: true, Accounts: s.accounts(accounts), Regions: regions, AuditRole: "HipaaEvidenceAudit"})
	if err != nil {
		b.Fatal(err)
	}
	r := &collectors.Runner{Locker: lk, Signer: signer, ToolVersion: "bench", Now: func() time.Time { return now }}
	res, err := r.Run(ctx, collectors.Plan{
		Period: "2026-Q4", PeriodStart: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		Collectors: collectors.Default.Names(), Caller: scope.Caller, Accounts: scope.Accounts, Regions: regions,
	})
	if err != nil {
		b.Fatal(err)
	}
	wall := time.Since(start)
	o := outcome{wall: wall, calls: s.org.Transport.Total(), snapshots: len(res.Manifest.Snapshots), gaps: res.Gaps, peakHeap: stop()}
	for _, e := range res.Manifest.Snapshots {
		if e.Status == evidence.StatusOK || len(o.gapKinds) >= 5 {
			continue
		}
		data, _, err := lk.ReadSnapshot(e.Digest)
		if err != nil {
			b.Fatal(err)
		}
		snap, err := evidence.DecodeSnapshot(data)
		if err != nil {
			b.Fatal(err)
		}
		o.gapKinds = append(o.gapKinds, fmt.Sprintf("%s %s: %s %s %s", e.Kind, e.Region, snap.Errors[0].Action, snap.Errors[0].Code, snap.Errors[0].Message))
	}
	return o
}

// samplePeakHeap samples the Go heap and stacks in use every 10 ms until the
// returned func is called, which returns the peak in bytes.
func samplePeakHeap() func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	sample := func() {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if v := ms.HeapInuse + ms.StackInuse; v > peak.Load() {
			peak.Store(v)
		}
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				sample()
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return peak.Load()
	}
}

// peakRSS returns the process's peak resident set (VmHWM) in bytes.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func report(b *testing.B, o outcome) {
	b.ReportMetric(o.wall.Seconds(), "wall-s")
	b.ReportMetric(float64(o.calls), "api-calls")
	b.ReportMetric(float64(o.snapshots), "snapshots")
	b.ReportMetric(float64(o.peakHeap)/(1<<20), "peak-heap-MiB")
}

// BenchmarkOrganization collects 10 and 50 accounts × 2 regions (the
// management account included), with no added latency and with 50 ms added
// to every call, and reports each run and the 50/10 ratios of calls and wall
// time in one run.
func BenchmarkOrganization(b *testing.B) {
	regions := []string{"us-east-1", "us-west-2"}
	for _, latency := range []time.Duration{0, 50 * time.Millisecond} {
		b.Run("latency="+latency.String(), func(b *testing.B) {
			var small, large outcome
			for i := 0; i < b.N; i++ {
				small = newSim(b).collect(b, 10, regions, latency)
				large = newSim(b).collect(b, 50, regions, latency)
			}
			b.ReportMetric(small.wall.Seconds(), "wall10-s")
			b.ReportMetric(large.wall.Seconds(), "wall50-s")
			b.ReportMetric(float64(small.calls), "calls10")
			b.ReportMetric(float64(large.calls), "calls50")
			b.ReportMetric(large.wall.Seconds()/small.wall.Seconds(), "wall-ratio-50/10")
			b.ReportMetric(float64(large.calls)/float64(small.calls), "call-ratio-50/10")
			b.ReportMetric(float64(large.peakHeap)/(1<<20), "peak-heap50-MiB")
		})
	}
}

// BenchmarkOrganization200x4 collects 200 accounts × 4 regions and reports
// peak memory: the Go heap and stacks in use during collection (sampled), and
// the process's peak resident set, which also holds the emulator.
func BenchmarkOrganization200x4(b *testing.B) {
	regions := []string{"us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"}
	var o outcome
	for i := 0; i < b.N; i++ {
		o = newSim(b).collect(b, 200, regions, 0)
	}
	report(b, o)
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-rss-MiB")
}

// TestSimulationCollectsEveryCollector is a small run of the simulation, so
// the benchmark's setup is exercised by go test and cannot rot.
func TestSimulationCollectsEveryCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator and collects")
	}
	o := newSim(t).collect(t, 2, []string{"us-east-1"}, 0)
	if o.snapshots < 20 {
		t.Fatalf("%d snapshots; want every collector's kinds for 2 accounts", o.snapshots)
	}
	if o.gaps != 0 {
		t.Fatalf("%d snapshots incomplete: the simulation's stubs do not cover every call: %v", o.gaps, o.gapKinds)
	}
}
