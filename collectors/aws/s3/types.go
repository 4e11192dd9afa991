package s3

import (
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iampolicy"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// The evidence kinds of the s3 collector.
const (
	// KindBuckets is the selected buckets and their configuration.
	KindBuckets = "aws.s3.buckets"
	// KindAccountPublicAccessBlock is the account-level Block Public Access
	// configuration.
	KindAccountPublicAccessBlock = "aws.s3.account_public_access_block"
)

// Reasons a bucket is selected (Bucket.Reasons).
const (
	// ReasonCloudTrail: a CloudTrail trail delivers its logs to the bucket.
	ReasonCloudTrail = "cloudtrail"
	// ReasonPHITag: the bucket carries the PHI tag.
	ReasonPHITag = "phi_tag"
	// ReasonConfig: the bucket is named in the collector's phi_buckets option.
	ReasonConfig = "config"
	// ReasonAllBuckets: the all_buckets option selects every bucket.
	ReasonAllBuckets = "all_buckets"
	// ReasonTagsUnreadable: the bucket's tags could not be read, so it may
	// hold PHI; it is collected so that nothing is silently skipped.
	ReasonTagsUnreadable = "tags_unreadable"
)

// BucketsPayload is the payload of aws.s3.buckets.
type BucketsPayload struct {
	// Selection says how the buckets were chosen and whether the choice saw
	// everything it needed.
	Selection Selection `json:"selection"`
	// Buckets holds the selected buckets of this account, sorted by name.
	Buckets []Bucket `json:"buckets"`
}

// Selection records how buckets were selected.
type Selection struct {
	// PHITagKey and PHITagValue are the tag that marks PHI buckets.
	PHITagKey string `json:"phi_tag_key"`
	// PHITagValue is the tag value that marks PHI buckets.
	PHITagValue string `json:"phi_tag_value"`
	// ConfiguredBuckets are the phi_buckets option's names.
	ConfiguredBuckets []string `json:"configured_buckets"`
	// TrailBuckets says whether trail buckets were selected.
	TrailBuckets bool `json:"trail_buckets"`
	// AllBuckets says whether every bucket was selected.
	AllBuckets bool `json:"all_buckets"`
	// BucketsListed is true when s3:ListAllMyBuckets succeeded, so PHI tags
	// of every bucket could be looked at.
	BucketsListed bool `json:"buckets_listed"`
	// TrailsRead is true when cloudtrail:DescribeTrails succeeded (or trail
	// buckets were not wanted).
	TrailsRead bool `json:"trails_read"`
	// Complete is true when the selection saw everything it needed: buckets
	// listed, trails read and every bucket's tags read.
	Complete bool `json:"complete"`
	// ExternalTrailBuckets are trail buckets that this account does not own
	// (for example an organization trail's log archive bucket). They are
	// collected by the owning account's s3 snapshot when it is in scope.
	ExternalTrailBuckets []ExternalBucket `json:"external_trail_buckets"`
	// ConfiguredNotInAccount lists phi_buckets names this account does not own.
	ConfiguredNotInAccount []string `json:"configured_not_in_account"`
}

// ExternalBucket is a trail bucket owned by another account.
type ExternalBucket struct {
	// Name is the bucket name.
	Name string `json:"name"`
	// Trails lists the ARNs of the trails that deliver to it.
	Trails []string `json:"trails"`
}

// Bucket is one selected bucket. A nil section means it could not be read;
// the failed call is in Errors (and in the snapshot's errors).
type Bucket struct {
	// Name is the bucket name.
	Name string `json:"name"`
	// ARN is the bucket ARN, arn:PARTITION:s3:::NAME.
	ARN string `json:"arn"`
	// Region is the bucket's region, or "" when it could not be read.
	Region string `json:"region"`
	// Reasons says why the bucket was selected (ReasonCloudTrail, ...).
	Reasons []string `json:"reasons"`
	// Trails lists the ARNs of trails that deliver to the bucket.
	Trails []string `json:"trails"`
	// PHI is true when the bucket is tagged or configured as holding PHI,
	// false when its tags were read and do not mark it, null when unknown.
	PHI *bool `json:"phi"`
	// Encryption is the default encryption configuration.
	Encryption *Encryption `json:"encryption"`
	// Policy is the bucket policy.
	Policy *Policy `json:"policy"`
	// PublicAccessBlock is the bucket-level Block Public Access configuration.
	PublicAccessBlock *PublicAccessBlock `json:"public_access_block"`
	// PolicyStatus is S3's own evaluation of whether the policy is public.
	PolicyStatus *PolicyStatus `json:"policy_status"`
	// ACL summarises the bucket ACL's public grants.
	ACL *ACL `json:"acl"`
	// Versioning is the versioning configuration.
	Versioning *Versioning `json:"versioning"`
	// ObjectLock is the Object Lock configuration.
	ObjectLock *ObjectLock `json:"object_lock"`
	// Logging is the server access logging configuration.
	Logging *Logging `json:"logging"`
	// Errors lists the calls about this bucket that failed.
	Errors []evidence.CallError `json:"errors"`
}

// Encryption is a bucket's default encryption.
type Encryption struct {
	// Configured is false when the bucket has no default encryption
	// configuration (ServerSideEncryptionConfigurationNotFoundError).
	Configured bool `json:"configured"`
	// SSEAlgorithm is the first rule's default algorithm: "AES256",
	// "aws:kms", "aws:kms:dsse", or "" when none.
	SSEAlgorithm string `json:"sse_algorithm"`
	// KMSMasterKeyID is the first rule's KMS key (id, alias or ARN), or "".
	KMSMasterKeyID string `json:"kms_master_key_id"`
	// BucketKeyEnabled is the first rule's S3 Bucket Key setting.
	BucketKeyEnabled bool `json:"bucket_key_enabled"`
	// Rules holds every rule.
	Rules []EncryptionRule `json:"rules"`
}

// EncryptionRule is one default-encryption rule.
type EncryptionRule struct {
	// SSEAlgorithm is the rule's default algorithm.
	SSEAlgorithm string `json:"sse_algorithm"`
	// KMSMasterKeyID is the rule's KMS key, or "".
	KMSMasterKeyID string `json:"kms_master_key_id"`
	// BucketKeyEnabled is the rule's S3 Bucket Key setting.
	BucketKeyEnabled bool `json:"bucket_key_enabled"`
}

// Policy is a bucket policy, normalised.
type Policy struct {
	// Exists is false when the bucket has no policy (NoSuchBucketPolicy).
	Exists bool `json:"exists"`
	// Version is the policy language version.
	Version string `json:"version"`
	// Statements are the normalised statements, with AWS element names
	// (Sid, Effect, Principal, Action, Resource, Condition, ...).
	Statements []iampolicy.Statement `json:"statements"`
	// TLSEnforced is true when Deny statements with aws:SecureTransport
	// "false" (Bool or BoolIfExists, and no other condition) cover every
	// principal, every s3 action, the bucket ARN and every object ARN.
	TLSEnforced bool `json:"tls_enforced"`
	// TLSStatements are the indexes of the statements that enforce TLS.
	TLSStatements []int `json:"tls_statements"`
}

// PublicAccessBlock is a Block Public Access configuration.
type PublicAccessBlock struct {
	// Configured is false when none is set
	// (NoSuchPublicAccessBlockConfiguration); all flags are then false.
	Configured bool `json:"configured"`
	// BlockPublicAcls rejects requests that add public ACLs.
	BlockPublicAcls bool `json:"block_public_acls"`
	// IgnorePublicAcls ignores existing public ACLs.
	IgnorePublicAcls bool `json:"ignore_public_acls"`
	// BlockPublicPolicy rejects public bucket policies.
	BlockPublicPolicy bool `json:"block_public_policy"`
	// RestrictPublicBuckets restricts access to public buckets.
	RestrictPublicBuckets bool `json:"restrict_public_buckets"`
	// AllBlocked is true when all four flags are true.
	AllBlocked bool `json:"all_blocked"`
}

// PolicyStatus is S3's evaluation of a bucket policy.
type PolicyStatus struct {
	// IsPublic is true when S3 considers the policy public; false also when
	// the bucket has no policy.
	IsPublic bool `json:"is_public"`
}

// ACL summarises a bucket ACL.
type ACL struct {
	// Public is true when a grant goes to the AllUsers or
	// AuthenticatedUsers group.
	Public bool `json:"public"`
	// PublicGrants lists those grants.
	PublicGrants []Grant `json:"public_grants"`
	// Grants counts all grants.
	Grants int `json:"grants"`
}

// Grant is one ACL grant to a group.
type Grant struct {
	// Grantee is the group URI.
	Grantee string `json:"grantee"`
	// Permission is the permission granted, e.g. "READ".
	Permission string `json:"permission"`
}

// Versioning is a bucket's versioning configuration.
type Versioning struct {
	// Status is "Enabled", "Suspended", or "Disabled" (never enabled).
	Status string `json:"status"`
	// Enabled is true when Status is "Enabled".
	Enabled bool `json:"enabled"`
	// MFADelete is "Enabled", "Disabled", or "" (never configured).
	MFADelete string `json:"mfa_delete"`
	// MFADeleteEnabled is true when MFADelete is "Enabled".
	MFADeleteEnabled bool `json:"mfa_delete_enabled"`
}

// ObjectLock is a bucket's Object Lock configuration.
type ObjectLock struct {
	// Enabled is true when ObjectLockEnabled is "Enabled".
	Enabled bool `json:"enabled"`
	// DefaultRetention is true when a default retention rule is set.
	DefaultRetention bool `json:"default_retention"`
	// Mode is the default retention mode ("GOVERNANCE", "COMPLIANCE"), or "".
	Mode string `json:"mode"`
	// Days is the default retention in days, or 0.
	Days int `json:"days"`
	// Years is the default retention in years, or 0.
	Years int `json:"years"`
}

// Logging is a bucket's server access logging configuration.
type Logging struct {
	// Enabled is true when access logs are delivered.
	Enabled bool `json:"enabled"`
	// TargetBucket is the bucket receiving the logs, or "".
	TargetBucket string `json:"target_bucket"`
	// TargetPrefix is the log object key prefix, or "".
	TargetPrefix string `json:"target_prefix"`
	// TargetIsSelf is true when the bucket logs into itself.
	TargetIsSelf bool `json:"target_is_self"`
}

// AccountPublicAccessBlockPayload is the payload of
// aws.s3.account_public_access_block.
type AccountPublicAccessBlockPayload struct {
	// AccountID is the account the settings belong to.
	AccountID string `json:"account_id"`
	// PublicAccessBlock holds the settings; its fields are flattened into
	// the payload.
	PublicAccessBlock
}
