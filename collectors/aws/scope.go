package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/account"
	accounttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// Actions that scope resolution calls; they are part of the IAM policy.
var ScopeActions = []string{
	"sts:GetCallerIdentity",
	"sts:AssumeRole",
	"organizations:ListAccounts",
	"account:ListRegions",
}

// scopeConcurrency bounds concurrent AssumeRole and ListRegions calls.
const scopeConcurrency = 16

// Scope is the resolved set of accounts for a run.
type Scope struct {
	// Caller is the account whose credentials started the run.
	Caller collectors.Account
	// Accounts are the accounts to collect, sorted by id.
	Accounts []collectors.Account
	// Regions are the regions as requested ("all" kept as is).
	Regions []string
}

// ResolveScope finds the caller, the accounts in scope and the regions of
// each. It fails only when the caller's own identity cannot be read; an
// account whose role cannot be assumed or whose regions cannot be listed is
// returned with Err or RegionsErr set, so the run records the gap and goes on.
func ResolveScope(ctx context.Context, base sdkaws.Config, o Options) (*Scope, error) {
	id, err := sts.NewFromConfig(base).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("read caller identity (sts:GetCallerIdentity): %w", err)
	}
	partition := "aws"
	if id.Arn != nil {
		if a, err := arn.Parse(*id.Arn); err == nil {
			partition = a.Partition
		}
	}
	callerID := sdkaws.ToString(id.Account)
	caller := collectors.Account{ID: callerID, Partition: partition, Access: "caller", AWS: base}
	regions := o.Regions
	if len(regions) == 0 {
		regions = []string{base.Region}
	}
	caller.Regions = regions

	type want struct{ id, name string }
	var wanted []want
	switch {
	case o.Organization:
		filter := map[string]bool{}
		for _, a := range o.Accounts {
			filter[a] = true
		}
		p := organizations.NewListAccountsPaginator(organizations.NewFromConfig(base), &organizations.ListAccountsInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list organization accounts (organizations:ListAccounts): %w", err)
			}
			for _, a := range page.Accounts {
				if !accountActive(a) {
					continue
				}
				if len(filter) > 0 && !filter[sdkaws.ToString(a.Id)] {
					continue
				}
				wanted = append(wanted, want{sdkaws.ToString(a.Id), sdkaws.ToString(a.Name)})
			}
		}
	case len(o.Accounts) > 0:
		for _, a := range o.Accounts {
			wanted = append(wanted, want{id: a})
		}
	default:
		wanted = []want{{id: callerID}}
	}

	role := o.AuditRole
	if role == "" {
		role = DefaultAuditRole
	}
	stsClient := sts.NewFromConfig(base)
	accounts := make([]collectors.Account, len(wanted))
	sem := make(chan struct{}, scopeConcurrency)
	var wg sync.WaitGroup
	for i, w := range wanted {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			a := collectors.Account{ID: w.id, Name: w.name, Partition: partition}
			if w.id == callerID {
				a.Access, a.AWS = "caller", base
			} else {
				roleARN := fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, w.id, role)
				a.Access = "assume-role " + roleARN
				a.AWS = base.Copy()
				a.AWS.Credentials = sdkaws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, roleARN, func(ao *stscreds.AssumeRoleOptions) {
					ao.RoleSessionName = "hipaa-evidence"
					if o.ExternalID != "" {
						ao.ExternalID = sdkaws.String(o.ExternalID)
					}
				}))
				// Assume now, so an unreachable account is known before any
				// collector runs and is recorded once with the real cause.
				if _, err := a.AWS.Credentials.Retrieve(ctx); err != nil {
					ce := collectors.CallError("sts:AssumeRole", err)
					a.Err = &ce
				}
			}
			if a.Err == nil {
				a.Regions, a.RegionsErr = resolveRegions(ctx, a.AWS, regions)
			}
			accounts[i] = a
		}()
	}
	wg.Wait()
	sort.Slice(accounts, func(i, j int) bool { return accounts[i].ID < accounts[j].ID })
	return &Scope{Caller: caller, Accounts: accounts, Regions: regions}, nil
}

func accountActive(a orgtypes.Account) bool {
	if a.State != "" {
		return a.State == orgtypes.AccountStateActive
	}
	return a.Status == orgtypes.AccountStatusActive
}

// resolveRegions expands "all" into the account's enabled regions. When they
// cannot be listed it falls back to the home region and reports the failure.
func resolveRegions(ctx context.Context, cfg sdkaws.Config, requested []string) ([]string, *evidence.CallError) {
	if !(len(requested) == 1 && strings.EqualFold(requested[0], "all")) {
		return requested, nil
	}
	var regions []string
	p := account.NewListRegionsPaginator(account.NewFromConfig(cfg), &account.ListRegionsInput{
		RegionOptStatusContains: []accounttypes.RegionOptStatus{accounttypes.RegionOptStatusEnabled, accounttypes.RegionOptStatusEnabledByDefault},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			ce := collectors.CallError("account:ListRegions", err)
			return []string{cfg.Region}, &ce
		}
		for _, r := range page.Regions {
			regions = append(regions, sdkaws.ToString(r.RegionName))
		}
	}
	sort.Strings(regions)
	return regions, nil
}
