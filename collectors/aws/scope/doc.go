// Package scope is the built-in "scope" collector: the BAA service scope of
// the organization. It records which AWS services each account used in the
// audit period (Cost Explorer, grouped by SERVICE) and whether each is on the
// AWS HIPAA Eligible Services list (package eligible, a dated and versioned
// data file; names that match nothing are unknown, never eligible), the
// service control policies that keep accounts to eligible services, which
// accounts hold PHI (config list or account tag), and whether the AWS
// Business Associate Addendum is accepted (AWS Artifact, or manual evidence).
//
// The collector runs once per run (scope Once) with the caller's
// credentials, which in an organization run are the management account's:
//
//   - Cost Explorer in the management account sees every member account's
//     usage in one paginated query grouped by SERVICE and LINKED_ACCOUNT,
//     where a per-account query would cost one request (USD 0.01 each) per
//     account and fail wherever the management account has not granted
//     member accounts access to Cost Explorer;
//   - service control policies and account tags can be read only from the
//     management account (or a delegated administrator);
//   - the organization's BAA is an organization agreement in AWS Artifact,
//     visible to the management account.
//
// When the caller is not the management account, only the caller's own usage
// is visible: the other accounts are reported as not visible (unknown), never
// as using nothing.
//
// Evidence kinds and their fields are documented in docs/evidence/scope.md.
package scope
