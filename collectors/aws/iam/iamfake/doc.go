// Package iamfake is a model of one account's IAM, shared by the IAM
// collector's tests and the demo.
//
// What kumo implements is created in kumo through the SDK by Seed (users,
// access keys, customer-managed policies and their attachments to users and
// roles, roles with trust, inline and attached policies, instance profiles,
// OIDC providers), and kumo answers the calls it implements (ListUsers,
// GetUser, ListRoles, GetRole, ListPolicies, ListAccessKeys,
// ListAttachedRolePolicies, ListRolePolicies, GetRolePolicy,
// ListInstanceProfilesForRole, ListOpenIDConnectProviders,
// GetOpenIDConnectProvider).
//
// kumo does not implement the credential report, the password policy, the
// account summary, MFA devices, login profiles, groups, user policies,
// GetPolicyVersion, GetAccessKeyLastUsed, SAML providers or
// GetAccountAuthorizationDetails. Stubs answers those at the SDK's HTTP
// layer (collectortest.Transport) with awsQuery XML responses shaped as the
// IAM API reference documents them, built from the same model, so the bulk
// and the per-resource paths see one account.
package iamfake
