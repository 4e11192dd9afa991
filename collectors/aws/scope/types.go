package scope

import (
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iampolicy"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// The evidence kinds of the scope collector.
const (
	// KindServices is the services in use per account and their eligibility.
	KindServices = "aws.scope.services"
	// KindSCPs is the organization's service control policies.
	KindSCPs = "aws.scope.scps"
	// KindPHIAccounts is which accounts hold PHI.
	KindPHIAccounts = "aws.scope.phi_accounts"
	// KindBAA is the Business Associate Addendum's acceptance.
	KindBAA = "aws.scope.baa"
)

// Cost Explorer views (ServicesPayload.CostExplorerView).
const (
	// ViewOrganization: the caller is the management account and sees every
	// linked account's usage.
	ViewOrganization = "organization"
	// ViewAccount: the caller sees only its own usage.
	ViewAccount = "account"
	// ViewNone: Cost Explorer could not be read.
	ViewNone = "none"
)

// Organization describes the caller's organization, shared by several kinds.
type Organization struct {
	// Known is true when organizations:DescribeOrganization answered (or
	// said the account is in no organization).
	Known bool `json:"known"`
	// InOrganization is true when the caller belongs to an organization.
	InOrganization bool `json:"in_organization"`
	// ID is the organization id, e.g. "o-exampleorgid".
	ID string `json:"id"`
	// ARN is the organization ARN.
	ARN string `json:"arn"`
	// ManagementAccountID is the management account's id.
	ManagementAccountID string `json:"management_account_id"`
	// FeatureSet is "ALL" or "CONSOLIDATED_BILLING".
	FeatureSet string `json:"feature_set"`
	// CallerAccountID is the account whose credentials ran the collector.
	CallerAccountID string `json:"caller_account_id"`
	// CallerIsManagement is true when the caller is the management account.
	CallerIsManagement bool `json:"caller_is_management"`
}

// EligibleList describes the eligible-services list used.
type EligibleList struct {
	// Title is the AWS list's title.
	Title string `json:"title"`
	// Version is the data file's version.
	Version int `json:"version"`
	// ListDate is the date of the AWS list it reflects.
	ListDate string `json:"list_date"`
	// VerifiedOn is when it was last compared with its sources.
	VerifiedOn string `json:"verified_on"`
	// AgeDays is the days from VerifiedOn to collection.
	AgeDays int `json:"age_days"`
	// StaleAfterDays is the age at which the list is stale.
	StaleAfterDays int `json:"stale_after_days"`
	// Stale is true when AgeDays exceeds StaleAfterDays.
	Stale bool `json:"stale"`
	// Warning is a staleness warning for reports, or "".
	Warning string `json:"warning"`
	// SourceURL is where AWS publishes the list.
	SourceURL string `json:"source_url"`
	// Services counts the list's entries.
	Services int `json:"services"`
}

// ServicesPayload is the payload of aws.scope.services.
type ServicesPayload struct {
	// PeriodStart and PeriodEnd are the audit period (end exclusive).
	PeriodStart string `json:"period_start"`
	// PeriodEnd is the audit period's exclusive end.
	PeriodEnd string `json:"period_end"`
	// QueriedStart and QueriedEnd are the dates sent to Cost Explorer (the
	// end is capped at the day after collection).
	QueriedStart string `json:"queried_start"`
	// QueriedEnd is the exclusive end date sent to Cost Explorer.
	QueriedEnd string `json:"queried_end"`
	// Granularity is "MONTHLY".
	Granularity string `json:"granularity"`
	// Metrics are the Cost Explorer metrics read.
	Metrics []string `json:"metrics"`
	// CostExplorerView is ViewOrganization, ViewAccount or ViewNone.
	CostExplorerView string `json:"cost_explorer_view"`
	// Organization is the caller's organization.
	Organization Organization `json:"organization"`
	// EligibleList describes the list matched against.
	EligibleList EligibleList `json:"eligible_list"`
	// Accounts summarises each account in scope.
	Accounts []ServiceAccount `json:"accounts"`
	// Services holds one item per account and service in use.
	Services []ServiceUse `json:"services"`
	// Ignored holds billing-only lines per account.
	Ignored []IgnoredUse `json:"ignored"`
	// UnknownServices are the distinct service names that matched nothing.
	UnknownServices []string `json:"unknown_services"`
}

// ServiceAccount summarises one account's services.
type ServiceAccount struct {
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// Name is the account name, if known.
	Name string `json:"name"`
	// Visible is true when Cost Explorer could show this account's usage
	// to the caller; false means its services are unknown, not absent.
	Visible bool `json:"visible"`
	// PHI is the account's PHI designation (see aws.scope.phi_accounts).
	PHI *bool `json:"phi"`
	// Services counts the services in use.
	Services int `json:"services"`
	// Unknown counts the services that matched nothing on the list.
	Unknown int `json:"unknown"`
}

// ServiceUse is one service used by one account in the period.
type ServiceUse struct {
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// AccountName is the account name, if known.
	AccountName string `json:"account_name"`
	// AccountPHI is the account's PHI designation: true, false, or null
	// when unknown.
	AccountPHI *bool `json:"account_phi"`
	// Service is the Cost Explorer SERVICE name.
	Service string `json:"service"`
	// Eligibility is "eligible" or "unknown"; never anything else.
	Eligibility string `json:"eligibility"`
	// Eligible is true exactly when Eligibility is "eligible".
	Eligible bool `json:"eligible"`
	// MatchedEntries are the list entries the name matched.
	MatchedEntries []string `json:"matched_entries"`
	// Match says how it matched: "cost_explorer_name",
	// "cost_explorer_name_unverified", "service_name", "other_name",
	// "config_alias", "removed_entry", or "".
	Match string `json:"match"`
	// Qualifiers are the matched entries' limits (e.g. RDS engines).
	Qualifiers []string `json:"qualifiers"`
	// Reason explains an unknown result.
	Reason string `json:"reason"`
	// Cost is the period's unblended cost as a decimal string.
	Cost string `json:"cost"`
	// CostUnit is the currency, e.g. "USD".
	CostUnit string `json:"cost_unit"`
	// UsageQuantity is the period's summed usage quantity (mixed units;
	// non-zero means used).
	UsageQuantity string `json:"usage_quantity"`
}

// IgnoredUse is a billing-only line.
type IgnoredUse struct {
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// Service is the Cost Explorer SERVICE name.
	Service string `json:"service"`
	// Reason says why it is ignored.
	Reason string `json:"reason"`
}

// SCPPayload is the payload of aws.scope.scps.
type SCPPayload struct {
	// Organization is the caller's organization.
	Organization Organization `json:"organization"`
	// Available is true when the policies could be listed. False outside an
	// organization, with consolidated billing only, or when access failed.
	Available bool `json:"available"`
	// Complete is true when every policy, its targets and the OU accounts
	// needed to resolve them were read.
	Complete bool `json:"complete"`
	// EligibleListVersion is the list version prefixes were judged against.
	EligibleListVersion int `json:"eligible_list_version"`
	// Policies holds every service control policy.
	Policies []SCP `json:"policies"`
	// Accounts says, per account in scope, which policies keep it to
	// eligible services.
	Accounts []SCPAccount `json:"accounts"`
}

// SCP is one service control policy.
type SCP struct {
	// ID is the policy id, e.g. "p-examplepolicyid111".
	ID string `json:"id"`
	// ARN is the policy ARN.
	ARN string `json:"arn"`
	// Name is the policy name.
	Name string `json:"name"`
	// Description is the policy description.
	Description string `json:"description"`
	// AWSManaged is true for AWS managed policies such as FullAWSAccess.
	AWSManaged bool `json:"aws_managed"`
	// Targets are the roots, OUs and accounts the policy is attached to.
	Targets []Target `json:"targets"`
	// Statements are the normalised statements (AWS element names).
	Statements []iampolicy.Statement `json:"statements"`
	// ParseError is set when the content could not be parsed.
	ParseError string `json:"parse_error"`
	// Analysis derives what the policy denies.
	Analysis SCPAnalysis `json:"analysis"`
}

// Target is one attachment of a policy.
type Target struct {
	// TargetID is the root, OU or account id.
	TargetID string `json:"target_id"`
	// Type is "ROOT", "ORGANIZATIONAL_UNIT" or "ACCOUNT".
	Type string `json:"type"`
	// Name is the target's name.
	Name string `json:"name"`
}

// SCPAnalysis is what a policy's statements deny.
type SCPAnalysis struct {
	// DenyAllExcept lists the IAM prefixes a Deny+NotAction statement leaves
	// allowed (the "deny everything except" pattern); null when the policy
	// has no such statement.
	DenyAllExcept []string `json:"deny_all_except"`
	// Conditional is true when that statement carries a condition (e.g. an
	// exemption for an administrator role), so it does not bind everyone.
	Conditional bool `json:"conditional"`
	// AllowedNotEligible are prefixes DenyAllExcept leaves allowed that are
	// neither eligible services nor management tools.
	AllowedNotEligible []string `json:"allowed_not_eligible"`
	// RestrictsToEligible is true when the policy denies, unconditionally
	// and on every resource, every service except eligible services and
	// management tools.
	RestrictsToEligible bool `json:"restricts_to_eligible"`
	// DeniedServices are IAM prefixes fully denied ("svc:*" on every
	// resource, without condition).
	DeniedServices []string `json:"denied_services"`
	// DeniedIneligible are DeniedServices that are not eligible services.
	DeniedIneligible []string `json:"denied_ineligible"`
}

// SCPAccount is one account's SCP coverage.
type SCPAccount struct {
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// Name is the account name, if known.
	Name string `json:"name"`
	// Policies are the ids of the policies that apply to the account
	// (directly, through its OUs, or through the root).
	Policies []string `json:"policies"`
	// RestrictedToEligible is true when an applicable policy restricts to
	// eligible services, false when none does, null when unknown.
	RestrictedToEligible *bool `json:"restricted_to_eligible"`
	// RestrictingPolicies are the ids of the policies that do.
	RestrictingPolicies []string `json:"restricting_policies"`
}

// PHIAccountsPayload is the payload of aws.scope.phi_accounts.
type PHIAccountsPayload struct {
	// TagKey and TagValue are the account tag that marks PHI accounts.
	TagKey string `json:"tag_key"`
	// TagValue is the tag value.
	TagValue string `json:"tag_value"`
	// Configured are the phi_accounts option's ids.
	Configured []string `json:"configured"`
	// TagsRead is true when every account's tags were read.
	TagsRead bool `json:"tags_read"`
	// Designation is how PHI accounts are known: "config", "tag",
	// "config_and_tag", or "none" (no account designated; every account is
	// presumed to hold PHI).
	Designation string `json:"designation"`
	// Accounts holds one item per account in scope.
	Accounts []PHIAccount `json:"accounts"`
}

// PHIAccount is one account's PHI designation.
type PHIAccount struct {
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// Name is the account name, if known.
	Name string `json:"name"`
	// PHI is true, false, or null when unknown.
	PHI *bool `json:"phi"`
	// Reasons: "config", "tag", "presumed" (nothing designates PHI
	// accounts, so every account is presumed to hold PHI), "not_designated".
	Reasons []string `json:"reasons"`
	// TagRead is true when the account's tags were read.
	TagRead bool `json:"tag_read"`
}

// BAA API statuses (BAAPayload.APIStatus).
const (
	// APIOK: AWS Artifact answered.
	APIOK = "ok"
	// APIDenied: the caller may not call it.
	APIDenied = "denied"
	// APIUnavailable: the API is not reachable from here (partition,
	// network, emulator).
	APIUnavailable = "unavailable"
	// APIError: it failed otherwise.
	APIError = "error"
	// APISkipped: the skip_artifact option is set.
	APISkipped = "skipped"
)

// BAAPayload is the payload of aws.scope.baa.
type BAAPayload struct {
	// Source is "artifact_api" when AWS Artifact answered, else "manual".
	Source string `json:"source"`
	// APIStatus is APIOK, APIDenied, APIUnavailable, APIError or APISkipped.
	APIStatus string `json:"api_status"`
	// APIError is the failure when APIStatus is not ok or skipped.
	APIError *evidence.CallError `json:"api_error"`
	// ManualEvidenceRequired is true when acceptance must be shown by an
	// attached document (the accepted BAA downloaded from AWS Artifact).
	ManualEvidenceRequired bool `json:"manual_evidence_required"`
	// Instructions says how to attach it.
	Instructions string `json:"instructions"`
	// Accepted is true when an active BAA covers the caller's account or
	// organization, false when Artifact shows none, null when unknown.
	Accepted *bool `json:"accepted"`
	// OrganizationBAA is true when an active organization BAA exists.
	OrganizationBAA bool `json:"organization_baa"`
	// Agreements are the customer agreements Artifact returned.
	Agreements []Agreement `json:"agreements"`
	// Accounts says, per account in scope, whether a BAA covers it.
	Accounts []BAAAccount `json:"accounts"`
}

// Agreement is one AWS Artifact customer agreement.
type Agreement struct {
	// Name is the agreement name.
	Name string `json:"name"`
	// Type is "CUSTOM", "DEFAULT" or "MODIFIED".
	Type string `json:"type"`
	// State is "ACTIVE", "CUSTOMER_TERMINATED" or "AWS_TERMINATED".
	State string `json:"state"`
	// ID is the customer agreement id.
	ID string `json:"id"`
	// ARN is the customer agreement ARN.
	ARN string `json:"arn"`
	// AgreementARN is the agreement's ARN.
	AgreementARN string `json:"agreement_arn"`
	// AWSAccountID is the account that accepted it.
	AWSAccountID string `json:"aws_account_id"`
	// OrganizationARN is set for organization agreements.
	OrganizationARN string `json:"organization_arn"`
	// EffectiveStart is when it took effect (RFC 3339).
	EffectiveStart string `json:"effective_start"`
	// EffectiveEnd is when it ended, or "".
	EffectiveEnd string `json:"effective_end"`
	// Scope is "organization" or "account".
	Scope string `json:"scope"`
	// IsBAA is true when it is a Business Associate Addendum.
	IsBAA bool `json:"is_baa"`
}

// BAAAccount is one account's BAA coverage.
type BAAAccount struct {
	// AccountID is the account.
	AccountID string `json:"account_id"`
	// Name is the account name, if known.
	Name string `json:"name"`
	// Covered is true when an active BAA covers it, false when the caller's
	// own account shows none, null when unknown.
	Covered *bool `json:"covered"`
	// CoveredBy is "organization", "account" or "".
	CoveredBy string `json:"covered_by"`
}
