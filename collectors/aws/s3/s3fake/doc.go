// Package s3fake is a model of one account's S3 buckets and its account-level
// Block Public Access setting, shared by the S3 collector's tests and the
// demo.
//
// Seed creates the buckets in the kumo emulator through the SDK with their
// tags, default encryption, bucket policy, versioning, Object Lock, server
// access logging and bucket-level Block Public Access, so kumo answers those
// reads itself. Stubs answers at the SDK's HTTP layer
// (collectortest.Transport), from the same model and with the shapes of the
// Amazon S3 and S3 Control API references, what kumo lacks or answers in
// another shape:
//   - s3:GetBucketPolicyStatus (kumo answers ?policyStatus with a
//     ListObjects result): <PolicyStatus><IsPublic>, or the
//     NoSuchBucketPolicy error for a bucket without a policy;
//   - S3 Control GetPublicAccessBlock (kumo wraps the configuration in a
//     <GetPublicAccessBlockOutput> element; the API reference documents the
//     <PublicAccessBlockConfiguration> element as the whole body): the
//     account's configuration, the NoSuchPublicAccessBlockConfiguration
//     error when there is none, AccessDenied for another account's id;
//   - s3:GetBucketLocation for buckets outside us-east-1 (kumo always
//     answers us-east-1): <LocationConstraint>.
package s3fake
