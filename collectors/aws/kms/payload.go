package kms

import (
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iampolicy"
)

// Kind is the evidence kind of the collector's snapshots.
const Kind = "aws.kms.keys"

// Payload is the payload of an aws.kms.keys snapshot: every key of one
// account and region.
type Payload struct {
	// Keys holds every key kms:ListKeys returned, sorted by ARN.
	Keys []Key `json:"keys"`
	// Aliases holds every alias of the region (kms:ListAliases), sorted by
	// name, including AWS-managed aliases and aliases with no target key. It
	// is null when kms:ListAliases failed.
	Aliases []Alias `json:"aliases"`
}

// Key is one KMS key. Fields that come from a call that failed are left at
// their zero value (or null) and the call is named in FailedActions; a check
// must treat such a key as not seen.
type Key struct {
	// KeyID is the key id.
	KeyID string `json:"key_id"`
	// ARN is the key ARN.
	ARN string `json:"arn"`
	// AccountID is the account that owns the key.
	AccountID string `json:"account_id"`
	// Description is the key's description.
	Description string `json:"description"`
	// KeyManager is CUSTOMER or AWS ("" when kms:DescribeKey failed).
	KeyManager string `json:"key_manager"`
	// CustomerManaged is KeyManager == "CUSTOMER".
	CustomerManaged bool `json:"customer_managed"`
	// KeyState is Creating, Enabled, Disabled, PendingDeletion,
	// PendingReplicaDeletion, PendingImport, Unavailable or Updating.
	KeyState string `json:"key_state"`
	// Enabled is KeyState == "Enabled".
	Enabled bool `json:"enabled"`
	// PendingDeletion is true when KeyState is PendingDeletion or
	// PendingReplicaDeletion.
	PendingDeletion bool `json:"pending_deletion"`
	// KeySpec is e.g. SYMMETRIC_DEFAULT, RSA_2048, ECC_NIST_P256, HMAC_256.
	KeySpec string `json:"key_spec"`
	// KeyUsage is ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC or
	// KEY_AGREEMENT.
	KeyUsage string `json:"key_usage"`
	// Origin is AWS_KMS, EXTERNAL, AWS_CLOUDHSM or EXTERNAL_KEY_STORE.
	Origin string `json:"origin"`
	// CustomKeyStoreID is the custom key store holding the key, if any.
	CustomKeyStoreID string `json:"custom_key_store_id"`
	// MultiRegion says whether the key is a multi-Region key.
	MultiRegion bool `json:"multi_region"`
	// MultiRegionKeyType is PRIMARY or REPLICA for multi-Region keys.
	MultiRegionKeyType string `json:"multi_region_key_type"`
	// PrimaryKeyARN is the primary key of a multi-Region key.
	PrimaryKeyARN string `json:"primary_key_arn"`
	// CreationDate is when the key was created.
	CreationDate *time.Time `json:"creation_date"`
	// DeletionDate is when a key pending deletion will be deleted.
	DeletionDate *time.Time `json:"deletion_date"`
	// PendingDeletionWindowInDays is the waiting period of a key pending
	// deletion.
	PendingDeletionWindowInDays *int32 `json:"pending_deletion_window_in_days"`
	// ValidTo is when imported key material expires.
	ValidTo *time.Time `json:"valid_to"`
	// RotationApplicable is true for the keys automatic rotation applies to:
	// customer-managed SYMMETRIC_DEFAULT keys with Origin AWS_KMS outside a
	// custom key store (AWS KMS API Reference, EnableKeyRotation).
	RotationApplicable bool `json:"rotation_applicable"`
	// Rotation is the rotation status. It is read for applicable keys in state
	// Enabled or Disabled and is null otherwise (or when the call failed).
	Rotation *Rotation `json:"rotation"`
	// Aliases lists the names of the aliases that point at the key, sorted;
	// null when kms:ListAliases failed (the snapshot's errors name it).
	Aliases []string `json:"aliases"`
	// Policy is the normalised key policy (policy name "default"); null when
	// kms:GetKeyPolicy failed or the policy could not be parsed.
	Policy *PolicyDocument `json:"policy"`
	// Access is the analysis of Policy and Grants: who administers and who
	// uses the key. Null when the policy was not seen.
	Access *Access `json:"access"`
	// Grants lists the key's grants; null when kms:ListGrants failed.
	Grants []Grant `json:"grants"`
	// FailedActions lists the actions that failed for this key, sorted.
	// Non-empty means the key's evidence is incomplete.
	FailedActions []string `json:"failed_actions"`
}

// Rotation is the result of kms:GetKeyRotationStatus.
type Rotation struct {
	// Enabled is KeyRotationEnabled.
	Enabled bool `json:"enabled"`
	// RotationPeriodInDays is the rotation period, when the API returns one.
	RotationPeriodInDays *int32 `json:"rotation_period_in_days"`
	// NextRotationDate is the next scheduled rotation, when returned.
	NextRotationDate *time.Time `json:"next_rotation_date"`
	// OnDemandRotationStartDate is when an in-progress on-demand rotation
	// started, when returned.
	OnDemandRotationStartDate *time.Time `json:"on_demand_rotation_start_date"`
}

// Alias is one KMS alias.
type Alias struct {
	// Name is the alias name, e.g. "alias/phi-data".
	Name string `json:"name"`
	// ARN is the alias ARN.
	ARN string `json:"arn"`
	// TargetKeyID is the id of the key the alias points at ("" for none).
	TargetKeyID string `json:"target_key_id"`
	// AWSManaged is true for aliases that begin with "alias/aws/".
	AWSManaged bool `json:"aws_managed"`
	// CreationDate is when the alias was created.
	CreationDate *time.Time `json:"creation_date"`
	// LastUpdatedDate is when the alias was last pointed at a key.
	LastUpdatedDate *time.Time `json:"last_updated_date"`
}

// Grant is one grant on a key (kms:ListGrants).
type Grant struct {
	// GrantID is the grant id.
	GrantID string `json:"grant_id"`
	// Name is the grant's friendly name, if any.
	Name string `json:"name"`
	// GranteePrincipal is the principal that receives the operations.
	GranteePrincipal string `json:"grantee_principal"`
	// RetiringPrincipal is the principal that may retire the grant.
	RetiringPrincipal string `json:"retiring_principal"`
	// IssuingAccount is the account (as an ARN) that created the grant.
	IssuingAccount string `json:"issuing_account"`
	// Operations lists the grant's operations as IAM actions, e.g.
	// "kms:Decrypt", sorted.
	Operations []string `json:"operations"`
	// Constrained is true when the grant carries encryption context
	// constraints.
	Constrained bool `json:"constrained"`
	// ConstraintKeys lists the encryption context keys the constraints name
	// (values are not recorded: they are customer data).
	ConstraintKeys []string `json:"constraint_keys"`
	// CreationDate is when the grant was created.
	CreationDate *time.Time `json:"creation_date"`
}

// PolicyDocument is a normalised key policy (iampolicy.Document). It keeps
// the AWS policy language's key names (Version, Id, Statement, ...), unlike
// the rest of the payload, so checks can be written in the policy's own
// terms; Id is "" when absent.
type PolicyDocument = iampolicy.Document

// Statement is one normalised policy statement (iampolicy.Statement). Action,
// NotAction, Resource and NotResource are always lists (empty when absent);
// Principal and NotPrincipal map a principal type ("AWS", "Service",
// "Federated", "CanonicalUser") to a list of principals, with
// "Principal": "*" written as {"AWS": ["*"]} (IAM User Guide, Principal
// element); Condition maps operator → condition key → values, always lists of
// strings.
type Statement = iampolicy.Statement

// Access says who can administer and who can use a key, from its policy's
// Allow statements (less unconditional Deny statements) and its grants.
type Access struct {
	// Principals lists every principal the policy or a grant names, sorted.
	Principals []PrincipalAccess `json:"principals"`
	// Administrators lists the principals with at least one admin action.
	Administrators []string `json:"administrators"`
	// Users lists the principals with at least one use action.
	Users []string `json:"users"`
	// AdministratorsWhoUse lists the principals in both lists: the
	// separation-of-duties findings (the account root included; see
	// PrincipalAccess.AccountRoot).
	AdministratorsWhoUse []string `json:"administrators_who_use"`
	// FullAccess lists the principals allowed every KMS action (kms:* or
	// equivalent).
	FullAccess []string `json:"full_access"`
	// FullAccessNonRoot is FullAccess without the key account's root.
	FullAccessNonRoot []string `json:"full_access_non_root"`
	// Notes lists what the analysis could not model exactly (conditional
	// Deny statements, NotPrincipal, non-KMS actions), so a reviewer can
	// judge the result.
	Notes []string `json:"notes"`
}

// PrincipalAccess is what one principal may do with a key.
type PrincipalAccess struct {
	// Principal is the principal: an ARN, a service principal such as
	// "cloudtrail.amazonaws.com", or "*". A bare account id is written as
	// that account's root ARN.
	Principal string `json:"principal"`
	// Type is AWS, Service, Federated or CanonicalUser.
	Type string `json:"type"`
	// AccountRoot is true for the root ARN of the key's own account, which
	// delegates access to the account's IAM policies.
	AccountRoot bool `json:"account_root"`
	// Wildcard is true for "*" (any principal, usually narrowed by
	// conditions).
	Wildcard bool `json:"wildcard"`
	// AdminActions lists the admin actions allowed, sorted.
	AdminActions []string `json:"admin_actions"`
	// UseActions lists the cryptographic (use) actions allowed, sorted.
	UseActions []string `json:"use_actions"`
	// GrantActions lists the grant-management actions allowed, sorted.
	GrantActions []string `json:"grant_actions"`
	// ReadActions lists the read-only actions allowed, sorted.
	ReadActions []string `json:"read_actions"`
	// OtherActions lists allowed actions outside the classification (KMS
	// actions newer than the list, or kms:GenerateRandom), sorted.
	OtherActions []string `json:"other_actions"`
	// Administers is len(AdminActions) > 0.
	Administers bool `json:"administers"`
	// Uses is len(UseActions) > 0.
	Uses bool `json:"uses"`
	// AdministersAndUses is Administers && Uses: a separation-of-duties
	// finding.
	AdministersAndUses bool `json:"administers_and_uses"`
	// FullAccess is true when every KMS action is allowed.
	FullAccess bool `json:"full_access"`
	// Conditional is true when at least one statement or grant that gives the
	// principal access carries a condition or constraint.
	Conditional bool `json:"conditional"`
	// Sources names where the access comes from: "policy:<Sid>" (or
	// "policy:#<index>" for a statement without Sid) and "grant:<GrantId>".
	Sources []string `json:"sources"`
}
