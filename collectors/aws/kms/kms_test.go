package kms_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/kms"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/kms/kmsfake"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

const (
	// account owns the keys: kumo's KMS emulation creates every key in
	// account 000000000000 (its key ARNs and DescribeKey's AWSAccountId),
	// unlike the 123456789012 its other services report.
	account   = "000000000000"
	root      = "arn:aws:iam::000000000000:root"
	adminRole = "arn:aws:iam::123456789012:role/KeyAdmin"
	userRole  = "arn:aws:iam::123456789012:role/App"
	bothRole  = "arn:aws:iam::123456789012:role/Ops"
)

// phiPolicy is a key policy in the shape the KMS console writes: the account
// root, a key administrators statement and a key users statement, plus an Ops
// role that both administers and uses (a separation-of-duties finding).
var phiPolicy = `{
  "Version": "2012-10-17",
  "Id": "key-consolepolicy-3",
  "Statement": [
    {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
     "Principal": {"AWS": "000000000000"}, "Action": "kms:*", "Resource": "*"},
    {"Sid": "Allow access for Key Administrators", "Effect": "Allow",
     "Principal": {"AWS": ["` + adminRole + `", "` + bothRole + `"]},
     "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
                "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"],
     "Resource": "*"},
    {"Sid": "Allow use of the key", "Effect": "Allow",
     "Principal": {"AWS": ["` + userRole + `", "` + bothRole + `"]},
     "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
     "Resource": "*"},
    {"Sid": "Allow attachment of persistent resources", "Effect": "Allow",
     "Principal": {"AWS": "` + userRole + `"},
     "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*",
     "Condition": {"Bool": {"kms:GrantIsForAWSResource": true}}}
  ]
}`

// fixture is an emulator, with its own stub Transport, in front of the
// seeded KMS state.
type fixture struct {
	emu   *collectortest.Emulator
	model *kmsfake.Account
	*seed
}

// seed holds the ids of the seeded keys.
type seed struct {
	phi, signing, doomed, rotated, bare string
}

// model is the account's keys: a PHI key with the console's policy, two
// aliases and two grants (served over two ListGrants pages), an asymmetric
// signing key, a key pending deletion, a multi-Region key with rotation
// enabled every 180 days, and a key with kumo's default policy.
func model() *kmsfake.Account {
	created := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	return &kmsfake.Account{
		GrantsPageSize: 1,
		Keys: []*kmsfake.Key{
			{Description: "PHI data", Policy: phiPolicy, Aliases: []string{"alias/phi", "alias/phi-backup"}, Grants: []kmsfake.Grant{
				{ID: "grant-ebs", Name: "ebs", Grantee: "arn:aws:iam::123456789012:role/EbsWorker",
					Issuer: "arn:aws:iam::123456789012:root", Operations: []string{"Decrypt", "GenerateDataKeyWithoutPlaintext"},
					EncryptionContextSubset: map[string]string{"aws:ebs:id": "vol-0123"}, Created: created},
				{ID: "grant-admin", Grantee: adminRole, Issuer: "arn:aws:iam::123456789012:root",
					Operations: []string{"Decrypt"}, Created: created},
			}},
			{Spec: types.KeySpecEccNistP256, Usage: types.KeyUsageTypeSignVerify},
			{Description: "old", PendingWindowDays: 7},
			{MultiRegion: true, Rotation: &kmsfake.Rotation{PeriodDays: 180, Next: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)}},
			{},
		},
	}
}

// kumo keeps its state in package-level storage shared by every server in
// the process, so the keys are created once per test binary and every test
// sees the same five keys; no test creates or changes keys.
var (
	seedOnce sync.Once
	seeded   *kmsfake.Account
	seedErr  error
)

// newFixture starts an emulator, seeds kumo through the SDK on first use and
// installs the model's stubs for what kumo lacks (ListGrants, and the
// rotation status of the rotated key; see package kmsfake).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{emu: collectortest.NewEmulator(t)}
	seedOnce.Do(func() {
		m := model()
		if seedErr = m.Seed(context.Background(), f.emu.Config()); seedErr == nil {
			seeded = m
		}
	})
	if seedErr != nil {
		t.Fatalf("seed kumo: %v", seedErr)
	}
	f.model = seeded
	k := seeded.Keys
	f.seed = &seed{phi: k[0].ID, signing: k[1].ID, doomed: k[2].ID, rotated: k[3].ID, bare: k[4].ID}
	seeded.Install(f.emu.Transport)
	return f
}

func keyIDOf(t *testing.T, body []byte) string {
	t.Helper()
	var in struct{ KeyId string }
	if err := json.Unmarshal(body, &in); err != nil {
		t.Errorf("stub: decode request: %v", err)
	}
	return in.KeyId
}

func collect(t *testing.T, e *collectortest.Endpoint, region string, opts collectors.Options) (*evidence.Snapshot, kms.Payload) {
	t.Helper()
	req := collectortest.NewRequest(e, region)
	req.Options = opts
	resp, err := kms.New().Collect(context.Background(), req)
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	if resp == nil || len(resp.Snapshots) != 1 {
		t.Fatalf("collect returned %v, want one snapshot", resp)
	}
	snap := resp.Snapshots[0]
	var p kms.Payload
	if err := json.Unmarshal(snap.Payload, &p); err != nil {
		t.Fatalf("decode payload: %v", err)
	}
	return snap, p
}

func keyByID(t *testing.T, p kms.Payload, id string) kms.Key {
	t.Helper()
	for _, k := range p.Keys {
		if k.KeyID == id {
			return k
		}
	}
	t.Fatalf("key %s not in payload (%d keys)", id, len(p.Keys))
	return kms.Key{}
}

func TestConformance(t *testing.T) {
	f := newFixture(t)
	collectortest.RunConformance(t, collectortest.Suite{
		New:      func() collectors.Collector { return kms.New() },
		Endpoint: &f.emu.Endpoint,
		Request:  func(*testing.T) *collectors.Request { return collectortest.NewRequest(&f.emu.Endpoint, "us-east-1") },
	})
}

func TestRegistered(t *testing.T) {
	c, err := collectors.Default.New(kms.Name)
	if err != nil {
		t.Fatal(err)
	}
	d := c.Describe()
	if d.Scope != collectors.PerRegion || !d.HasKind(kms.Kind) {
		t.Errorf("descriptor = %+v, want per-region with kind %s", d, kms.Kind)
	}
}

func TestCollectKeys(t *testing.T) {
	f := newFixture(t)
	snap, p := collect(t, &f.emu.Endpoint, "us-east-1", collectors.Options{})
	if snap.Status != evidence.StatusOK {
		t.Fatalf("status = %s, errors %+v", snap.Status, snap.Errors)
	}
	if len(p.Keys) != 5 {
		t.Fatalf("got %d keys, want 5", len(p.Keys))
	}
	if !slices.IsSortedFunc(p.Keys, func(a, b kms.Key) int { return compare(a.ARN, b.ARN) }) {
		t.Error("keys are not sorted by ARN")
	}
	wantCalls := []string{"kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListAliases", "kms:ListGrants", "kms:ListKeys"}
	if !slices.Equal(snap.APICalls, wantCalls) {
		t.Errorf("api_calls = %v, want %v", snap.APICalls, wantCalls)
	}
	if got := f.emu.Transport.Count("kms:ListGrants"); got != 6 {
		t.Errorf("ListGrants sent %d times, want 6 (5 keys, one with two pages)", got)
	}

	t.Run("phi key", func(t *testing.T) {
		k := keyByID(t, p, f.phi)
		switch {
		case k.KeyManager != "CUSTOMER" || !k.CustomerManaged:
			t.Errorf("manager = %q/%v", k.KeyManager, k.CustomerManaged)
		case k.KeyState != "Enabled" || !k.Enabled || k.PendingDeletion:
			t.Errorf("state = %q enabled=%v pending=%v", k.KeyState, k.Enabled, k.PendingDeletion)
		case k.KeySpec != "SYMMETRIC_DEFAULT" || k.KeyUsage != "ENCRYPT_DECRYPT" || k.Origin != "AWS_KMS":
			t.Errorf("spec/usage/origin = %s/%s/%s", k.KeySpec, k.KeyUsage, k.Origin)
		case !k.RotationApplicable || k.Rotation == nil || k.Rotation.Enabled:
			t.Errorf("rotation applicable=%v rotation=%+v, want applicable and disabled", k.RotationApplicable, k.Rotation)
		case k.CreationDate == nil:
			t.Error("creation date missing")
		case k.AccountID != account || k.ARN == "":
			t.Errorf("account/arn = %s/%s", k.AccountID, k.ARN)
		case len(k.FailedActions) != 0:
			t.Errorf("failed actions %v", k.FailedActions)
		}
		if want := []string{"alias/phi", "alias/phi-backup"}; !slices.Equal(k.Aliases, want) {
			t.Errorf("aliases = %v, want %v", k.Aliases, want)
		}
		if k.Policy == nil || len(k.Policy.Statement) != 4 || k.Policy.Statement[0].Action[0] != "kms:*" {
			t.Fatalf("policy = %+v", k.Policy)
		}
		if len(k.Grants) != 2 || k.Grants[0].GrantID != "grant-admin" || k.Grants[1].GrantID != "grant-ebs" {
			t.Fatalf("grants = %+v", k.Grants)
		}
		g := k.Grants[1]
		if !g.Constrained || !slices.Equal(g.ConstraintKeys, []string{"aws:ebs:id"}) ||
			!slices.Equal(g.Operations, []string{"kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext"}) {
			t.Errorf("grant = %+v", g)
		}
		a := k.Access
		if a == nil {
			t.Fatal("access missing")
		}
		// KeyAdmin administers by policy and decrypts through grant-admin.
		if want := sortedCopy([]string{adminRole, bothRole, root}); !slices.Equal(a.AdministratorsWhoUse, want) {
			t.Errorf("administrators_who_use = %v, want %v", a.AdministratorsWhoUse, want)
		}
		if want := sortedCopy([]string{adminRole, bothRole, root}); !slices.Equal(a.Administrators, want) {
			t.Errorf("administrators = %v, want %v", a.Administrators, want)
		}
		if want := []string{"arn:aws:iam::123456789012:role/EbsWorker", adminRole, userRole, bothRole, root}; !slices.Equal(a.Users, sortedCopy(want)) {
			t.Errorf("users = %v, want %v", a.Users, sortedCopy(want))
		}
		if !slices.Equal(a.FullAccess, []string{root}) || len(a.FullAccessNonRoot) != 0 {
			t.Errorf("full access = %v / %v", a.FullAccess, a.FullAccessNonRoot)
		}
	})

	t.Run("signing key", func(t *testing.T) {
		k := keyByID(t, p, f.signing)
		if k.KeySpec != "ECC_NIST_P256" || k.KeyUsage != "SIGN_VERIFY" || k.RotationApplicable || k.Rotation != nil {
			t.Errorf("key = %+v; asymmetric keys are not rotation-applicable", k)
		}
	})

	t.Run("pending deletion", func(t *testing.T) {
		k := keyByID(t, p, f.doomed)
		if !k.PendingDeletion || k.KeyState != "PendingDeletion" || k.DeletionDate == nil || k.Enabled {
			t.Errorf("key = %+v", k)
		}
		if k.Rotation != nil {
			t.Error("rotation read for a key pending deletion")
		}
		if k.Policy == nil || k.Grants == nil {
			t.Error("policy and grants are still read for a key pending deletion")
		}
	})

	t.Run("rotation enabled", func(t *testing.T) {
		k := keyByID(t, p, f.rotated)
		if k.Rotation == nil || !k.Rotation.Enabled || k.Rotation.RotationPeriodInDays == nil || *k.Rotation.RotationPeriodInDays != 180 || k.Rotation.NextRotationDate == nil {
			t.Errorf("rotation = %+v", k.Rotation)
		}
		if !k.MultiRegion {
			t.Error("multi-region flag lost")
		}
	})

	t.Run("aliases", func(t *testing.T) {
		if len(p.Aliases) != 2 || p.Aliases[0].Name != "alias/phi" || p.Aliases[0].TargetKeyID != f.phi || p.Aliases[0].AWSManaged {
			t.Errorf("aliases = %+v", p.Aliases)
		}
	})
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func TestFaults(t *testing.T) {
	t.Run("access denied on one key's policy", func(t *testing.T) {
		f := newFixture(t)
		deny := collectortest.AccessDenied("kms:GetKeyPolicy")
		f.emu.Transport.Stub("kms:GetKeyPolicy", func(r *http.Request, body []byte) *http.Response {
			if keyIDOf(t, body) == f.phi {
				return deny(r, body)
			}
			return nil
		})
		snap, p := collect(t, &f.emu.Endpoint, "us-east-1", collectors.Options{})
		if snap.Status != evidence.StatusPartial {
			t.Fatalf("status = %s, want partial", snap.Status)
		}
		if len(snap.Errors) != 1 || snap.Errors[0].Action != "kms:GetKeyPolicy" || snap.Errors[0].Code != "AccessDeniedException" {
			t.Fatalf("errors = %+v", snap.Errors)
		}
		k := keyByID(t, p, f.phi)
		if k.Policy != nil || k.Access != nil || !slices.Equal(k.FailedActions, []string{"kms:GetKeyPolicy"}) {
			t.Errorf("denied key: policy=%v access=%v failed=%v", k.Policy, k.Access, k.FailedActions)
		}
		if k.KeyManager != "CUSTOMER" || len(k.Grants) != 2 || k.Rotation == nil {
			t.Errorf("the denied key's other evidence was lost: %+v", k)
		}
		for _, other := range p.Keys {
			if other.KeyID != f.phi && (other.Policy == nil || len(other.FailedActions) != 0) {
				t.Errorf("key %s affected by another key's denial: %+v", other.KeyID, other.FailedActions)
			}
		}
	})

	t.Run("unparseable policy", func(t *testing.T) {
		f := newFixture(t)
		f.emu.Transport.Stub("kms:GetKeyPolicy", func(r *http.Request, body []byte) *http.Response {
			if keyIDOf(t, body) == f.bare {
				return collectortest.JSONResponse(map[string]any{"Policy": `{"Statement": 7}`, "PolicyName": "default"})
			}
			return nil
		})
		snap, p := collect(t, &f.emu.Endpoint, "us-east-1", collectors.Options{})
		if snap.Status != evidence.StatusPartial || len(snap.Errors) != 1 || snap.Errors[0].Code != kms.CodeMalformedPolicy {
			t.Fatalf("status %s errors %+v", snap.Status, snap.Errors)
		}
		if k := keyByID(t, p, f.bare); k.Policy != nil || !slices.Equal(k.FailedActions, []string{"kms:GetKeyPolicy"}) {
			t.Errorf("key = %+v", k)
		}
	})

	t.Run("list grants denied", func(t *testing.T) {
		f := newFixture(t)
		f.emu.Transport.Stub("kms:ListGrants", collectortest.AccessDenied("kms:ListGrants"))
		snap, p := collect(t, &f.emu.Endpoint, "us-east-1", collectors.Options{})
		if snap.Status != evidence.StatusPartial || len(snap.Errors) != 5 {
			t.Fatalf("status %s, %d errors; want partial with one per key", snap.Status, len(snap.Errors))
		}
		k := keyByID(t, p, f.phi)
		if k.Grants != nil || k.Access == nil || !slices.Contains(k.Access.Notes, "grants not seen: kms:ListGrants failed") {
			t.Errorf("grants=%v access=%+v", k.Grants, k.Access)
		}
	})

	t.Run("list aliases denied", func(t *testing.T) {
		f := newFixture(t)
		f.emu.Transport.Stub("kms:ListAliases", collectortest.AccessDenied("kms:ListAliases"))
		snap, p := collect(t, &f.emu.Endpoint, "us-east-1", collectors.Options{})
		if snap.Status != evidence.StatusPartial || len(snap.Errors) != 1 || snap.Errors[0].Action != "kms:ListAliases" {
			t.Fatalf("status %s errors %+v", snap.Status, snap.Errors)
		}
		if p.Aliases != nil {
			t.Errorf("aliases = %v, want null (not seen)", p.Aliases)
		}
		if k := keyByID(t, p, f.phi); k.Aliases != nil || k.Policy == nil {
			t.Errorf("phi key aliases = %v (want null, not an empty claim), policy %v", k.Aliases, k.Policy != nil)
		}
	})

	t.Run("throttling recovers", func(t *testing.T) {
		f := newFixture(t)
		f.emu.Transport.Stub("kms:DescribeKey", collectortest.Throttle("kms:DescribeKey", 3, nil))
		f.emu.Transport.Stub("kms:ListKeys", collectortest.Throttle("kms:ListKeys", 2, nil))
		snap, p := collect(t, &f.emu.Endpoint, "us-east-1", collectors.Options{})
		if snap.Status != evidence.StatusOK {
			t.Fatalf("status = %s, errors %+v", snap.Status, snap.Errors)
		}
		if len(p.Keys) != 5 {
			t.Errorf("got %d keys, want 5", len(p.Keys))
		}
		if got := f.emu.Transport.Count("kms:DescribeKey"); got != 5+3 {
			t.Errorf("DescribeKey sent %d times, want 8 (3 throttled retries)", got)
		}
	})

	t.Run("region refused", func(t *testing.T) {
		f := newFixture(t)
		for _, op := range []string{"kms:ListKeys", "kms:ListAliases", "kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListGrants"} {
			deny := collectortest.AccessDenied(op)
			prev := op
			f.emu.Transport.Stub(prev, func(r *http.Request, body []byte) *http.Response {
				if awsmiddleware.GetRegion(r.Context()) == "eu-west-1" {
					return deny(r, body)
				}
				if prev == "kms:ListGrants" {
					return f.model.ListGrants(r, body)
				}
				return nil
			})
		}
		snap, p := collect(t, &f.emu.Endpoint, "eu-west-1", collectors.Options{})
		if snap.Status != evidence.StatusError || len(p.Keys) != 0 {
			t.Fatalf("eu-west-1: status %s, %d keys; want error and none", snap.Status, len(p.Keys))
		}
		if len(snap.Errors) != 1 || snap.Errors[0].Action != "kms:ListKeys" || snap.Errors[0].Code != "AccessDeniedException" {
			t.Errorf("errors = %+v", snap.Errors)
		}
		snap, p = collect(t, &f.emu.Endpoint, "us-east-1", collectors.Options{})
		if snap.Status != evidence.StatusOK || len(p.Keys) != 5 {
			t.Errorf("us-east-1: status %s, %d keys; a refused region must not affect another", snap.Status, len(p.Keys))
		}
	})

	t.Run("cancelled mid-run", func(t *testing.T) {
		f := newFixture(t)
		f.emu.Transport.SetLatency(40 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req := collectortest.NewRequest(&f.emu.Endpoint, "us-east-1")
		req.Options = concurrency(1)
		resp, err := kms.New().Collect(ctx, req)
		if err != nil {
			t.Fatalf("collect: %v", err)
		}
		snap := resp.Snapshots[0]
		if snap.Status == evidence.StatusOK {
			t.Fatal("status ok after the deadline passed mid-run")
		}
		for _, e := range snap.Errors {
			if e.Code != collectors.CodeTimeout && e.Code != collectors.CodeCanceled {
				t.Errorf("error %+v, want a timeout or cancellation code", e)
			}
		}
	})
}

func concurrency(n int) collectors.Options {
	return collectors.NewOptions(func(v any) error {
		o, ok := v.(*kms.Options)
		if !ok {
			return fmt.Errorf("unexpected options type %T", v)
		}
		o.Concurrency = n
		return nil
	})
}

func TestConcurrencyBound(t *testing.T) {
	f := newFixture(t)
	var (
		mu                sync.Mutex
		inFlight, maxSeen int
	)
	var calls atomic.Int64
	f.emu.Transport.Stub("kms:DescribeKey", func(*http.Request, []byte) *http.Response {
		calls.Add(1)
		mu.Lock()
		inFlight++
		if inFlight > maxSeen {
			maxSeen = inFlight
		}
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		return nil
	})
	snap, p := collect(t, &f.emu.Endpoint, "us-east-1", concurrency(2))
	if snap.Status != evidence.StatusOK || len(p.Keys) != 5 {
		t.Fatalf("status %s, %d keys", snap.Status, len(p.Keys))
	}
	if calls.Load() != 5 {
		t.Errorf("DescribeKey called %d times, want 5", calls.Load())
	}
	if maxSeen != 2 {
		t.Errorf("max concurrent DescribeKey = %d, want 2 (the bound, reached with 5 keys)", maxSeen)
	}
}
