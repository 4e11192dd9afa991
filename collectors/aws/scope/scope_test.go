package scope_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope/eligible"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope/scopefake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

var update = flag.Bool("update", false, "rewrite golden files")

const (
	mgmt    = collectortest.DefaultAccount // kumo's account; the caller
	member1 = "111111111111"               // tagged phi=true
	member2 = "222222222222"               // in ou-prod, under the HIPAA SCP
	member3 = "333333333333"               // in no restricted OU
)

// options returns collector options decoded strictly from YAML, as the
// config loader does.
func options(src string) collectors.Options {
	return collectors.NewOptions(func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(src))
		dec.KnownFields(true)
		return dec.Decode(v)
	})
}

// baa is an AWS Artifact agreement accepted on 2024-01-15.
func baa(name, account, orgARN string) scopefake.Agreement {
	return scopefake.Agreement{Name: name, Account: account, OrganizationARN: orgARN, EffectiveStart: time.Date(2024, 1, 15, 10, 0, 0, 0, time.UTC)}
}

// stubArtifact answers AWS Artifact ListCustomerAgreements, which kumo does
// not implement, with the documented response shape (see package
// scopefake).
func stubArtifact(tr *collectortest.Transport, agreements ...scopefake.Agreement) {
	o := &scopefake.Organization{Agreements: agreements}
	tr.Stub("artifact:ListCustomerAgreements", o.ListCustomerAgreements)
}

func newRequest(e *collectortest.Emulator, opts string, accounts ...collectors.AccountInfo) *collectors.Request {
	req := collectortest.NewRequest(&e.Endpoint, evidence.GlobalRegion)
	req.Accounts = accounts
	if opts != "" {
		req.Options = options(opts)
	}
	return req
}

type result struct {
	snaps    map[string]*evidence.Snapshot
	services scope.ServicesPayload
	scps     scope.SCPPayload
	phi      scope.PHIAccountsPayload
	baa      scope.BAAPayload
}

func collect(t *testing.T, ctx context.Context, req *collectors.Request) *result {
	t.Helper()
	resp, err := scope.New().Collect(ctx, req)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	res := &result{snaps: map[string]*evidence.Snapshot{}}
	targets := map[string]any{scope.KindServices: &res.services, scope.KindSCPs: &res.scps, scope.KindPHIAccounts: &res.phi, scope.KindBAA: &res.baa}
	for _, s := range resp.Snapshots {
		res.snaps[s.Kind] = s
		if err := json.Unmarshal(s.Payload, targets[s.Kind]); err != nil {
			t.Fatalf("decode %s: %v", s.Kind, err)
		}
	}
	if len(res.snaps) != 4 {
		t.Fatalf("%d snapshots, want 4", len(res.snaps))
	}
	return res
}

func TestRegistered(t *testing.T) {
	if !collectors.Default.Has(scope.Name) {
		t.Fatalf("collector %q is not registered", scope.Name)
	}
}

// The standalone account: kumo answers DescribeOrganization with
// AWSOrganizationsNotInUseException and GetCostAndUsage grouped by SERVICE.

func TestConformance(t *testing.T) {
	e := collectortest.NewEmulator(t)
	stubArtifact(e.Transport, baa("AWS Business Associate Addendum", mgmt, ""))
	collectortest.RunConformance(t, collectortest.Suite{
		New:      func() collectors.Collector { return scope.New() },
		Endpoint: &e.Endpoint,
		Request: func(t *testing.T) *collectors.Request {
			return newRequest(e, "")
		},
	})
}

func TestStandaloneGolden(t *testing.T) {
	e := collectortest.NewEmulator(t)
	stubArtifact(e.Transport, baa("AWS Business Associate Addendum", mgmt, ""))
	res := collect(t, context.Background(), newRequest(e, ""))
	for kind, s := range res.snaps {
		if s.Status != evidence.StatusOK {
			t.Errorf("%s status %s errors %+v", kind, s.Status, s.Errors)
		}
		collectortest.Golden(t, filepath.Join("testdata", "golden", "standalone", kind+".json"), s.Payload, *update)
	}
	svc := res.services
	if svc.CostExplorerView != scope.ViewAccount || svc.Organization.InOrganization || !svc.Organization.Known {
		t.Errorf("view %s organization %+v", svc.CostExplorerView, svc.Organization)
	}
	if svc.QueriedStart != "2026-10-01" || svc.QueriedEnd != "2026-11-30" {
		t.Errorf("queried %s..%s, want 2026-10-01..2026-11-30 (capped at the day after collection)", svc.QueriedStart, svc.QueriedEnd)
	}
	if len(svc.Services) != 5 || len(svc.UnknownServices) != 0 {
		t.Errorf("services %+v unknown %v", svc.Services, svc.UnknownServices)
	}
	for _, s := range svc.Services {
		if !s.Eligible || s.AccountID != mgmt || s.AccountPHI == nil || !*s.AccountPHI {
			t.Errorf("service %+v: kumo's five services are all eligible, in the caller's account, presumed PHI", s)
		}
	}
	if p := res.phi; p.Designation != "none" || len(p.Accounts) != 1 || p.Accounts[0].Reasons[0] != "presumed" {
		t.Errorf("phi %+v: with nothing designated every account is presumed to hold PHI", p)
	}
	if s := res.scps; s.Available || !s.Complete || *s.Accounts[0].RestrictedToEligible {
		t.Errorf("scps %+v: a standalone account has no SCPs", s)
	}
	if b := res.baa; b.APIStatus != scope.APIOK || b.Accepted == nil || !*b.Accepted || b.ManualEvidenceRequired || *b.Accounts[0].Covered != true || b.Accounts[0].CoveredBy != "account" {
		t.Errorf("baa %+v", b)
	}
}

func TestStaleList(t *testing.T) {
	e := collectortest.NewEmulator(t)
	stubArtifact(e.Transport)
	req := newRequest(e, "")
	l, err := eligible.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	later := l.VerifiedOnTime().AddDate(0, 0, l.StaleAfterDays+20)
	req.Now = func() time.Time { return later }
	res := collect(t, context.Background(), req)
	el := res.services.EligibleList
	if !el.Stale || el.AgeDays != l.StaleAfterDays+20 || !strings.Contains(el.Warning, "last verified on "+l.VerifiedOn) {
		t.Errorf("eligible list %+v: want a staleness warning", el)
	}
	fresh := collect(t, context.Background(), newRequest(e, "")).services.EligibleList
	if fresh.Stale || fresh.Warning != "" {
		t.Errorf("eligible list %+v should be fresh on its verification day", fresh)
	}
}

// org is an organization fixture: kumo's organization (the caller is its
// management account) plus the scopefake model for what kumo does not
// implement.
type org struct {
	e     *collectortest.Emulator
	model *scopefake.Organization
}

const hipaaSCP = "p-hipaaonly0001"

// hipaaSCPContent is a deny-everything-except policy built from the
// eligible list's own prefixes, plus management tools.
func hipaaSCPContent(t *testing.T, extra ...string) string {
	t.Helper()
	l, err := eligible.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := scopefake.EligibleOnlySCP(l, extra...)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func newOrg(t *testing.T) *org {
	t.Helper()
	o := &org{e: collectortest.NewEmulator(t)}
	ctx := context.Background()
	client := organizations.NewFromConfig(o.e.Config())
	// kumo keeps one organization for the whole process: create it for this
	// test and delete it afterwards.
	if _, err := client.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatalf("create organization: %v", err)
	}
	t.Cleanup(func() {
		if _, err := client.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{}); err != nil {
			t.Errorf("delete organization: %v", err)
		}
	})
	usage := func(svc, acct, cost string) scopefake.CostGroup {
		return scopefake.CostGroup{Service: svc, Account: acct, Cost: cost, Usage: "10"}
	}
	page1 := []scopefake.CostGroup{usage("Amazon Simple Storage Service", mgmt, "1.25"), usage("Tax", mgmt, "0.2"), usage("AWS Cost Explorer", mgmt, "0.04"),
		usage("Amazon Simple Storage Service", member1, "20.5"), usage("EC2 - Other", member1, "3.333"), usage("Amazon Lightsail", member1, "5")}
	page2 := []scopefake.CostGroup{usage("Amazon Simple Storage Service", member1, "0.5"), usage("AWS Support (Business)", member2, "100"), usage("AmazonCloudWatch", member2, "2"),
		usage("Amazon Lightsail", member3, "7"), usage("Amazon Elastic Compute Cloud - Compute", "999999999999", "9")}
	// Two pages, two months; the second (estimated) month holds each page's
	// first group.
	page := func(groups []scopefake.CostGroup) scopefake.CostPage {
		return scopefake.CostPage{Results: []scopefake.CostResult{
			{Start: "2026-10-01", End: "2026-11-01", Groups: groups},
			{Start: "2026-11-01", End: "2026-11-30", Estimated: true, Groups: groups[:1]},
		}}
	}
	owner := scopefake.Tag{Key: "owner", Value: "platform"}
	o.model = &scopefake.Organization{
		ManagementID: mgmt,
		OrgID:        "o-exampleorgid",
		CostPages:    []scopefake.CostPage{page(page1), page(page2)},
		Policies: []*scopefake.Policy{
			scopefake.FullAWSAccess("r-root"),
			{ID: hipaaSCP, Name: "hipaa-eligible-only", Description: "Deny services outside the BAA", Content: hipaaSCPContent(t),
				Targets: []scopefake.Target{{ID: "ou-root-prod0001", Name: "prod", Type: "ORGANIZATIONAL_UNIT"}, {ID: member1, Name: "member-1", Type: "ACCOUNT"}}},
		},
		OUs: []*scopefake.OU{
			{ID: "ou-root-prod0001", Name: "prod", Parent: "r-root"},
			{ID: "ou-prod-clinical", Name: "clinical", Parent: "ou-root-prod0001", Accounts: []scopefake.Account{{ID: member2, Name: "member-2"}}},
		},
		Tags: map[string][]scopefake.Tag{
			mgmt: {owner}, member1: {owner, {Key: "PHI", Value: "TRUE"}}, member2: {owner}, member3: {owner},
		},
		Agreements: []scopefake.Agreement{baa("AWS Organizations Business Associate Addendum", mgmt, "arn:aws:organizations::123456789012:organization/o-exampleorgid")},
	}
	o.model.Install(o.e.Transport)
	return o
}

func orgAccounts() []collectors.AccountInfo {
	return []collectors.AccountInfo{{ID: member3, Name: "sandbox"}, {ID: mgmt, Name: "management"}, {ID: member1, Name: "clinical-data"}, {ID: member2, Name: "clinical-apps"}}
}

func TestOrganization(t *testing.T) {
	o := newOrg(t)
	res := collect(t, context.Background(), newRequest(o.e, "", orgAccounts()...))
	orgID := res.services.Organization.ID
	if !strings.HasPrefix(orgID, "o-") {
		t.Fatalf("organization id %q", orgID)
	}
	for kind, s := range res.snaps {
		if s.Status != evidence.StatusOK {
			t.Errorf("%s status %s errors %+v", kind, s.Status, s.Errors)
		}
		// kumo draws a random organization id; the golden files hold a fixed one.
		payload := bytes.ReplaceAll(s.Payload, []byte(orgID), []byte("o-exampleorgid"))
		collectortest.Golden(t, filepath.Join("testdata", "golden", "organization", kind+".json"), payload, *update)
	}
	svc := res.services
	t.Run("services", func(t *testing.T) {
		if svc.CostExplorerView != scope.ViewOrganization || !svc.Organization.CallerIsManagement {
			t.Fatalf("view %s organization %+v", svc.CostExplorerView, svc.Organization)
		}
		type key struct{ acct, svc string }
		got := map[key]scope.ServiceUse{}
		for _, s := range svc.Services {
			got[key{s.AccountID, s.Service}] = s
		}
		if s3 := got[key{member1, "Amazon Simple Storage Service"}]; s3.Cost != "21.5" || !s3.Eligible || s3.AccountPHI == nil || !*s3.AccountPHI {
			t.Errorf("member1 S3 %+v: costs over pages and months add up; member1 is tagged PHI", s3)
		}
		if l := got[key{member1, "Amazon Lightsail"}]; l.Eligibility != "unknown" || l.Eligible || l.Reason == "" {
			t.Errorf("Lightsail %+v must be unknown, never eligible", l)
		}
		if e := got[key{member1, "EC2 - Other"}]; len(e.MatchedEntries) != 2 {
			t.Errorf("EC2 - Other %+v", e)
		}
		if _, ok := got[key{mgmt, "Tax"}]; ok {
			t.Error("Tax is a billing line and must be ignored")
		}
		if _, ok := got[key{"999999999999", "Amazon Elastic Compute Cloud - Compute"}]; ok {
			t.Error("accounts outside the run's scope are not reported")
		}
		if len(svc.Ignored) != 3 {
			t.Errorf("ignored %+v, want Tax, AWS Cost Explorer, AWS Support (Business)", svc.Ignored)
		}
		if strings.Join(svc.UnknownServices, ",") != "Amazon Lightsail" {
			t.Errorf("unknown services %v", svc.UnknownServices)
		}
		for _, a := range svc.Accounts {
			if !a.Visible {
				t.Errorf("account %s invisible in the organization view", a.AccountID)
			}
		}
	})
	t.Run("phi accounts", func(t *testing.T) {
		p := res.phi
		if p.Designation != "tag" || !p.TagsRead {
			t.Errorf("designation %s tags read %v", p.Designation, p.TagsRead)
		}
		for _, a := range p.Accounts {
			want := a.AccountID == member1
			if a.PHI == nil || *a.PHI != want {
				t.Errorf("account %s phi %v, want %v", a.AccountID, a.PHI, want)
			}
		}
	})
	t.Run("scps", func(t *testing.T) {
		s := res.scps
		if !s.Available || !s.Complete || len(s.Policies) != 2 {
			t.Fatalf("scps %+v", s)
		}
		var hipaa scope.SCP
		for _, p := range s.Policies {
			if p.ID == hipaaSCP {
				hipaa = p
			}
		}
		if !hipaa.Analysis.RestrictsToEligible || len(hipaa.Analysis.AllowedNotEligible) != 0 || len(hipaa.Statements) != 1 {
			t.Errorf("hipaa SCP analysis %+v", hipaa.Analysis)
		}
		want := map[string]bool{mgmt: false, member1: true, member2: true, member3: false}
		for _, a := range s.Accounts {
			if a.RestrictedToEligible == nil || *a.RestrictedToEligible != want[a.AccountID] {
				t.Errorf("account %s restricted %v, want %v (policies %v)", a.AccountID, a.RestrictedToEligible, want[a.AccountID], a.Policies)
			}
		}
	})
	t.Run("baa", func(t *testing.T) {
		b := res.baa
		if !b.OrganizationBAA || b.Accepted == nil || !*b.Accepted || b.ManualEvidenceRequired {
			t.Errorf("baa %+v", b)
		}
		for _, a := range b.Accounts {
			if a.Covered == nil || !*a.Covered || a.CoveredBy != "organization" {
				t.Errorf("account %+v should be covered by the organization BAA", a)
			}
		}
	})
}

func TestConfiguredPHIAccounts(t *testing.T) {
	o := newOrg(t)
	res := collect(t, context.Background(), newRequest(o.e, "phi_accounts: ['"+member3+"']\nphi_tag_key: owner\nphi_tag_value: nobody\n", orgAccounts()...))
	p := res.phi
	if p.Designation != "config" {
		t.Errorf("designation %s", p.Designation)
	}
	for _, a := range p.Accounts {
		want := a.AccountID == member3
		if a.PHI == nil || *a.PHI != want {
			t.Errorf("account %s phi %v, want %v", a.AccountID, a.PHI, want)
		}
	}
}

func TestMemberCaller(t *testing.T) {
	e := collectortest.NewEmulator(t)
	stubArtifact(e.Transport)
	// The caller belongs to an organization it does not manage
	// (DescribeOrganization as its API reference documents it).
	e.Transport.Stub("organizations:DescribeOrganization", func(*http.Request, []byte) *http.Response {
		return collectortest.JSONResponse(map[string]any{"Organization": map[string]any{
			"Id": "o-exampleorgid", "Arn": "arn:aws:organizations::999999999999:organization/o-exampleorgid",
			"FeatureSet": "ALL", "MasterAccountId": "999999999999", "MasterAccountArn": "arn:aws:organizations::999999999999:account/o-exampleorgid/999999999999"}})
	})
	// A member account's Cost Explorer answers for itself only.
	e.Transport.Stub("ce:GetCostAndUsage", func(*http.Request, []byte) *http.Response {
		return collectortest.JSONResponse(map[string]any{"ResultsByTime": []any{map[string]any{
			"TimePeriod": map[string]string{"Start": "2026-10-01", "End": "2026-11-30"},
			"Groups":     []any{map[string]any{"Keys": []string{"AWS Lambda", mgmt}, "Metrics": map[string]any{"UnblendedCost": map[string]string{"Amount": "1", "Unit": "USD"}}}}}}})
	})
	e.Transport.Stub("organizations:ListTagsForResource", collectortest.AccessDenied("organizations:ListTagsForResource"))
	e.Transport.Stub("organizations:ListPolicies", collectortest.AccessDenied("organizations:ListPolicies"))
	res := collect(t, context.Background(), newRequest(e, "", collectors.AccountInfo{ID: mgmt}, collectors.AccountInfo{ID: member1}))
	if res.services.CostExplorerView != scope.ViewAccount {
		t.Errorf("view %s", res.services.CostExplorerView)
	}
	for _, a := range res.services.Accounts {
		if a.Visible != (a.AccountID == mgmt) {
			t.Errorf("account %s visible %v: a member sees only itself", a.AccountID, a.Visible)
		}
	}
	if len(res.services.Services) != 1 || res.services.Services[0].AccountID != mgmt {
		t.Errorf("services %+v", res.services.Services)
	}
	if res.snaps[scope.KindSCPs].Status != evidence.StatusPartial || res.scps.Available || res.scps.Accounts[0].RestrictedToEligible != nil {
		t.Errorf("scps %s %+v: denied policies leave restriction unknown", res.snaps[scope.KindSCPs].Status, res.scps)
	}
	for _, a := range res.phi.Accounts {
		if a.PHI == nil || !*a.PHI || a.Reasons[0] != "presumed" {
			t.Errorf("phi %+v: unreadable tags and no config: presumed PHI", a)
		}
	}
	if b := res.baa; b.Accepted == nil || *b.Accepted || !b.ManualEvidenceRequired {
		t.Errorf("baa %+v: no agreement → not accepted", b)
	}
	for _, a := range res.baa.Accounts {
		if a.AccountID == mgmt && (a.Covered == nil || *a.Covered) || a.AccountID == member1 && a.Covered != nil {
			t.Errorf("baa account %+v: not covered for the caller, unknown for others", a)
		}
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		stub  func(tr *collectortest.Transport)
		check func(t *testing.T, res *result)
	}{
		{
			name: "cost explorer denied",
			stub: func(tr *collectortest.Transport) {
				tr.Stub("ce:GetCostAndUsage", collectortest.AccessDenied("ce:GetCostAndUsage"))
			},
			check: func(t *testing.T, res *result) {
				s := res.snaps[scope.KindServices]
				if s.Status != evidence.StatusError || s.Errors[0].Action != "ce:GetCostAndUsage" || s.Errors[0].Code != "AccessDeniedException" {
					t.Errorf("status %s errors %+v", s.Status, s.Errors)
				}
				if res.services.CostExplorerView != scope.ViewNone || res.services.Accounts[0].Visible || len(res.services.Services) != 0 {
					t.Errorf("services %+v: nothing seen, nothing claimed", res.services)
				}
				if res.snaps[scope.KindBAA].Status != evidence.StatusOK {
					t.Error("other kinds are unaffected")
				}
			},
		},
		{
			name: "cost explorer throttled then recovers",
			stub: func(tr *collectortest.Transport) {
				tr.Stub("ce:GetCostAndUsage", collectortest.Throttle("ce:GetCostAndUsage", 2, nil))
			},
			check: func(t *testing.T, res *result) {
				if s := res.snaps[scope.KindServices]; s.Status != evidence.StatusOK || len(res.services.Services) != 5 {
					t.Errorf("status %s services %d", s.Status, len(res.services.Services))
				}
			},
		},
		{
			name: "artifact denied",
			stub: func(tr *collectortest.Transport) {
				tr.Stub("artifact:ListCustomerAgreements", func(*http.Request, []byte) *http.Response {
					return scopefake.ArtifactError(403, "AccessDeniedException", "User is not authorized to perform: artifact:ListCustomerAgreements")
				})
			},
			check: func(t *testing.T, res *result) {
				s := res.snaps[scope.KindBAA]
				if s.Status != evidence.StatusPartial || res.baa.APIStatus != scope.APIDenied || res.baa.Accepted != nil || !res.baa.ManualEvidenceRequired || res.baa.Instructions == "" {
					t.Errorf("status %s baa %+v", s.Status, res.baa)
				}
			},
		},
		{
			name: "artifact throttled then recovers",
			stub: func(tr *collectortest.Transport) {
				var mu sync.Mutex
				n := 0
				tr.Stub("artifact:ListCustomerAgreements", func(*http.Request, []byte) *http.Response {
					mu.Lock()
					defer mu.Unlock()
					if n++; n <= 2 {
						return scopefake.ArtifactError(429, "ThrottlingException", "Rate exceeded")
					}
					return collectortest.JSONResponse(map[string]any{"customerAgreements": []any{baa("AWS Business Associate Addendum", mgmt, "").Item()}})
				})
			},
			check: func(t *testing.T, res *result) {
				if s := res.snaps[scope.KindBAA]; s.Status != evidence.StatusOK || res.baa.Accepted == nil || !*res.baa.Accepted {
					t.Errorf("status %s baa %+v", s.Status, res.baa)
				}
			},
		},
		{
			name: "artifact not reachable",
			stub: func(tr *collectortest.Transport) {
				tr.Stub("artifact:ListCustomerAgreements", nil) // kumo answers 404
			},
			check: func(t *testing.T, res *result) {
				b := res.baa
				if s := res.snaps[scope.KindBAA]; s.Status != evidence.StatusOK || b.APIStatus != scope.APIUnavailable || b.Source != "manual" || !b.ManualEvidenceRequired || b.Accepted != nil || b.APIError == nil {
					t.Errorf("status %s baa %+v: unreachable Artifact means manual evidence", s.Status, b)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := collectortest.NewEmulator(t)
			stubArtifact(e.Transport, baa("AWS Business Associate Addendum", mgmt, ""))
			tc.stub(e.Transport)
			tc.check(t, collect(t, context.Background(), newRequest(e, "")))
		})
	}
}

func TestCancelled(t *testing.T) {
	e := collectortest.NewEmulator(t)
	stubArtifact(e.Transport)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := collect(t, ctx, newRequest(e, "phi_accounts: ['"+mgmt+"']\n"))
	for kind, s := range res.snaps {
		if s.Status == evidence.StatusOK {
			t.Errorf("%s claims ok after cancellation", kind)
		}
	}
	if res.services.CostExplorerView != scope.ViewNone || res.baa.Accepted != nil {
		t.Errorf("services view %s baa %v", res.services.CostExplorerView, res.baa.Accepted)
	}
}

func TestOptions(t *testing.T) {
	tests := []struct{ name, src, wantErr string }{
		{"defaults", "{}\n", ""},
		{"unknown field", "phi_acounts: []\n", "phi_acounts"},
		{"bad account", "phi_accounts: ['12345']\n", "12-digit"},
		{"bad region", "artifact_region: Mars\n", "artifact_region"},
		{"alias", "service_aliases: {'Contoso Line': 'Amazon DynamoDB'}\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := scope.DecodeOptions(options(tc.src))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.PHITagKey != scope.DefaultPHITagKey || o.PHITagValue != scope.DefaultPHITagValue {
				t.Errorf("defaults not applied: %+v", o)
			}
		})
	}
	t.Run("alias to a service not on the list", func(t *testing.T) {
		e := collectortest.NewEmulator(t)
		_, err := scope.New().Collect(context.Background(), newRequest(e, "service_aliases: {'Contoso Line': 'Contoso Cloud'}\n"))
		if err == nil || !strings.Contains(err.Error(), "Contoso Cloud") {
			t.Errorf("error %v", err)
		}
	})
}

func TestArtifactPagination(t *testing.T) {
	e := collectortest.NewEmulator(t)
	var mu sync.Mutex
	var tokens []string
	// Two pages, as the Artifact API reference documents nextToken paging;
	// the BAA is on the second page, with an epoch-seconds timestamp.
	e.Transport.Stub("artifact:ListCustomerAgreements", func(r *http.Request, _ []byte) *http.Response {
		tok := r.URL.Query().Get("nextToken")
		mu.Lock()
		tokens = append(tokens, tok)
		mu.Unlock()
		if tok == "" {
			return collectortest.JSONResponse(map[string]any{"customerAgreements": []any{baa("AWS Customer Agreement", mgmt, "").Item()}, "nextToken": "t2"})
		}
		a := baa("AWS Business Associate Addendum", mgmt, "").Item()
		a["effectiveStart"] = 1705312800
		return collectortest.JSONResponse(map[string]any{"customerAgreements": []any{a}})
	})
	b := collect(t, context.Background(), newRequest(e, "")).baa
	if len(b.Agreements) != 2 || b.Accepted == nil || !*b.Accepted || b.Agreements[0].IsBAA || !b.Agreements[1].IsBAA {
		t.Errorf("baa %+v", b)
	}
	if b.Agreements[1].EffectiveStart != "2024-01-15T10:00:00Z" {
		t.Errorf("effective start %q", b.Agreements[1].EffectiveStart)
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(tokens, ",") != ",t2" {
		t.Errorf("tokens sent %q", tokens)
	}
}
