package scopefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/scope/eligible"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
)

// Organization is the model.
type Organization struct {
	// ManagementID is the management account's id, used in ARNs.
	ManagementID string
	// OrgID is the organization id used in ARNs (e.g. o-exampleorgid).
	OrgID string
	// CostPages are the pages GetCostAndUsage answers, in order.
	CostPages []CostPage
	// Policies are the service control policies.
	Policies []*Policy
	// OUs are the organizational units.
	OUs []*OU
	// Tags maps resource ids (accounts, OUs) to their tags, in order.
	Tags map[string][]Tag
	// Agreements are what AWS Artifact lists; nil lists none.
	Agreements []Agreement
}

// CostPage is one page of GetCostAndUsage results.
type CostPage struct {
	// Results are the page's ResultsByTime, one per month.
	Results []CostResult
}

// CostResult is one month of a page.
type CostResult struct {
	// Start and End are the month's dates (YYYY-MM-DD, End exclusive).
	Start, End string
	// Estimated marks a month whose figures are not final.
	Estimated bool
	// Groups are the month's groups on this page.
	Groups []CostGroup
}

// CostGroup is a service's use in one linked account.
type CostGroup struct {
	// Service is Cost Explorer's SERVICE dimension value.
	Service string
	// Account is the LINKED_ACCOUNT dimension value.
	Account string
	// Cost is the UnblendedCost amount in USD.
	Cost string
	// Usage is the UsageQuantity amount.
	Usage string
}

// Policy is a service control policy.
type Policy struct {
	// ID is the policy id (p-...).
	ID string
	// Name and Description describe it.
	Name, Description string
	// AWSManaged marks AWS's FullAWSAccess.
	AWSManaged bool
	// Content is the policy document.
	Content string
	// Targets are the roots, OUs and accounts it is attached to.
	Targets []Target
}

// Target is a policy attachment.
type Target struct {
	// ID is the root, OU or account id.
	ID string
	// Name is its name.
	Name string
	// Type is ROOT, ORGANIZATIONAL_UNIT or ACCOUNT.
	Type string
}

// OU is an organizational unit.
type OU struct {
	// ID is the OU id (ou-...).
	ID string
	// Name is its name.
	Name string
	// Parent is the parent root or OU id.
	Parent string
	// Accounts are the accounts directly in it.
	Accounts []Account
}

// Account is an account placed in an OU.
type Account struct {
	// ID and Name identify it.
	ID, Name string
}

// Tag is an Organizations resource tag.
type Tag struct {
	// Key and Value are the tag's key and value.
	Key, Value string
}

// Agreement is an AWS Artifact customer agreement.
type Agreement struct {
	// Name is the agreement's name, e.g. "AWS Business Associate Addendum".
	Name string
	// Account is the account that accepted it.
	Account string
	// OrganizationARN is set for an agreement accepted for the organization.
	OrganizationARN string
	// EffectiveStart is when it took effect.
	EffectiveStart time.Time
}

// FullAWSAccess is AWS's default SCP, attached to the root.
func FullAWSAccess(rootID string) *Policy {
	return &Policy{ID: "p-FullAWSAccess", Name: "FullAWSAccess", Description: "Allows access to every operation", AWSManaged: true,
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		Targets: []Target{{ID: rootID, Name: "Root", Type: "ROOT"}}}
}

// EligibleOnlySCP returns a deny-everything-except policy document built
// from list's own IAM prefixes (every eligible service's, plus the
// account, identity and billing prefixes), plus extra prefixes: the shape of
// an SCP that confines accounts to HIPAA-eligible services.
func EligibleOnlySCP(list *eligible.List, extra ...string) (string, error) {
	seen := map[string]bool{}
	var not []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			not = append(not, p+":*")
		}
	}
	for _, s := range list.Services {
		for _, p := range s.IAMPrefixes {
			add(p.Prefix)
		}
	}
	for _, p := range list.ManagementPrefixes {
		add(p)
	}
	for _, p := range extra {
		add(p)
	}
	doc, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Sid": "HipaaEligibleOnly", "Effect": "Deny", "NotAction": not, "Resource": "*"}}})
	if err != nil {
		return "", fmt.Errorf("eligible-only SCP: %w", err)
	}
	return string(doc), nil
}

// Item returns the agreement as a ListCustomerAgreements item in the shape
// the AWS Artifact API reference documents.
func (g Agreement) Item() map[string]any {
	return map[string]any{
		"name": g.Name, "arn": "arn:aws:artifact::" + g.Account + ":customer-agreement/ca-1", "id": "ca-1",
		"agreementArn": "arn:aws:artifact:::agreement/agreement-baa", "awsAccountId": g.Account, "organizationArn": g.OrganizationARN,
		"effectiveStart": g.EffectiveStart.UTC().Format(time.RFC3339), "state": "ACTIVE", "type": "DEFAULT",
		"description": "BAA", "acceptanceTerms": []string{"terms"}, "terminateTerms": []string{"terms"},
	}
}

// Stubs returns the model's handlers, keyed as collectortest.Transport.Stub
// expects.
func (o *Organization) Stubs() map[string]collectortest.Handler {
	return map[string]collectortest.Handler{
		"ce:GetCostAndUsage":                             o.GetCostAndUsage,
		"organizations:ListPolicies":                     o.ListPolicies,
		"organizations:DescribePolicy":                   o.DescribePolicy,
		"organizations:ListTargetsForPolicy":             o.ListTargetsForPolicy,
		"organizations:ListOrganizationalUnitsForParent": o.ListOrganizationalUnitsForParent,
		"organizations:ListAccountsForParent":            o.ListAccountsForParent,
		"organizations:ListTagsForResource":              o.ListTagsForResource,
		"artifact:ListCustomerAgreements":                o.ListCustomerAgreements,
	}
}

// Install sets the model's stubs on tr.
func (o *Organization) Install(tr *collectortest.Transport) {
	for key, h := range o.Stubs() {
		tr.Stub(key, h)
	}
}

func fields(body []byte) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return m
}

func (o *Organization) arn(kind, id string) string {
	return fmt.Sprintf("arn:aws:organizations::%s:%s/%s/%s", o.ManagementID, kind, o.OrgID, id)
}

func (o *Organization) policyARN(p *Policy) string {
	if p.AWSManaged {
		return "arn:aws:organizations::aws:policy/service_control_policy/" + p.ID
	}
	return fmt.Sprintf("arn:aws:organizations::%s:policy/%s/service_control_policy/%s", o.ManagementID, o.OrgID, p.ID)
}

// GetCostAndUsage answers ce:GetCostAndUsage grouped by SERVICE and
// LINKED_ACCOUNT with the model's pages; any other query is refused with a
// ValidationException, so a test sees the collector asked what it should.
func (o *Organization) GetCostAndUsage(_ *http.Request, body []byte) *http.Response {
	in := fields(body)
	gb, _ := in["GroupBy"].([]any)
	if len(gb) != 2 || in["Granularity"] != "MONTHLY" {
		return collectortest.ErrorResponse("ce:GetCostAndUsage", 400, "ValidationException", "unexpected query")
	}
	page := 0
	if tok, _ := in["NextPageToken"].(string); tok != "" {
		if _, err := fmt.Sscanf(tok, "page-%d", &page); err != nil || page < 2 || page > len(o.CostPages) {
			return collectortest.ErrorResponse("ce:GetCostAndUsage", 400, "InvalidNextTokenException", "The pagination token is invalid.")
		}
		page--
	}
	results := []any{}
	if page < len(o.CostPages) {
		for _, r := range o.CostPages[page].Results {
			groups := []any{}
			for _, g := range r.Groups {
				groups = append(groups, map[string]any{"Keys": []string{g.Service, g.Account}, "Metrics": map[string]any{
					"UnblendedCost": map[string]string{"Amount": g.Cost, "Unit": "USD"},
					"UsageQuantity": map[string]string{"Amount": g.Usage, "Unit": "N/A"}}})
			}
			results = append(results, map[string]any{"TimePeriod": map[string]string{"Start": r.Start, "End": r.End},
				"Total": map[string]any{}, "Groups": groups, "Estimated": r.Estimated})
		}
	}
	out := map[string]any{"GroupDefinitions": gb, "DimensionValueAttributes": []any{}, "ResultsByTime": results}
	if page+1 < len(o.CostPages) {
		out["NextPageToken"] = fmt.Sprintf("page-%d", page+2)
	}
	return collectortest.JSONResponse(out)
}

// ListPolicies answers organizations:ListPolicies for service control
// policies.
func (o *Organization) ListPolicies(_ *http.Request, body []byte) *http.Response {
	if fields(body)["Filter"] != "SERVICE_CONTROL_POLICY" {
		return collectortest.ErrorResponse("organizations:ListPolicies", 400, "InvalidInputException", "Filter")
	}
	ps := []any{}
	for _, p := range o.Policies {
		ps = append(ps, map[string]any{"Id": p.ID, "Arn": o.policyARN(p), "Name": p.Name, "Description": p.Description,
			"Type": "SERVICE_CONTROL_POLICY", "AwsManaged": p.AWSManaged})
	}
	return collectortest.JSONResponse(map[string]any{"Policies": ps})
}

func (o *Organization) policy(id string) *Policy {
	for _, p := range o.Policies {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// DescribePolicy answers organizations:DescribePolicy with the policy's
// content.
func (o *Organization) DescribePolicy(_ *http.Request, body []byte) *http.Response {
	id, _ := fields(body)["PolicyId"].(string)
	p := o.policy(id)
	if p == nil {
		return collectortest.ErrorResponse("organizations:DescribePolicy", 400, "PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.")
	}
	return collectortest.JSONResponse(map[string]any{"Policy": map[string]any{
		"PolicySummary": map[string]any{"Id": p.ID, "Arn": o.policyARN(p), "Name": p.Name, "Description": p.Description,
			"Type": "SERVICE_CONTROL_POLICY", "AwsManaged": p.AWSManaged},
		"Content": p.Content}})
}

// ListTargetsForPolicy answers organizations:ListTargetsForPolicy.
func (o *Organization) ListTargetsForPolicy(_ *http.Request, body []byte) *http.Response {
	id, _ := fields(body)["PolicyId"].(string)
	p := o.policy(id)
	if p == nil {
		return collectortest.ErrorResponse("organizations:ListTargetsForPolicy", 400, "PolicyNotFoundException", "We can't find a policy with the PolicyId that you specified.")
	}
	ts := []any{}
	for _, t := range p.Targets {
		kind := map[string]string{"ROOT": "root", "ORGANIZATIONAL_UNIT": "ou", "ACCOUNT": "account"}[t.Type]
		ts = append(ts, map[string]any{"TargetId": t.ID, "Arn": o.arn(kind, t.ID), "Name": t.Name, "Type": t.Type})
	}
	return collectortest.JSONResponse(map[string]any{"Targets": ts})
}

// ListOrganizationalUnitsForParent answers
// organizations:ListOrganizationalUnitsForParent from the OU tree.
func (o *Organization) ListOrganizationalUnitsForParent(_ *http.Request, body []byte) *http.Response {
	parent, _ := fields(body)["ParentId"].(string)
	ous := []any{}
	for _, u := range o.OUs {
		if u.Parent == parent {
			ous = append(ous, map[string]any{"Id": u.ID, "Arn": o.arn("ou", u.ID), "Name": u.Name})
		}
	}
	return collectortest.JSONResponse(map[string]any{"OrganizationalUnits": ous})
}

// ListAccountsForParent answers organizations:ListAccountsForParent with the
// accounts placed directly in an OU of the model.
func (o *Organization) ListAccountsForParent(_ *http.Request, body []byte) *http.Response {
	parent, _ := fields(body)["ParentId"].(string)
	accts := []any{}
	for _, u := range o.OUs {
		if u.ID != parent {
			continue
		}
		for _, a := range u.Accounts {
			accts = append(accts, map[string]any{"Id": a.ID, "Arn": o.arn("account", a.ID), "Name": a.Name,
				"Email": "aws+" + strings.ToLower(a.Name) + "@example.com", "Status": "ACTIVE", "State": "ACTIVE",
				"JoinedMethod": "CREATED", "JoinedTimestamp": 1.7e9})
		}
	}
	return collectortest.JSONResponse(map[string]any{"Accounts": accts})
}

// ListTagsForResource answers organizations:ListTagsForResource.
func (o *Organization) ListTagsForResource(_ *http.Request, body []byte) *http.Response {
	id, _ := fields(body)["ResourceId"].(string)
	tags := []any{}
	for _, t := range o.Tags[id] {
		tags = append(tags, map[string]string{"Key": t.Key, "Value": t.Value})
	}
	return collectortest.JSONResponse(map[string]any{"Tags": tags})
}

// ArtifactError is an error in the restJson1 shape the AWS Artifact API
// reference documents: the code in the X-Amzn-ErrorType header, a JSON body
// with a message.
func ArtifactError(status int, code, msg string) *http.Response {
	r := collectortest.JSONResponse(map[string]string{"message": msg})
	r.StatusCode = status
	r.Status = fmt.Sprintf("%d %s", status, http.StatusText(status))
	r.Header.Set("X-Amzn-ErrorType", code)
	return r
}

// ListCustomerAgreements answers AWS Artifact's ListCustomerAgreements with
// the model's agreements, after checking the request is the documented GET
// signed for the artifact service.
func (o *Organization) ListCustomerAgreements(r *http.Request, _ []byte) *http.Response {
	if r.Method != http.MethodGet || r.URL.Path != "/v1/customer-agreement/list" || !strings.Contains(r.Header.Get("Authorization"), "/artifact/aws4_request") {
		return ArtifactError(400, "ValidationException", "unexpected request "+r.Method+" "+r.URL.Path)
	}
	items := []any{}
	for _, g := range o.Agreements {
		items = append(items, g.Item())
	}
	return collectortest.JSONResponse(map[string]any{"customerAgreements": items})
}
