// Package scopefake is a model of what the BAA service scope collector
// reads beyond kumo, shared by that collector's tests and the demo: Cost
// Explorer usage by service and linked account, the organization's service
// control policies with their targets, its OU tree and account tags, and
// the AWS Artifact customer agreements.
//
// kumo implements Organizations' organization and accounts (created through
// the SDK by the caller), and a Cost Explorer that ignores GroupBy. Stubs
// answers at the SDK's HTTP layer (collectortest.Transport), from the model
// and with the response shapes of the AWS API references:
//   - ce:GetCostAndUsage grouped by SERVICE and LINKED_ACCOUNT, monthly, in
//     pages (ResultsByTime[] of TimePeriod, Total, Groups[] of Keys and
//     Metrics, Estimated; NextPageToken);
//   - organizations:ListPolicies, DescribePolicy, ListTargetsForPolicy,
//     ListOrganizationalUnitsForParent, ListAccountsForParent and
//     ListTagsForResource;
//   - artifact:ListCustomerAgreements (restJson1 GET
//     /v1/customer-agreement/list: customerAgreements[]).
package scopefake
