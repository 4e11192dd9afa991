package iam

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamapi "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// credentialReport asks IAM for a credential report until it is complete
// (bounded, honouring ctx), downloads and parses it. The parsed report is
// returned for the users evidence too; it is nil when it could not be read.
func (r *run) credentialReport(ctx context.Context) (*evidence.Snapshot, *CredentialReport, error) {
	rec := newRecorder(KindCredentialReport)
	const generate, get = "iam:GenerateCredentialReport", "iam:GetCredentialReport"
	wait := r.c.reportPoll
	deadline := time.Now().Add(r.c.reportTimeout)
poll:
	for {
		out, err := r.client.GenerateCredentialReport(ctx, &iamapi.GenerateCredentialReportInput{})
		rec.record(generate, err)
		if err != nil {
			// A report generated in the last four hours may still be
			// there; GetCredentialReport tells.
			break
		}
		if out.State == types.ReportStateTypeComplete || time.Now().Add(wait).After(deadline) {
			break
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			break poll
		case <-t.C:
		}
		wait = min(2*wait, r.c.reportPollMax)
	}
	out, err := r.client.GetCredentialReport(ctx, &iamapi.GetCredentialReportInput{})
	if err != nil {
		rec.fatal(get, err)
		s, err := rec.snapshot(struct{}{})
		return s, nil, err
	}
	rec.record(get, nil)
	rep, problems, err := ParseCredentialReport(out.Content)
	if err != nil {
		rec.invalid(get, CodeMalformedReport, err.Error())
		rec.b.Fatal()
		s, err := rec.snapshot(struct{}{})
		return s, nil, err
	}
	for _, p := range problems {
		rec.invalid(get, CodeMalformedReport, p)
	}
	if out.GeneratedTime != nil {
		rep.GeneratedAt = utc(*out.GeneratedTime)
	}
	rep.AsOf = r.now
	s, err := rec.snapshot(rep)
	return s, rep, err
}

// passwordPolicy reads the account password policy. No policy (NoSuchEntity)
// is evidence: {"present": false} with status ok.
func (r *run) passwordPolicy(ctx context.Context) (*evidence.Snapshot, error) {
	rec := newRecorder(KindPasswordPolicy)
	const action = "iam:GetAccountPasswordPolicy"
	out, err := r.client.GetAccountPasswordPolicy(ctx, &iamapi.GetAccountPasswordPolicyInput{})
	switch {
	case isNoSuchEntity(err):
		rec.record(action, nil)
		return rec.snapshot(PasswordPolicy{Present: false})
	case err != nil:
		rec.fatal(action, err)
		return rec.snapshot(struct{}{})
	}
	rec.record(action, nil)
	p := PasswordPolicy{Present: true}
	if pp := out.PasswordPolicy; pp != nil {
		p.MinimumPasswordLength = pp.MinimumPasswordLength
		p.RequireSymbols = pp.RequireSymbols
		p.RequireNumbers = pp.RequireNumbers
		p.RequireUppercaseCharacters = pp.RequireUppercaseCharacters
		p.RequireLowercaseCharacters = pp.RequireLowercaseCharacters
		p.AllowUsersToChangePassword = pp.AllowUsersToChangePassword
		p.ExpirePasswords = pp.ExpirePasswords
		p.MaxPasswordAge = pp.MaxPasswordAge
		p.PasswordReusePrevention = pp.PasswordReusePrevention
		p.HardExpiry = pp.HardExpiry
	}
	return rec.snapshot(p)
}

// accountSummary reads GetAccountSummary.
func (r *run) accountSummary(ctx context.Context) (*evidence.Snapshot, error) {
	rec := newRecorder(KindAccountSummary)
	const action = "iam:GetAccountSummary"
	out, err := r.client.GetAccountSummary(ctx, &iamapi.GetAccountSummaryInput{})
	if err != nil {
		rec.fatal(action, err)
		return rec.snapshot(struct{}{})
	}
	rec.record(action, nil)
	s := AccountSummary{Summary: map[string]int32{}}
	for k, v := range out.SummaryMap {
		s.Summary[k] = v
	}
	flag := func(key types.SummaryKeyType) *bool {
		v, ok := out.SummaryMap[string(key)]
		if !ok {
			return nil
		}
		b := v > 0
		return &b
	}
	s.AccountMFAEnabled = flag(types.SummaryKeyTypeAccountMFAEnabled)
	s.AccountAccessKeysPresent = flag(types.SummaryKeyTypeAccountAccessKeysPresent)
	s.AccountSigningCertificatesPresent = flag(types.SummaryKeyTypeAccountSigningCertificatesPresent)
	s.AccountPasswordPresent = flag(types.SummaryKeyTypeAccountPasswordPresent)
	return rec.snapshot(s)
}

// virtualMFADevices lists every virtual MFA device. The list is returned for
// the users evidence too; it is nil when it could not be read completely.
func (r *run) virtualMFADevices(ctx context.Context) (*evidence.Snapshot, *VirtualMFADevices, error) {
	rec := newRecorder(KindVirtualMFADevices)
	const action = "iam:ListVirtualMFADevices"
	v := &VirtualMFADevices{Devices: []VirtualMFADevice{}}
	p := iamapi.NewListVirtualMFADevicesPaginator(r.client, &iamapi.ListVirtualMFADevicesInput{
		AssignmentStatus: types.AssignmentStatusTypeAny,
		MaxItems:         aws.Int32(r.c.pageSize),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			rec.fatal(action, err)
			s, err := rec.snapshot(struct{}{})
			return s, nil, err
		}
		rec.record(action, nil)
		for _, d := range page.VirtualMFADevices {
			dev := VirtualMFADevice{SerialNumber: aws.ToString(d.SerialNumber), EnableDate: utcPtr(d.EnableDate)}
			if d.User != nil {
				dev.Assigned = true
				dev.UserARN = d.User.Arn
				dev.IsRoot = strings.HasSuffix(aws.ToString(d.User.Arn), ":root")
				if !dev.IsRoot {
					dev.UserName = d.User.UserName
				}
			}
			if dev.IsRoot {
				v.RootVirtualMFA = true
			}
			v.Devices = append(v.Devices, dev)
		}
	}
	sort.Slice(v.Devices, func(i, j int) bool { return v.Devices[i].SerialNumber < v.Devices[j].SerialNumber })
	s, err := rec.snapshot(v)
	return s, v, err
}

// identityProviders lists SAML and OIDC providers, reading each OIDC
// provider's details.
func (r *run) identityProviders(ctx context.Context) (*evidence.Snapshot, error) {
	rec := newRecorder(KindIdentityProviders)
	out := IdentityProviders{}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		out.SAML = r.samlProviders(ctx, rec)
	}()
	go func() {
		defer wg.Done()
		out.OIDC = r.oidcProviders(ctx, rec)
	}()
	wg.Wait()
	if out.SAML == nil && out.OIDC == nil {
		rec.b.Fatal()
	}
	return rec.snapshot(out)
}

// samlProviders lists the SAML providers; nil when the list failed.
func (r *run) samlProviders(ctx context.Context, rec *recorder) []SAMLProvider {
	saml, err := r.client.ListSAMLProviders(ctx, &iamapi.ListSAMLProvidersInput{})
	rec.record("iam:ListSAMLProviders", err)
	if err != nil {
		return nil
	}
	out := []SAMLProvider{}
	for _, p := range saml.SAMLProviderList {
		a := aws.ToString(p.Arn)
		name := a
		if i := strings.LastIndex(a, "saml-provider/"); i >= 0 {
			name = a[i+len("saml-provider/"):]
		}
		out = append(out, SAMLProvider{ARN: a, Name: name, CreateDate: utcPtr(p.CreateDate), ValidUntil: utcPtr(p.ValidUntil)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out
}

// oidcProviders lists the OIDC providers and reads each one; nil when the
// list failed.
func (r *run) oidcProviders(ctx context.Context, rec *recorder) []OIDCProvider {
	oidc, err := r.client.ListOpenIDConnectProviders(ctx, &iamapi.ListOpenIDConnectProvidersInput{})
	rec.record("iam:ListOpenIDConnectProviders", err)
	if err != nil {
		return nil
	}
	out := make([]OIDCProvider, len(oidc.OpenIDConnectProviderList))
	r.forEach(len(out), func(i int) {
		a := aws.ToString(oidc.OpenIDConnectProviderList[i].Arn)
		p := OIDCProvider{ARN: a}
		got, err := r.client.GetOpenIDConnectProvider(ctx, &iamapi.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(a)})
		rec.record("iam:GetOpenIDConnectProvider", err)
		if err == nil {
			p.URL = got.Url
			p.ClientIDs = nonNil(got.ClientIDList)
			p.Thumbprints = nonNil(got.ThumbprintList)
			p.CreateDate = utcPtr(got.CreateDate)
		}
		out[i] = p
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out
}

// isNoSuchEntity reports whether err is IAM's NoSuchEntity.
func isNoSuchEntity(err error) bool {
	return err != nil && collectors.ErrorCode(err) == "NoSuchEntity"
}

// utcPtr converts an SDK time to UTC, to the second; nil stays nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return utc(*t)
}

// nonNil returns s, or an empty list for nil.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
