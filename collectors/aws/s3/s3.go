package s3

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iampolicy"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
)

// Name is the registered name of the collector.
const Name = "s3"

// Version is the collector's version, recorded in every snapshot.
const Version = "1.0.0"

// The IAM actions the collector calls. Operation names differ from some of
// them (see collectors/aws.ActionFor).
const (
	actListBuckets     = "s3:ListAllMyBuckets"
	actDescribeTrails  = "cloudtrail:DescribeTrails"
	actGetLocation     = "s3:GetBucketLocation"
	actGetTagging      = "s3:GetBucketTagging"
	actGetEncryption   = "s3:GetEncryptionConfiguration"
	actGetPolicy       = "s3:GetBucketPolicy"
	actGetPolicyStatus = "s3:GetBucketPolicyStatus"
	actGetBucketPAB    = "s3:GetBucketPublicAccessBlock"
	actGetACL          = "s3:GetBucketAcl"
	actGetVersioning   = "s3:GetBucketVersioning"
	actGetObjectLock   = "s3:GetBucketObjectLockConfiguration"
	actGetLogging      = "s3:GetBucketLogging"
	actGetAccountPAB   = "s3:GetAccountPublicAccessBlock"
)

// actions lists every action the collector may call; all are read-only and
// bucket- or account-level.
var actions = []string{
	actDescribeTrails,
	actGetAccountPAB,
	actGetACL,
	actGetLocation,
	actGetLogging,
	actGetObjectLock,
	actGetPolicy,
	actGetPolicyStatus,
	actGetBucketPAB,
	actGetTagging,
	actGetVersioning,
	actGetEncryption,
	actListBuckets,
}

// Error codes that mean "not configured": evidence, not failures.
const (
	codeNoEncryption = "ServerSideEncryptionConfigurationNotFoundError"
	codeNoPolicy     = "NoSuchBucketPolicy"
	codeNoPAB        = "NoSuchPublicAccessBlockConfiguration"
	codeNoObjectLock = "ObjectLockConfigurationNotFoundError"
	codeNoTagSet     = "NoSuchTagSet"
)

func init() {
	collectors.Register(Name, func() collectors.Collector { return New() })
}

// Collector is the s3 collector.
type Collector struct{}

// New returns the s3 collector.
func New() *Collector { return &Collector{} }

// Describe returns the collector's descriptor.
func (*Collector) Describe() collectors.Descriptor {
	return collectors.Descriptor{
		Name:          Name,
		Version:       Version,
		Summary:       "S3 trail and PHI buckets: encryption, TLS-only policy, public access, versioning, Object Lock, access logging",
		Scope:         collectors.PerAccount,
		EvidenceKinds: []string{KindBuckets, KindAccountPublicAccessBlock},
		Actions:       append([]string(nil), actions...),
	}
}

// Collect gathers the account's S3 evidence.
func (c *Collector) Collect(ctx context.Context, req *collectors.Request) (*collectors.Response, error) {
	opts, err := DecodeOptions(req.Options)
	if err != nil {
		return nil, err
	}
	r := &run{
		req:       req,
		opts:      opts,
		partition: partitionOf(req),
		home:      s3.NewFromConfig(req.AWS),
		clients:   map[string]*s3.Client{},
		b:         collectors.NewBuilder(KindBuckets),
	}
	buckets := r.collectBuckets(ctx)
	bs, err := r.b.Snapshot(buckets)
	if err != nil {
		return nil, err
	}
	as, err := accountPublicAccessBlock(ctx, req)
	if err != nil {
		return nil, err
	}
	return &collectors.Response{Snapshots: []*evidence.Snapshot{bs, as}}, nil
}

func partitionOf(req *collectors.Request) string {
	if req.Target.Partition != "" {
		return req.Target.Partition
	}
	return "aws"
}

// run is the state of one collection.
type run struct {
	req       *collectors.Request
	opts      Options
	partition string
	home      *s3.Client
	b         *collectors.Builder

	mu      sync.Mutex
	clients map[string]*s3.Client
}

// client returns an S3 client for region, so each bucket's calls go to its
// own regional endpoint.
func (r *run) client(region string) *s3.Client {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.clients[region]; ok {
		return c
	}
	c := s3.NewFromConfig(r.req.AWS, func(o *s3.Options) { o.Region = region })
	r.clients[region] = c
	return c
}

// candidate is a bucket being considered.
type candidate struct {
	name    string
	region  string
	reasons []string
	trails  []string
	phi     *bool
	errs    []evidence.CallError
}

func (r *run) collectBuckets(ctx context.Context) *BucketsPayload {
	o := r.opts
	p := &BucketsPayload{
		Selection: Selection{
			PHITagKey: o.PHITagKey, PHITagValue: o.PHITagValue,
			ConfiguredBuckets: nonNil(o.PHIBuckets), TrailBuckets: !o.SkipTrailBuckets, AllBuckets: o.AllBuckets,
			ExternalTrailBuckets: []ExternalBucket{}, ConfiguredNotInAccount: []string{},
		},
		Buckets: []Bucket{},
	}

	// The account's own buckets, with regions where ListBuckets reports them.
	owned, listed := r.listBuckets(ctx)
	p.Selection.BucketsListed = listed

	// Trail buckets.
	trailsByBucket := map[string][]string{}
	p.Selection.TrailsRead = true
	if !o.SkipTrailBuckets {
		var ok bool
		trailsByBucket, ok = r.trailBuckets(ctx)
		p.Selection.TrailsRead = ok
	}

	cands := map[string]*candidate{}
	get := func(name string) *candidate {
		c := cands[name]
		if c == nil {
			c = &candidate{name: name}
			if owned != nil {
				c.region = owned[name]
			}
			cands[name] = c
		}
		return c
	}
	for _, name := range sorted.Keys(trailsByBucket) {
		if listed {
			if _, mine := owned[name]; !mine {
				p.Selection.ExternalTrailBuckets = append(p.Selection.ExternalTrailBuckets, ExternalBucket{Name: name, Trails: trailsByBucket[name]})
				continue
			}
		}
		c := get(name)
		c.reasons = append(c.reasons, ReasonCloudTrail)
		c.trails = trailsByBucket[name]
	}
	for _, name := range o.PHIBuckets {
		if listed {
			if _, mine := owned[name]; !mine {
				p.Selection.ConfiguredNotInAccount = append(p.Selection.ConfiguredNotInAccount, name)
				continue
			}
		}
		c := get(name)
		c.reasons = append(c.reasons, ReasonConfig)
		c.phi = aws.Bool(true)
	}
	if o.AllBuckets {
		for _, name := range sorted.Keys(owned) {
			c := get(name)
			c.reasons = append(c.reasons, ReasonAllBuckets)
		}
	}

	// Every owned bucket: resolve its region, then read its tags for the PHI
	// marker (already-configured PHI buckets need no tag read).
	tagsComplete := true
	if listed {
		var mu sync.Mutex
		all := sorted.Keys(owned)
		r.forEach(ctx, all, func(name string) {
			mu.Lock()
			c := cands[name]
			if c == nil {
				c = &candidate{name: name, region: owned[name]}
			}
			mu.Unlock()
			if c.region == "" {
				c.region = r.location(ctx, c)
			}
			if c.phi == nil {
				if c.region == "" {
					c.reasons = append(c.reasons, ReasonTagsUnreadable)
				} else {
					r.phiTag(ctx, c)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case c.phi != nil && *c.phi:
				if !contains(c.reasons, ReasonConfig) {
					c.reasons = append(c.reasons, ReasonPHITag)
				}
			case c.phi == nil:
				tagsComplete = false
				if !contains(c.reasons, ReasonTagsUnreadable) {
					c.reasons = append(c.reasons, ReasonTagsUnreadable)
				}
			}
			if len(c.reasons) > 0 {
				cands[name] = c
			}
		})
	}
	p.Selection.Complete = listed && p.Selection.TrailsRead && tagsComplete

	// Collect each selected bucket's configuration.
	names := sorted.Keys(cands)
	out := make([]Bucket, len(names))
	idx := map[string]int{}
	for i, n := range names {
		idx[n] = i
	}
	r.forEach(ctx, names, func(name string) {
		c := cands[name]
		if c.region == "" {
			c.region = r.location(ctx, c)
		}
		out[idx[name]] = r.bucket(ctx, c)
	})
	p.Buckets = out

	if !listed && !p.Selection.TrailsRead && len(o.PHIBuckets) == 0 {
		// Neither discovery source answered: no bucket can be vouched for.
		r.b.Fatal()
	}
	return p
}

// forEach runs fn for every name with bounded concurrency.
func (r *run) forEach(ctx context.Context, names []string, fn func(string)) {
	sem := make(chan struct{}, r.opts.Concurrency)
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			fn(n)
		}()
	}
	wg.Wait()
}

// listBuckets returns the account's buckets mapped to their region ("" when
// ListBuckets did not report it) and whether listing succeeded.
func (r *run) listBuckets(ctx context.Context) (map[string]string, bool) {
	owned := map[string]string{}
	p := s3.NewListBucketsPaginator(r.home, &s3.ListBucketsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			r.b.Failed(actListBuckets, err)
			return nil, false
		}
		for _, b := range page.Buckets {
			owned[aws.ToString(b.Name)] = aws.ToString(b.BucketRegion)
		}
	}
	r.b.Called(actListBuckets)
	return owned, true
}

// trailBuckets maps each bucket trails deliver to onto the trail ARNs. Shadow
// trails are included so multi-region and organization trails are seen.
func (r *run) trailBuckets(ctx context.Context) (map[string][]string, bool) {
	out := map[string][]string{}
	ct := cloudtrail.NewFromConfig(r.req.AWS)
	resp, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		r.b.Failed(actDescribeTrails, err)
		return out, false
	}
	r.b.Called(actDescribeTrails)
	for _, t := range resp.TrailList {
		name := aws.ToString(t.S3BucketName)
		if name == "" {
			continue
		}
		arn := aws.ToString(t.TrailARN)
		if !contains(out[name], arn) {
			out[name] = append(out[name], arn)
		}
	}
	for k := range out {
		sort.Strings(out[k])
	}
	return out, true
}

// location returns the bucket's region, or "" after recording the failure.
func (r *run) location(ctx context.Context, c *candidate) string {
	resp, err := r.home.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(c.name)})
	if err != nil {
		c.errs = append(c.errs, r.b.Failed(actGetLocation, err))
		return ""
	}
	r.b.Called(actGetLocation)
	return NormalizeRegion(string(resp.LocationConstraint))
}

// NormalizeRegion turns a GetBucketLocation constraint into a region name:
// an empty constraint is us-east-1 and the legacy "EU" is eu-west-1, as the
// S3 API reference documents.
func NormalizeRegion(constraint string) string {
	switch constraint {
	case "":
		return "us-east-1"
	case "EU":
		return "eu-west-1"
	}
	return constraint
}

// phiTag reads the bucket's tags and sets c.phi, leaving it nil on failure.
func (r *run) phiTag(ctx context.Context, c *candidate) {
	resp, err := r.client(c.region).GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String(c.name)})
	switch {
	case err != nil && collectors.ErrorCode(err) == codeNoTagSet:
		r.b.Called(actGetTagging)
		c.phi = aws.Bool(false)
		return
	case err != nil:
		c.errs = append(c.errs, r.b.Failed(actGetTagging, err))
		return
	}
	r.b.Called(actGetTagging)
	phi := false
	for _, t := range resp.TagSet {
		if strings.EqualFold(strings.TrimSpace(aws.ToString(t.Key)), r.opts.PHITagKey) &&
			strings.EqualFold(strings.TrimSpace(aws.ToString(t.Value)), r.opts.PHITagValue) {
			phi = true
		}
	}
	c.phi = aws.Bool(phi)
}

// bucket reads one bucket's configuration.
func (r *run) bucket(ctx context.Context, c *candidate) Bucket {
	b := Bucket{
		Name: c.name, ARN: bucketARN(r.partition, c.name), Region: c.region,
		Reasons: sortedReasons(c.reasons), Trails: nonNil(c.trails), PHI: c.phi,
		Errors: append([]evidence.CallError{}, c.errs...),
	}
	if c.region == "" {
		// Without the region no call can reach the right endpoint; the
		// GetBucketLocation failure is already recorded.
		return b
	}
	cl := r.client(c.region)
	in := aws.String(c.name)
	fail := func(action string, err error) {
		b.Errors = append(b.Errors, r.b.Failed(action, err))
	}
	ok := func(action string) { r.b.Called(action) }

	if out, err := cl.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: in}); err == nil {
		ok(actGetEncryption)
		b.Encryption = encryption(out)
	} else if collectors.ErrorCode(err) == codeNoEncryption {
		ok(actGetEncryption)
		b.Encryption = &Encryption{Rules: []EncryptionRule{}}
	} else {
		fail(actGetEncryption, err)
	}

	if out, err := cl.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: in}); err == nil {
		ok(actGetPolicy)
		pol, perr := bucketPolicy(aws.ToString(out.Policy), r.partition, c.name)
		if perr != nil {
			fail(actGetPolicy, perr)
		} else {
			b.Policy = pol
		}
	} else if collectors.ErrorCode(err) == codeNoPolicy {
		ok(actGetPolicy)
		b.Policy = &Policy{Statements: []iampolicy.Statement{}, TLSStatements: []int{}}
	} else {
		fail(actGetPolicy, err)
	}

	if out, err := cl.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: in}); err == nil {
		ok(actGetPolicyStatus)
		if out.PolicyStatus == nil || out.PolicyStatus.IsPublic == nil {
			fail(actGetPolicyStatus, errMissing("PolicyStatus.IsPublic"))
		} else {
			b.PolicyStatus = &PolicyStatus{IsPublic: *out.PolicyStatus.IsPublic}
		}
	} else if collectors.ErrorCode(err) == codeNoPolicy {
		ok(actGetPolicyStatus)
		b.PolicyStatus = &PolicyStatus{}
	} else {
		fail(actGetPolicyStatus, err)
	}

	if out, err := cl.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: in}); err == nil {
		ok(actGetBucketPAB)
		b.PublicAccessBlock = bucketPAB(out)
	} else if collectors.ErrorCode(err) == codeNoPAB {
		ok(actGetBucketPAB)
		b.PublicAccessBlock = &PublicAccessBlock{}
	} else {
		fail(actGetBucketPAB, err)
	}

	if out, err := cl.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: in}); err == nil {
		ok(actGetACL)
		b.ACL = acl(out)
	} else {
		fail(actGetACL, err)
	}

	if out, err := cl.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: in}); err == nil {
		ok(actGetVersioning)
		b.Versioning = versioning(out)
	} else {
		fail(actGetVersioning, err)
	}

	if out, err := cl.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: in}); err == nil {
		ok(actGetObjectLock)
		b.ObjectLock = objectLock(out)
	} else if collectors.ErrorCode(err) == codeNoObjectLock {
		ok(actGetObjectLock)
		b.ObjectLock = &ObjectLock{}
	} else {
		fail(actGetObjectLock, err)
	}

	if out, err := cl.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: in}); err == nil {
		ok(actGetLogging)
		b.Logging = &Logging{}
		if le := out.LoggingEnabled; le != nil && aws.ToString(le.TargetBucket) != "" {
			b.Logging = &Logging{Enabled: true, TargetBucket: aws.ToString(le.TargetBucket), TargetPrefix: aws.ToString(le.TargetPrefix)}
			b.Logging.TargetIsSelf = b.Logging.TargetBucket == c.name
		}
	} else {
		fail(actGetLogging, err)
	}
	return b
}

// errMissing is a response that lacks a field the evidence needs.
type errMissing string

func (e errMissing) Error() string { return "response has no " + string(e) }

// accountPublicAccessBlock reads the account-level Block Public Access
// settings through S3 Control. "Not configured" is evidence, not an error.
func accountPublicAccessBlock(ctx context.Context, req *collectors.Request) (*evidence.Snapshot, error) {
	b := collectors.NewBuilder(KindAccountPublicAccessBlock)
	cl := s3control.NewFromConfig(req.AWS)
	p := &AccountPublicAccessBlockPayload{AccountID: req.Target.AccountID}
	out, err := cl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(req.Target.AccountID)})
	switch {
	case err != nil && collectors.ErrorCode(err) == codeNoPAB:
		b.Called(actGetAccountPAB)
	case err != nil:
		return collectors.ErrorSnapshot(KindAccountPublicAccessBlock, actGetAccountPAB, err), nil
	case out.PublicAccessBlockConfiguration == nil:
		b.Failed(actGetAccountPAB, errMissing("PublicAccessBlockConfiguration"))
		b.Fatal()
	default:
		b.Called(actGetAccountPAB)
		c := out.PublicAccessBlockConfiguration
		p.PublicAccessBlock = makePAB(c.BlockPublicAcls, c.IgnorePublicAcls, c.BlockPublicPolicy, c.RestrictPublicBuckets)
	}
	return b.Snapshot(p)
}

func bucketARN(partition, name string) string {
	return fmt.Sprintf("arn:%s:s3:::%s", partition, name)
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return append([]string{}, s...)
}

// reasonOrder fixes the order reasons are listed in.
var reasonOrder = map[string]int{ReasonCloudTrail: 0, ReasonConfig: 1, ReasonPHITag: 2, ReasonAllBuckets: 3, ReasonTagsUnreadable: 4}

func sortedReasons(rs []string) []string {
	out := collectors.SortedUnique(rs)
	sort.SliceStable(out, func(i, j int) bool { return reasonOrder[out[i]] < reasonOrder[out[j]] })
	return out
}
