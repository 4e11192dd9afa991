package kmsfake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
)

// Key is one KMS key of the model.
type Key struct {
	// Description is the key's description.
	Description string
	// Spec is the key spec; empty means SYMMETRIC_DEFAULT.
	Spec types.KeySpec
	// Usage is the key usage; empty means ENCRYPT_DECRYPT.
	Usage types.KeyUsageType
	// MultiRegion makes a multi-Region primary key.
	MultiRegion bool
	// Policy is the key policy document; empty leaves kumo's default policy
	// (the account root may do everything).
	Policy string
	// Aliases are the key's alias names ("alias/...").
	Aliases []string
	// Rotation, when set, is the automatic rotation GetKeyRotationStatus
	// reports, as if EnableKeyRotation had been called; nil leaves kumo's
	// answer (rotation disabled).
	Rotation *Rotation
	// PendingWindowDays, when positive, schedules the key's deletion with
	// that waiting period.
	PendingWindowDays int32
	// Grants are what ListGrants returns for the key.
	Grants []Grant

	// ID is kumo's key id, set by Seed.
	ID string
	// ARN is kumo's key ARN, set by Seed.
	ARN string
}

// Rotation is a key's automatic rotation setting.
type Rotation struct {
	// PeriodDays is the rotation period (90 to 2560 days; AWS's default is 365).
	PeriodDays int32
	// Next is the next rotation date.
	Next time.Time
}

// Grant is one grant on a key, in the fields of the ListGrants response's
// GrantListEntry.
type Grant struct {
	// ID is the grant id.
	ID string
	// Name is the grant's friendly name; may be empty.
	Name string
	// Grantee is the grantee principal ARN.
	Grantee string
	// Retiring is the retiring principal ARN; may be empty.
	Retiring string
	// Issuer is the issuing account's root ARN.
	Issuer string
	// Operations are the operations the grant allows, without the "kms:"
	// prefix (e.g. "Decrypt").
	Operations []string
	// EncryptionContextSubset is the grant's encryption context constraint;
	// nil means none.
	EncryptionContextSubset map[string]string
	// Created is the grant's creation date.
	Created time.Time
}

// Account is the KMS keys of one account in one region.
type Account struct {
	// Keys are the keys, created in this order.
	Keys []*Key
	// GrantsPageSize is the most grants one ListGrants page holds, below the
	// request's Limit, so tests can exercise pagination; 0 leaves the Limit
	// alone.
	GrantsPageSize int
}

// Seed creates the keys and aliases in kumo through the SDK with cfg, and
// records kumo's key ids and ARNs in the model.
func (a *Account) Seed(ctx context.Context, cfg aws.Config) error {
	c := kms.NewFromConfig(cfg)
	for i, k := range a.Keys {
		in := &kms.CreateKeyInput{KeySpec: k.Spec, KeyUsage: k.Usage}
		if k.Description != "" {
			in.Description = aws.String(k.Description)
		}
		if k.MultiRegion {
			in.MultiRegion = aws.Bool(true)
		}
		if k.Policy != "" {
			in.Policy = aws.String(k.Policy)
		}
		out, err := c.CreateKey(ctx, in)
		if err != nil {
			return fmt.Errorf("create key %d (%s): %w", i, k.Description, err)
		}
		k.ID, k.ARN = aws.ToString(out.KeyMetadata.KeyId), aws.ToString(out.KeyMetadata.Arn)
		for _, alias := range k.Aliases {
			if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: aws.String(k.ID)}); err != nil {
				return fmt.Errorf("create alias %s: %w", alias, err)
			}
		}
		if k.PendingWindowDays > 0 {
			if _, err := c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(k.ID), PendingWindowInDays: aws.Int32(k.PendingWindowDays)}); err != nil {
				return fmt.Errorf("schedule deletion of key %s: %w", k.ID, err)
			}
		}
	}
	return nil
}

// Key returns the key whose id or ARN is ref, or nil. A request may name a
// key by id or by ARN; ARNs are matched by their key id, so they match
// whatever account id the answer presented.
func (a *Account) Key(ref string) *Key {
	if i := strings.LastIndex(ref, ":key/"); i >= 0 {
		ref = ref[i+len(":key/"):]
	}
	for _, k := range a.Keys {
		if k.ID != "" && k.ID == ref {
			return k
		}
	}
	return nil
}

// Stubs returns the handlers of the calls kumo lacks, keyed as
// collectortest.Transport.Stub expects.
func (a *Account) Stubs() map[string]collectortest.Handler {
	return map[string]collectortest.Handler{
		"kms:ListGrants":           a.ListGrants,
		"kms:GetKeyRotationStatus": a.GetKeyRotationStatus,
	}
}

// Install sets the model's stubs on tr.
func (a *Account) Install(tr *collectortest.Transport) {
	for key, h := range a.Stubs() {
		tr.Stub(key, h)
	}
}

// request is the part of a KMS request the stubs read.
type request struct {
	KeyID  string `json:"KeyId"`
	Marker string `json:"Marker"`
	Limit  int    `json:"Limit"`
}

func decode(key string, body []byte) (request, *http.Response) {
	var in request
	if err := json.Unmarshal(body, &in); err != nil {
		return in, collectortest.ErrorResponse(key, 400, "ValidationException", "malformed request: "+err.Error())
	}
	return in, nil
}

// ListGrants answers kms:ListGrants with the key's grants, a page at a
// time. A key outside the model has no grants.
func (a *Account) ListGrants(_ *http.Request, body []byte) *http.Response {
	in, bad := decode("kms:ListGrants", body)
	if bad != nil {
		return bad
	}
	var grants []Grant
	keyID := in.KeyID
	if k := a.Key(in.KeyID); k != nil {
		grants, keyID = k.Grants, k.ARN
	}
	start := 0
	if in.Marker != "" {
		n, err := strconv.Atoi(in.Marker)
		if err != nil || n < 0 || n > len(grants) {
			return collectortest.ErrorResponse("kms:ListGrants", 400, "InvalidMarkerException", "The request was rejected because the marker is not valid.")
		}
		start = n
	}
	size := in.Limit
	if size <= 0 || size > 100 {
		size = 50 // the API's default Limit
	}
	if a.GrantsPageSize > 0 && a.GrantsPageSize < size {
		size = a.GrantsPageSize
	}
	end := min(start+size, len(grants))
	entries := make([]any, 0, end-start)
	for _, g := range grants[start:end] {
		e := map[string]any{
			"KeyId":            keyID,
			"GrantId":          g.ID,
			"GranteePrincipal": g.Grantee,
			"IssuingAccount":   g.Issuer,
			"Operations":       g.Operations,
			"CreationDate":     float64(g.Created.Unix()),
		}
		if g.Name != "" {
			e["Name"] = g.Name
		}
		if g.Retiring != "" {
			e["RetiringPrincipal"] = g.Retiring
		}
		if g.EncryptionContextSubset != nil {
			e["Constraints"] = map[string]any{"EncryptionContextSubset": g.EncryptionContextSubset}
		}
		entries = append(entries, e)
	}
	out := map[string]any{"Grants": entries, "Truncated": end < len(grants)}
	if end < len(grants) {
		out["NextMarker"] = strconv.Itoa(end)
	}
	return collectortest.JSONResponse(out)
}

// GetKeyRotationStatus answers kms:GetKeyRotationStatus for keys whose
// rotation the model enables, and passes the others on to kumo (which
// answers "disabled").
func (a *Account) GetKeyRotationStatus(_ *http.Request, body []byte) *http.Response {
	in, bad := decode("kms:GetKeyRotationStatus", body)
	if bad != nil {
		return bad
	}
	k := a.Key(in.KeyID)
	if k == nil || k.Rotation == nil {
		return nil
	}
	out := map[string]any{
		"KeyId":                k.ARN,
		"KeyRotationEnabled":   true,
		"RotationPeriodInDays": k.Rotation.PeriodDays,
	}
	if !k.Rotation.Next.IsZero() {
		out["NextRotationDate"] = float64(k.Rotation.Next.Unix())
	}
	return collectortest.JSONResponse(out)
}
