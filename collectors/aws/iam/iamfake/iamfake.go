package iamfake

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamapi "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
)

// The MFA device kinds of the model; the same words the IAM collector's
// payload uses.
const (
	// MFAVirtual is a virtual (authenticator app) device.
	MFAVirtual = "virtual"
	// MFAHardware is a hardware TOTP token.
	MFAHardware = "hardware"
)

// User is one user of the model. Fields below "kumo" are filled from
// kumo's responses when seeding.
type User struct {
	// Name is the user name.
	Name string
	// Path is the user's path; empty means "/".
	Path string
	// Tags are the user's tags.
	Tags map[string]string
	// Password gives the user a console password (a login profile).
	Password bool
	// PasswordLastUsed is the report's password_last_used.
	PasswordLastUsed *time.Time
	// MFA is "", MFAVirtual or MFAHardware.
	MFA string
	// Keys is how many access keys to create (0..2); the second is inactive.
	Keys int
	// KeyLastUsed is the last use of the first key, if any.
	KeyLastUsed *time.Time
	// KeysRotated, when set, are the access keys' creation dates the
	// credential report gives (access_key_N_last_rotated) in place of
	// kumo's, which are the moment of seeding: a way to model old keys.
	KeysRotated []time.Time
	// Groups names the groups of the model the user is in.
	Groups []string
	// Attached names customer-managed policies of the model.
	Attached []string
	// AWSAttached lists AWS-managed policy ARNs (served by stubs only).
	AWSAttached []string
	// Inline maps inline policy names to documents (served by stubs only).
	Inline map[string]string
	// NotInReport leaves the user out of the credential report, as for a
	// user created after the report was generated.
	NotInReport bool

	// kumo

	// ID and ARN are kumo's user id and ARN.
	ID, ARN string
	// Created is kumo's creation date.
	Created time.Time
	// KeyIDs and KeyCreated are kumo's access key ids and creation dates.
	KeyIDs     []string
	KeyCreated []time.Time
}

// keyRotated returns the creation date the credential report gives key i.
func (u *User) keyRotated(i int) time.Time {
	if i < len(u.KeysRotated) {
		return u.KeysRotated[i]
	}
	return u.KeyCreated[i]
}

// Group is a group of the model (served by stubs only: kumo has no groups).
type Group struct {
	// Name is the group name.
	Name string
	// AWSAttached lists AWS-managed policy ARNs.
	AWSAttached []string
	// Inline maps inline policy names to documents.
	Inline map[string]string
	// Created is the group's creation date.
	Created time.Time
}

// Role is a role of the model. Fields below "kumo" are filled when seeding.
type Role struct {
	// Name is the role name.
	Name string
	// Path is the role's path; empty means "/".
	Path string
	// Trust is the trust (assume-role) policy document.
	Trust string
	// Attached names customer-managed policies of the model.
	Attached []string
	// Inline maps inline policy names to documents.
	Inline map[string]string
	// InstanceProfile puts the role in an instance profile of its name.
	InstanceProfile bool

	// kumo

	// ID and ARN are kumo's role id and ARN.
	ID, ARN string
	// Created is kumo's creation date.
	Created time.Time
	// InstanceProfileARN is kumo's instance profile ARN.
	InstanceProfileARN string
}

// Policy is a customer-managed policy of the model. Fields below "kumo" are
// filled when seeding.
type Policy struct {
	// Name is the policy name.
	Name string
	// Document is the policy document (its only version, v1).
	Document string
	// BadDetail makes GetAccountAuthorizationDetails return an undecodable
	// document for the policy.
	BadDetail bool

	// kumo

	// ID and ARN are kumo's policy id and ARN.
	ID, ARN string
	// Created and Updated are kumo's dates.
	Created, Updated time.Time
}

// Account is the model of an account's IAM.
type Account struct {
	// ID is the account id used in the ARNs the stubs build; empty means
	// collectortest.DefaultAccount.
	ID string
	// Users, Groups, Roles and Policies are the account's entities.
	Users    []*User
	Groups   []*Group
	Roles    []*Role
	Policies []*Policy
	// SAMLProviders names SAML identity providers (served by stubs only).
	SAMLProviders []string
	// OIDCProviders lists OpenID Connect provider URLs (created in kumo).
	OIDCProviders []string
	// PasswordPolicy is nil for an account without one (NoSuchEntity).
	PasswordPolicy *types.PasswordPolicy
	// RootMFA is "", MFAVirtual or MFAHardware.
	RootMFA string
	// RootAccessKeys gives the root user an active access key.
	RootAccessKeys bool
	// ReportTime is the credential report's generation time.
	ReportTime time.Time
	// ReportPolls is how many GenerateCredentialReport calls answer before
	// COMPLETE.
	ReportPolls int

	mu          sync.Mutex
	reportCalls int
}

// accountID returns the account id the stubs put in ARNs.
func (f *Account) accountID() string {
	if f.ID != "" {
		return f.ID
	}
	return collectortest.DefaultAccount
}

// Seed creates in kumo, through the SDK with cfg, what kumo implements
// (policies, users with access keys and attachments, roles with inline and
// attached policies and instance profiles, OIDC providers) and records
// kumo's ids and dates in the model.
func (f *Account) Seed(ctx context.Context, cfg aws.Config) error {
	c := iamapi.NewFromConfig(cfg)
	for _, p := range f.Policies {
		out, err := c.CreatePolicy(ctx, &iamapi.CreatePolicyInput{PolicyName: aws.String(p.Name), PolicyDocument: aws.String(p.Document)})
		if err != nil {
			return fmt.Errorf("create policy %s: %w", p.Name, err)
		}
		p.ARN, p.ID = aws.ToString(out.Policy.Arn), aws.ToString(out.Policy.PolicyId)
		p.Created, p.Updated = aws.ToTime(out.Policy.CreateDate), aws.ToTime(out.Policy.UpdateDate)
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
	for _, u := range f.Users {
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
	for _, r := range f.Roles {
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
		return err
	default:
	}
	for _, url := range f.OIDCProviders {
		if _, err := c.CreateOpenIDConnectProvider(ctx, &iamapi.CreateOpenIDConnectProviderInput{
			Url: aws.String(url), ClientIDList: []string{"sts.amazonaws.com"}, ThumbprintList: []string{strings.Repeat("a", 40)},
		}); err != nil {
			return fmt.Errorf("create OIDC provider %s: %w", url, err)
		}
	}
	return nil
}

// isNoSuchEntity reports whether err is IAM's NoSuchEntity.
func isNoSuchEntity(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "NoSuchEntity"
}

// Teardown deletes from kumo what Seed created. kumo keeps one IAM state
// per process, shared by every emulator, so a test that seeds must leave it
// empty. Entities already gone are not an error.
func (f *Account) Teardown(ctx context.Context, cfg aws.Config) error {
	c := iamapi.NewFromConfig(cfg)
	var (
		emu  sync.Mutex
		errs []error
	)
	check := func(what string, err error) {
		if err != nil && !isNoSuchEntity(err) {
			emu.Lock()
			errs = append(errs, fmt.Errorf("teardown: %s: %w", what, err))
			emu.Unlock()
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
	for _, u := range f.Users {
		if u.ARN == "" {
			continue
		}
		parallel(func() { f.teardownUser(ctx, c, u, check) })
	}
	for _, r := range f.Roles {
		if r.ARN == "" {
			continue
		}
		parallel(func() { f.teardownRole(ctx, c, r, check) })
	}
	wg.Wait()
	for _, p := range f.Policies {
		if p.ARN == "" {
			continue
		}
		_, err := c.DeletePolicy(ctx, &iamapi.DeletePolicyInput{PolicyArn: aws.String(p.ARN)})
		check("delete policy "+p.Name, err)
	}
	list, err := c.ListOpenIDConnectProviders(ctx, &iamapi.ListOpenIDConnectProvidersInput{})
	check("list OIDC providers", err)
	if err == nil {
		for _, p := range list.OpenIDConnectProviderList {
			_, err := c.DeleteOpenIDConnectProvider(ctx, &iamapi.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: p.Arn})
			check("delete OIDC provider", err)
		}
	}
	return errors.Join(errs...)
}

func (f *Account) teardownUser(ctx context.Context, c *iamapi.Client, u *User, check func(string, error)) {
	for _, k := range u.KeyIDs {
		_, err := c.DeleteAccessKey(ctx, &iamapi.DeleteAccessKeyInput{UserName: aws.String(u.Name), AccessKeyId: aws.String(k)})
		check("delete key of "+u.Name, err)
	}
	for _, name := range u.Attached {
		_, err := c.DetachUserPolicy(ctx, &iamapi.DetachUserPolicyInput{UserName: aws.String(u.Name), PolicyArn: aws.String(f.policyARN(name))})
		check("detach from "+u.Name, err)
	}
	_, err := c.DeleteUser(ctx, &iamapi.DeleteUserInput{UserName: aws.String(u.Name)})
	check("delete user "+u.Name, err)
}

func (f *Account) teardownRole(ctx context.Context, c *iamapi.Client, r *Role, check func(string, error)) {
	for _, name := range r.Attached {
		_, err := c.DetachRolePolicy(ctx, &iamapi.DetachRolePolicyInput{RoleName: aws.String(r.Name), PolicyArn: aws.String(f.policyARN(name))})
		check("detach from "+r.Name, err)
	}
	for _, name := range sorted.Keys(r.Inline) {
		_, err := c.DeleteRolePolicy(ctx, &iamapi.DeleteRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(name)})
		check("delete inline policy of "+r.Name, err)
	}
	if r.InstanceProfileARN != "" {
		_, err := c.RemoveRoleFromInstanceProfile(ctx, &iamapi.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String(r.Name), RoleName: aws.String(r.Name)})
		check("remove "+r.Name+" from its profile", err)
		_, err = c.DeleteInstanceProfile(ctx, &iamapi.DeleteInstanceProfileInput{InstanceProfileName: aws.String(r.Name)})
		check("delete profile "+r.Name, err)
	}
	_, err := c.DeleteRole(ctx, &iamapi.DeleteRoleInput{RoleName: aws.String(r.Name)})
	check("delete role "+r.Name, err)
}

func (f *Account) seedUser(ctx context.Context, c *iamapi.Client, u *User) error {
	in := &iamapi.CreateUserInput{UserName: aws.String(u.Name)}
	if u.Path != "" {
		in.Path = aws.String(u.Path)
	}
	for _, k := range sorted.Keys(u.Tags) {
		in.Tags = append(in.Tags, types.Tag{Key: aws.String(k), Value: aws.String(u.Tags[k])})
	}
	out, err := c.CreateUser(ctx, in)
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Name, err)
	}
	u.ID, u.ARN, u.Created = aws.ToString(out.User.UserId), aws.ToString(out.User.Arn), aws.ToTime(out.User.CreateDate)
	for i := 0; i < u.Keys; i++ {
		k, err := c.CreateAccessKey(ctx, &iamapi.CreateAccessKeyInput{UserName: aws.String(u.Name)})
		if err != nil {
			return fmt.Errorf("create access key for %s: %w", u.Name, err)
		}
		u.KeyIDs = append(u.KeyIDs, aws.ToString(k.AccessKey.AccessKeyId))
		u.KeyCreated = append(u.KeyCreated, aws.ToTime(k.AccessKey.CreateDate))
	}
	for _, name := range u.Attached {
		if _, err := c.AttachUserPolicy(ctx, &iamapi.AttachUserPolicyInput{UserName: aws.String(u.Name), PolicyArn: aws.String(f.policyARN(name))}); err != nil {
			return fmt.Errorf("attach %s to %s: %w", name, u.Name, err)
		}
	}
	return nil
}

func (f *Account) seedRole(ctx context.Context, c *iamapi.Client, r *Role) error {
	in := &iamapi.CreateRoleInput{RoleName: aws.String(r.Name), AssumeRolePolicyDocument: aws.String(r.Trust)}
	if r.Path != "" {
		in.Path = aws.String(r.Path)
	}
	out, err := c.CreateRole(ctx, in)
	if err != nil {
		return fmt.Errorf("create role %s: %w", r.Name, err)
	}
	r.ID, r.ARN, r.Created = aws.ToString(out.Role.RoleId), aws.ToString(out.Role.Arn), aws.ToTime(out.Role.CreateDate)
	for _, name := range r.Attached {
		if _, err := c.AttachRolePolicy(ctx, &iamapi.AttachRolePolicyInput{RoleName: aws.String(r.Name), PolicyArn: aws.String(f.policyARN(name))}); err != nil {
			return fmt.Errorf("attach %s to %s: %w", name, r.Name, err)
		}
	}
	for _, name := range sorted.Keys(r.Inline) {
		if _, err := c.PutRolePolicy(ctx, &iamapi.PutRolePolicyInput{RoleName: aws.String(r.Name), PolicyName: aws.String(name), PolicyDocument: aws.String(r.Inline[name])}); err != nil {
			return fmt.Errorf("put %s on %s: %w", name, r.Name, err)
		}
	}
	if r.InstanceProfile {
		ip, err := c.CreateInstanceProfile(ctx, &iamapi.CreateInstanceProfileInput{InstanceProfileName: aws.String(r.Name)})
		if err != nil {
			return fmt.Errorf("create instance profile %s: %w", r.Name, err)
		}
		r.InstanceProfileARN = aws.ToString(ip.InstanceProfile.Arn)
		if _, err := c.AddRoleToInstanceProfile(ctx, &iamapi.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(r.Name), RoleName: aws.String(r.Name)}); err != nil {
			return fmt.Errorf("add %s to its instance InstanceProfile: %w", r.Name, err)
		}
	}
	return nil
}

func (f *Account) policyARN(name string) string {
	for _, p := range f.Policies {
		if p.Name == name {
			return p.ARN
		}
	}
	panic("fake: no policy " + name)
}

func (f *Account) user(name string) *User {
	for _, u := range f.Users {
		if u.Name == name {
			return u
		}
	}
	return nil
}

func (f *Account) group(name string) *Group {
	for _, g := range f.Groups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// Stubs returns the handler of every call kumo lacks, keyed as
// collectortest.Transport.Stub expects.
func (f *Account) Stubs() map[string]collectortest.Handler {
	out := map[string]collectortest.Handler{}
	for key, h := range f.handlers() {
		out[key] = wrap(h)
	}
	return out
}

// handlers returns the model's answer to every call kumo lacks.
func (f *Account) handlers() map[string]func(url.Values) *http.Response {
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

// Install stubs every call kumo lacks on tr.
func (f *Account) Install(tr *collectortest.Transport) {
	for key, h := range f.Stubs() {
		tr.Stub(key, h)
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

func (f *Account) generateCredentialReport(url.Values) *http.Response {
	f.mu.Lock()
	f.reportCalls++
	n := f.reportCalls
	f.mu.Unlock()
	state := "COMPLETE"
	if n <= f.ReportPolls {
		state = "INPROGRESS"
		if n == 1 {
			state = "STARTED"
		}
	}
	return query("GenerateCredentialReport", el("State", state)+el("Description", "report state"))
}

// reportCSV renders the credential report as IAM documents it.
func (f *Account) reportCSV() string {
	var b strings.Builder
	b.WriteString("user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n")
	rootKeys := "false,N/A,N/A,N/A,N/A"
	if f.RootAccessKeys {
		rootKeys = "true,2026-01-02T03:04:05+00:00,N/A,N/A,N/A"
	}
	fmt.Fprintf(&b, "<root_account>,arn:aws:iam::%s:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-01T10:00:00+00:00,not_supported,not_supported,%t,%s,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n",
		f.accountID(), f.RootMFA != "", rootKeys)
	users := append([]*User{}, f.Users...)
	sort.Slice(users, func(i, j int) bool { return users[i].Name < users[j].Name })
	for _, u := range users {
		if u.NotInReport {
			continue
		}
		pwUsed, pwChanged, pwNext := "N/A", "N/A", "N/A"
		if u.Password {
			pwUsed, pwChanged, pwNext = "no_information", ts(u.Created), ts(u.Created.AddDate(0, 0, 90))
			if u.PasswordLastUsed != nil {
				pwUsed = ts(*u.PasswordLastUsed)
			}
		}
		key := func(i int) string {
			if i >= len(u.KeyIDs) {
				return "false,N/A,N/A,N/A,N/A"
			}
			active := i == 0
			if i == 0 && u.KeyLastUsed != nil {
				return fmt.Sprintf("%t,%s,%s,us-east-1,s3", active, ts(u.keyRotated(i)), ts(*u.KeyLastUsed))
			}
			return fmt.Sprintf("%t,%s,N/A,N/A,N/A", active, ts(u.keyRotated(i)))
		}
		fmt.Fprintf(&b, "%s,%s,%s,%t,%s,%s,%s,%t,%s,%s,false,N/A,false,N/A\n",
			u.Name, u.ARN, ts(u.Created), u.Password, pwUsed, pwChanged, pwNext, u.MFA != "", key(0), key(1))
	}
	return b.String()
}

func (f *Account) getCredentialReport(url.Values) *http.Response {
	content := base64.StdEncoding.EncodeToString([]byte(f.reportCSV()))
	return query("GetCredentialReport", el("Content", content)+el("ReportFormat", "text/csv")+el("GeneratedTime", ts(f.ReportTime)))
}

func (f *Account) getAccountPasswordPolicy(url.Values) *http.Response {
	p := f.PasswordPolicy
	if p == nil {
		return noSuchEntity("GetAccountPasswordPolicy", "The Password Policy with domain name "+f.accountID()+" cannot be found.")
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

func (f *Account) getAccountSummary(url.Values) *http.Response {
	mfaInUse := 0
	for _, u := range f.Users {
		if u.MFA != "" {
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
		{"Users", len(f.Users)}, {"UsersQuota", 5000}, {"Groups", len(f.Groups)}, {"Roles", len(f.Roles)},
		{"Policies", len(f.Policies)}, {"MFADevices", f.VirtualMFADevices()}, {"MFADevicesInUse", mfaInUse},
		{"AccountMFAEnabled", b2i(f.RootMFA != "")}, {"AccountAccessKeysPresent", b2i(f.RootAccessKeys)},
		{"AccountSigningCertificatesPresent", 0}, {"AccountPasswordPresent", 1},
	}
	var b strings.Builder
	for _, e := range entries {
		b.WriteString("<entry>" + el("key", e.k) + el("value", strconv.Itoa(e.v)) + "</entry>")
	}
	return query("GetAccountSummary", "<SummaryMap>"+b.String()+"</SummaryMap>")
}

// VirtualMFADevices returns how many virtual MFA devices
// ListVirtualMFADevices lists: the root user's and users' virtual devices,
// and one unassigned spare.
func (f *Account) VirtualMFADevices() int {
	n := 0
	if f.RootMFA == MFAVirtual {
		n++
	}
	for _, u := range f.Users {
		if u.MFA == MFAVirtual {
			n++
		}
	}
	return n + 1 // one unassigned device
}

func (f *Account) virtualSerial(user string) string {
	return "arn:aws:iam::" + f.accountID() + ":mfa/" + user
}

func hardwareSerial(user string) string {
	return "GAHT" + fmt.Sprintf("%08d", len(user)*7919%100000000)
}

var mfaEnabled = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func (f *Account) listVirtualMFADevices(form url.Values) *http.Response {
	var items []string
	if f.RootMFA == MFAVirtual {
		items = append(items, el("SerialNumber", f.virtualSerial("root-account-mfa-device"))+
			"<User>"+el("UserId", f.accountID())+el("Arn", "arn:aws:iam::"+f.accountID()+":root")+el("CreateDate", ts(mfaEnabled))+"</User>"+
			el("EnableDate", ts(mfaEnabled)))
	}
	for _, u := range f.Users {
		if u.MFA != MFAVirtual {
			continue
		}
		items = append(items, el("SerialNumber", f.virtualSerial(u.Name))+
			"<User>"+el("Path", "/")+el("UserName", u.Name)+el("UserId", u.ID)+el("Arn", u.ARN)+el("CreateDate", ts(u.Created))+"</User>"+
			el("EnableDate", ts(mfaEnabled)))
	}
	items = append(items, el("SerialNumber", f.virtualSerial("spare")))
	start, end, next := page(form, len(items))
	return query("ListVirtualMFADevices", "<VirtualMFADevices>"+members(items[start:end])+"</VirtualMFADevices>"+truncation(next))
}

func (f *Account) listMFADevices(form url.Values) *http.Response {
	u := f.user(form.Get("UserName"))
	if u == nil {
		return noSuchEntity("ListMFADevices", "The user with name "+form.Get("UserName")+" cannot be found.")
	}
	var items []string
	switch u.MFA {
	case MFAVirtual:
		items = append(items, el("UserName", u.Name)+el("SerialNumber", f.virtualSerial(u.Name))+el("EnableDate", ts(mfaEnabled)))
	case MFAHardware:
		items = append(items, el("UserName", u.Name)+el("SerialNumber", hardwareSerial(u.Name))+el("EnableDate", ts(mfaEnabled)))
	}
	return query("ListMFADevices", "<MFADevices>"+members(items)+"</MFADevices>"+truncation(""))
}

func (f *Account) getLoginProfile(form url.Values) *http.Response {
	u := f.user(form.Get("UserName"))
	if u == nil || !u.Password {
		return noSuchEntity("GetLoginProfile", "Login Profile for User "+form.Get("UserName")+" cannot be found.")
	}
	return query("GetLoginProfile", "<LoginProfile>"+el("UserName", u.Name)+el("CreateDate", ts(u.Created))+
		el("PasswordResetRequired", "false")+"</LoginProfile>")
}

func (f *Account) getAccessKeyLastUsed(form url.Values) *http.Response {
	id := form.Get("AccessKeyId")
	for _, u := range f.Users {
		for i, k := range u.KeyIDs {
			if k != id {
				continue
			}
			inner := el("UserName", u.Name)
			if i == 0 && u.KeyLastUsed != nil {
				inner += "<AccessKeyLastUsed>" + el("LastUsedDate", ts(*u.KeyLastUsed)) + el("ServiceName", "s3") + el("Region", "us-east-1") + "</AccessKeyLastUsed>"
			} else {
				inner += "<AccessKeyLastUsed>" + el("ServiceName", "N/A") + el("Region", "N/A") + "</AccessKeyLastUsed>"
			}
			return query("GetAccessKeyLastUsed", inner)
		}
	}
	return collectortest.ErrorResponse("iam:GetAccessKeyLastUsed", 403, "AccessDenied", "no such key")
}

func (f *Account) listSAMLProviders(url.Values) *http.Response {
	var items []string
	for _, name := range f.SAMLProviders {
		items = append(items, el("Arn", "arn:aws:iam::"+f.accountID()+":saml-provider/"+name)+
			el("ValidUntil", "2030-01-01T00:00:00Z")+el("CreateDate", "2025-01-01T00:00:00Z"))
	}
	return query("ListSAMLProviders", "<SAMLProviderList>"+members(items)+"</SAMLProviderList>")
}

// --- users, groups, policies the per-resource way -----------------------

func (f *Account) userGroups(u *User) []string {
	g := append([]string{}, u.Groups...)
	sort.Strings(g)
	return g
}

func (f *Account) userAttached(u *User) []string {
	var items []string
	for _, name := range u.Attached {
		items = append(items, el("PolicyName", name)+el("PolicyArn", f.policyARN(name)))
	}
	for _, a := range u.AWSAttached {
		items = append(items, el("PolicyName", a[strings.LastIndex(a, "/")+1:])+el("PolicyArn", a))
	}
	return items
}

func (f *Account) listGroupsForUser(form url.Values) *http.Response {
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

func (f *Account) listAttachedUserPolicies(form url.Values) *http.Response {
	u := f.user(form.Get("UserName"))
	if u == nil {
		return noSuchEntity("ListAttachedUserPolicies", "no such user")
	}
	return query("ListAttachedUserPolicies", "<AttachedPolicies>"+members(f.userAttached(u))+"</AttachedPolicies>"+truncation(""))
}

func inlineNames(m map[string]string) string {
	var items []string
	for _, k := range sorted.Keys(m) {
		items = append(items, esc(k))
	}
	return "<PolicyNames>" + members(items) + "</PolicyNames>" + truncation("")
}

func (f *Account) listUserPolicies(form url.Values) *http.Response {
	u := f.user(form.Get("UserName"))
	if u == nil {
		return noSuchEntity("ListUserPolicies", "no such user")
	}
	return query("ListUserPolicies", inlineNames(u.Inline))
}

func (f *Account) getUserPolicy(form url.Values) *http.Response {
	u := f.user(form.Get("UserName"))
	if u == nil || u.Inline[form.Get("PolicyName")] == "" {
		return noSuchEntity("GetUserPolicy", "no such policy")
	}
	return query("GetUserPolicy", el("UserName", u.Name)+el("PolicyName", form.Get("PolicyName"))+
		el("PolicyDocument", encodeDoc(u.Inline[form.Get("PolicyName")])))
}

func (f *Account) groupXML(g *Group) string {
	return el("Path", "/") + el("GroupName", g.Name) + el("GroupId", "AGPA"+strings.ToUpper(g.Name)) +
		el("Arn", "arn:aws:iam::"+f.accountID()+":group/"+g.Name) + el("CreateDate", ts(g.Created))
}

func (f *Account) listGroups(form url.Values) *http.Response {
	var items []string
	for _, g := range f.Groups {
		items = append(items, f.groupXML(g))
	}
	start, end, next := page(form, len(items))
	return query("ListGroups", "<Groups>"+members(items[start:end])+"</Groups>"+truncation(next))
}

func (f *Account) groupMembers(name string) []*User {
	var out []*User
	for _, u := range f.Users {
		for _, g := range u.Groups {
			if g == name {
				out = append(out, u)
			}
		}
	}
	return out
}

func userXML(u *User) string {
	path := u.Path
	if path == "" {
		path = "/"
	}
	return el("Path", path) + el("UserName", u.Name) + el("UserId", u.ID) + el("Arn", u.ARN) + el("CreateDate", ts(u.Created))
}

func (f *Account) getGroup(form url.Values) *http.Response {
	g := f.group(form.Get("GroupName"))
	if g == nil {
		return noSuchEntity("GetGroup", "no such group")
	}
	var items []string
	for _, u := range f.groupMembers(g.Name) {
		items = append(items, userXML(u))
	}
	start, end, next := page(form, len(items))
	return query("GetGroup", "<Group>"+f.groupXML(g)+"</Group><Users>"+members(items[start:end])+"</Users>"+truncation(next))
}

func (f *Account) listAttachedGroupPolicies(form url.Values) *http.Response {
	g := f.group(form.Get("GroupName"))
	if g == nil {
		return noSuchEntity("ListAttachedGroupPolicies", "no such group")
	}
	var items []string
	for _, a := range g.AWSAttached {
		items = append(items, el("PolicyName", a[strings.LastIndex(a, "/")+1:])+el("PolicyArn", a))
	}
	return query("ListAttachedGroupPolicies", "<AttachedPolicies>"+members(items)+"</AttachedPolicies>"+truncation(""))
}

func (f *Account) listGroupPolicies(form url.Values) *http.Response {
	g := f.group(form.Get("GroupName"))
	if g == nil {
		return noSuchEntity("ListGroupPolicies", "no such group")
	}
	return query("ListGroupPolicies", inlineNames(g.Inline))
}

func (f *Account) getGroupPolicy(form url.Values) *http.Response {
	g := f.group(form.Get("GroupName"))
	if g == nil || g.Inline[form.Get("PolicyName")] == "" {
		return noSuchEntity("GetGroupPolicy", "no such policy")
	}
	return query("GetGroupPolicy", el("GroupName", g.Name)+el("PolicyName", form.Get("PolicyName"))+
		el("PolicyDocument", encodeDoc(g.Inline[form.Get("PolicyName")])))
}

func (f *Account) getPolicyVersion(form url.Values) *http.Response {
	for _, p := range f.Policies {
		if p.ARN == form.Get("PolicyArn") && form.Get("VersionId") == "v1" {
			return query("GetPolicyVersion", "<PolicyVersion>"+el("Document", encodeDoc(p.Document))+el("VersionId", "v1")+
				el("IsDefaultVersion", "true")+el("CreateDate", ts(p.Created))+"</PolicyVersion>")
		}
	}
	return noSuchEntity("GetPolicyVersion", "no such policy version")
}

// attachmentCount counts user and role attachments of a customer-managed
// policy (groups carry AWS-managed policies only in the model).
func (f *Account) attachmentCount(name string) int {
	n := 0
	for _, u := range f.Users {
		for _, a := range u.Attached {
			if a == name {
				n++
			}
		}
	}
	for _, r := range f.Roles {
		for _, a := range r.Attached {
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
func (f *Account) getAccountAuthorizationDetails(form url.Values) *http.Response {
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
		for _, u := range f.Users {
			ents = append(ents, entity{"UserDetailList", f.userDetail(u)})
		}
	}
	if all || want["Group"] {
		for _, g := range f.Groups {
			ents = append(ents, entity{"GroupDetailList", f.groupDetail(g)})
		}
	}
	if all || want["Role"] {
		for _, r := range f.Roles {
			ents = append(ents, entity{"RoleDetailList", f.roleDetail(r)})
		}
	}
	if all || want["LocalManagedPolicy"] {
		for _, p := range f.Policies {
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
	for _, k := range sorted.Keys(m) {
		items = append(items, el("PolicyName", k)+el("PolicyDocument", encodeDoc(m[k])))
	}
	return members(items)
}

func tagsXML(tags map[string]string) string {
	var items []string
	for _, k := range sorted.Keys(tags) {
		items = append(items, el("Key", k)+el("Value", tags[k]))
	}
	return members(items)
}

func (f *Account) userDetail(u *User) string {
	var groups []string
	for _, g := range f.userGroups(u) {
		groups = append(groups, esc(g))
	}
	return userXML(u) +
		"<UserPolicyList>" + inlineDetailXML(u.Inline) + "</UserPolicyList>" +
		"<GroupList>" + members(groups) + "</GroupList>" +
		"<AttachedManagedPolicies>" + members(f.userAttached(u)) + "</AttachedManagedPolicies>" +
		"<Tags>" + tagsXML(u.Tags) + "</Tags>"
}

func (f *Account) groupDetail(g *Group) string {
	var att []string
	for _, a := range g.AWSAttached {
		att = append(att, el("PolicyName", a[strings.LastIndex(a, "/")+1:])+el("PolicyArn", a))
	}
	return f.groupXML(g) +
		"<GroupPolicyList>" + inlineDetailXML(g.Inline) + "</GroupPolicyList>" +
		"<AttachedManagedPolicies>" + members(att) + "</AttachedManagedPolicies>"
}

func (f *Account) roleDetail(r *Role) string {
	path := r.Path
	if path == "" {
		path = "/"
	}
	var att []string
	for _, name := range r.Attached {
		att = append(att, el("PolicyName", name)+el("PolicyArn", f.policyARN(name)))
	}
	var profiles []string
	if r.InstanceProfileARN != "" {
		profiles = append(profiles, el("Path", "/")+el("InstanceProfileName", r.Name)+el("InstanceProfileId", "AIPA"+strings.ToUpper(r.Name))+
			el("Arn", r.InstanceProfileARN)+el("CreateDate", ts(r.Created))+"<Roles></Roles>")
	}
	return el("Path", path) + el("RoleName", r.Name) + el("RoleId", r.ID) + el("Arn", r.ARN) + el("CreateDate", ts(r.Created)) +
		el("AssumeRolePolicyDocument", encodeDoc(r.Trust)) +
		"<InstanceProfileList>" + members(profiles) + "</InstanceProfileList>" +
		"<RolePolicyList>" + inlineDetailXML(r.Inline) + "</RolePolicyList>" +
		"<AttachedManagedPolicies>" + members(att) + "</AttachedManagedPolicies>" +
		"<Tags></Tags><RoleLastUsed></RoleLastUsed>"
}

func (f *Account) policyDetail(p *Policy) string {
	doc := encodeDoc(p.Document)
	if p.BadDetail {
		doc = "%7Bnot-json"
	}
	return el("PolicyName", p.Name) + el("PolicyId", p.ID) + el("Arn", p.ARN) + el("Path", "/") +
		el("DefaultVersionId", "v1") + el("AttachmentCount", strconv.Itoa(f.attachmentCount(p.Name))) +
		el("IsAttachable", "true") + el("CreateDate", ts(p.Created)) + el("UpdateDate", ts(p.Updated)) +
		"<PolicyVersionList><member>" + el("Document", doc) + el("VersionId", "v1") +
		el("IsDefaultVersion", "true") + el("CreateDate", ts(p.Created)) + "</member></PolicyVersionList>"
}
