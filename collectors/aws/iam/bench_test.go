package iam

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	collaws "github.com/hipaa-evidence/hipaa-evidence/collectors/aws"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iam/iamfake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

// bigModel is an account of nUsers users, nRoles roles and nPolicies
// customer-managed policies, in ten groups. 70% of users have a console
// password, of whom half have a virtual MFA device and one a hardware token;
// users have 0, 1 or 2 access keys; every user and role has a policy
// attached; some have inline policies.
func bigModel(nUsers, nRoles, nPolicies int) *iamfake.Account {
	m := &iamfake.Account{
		ReportTime:    time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC),
		RootMFA:       MFAVirtual,
		SAMLProviders: []string{"corp-idp"},
		OIDCProviders: []string{"https://token.actions.githubusercontent.com"},
	}
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 10; i++ {
		m.Groups = append(m.Groups, &iamfake.Group{
			Name: fmt.Sprintf("group-%d", i), Created: created,
			AWSAttached: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"},
			Inline:      map[string]string{"deny-delete": `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}}`},
		})
	}
	for i := 0; i < nPolicies; i++ {
		m.Policies = append(m.Policies, &iamfake.Policy{
			Name:     fmt.Sprintf("policy-%03d", i),
			Document: fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"S%d","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bucket-%d/*"}]}`, i, i),
		})
	}
	for i := 0; i < nUsers; i++ {
		u := &iamfake.User{
			Name:   fmt.Sprintf("user-%04d", i),
			Keys:   i % 3,
			Groups: []string{fmt.Sprintf("group-%d", i%10)},
		}
		if nPolicies > 0 {
			u.Attached = []string{fmt.Sprintf("policy-%03d", i%nPolicies)}
		}
		if i%10 < 7 {
			u.Password = true
			switch {
			case i == 1:
				u.MFA = MFAHardware
			case i%2 == 0:
				u.MFA = MFAVirtual
			}
		}
		if i%25 == 0 {
			u.Inline = map[string]string{"extra": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}}`}
		}
		m.Users = append(m.Users, u)
	}
	for i := 0; i < nRoles; i++ {
		r := &iamfake.Role{Name: fmt.Sprintf("role-%03d", i)}
		if i%2 == 0 {
			r.Trust = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`
		} else {
			r.Trust = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}}`
		}
		if nPolicies > 0 {
			r.Attached = []string{fmt.Sprintf("policy-%03d", i%nPolicies)}
		}
		if i%3 == 0 {
			r.Inline = map[string]string{"logs": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}}`}
		}
		m.Roles = append(m.Roles, r)
	}
	return m
}

// bulkMinimum is the fewest calls the bulk path can make for m with page
// size pageSize: the pages of GetAccountAuthorizationDetails (the stub, like
// IAM's MaxItems, counts every user, group, role and policy), the credential
// report (one GenerateCredentialReport answered COMPLETE, one
// GetCredentialReport), the password policy, the account summary, the pages
// of ListVirtualMFADevices, ListSAMLProviders, ListOpenIDConnectProviders and
// one GetOpenIDConnectProvider per OIDC provider.
func bulkMinimum(m *iamfake.Account, pageSize int) int {
	pages := func(n int) int { return max(1, (n+pageSize-1)/pageSize) }
	entities := len(m.Users) + len(m.Groups) + len(m.Roles) + len(m.Policies)
	return pages(entities) + 2 + 1 + 1 + pages(m.VirtualMFADevices()) + 1 + 1 + len(m.OIDCProviders)
}

// TestBulkCallBudget proves the call count stays linear in pages, not in
// resources: for 1,000 users, 300 roles and 300 policies it is at most 1.2×
// the bulk minimum. (The only per-user call left is ListMFADevices for the
// user whose MFA is a hardware token.)
func TestBulkCallBudget(t *testing.T) {
	model := bigModel(1000, 300, 300)
	emu := newAccount(t, model)
	snaps := collect(t, New(), emu)
	for _, k := range Kinds {
		wantStatus(t, snaps, k, evidence.StatusOK)
	}
	if n := len(decode[Users](t, snaps[KindUsers]).Users); n != 1000 {
		t.Fatalf("%d users collected, want 1000", n)
	}
	calls, minimum := emu.Recorder.Calls(), bulkMinimum(model, DefaultPageSize)
	t.Logf("%d calls for 1,000 users, 300 roles, 300 policies; bulk minimum %d", calls, minimum)
	if float64(calls) > 1.2*float64(minimum) {
		t.Errorf("%d calls exceed 1.2 × the bulk minimum of %d", calls, minimum)
	}
}

// BenchmarkCollectLargeAccount collects an account of 1,000 users, 300 roles
// and 300 policies: ns/op is the wall time of one collection, calls/op the
// API calls it made, min-calls the bulk minimum.
func BenchmarkCollectLargeAccount(b *testing.B) {
	model := bigModel(1000, 300, 300)
	emu := newAccount(b, model)
	c := New()
	req := collectortest.NewRequest(&emu.Endpoint, evidence.GlobalRegion)
	calls := 0
	for b.Loop() {
		emu.Recorder.Reset()
		resp, err := c.Collect(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range resp.Snapshots {
			if s.Status != evidence.StatusOK {
				b.Fatalf("%s: %s %+v", s.Kind, s.Status, s.Errors)
			}
		}
		calls = emu.Recorder.Calls()
	}
	b.ReportMetric(float64(calls), "calls/op")
	b.ReportMetric(float64(bulkMinimum(model, DefaultPageSize)), "min-calls")
}

// BenchmarkOrganizationLatency collects IAM for 20 member accounts with 50 ms
// added to every call, through the Runner with its default concurrency and
// with one worker, in the same iteration. speedup is the median ratio of the
// one-worker wall time to the default's; serial-s and parallel-s are the
// median wall times in seconds.
func BenchmarkOrganizationLatency(b *testing.B) {
	ctx := context.Background()
	org, scope := latencyOrganization(b)
	signer, err := evidence.GenerateKeyFile(filepath.Join(b.TempDir(), "key.pem"), true)
	if err != nil {
		b.Fatal(err)
	}
	org.Transport.SetLatency(50 * time.Millisecond)
	defer org.Transport.SetLatency(0)
	run := func(concurrency int) time.Duration {
		lk, err := locker.Open(lockerDir(b))
		if err != nil {
			b.Fatal(err)
		}
		r := &collectors.Runner{Locker: lk, Signer: signer, Concurrency: concurrency}
		start := time.Now()
		res, err := r.Run(ctx, collectors.Plan{
			Period: "2026-Q4", Collectors: []string{Name}, Caller: scope.Caller,
			Accounts: scope.Accounts, Regions: []string{"us-east-1"},
		})
		if err != nil {
			b.Fatal(err)
		}
		if res.Gaps != 0 || len(res.Manifest.Snapshots) != 20*len(Kinds) {
			b.Fatalf("run with concurrency %d: %d gaps, %d snapshots", concurrency, res.Gaps, len(res.Manifest.Snapshots))
		}
		return time.Since(start)
	}
	var ratios, serial, parallel []float64
	for b.Loop() {
		s := run(1)
		p := run(0)
		serial = append(serial, s.Seconds())
		parallel = append(parallel, p.Seconds())
		ratios = append(ratios, float64(s)/float64(p))
	}
	b.ReportMetric(median(ratios), "speedup")
	b.ReportMetric(median(serial), "serial-s")
	b.ReportMetric(median(parallel), "parallel-s")
}

// latencyOrg is the organization of BenchmarkOrganizationLatency. kumo keeps
// one organization per process, so it is started once per test binary (a
// benchmark function runs again under -count) and lives until the process
// exits; benchmarks run after the tests, which it therefore cannot disturb.
var latencyOrg struct {
	once  sync.Once
	org   *collectortest.Organization
	scope *collaws.Scope
	err   error
}

// latencyOrganization returns 20 member accounts, the calls kumo lacks
// stubbed from smallModel (seeded into the shared kumo state), and the
// resolved scope with each member's assumed-role credentials.
func latencyOrganization(b *testing.B) (*collectortest.Organization, *collaws.Scope) {
	b.Helper()
	latencyOrg.once.Do(func() {
		// Stays set if setup stops half-way.
		latencyOrg.err = errors.New("the organization's setup did not finish")
		ctx := context.Background()
		org, err := collectortest.StartOrganization(ctx, 20)
		if err != nil {
			latencyOrg.err = err
			return
		}
		model := smallModel()
		direct := org.Management.Config()
		direct.HTTPClient, direct.APIOptions = &http.Client{Transport: directTransport}, nil
		if err := model.Seed(ctx, direct); err != nil {
			latencyOrg.err = err
			return
		}
		model.Install(org.Transport)
		latencyOrg.org = org
		latencyOrg.scope, latencyOrg.err = collaws.ResolveScope(ctx, org.ManagementConfig(), collaws.Options{Organization: true, Accounts: org.MemberIDs()})
	})
	if latencyOrg.err != nil {
		b.Fatal(latencyOrg.err)
	}
	if n := len(latencyOrg.scope.Accounts); n != 20 {
		b.Fatalf("%d accounts in scope, want 20", n)
	}
	return latencyOrg.org, latencyOrg.scope
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64{}, xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// lockerDir is a fresh locker directory; LOCKER_TMP chooses its parent.
func lockerDir(b *testing.B) string {
	if p := os.Getenv("LOCKER_TMP"); p != "" {
		d, err := os.MkdirTemp(p, "locker")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	return b.TempDir()
}
