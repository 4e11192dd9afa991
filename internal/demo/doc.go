// Package demo is the sample organization `hipaa-evidence demo` collects
// from: an AWS organization run by the kumo emulator, seeded with plausible
// resources, that the real collectors read through the real AWS SDK.
//
// The organization is data, defined in one place (sample.go): "Example
// Health", a management account and three member accounts — clinic-prod and
// analytics, which hold PHI, and sandbox, which does not — in us-east-1 and
// us-west-2. Its resources are chosen so that the evaluation shows a
// realistic mix: controls that pass, findings that fail (a console user
// without MFA, an admin-wildcard policy, an old access key, a key without
// rotation, a PHI bucket without TLS enforcement, a non-eligible service in a
// PHI account, ...), and honest gaps (evidence the audit role may not read in
// one account, a region an SCP closes in another), which are reported as
// unknown, never as passing.
//
// Start runs the organization: one emulator process per account (kumo keeps
// its state per process) plus one per account for KMS in us-west-2 (kumo
// does not separate regions), behind collectortest's router, which sends
// each request to the emulator of the account whose credentials signed it.
// Everything kumo implements is created through the SDK; the calls kumo
// lacks are answered at the SDK's HTTP layer by the same models the
// collectors' tests use (iamfake, kmsfake, cloudtrailfake, s3fake,
// scopefake), in the response shapes of the AWS API references.
//
// The process that calls Start must call collectortest.ServeIfChild first
// thing in main (and collectortest.Main from TestMain in tests): the
// emulator processes are the running executable, started again.
package demo
