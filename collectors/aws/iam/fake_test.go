package iam

// The test model of one account's IAM.
//
// What kumo implements is created in kumo through the SDK (users, access
// keys, customer-managed policies and their attachments to users and roles,
// roles with trust, inline and attached policies, instance profiles, OIDC
// providers), and kumo answers the calls it implements (ListUsers, GetUser,
// ListRoles, GetRole, ListPolicies, ListAccessKeys, ListAttachedRolePolicies,
// ListRolePolicies, GetRolePolicy, ListInstanceProfilesForRole,
// ListOpenIDConnectProviders, GetOpenIDConnectProvider).
//
// kumo does not implement the credential report, the password policy, the
// account summary, MFA devices, login profiles, groups, user policies,
// GetPolicyVersion, GetAccessKeyLastUsed, SAML providers or
// GetAccountAuthorizationDetails. Those are stubbed at the SDK's HTTP layer
// (collectortest.Transport) with awsQuery XML responses shaped as the IAM API
// reference documents them, built from the same model, so the bulk and the
// per-resource paths see one account.

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamapi "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
)

const testAccount = collectortest.DefaultAccount

// fakeUser is one user of the model. Fields below "kumo" are filled from
// kumo's responses when seeding.
type fakeUser struct {
	name     string
	path     string
	tags     map[string]string
	password bool
	// passwordLastUsed is the report's password_last_used.
	passwordLastUsed *time.Time
	// mfa is "", MFAVirtual or MFAHardware.
	mfa string
	// keys is how many access keys to create (0..2); the second is inactive.
	keys int
	// keyLastUsed is the last use of the first key, if any.
	keyLastUsed *time.Time
	groups      []string
	// attached names customer-managed policies of the model.
	attached []string
	// awsAttached lists AWS-managed policy ARNs (served by stubs only).
	awsAttached []string
	inline      map[string]string
	// notInReport leaves the user out of the credential report, as for a
	// user created after the report was generated.
	notInReport bool

	// kumo
	id, arn    string
	created    time.Time
	keyIDs     []string
	keyCreated []time.Time
}

type fakeGroup struct {
	name        string
	awsAttached []string
	inline      map[string]string
	created     time.Time
}

type fakeRole struct {
	name     string
	path     string
	trust    string
	attached []string
	inline   map[string]string
	profile  bool

	// kumo
	id, arn    string
	created    time.Time
	profileARN string
}

type fakePolicy struct {
	name string
	doc  string
	// badDetail makes GetAccountAuthorizationDetails return an undecodable
	// document for the policy.
	badDetail bool

	// kumo
	id, arn          string
	created, updated time.Time
}

// fakeIAM is the model of an account.
type fakeIAM struct {
	users    []*fakeUser
	groups   []*fakeGroup
	roles    []*fakeRole
	policies []*fakePolicy
	saml     []string
	oidc     []string
	// passwordPolicy is nil for an account without one (NoSuchEntity).
	passwordPolicy *types.PasswordPolicy
	// rootMFA is "", MFAVirtual or MFAHardware.
	rootMFA     string
	rootKeys    bool
	reportTime  time.Time
	reportPolls int // GenerateCredentialReport answers before COMPLETE

	mu          sync.Mutex
	reportCalls int
	oidcARNs    []string
}

// smallModel is a varied account: console users with and without MFA
// (virtual and hardware), keys, groups, inline and attached policies, an
// admin-wildcard policy, a role anyone can assume, a service-linked role.
func smallModel() *fakeIAM {
	t0 := time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC)
	return &fakeIAM{
		reportTime: time.Date(2026, 11, 29, 11, 0, 0, 0, time.UTC),
		rootMFA:    MFAHardware,
		passwordPolicy: &types.PasswordPolicy{
			MinimumPasswordLength: aws.Int32(14), RequireSymbols: true, RequireNumbers: true,
			RequireUppercaseCharacters: true, RequireLowercaseCharacters: true, AllowUsersToChangePassword: true,
			ExpirePasswords: true, MaxPasswordAge: aws.Int32(90), PasswordReusePrevention: aws.Int32(24),
		},
		users: []*fakeUser{
			{name: "alice", password: true, passwordLastUsed: &t0, mfa: MFAVirtual, keys: 1, keyLastUsed: &t0,
				groups: []string{"admins"}, attached: []string{"AdminAll"}, tags: map[string]string{"team": "ops"}},
			{name: "bob", password: true, keys: 2, groups: []string{"devs"},
				inline: map[string]string{"s3-read": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::phi/*"}}`}},
			{name: "carol", password: true, mfa: MFAHardware, groups: []string{"devs", "admins"},
				awsAttached: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}},
			{name: "deploy", path: "/service/", keys: 1, attached: []string{"DeployPolicy"}},
		},
		groups: []*fakeGroup{
			{name: "admins", awsAttached: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}, created: t0},
			{name: "devs", created: t0, inline: map[string]string{"deny-iam": `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:Get*","iam:List*"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":false}}}]}`}},
		},
		policies: []*fakePolicy{
			{name: "AdminAll", doc: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`},
			{name: "DeployPolicy", doc: `{"Version":"2012-10-17","Statement":[{"Sid":"Deploy","Effect":"Allow","Action":["s3:PutObject","cloudformation:*"],"Resource":["*"]}]}`},
			{name: "Unused", doc: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}}`},
		},
		roles: []*fakeRole{
			{name: "app", trust: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`,
				attached: []string{"DeployPolicy"}, profile: true,
				inline: map[string]string{"logs": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}}`}},
			{name: "open", trust: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`},
			{name: "AWSServiceRoleForSupport", path: "/aws-service-role/support.amazonaws.com/",
				trust: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"support.amazonaws.com"},"Action":"sts:AssumeRole"}}`},
		},
		saml: []string{"okta"},
		oidc: []string{"https://token.actions.githubusercontent.com"},
	}
}

// seed creates in kumo what kumo implements and records kumo's ids and dates.
func (f *fakeIAM) seed(t testing.TB, cfg aws.Config) {
	t.Helper()
	ctx := context.Background()
	c := iamapi.NewFromConfig(cfg)
	for _, p := range f.policies {
		out, err := c.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: aws.String(p.name), PolicyDocument: aws.String(p.doc)})
		if err != nil {
			t.Fatalf("create policy %s: %v", p.name, err)
		}
		p.arn, p.id = aws.ToString(out.Policy.Arn), aws.ToString(out.Policy.PolicyId)
		p.created, p.updated = aws.ToTime(out.Policy.CreateDate), aws.ToTime(out.Policy.UpdateDate)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	fail := func(err error) {
		select {
		case errs <- err:
		default:
		}
	}
	sem := make(chan struct{}, 8)
	for _, u := range f.users {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f.seedUser(ctx, c, u); err != nil {
				fail(err)
			}
		}()
	}
	for _, r := range f.roles {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := f.seedRole(ctx, c, r); err != nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	for _, url := range f.oidc {
		if _, err := c.CreateOpenIDConnectProvider(ctx, &iamapi.CreateOpenIDConnectProviderInput{
			Url: aws.String(url), ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{strings.Repeat("a", 40)},
		}); err != nil {
			t.Fatalf("create OIDC provider %s: %v", url, err)
		}
	}
}

// teardown deletes what seed created. kumo keeps one IAM state per process,
// shared by every emulator, so each test must leave it empty.
func (f *fakeIAM) teardown(t testing.TB, cfg aws.Config) {
	t.Helper()
	ctx := context.Background()
	c := iamapi.NewFromConfig(cfg)
	check := func(what string, err error) {
		if err != nil && !isNoSuchEntity(err) {
			t.Errorf("teardown: %s: %v", what, err)
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	parallel := func(fn func()) {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn()
		}()
	}
	for _, u := range f.users {
		if u.arn == "" {
			continue
		}
		parallel(func() { f.teardownUser(ctx, c, u, check) })
	}
	for _, r := range f.roles {
		if r.arn == "" {
			continue
		}
		parallel(func() { f.teardownRole(ctx, c, r, check) })
	}
	wg.Wait()
	for _, p := range f.policies {
		if p.arn == "" {
			continue
		}
		_, err := c.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: aws.String(p.arn)})
		check("delete policy "+p.name, err)
	}
	list, err := c.ListOpenIDConnectProviders(ctx, &iamapi.ListOpenIDConnectProvidersInput{})
	check("list OIDC providers", err)
	if err == nil {
		for _, p := range list.OpenIDConnectProviderList {
			_, err := c.DeleteOpenIDConnectProvider(ctx, &iamapi.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: p.Arn})
			check("delete OIDC provider", err)
		}
	}
}

func (f *fakeIAM) teardownUser(ctx context.Context, c *iamapi.Client, u *fakeUser, check func(string, error)) {
	for _, k := range u.keyIDs {
		_, err := c.DeleteAccessKey(ctx, &iamapi.DeleteAccessKeyInput{UserName: aws.String(u.name), AccessKeyId: aws.String(k)})
		check("delete key of "+u.name, err)
	}
	for _, name := range u.attached {
		_, err := c.DetachUserPolicy(ctx, &iamapi.DetachUserPolicyInput{UserName: aws.String(u.name), PolicyArn: aws.String(f.policyARN(name))})
		check("detach from "+u.name, err)
	}
	_, err := c.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: aws.String(u.name)})
	check("delete user "+u.name, err)
}

func (f *fakeIAM) teardownRole(ctx context.Context, c *iamapi.Client, r *fakeRole, check func(string, error)) {
	for _, name := range r.attached {
		_, err := c.DetachRolePolicy(ctx, &iamapi.DetachRolePolicyInput{RoleName: aws.String(r.name), PolicyArn: aws.String(f.policyARN(name))})
		check("detach from "+r.name, err)
	}
	for _, name := range sortedKeys(r.inline) {
		_, err := c.DeleteRolePolicy(ctx, &iamapi.DeleteRolePolicyInput{RoleName: aws.String(r.name), PolicyName: aws.String(name)})
		check("delete inline policy of "+r.name, err)
	}
	if r.profileARN != "" {
		_, err := c.RemoveRoleFromInstanceProfile(ctx, &iamapi.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String(r.name), RoleName: aws.String(r.name)})
		check("remove "+r.name+" from its profile", err)
		_, err = c.DeleteInstanceProfile(ctx, &iamapi.DeleteInstanceProfileInput{InstanceProfileName: aws.String(r.name)})
		check("delete profile "+r.name, err)
	}
	_, err := c.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: aws.String(r.name)})
	check("delete role "+r.name, err)
}

func (f *fakeIAM) seedUser(ctx context.Context, c *iamapi.Client, u *fakeUser) error {
	in := &iamapi.CreateUserInput{UserName: aws.String(u.name)}
	if u.path != "" {
		in.Path = aws.String(u.path)
	}
	for _, k := range sortedKeys(u.tags) {
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(u.tags[k])})
	}
	out, err := c.CreateUser(ctx, in)
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.name, err)
	}
	u.id, u.arn, u.created = aws.ToString(out.User.UserId), aws.ToString(out.User.Arn), aws.ToTime(out.User.CreateDate)
	for i := 0; i < u.keys; i++ {
		k, err := c.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: aws.String(u.name)})
		if err != nil {
			return fmt.Errorf("create access key for %s: %w", u.name, err)
		}
		u.keyIDs = append(u.keyIDs, aws.ToString(k.AccessKey.AccessKeyId))
		u.keyCreated = append(u.keyCreated, aws.ToTime(k.AccessKey.CreateDate))
	}
	for _, name := range u.attached {
		if _, err := c.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: aws.String(u.name), PolicyArn: aws.String(f.policyARN(name))}); err != nil {
			return fmt.Errorf("attach %s to %s: %w", name, u.name, err)
		}
	}
	return nil
}

func (f *fakeIAM) seedRole(ctx context.Context, c *iamapi.Client, r *fakeRole) error {
	in := &iamapi.CreateRoleInput{RoleName: aws.String(r.name), AssumeRolePolicyDocument: aws.String(r.trust)}
	if r.path != "" {
		in.Path = aws.String(r.path)
	}
	out, err := c.CreateRole(ctx, in)
	if err != nil {
		return fmt.Errorf("create role %s: %w", r.name, err)
	}
	r.id, r.arn, r.created = aws.ToString(out.Role.RoleId), aws.ToString(out.Role.Arn), aws.ToTime(out.Role.CreateDate)
	for _, name := range r.attached {
		if _, err := c.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: aws.String(r.name), PolicyArn: aws.String(f.policyARN(name))}); err != nil {
			return fmt.Errorf("attach %s to %s: %w", name, r.name, err)
		}
	}
	for _, name := range sortedKeys(r.inline) {
		if _, err := c.PutRolePolicy(ctx, &iamapi.PutRolePolicyInput{RoleName: aws.String(r.name), PolicyName: aws.String(name), PolicyDocument: aws.String(r.inline[name])}); err != nil {
			return fmt.Errorf("put %s on %s: %w", name, r.name, err)
		}
	}
	if r.profile {
		ip, err := c.CreateInstanceProfile(ctx, &iamapi.CreateInstanceProfileInput{InstanceProfileName: aws.String(r.name)})
		if err != nil {
			return fmt.Errorf("create instance profile %s: %w", r.name, err)
		}
		r.profileARN = aws.ToString(ip.InstanceProfile.Arn)
		if _, err := c.AddRoleToInstanceProfile(ctx, &iamapi.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(r.name), RoleName: aws.String(r.name)}); err != nil {
			return fmt.Errorf("add %s to its instance profile: %w", r.name, err)
		}
	}
	return nil
}

func (f *fakeIAM) policyARN(name string) string {
	for _, p := range f.policies {
		if p.name == name {
			return p.arn
		}
	}
	panic("fake: no policy " + name)
}

func (f *fakeIAM) user(name string) *fakeUser {
	for _, u := range f.users {
		if u.name == name {
			return u
		}
	}
	return nil
}

func (f *fakeIAM) group(name string) *fakeGroup {
	for _, g := range f.groups {
		if g.name == name {
			return g
		}
	}
	return nil
}

// handlers returns the stub of every call kumo lacks.
func (f *fakeIAM) handlers() map[string]func(url.Values) *http.Response {
	return map[string]func(url.Values) *http.Response{
		"iam:GenerateCredentialReport":       f.generateCredentialReport,
		"iam:GetCredentialReport":            f.getCredentialReport,
		"iam:GetAccountPasswordPolicy":       f.getAccountPasswordPolicy,
		"iam:GetAccountSummary":              f.getAccountSummary,
		"iam:ListVirtualMFADevices":          f.listVirtualMFADevices,
		"iam:ListMFADevices":                 f.listMFADevices,
		"iam:GetLoginProfile":                f.getLoginProfile,
		"iam:GetAccessKeyLastUsed":           f.getAccessKeyLastUsed,
		"iam:GetAccountAuthorizationDetails": f.getAccountAuthorizationDetails,
		"iam:ListGroupsForUser":              f.listGroupsForUser,
		"iam:ListAttachedUserPolicies":       f.listAttachedUserPolicies,
		"iam:ListUserPolicies":               f.listUserPolicies,
		"iam:GetUserPolicy":                  f.getUserPolicy,
		"iam:ListGroups":                     f.listGroups,
		"iam:GetGroup":                       f.getGroup,
		"iam:ListAttachedGroupPolicies":      f.listAttachedGroupPolicies,
		"iam:ListGroupPolicies":              f.listGroupPolicies,
		"iam:GetGroupPolicy":                 f.getGroupPolicy,
		"iam:GetPolicyVersion":               f.getPolicyVersion,
		"iam:ListSAMLProviders":              f.listSAMLProviders,
	}
}

// install stubs every call kumo lacks on tr.
func (f *fakeIAM) install(tr *collectortest.Transport) {
	for key, h := range f.handlers() {
		tr.Stub(key, wrap(h))
	}
}

// wrap turns a model handler into a stub handler: it parses the awsQuery form.
func wrap(h func(url.Values) *http.Response) collectortest.Handler {
	return func(r *http.Request, body []byte) *http.Response {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return collectortest.ErrorResponse(collectortest.OperationKey(r), 400, "MalformedQueryString", err.Error())
		}
		return h(form)
	}
}

// --- XML helpers -----------------------------------------------------------

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func el(name, value string) string { return "<" + name + ">" + esc(value) + "</" + name + ">" }

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// encodeDoc URL-encodes a policy document as IAM returns it (RFC 3986).
func encodeDoc(doc string) string { return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20") }

func members(items []string) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString("<member>" + it + "</member>")
	}
	return b.String()
}

func query(op, inner string) *http.Response { return collectortest.QueryResponse("iam:"+op, inner) }

func noSuchEntity(op, msg string) *http.Response {
	return collectortest.ErrorResponse("iam:"+op, 404, "NoSuchEntity", msg)
}

// page returns the [start, end) window of n items for Marker and MaxItems
// (default 100, as IAM documents), and the next marker or "".
func page(form url.Values, n int) (start, end int, next string) {
	maxItems := 100
	if v, err := strconv.Atoi(form.Get("MaxItems")); err == nil && v > 0 {
		maxItems = v
	}
	if v, err := strconv.Atoi(form.Get("Marker")); err == nil && v > 0 {
		start = v
	}
	start = min(start, n)
	end = min(start+maxItems, n)
	if end < n {
		next = strconv.Itoa(end)
	}
	return start, end, next
}

func truncation(next string) string {
	if next == "" {
		return "<IsTruncated>false</IsTruncated>"
	}
	return "<IsTruncated>true</IsTruncated>" + el("Marker", next)
}

// --- account-level stubs -------------------------------------------------

func (f *fakeIAM) generateCredentialReport(url.Values) *http.Response {
	f.mu.Lock()
	f.reportCalls++
	n := f.reportCalls
	f.mu.Unlock()
	state := "COMPLETE"
	if n <= f.reportPolls {
		state = "INPROGRESS"
		if n == 1 {
			state = "STARTED"
		}
	}
	return query("GenerateCredentialReport", el("State", state)+el("Description", "report state"))
}

// reportCSV renders the credential report as IAM documents it.
func (f *fakeIAM) reportCSV() string {
	var b strings.Builder
	b.WriteString("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n")
	rootKeys := "false,N/A,N/A,N/A,N/A"
	if f.rootKeys {
		rootKeys = "true,2026-01-02T03:04:05+00:00,N/A,N/A,N/A"
	}
	fmt.Fprintf(&b, "<root_account>,arn:aws:iam::%s:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-01T10:00:00+00:00,not_supported,not_supported,%t,%s,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
		testAccount, f.rootMFA != "", rootKeys)
	users := append([]*fakeUser{}, f.users...)
	sort.Slice(users, func(i, j int) bool { return users[i].name < users[j].name })
	for _, u := range users {
		if u.notInReport {
			continue
		}
		pwUsed, pwChanged, pwNext := "N/A", "N/A", "N/A"
		if u.password {
			pwUsed, pwChanged, pwNext = "no_information", ts(u.created), ts(u.created.AddDate(0, 0, 90))
			if u.passwordLastUsed != nil {
				pwUsed = ts(*u.passwordLastUsed)
			}
		}
		key := func(i int) string {
			if i >= len(u.keyIDs) {
				return "false,N/A,N/A,N/A,N/A"
			}
			active := i == 0
			if i == 0 && u.keyLastUsed != nil {
				return fmt.Sprintf("%t,%s,%s,us-east-1,s3", active, ts(u.keyCreated[i]), ts(*u.keyLastUsed))
			}
			return fmt.Sprintf("%t,%s,N/A,N/A,N/A", active, ts(u.keyCreated[i]))
		}
		fmt.Fprintf(&b, "%s,%s,%s,%t,%s,%s,%s,%t,%s,%s,false,N/A,false,N/A\n",
			u.name, u.arn, ts(u.created), u.password, pwUsed, pwChanged, pwNext, u.mfa != "", key(0), key(1))
	}
	return b.String()
}

func (f *fakeIAM) getCredentialReport(url.Values) *http.Response {
	content := base64.StdEncoding.EncodeToString([]byte(f.reportCSV()))
	return query("GetCredentialReport", el("Content", content)+el("ReportFormat", "text/csv")+el("GeneratedTime", ts(f.reportTime)))
}

func (f *fakeIAM) getAccountPasswordPolicy(url.Values) *http.Response {
	p := f.passwordPolicy
	if p == nil {
		return noSuchEntity("GetAccountPasswordPolicy", "The Password Policy with domain name "+testAccount+" cannot be found.")
	}
	inner := el("AllowUsersToChangePassword", strconv.FormatBool(p.AllowUsersToChangePassword)) +
		el("RequireLowercaseCharacters", strconv.FormatBool(p.RequireLowercaseCharacters)) +
		el("RequireUppercaseCharacters", strconv.FormatBool(p.RequireUppercaseCharacters)) +
		el("RequireNumbers", strconv.FormatBool(p.RequireNumbers)) +
		el("RequireSymbols", strconv.FormatBool(p.RequireSymbols)) +
		el("ExpirePasswords", strconv.FormatBool(p.ExpirePasswords))
	if p.MinimumPasswordLength != nil {
		inner += el("MinimumPasswordLength", strconv.Itoa(int(*p.MinimumPasswordLength)))
	}
	if p.MaxPasswordAge != nil {
		inner += el("MaxPasswordAge", strconv.Itoa(int(*p.MaxPasswordAge)))
	}
	if p.PasswordReusePrevention != nil {
		inner += el("PasswordReusePrevention", strconv.Itoa(int(*p.PasswordReusePrevention)))
	}
	return query("GetAccountPasswordPolicy", "<PasswordPolicy>"+inner+"</PasswordPolicy>")
}

func (f *fakeIAM) getAccountSummary(url.Values) *http.Response {
	mfaInUse := 0
	for _, u := range f.users {
		if u.mfa != "" {
			mfaInUse++
		}
	}
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	entries := []struct {
		k string
		v int
	}{
		{"Users", len(f.users)}, {"UsersQuota", 5000}, {"Groups", len(f.groups)}, {"Roles", len(f.roles)},
		{"Policies", len(f.policies)}, {"MFADevices", f.virtualCount()}, {"MFADevicesInUse", mfaInUse},
		{"AccountMFAEnabled", b2i(f.rootMFA != "")}, {"AccountAccessKeysPresent", b2i(f.rootKeys)},
		{"AccountSigningCertificatesPresent", 0}, {"AccountPasswordPresent", 1},
	}
	var b strings.Builder
	for _, e := range entries {
		b.WriteString("<entry>" + el("key", e.k) + el("value", strconv.Itoa(e.v)) + "</entry>")
	}
	return query("GetAccountSummary", "<SummaryMap>"+b.String()+"</SummaryMap>")
}

func (f *fakeIAM) virtualCount() int {
	n := 0
	if f.rootMFA == MFAVirtual {
		n++
	}
	for _, u := range f.users {
		if u.mfa == MFAVirtual {
			n++
		}
	}
	return n + 1 // one unassigned device
}

func virtualSerial(user string) string {
	return "arn:aws:iam::" + testAccount + ":mfa/" + user
}

func hardwareSerial(user string) string {
	return "GAHT" + fmt.Sprintf("%08d", len(user)*7919%100000000)
}

var mfaEnabled = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func (f *fakeIAM) listVirtualMFADevices(form url.Values) *http.Response {
	var items []string
	if f.rootMFA == MFAVirtual {
		items = append(items, el("SerialNumber", virtualSerial("root-account-mfa-device"))+
			"<User>"+el("UserId", testAccount)+el("Arn", "arn:aws:iam::"+testAccount+":root")+el("CreateDate", ts(mfaEnabled))+"</User>"+
			el("EnableDate", ts(mfaEnabled)))
	}
	for _, u := range f.users {
		if u.mfa != MFAVirtual {
			continue
		}
		items = append(items, el("SerialNumber", virtualSerial(u.name))+
			"<User>"+el("Path", "/")+el("UserName", u.name)+el("UserId", u.id)+el("Arn", u.arn)+el("CreateDate", ts(u.created))+"</User>"+
			el("EnableDate", ts(mfaEnabled)))
	}
	items = append(items, el("SerialNumber", virtualSerial("spare")))
	start, end, next := page(form, len(items))
	return query("ListVirtualMFADevices", "<VirtualMFADevices>"+members(items[start:end])+"</VirtualMFADevices>"+truncation(next))
}

func (f *fakeIAM) listMFADevices(form url.Values) *http.Response {
	u := f.user(form.Get("UserName"))
	if u == nil {
		return noSuchEntity("ListMFADevices", "The user with name "+form.Get("UserName")+" cannot be found.")
	}
	var items []string
	switch u.mfa {
	case MFAVirtual:
		items = append(items, el("UserName", u.name)+el("SerialNumber", virtualSerial(u.name))+el("EnableDate", ts(mfaEnabled)))
	case MFAHardware:
		items = append(items, el("UserName", u.name)+el("SerialNumber", hardwareSerial(u.name))+el("EnableDate", ts(mfaEnabled)))
	}
	return query("ListMFADevices", "<MFADevices>"+members(items)+"</MFADevices>"+truncation(""))
}

func (f *fakeIAM) getLoginProfile(form url.Values) *http.Response {
	u := f.user(form.Get("UserName"))
	if u == nil || !u.password {
		return noSuchEntity("GetLoginProfile", "Login Profile for User "+form.Get("UserName")+" cannot be found.")
	}
	return query("GetLoginProfile", "<LoginProfile>"+el("UserName", u.name)+el("CreateDate", ts(u.created))+
		el("PasswordResetRequired", "false")+"</LoginProfile>")
}

func (f *fakeIAM) getAccessKeyLastUsed(form url.Values) *http.Response {
	id := form.Get("AccessKeyId")
	for _, u := range f.users {
		for i, k := range u.keyIDs {
			if k != id {
				continue
			}
			inner := el("UserName", u.name)
			if i == 0 && u.keyLastUsed != nil {
				inner += "<AccessKeyLastUsed>" + el("LastUsedDate", ts(*u.keyLastUsed)) + el("ServiceName", "s3") + el("Region", "us-east-1") + "</AccessKeyLastUsed>"
			} else {
				inner += "<AccessKeyLastUsed>" + el("ServiceName", "N/A") + el("Region", "N/A") + "</AccessKeyLastUsed>"
			}
			return query("GetAccessKeyLastUsed", inner)
		}
	}
	return collectortest.ErrorResponse("iam:GetAccessKeyLastUsed", 403, "AccessDenied", "no such key")
}

func (f *fakeIAM) listSAMLProviders(url.Values) *http.Response {
	var items []string
	for _, name := range f.saml {
		items = append(items, el("Arn", "arn:aws:iam::"+testAccount+":saml-provider/"+name)+
			el("ValidUntil", "2030-01-01T00:00:00Z")+el("CreateDate", "2025-01-01T00:00:00Z"))
	}
	return query("ListSAMLProviders", "<SAMLProviderList>"+members(items)+"</SAMLProviderList>")
}

// --- users, groups, policies the per-resource way -----------------------

func (f *fakeIAM) userGroups(u *fakeUser) []string {
	g := append([]string{}, u.groups...)
	sort.Strings(g)
	return g
}

func (f *fakeIAM) userAttached(u *fakeUser) []string {
	var items []string
	for _, name := range u.attached {
		items = append(items, el("PolicyName", name)+el("PolicyArn", f.policyARN(name)))
	}
	for _, a := range u.awsAttached {
		items = append(items, el("PolicyName", a[strings.LastIndex(a, "/")+1:])+el("PolicyArn", a))
	}
	return items
}

func (f *fakeIAM) listGroupsForUser(form url.Values) *http.Response {
	u := f.user(form.Get("UserName"))
	if u == nil {
		return noSuchEntity("ListGroupsForUser", "no such user")
	}
	var items []string
	for _, g := range f.userGroups(u) {
		items = append(items, f.groupXML(f.group(g)))
	}
	return query("ListGroupsForUser", "<Groups>"+members(items)+"</Groups>"+truncation(""))
}

func (f *fakeIAM) listAttachedUserPolicies(form url.Values) *http.Response {
	u := f.user(form.Get("UserName"))
	if u == nil {
		return noSuchEntity("ListAttachedUserPolicies", "no such user")
	}
	return query("ListAttachedUserPolicies", "<AttachedPolicies>"+members(f.userAttached(u))+"</AttachedPolicies>"+truncation(""))
}

func inlineNames(m map[string]string) string {
	var items []string
	for _, k := range sortedKeys(m) {
		items = append(items, esc(k))
	}
	return "<PolicyNames>" + members(items) + "</PolicyNames>" + truncation("")
}

func (f *fakeIAM) listUserPolicies(form url.Values) *http.Response {
	u := f.user(form.Get("UserName"))
	if u == nil {
		return noSuchEntity("ListUserPolicies", "no such user")
	}
	return query("ListUserPolicies", inlineNames(u.inline))
}

func (f *fakeIAM) getUserPolicy(form url.Values) *http.Response {
	u := f.user(form.Get("UserName"))
	if u == nil || u.inline[form.Get("PolicyName")] == "" {
		return noSuchEntity("GetUserPolicy", "no such policy")
	}
	return query("GetUserPolicy", el("UserName", u.name)+el("PolicyName", form.Get("PolicyName"))+
		el("PolicyDocument", encodeDoc(u.inline[form.Get("PolicyName")])))
}

func (f *fakeIAM) groupXML(g *fakeGroup) string {
	return el("Path", "/") + el("GroupName", g.name) + el("GroupId", "AGPA"+strings.ToUpper(g.name)) +
		el("Arn", "arn:aws:iam::"+testAccount+":group/"+g.name) + el("CreateDate", ts(g.created))
}

func (f *fakeIAM) listGroups(form url.Values) *http.Response {
	var items []string
	for _, g := range f.groups {
		items = append(items, f.groupXML(g))
	}
	start, end, next := page(form, len(items))
	return query("ListGroups", "<Groups>"+members(items[start:end])+"</Groups>"+truncation(next))
}

func (f *fakeIAM) groupMembers(name string) []*fakeUser {
	var out []*fakeUser
	for _, u := range f.users {
		for _, g := range u.groups {
			if g == name {
				out = append(out, u)
			}
		}
	}
	return out
}

func userXML(u *fakeUser) string {
	path := u.path
	if path == "" {
		path = "/"
	}
	return el("Path", path) + el("UserName", u.name) + el("UserId", u.id) + el("Arn", u.arn) + el("CreateDate", ts(u.created))
}

func (f *fakeIAM) getGroup(form url.Values) *http.Response {
	g := f.group(form.Get("GroupName"))
	if g == nil {
		return noSuchEntity("GetGroup", "no such group")
	}
	var items []string
	for _, u := range f.groupMembers(g.name) {
		items = append(items, userXML(u))
	}
	start, end, next := page(form, len(items))
	return query("GetGroup", "<Group>"+f.groupXML(g)+"</Group><Users>"+members(items[start:end])+"</Users>"+truncation(next))
}

func (f *fakeIAM) listAttachedGroupPolicies(form url.Values) *http.Response {
	g := f.group(form.Get("GroupName"))
	if g == nil {
		return noSuchEntity("ListAttachedGroupPolicies", "no such group")
	}
	var items []string
	for _, a := range g.awsAttached {
		items = append(items, el("PolicyName", a[strings.LastIndex(a, "/")+1:])+el("PolicyArn", a))
	}
	return query("ListAttachedGroupPolicies", "<AttachedPolicies>"+members(items)+"</AttachedPolicies>"+truncation(""))
}

func (f *fakeIAM) listGroupPolicies(form url.Values) *http.Response {
	g := f.group(form.Get("GroupName"))
	if g == nil {
		return noSuchEntity("ListGroupPolicies", "no such group")
	}
	return query("ListGroupPolicies", inlineNames(g.inline))
}

func (f *fakeIAM) getGroupPolicy(form url.Values) *http.Response {
	g := f.group(form.Get("GroupName"))
	if g == nil || g.inline[form.Get("PolicyName")] == "" {
		return noSuchEntity("GetGroupPolicy", "no such policy")
	}
	return query("GetGroupPolicy", el("GroupName", g.name)+el("PolicyName", form.Get("PolicyName"))+
		el("PolicyDocument", encodeDoc(g.inline[form.Get("PolicyName")])))
}

func (f *fakeIAM) getPolicyVersion(form url.Values) *http.Response {
	for _, p := range f.policies {
		if p.arn == form.Get("PolicyArn") && form.Get("VersionId") == "v1" {
			return query("GetPolicyVersion", "<PolicyVersion>"+el("Document", encodeDoc(p.doc))+el("VersionId", "v1")+
				el("IsDefaultVersion", "true")+el("CreateDate", ts(p.created))+"</PolicyVersion>")
		}
	}
	return noSuchEntity("GetPolicyVersion", "no such policy version")
}

// attachmentCount counts user and role attachments of a customer-managed
// policy (groups carry AWS-managed policies only in the model).
func (f *fakeIAM) attachmentCount(name string) int {
	n := 0
	for _, u := range f.users {
		for _, a := range u.attached {
			if a == name {
				n++
			}
		}
	}
	for _, r := range f.roles {
		for _, a := range r.attached {
			if a == name {
				n++
			}
		}
	}
	return n
}

// --- GetAccountAuthorizationDetails -------------------------------------

// getAccountAuthorizationDetails pages over users, then groups, roles and
// policies; every entity counts against MaxItems.
func (f *fakeIAM) getAccountAuthorizationDetails(form url.Values) *http.Response {
	want := map[string]bool{}
	for k, v := range form {
		if strings.HasPrefix(k, "Filter.member.") && len(v) > 0 {
			want[v[0]] = true
		}
	}
	all := len(want) == 0
	type entity struct{ list, xml string }
	var ents []entity
	if all || want["User"] {
		for _, u := range f.users {
			ents = append(ents, entity{"UserDetailList", f.userDetail(u)})
		}
	}
	if all || want["Group"] {
		for _, g := range f.groups {
			ents = append(ents, entity{"GroupDetailList", f.groupDetail(g)})
		}
	}
	if all || want["Role"] {
		for _, r := range f.roles {
			ents = append(ents, entity{"RoleDetailList", f.roleDetail(r)})
		}
	}
	if all || want["LocalManagedPolicy"] {
		for _, p := range f.policies {
			ents = append(ents, entity{"Policies", f.policyDetail(p)})
		}
	}
	start, end, next := page(form, len(ents))
	lists := map[string][]string{}
	for _, e := range ents[start:end] {
		lists[e.list] = append(lists[e.list], e.xml)
	}
	var b strings.Builder
	for _, l := range []string{"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"} {
		b.WriteString("<" + l + ">" + members(lists[l]) + "</" + l + ">")
	}
	b.WriteString(truncation(next))
	return query("GetAccountAuthorizationDetails", b.String())
}

func inlineDetailXML(m map[string]string) string {
	var items []string
	for _, k := range sortedKeys(m) {
		items = append(items, el("PolicyName", k)+el("PolicyDocument", encodeDoc(m[k])))
	}
	return members(items)
}

func tagsXML(tags map[string]string) string {
	var items []string
	for _, k := range sortedKeys(tags) {
		items = append(items, el("Key", k)+el("Value", tags[k]))
	}
	return members(items)
}

func (f *fakeIAM) userDetail(u *fakeUser) string {
	var groups []string
	for _, g := range f.userGroups(u) {
		groups = append(groups, esc(g))
	}
	return userXML(u) +
		"<UserPolicyList>" + inlineDetailXML(u.inline) + "</UserPolicyList>" +
		"<GroupList>" + members(groups) + "</GroupList>" +
		"<AttachedManagedPolicies>" + members(f.userAttached(u)) + "</AttachedManagedPolicies>" +
		"<Tags>" + tagsXML(u.tags) + "</Tags>"
}

func (f *fakeIAM) groupDetail(g *fakeGroup) string {
	var att []string
	for _, a := range g.awsAttached {
		att = append(att, el("PolicyName", a[strings.LastIndex(a, "/")+1:])+el("PolicyArn", a))
	}
	return f.groupXML(g) +
		"<GroupPolicyList>" + inlineDetailXML(g.inline) + "</GroupPolicyList>" +
		"<AttachedManagedPolicies>" + members(att) + "</AttachedManagedPolicies>"
}

func (f *fakeIAM) roleDetail(r *fakeRole) string {
	path := r.path
	if path == "" {
		path = "/"
	}
	var att []string
	for _, name := range r.attached {
		att = append(att, el("PolicyName", name)+el("PolicyArn", f.policyARN(name)))
	}
	var profiles []string
	if r.profileARN != "" {
		profiles = append(profiles, el("Path", "/")+el("InstanceProfileName", r.name)+el("InstanceProfileId", "AIPA"+strings.ToUpper(r.name))+
			el("Arn", r.profileARN)+el("CreateDate", ts(r.created))+"<Roles></Roles>")
	}
	return el("Path", path) + el("RoleName", r.name) + el("RoleId", r.id) + el("Arn", r.arn) + el("CreateDate", ts(r.created)) +
		el("AssumeRolePolicyDocument", encodeDoc(r.trust)) +
		"<InstanceProfileList>" + members(profiles) + "</InstanceProfileList>" +
		"<RolePolicyList>" + inlineDetailXML(r.inline) + "</RolePolicyList>" +
		"<AttachedManagedPolicies>" + members(att) + "</AttachedManagedPolicies>" +
		"<Tags></Tags><RoleLastUsed></RoleLastUsed>"
}

func (f *fakeIAM) policyDetail(p *fakePolicy) string {
	doc := encodeDoc(p.doc)
	if p.badDetail {
		doc = "%7Bnot-json"
	}
	return el("PolicyName", p.name) + el("PolicyId", p.id) + el("Arn", p.arn) + el("Path", "/") +
		el("DefaultVersionId", "v1") + el("AttachmentCount", strconv.Itoa(f.attachmentCount(p.name))) +
		el("IsAttachable", "true") + el("CreateDate", ts(p.created)) + el("UpdateDate", ts(p.updated)) +
		"<PolicyVersionList><member>" + el("Document", doc) + el("VersionId", "v1") +
		el("IsDefaultVersion", "true") + el("CreateDate", ts(p.created)) + "</member></PolicyVersionList>"
}
