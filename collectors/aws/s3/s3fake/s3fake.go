package s3fake

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
)

// Bucket is one bucket of the model.
type Bucket struct {
	// Name is the bucket's name.
	Name string
	// Region is the bucket's region; empty means us-east-1.
	Region string
	// Tags are the bucket's tags, in order.
	Tags []Tag
	// Encryption is the default encryption; nil means none configured.
	Encryption *Encryption
	// Policy is the bucket policy document; empty means none.
	Policy string
	// PolicyIsPublic is what GetBucketPolicyStatus reports for a bucket
	// with a policy.
	PolicyIsPublic bool
	// Versioning enables versioning.
	Versioning bool
	// ObjectLock is the Object Lock default retention; nil means none.
	ObjectLock *ObjectLock
	// Logging is the server access logging target; nil means off.
	Logging *Logging
	// PublicAccessBlock is the bucket's Block Public Access setting; nil
	// means not configured.
	PublicAccessBlock *PublicAccessBlock
}

// Tag is a bucket tag.
type Tag struct {
	// Key and Value are the tag's key and value.
	Key, Value string
}

// Encryption is a bucket's default encryption rule.
type Encryption struct {
	// Algorithm is the SSE algorithm: AES256, aws:kms or aws:kms:dsse.
	Algorithm types.ServerSideEncryption
	// KMSKey is the KMS key for aws:kms; empty means the AWS managed key.
	KMSKey string
	// BucketKey enables an S3 Bucket Key.
	BucketKey bool
}

// ObjectLock is an Object Lock default retention.
type ObjectLock struct {
	// Mode is GOVERNANCE or COMPLIANCE.
	Mode types.ObjectLockRetentionMode
	// Years or Days is the retention period; set one.
	Years, Days int32
}

// Logging is a server access logging target.
type Logging struct {
	// TargetBucket receives the logs.
	TargetBucket string
	// TargetPrefix prefixes the log objects' keys.
	TargetPrefix string
}

// PublicAccessBlock is a Block Public Access configuration.
type PublicAccessBlock struct {
	// BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy and
	// RestrictPublicBuckets are its four settings.
	BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets bool
}

// AllBlocked returns a configuration with every setting on.
func AllBlocked() *PublicAccessBlock {
	return &PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}
}

// Account is the S3 set-up of one account.
type Account struct {
	// ID is the account id; S3 Control calls naming another account are
	// denied.
	ID string
	// Buckets are the account's buckets.
	Buckets []*Bucket

	mu  sync.Mutex
	pab *PublicAccessBlock
}

// SetPublicAccessBlock sets the account-level Block Public Access
// configuration the stub answers; nil means not configured.
func (a *Account) SetPublicAccessBlock(p *PublicAccessBlock) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pab = p
}

func (a *Account) publicAccessBlock() *PublicAccessBlock {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pab
}

// Bucket returns the bucket named name, or nil.
func (a *Account) Bucket(name string) *Bucket {
	for _, b := range a.Buckets {
		if b.Name == name {
			return b
		}
	}
	return nil
}

// Seed creates the buckets and their configuration in kumo through the SDK
// with cfg.
func (a *Account) Seed(ctx context.Context, cfg aws.Config) error {
	c := s3.NewFromConfig(cfg)
	for _, b := range a.Buckets {
		if err := seedBucket(ctx, c, b); err != nil {
			return fmt.Errorf("bucket %s: %w", b.Name, err)
		}
	}
	return nil
}

func seedBucket(ctx context.Context, c *s3.Client, b *Bucket) error {
	name := aws.String(b.Name)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: name}); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if len(b.Tags) > 0 {
		var set []types.Tag
		for _, t := range b.Tags {
			set = append(set, types.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
		}
		if _, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: name, Tagging: &types.Tagging{TagSet: set}}); err != nil {
			return fmt.Errorf("put tagging: %w", err)
		}
	}
	if e := b.Encryption; e != nil {
		def := &types.ServerSideEncryptionByDefault{SSEAlgorithm: e.Algorithm}
		if e.KMSKey != "" {
			def.KMSMasterKeyID = aws.String(e.KMSKey)
		}
		rule := types.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: def}
		if e.BucketKey {
			rule.BucketKeyEnabled = aws.Bool(true)
		}
		if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: name,
			ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{rule}}}); err != nil {
			return fmt.Errorf("put encryption: %w", err)
		}
	}
	if b.Policy != "" {
		if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: name, Policy: aws.String(b.Policy)}); err != nil {
			return fmt.Errorf("put policy: %w", err)
		}
	}
	if b.Versioning {
		if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: name,
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
			return fmt.Errorf("put versioning: %w", err)
		}
	}
	if l := b.ObjectLock; l != nil {
		ret := &types.DefaultRetention{Mode: l.Mode}
		if l.Years > 0 {
			ret.Years = aws.Int32(l.Years)
		}
		if l.Days > 0 {
			ret.Days = aws.Int32(l.Days)
		}
		if _, err := c.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: name,
			ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
				Rule: &types.ObjectLockRule{DefaultRetention: ret}}}); err != nil {
			return fmt.Errorf("put object lock: %w", err)
		}
	}
	if l := b.Logging; l != nil {
		if _, err := c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: name,
			BucketLoggingStatus: &types.BucketLoggingStatus{LoggingEnabled: &types.LoggingEnabled{TargetBucket: aws.String(l.TargetBucket), TargetPrefix: aws.String(l.TargetPrefix)}}}); err != nil {
			return fmt.Errorf("put logging: %w", err)
		}
	}
	if p := b.PublicAccessBlock; p != nil {
		if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: name,
			PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(p.BlockPublicAcls),
				IgnorePublicAcls: aws.Bool(p.IgnorePublicAcls), BlockPublicPolicy: aws.Bool(p.BlockPublicPolicy), RestrictPublicBuckets: aws.Bool(p.RestrictPublicBuckets)}}); err != nil {
			return fmt.Errorf("put public access block: %w", err)
		}
	}
	return nil
}

// Delete removes the model's buckets from kumo, for tests that share one
// emulator state and create the buckets afresh.
func (a *Account) Delete(ctx context.Context, cfg aws.Config) error {
	c := s3.NewFromConfig(cfg)
	for _, b := range a.Buckets {
		if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(b.Name)}); err != nil {
			return fmt.Errorf("delete bucket %s: %w", b.Name, err)
		}
	}
	return nil
}

// Stubs returns the handlers of the calls kumo lacks, keyed as
// collectortest.Transport.Stub expects. S3 Control's GetPublicAccessBlock
// has the same operation key as the bucket-level call; the handler tells
// them apart by path.
func (a *Account) Stubs() map[string]collectortest.Handler {
	return map[string]collectortest.Handler{
		"s3:GetPublicAccessBlock":  a.GetPublicAccessBlock,
		"s3:GetBucketPolicyStatus": a.GetBucketPolicyStatus,
		"s3:GetBucketLocation":     a.GetBucketLocation,
	}
}

// Install sets the model's stubs on tr.
func (a *Account) Install(tr *collectortest.Transport) {
	for key, h := range a.Stubs() {
		tr.Stub(key, h)
	}
}

// ControlError is an S3 Control error as its API reference documents it:
// unlike S3, the <Error> element is wrapped in <ErrorResponse>.
func ControlError(status int, code, msg string) *http.Response {
	r := collectortest.XMLResponse(fmt.Sprintf(`<ErrorResponse><Error><Code>%s</Code><Message>%s</Message></Error><RequestId>0000000000000000</RequestId><HostId>host</HostId></ErrorResponse>`, code, msg))
	r.StatusCode = status
	r.Status = fmt.Sprintf("%d %s", status, http.StatusText(status))
	return r
}

// GetPublicAccessBlock answers S3 Control's GetPublicAccessBlock with the
// account's configuration, and passes the bucket-level operation of the same
// name on to kumo.
func (a *Account) GetPublicAccessBlock(r *http.Request, _ []byte) *http.Response {
	if !strings.HasPrefix(r.URL.Path, "/v20180820/") {
		return nil
	}
	if r.Header.Get("X-Amz-Account-Id") != a.ID {
		return ControlError(403, "AccessDenied", "Access Denied")
	}
	p := a.publicAccessBlock()
	if p == nil {
		return ControlError(404, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
	}
	return collectortest.XMLResponse(fmt.Sprintf(`<PublicAccessBlockConfiguration><BlockPublicAcls>%t</BlockPublicAcls><IgnorePublicAcls>%t</IgnorePublicAcls><BlockPublicPolicy>%t</BlockPublicPolicy><RestrictPublicBuckets>%t</RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
		p.BlockPublicAcls, p.IgnorePublicAcls, p.BlockPublicPolicy, p.RestrictPublicBuckets))
}

// bucketOf returns the bucket a path-style request names.
func (a *Account) bucketOf(r *http.Request) *Bucket {
	name, _, _ := strings.Cut(strings.Trim(r.URL.Path, "/"), "/")
	return a.Bucket(name)
}

// GetBucketPolicyStatus answers s3:GetBucketPolicyStatus: IsPublic for a
// bucket of the model with a policy, NoSuchBucketPolicy otherwise.
func (a *Account) GetBucketPolicyStatus(r *http.Request, _ []byte) *http.Response {
	b := a.bucketOf(r)
	if b == nil || b.Policy == "" {
		return collectortest.ErrorResponse("s3:GetBucketPolicyStatus", 404, "NoSuchBucketPolicy", "The bucket policy does not exist")
	}
	return collectortest.XMLResponse(fmt.Sprintf(`<PolicyStatus xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsPublic>%t</IsPublic></PolicyStatus>`, b.PolicyIsPublic))
}

// GetBucketLocation answers s3:GetBucketLocation for buckets of the model
// outside us-east-1 and passes the others on to kumo.
func (a *Account) GetBucketLocation(r *http.Request, _ []byte) *http.Response {
	b := a.bucketOf(r)
	if b == nil || b.Region == "" || b.Region == "us-east-1" {
		return nil
	}
	return collectortest.XMLResponse(fmt.Sprintf(`<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">%s</LocationConstraint>`, b.Region))
}
