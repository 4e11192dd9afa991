package scope

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope/eligible"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// Name is the registered name of the collector.
const Name = "scope"

// Version is the collector's version, recorded in every snapshot.
const Version = "1.0.0"

// The IAM actions the collector calls.
const (
	actGetCostAndUsage        = "ce:GetCostAndUsage"
	actDescribeOrganization   = "organizations:DescribeOrganization"
	actListTagsForResource    = "organizations:ListTagsForResource"
	actListPolicies           = "organizations:ListPolicies"
	actDescribePolicy         = "organizations:DescribePolicy"
	actListTargetsForPolicy   = "organizations:ListTargetsForPolicy"
	actListAccountsForParent  = "organizations:ListAccountsForParent"
	actListOUsForParent       = "organizations:ListOrganizationalUnitsForParent"
	actListCustomerAgreements = "artifact:ListCustomerAgreements"
)

var actions = []string{
	actListCustomerAgreements,
	actGetCostAndUsage,
	actDescribeOrganization,
	actDescribePolicy,
	actListAccountsForParent,
	actListOUsForParent,
	actListPolicies,
	actListTagsForResource,
	actListTargetsForPolicy,
}

func init() {
	collectors.Register(Name, func() collectors.Collector { return New() })
}

// Collector is the scope collector.
type Collector struct{}

// New returns the scope collector.
func New() *Collector { return &Collector{} }

// Describe returns the collector's descriptor.
func (*Collector) Describe() collectors.Descriptor {
	return collectors.Descriptor{
		Name:          Name,
		Version:       Version,
		Summary:       "BAA service scope: services in use vs the HIPAA-eligible list, SCPs, PHI accounts, BAA acceptance",
		Scope:         collectors.Once,
		EvidenceKinds: []string{KindServices, KindSCPs, KindPHIAccounts, KindBAA},
		Actions:       append([]string(nil), actions...),
	}
}

// run is the state of one collection.
type run struct {
	req      *collectors.Request
	opts     Options
	list     *eligible.List
	org      Organization
	orgErr   error
	accounts []collectors.AccountInfo
	names    map[string]string
	orgs     *organizations.Client
}

// Collect gathers the scope evidence.
func (c *Collector) Collect(ctx context.Context, req *collectors.Request) (*collectors.Response, error) {
	opts, err := DecodeOptions(req.Options)
	if err != nil {
		return nil, err
	}
	list, err := eligible.Embedded()
	if err != nil {
		return nil, fmt.Errorf("load the embedded eligible-services list: %w", err)
	}
	if err := list.CheckAliases(opts.ServiceAliases); err != nil {
		return nil, fmt.Errorf("scope options: %w", err)
	}
	r := &run{req: req, opts: opts, list: list, orgs: organizations.NewFromConfig(req.AWS), names: map[string]string{}}
	r.accounts = accountsInScope(req)
	for _, a := range r.accounts {
		r.names[a.ID] = a.Name
	}
	r.describeOrganization(ctx)

	phiB := collectors.NewBuilder(KindPHIAccounts)
	r.recordOrg(phiB)
	phi := r.phiAccounts(ctx, phiB)
	phiByAccount := map[string]*bool{}
	for _, a := range phi.Accounts {
		phiByAccount[a.AccountID] = a.PHI
	}

	svcB := collectors.NewBuilder(KindServices)
	r.recordOrg(svcB)
	services := r.services(ctx, svcB, phiByAccount)

	scpB := collectors.NewBuilder(KindSCPs)
	r.recordOrg(scpB)
	scps := r.scps(ctx, scpB)

	baaB := collectors.NewBuilder(KindBAA)
	baa := r.baa(ctx, baaB)

	var snaps []*evidence.Snapshot
	for _, x := range []struct {
		b *collectors.Builder
		p any
	}{{svcB, services}, {scpB, scps}, {phiB, phi}, {baaB, baa}} {
		s, err := x.b.Snapshot(x.p)
		if err != nil {
			return nil, err
		}
		snaps = append(snaps, s)
	}
	return &collectors.Response{Snapshots: snaps}, nil
}

// accountsInScope returns the run's accounts, sorted, or the caller alone.
func accountsInScope(req *collectors.Request) []collectors.AccountInfo {
	seen := map[string]bool{}
	var out []collectors.AccountInfo
	for _, a := range req.Accounts {
		if a.ID != "" && !seen[a.ID] {
			seen[a.ID] = true
			out = append(out, a)
		}
	}
	if len(out) == 0 && req.Target.AccountID != "" {
		out = append(out, collectors.AccountInfo{ID: req.Target.AccountID})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// codeNotInOrganization is Organizations' answer for a standalone account.
const codeNotInOrganization = "AWSOrganizationsNotInUseException"

func (r *run) describeOrganization(ctx context.Context) {
	r.org.CallerAccountID = r.req.Target.AccountID
	out, err := r.orgs.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	switch {
	case err != nil && collectors.ErrorCode(err) == codeNotInOrganization:
		r.org.Known = true
	case err != nil:
		r.orgErr = err
	case out.Organization == nil:
		r.orgErr = errMissing("Organization")
	default:
		o := out.Organization
		r.org.Known, r.org.InOrganization = true, true
		r.org.ID, r.org.ARN = aws.ToString(o.Id), aws.ToString(o.Arn)
		r.org.ManagementAccountID = aws.ToString(o.MasterAccountId)
		r.org.FeatureSet = string(o.FeatureSet)
		r.org.CallerIsManagement = r.org.ManagementAccountID != "" && r.org.ManagementAccountID == r.org.CallerAccountID
	}
}

// recordOrg records the DescribeOrganization call in a snapshot that relies
// on it.
func (r *run) recordOrg(b *collectors.Builder) {
	b.Record(actDescribeOrganization, r.orgErr)
}

// errMissing is a response that lacks a field the evidence needs.
type errMissing string

func (e errMissing) Error() string { return "response has no " + string(e) }

// standalone reports whether the caller is known to be in no organization.
func (r *run) standalone() bool { return r.org.Known && !r.org.InOrganization }

// phiAccounts decides which accounts hold PHI.
func (r *run) phiAccounts(ctx context.Context, b *collectors.Builder) *PHIAccountsPayload {
	o := r.opts
	p := &PHIAccountsPayload{TagKey: o.PHITagKey, TagValue: o.PHITagValue, Configured: nonNil(o.PHIAccounts), Accounts: []PHIAccount{}}
	configured := map[string]bool{}
	for _, a := range o.PHIAccounts {
		configured[a] = true
	}
	// Tags exist only in an organization; outside one there is nothing to read.
	readTags := !o.SkipAccountTags && !r.standalone()
	tagged := map[string]bool{}
	tagRead := map[string]bool{}
	allRead := true
	if readTags {
		for _, a := range r.accounts {
			phi, err := r.accountTagged(ctx, a.ID)
			if err != nil {
				b.Failed(actListTagsForResource, err)
				allRead = false
				continue
			}
			b.Called(actListTagsForResource)
			tagRead[a.ID] = true
			tagged[a.ID] = phi
		}
	}
	p.TagsRead = readTags && allRead
	anyTagged := false
	for _, v := range tagged {
		anyTagged = anyTagged || v
	}
	switch {
	case len(configured) > 0 && anyTagged:
		p.Designation = "config_and_tag"
	case len(configured) > 0:
		p.Designation = "config"
	case anyTagged:
		p.Designation = "tag"
	default:
		p.Designation = "none"
	}
	for _, a := range r.accounts {
		pa := PHIAccount{AccountID: a.ID, Name: a.Name, Reasons: []string{}, TagRead: tagRead[a.ID]}
		switch {
		case configured[a.ID] || tagged[a.ID]:
			if configured[a.ID] {
				pa.Reasons = append(pa.Reasons, "config")
			}
			if tagged[a.ID] {
				pa.Reasons = append(pa.Reasons, "tag")
			}
			pa.PHI = aws.Bool(true)
		case p.Designation == "none":
			// Nothing designates PHI accounts: presume every account holds
			// PHI, so no check is silently skipped.
			pa.Reasons = append(pa.Reasons, "presumed")
			pa.PHI = aws.Bool(true)
		case !readTags || tagRead[a.ID]:
			pa.Reasons = append(pa.Reasons, "not_designated")
			pa.PHI = aws.Bool(false)
		default:
			// Its tag could not be read: it may be designated.
		}
		p.Accounts = append(p.Accounts, pa)
	}
	return p
}

// accountTagged reports whether account carries the PHI tag.
func (r *run) accountTagged(ctx context.Context, account string) (bool, error) {
	p := organizations.NewListTagsForResourcePaginator(r.orgs, &organizations.ListTagsForResourceInput{ResourceId: aws.String(account)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return false, err
		}
		for _, t := range page.Tags {
			if r.tagMatches(t) {
				return true, nil
			}
		}
	}
	return false, nil
}

func (r *run) tagMatches(t orgtypes.Tag) bool {
	return strings.EqualFold(strings.TrimSpace(aws.ToString(t.Key)), r.opts.PHITagKey) &&
		strings.EqualFold(strings.TrimSpace(aws.ToString(t.Value)), r.opts.PHITagValue)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return append([]string{}, s...)
}
