// Package s3 is the built-in "s3" collector. Once per account it selects the
// buckets that matter for HIPAA — the buckets CloudTrail trails deliver to,
// the buckets tagged as holding PHI, and the buckets named in the collector's
// options — and records, for each, its default encryption, bucket policy
// (normalised, with a derived flag saying whether it denies plain-HTTP
// requests), Block Public Access settings, policy status and ACL publicness,
// versioning and MFA delete, Object Lock configuration and server access
// logging. It also records the account-level Block Public Access settings.
//
// It calls only bucket-level read actions: no object is ever listed or read.
// Each bucket's configuration is read from the bucket's own regional endpoint.
//
// Evidence kinds and their fields are documented in docs/evidence/s3.md.
package s3
