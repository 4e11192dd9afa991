package s3_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	s3coll "github.com/hipaa-evidence/hipaa-evidence/collectors/aws/s3"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/s3/s3fake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

var update = flag.Bool("update", false, "rewrite golden files")

const account = collectortest.DefaultAccount

// tlsPolicy is the bucket policy the S3 user guide recommends for denying
// plain-HTTP requests.
func tlsPolicy(bucket string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::%[1]s","arn:aws:s3:::%[1]s/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`, bucket)
}

// fixture is an emulated account with a trail bucket, a PHI-tagged bucket,
// a configured PHI bucket and an unrelated bucket.
type fixture struct {
	e     *collectortest.Emulator
	model *s3fake.Account
}

// model is the account: trail-logs is what a well-configured CloudTrail
// bucket looks like; phi-data is tagged as PHI, SSE-S3, with a policy that
// does not enforce TLS and is public; configured-phi has no configuration;
// scratch is tagged, but not as PHI; access-logs receives trail-logs' access
// logs. The account-level Block Public Access leaves RestrictPublicBuckets
// off.
func model() *s3fake.Account {
	m := &s3fake.Account{ID: account, Buckets: []*s3fake.Bucket{
		{Name: "trail-logs",
			Encryption: &s3fake.Encryption{Algorithm: s3types.ServerSideEncryptionAwsKms, KMSKey: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab", BucketKey: true},
			Policy:     tlsPolicy("trail-logs"), Versioning: true,
			ObjectLock:        &s3fake.ObjectLock{Mode: s3types.ObjectLockRetentionModeCompliance, Years: 6},
			Logging:           &s3fake.Logging{TargetBucket: "access-logs", TargetPrefix: "trail-logs/"},
			PublicAccessBlock: s3fake.AllBlocked()},
		{Name: "phi-data",
			Tags:           []s3fake.Tag{{Key: "PHI", Value: "True"}, {Key: "team", Value: "clinical"}},
			Encryption:     &s3fake.Encryption{Algorithm: s3types.ServerSideEncryptionAes256},
			Policy:         `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::phi-data/*","Condition":{"Bool":{"aws:SecureTransport":false}}}}`,
			PolicyIsPublic: true},
		{Name: "configured-phi"},
		{Name: "scratch", Tags: []s3fake.Tag{{Key: "phi", Value: "false"}}},
		{Name: "access-logs"},
	}}
	m.SetPublicAccessBlock(&s3fake.PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true})
	return m
}

// newFixture creates the model's buckets and a trail delivering to
// trail-logs in kumo, and installs the model's stubs (see package s3fake).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{e: collectortest.NewEmulator(t), model: model()}
	ctx := context.Background()
	cfg := f.e.Config()
	// kumo keeps its state in process-wide services shared by every server,
	// so each fixture removes what it created.
	t.Cleanup(func() {
		_, _ = cloudtrail.NewFromConfig(cfg).DeleteTrail(ctx, &cloudtrail.DeleteTrailInput{Name: aws.String("org-trail")})
		if err := f.model.Delete(ctx, cfg); err != nil {
			t.Errorf("clean up: %v", err)
		}
	})
	if err := f.model.Seed(ctx, cfg); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if _, err := cloudtrail.NewFromConfig(cfg).CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("org-trail"), S3BucketName: aws.String("trail-logs"), IsMultiRegionTrail: aws.Bool(true)}); err != nil {
		t.Fatalf("create trail: %v", err)
	}
	f.model.Install(f.e.Transport)
	return f
}

// options returns collector options decoded strictly from YAML, as the
// config loader does.
func options(src string) collectors.Options {
	return collectors.NewOptions(func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(src))
		dec.KnownFields(true)
		return dec.Decode(v)
	})
}

func (f *fixture) request(opts string) *collectors.Request {
	req := collectortest.NewRequest(&f.e.Endpoint, evidence.GlobalRegion)
	if opts != "" {
		req.Options = options(opts)
	}
	return req
}

func collect(t *testing.T, req *collectors.Request) (*s3coll.BucketsPayload, *evidence.Snapshot, *s3coll.AccountPublicAccessBlockPayload, *evidence.Snapshot) {
	t.Helper()
	resp, err := s3coll.New().Collect(context.Background(), req)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	var (
		bp s3coll.BucketsPayload
		ap s3coll.AccountPublicAccessBlockPayload
		bs *evidence.Snapshot
		as *evidence.Snapshot
	)
	for _, s := range resp.Snapshots {
		switch s.Kind {
		case s3coll.KindBuckets:
			bs = s
			if err := json.Unmarshal(s.Payload, &bp); err != nil {
				t.Fatalf("decode buckets payload: %v", err)
			}
		case s3coll.KindAccountPublicAccessBlock:
			as = s
			if err := json.Unmarshal(s.Payload, &ap); err != nil {
				t.Fatalf("decode account payload: %v", err)
			}
		default:
			t.Fatalf("unexpected kind %s", s.Kind)
		}
	}
	if bs == nil || as == nil {
		t.Fatalf("missing snapshots: %+v", resp.Snapshots)
	}
	return &bp, bs, &ap, as
}

func bucket(t *testing.T, p *s3coll.BucketsPayload, name string) s3coll.Bucket {
	t.Helper()
	for _, b := range p.Buckets {
		if b.Name == name {
			return b
		}
	}
	t.Fatalf("bucket %s not selected; selected: %v", name, names(p))
	return s3coll.Bucket{}
}

func names(p *s3coll.BucketsPayload) []string {
	var out []string
	for _, b := range p.Buckets {
		out = append(out, b.Name)
	}
	return out
}

func TestConformance(t *testing.T) {
	f := newFixture(t)
	collectortest.RunConformance(t, collectortest.Suite{
		New:      func() collectors.Collector { return s3coll.New() },
		Endpoint: &f.e.Endpoint,
		Request: func(t *testing.T) *collectors.Request {
			return f.request("phi_buckets: [configured-phi]\n")
		},
	})
}

func TestRegistered(t *testing.T) {
	if !collectors.Default.Has(s3coll.Name) {
		t.Fatalf("collector %q is not registered", s3coll.Name)
	}
}

func TestCollectGolden(t *testing.T) {
	f := newFixture(t)
	_, bs, _, as := collect(t, f.request("phi_buckets: [configured-phi, not-mine]\n"))
	for _, s := range []*evidence.Snapshot{bs, as} {
		if s.Status != evidence.StatusOK {
			t.Errorf("%s status %s, errors %+v", s.Kind, s.Status, s.Errors)
		}
		collectortest.Golden(t, filepath.Join("testdata", "golden", s.Kind+".json"), s.Payload, *update)
	}
}

func TestSelectionAndFields(t *testing.T) {
	f := newFixture(t)
	p, _, ap, _ := collect(t, f.request("phi_buckets: [configured-phi, not-mine]\n"))

	if got, want := strings.Join(names(p), ","), "configured-phi,phi-data,trail-logs"; got != want {
		t.Fatalf("selected %s, want %s", got, want)
	}
	if !p.Selection.Complete || !p.Selection.BucketsListed || !p.Selection.TrailsRead {
		t.Errorf("selection %+v should be complete", p.Selection)
	}
	if got := strings.Join(p.Selection.ConfiguredNotInAccount, ","); got != "not-mine" {
		t.Errorf("configured_not_in_account = %q", got)
	}

	trail := bucket(t, p, "trail-logs")
	t.Run("trail bucket", func(t *testing.T) {
		if len(trail.Reasons) != 1 || trail.Reasons[0] != s3coll.ReasonCloudTrail || len(trail.Trails) != 1 {
			t.Errorf("reasons %v trails %v", trail.Reasons, trail.Trails)
		}
		if trail.Region != "us-east-1" || trail.ARN != "arn:aws:s3:::trail-logs" {
			t.Errorf("region %q arn %q", trail.Region, trail.ARN)
		}
		if e := trail.Encryption; e == nil || e.SSEAlgorithm != "aws:kms" || !strings.HasSuffix(e.KMSMasterKeyID, "1234567890ab") || !e.BucketKeyEnabled {
			t.Errorf("encryption %+v", trail.Encryption)
		}
		if pol := trail.Policy; pol == nil || !pol.Exists || !pol.TLSEnforced || len(pol.Statements) != 1 {
			t.Errorf("policy %+v", trail.Policy)
		} else if st := pol.Statements[0]; st.Principal["AWS"][0] != "*" || st.Condition["Bool"]["aws:SecureTransport"][0] != "false" {
			t.Errorf("statement not normalised: %+v", st)
		}
		if v := trail.Versioning; v == nil || !v.Enabled || v.Status != "Enabled" {
			t.Errorf("versioning %+v", trail.Versioning)
		}
		if o := trail.ObjectLock; o == nil || !o.Enabled || o.Mode != "COMPLIANCE" || o.Years != 6 {
			t.Errorf("object lock %+v", trail.ObjectLock)
		}
		if l := trail.Logging; l == nil || !l.Enabled || l.TargetBucket != "access-logs" || l.TargetIsSelf {
			t.Errorf("logging %+v", trail.Logging)
		}
		if pab := trail.PublicAccessBlock; pab == nil || !pab.AllBlocked {
			t.Errorf("public access block %+v", trail.PublicAccessBlock)
		}
		if trail.ACL == nil || trail.ACL.Public || trail.PolicyStatus == nil || trail.PolicyStatus.IsPublic {
			t.Errorf("acl %+v policy status %+v", trail.ACL, trail.PolicyStatus)
		}
	})
	t.Run("tagged PHI bucket", func(t *testing.T) {
		b := bucket(t, p, "phi-data")
		if b.PHI == nil || !*b.PHI || b.Reasons[0] != s3coll.ReasonPHITag {
			t.Errorf("phi %v reasons %v", b.PHI, b.Reasons)
		}
		if b.Policy == nil || b.Policy.TLSEnforced {
			t.Errorf("a deny on GetObject only must not count as TLS enforcement: %+v", b.Policy)
		}
		if b.PolicyStatus == nil || !b.PolicyStatus.IsPublic {
			t.Errorf("policy status %+v", b.PolicyStatus)
		}
		if b.Encryption == nil || b.Encryption.SSEAlgorithm != "AES256" {
			t.Errorf("encryption %+v", b.Encryption)
		}
		if b.Versioning == nil || b.Versioning.Enabled || b.Versioning.Status != "Disabled" {
			t.Errorf("versioning %+v", b.Versioning)
		}
		if b.ObjectLock == nil || b.ObjectLock.Enabled || b.Logging == nil || b.Logging.Enabled {
			t.Errorf("object lock %+v logging %+v", b.ObjectLock, b.Logging)
		}
		if b.PublicAccessBlock == nil || b.PublicAccessBlock.Configured {
			t.Errorf("public access block %+v should be unconfigured", b.PublicAccessBlock)
		}
	})
	t.Run("configured bucket without configuration", func(t *testing.T) {
		b := bucket(t, p, "configured-phi")
		if b.Encryption == nil || b.Encryption.Configured {
			t.Errorf("encryption %+v should be unconfigured", b.Encryption)
		}
		if b.Policy == nil || b.Policy.Exists || b.Policy.TLSEnforced {
			t.Errorf("policy %+v should not exist", b.Policy)
		}
		if b.PolicyStatus == nil || b.PolicyStatus.IsPublic {
			t.Errorf("policy status %+v", b.PolicyStatus)
		}
	})
	t.Run("account public access block", func(t *testing.T) {
		if !ap.Configured || !ap.BlockPublicAcls || ap.RestrictPublicBuckets || ap.AllBlocked || ap.AccountID != account {
			t.Errorf("account block %+v", ap)
		}
	})
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name, src, wantErr string
	}{
		{name: "defaults", src: "{}\n"},
		{name: "unknown field", src: "phi_tags: x\n", wantErr: "phi_tags"},
		{name: "bad bucket name", src: "phi_buckets: [Bad_Name]\n", wantErr: "not a valid bucket name"},
		{name: "concurrency too high", src: "concurrency: 100\n", wantErr: "concurrency"},
		{name: "custom tag", src: "phi_tag_key: data-class\nphi_tag_value: ephi\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := s3coll.DecodeOptions(options(tc.src))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.PHITagKey == "" || o.PHITagValue == "" || o.Concurrency != s3coll.DefaultConcurrency {
				t.Errorf("defaults not applied: %+v", o)
			}
		})
	}
}

func TestCustomTagAndAllBuckets(t *testing.T) {
	f := newFixture(t)
	p, _, _, _ := collect(t, f.request("phi_tag_key: team\nphi_tag_value: CLINICAL\nall_buckets: true\nskip_trail_buckets: true\n"))
	if got := strings.Join(names(p), ","); got != "access-logs,configured-phi,phi-data,scratch,trail-logs" {
		t.Fatalf("all_buckets selected %s", got)
	}
	if b := bucket(t, p, "phi-data"); b.PHI == nil || !*b.PHI {
		t.Errorf("custom tag team=clinical should mark phi-data: %v", b.PHI)
	}
	if b := bucket(t, p, "trail-logs"); len(b.Trails) != 0 || b.PHI == nil || *b.PHI {
		t.Errorf("trail buckets skipped, untagged: trails %v phi %v reasons %v", b.Trails, b.PHI, b.Reasons)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		stub  func(tr *collectortest.Transport)
		fix   func(f *fixture)
		check func(t *testing.T, p *s3coll.BucketsPayload, bs *evidence.Snapshot, ap *s3coll.AccountPublicAccessBlockPayload, as *evidence.Snapshot)
	}{
		{
			name: "access denied on one bucket API",
			stub: func(tr *collectortest.Transport) {
				tr.Stub("s3:GetBucketEncryption", collectortest.AccessDenied("s3:GetBucketEncryption"))
			},
			check: func(t *testing.T, p *s3coll.BucketsPayload, bs *evidence.Snapshot, _ *s3coll.AccountPublicAccessBlockPayload, as *evidence.Snapshot) {
				if bs.Status != evidence.StatusPartial {
					t.Errorf("status %s, want partial", bs.Status)
				}
				b := bucket(t, p, "trail-logs")
				if b.Encryption != nil {
					t.Errorf("denied encryption must be null, got %+v", b.Encryption)
				}
				if b.Versioning == nil || !b.Versioning.Enabled {
					t.Errorf("other sections must survive: %+v", b.Versioning)
				}
				if len(b.Errors) != 1 || b.Errors[0].Action != "s3:GetEncryptionConfiguration" || b.Errors[0].Code != "AccessDenied" {
					t.Errorf("bucket errors %+v", b.Errors)
				}
				if as.Status != evidence.StatusOK {
					t.Errorf("account snapshot %s", as.Status)
				}
			},
		},
		{
			name: "throttling recovers",
			stub: func(tr *collectortest.Transport) {
				tr.Stub("s3:GetBucketVersioning", collectortest.Throttle("s3:GetBucketVersioning", 2, nil))
				tr.Stub("cloudtrail:DescribeTrails", collectortest.Throttle("cloudtrail:DescribeTrails", 1, nil))
			},
			check: func(t *testing.T, p *s3coll.BucketsPayload, bs *evidence.Snapshot, _ *s3coll.AccountPublicAccessBlockPayload, _ *evidence.Snapshot) {
				if bs.Status != evidence.StatusOK {
					t.Errorf("status %s errors %+v, want ok after retries", bs.Status, bs.Errors)
				}
				if b := bucket(t, p, "trail-logs"); b.Versioning == nil || !b.Versioning.Enabled {
					t.Errorf("versioning %+v", b.Versioning)
				}
			},
		},
		{
			name: "tags unreadable",
			stub: func(tr *collectortest.Transport) {
				tr.Stub("s3:GetBucketTagging", collectortest.AccessDenied("s3:GetBucketTagging"))
			},
			check: func(t *testing.T, p *s3coll.BucketsPayload, bs *evidence.Snapshot, _ *s3coll.AccountPublicAccessBlockPayload, _ *evidence.Snapshot) {
				if bs.Status != evidence.StatusPartial || p.Selection.Complete {
					t.Errorf("status %s complete %v", bs.Status, p.Selection.Complete)
				}
				b := bucket(t, p, "scratch")
				if b.PHI != nil || b.Reasons[len(b.Reasons)-1] != s3coll.ReasonTagsUnreadable {
					t.Errorf("scratch phi %v reasons %v: a bucket whose tags cannot be read must be collected as possibly PHI", b.PHI, b.Reasons)
				}
				if b.Encryption == nil {
					t.Error("scratch configuration should still be collected")
				}
			},
		},
		{
			name: "discovery denied",
			stub: func(tr *collectortest.Transport) {
				tr.Stub("s3:ListBuckets", collectortest.AccessDenied("s3:ListBuckets"))
				tr.Stub("cloudtrail:DescribeTrails", collectortest.AccessDenied("cloudtrail:DescribeTrails"))
			},
			check: func(t *testing.T, p *s3coll.BucketsPayload, bs *evidence.Snapshot, _ *s3coll.AccountPublicAccessBlockPayload, _ *evidence.Snapshot) {
				if bs.Status != evidence.StatusError {
					t.Errorf("status %s, want error: nothing could be discovered", bs.Status)
				}
				if p.Selection.BucketsListed || p.Selection.TrailsRead || p.Selection.Complete {
					t.Errorf("selection %+v", p.Selection)
				}
				acts := map[string]bool{}
				for _, e := range bs.Errors {
					acts[e.Action] = true
				}
				if !acts["s3:ListAllMyBuckets"] || !acts["cloudtrail:DescribeTrails"] {
					t.Errorf("errors %+v should name both failed actions", bs.Errors)
				}
			},
		},
		{
			name: "account block not configured",
			fix: func(f *fixture) {
				f.model.SetPublicAccessBlock(nil)
			},
			check: func(t *testing.T, _ *s3coll.BucketsPayload, _ *evidence.Snapshot, ap *s3coll.AccountPublicAccessBlockPayload, as *evidence.Snapshot) {
				if as.Status != evidence.StatusOK || ap.Configured || ap.AllBlocked || ap.AccountID != account {
					t.Errorf("status %s payload %+v: not configured is evidence", as.Status, ap)
				}
			},
		},
		{
			name: "account block denied",
			stub: func(tr *collectortest.Transport) {
				tr.Stub("s3:GetPublicAccessBlock", func(r *http.Request, b []byte) *http.Response {
					if !strings.HasPrefix(r.URL.Path, "/v20180820/") {
						return nil
					}
					return s3fake.ControlError(403, "AccessDenied", "User is not authorized to perform: s3:GetAccountPublicAccessBlock")
				})
			},
			check: func(t *testing.T, _ *s3coll.BucketsPayload, _ *evidence.Snapshot, _ *s3coll.AccountPublicAccessBlockPayload, as *evidence.Snapshot) {
				if as.Status != evidence.StatusError || len(as.Errors) != 1 || as.Errors[0].Action != "s3:GetAccountPublicAccessBlock" || as.Errors[0].Code != "AccessDenied" {
					t.Errorf("status %s errors %+v", as.Status, as.Errors)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			if tc.stub != nil {
				tc.stub(f.e.Transport)
			}
			if tc.fix != nil {
				tc.fix(f)
			}
			p, bs, ap, as := collect(t, f.request(""))
			tc.check(t, p, bs, ap, as)
		})
	}
}

func TestCancelled(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	resp, err := s3coll.New().Collect(ctx, f.request(""))
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	for _, s := range resp.Snapshots {
		if s.Status == evidence.StatusOK {
			t.Errorf("%s claims ok after cancellation", s.Kind)
		}
		for _, e := range s.Errors {
			if e.Code != collectors.CodeCanceled {
				t.Errorf("%s error %+v, want %s", s.Kind, e, collectors.CodeCanceled)
			}
		}
	}
}

func TestRegionalEndpoints(t *testing.T) {
	f := newFixture(t)
	// GetBucketLocation answers "EU" (the legacy constraint for eu-west-1,
	// as the S3 API reference documents) for phi-data; kumo itself always
	// answers us-east-1.
	f.e.Transport.Stub("s3:GetBucketLocation", func(r *http.Request, _ []byte) *http.Response {
		if strings.Trim(r.URL.Path, "/") != "phi-data" {
			return nil
		}
		return collectortest.XMLResponse(`<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">EU</LocationConstraint>`)
	})
	var mu sync.Mutex
	regions := map[string]string{}
	f.e.Transport.Stub("s3:GetBucketEncryption", func(r *http.Request, _ []byte) *http.Response {
		// The SigV4 credential scope names the region the request is for.
		auth := r.Header.Get("Authorization")
		_, scope, _ := strings.Cut(auth, "Credential=")
		parts := strings.Split(scope, "/")
		mu.Lock()
		defer mu.Unlock()
		if len(parts) > 2 {
			regions[strings.Trim(r.URL.Path, "/")] = parts[2]
		}
		return nil
	})
	p, _, _, _ := collect(t, f.request(""))
	if b := bucket(t, p, "phi-data"); b.Region != "eu-west-1" {
		t.Errorf("region %q, want eu-west-1", b.Region)
	}
	mu.Lock()
	defer mu.Unlock()
	if regions["phi-data"] != "eu-west-1" || regions["trail-logs"] != "us-east-1" {
		t.Errorf("requests signed for %v; each bucket's calls must go to its own region", regions)
	}
}
