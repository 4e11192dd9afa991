package collectors_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

// fakeCollector returns what its behave func says; it makes no AWS calls.
type fakeCollector struct {
	desc   collectors.Descriptor
	behave func(ctx context.Context, req *collectors.Request) (*collectors.Response, error)
}

func (f fakeCollector) Describe() collectors.Descriptor { return f.desc }
func (f fakeCollector) Collect(ctx context.Context, req *collectors.Request) (*collectors.Response, error) {
	return f.behave(ctx, req)
}

func okSnapshot(kind string) *evidence.Snapshot {
	b := collectors.NewBuilder(kind)
	b.Called("fake:Describe")
	s, err := b.Snapshot(map[string]any{"seen": true})
	if err != nil {
		panic(err)
	}
	return s
}

func register(reg *collectors.Registry, name string, scope collectors.Scope, behave func(context.Context, *collectors.Request) (*collectors.Response, error)) {
	d := collectors.Descriptor{Name: name, Version: "1.0.0", Scope: scope, EvidenceKinds: []string{"fake." + name + ".a", "fake." + name + ".b"}, Actions: []string{"fake:Describe"}}
	reg.Register(name, func() collectors.Collector { return fakeCollector{desc: d, behave: behave} })
}

func both(name string) func(context.Context, *collectors.Request) (*collectors.Response, error) {
	return func(context.Context, *collectors.Request) (*collectors.Response, error) {
		return &collectors.Response{Snapshots: []*evidence.Snapshot{okSnapshot("fake." + name + ".a"), okSnapshot("fake." + name + ".b")}}, nil
	}
}

func newRunner(t *testing.T, reg *collectors.Registry) *collectors.Runner {
	t.Helper()
	lk, err := locker.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, err := evidence.GenerateKeyFile(filepath.Join(t.TempDir(), "k.pem"), false)
	if err != nil {
		t.Fatal(err)
	}
	return &collectors.Runner{Registry: reg, Locker: lk, Signer: s, ToolVersion: "test"}
}

func plan(names []string, accounts ...collectors.Account) collectors.Plan {
	return collectors.Plan{Period: "2026-Q4", Collectors: names, Caller: accounts[0], Accounts: accounts, Regions: []string{"us-east-1", "eu-west-1"}}
}

func account(id string) collectors.Account {
	return collectors.Account{ID: id, Partition: "aws", Access: "caller", Regions: []string{"us-east-1", "eu-west-1"}}
}

func statuses(m *locker.Manifest) map[string]evidence.Status {
	out := map[string]evidence.Status{}
	for _, s := range m.Snapshots {
		out[s.Kind+" "+s.AccountID+" "+s.Region] = s.Status
	}
	return out
}

func TestRunnerFansOutAndSigns(t *testing.T) {
	reg := collectors.NewRegistry()
	register(reg, "global", collectors.PerAccount, both("global"))
	register(reg, "regional", collectors.PerRegion, both("regional"))
	register(reg, "org", collectors.Once, both("org"))
	r := newRunner(t, reg)
	var progressed atomic.Int64
	r.Progress = func(collectors.Progress) { progressed.Add(1) }
	res, err := r.Run(context.Background(), plan([]string{"global", "org", "regional"}, account("111111111111"), account("222222222222")))
	if err != nil {
		t.Fatal(err)
	}
	// 2 accounts × (1 global + 2 regions) jobs + 1 once job, 2 kinds each.
	if got, want := len(res.Manifest.Snapshots), 2*(1+2)*2+2; got != want {
		t.Fatalf("%d snapshots, want %d", got, want)
	}
	if res.Gaps != 0 {
		t.Fatalf("gaps = %d", res.Gaps)
	}
	if progressed.Load() != 7 {
		t.Fatalf("progress called %d times, want 7", progressed.Load())
	}
	st := statuses(res.Manifest)
	for _, k := range []string{"fake.global.a 111111111111 global", "fake.regional.b 222222222222 eu-west-1", "fake.org.a 111111111111 global"} {
		if st[k] != evidence.StatusOK {
			t.Errorf("%s: status %q", k, st[k])
		}
	}
	if _, err := r.Locker.VerifyRun(res.RunID, r.Signer.PublicKey()); err != nil {
		t.Fatalf("verify run: %v", err)
	}
}

func TestRunnerIsolatesFailures(t *testing.T) {
	reg := collectors.NewRegistry()
	register(reg, "flaky", collectors.PerRegion, func(_ context.Context, req *collectors.Request) (*collectors.Response, error) {
		if req.Target.Region == "eu-west-1" {
			b := collectors.NewBuilder("fake.flaky.a")
			b.Failed("fake:Describe", errors.New("region disabled"))
			b.Fatal()
			s, err := b.Snapshot(map[string]any{})
			if err != nil {
				return nil, err
			}
			return &collectors.Response{Snapshots: []*evidence.Snapshot{s, okSnapshot("fake.flaky.b")}}, nil
		}
		return both("flaky")(context.Background(), req)
	})
	register(reg, "panics", collectors.PerAccount, func(context.Context, *collectors.Request) (*collectors.Response, error) {
		panic("boom")
	})
	register(reg, "nilnil", collectors.PerAccount, func(context.Context, *collectors.Request) (*collectors.Response, error) {
		return nil, nil
	})
	register(reg, "liar", collectors.PerAccount, func(context.Context, *collectors.Request) (*collectors.Response, error) {
		return &collectors.Response{Snapshots: []*evidence.Snapshot{okSnapshot("fake.other.kind")}}, nil
	})
	unreachable := account("333333333333")
	unreachable.Err = &evidence.CallError{Action: "sts:AssumeRole", Code: "AccessDenied", Message: "not authorized"}
	r := newRunner(t, reg)
	res, err := r.Run(context.Background(), plan([]string{"flaky", "liar", "nilnil", "panics"}, account("111111111111"), unreachable))
	if err != nil {
		t.Fatalf("one failure aborted the run: %v", err)
	}
	st := statuses(res.Manifest)
	want := map[string]evidence.Status{
		"fake.flaky.a 111111111111 us-east-1": evidence.StatusOK,
		"fake.flaky.a 111111111111 eu-west-1": evidence.StatusError,
		"fake.flaky.b 111111111111 eu-west-1": evidence.StatusOK,
		"fake.panics.a 111111111111 global":   evidence.StatusError,
		"fake.nilnil.b 111111111111 global":   evidence.StatusError,
		"fake.liar.a 111111111111 global":     evidence.StatusError,
		"fake.flaky.a 333333333333 us-east-1": evidence.StatusError,
		"fake.panics.b 333333333333 global":   evidence.StatusError,
	}
	for k, w := range want {
		if st[k] != w {
			t.Errorf("%s: status %q, want %q", k, st[k], w)
		}
	}
	if res.Gaps == 0 {
		t.Fatal("a run with failures reports no gaps")
	}
	// The unreachable account's snapshots name the failed action and code.
	for _, e := range res.Manifest.Snapshots {
		if e.AccountID != "333333333333" {
			continue
		}
		data, _, err := r.Locker.ReadSnapshot(e.Digest)
		if err != nil {
			t.Fatal(err)
		}
		s, err := evidence.DecodeSnapshot(data)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Errors) != 1 || s.Errors[0].Action != "sts:AssumeRole" || s.Errors[0].Code != "AccessDenied" {
			t.Fatalf("unreachable account snapshot errors = %+v", s.Errors)
		}
	}
	var acct locker.AccountEntry
	for _, a := range res.Manifest.Accounts {
		if a.AccountID == "333333333333" {
			acct = a
		}
	}
	if acct.Error != "sts:AssumeRole: AccessDenied" {
		t.Errorf("manifest account entry %+v", acct)
	}
}

func TestRunnerRegionListFailureIsRecorded(t *testing.T) {
	reg := collectors.NewRegistry()
	register(reg, "regional", collectors.PerRegion, both("regional"))
	a := account("111111111111")
	a.Regions = []string{"us-east-1"}
	a.RegionsErr = &evidence.CallError{Action: "account:ListRegions", Code: "AccessDeniedException", Message: "denied"}
	res, err := newRunner(t, reg).Run(context.Background(), plan([]string{"regional"}, a))
	if err != nil {
		t.Fatal(err)
	}
	st := statuses(res.Manifest)
	if st["fake.regional.a 111111111111 us-east-1"] != evidence.StatusOK || st["fake.regional.a 111111111111 all"] != evidence.StatusError {
		t.Fatalf("statuses %v", st)
	}
}

func TestRunnerBoundsConcurrencyPerAccount(t *testing.T) {
	reg := collectors.NewRegistry()
	var (
		mu                sync.Mutex
		active            = map[string]int{}
		peakAccount, peak int
		running           int
	)
	register(reg, "slow", collectors.PerRegion, func(ctx context.Context, req *collectors.Request) (*collectors.Response, error) {
		mu.Lock()
		active[req.Target.AccountID]++
		running++
		peakAccount = max(peakAccount, active[req.Target.AccountID])
		peak = max(peak, running)
		mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		active[req.Target.AccountID]--
		running--
		mu.Unlock()
		return both("slow")(ctx, req)
	})
	var accounts []collectors.Account
	for _, id := range []string{"111111111111", "222222222222", "333333333333", "444444444444"} {
		accounts = append(accounts, account(id))
	}
	r := newRunner(t, reg)
	r.Concurrency = 8
	r.PerAccount = 1
	if _, err := r.Run(context.Background(), plan([]string{"slow"}, accounts...)); err != nil {
		t.Fatal(err)
	}
	if peakAccount > 1 {
		t.Errorf("one account ran %d jobs of one collector at once, limit 1", peakAccount)
	}
	if peak < 2 {
		t.Errorf("at most %d job ran at once: different accounts must proceed in parallel", peak)
	}
}

func TestRunnerCancelled(t *testing.T) {
	reg := collectors.NewRegistry()
	register(reg, "global", collectors.PerAccount, both("global"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := newRunner(t, reg).Run(ctx, plan([]string{"global"}, account("111111111111"))); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	reg := collectors.NewRegistry()
	register(reg, "b", collectors.Once, both("b"))
	register(reg, "a", collectors.Once, both("a"))
	if got := reg.Names(); len(got) != 2 || got[0] != "a" {
		t.Fatalf("Names = %v", got)
	}
	if _, err := reg.New("zzz"); err == nil {
		t.Fatal("unknown collector made")
	}
	for name, f := range map[string]collectors.Factory{"a": func() collectors.Collector { return nil }, "nil": nil} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", name)
				}
			}()
			reg.Register(name, f)
		}()
	}
	c := reg.Clone()
	register(c, "c", collectors.Once, both("c"))
	if reg.Has("c") {
		t.Fatal("Clone shares state with the original")
	}
}
