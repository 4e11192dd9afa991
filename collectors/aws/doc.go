// Package aws is the AWS plumbing every built-in collector shares: SDK
// configuration (default credential chain, profiles, AWS_ENDPOINT_URL,
// adaptive retries), resolution of the accounts and regions in scope
// (Organizations fan-out and sts:AssumeRole into an audit role), the mapping
// from SDK operations to IAM action names, and the least-privilege policy
// built from collector descriptors.
package aws
