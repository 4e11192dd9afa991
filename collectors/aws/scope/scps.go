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
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iampolicy"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope/eligible"
	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
)

// maxOUDepth bounds OU recursion; Organizations allows five levels below
// the root, so a deeper answer is malformed.
const maxOUDepth = 8

func (r *run) scps(ctx context.Context, b *collectors.Builder) *SCPPayload {
	p := &SCPPayload{Organization: r.org, EligibleListVersion: r.list.Version, Policies: []SCP{}, Accounts: []SCPAccount{}}
	if r.standalone() || (r.org.Known && r.org.FeatureSet != "" && r.org.FeatureSet != string(orgtypes.OrganizationFeatureSetAll)) {
		// No organization, or consolidated billing only: no SCP can apply.
		p.Complete = true
		for _, a := range r.accounts {
			p.Accounts = append(p.Accounts, SCPAccount{AccountID: a.ID, Name: a.Name, Policies: []string{}, RestrictedToEligible: aws.Bool(false), RestrictingPolicies: []string{}})
		}
		return p
	}
	summaries, err := r.listSCPs(ctx)
	if err != nil {
		b.Failed(actListPolicies, err)
		for _, a := range r.accounts {
			p.Accounts = append(p.Accounts, SCPAccount{AccountID: a.ID, Name: a.Name, Policies: []string{}, RestrictingPolicies: []string{}})
		}
		return p
	}
	b.Called(actListPolicies)
	p.Available, p.Complete = true, true

	inScope := map[string]bool{}
	for _, a := range r.accounts {
		inScope[a.ID] = true
	}
	applies := map[string][]string{} // account -> policy ids
	unresolved := false              // some attachment could not be resolved to accounts
	ous := map[string][]string{}     // OU -> accounts below it
	for _, s := range summaries {
		pol := SCP{
			ID: aws.ToString(s.Id), ARN: aws.ToString(s.Arn), Name: aws.ToString(s.Name),
			Description: aws.ToString(s.Description), AWSManaged: s.AwsManaged,
			Targets: []Target{}, Statements: []iampolicy.Statement{},
		}
		out, err := r.orgs.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: s.Id})
		switch {
		case err != nil:
			b.Failed(actDescribePolicy, err)
			p.Complete = false
			pol.ParseError = "the policy content could not be read"
		case out.Policy == nil:
			b.Failed(actDescribePolicy, errMissing("Policy"))
			p.Complete = false
			pol.ParseError = "the policy content could not be read"
		default:
			b.Called(actDescribePolicy)
			doc, perr := iampolicy.Parse([]byte(aws.ToString(out.Policy.Content)))
			if perr != nil {
				pol.ParseError = perr.Error()
			} else {
				pol.Statements = doc.Statement
			}
		}
		pol.Analysis = AnalyseSCP(pol.Statements, r.list)
		if pol.ParseError != "" {
			pol.Analysis = SCPAnalysis{AllowedNotEligible: []string{}, DeniedServices: []string{}, DeniedIneligible: []string{}}
		}

		targets, err := r.listTargets(ctx, pol.ID)
		if err != nil {
			b.Failed(actListTargetsForPolicy, err)
			p.Complete = false
			unresolved = true
		} else {
			b.Called(actListTargetsForPolicy)
		}
		pol.Targets = targets
		for _, t := range targets {
			var accts []string
			switch t.Type {
			case string(orgtypes.TargetTypeRoot):
				for _, a := range r.accounts {
					accts = append(accts, a.ID)
				}
			case string(orgtypes.TargetTypeAccount):
				accts = []string{t.TargetID}
			case string(orgtypes.TargetTypeOrganizationalUnit):
				below, ok := ous[t.TargetID]
				if !ok {
					var err error
					below, err = r.accountsBelow(ctx, b, t.TargetID, 0)
					if err != nil {
						p.Complete = false
						unresolved = true
					}
					ous[t.TargetID] = below
				}
				accts = below
			default:
				unresolved = true
			}
			for _, a := range accts {
				if inScope[a] && !containsString(applies[a], pol.ID) {
					applies[a] = append(applies[a], pol.ID)
				}
			}
		}
		p.Policies = append(p.Policies, pol)
	}
	restricting := map[string]bool{}
	for _, pol := range p.Policies {
		if pol.Analysis.RestrictsToEligible {
			restricting[pol.ID] = true
		}
	}
	for _, a := range r.accounts {
		sa := SCPAccount{AccountID: a.ID, Name: a.Name, Policies: nonNil(applies[a.ID]), RestrictingPolicies: []string{}}
		sort.Strings(sa.Policies)
		for _, id := range sa.Policies {
			if restricting[id] {
				sa.RestrictingPolicies = append(sa.RestrictingPolicies, id)
			}
		}
		switch {
		case len(sa.RestrictingPolicies) > 0:
			sa.RestrictedToEligible = aws.Bool(true)
		case p.Complete && !unresolved:
			sa.RestrictedToEligible = aws.Bool(false)
		}
		p.Accounts = append(p.Accounts, sa)
	}
	return p
}

func (r *run) listSCPs(ctx context.Context) ([]orgtypes.PolicySummary, error) {
	var out []orgtypes.PolicySummary
	pg := organizations.NewListPoliciesPaginator(r.orgs, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Policies...)
	}
	sort.Slice(out, func(i, j int) bool { return aws.ToString(out[i].Id) < aws.ToString(out[j].Id) })
	return out, nil
}

func (r *run) listTargets(ctx context.Context, policyID string) ([]Target, error) {
	out := []Target{}
	pg := organizations.NewListTargetsForPolicyPaginator(r.orgs, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String(policyID)})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return out, err
		}
		for _, t := range page.Targets {
			out = append(out, Target{TargetID: aws.ToString(t.TargetId), Type: string(t.Type), Name: aws.ToString(t.Name)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TargetID < out[j].TargetID })
	return out, nil
}

// accountsBelow returns the accounts in an OU and its descendants.
func (r *run) accountsBelow(ctx context.Context, b *collectors.Builder, ou string, depth int) ([]string, error) {
	if depth > maxOUDepth {
		return nil, fmt.Errorf("OU %s is nested more than %d levels deep", ou, maxOUDepth)
	}
	var accts []string
	pa := organizations.NewListAccountsForParentPaginator(r.orgs, &organizations.ListAccountsForParentInput{ParentId: aws.String(ou)})
	for pa.HasMorePages() {
		page, err := pa.NextPage(ctx)
		if err != nil {
			b.Failed(actListAccountsForParent, err)
			return accts, err
		}
		for _, a := range page.Accounts {
			accts = append(accts, aws.ToString(a.Id))
		}
	}
	b.Called(actListAccountsForParent)
	po := organizations.NewListOrganizationalUnitsForParentPaginator(r.orgs, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(ou)})
	var children []string
	for po.HasMorePages() {
		page, err := po.NextPage(ctx)
		if err != nil {
			b.Failed(actListOUsForParent, err)
			return accts, err
		}
		for _, c := range page.OrganizationalUnits {
			children = append(children, aws.ToString(c.Id))
		}
	}
	b.Called(actListOUsForParent)
	for _, c := range children {
		below, err := r.accountsBelow(ctx, b, c, depth+1)
		accts = append(accts, below...)
		if err != nil {
			return accts, err
		}
	}
	return accts, nil
}

// AnalyseSCP derives what a service control policy denies, judged against
// the eligible list: whether it is a "deny everything except" policy that
// leaves only eligible services and management tools allowed, and which
// services it denies outright.
func AnalyseSCP(stmts []iampolicy.Statement, l *eligible.List) SCPAnalysis {
	a := SCPAnalysis{AllowedNotEligible: []string{}, DeniedServices: []string{}, DeniedIneligible: []string{}}
	var allowed map[string]bool // nil until a deny-all-except statement is seen
	denied := map[string]bool{}
	for _, s := range stmts {
		if s.Effect != "Deny" || len(s.NotResource) > 0 || !allResources(s.Resource) {
			continue
		}
		if len(s.NotAction) > 0 {
			stmtAllowed := map[string]bool{}
			for _, na := range s.NotAction {
				stmtAllowed[actionPrefix(na)] = true
			}
			if allowed == nil {
				allowed = stmtAllowed
			} else {
				// Several deny-all-except statements: only what all of them
				// leave out stays allowed.
				for p := range allowed {
					if !stmtAllowed[p] && !stmtAllowed["*"] {
						delete(allowed, p)
					}
				}
			}
			if len(s.Condition) > 0 {
				a.Conditional = true
			}
			continue
		}
		if len(s.Condition) > 0 {
			continue
		}
		for _, act := range s.Action {
			switch {
			case act == "*":
				denied["*"] = true
			case strings.HasSuffix(act, ":*") && !strings.ContainsAny(strings.TrimSuffix(act, ":*"), "*?"):
				denied[actionPrefix(act)] = true
			}
		}
	}
	if allowed != nil {
		a.DenyAllExcept = sorted.Keys(allowed)
		for _, p := range a.DenyAllExcept {
			if p == "*" || (len(l.PrefixServices(p)) == 0 && !l.IsManagementPrefix(p)) {
				a.AllowedNotEligible = append(a.AllowedNotEligible, p)
			}
		}
		a.RestrictsToEligible = !a.Conditional && len(a.AllowedNotEligible) == 0
	}
	a.DeniedServices = sorted.Keys(denied)
	for _, p := range a.DeniedServices {
		if p != "*" && len(l.PrefixServices(p)) == 0 {
			a.DeniedIneligible = append(a.DeniedIneligible, p)
		}
	}
	return a
}

// actionPrefix returns the service prefix of an action pattern ("s3:Get*" →
// "s3"), lower-cased; "*" for a bare wildcard.
func actionPrefix(a string) string {
	p, _, ok := strings.Cut(a, ":")
	if !ok {
		return "*"
	}
	return strings.ToLower(p)
}

func allResources(rs []string) bool {
	for _, r := range rs {
		if r == "*" {
			return true
		}
	}
	return false
}

func containsString(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}
