// Package iampolicy parses IAM policy documents (identity policies, bucket
// policies, key policies, service control policies) into one normalised form
// that evidence payloads carry: every statement has list-valued Action,
// NotAction, Resource and NotResource, Principal and NotPrincipal map a
// principal type to a list, and every condition value is a list of strings.
// Parse reads the grammar strictly; ParseWith relaxes it where a collector's
// evidence has always been read so (the iam and kms collectors).
// It also provides the IAM wildcard matching that collectors use to derive
// flags such as "this bucket policy denies plain-HTTP requests".
//
// The grammar follows the IAM JSON policy element reference
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html).
package iampolicy
