package iam

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iam/iamfake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// testCollector is the collector with short credential-report polling, so
// tests of the polling path stay fast.
func testCollector() *Collector {
	c := New()
	c.reportPoll = time.Millisecond
	c.reportPollMax = 5 * time.Millisecond
	c.reportTimeout = 2 * time.Second
	return c
}

// newAccount starts kumo, seeds model into it, installs the stubs for what
// kumo lacks and forgets the seeding calls.
func newAccount(t testing.TB, model *iamfake.Account) *collectortest.Emulator {
	t.Helper()
	emu := collectortest.NewEmulator(t)
	direct := directConfig(emu)
	t.Cleanup(func() {
		if err := model.Teardown(context.Background(), direct); err != nil {
			t.Error(err)
		}
	})
	if err := model.Seed(context.Background(), direct); err != nil {
		t.Fatalf("seed: %v", err)
	}
	model.Install(emu.Transport)
	emu.Recorder.Reset()
	emu.Transport.ResetCounts()
	return emu
}

// directTransport keeps connections to kumo open across seeding calls.
var directTransport = &http.Transport{MaxIdleConnsPerHost: 64}

// directConfig is the emulator's configuration without the stub Transport
// and the Recorder: seeding and teardown talk to kumo itself.
func directConfig(emu *collectortest.Emulator) aws.Config {
	cfg := emu.Config()
	cfg.HTTPClient = &http.Client{Transport: directTransport}
	cfg.APIOptions = nil
	return cfg
}

// collect runs the collector once and returns its snapshots by kind, checking
// that every declared kind is there exactly once.
func collect(t *testing.T, c *Collector, emu *collectortest.Emulator) map[string]*evidence.Snapshot {
	t.Helper()
	resp, err := c.Collect(context.Background(), collectortest.NewRequest(&emu.Endpoint, evidence.GlobalRegion))
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	out := map[string]*evidence.Snapshot{}
	for _, s := range resp.Snapshots {
		if out[s.Kind] != nil {
			t.Fatalf("kind %s returned twice", s.Kind)
		}
		out[s.Kind] = s
	}
	for _, k := range Kinds {
		if out[k] == nil {
			t.Fatalf("kind %s missing", k)
		}
	}
	return out
}

func decode[T any](t *testing.T, s *evidence.Snapshot) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(s.Payload, &v); err != nil {
		t.Fatalf("decode %s payload: %v", s.Kind, err)
	}
	return v
}

func wantStatus(t *testing.T, snaps map[string]*evidence.Snapshot, kind string, want evidence.Status) {
	t.Helper()
	s := snaps[kind]
	if s.Status != want {
		t.Errorf("%s: status %s, want %s (errors %+v)", kind, s.Status, want, s.Errors)
	}
}

func hasError(s *evidence.Snapshot, action, code string) bool {
	for _, e := range s.Errors {
		if e.Action == action && e.Code == code {
			return true
		}
	}
	return false
}

func findUser(t *testing.T, us Users, name string) User {
	t.Helper()
	for _, u := range us.Users {
		if u.UserName == name {
			return u
		}
	}
	t.Fatalf("user %s not in payload", name)
	return User{}
}

func TestConformance(t *testing.T) {
	emu := newAccount(t, smallModel())
	collectortest.RunConformance(t, collectortest.Suite{
		New:      func() collectors.Collector { return testCollector() },
		Endpoint: &emu.Endpoint,
		Request: func(*testing.T) *collectors.Request {
			return collectortest.NewRequest(&emu.Endpoint, evidence.GlobalRegion)
		},
	})
}

func TestRegistered(t *testing.T) {
	c, err := collectors.Default.New(Name)
	if err != nil {
		t.Fatal(err)
	}
	d := c.Describe()
	if d.Scope != collectors.PerAccount || len(d.EvidenceKinds) != 9 {
		t.Errorf("descriptor %+v", d)
	}
}

func TestCollectAccount(t *testing.T) {
	model := smallModel()
	emu := newAccount(t, model)
	snaps := collect(t, testCollector(), emu)
	for _, k := range Kinds {
		wantStatus(t, snaps, k, evidence.StatusOK)
	}

	t.Run("credential report", func(t *testing.T) {
		rep := decode[CredentialReport](t, snaps[KindCredentialReport])
		if rep.Root == nil || rep.Root.User != RootUser || rep.Root.PasswordEnabled != nil || rep.Root.MFAActive == nil || !*rep.Root.MFAActive {
			t.Errorf("root row %+v", rep.Root)
		}
		if len(rep.Users) != 4 || rep.Users[0].User != "alice" {
			t.Fatalf("users %+v", rep.Users)
		}
		a := rep.Users[0]
		if a.PasswordEnabled == nil || !*a.PasswordEnabled || a.MFAActive == nil || !*a.MFAActive || a.PasswordLastUsed == nil {
			t.Errorf("alice row %+v", a)
		}
		if rep.GeneratedAt == nil || !rep.GeneratedAt.Equal(model.ReportTime) {
			t.Errorf("generated_at %v", rep.GeneratedAt)
		}
	})
	t.Run("password policy", func(t *testing.T) {
		var p map[string]any
		if err := json.Unmarshal(snaps[KindPasswordPolicy].Payload, &p); err != nil {
			t.Fatal(err)
		}
		if p["present"] != true || p["minimum_password_length"] != 14.0 || p["max_password_age"] != 90.0 || p["hard_expiry"] != nil {
			t.Errorf("password policy %v", p)
		}
	})
	t.Run("account summary", func(t *testing.T) {
		s := decode[AccountSummary](t, snaps[KindAccountSummary])
		if s.AccountMFAEnabled == nil || !*s.AccountMFAEnabled || s.AccountAccessKeysPresent == nil || *s.AccountAccessKeysPresent {
			t.Errorf("summary %+v", s)
		}
		if s.Summary["Users"] != 4 {
			t.Errorf("summary map %v", s.Summary)
		}
	})
	t.Run("virtual MFA", func(t *testing.T) {
		v := decode[VirtualMFADevices](t, snaps[KindVirtualMFADevices])
		if v.RootVirtualMFA || len(v.Devices) != 2 {
			t.Fatalf("virtual MFA %+v", v)
		}
		if d := v.Devices[0]; d.UserName == nil || *d.UserName != "alice" || !d.Assigned || d.IsRoot {
			t.Errorf("alice's device %+v", d)
		}
		if d := v.Devices[1]; d.Assigned || d.UserName != nil {
			t.Errorf("spare device %+v", d)
		}
	})
	t.Run("users", func(t *testing.T) {
		us := decode[Users](t, snaps[KindUsers])
		if us.Source != SourceAuthorizationDetails || us.FallbackReason != nil || len(us.Users) != 4 {
			t.Fatalf("users %+v", us)
		}
		alice := findUser(t, us, "alice")
		if alice.CredentialSource != SourceCredentialReport || alice.LoginProfile == nil || !alice.LoginProfile.Present ||
			len(alice.MFADevices) != 1 || alice.MFADevices[0].Type != MFAVirtual || len(alice.AccessKeys) != 1 ||
			alice.Tags["team"] != "ops" || !reflect.DeepEqual(alice.Groups, []string{"admins"}) {
			t.Errorf("alice %+v", alice)
		}
		k := alice.AccessKeys[0]
		if k.Status != "Active" || k.AgeDays == nil || k.LastUsedService == nil || *k.LastUsedService != "s3" || k.AccessKeyID != nil || k.Slot == nil {
			t.Errorf("alice's key %+v", k)
		}
		carol := findUser(t, us, "carol")
		if len(carol.MFADevices) != 1 || carol.MFADevices[0].Type != MFAHardware || !reflect.DeepEqual(carol.Groups, []string{"admins", "devs"}) {
			t.Errorf("carol %+v", carol)
		}
		bob := findUser(t, us, "bob")
		if len(bob.AccessKeys) != 2 || bob.AccessKeys[1].Status != "Inactive" || bob.MFAActive == nil || *bob.MFAActive || len(bob.MFADevices) != 0 {
			t.Errorf("bob %+v", bob)
		}
		if len(bob.InlinePolicies) != 1 || bob.InlinePolicies[0].Document == nil || bob.InlinePolicies[0].Document.Statement[0].Action[0] != "s3:GetObject" {
			t.Errorf("bob's inline policy %+v", bob.InlinePolicies)
		}
		deploy := findUser(t, us, "deploy")
		if deploy.LoginProfile == nil || deploy.LoginProfile.Present || deploy.Path != "/service/" || len(deploy.AttachedPolicies) != 1 {
			t.Errorf("deploy %+v", deploy)
		}
		// ListMFADevices only for carol (hardware); no other per-user call.
		if n := emu.Transport.Count("iam:ListMFADevices"); n != 1 {
			t.Errorf("ListMFADevices called %d times, want 1", n)
		}
		for _, op := range []string{"iam:GetLoginProfile", "iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", "iam:ListUsers"} {
			if n := emu.Transport.Count(op); n != 0 {
				t.Errorf("%s called %d times on the bulk path", op, n)
			}
		}
	})
	t.Run("groups", func(t *testing.T) {
		gs := decode[Groups](t, snaps[KindGroups])
		if len(gs.Groups) != 2 || gs.Groups[0].GroupName != "admins" || !reflect.DeepEqual(gs.Groups[0].Members, []string{"alice", "carol"}) {
			t.Fatalf("groups %+v", gs)
		}
		devs := gs.Groups[1]
		if len(devs.InlinePolicies) != 1 || devs.InlinePolicies[0].Document.Statement[0].Condition["BoolIfExists"]["aws:MultiFactorAuthPresent"][0] != "false" {
			t.Errorf("devs %+v", devs)
		}
	})
	t.Run("roles", func(t *testing.T) {
		rs := decode[Roles](t, snaps[KindRoles])
		if len(rs.Roles) != 3 {
			t.Fatalf("roles %+v", rs)
		}
		byName := map[string]Role{}
		for _, r := range rs.Roles {
			byName[r.RoleName] = r
		}
		if !byName["AWSServiceRoleForSupport"].ServiceLinked || byName["app"].ServiceLinked {
			t.Error("service-linked flag wrong")
		}
		open := byName["open"]
		if open.TrustPolicy == nil || !reflect.DeepEqual(open.TrustPolicy.Statement[0].Principal, map[string][]string{"AWS": {"*"}}) {
			t.Errorf("open trust %+v", open.TrustPolicy)
		}
		app := byName["app"]
		if len(app.AttachedPolicies) != 1 || len(app.InlinePolicies) != 1 || len(app.InstanceProfiles) != 1 || app.LastUsed == nil {
			t.Errorf("app %+v", app)
		}
	})
	t.Run("policies", func(t *testing.T) {
		ps := decode[Policies](t, snaps[KindPolicies])
		if len(ps.Policies) != 3 {
			t.Fatalf("policies %+v", ps)
		}
		for _, p := range ps.Policies {
			if p.Document == nil || len(p.Document.Statement) == 0 {
				t.Errorf("policy %s has no document", p.PolicyName)
			}
			if p.PolicyName == "AdminAll" && (p.Document.Statement[0].Action[0] != "*" || p.AttachmentCount == nil || *p.AttachmentCount != 1) {
				t.Errorf("AdminAll %+v", p)
			}
		}
	})
	t.Run("identity providers", func(t *testing.T) {
		ip := decode[IdentityProviders](t, snaps[KindIdentityProviders])
		if len(ip.SAML) != 1 || ip.SAML[0].Name != "okta" || len(ip.OIDC) != 1 || ip.OIDC[0].URL == nil ||
			!strings.Contains(*ip.OIDC[0].URL, "token.actions.githubusercontent.com") || len(ip.OIDC[0].ClientIDs) != 1 {
			t.Errorf("identity providers %+v", ip)
		}
	})
}

// TestAccessDenied denies one API at a time: the evidence it feeds becomes
// partial or error naming the action and code, the rest is unaffected.
func TestAccessDenied(t *testing.T) {
	tests := []struct {
		name string
		deny []string
		// kind must have status, with an error naming the last denied
		// action and AccessDenied.
		kind   string
		status evidence.Status
		// other lists other kinds a denial affects, with their status;
		// every kind not named must stay ok.
		other map[string]evidence.Status
	}{
		{name: "password policy", deny: []string{"iam:GetAccountPasswordPolicy"}, kind: KindPasswordPolicy, status: evidence.StatusError},
		{name: "account summary", deny: []string{"iam:GetAccountSummary"}, kind: KindAccountSummary, status: evidence.StatusError},
		{name: "virtual MFA", deny: []string{"iam:ListVirtualMFADevices"}, kind: KindVirtualMFADevices, status: evidence.StatusError},
		{name: "credential report download", deny: []string{"iam:GetCredentialReport"}, kind: KindCredentialReport, status: evidence.StatusError},
		{name: "credential report generation", deny: []string{"iam:GenerateCredentialReport"}, kind: KindCredentialReport, status: evidence.StatusPartial},
		{name: "SAML providers", deny: []string{"iam:ListSAMLProviders"}, kind: KindIdentityProviders, status: evidence.StatusPartial},
		{name: "OIDC provider details", deny: []string{"iam:GetOpenIDConnectProvider"}, kind: KindIdentityProviders, status: evidence.StatusPartial},
		{name: "policy versions on the fallback path", deny: []string{actionAuthDetails, "iam:GetPolicyVersion"}, kind: KindPolicies, status: evidence.StatusPartial},
		{name: "user list on the fallback path", deny: []string{actionAuthDetails, "iam:ListUsers"}, kind: KindUsers, status: evidence.StatusError},
		{name: "role details on the fallback path", deny: []string{actionAuthDetails, "iam:GetRole"}, kind: KindRoles, status: evidence.StatusPartial},
		{name: "group members on the fallback path", deny: []string{actionAuthDetails, "iam:GetGroup"}, kind: KindGroups, status: evidence.StatusPartial},
		{name: "login profiles when the report is missing", deny: []string{"iam:GetCredentialReport", "iam:GetLoginProfile"}, kind: KindUsers, status: evidence.StatusPartial,
			other: map[string]evidence.Status{KindCredentialReport: evidence.StatusError}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			emu := newAccount(t, smallModel())
			for _, op := range tc.deny {
				emu.Transport.Stub(op, collectortest.AccessDenied(op))
			}
			snaps := collect(t, testCollector(), emu)
			wantStatus(t, snaps, tc.kind, tc.status)
			last := tc.deny[len(tc.deny)-1]
			if !hasError(snaps[tc.kind], last, "AccessDenied") {
				t.Errorf("%s errors %+v do not name %s AccessDenied", tc.kind, snaps[tc.kind].Errors, last)
			}
			if tc.status == evidence.StatusError && string(snaps[tc.kind].Payload) != "{}" {
				t.Errorf("error snapshot carries payload %s", snaps[tc.kind].Payload)
			}
			for _, k := range Kinds {
				if k == tc.kind {
					continue
				}
				want, ok := tc.other[k]
				if !ok {
					want = evidence.StatusOK
				}
				wantStatus(t, snaps, k, want)
			}
		})
	}
}

// TestThrottlingRecovers throttles bulk and account calls twice each: the
// SDK retries and every snapshot is ok.
func TestThrottlingRecovers(t *testing.T) {
	model := smallModel()
	emu := newAccount(t, model)
	ops := []string{"iam:GetAccountAuthorizationDetails", "iam:GetCredentialReport", "iam:GetAccountSummary", "iam:ListOpenIDConnectProviders"}
	for _, op := range ops {
		emu.Transport.Stub(op, collectortest.Throttle(op, 2, stubOf(model, op)))
	}
	snaps := collect(t, testCollector(), emu)
	for _, k := range Kinds {
		wantStatus(t, snaps, k, evidence.StatusOK)
	}
	for _, op := range ops {
		if n := emu.Transport.Count(op); n < 3 {
			t.Errorf("%s sent %d times, want at least 3 (two throttled, one retry)", op, n)
		}
	}
	if us := decode[Users](t, snaps[KindUsers]); us.Source != SourceAuthorizationDetails {
		t.Errorf("throttling made the collector fall back: %s", us.Source)
	}
}

// stubOf returns the model's stub for op; nil passes the call to kumo.
func stubOf(model *iamfake.Account, op string) collectortest.Handler {
	return model.Stubs()[op]
}

// TestAuthorizationDetailsFallback denies (and, separately, does not
// support) GetAccountAuthorizationDetails: the per-resource path yields the
// same users, groups, roles and policies, with status ok and the reason noted.
func TestAuthorizationDetailsFallback(t *testing.T) {
	model := smallModel()
	emu := newAccount(t, model)
	bulk := collect(t, testCollector(), emu)
	for _, tc := range []struct {
		name string
		stub collectortest.Handler
		code string
	}{
		{"denied", collectortest.AccessDenied(actionAuthDetails), "AccessDenied"},
		{"unsupported", func(*http.Request, []byte) *http.Response {
			return collectortest.ErrorResponse(actionAuthDetails, 400, "InvalidAction", "The action 'GetAccountAuthorizationDetails' is not valid")
		}, "InvalidAction"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emu.Transport.Stub(actionAuthDetails, tc.stub)
			defer model.Install(emu.Transport)
			emu.Transport.ResetCounts()
			per := collect(t, testCollector(), emu)
			for _, k := range []string{KindUsers, KindGroups, KindRoles, KindPolicies} {
				wantStatus(t, per, k, evidence.StatusOK)
				var a, b map[string]any
				if err := json.Unmarshal(bulk[k].Payload, &a); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(per[k].Payload, &b); err != nil {
					t.Fatal(err)
				}
				if b["source"] != SourcePerResource || b["fallback_reason"] != actionAuthDetails+": "+tc.code {
					t.Errorf("%s: source %v, reason %v", k, b["source"], b["fallback_reason"])
				}
				for _, m := range []map[string]any{a, b} {
					delete(m, "source")
					delete(m, "fallback_reason")
				}
				if !reflect.DeepEqual(a, b) {
					ja, _ := json.MarshalIndent(a, "", " ")
					jb, _ := json.MarshalIndent(b, "", " ")
					t.Errorf("%s differs between paths:\nbulk: %s\nper-resource: %s", k, ja, jb)
				}
			}
			if emu.Transport.Count("iam:ListUsers") == 0 || emu.Transport.Count("iam:GetPolicyVersion") != 3 {
				t.Errorf("the fallback did not run: ListUsers %d, GetPolicyVersion %d",
					emu.Transport.Count("iam:ListUsers"), emu.Transport.Count("iam:GetPolicyVersion"))
			}
		})
	}
}

func TestPasswordPolicyAbsent(t *testing.T) {
	model := smallModel()
	model.PasswordPolicy = nil
	emu := newAccount(t, model)
	snaps := collect(t, testCollector(), emu)
	wantStatus(t, snaps, KindPasswordPolicy, evidence.StatusOK)
	if got := string(snaps[KindPasswordPolicy].Payload); got != `{"present":false}` {
		t.Errorf("payload %s", got)
	}
	if !reflect.DeepEqual(snaps[KindPasswordPolicy].APICalls, []string{"iam:GetAccountPasswordPolicy"}) {
		t.Errorf("api calls %v", snaps[KindPasswordPolicy].APICalls)
	}
}

func TestCredentialReportPolling(t *testing.T) {
	model := smallModel()
	model.ReportPolls = 3
	emu := newAccount(t, model)
	snaps := collect(t, testCollector(), emu)
	wantStatus(t, snaps, KindCredentialReport, evidence.StatusOK)
	if n := emu.Transport.Count("iam:GenerateCredentialReport"); n != 4 {
		t.Errorf("GenerateCredentialReport sent %d times, want 4 (STARTED, INPROGRESS ×2, COMPLETE)", n)
	}
}

// TestCredentialReportNeverReady bounds the wait: the report snapshot is an
// error naming IAM's code and users are read per user instead.
func TestCredentialReportNeverReady(t *testing.T) {
	model := smallModel()
	model.ReportPolls = 1 << 30
	emu := newAccount(t, model)
	emu.Transport.Stub("iam:GetCredentialReport", func(*http.Request, []byte) *http.Response {
		return collectortest.ErrorResponse("iam:GetCredentialReport", 404, "ReportInProgress", "Report generation is in progress.")
	})
	c := testCollector()
	c.reportTimeout = 50 * time.Millisecond
	snaps := collect(t, c, emu)
	wantStatus(t, snaps, KindCredentialReport, evidence.StatusError)
	if !hasError(snaps[KindCredentialReport], "iam:GetCredentialReport", "ReportInProgress") {
		t.Errorf("errors %+v", snaps[KindCredentialReport].Errors)
	}
	wantStatus(t, snaps, KindUsers, evidence.StatusOK)
	us := decode[Users](t, snaps[KindUsers])
	bob := findUser(t, us, "bob")
	if bob.CredentialSource != SourceAPI || len(bob.AccessKeys) != 2 || bob.AccessKeys[0].AccessKeyID == nil {
		t.Errorf("bob %+v", bob)
	}
	alice := findUser(t, us, "alice")
	if len(alice.AccessKeys) != 1 || alice.AccessKeys[0].LastUsedService == nil || *alice.AccessKeys[0].LastUsedService != "s3" ||
		alice.MFAActive == nil || !*alice.MFAActive || alice.LoginProfile == nil || alice.LoginProfile.PasswordResetRequired == nil {
		t.Errorf("alice %+v", alice)
	}
	if bob.AccessKeys[1].LastUsedDate != nil || bob.AccessKeys[1].LastUsedService != nil {
		t.Errorf("never-used key has last use %+v", bob.AccessKeys[1])
	}
}

func TestUserNewerThanReport(t *testing.T) {
	model := smallModel()
	model.Users[1].NotInReport = true // bob
	emu := newAccount(t, model)
	snaps := collect(t, testCollector(), emu)
	wantStatus(t, snaps, KindUsers, evidence.StatusOK)
	us := decode[Users](t, snaps[KindUsers])
	if b := findUser(t, us, "bob"); b.CredentialSource != SourceAPI || len(b.AccessKeys) != 2 {
		t.Errorf("bob %+v", b)
	}
	if a := findUser(t, us, "alice"); a.CredentialSource != SourceCredentialReport {
		t.Errorf("alice %+v", a)
	}
	if n := emu.Transport.Count("iam:GetLoginProfile"); n != 1 {
		t.Errorf("GetLoginProfile sent %d times, want 1 (bob only)", n)
	}
}

// TestErrorsAreBounded denies a per-user call in an account of many users:
// the snapshot lists a bounded number of errors and sums up the rest.
func TestErrorsAreBounded(t *testing.T) {
	model := smallModel()
	for i := 0; i < 20; i++ {
		model.Users = append(model.Users, &iamfake.User{Name: "user" + string(rune('a'+i))})
	}
	emu := newAccount(t, model)
	emu.Transport.Stub("iam:GetCredentialReport", collectortest.AccessDenied("iam:GetCredentialReport"))
	emu.Transport.Stub("iam:GetLoginProfile", collectortest.AccessDenied("iam:GetLoginProfile"))
	snaps := collect(t, testCollector(), emu)
	s := snaps[KindUsers]
	n := 0
	for _, e := range s.Errors {
		if e.Action == "iam:GetLoginProfile" {
			n++
			if e.Code != "AccessDenied" {
				t.Errorf("error %+v", e)
			}
		}
	}
	if n != maxErrorsPerAction+1 {
		t.Errorf("%d GetLoginProfile errors listed, want %d", n, maxErrorsPerAction+1)
	}
	last := s.Errors[len(s.Errors)-1]
	if !strings.Contains(last.Message, "14 more calls") {
		t.Errorf("summary error %+v", last)
	}
	for _, u := range decode[Users](t, s).Users {
		if u.LoginProfile != nil {
			t.Errorf("user %s has a login profile although it could not be read", u.UserName)
		}
	}
}

// TestMalformedPolicy makes a returned document unreadable: the document is
// null and the snapshot partial, naming the action.
func TestMalformedPolicy(t *testing.T) {
	model := smallModel()
	emu := newAccount(t, model)
	model.Policies[2].BadDetail = true
	snaps := collect(t, testCollector(), emu)
	wantStatus(t, snaps, KindPolicies, evidence.StatusPartial)
	if !hasError(snaps[KindPolicies], actionAuthDetails, CodeMalformedPolicy) {
		t.Errorf("errors %+v", snaps[KindPolicies].Errors)
	}
	for _, p := range decode[Policies](t, snaps[KindPolicies]).Policies {
		if (p.PolicyName == "Unused") != (p.Document == nil) {
			t.Errorf("policy %s document %v", p.PolicyName, p.Document)
		}
	}
	wantStatus(t, snaps, KindUsers, evidence.StatusOK)
}

// TestDeclaredActionsExact runs the bulk path and the fallback path (bulk
// call and credential report denied) and checks, with the SDK middleware
// recorder, that every call made is declared and every declared action is
// made on one of the paths: the descriptor, and so `hipaa-evidence
// iam-policy`, is neither short nor stale.
func TestDeclaredActionsExact(t *testing.T) {
	emu := newAccount(t, smallModel())
	seen := map[string]bool{}
	collect(t, testCollector(), emu)
	for _, a := range emu.Recorder.Actions() {
		seen[a] = true
	}
	emu.Recorder.Reset()
	emu.Transport.Stub(actionAuthDetails, collectortest.AccessDenied(actionAuthDetails))
	emu.Transport.Stub("iam:GetCredentialReport", collectortest.AccessDenied("iam:GetCredentialReport"))
	collect(t, testCollector(), emu)
	for _, a := range emu.Recorder.Actions() {
		seen[a] = true
	}
	declared := map[string]bool{}
	for _, a := range New().Describe().Actions {
		if declared[a] {
			t.Errorf("%s declared twice", a)
		}
		declared[a] = true
		if !seen[a] {
			t.Errorf("%s is declared but never called", a)
		}
	}
	for a := range seen {
		if !declared[a] {
			t.Errorf("%s is called but not declared", a)
		}
	}
}

// TestDocsCoverDescriptor keeps docs/evidence/iam.md in step with the code:
// every evidence kind has a section and every action is listed.
func TestDocsCoverDescriptor(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "evidence", "iam.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	d := New().Describe()
	for _, k := range d.EvidenceKinds {
		if !strings.Contains(doc, "## `"+k+"`") {
			t.Errorf("docs/evidence/iam.md has no section for %s", k)
		}
	}
	for _, a := range d.Actions {
		if !strings.Contains(doc, "`"+a+"`") {
			t.Errorf("docs/evidence/iam.md does not list %s", a)
		}
	}
}
