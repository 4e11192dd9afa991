package iam

import (
	"encoding/json"
	"time"
)

// The evidence kinds this collector produces.
const (
	// KindCredentialReport is the IAM credential report, parsed.
	KindCredentialReport = "aws.iam.credential_report"
	// KindPasswordPolicy is the account password policy.
	KindPasswordPolicy = "aws.iam.password_policy"
	// KindAccountSummary is the account summary (GetAccountSummary).
	KindAccountSummary = "aws.iam.account_summary"
	// KindVirtualMFADevices lists the account's virtual MFA devices.
	KindVirtualMFADevices = "aws.iam.virtual_mfa_devices"
	// KindUsers lists IAM users with their credentials and policies.
	KindUsers = "aws.iam.users"
	// KindGroups lists IAM groups with their members and policies.
	KindGroups = "aws.iam.groups"
	// KindRoles lists IAM roles with their trust and permission policies.
	KindRoles = "aws.iam.roles"
	// KindPolicies lists customer-managed policies with their default version.
	KindPolicies = "aws.iam.policies"
	// KindIdentityProviders lists SAML and OIDC identity providers.
	KindIdentityProviders = "aws.iam.identity_providers"
)

// Kinds lists every evidence kind of the collector, in the order of the
// snapshots it returns.
var Kinds = []string{
	KindCredentialReport,
	KindPasswordPolicy,
	KindAccountSummary,
	KindVirtualMFADevices,
	KindUsers,
	KindGroups,
	KindRoles,
	KindPolicies,
	KindIdentityProviders,
}

// Where evidence about users came from, as recorded in the payloads.
const (
	// SourceAuthorizationDetails means users, groups, roles and policies came
	// from GetAccountAuthorizationDetails.
	SourceAuthorizationDetails = "authorization_details"
	// SourcePerResource means they came from per-resource List/Get calls.
	SourcePerResource = "per_resource"
	// SourceCredentialReport means a user's login profile, MFA status and
	// access keys came from the credential report.
	SourceCredentialReport = "credential_report"
	// SourceAPI means a user's login profile, MFA devices and access keys came
	// from GetLoginProfile, ListMFADevices, ListAccessKeys and
	// GetAccessKeyLastUsed.
	SourceAPI = "api"
)

// CredentialReport is the payload of aws.iam.credential_report: the CSV report
// of GetCredentialReport parsed into typed rows. Values the report gives as
// "N/A", "no_information" or "not_supported" are null.
type CredentialReport struct {
	// GeneratedAt is when IAM generated the report. A report can be up to four
	// hours old: IAM reuses a report generated within the last four hours.
	GeneratedAt *time.Time `json:"generated_at"`
	// AsOf is the collector's clock when it read the report, so checks can
	// compute ages without a clock of their own.
	AsOf time.Time `json:"as_of"`
	// Columns lists the report's CSV header as received.
	Columns []string `json:"columns"`
	// Root is the row of the account root user (<root_account>), or null when
	// the report has none.
	Root *CredentialReportRow `json:"root"`
	// Users holds one row per IAM user, sorted by user name.
	Users []CredentialReportRow `json:"users"`
}

// CredentialReportRow is one row of the credential report. Field names are
// the report's column names; see the IAM User Guide, "Getting credential
// reports for your AWS account".
type CredentialReportRow struct {
	// User is the user's friendly name ("<root_account>" for root).
	User string `json:"user"`
	// ARN is the user's ARN.
	ARN string `json:"arn"`
	// UserCreationTime is when the user was created.
	UserCreationTime *time.Time `json:"user_creation_time"`
	// PasswordEnabled says whether the user has a console password; null for
	// root (not_supported).
	PasswordEnabled *bool `json:"password_enabled"`
	// PasswordLastUsed is when the password was last used to sign in; null
	// when never used or unknown.
	PasswordLastUsed *time.Time `json:"password_last_used"`
	// PasswordLastChanged is when the password was last set.
	PasswordLastChanged *time.Time `json:"password_last_changed"`
	// PasswordNextRotation is when the password policy requires a new
	// password.
	PasswordNextRotation *time.Time `json:"password_next_rotation"`
	// MFAActive says whether an MFA device is enabled for the user.
	MFAActive *bool `json:"mfa_active"`
	// AccessKey1Active says whether the first access key exists and is active.
	AccessKey1Active *bool `json:"access_key_1_active"`
	// AccessKey1LastRotated is when the first access key was created or last
	// changed.
	AccessKey1LastRotated *time.Time `json:"access_key_1_last_rotated"`
	// AccessKey1LastUsedDate is when the first access key last signed a
	// request.
	AccessKey1LastUsedDate *time.Time `json:"access_key_1_last_used_date"`
	// AccessKey1LastUsedRegion is the region of that request.
	AccessKey1LastUsedRegion *string `json:"access_key_1_last_used_region"`
	// AccessKey1LastUsedService is the service namespace of that request.
	AccessKey1LastUsedService *string `json:"access_key_1_last_used_service"`
	// AccessKey2Active says whether the second access key exists and is
	// active.
	AccessKey2Active *bool `json:"access_key_2_active"`
	// AccessKey2LastRotated is when the second access key was created or last
	// changed.
	AccessKey2LastRotated *time.Time `json:"access_key_2_last_rotated"`
	// AccessKey2LastUsedDate is when the second access key last signed a
	// request.
	AccessKey2LastUsedDate *time.Time `json:"access_key_2_last_used_date"`
	// AccessKey2LastUsedRegion is the region of that request.
	AccessKey2LastUsedRegion *string `json:"access_key_2_last_used_region"`
	// AccessKey2LastUsedService is the service namespace of that request.
	AccessKey2LastUsedService *string `json:"access_key_2_last_used_service"`
	// Cert1Active says whether the first signing certificate is active.
	Cert1Active *bool `json:"cert_1_active"`
	// Cert1LastRotated is when the first signing certificate was created or
	// last changed.
	Cert1LastRotated *time.Time `json:"cert_1_last_rotated"`
	// Cert2Active says whether the second signing certificate is active.
	Cert2Active *bool `json:"cert_2_active"`
	// Cert2LastRotated is when the second signing certificate was created or
	// last changed.
	Cert2LastRotated *time.Time `json:"cert_2_last_rotated"`
}

// PasswordPolicy is the payload of aws.iam.password_policy. When the account
// has no password policy (GetAccountPasswordPolicy answers NoSuchEntity) it is
// encoded as {"present": false} and nothing else; otherwise every field is
// present, null where AWS leaves a setting unset.
type PasswordPolicy struct {
	// Present says whether the account has a custom password policy.
	Present bool `json:"present"`
	// MinimumPasswordLength is the minimum number of characters.
	MinimumPasswordLength *int32 `json:"minimum_password_length"`
	// RequireSymbols requires at least one non-alphanumeric character.
	RequireSymbols bool `json:"require_symbols"`
	// RequireNumbers requires at least one digit.
	RequireNumbers bool `json:"require_numbers"`
	// RequireUppercaseCharacters requires at least one upper-case letter.
	RequireUppercaseCharacters bool `json:"require_uppercase_characters"`
	// RequireLowercaseCharacters requires at least one lower-case letter.
	RequireLowercaseCharacters bool `json:"require_lowercase_characters"`
	// AllowUsersToChangePassword lets users change their own password.
	AllowUsersToChangePassword bool `json:"allow_users_to_change_password"`
	// ExpirePasswords says whether passwords expire.
	ExpirePasswords bool `json:"expire_passwords"`
	// MaxPasswordAge is the number of days a password is valid; null when
	// passwords do not expire.
	MaxPasswordAge *int32 `json:"max_password_age"`
	// PasswordReusePrevention is how many previous passwords cannot be
	// reused; null when reuse is not restricted.
	PasswordReusePrevention *int32 `json:"password_reuse_prevention"`
	// HardExpiry prevents users from setting a new password after theirs
	// expired; null when unset.
	HardExpiry *bool `json:"hard_expiry"`
}

// MarshalJSON encodes an absent policy as {"present": false} only.
func (p PasswordPolicy) MarshalJSON() ([]byte, error) {
	if !p.Present {
		return []byte(`{"present":false}`), nil
	}
	type plain PasswordPolicy
	return json.Marshal(plain(p))
}

// AccountSummary is the payload of aws.iam.account_summary.
type AccountSummary struct {
	// AccountMFAEnabled says whether the root user has MFA (SummaryMap
	// AccountMFAEnabled = 1); null when the key is missing.
	AccountMFAEnabled *bool `json:"account_mfa_enabled"`
	// AccountAccessKeysPresent says whether the root user has access keys
	// (AccountAccessKeysPresent = 1); null when the key is missing.
	AccountAccessKeysPresent *bool `json:"account_access_keys_present"`
	// AccountSigningCertificatesPresent says whether the root user has
	// signing certificates; null when the key is missing.
	AccountSigningCertificatesPresent *bool `json:"account_signing_certificates_present"`
	// AccountPasswordPresent says whether the root user has a password; null
	// when the key is missing.
	AccountPasswordPresent *bool `json:"account_password_present"`
	// Summary is the SummaryMap as returned, keyed by the AWS names (Users,
	// MFADevicesInUse, AccountMFAEnabled, ...).
	Summary map[string]int32 `json:"summary"`
}

// VirtualMFADevices is the payload of aws.iam.virtual_mfa_devices. Together
// with AccountSummary.AccountMFAEnabled it tells whether the root user's MFA
// is a virtual or a hardware device.
type VirtualMFADevices struct {
	// RootVirtualMFA says whether a virtual MFA device is assigned to the
	// root user.
	RootVirtualMFA bool `json:"root_virtual_mfa"`
	// Devices lists every virtual MFA device, assigned or not, sorted by
	// serial number.
	Devices []VirtualMFADevice `json:"devices"`
}

// VirtualMFADevice is one virtual MFA device. Its seed and QR code are never
// read.
type VirtualMFADevice struct {
	// SerialNumber is the device's ARN.
	SerialNumber string `json:"serial_number"`
	// Assigned says whether the device is assigned to a user.
	Assigned bool `json:"assigned"`
	// UserName is the assigned user's name; null when unassigned or root.
	UserName *string `json:"user_name"`
	// UserARN is the assigned user's ARN (arn:...:root for the root user).
	UserARN *string `json:"user_arn"`
	// IsRoot says whether the device is assigned to the root user.
	IsRoot bool `json:"is_root"`
	// EnableDate is when the device was enabled.
	EnableDate *time.Time `json:"enable_date"`
}

// Users is the payload of aws.iam.users.
type Users struct {
	// AsOf is the collector's clock, the reference time of every age_days.
	AsOf time.Time `json:"as_of"`
	// Source says where the user list, groups and policies came from:
	// "authorization_details" or "per_resource".
	Source string `json:"source"`
	// FallbackReason names the failed bulk call when Source is
	// "per_resource", e.g. "iam:GetAccountAuthorizationDetails: AccessDenied".
	FallbackReason *string `json:"fallback_reason"`
	// Users lists every IAM user, sorted by user name.
	Users []User `json:"users"`
}

// User is one IAM user. A null field means it could not be read (the failure
// is in the snapshot's errors); an empty list means there are none.
type User struct {
	// UserName is the user's friendly name.
	UserName string `json:"user_name"`
	// UserID is the user's stable id.
	UserID string `json:"user_id"`
	// ARN is the user's ARN.
	ARN string `json:"arn"`
	// Path is the user's path.
	Path string `json:"path"`
	// CreateDate is when the user was created.
	CreateDate *time.Time `json:"create_date"`
	// PasswordLastUsed is when the console password was last used; null when
	// never used or unknown.
	PasswordLastUsed *time.Time `json:"password_last_used"`
	// CredentialSource says where login_profile, mfa_active, mfa_devices and
	// access_keys came from: "credential_report" or "api".
	CredentialSource string `json:"credential_source"`
	// LoginProfile describes the console password; null when unknown.
	LoginProfile *LoginProfile `json:"login_profile"`
	// MFAActive says whether the user has an MFA device enabled; null when
	// unknown.
	MFAActive *bool `json:"mfa_active"`
	// MFADevices lists the user's MFA devices; null when unknown.
	MFADevices []MFADevice `json:"mfa_devices"`
	// AccessKeys lists the user's access keys; null when unknown.
	AccessKeys []AccessKey `json:"access_keys"`
	// Groups lists the names of the groups the user belongs to, sorted.
	Groups []string `json:"groups"`
	// AttachedPolicies lists the managed policies attached to the user.
	AttachedPolicies []AttachedPolicy `json:"attached_policies"`
	// InlinePolicies lists the user's inline policies.
	InlinePolicies []InlinePolicy `json:"inline_policies"`
	// PermissionsBoundary is the ARN of the user's permissions boundary, or
	// null.
	PermissionsBoundary *string `json:"permissions_boundary"`
	// Tags holds the user's tags.
	Tags map[string]string `json:"tags"`
}

// LoginProfile describes a user's console password. Which fields are known
// depends on the source: the credential report gives present and
// password_last_changed; GetLoginProfile gives present, create_date and
// password_reset_required. Unknown fields are null.
type LoginProfile struct {
	// Present says whether the user has a console password.
	Present bool `json:"present"`
	// CreateDate is when the login profile was created.
	CreateDate *time.Time `json:"create_date"`
	// PasswordLastChanged is when the password was last set.
	PasswordLastChanged *time.Time `json:"password_last_changed"`
	// PasswordResetRequired says whether the user must set a new password at
	// next sign-in.
	PasswordResetRequired *bool `json:"password_reset_required"`
}

// The MFA device types.
const (
	// MFAVirtual is a virtual (authenticator app) device.
	MFAVirtual = "virtual"
	// MFAFIDO is a FIDO security key.
	MFAFIDO = "fido"
	// MFAHardware is a hardware TOTP token.
	MFAHardware = "hardware"
)

// MFADevice is one MFA device of a user.
type MFADevice struct {
	// SerialNumber is the device's serial number or ARN.
	SerialNumber string `json:"serial_number"`
	// Type is "virtual", "fido" or "hardware".
	Type string `json:"type"`
	// EnableDate is when the device was enabled for the user.
	EnableDate *time.Time `json:"enable_date"`
}

// AccessKey is one access key of a user. Its secret is never read.
type AccessKey struct {
	// AccessKeyID is the key's id; null when the key comes from the
	// credential report, which does not name keys.
	AccessKeyID *string `json:"access_key_id"`
	// Slot is 1 or 2, the report's access_key_1/access_key_2 columns; null
	// when the key comes from ListAccessKeys.
	Slot *int `json:"slot"`
	// Status is "Active" or "Inactive".
	Status string `json:"status"`
	// CreateDate is when the key was created (the report's
	// access_key_N_last_rotated).
	CreateDate *time.Time `json:"create_date"`
	// AgeDays is the key's age in whole days at as_of; null when the create
	// date is unknown.
	AgeDays *int `json:"age_days"`
	// LastUsedDate is when the key last signed a request; null when never
	// used or unknown.
	LastUsedDate *time.Time `json:"last_used_date"`
	// LastUsedService is the service namespace of that request.
	LastUsedService *string `json:"last_used_service"`
	// LastUsedRegion is the region of that request.
	LastUsedRegion *string `json:"last_used_region"`
}

// AttachedPolicy is a managed policy attached to a user, group or role.
type AttachedPolicy struct {
	// PolicyName is the policy's name.
	PolicyName string `json:"policy_name"`
	// PolicyARN is the policy's ARN; AWS-managed policies have account "aws".
	PolicyARN string `json:"policy_arn"`
}

// InlinePolicy is a policy embedded in a user, group or role.
type InlinePolicy struct {
	// PolicyName is the policy's name.
	PolicyName string `json:"policy_name"`
	// Document is the normalised policy; null when it could not be read or
	// parsed (the failure is in the snapshot's errors).
	Document *PolicyDocument `json:"document"`
}

// Groups is the payload of aws.iam.groups.
type Groups struct {
	// Source is "authorization_details" or "per_resource".
	Source string `json:"source"`
	// FallbackReason names the failed bulk call when Source is "per_resource".
	FallbackReason *string `json:"fallback_reason"`
	// Groups lists every IAM group, sorted by name.
	Groups []Group `json:"groups"`
}

// Group is one IAM group.
type Group struct {
	// GroupName is the group's name.
	GroupName string `json:"group_name"`
	// GroupID is the group's stable id.
	GroupID string `json:"group_id"`
	// ARN is the group's ARN.
	ARN string `json:"arn"`
	// Path is the group's path.
	Path string `json:"path"`
	// CreateDate is when the group was created.
	CreateDate *time.Time `json:"create_date"`
	// Members lists the user names in the group, sorted; null when unknown.
	Members []string `json:"members"`
	// AttachedPolicies lists the managed policies attached to the group; null
	// when unknown.
	AttachedPolicies []AttachedPolicy `json:"attached_policies"`
	// InlinePolicies lists the group's inline policies; null when unknown.
	InlinePolicies []InlinePolicy `json:"inline_policies"`
}

// Roles is the payload of aws.iam.roles.
type Roles struct {
	// Source is "authorization_details" or "per_resource".
	Source string `json:"source"`
	// FallbackReason names the failed bulk call when Source is "per_resource".
	FallbackReason *string `json:"fallback_reason"`
	// Roles lists every IAM role, sorted by name.
	Roles []Role `json:"roles"`
}

// Role is one IAM role.
type Role struct {
	// RoleName is the role's name.
	RoleName string `json:"role_name"`
	// RoleID is the role's stable id.
	RoleID string `json:"role_id"`
	// ARN is the role's ARN.
	ARN string `json:"arn"`
	// Path is the role's path.
	Path string `json:"path"`
	// CreateDate is when the role was created.
	CreateDate *time.Time `json:"create_date"`
	// ServiceLinked says whether the role is service-linked (its path starts
	// with /aws-service-role/).
	ServiceLinked bool `json:"service_linked"`
	// TrustPolicy is the normalised assume-role policy; null when it could
	// not be parsed.
	TrustPolicy *PolicyDocument `json:"trust_policy"`
	// AttachedPolicies lists the managed policies attached to the role; null
	// when unknown.
	AttachedPolicies []AttachedPolicy `json:"attached_policies"`
	// InlinePolicies lists the role's inline policies; null when unknown.
	InlinePolicies []InlinePolicy `json:"inline_policies"`
	// PermissionsBoundary is the ARN of the role's permissions boundary, or
	// null.
	PermissionsBoundary *string `json:"permissions_boundary"`
	// LastUsed says when and where the role was last assumed; null when
	// unknown.
	LastUsed *RoleLastUsed `json:"last_used"`
	// InstanceProfiles lists the ARNs of instance profiles holding the role;
	// null when unknown.
	InstanceProfiles []string `json:"instance_profiles"`
	// Tags holds the role's tags; null when unknown.
	Tags map[string]string `json:"tags"`
}

// RoleLastUsed is when and where a role was last used. Both fields are null
// for a role never used within IAM's tracking period (400 days).
type RoleLastUsed struct {
	// Date is when the role was last used.
	Date *time.Time `json:"date"`
	// Region is the region it was used in.
	Region *string `json:"region"`
}

// Policies is the payload of aws.iam.policies.
type Policies struct {
	// Source is "authorization_details" or "per_resource".
	Source string `json:"source"`
	// FallbackReason names the failed bulk call when Source is "per_resource".
	FallbackReason *string `json:"fallback_reason"`
	// Policies lists every customer-managed policy, sorted by ARN.
	Policies []ManagedPolicy `json:"policies"`
}

// ManagedPolicy is one customer-managed policy.
type ManagedPolicy struct {
	// PolicyName is the policy's name.
	PolicyName string `json:"policy_name"`
	// PolicyID is the policy's stable id.
	PolicyID string `json:"policy_id"`
	// ARN is the policy's ARN.
	ARN string `json:"arn"`
	// Path is the policy's path.
	Path string `json:"path"`
	// DefaultVersionID is the id of the default version, e.g. "v3".
	DefaultVersionID string `json:"default_version_id"`
	// AttachmentCount is how many users, groups and roles it is attached to.
	AttachmentCount *int32 `json:"attachment_count"`
	// PermissionsBoundaryUsageCount is how many entities use it as a
	// permissions boundary.
	PermissionsBoundaryUsageCount *int32 `json:"permissions_boundary_usage_count"`
	// IsAttachable says whether it can be attached.
	IsAttachable bool `json:"is_attachable"`
	// CreateDate is when the policy was created.
	CreateDate *time.Time `json:"create_date"`
	// UpdateDate is when it was last updated.
	UpdateDate *time.Time `json:"update_date"`
	// Document is the normalised default version; null when it could not be
	// read or parsed.
	Document *PolicyDocument `json:"document"`
}

// IdentityProviders is the payload of aws.iam.identity_providers.
type IdentityProviders struct {
	// SAML lists the SAML providers, sorted by ARN; null when they could not
	// be listed.
	SAML []SAMLProvider `json:"saml"`
	// OIDC lists the OpenID Connect providers, sorted by ARN; null when they
	// could not be listed.
	OIDC []OIDCProvider `json:"oidc"`
}

// SAMLProvider is one SAML identity provider.
type SAMLProvider struct {
	// ARN is the provider's ARN.
	ARN string `json:"arn"`
	// Name is the provider's name (the last part of the ARN).
	Name string `json:"name"`
	// CreateDate is when the provider was created.
	CreateDate *time.Time `json:"create_date"`
	// ValidUntil is when its metadata document expires.
	ValidUntil *time.Time `json:"valid_until"`
}

// OIDCProvider is one OpenID Connect identity provider.
type OIDCProvider struct {
	// ARN is the provider's ARN.
	ARN string `json:"arn"`
	// URL is the issuer URL; null when GetOpenIDConnectProvider failed.
	URL *string `json:"url"`
	// ClientIDs lists the audiences; null when unknown.
	ClientIDs []string `json:"client_ids"`
	// Thumbprints lists the server certificate thumbprints; null when
	// unknown.
	Thumbprints []string `json:"thumbprints"`
	// CreateDate is when the provider was created.
	CreateDate *time.Time `json:"create_date"`
}
