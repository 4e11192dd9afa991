// Package iam is the built-in collector of AWS Identity and Access Management
// evidence. It runs once per account and produces nine evidence kinds: the
// credential report, the account password policy, the account summary, the
// virtual MFA devices, users, groups, roles, customer-managed policies and
// identity providers (SAML and OIDC).
//
// It prefers bulk APIs: the credential report (GenerateCredentialReport, then
// GetCredentialReport) and GetAccountAuthorizationDetails. When a bulk call is
// denied or not supported by the endpoint it falls back to per-resource calls
// (ListUsers, ListRoles, ListPolicies with GetPolicyVersion, the per-entity
// policy and group listings, GetLoginProfile, ListMFADevices, ListAccessKeys
// and GetAccessKeyLastUsed), and records which path produced the evidence in
// the payload. A failed call never aborts collection: it is recorded in the
// snapshot of the evidence it would have fed, which becomes partial (or error
// when nothing could be seen).
//
// Every policy document (inline, managed default version, role trust policy)
// is URL-decoded and normalised: Statement is always a list; Action,
// NotAction, Resource and NotResource are always lists; Principal and
// NotPrincipal are objects of lists ("*" becomes {"AWS":["*"]}); Condition
// values are lists of strings. The AWS key names are kept so that checks read
// naturally, e.g. item.document.Statement.exists(s, s.Effect == "Allow" &&
// "*" in s.Action).
//
// The collector never reads secrets: no access key secrets, no passwords, no
// virtual MFA seeds or QR codes. Access key ids are recorded where an API
// returns them. The payload fields of every kind are documented in
// docs/evidence/iam.md.
package iam
