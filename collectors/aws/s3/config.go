package s3

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iampolicy"
)

// encryption normalises a GetBucketEncryption response.
func encryption(out *s3.GetBucketEncryptionOutput) *Encryption {
	e := &Encryption{Configured: true, Rules: []EncryptionRule{}}
	if out.ServerSideEncryptionConfiguration == nil {
		return e
	}
	for _, r := range out.ServerSideEncryptionConfiguration.Rules {
		er := EncryptionRule{BucketKeyEnabled: aws.ToBool(r.BucketKeyEnabled)}
		if d := r.ApplyServerSideEncryptionByDefault; d != nil {
			er.SSEAlgorithm = string(d.SSEAlgorithm)
			er.KMSMasterKeyID = aws.ToString(d.KMSMasterKeyID)
		}
		e.Rules = append(e.Rules, er)
	}
	if len(e.Rules) > 0 {
		e.SSEAlgorithm = e.Rules[0].SSEAlgorithm
		e.KMSMasterKeyID = e.Rules[0].KMSMasterKeyID
		e.BucketKeyEnabled = e.Rules[0].BucketKeyEnabled
	}
	return e
}

// bucketPolicy parses a bucket policy and derives whether it enforces TLS.
func bucketPolicy(doc, partition, bucket string) (*Policy, error) {
	d, err := iampolicy.Parse([]byte(doc))
	if err != nil {
		return nil, fmt.Errorf("parse bucket policy of %s: %w", bucket, err)
	}
	p := &Policy{Exists: true, Version: d.Version, Statements: d.Statement}
	p.TLSEnforced, p.TLSStatements = TLSEnforced(d.Statement, partition, bucket)
	return p, nil
}

// TLSEnforced reports whether the statements deny every request made without
// TLS: Deny statements whose only condition is Bool (or BoolIfExists)
// aws:SecureTransport "false", that apply to every principal and every S3
// action, and that together cover the bucket ARN and every object ARN. It
// returns the indexes of the statements that qualify. This is the pattern the
// S3 user guide recommends and AWS Config's s3-bucket-ssl-requests-only rule
// looks for.
func TLSEnforced(stmts []iampolicy.Statement, partition, bucket string) (bool, []int) {
	arn := bucketARN(partition, bucket)
	idx := []int{}
	coversBucket, coversObjects := false, false
	for i, s := range stmts {
		if s.Effect != "Deny" || !allPrincipals(s) || !allS3Actions(s) || !onlyInsecureTransport(s) || len(s.NotResource) > 0 {
			continue
		}
		qualifies := false
		for _, r := range s.Resource {
			if iampolicy.Match(r, arn) {
				coversBucket, qualifies = true, true
			}
			if iampolicy.CoversAllWithPrefix(r, arn+"/") {
				coversObjects, qualifies = true, true
			}
		}
		if qualifies {
			idx = append(idx, i)
		}
	}
	if !coversBucket || !coversObjects {
		return false, []int{}
	}
	return true, idx
}

func allPrincipals(s iampolicy.Statement) bool {
	if len(s.NotPrincipal) > 0 {
		return false
	}
	for _, p := range s.Principal["AWS"] {
		if p == "*" {
			return true
		}
	}
	return false
}

func allS3Actions(s iampolicy.Statement) bool {
	if len(s.NotAction) > 0 {
		return false
	}
	for _, a := range s.Action {
		if iampolicy.CoversAllWithPrefixFold(a, "s3:") {
			return true
		}
	}
	return false
}

// onlyInsecureTransport reports whether the statement's condition is exactly
// "aws:SecureTransport is false": any further condition would narrow the deny.
// Operator and key names compare case-insensitively, as IAM treats keys.
func onlyInsecureTransport(s iampolicy.Statement) bool {
	if len(s.Condition) != 1 {
		return false
	}
	for op, keys := range s.Condition {
		if !strings.EqualFold(op, "Bool") && !strings.EqualFold(op, "BoolIfExists") {
			return false
		}
		if len(keys) != 1 {
			return false
		}
		for k, vals := range keys {
			if !strings.EqualFold(k, "aws:SecureTransport") {
				return false
			}
			for _, v := range vals {
				if strings.EqualFold(v, "false") {
					return true
				}
			}
		}
	}
	return false
}

func bucketPAB(out *s3.GetPublicAccessBlockOutput) *PublicAccessBlock {
	c := out.PublicAccessBlockConfiguration
	if c == nil {
		return &PublicAccessBlock{}
	}
	p := makePAB(c.BlockPublicAcls, c.IgnorePublicAcls, c.BlockPublicPolicy, c.RestrictPublicBuckets)
	return &p
}

func makePAB(acls, ignore, policy, restrict *bool) PublicAccessBlock {
	p := PublicAccessBlock{
		Configured:            true,
		BlockPublicAcls:       aws.ToBool(acls),
		IgnorePublicAcls:      aws.ToBool(ignore),
		BlockPublicPolicy:     aws.ToBool(policy),
		RestrictPublicBuckets: aws.ToBool(restrict),
	}
	p.AllBlocked = p.BlockPublicAcls && p.IgnorePublicAcls && p.BlockPublicPolicy && p.RestrictPublicBuckets
	return p
}

// Public group grantee URIs (S3 user guide, "Amazon S3 predefined groups").
const (
	allUsersURI           = "http://acs.amazonaws.com/groups/global/AllUsers"
	authenticatedUsersURI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
)

func acl(out *s3.GetBucketAclOutput) *ACL {
	a := &ACL{PublicGrants: []Grant{}, Grants: len(out.Grants)}
	for _, g := range out.Grants {
		if g.Grantee == nil || g.Grantee.Type != s3types.TypeGroup {
			continue
		}
		uri := aws.ToString(g.Grantee.URI)
		if uri == allUsersURI || uri == authenticatedUsersURI {
			a.Public = true
			a.PublicGrants = append(a.PublicGrants, Grant{Grantee: uri, Permission: string(g.Permission)})
		}
	}
	return a
}

func versioning(out *s3.GetBucketVersioningOutput) *Versioning {
	v := &Versioning{Status: string(out.Status), MFADelete: string(out.MFADelete)}
	if v.Status == "" {
		v.Status = "Disabled"
	}
	v.Enabled = out.Status == s3types.BucketVersioningStatusEnabled
	v.MFADeleteEnabled = out.MFADelete == s3types.MFADeleteStatusEnabled
	return v
}

func objectLock(out *s3.GetObjectLockConfigurationOutput) *ObjectLock {
	o := &ObjectLock{}
	c := out.ObjectLockConfiguration
	if c == nil {
		return o
	}
	o.Enabled = c.ObjectLockEnabled == s3types.ObjectLockEnabledEnabled
	if c.Rule != nil && c.Rule.DefaultRetention != nil {
		d := c.Rule.DefaultRetention
		o.DefaultRetention = true
		o.Mode = string(d.Mode)
		o.Days = int(aws.ToInt32(d.Days))
		o.Years = int(aws.ToInt32(d.Years))
	}
	return o
}
