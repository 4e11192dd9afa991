package kms

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// Name is the collector's registered name.
const Name = "kms"

// Version is the collector's version, recorded in every snapshot.
const Version = "1.0.0"

// DefaultConcurrency is how many keys one collection reads at once.
// MaxConcurrency caps the configured value: KMS request quotas are shared by
// the whole account and region, and the Runner already runs several
// collections at once.
const (
	DefaultConcurrency = 8
	MaxConcurrency     = 32
)

// The IAM actions the collector calls.
const (
	actionListKeys             = "kms:ListKeys"
	actionListAliases          = "kms:ListAliases"
	actionDescribeKey          = "kms:DescribeKey"
	actionGetKeyRotationStatus = "kms:GetKeyRotationStatus"
	actionGetKeyPolicy         = "kms:GetKeyPolicy"
	actionListGrants           = "kms:ListGrants"
)

// CodeMalformedPolicy is the error code recorded when a key policy returned
// by kms:GetKeyPolicy cannot be parsed.
const CodeMalformedPolicy = "MalformedPolicyDocument"

// policyName is the only key policy name KMS supports.
const policyName = "default"

func init() {
	collectors.Register(Name, func() collectors.Collector { return New() })
}

// Options are the collector's settings in the config file's "kms" section.
type Options struct {
	// Concurrency is how many keys are read at once; 0 means
	// DefaultConcurrency, values above MaxConcurrency are capped.
	Concurrency int `yaml:"concurrency" json:"concurrency"`
}

// Collector reads KMS keys. Its zero value is ready to use.
type Collector struct{}

// New returns a KMS collector.
func New() *Collector { return &Collector{} }

// Describe returns the collector's descriptor.
func (*Collector) Describe() collectors.Descriptor {
	return collectors.Descriptor{
		Name:          Name,
		Version:       Version,
		Summary:       "KMS keys: metadata, rotation, key policies (admin vs use), grants, aliases",
		Scope:         collectors.PerRegion,
		EvidenceKinds: []string{Kind},
		Actions: []string{
			actionDescribeKey,
			actionGetKeyPolicy,
			actionGetKeyRotationStatus,
			actionListAliases,
			actionListGrants,
			actionListKeys,
		},
	}
}

// ValidateOptions implements collectors.OptionsValidator.
func (*Collector) ValidateOptions(o collectors.Options) error {
	var opts Options
	if err := o.Decode(&opts); err != nil {
		return fmt.Errorf("kms options: %w", err)
	}
	return nil
}

// Collect reads every key of the target account and region.
func (*Collector) Collect(ctx context.Context, req *collectors.Request) (*collectors.Response, error) {
	if req == nil {
		return nil, errors.New("kms: nil request")
	}
	var opts Options
	if err := req.Options.Decode(&opts); err != nil {
		return nil, fmt.Errorf("kms options: %w", err)
	}
	conc := opts.Concurrency
	switch {
	case conc <= 0:
		conc = DefaultConcurrency
	case conc > MaxConcurrency:
		conc = MaxConcurrency
	}
	r := &run{
		client:    kms.NewFromConfig(req.AWS),
		b:         collectors.NewBuilder(Kind),
		account:   req.Target.AccountID,
		partition: req.Target.Partition,
	}
	if r.partition == "" {
		r.partition = "aws"
	}
	payload := r.collect(ctx, conc)
	snap, err := r.b.Snapshot(payload)
	if err != nil {
		return nil, err
	}
	return &collectors.Response{Snapshots: []*evidence.Snapshot{snap}}, nil
}

// run is one collection.
type run struct {
	client    *kms.Client
	b         *collectors.Builder
	account   string
	partition string
}

func (r *run) collect(ctx context.Context, conc int) Payload {
	payload := Payload{Keys: []Key{}}
	entries, err := r.listKeys(ctx)
	r.b.Record(actionListKeys, err)
	if err != nil {
		r.b.Fatal()
		return payload
	}
	aliases, err := r.listAliases(ctx)
	r.b.Record(actionListAliases, err)
	aliasesSeen := err == nil
	byKey := map[string][]string{}
	if aliasesSeen {
		payload.Aliases = aliases
		for _, a := range aliases {
			if a.TargetKeyID != "" {
				byKey[a.TargetKeyID] = append(byKey[a.TargetKeyID], a.Name)
			}
		}
	}

	keys := make([]Key, len(entries))
	sem := make(chan struct{}, conc)
	var (
		wg         sync.WaitGroup
		cancelOnce sync.Once
	)
	for i, e := range entries {
		k := Key{
			KeyID:         aws.ToString(e.KeyId),
			ARN:           aws.ToString(e.KeyArn),
			AccountID:     r.account,
			FailedActions: []string{},
		}
		if aliasesSeen {
			k.Aliases = collectors.SortedUnique(byKey[k.KeyID])
		}
		if a, err := arn.Parse(k.ARN); err == nil {
			k.AccountID = a.AccountID
		}
		if ctx.Err() != nil {
			// The run is over: name what was not read, once, without
			// sending calls that cannot succeed.
			cancelOnce.Do(func() { r.b.Failed(actionDescribeKey, ctx.Err()) })
			k.FailedActions = []string{actionDescribeKey, actionGetKeyPolicy, actionListGrants}
			keys[i] = k
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			// The Runner recovers panics only on its own goroutine; one here
			// would end the process, so it becomes this key's failure.
			defer func() {
				if p := recover(); p != nil {
					r.b.Failed(actionDescribeKey, &smithy.GenericAPIError{Code: collectors.CodeCollectorPanic, Message: fmt.Sprintf("reading key %s panicked: %v", k.KeyID, p)})
					k.FailedActions = []string{actionDescribeKey}
					keys[i] = k
				}
			}()
			keys[i] = r.key(ctx, k)
		}()
	}
	wg.Wait()
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].ARN != keys[j].ARN {
			return keys[i].ARN < keys[j].ARN
		}
		return keys[i].KeyID < keys[j].KeyID
	})
	payload.Keys = keys
	return payload
}

func (r *run) listKeys(ctx context.Context) ([]types.KeyListEntry, error) {
	var out []types.KeyListEntry
	p := kms.NewListKeysPaginator(r.client, &kms.ListKeysInput{Limit: aws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		out = append(out, page.Keys...)
	}
	return out, nil
}

func (r *run) listAliases(ctx context.Context) ([]Alias, error) {
	out := []Alias{}
	p := kms.NewListAliasesPaginator(r.client, &kms.ListAliasesInput{Limit: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list aliases: %w", err)
		}
		for _, a := range page.Aliases {
			name := aws.ToString(a.AliasName)
			out = append(out, Alias{
				Name:            name,
				ARN:             aws.ToString(a.AliasArn),
				TargetKeyID:     aws.ToString(a.TargetKeyId),
				AWSManaged:      strings.HasPrefix(name, "alias/aws/"),
				CreationDate:    utc(a.CreationDate),
				LastUpdatedDate: utc(a.LastUpdatedDate),
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// key reads one key. Every failure is recorded in the snapshot and in the
// key's FailedActions; the other calls still run.
func (r *run) key(ctx context.Context, k Key) Key {
	fail := func(action string, err error) {
		r.b.Failed(action, err)
		k.FailedActions = append(k.FailedActions, action)
	}
	id := aws.String(k.KeyID)

	desc, err := r.client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: id})
	if err != nil {
		fail(actionDescribeKey, err)
	} else {
		r.b.Called(actionDescribeKey)
		fillMetadata(&k, desc.KeyMetadata)
	}

	if err == nil && k.RotationApplicable && (k.KeyState == string(types.KeyStateEnabled) || k.KeyState == string(types.KeyStateDisabled)) {
		rot, err := r.client.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: id})
		if err != nil {
			fail(actionGetKeyRotationStatus, err)
		} else {
			r.b.Called(actionGetKeyRotationStatus)
			k.Rotation = &Rotation{
				Enabled:                   rot.KeyRotationEnabled,
				RotationPeriodInDays:      rot.RotationPeriodInDays,
				NextRotationDate:          utc(rot.NextRotationDate),
				OnDemandRotationStartDate: utc(rot.OnDemandRotationStartDate),
			}
		}
	}

	pol, err := r.client.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: id, PolicyName: aws.String(policyName)})
	if err != nil {
		fail(actionGetKeyPolicy, err)
	} else if doc, perr := ParsePolicy(aws.ToString(pol.Policy)); perr != nil {
		fail(actionGetKeyPolicy, &smithy.GenericAPIError{Code: CodeMalformedPolicy, Message: "key policy of " + k.KeyID + " could not be parsed: " + perr.Error()})
	} else {
		r.b.Called(actionGetKeyPolicy)
		k.Policy = doc
	}

	grants, err := r.listGrants(ctx, id)
	if err != nil {
		fail(actionListGrants, err)
	} else {
		r.b.Called(actionListGrants)
		k.Grants = grants
	}

	if k.Policy != nil {
		k.Access = Analyze(k.Policy, k.Grants, k.AccountID, r.partition)
		if k.Grants == nil {
			k.Access.Notes = append(k.Access.Notes, "grants not seen: kms:ListGrants failed")
			sort.Strings(k.Access.Notes)
		}
	}
	sort.Strings(k.FailedActions)
	return k
}

func (r *run) listGrants(ctx context.Context, id *string) ([]Grant, error) {
	out := []Grant{}
	p := kms.NewListGrantsPaginator(r.client, &kms.ListGrantsInput{KeyId: id, Limit: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list grants of %s: %w", aws.ToString(id), err)
		}
		for _, g := range page.Grants {
			out = append(out, convertGrant(g))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GrantID < out[j].GrantID })
	return out, nil
}

func convertGrant(g types.GrantListEntry) Grant {
	out := Grant{
		GrantID:           aws.ToString(g.GrantId),
		Name:              aws.ToString(g.Name),
		GranteePrincipal:  aws.ToString(g.GranteePrincipal),
		RetiringPrincipal: aws.ToString(g.RetiringPrincipal),
		IssuingAccount:    aws.ToString(g.IssuingAccount),
		Operations:        []string{},
		ConstraintKeys:    []string{},
		CreationDate:      utc(g.CreationDate),
	}
	for _, op := range g.Operations {
		out.Operations = append(out.Operations, "kms:"+string(op))
	}
	out.Operations = collectors.SortedUnique(out.Operations)
	if c := g.Constraints; c != nil {
		var keys []string
		for k := range c.EncryptionContextSubset {
			keys = append(keys, k)
		}
		for k := range c.EncryptionContextEquals {
			keys = append(keys, k)
		}
		out.Constrained = c.EncryptionContextSubset != nil || c.EncryptionContextEquals != nil
		out.ConstraintKeys = collectors.SortedUnique(keys)
	}
	return out
}

func fillMetadata(k *Key, m *types.KeyMetadata) {
	if m == nil {
		return
	}
	if v := aws.ToString(m.Arn); v != "" {
		k.ARN = v
	}
	if v := aws.ToString(m.AWSAccountId); v != "" {
		k.AccountID = v
	}
	k.Description = aws.ToString(m.Description)
	k.KeyManager = string(m.KeyManager)
	k.CustomerManaged = m.KeyManager == types.KeyManagerTypeCustomer
	k.KeyState = string(m.KeyState)
	k.Enabled = m.KeyState == types.KeyStateEnabled
	k.PendingDeletion = m.KeyState == types.KeyStatePendingDeletion || m.KeyState == types.KeyStatePendingReplicaDeletion
	k.KeySpec = string(m.KeySpec)
	if k.KeySpec == "" {
		k.KeySpec = string(m.CustomerMasterKeySpec)
	}
	k.KeyUsage = string(m.KeyUsage)
	k.Origin = string(m.Origin)
	k.CustomKeyStoreID = aws.ToString(m.CustomKeyStoreId)
	k.MultiRegion = aws.ToBool(m.MultiRegion)
	if c := m.MultiRegionConfiguration; c != nil {
		k.MultiRegionKeyType = string(c.MultiRegionKeyType)
		if c.PrimaryKey != nil {
			k.PrimaryKeyARN = aws.ToString(c.PrimaryKey.Arn)
		}
	}
	k.CreationDate = utc(m.CreationDate)
	k.DeletionDate = utc(m.DeletionDate)
	k.PendingDeletionWindowInDays = m.PendingDeletionWindowInDays
	k.ValidTo = utc(m.ValidTo)
	k.RotationApplicable = k.CustomerManaged &&
		k.KeySpec == string(types.KeySpecSymmetricDefault) &&
		k.Origin == string(types.OriginTypeAwsKms) &&
		k.CustomKeyStoreID == ""
}

func utc(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
