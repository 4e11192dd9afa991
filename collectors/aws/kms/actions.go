package kms

import (
	"sort"
	"strings"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/aws/iampolicy"
)

// Category classifies a KMS action for the separation-of-duties analysis.
type Category string

// The action categories.
const (
	// Admin actions change a key's configuration or lifecycle.
	Admin Category = "admin"
	// Use actions are cryptographic operations with the key.
	Use Category = "use"
	// GrantMgmt actions create, retire or revoke grants. They are neither
	// admin nor use: AWS's default key policy gives key users
	// kms:CreateGrant, kms:ListGrants and kms:RevokeGrant (conditioned on
	// kms:GrantIsForAWSResource) so that AWS services can use the key, and
	// counting them as admin would flag every default policy.
	GrantMgmt Category = "grant"
	// Read actions only describe or list.
	Read Category = "read"
	// Other actions are KMS actions outside the categories above.
	Other Category = "other"
)

// actionCategories classifies every KMS IAM action. The list is the API
// operations of the AWS KMS API Reference ("Actions",
// https://docs.aws.amazon.com/kms/latest/APIReference/API_Operations.html)
// plus the permission-only actions of the Service Authorization Reference
// for AWS KMS (kms:ReEncryptFrom, kms:ReEncryptTo authorise ReEncrypt;
// kms:SynchronizeMultiRegionKey is used by the multi-Region service-linked
// role), read in 2026. Wildcards in policies (kms:*, kms:Create*, NotAction)
// are expanded against this list; an exact action missing from it is kept as
// Other, so nothing allowed is dropped.
var actionCategories = map[string]Category{
	// Admin: key configuration and lifecycle.
	"kms:CancelKeyDeletion":         Admin,
	"kms:ConnectCustomKeyStore":     Admin,
	"kms:CreateAlias":               Admin,
	"kms:CreateCustomKeyStore":      Admin,
	"kms:CreateKey":                 Admin,
	"kms:DeleteAlias":               Admin,
	"kms:DeleteCustomKeyStore":      Admin,
	"kms:DeleteImportedKeyMaterial": Admin,
	"kms:DisableKey":                Admin,
	"kms:DisableKeyRotation":        Admin,
	"kms:DisconnectCustomKeyStore":  Admin,
	"kms:EnableKey":                 Admin,
	"kms:EnableKeyRotation":         Admin,
	"kms:GetParametersForImport":    Admin,
	"kms:ImportKeyMaterial":         Admin,
	"kms:PutKeyPolicy":              Admin,
	"kms:ReplicateKey":              Admin,
	"kms:RotateKeyOnDemand":         Admin,
	"kms:ScheduleKeyDeletion":       Admin,
	"kms:SynchronizeMultiRegionKey": Admin,
	"kms:TagResource":               Admin,
	"kms:UntagResource":             Admin,
	"kms:UpdateAlias":               Admin,
	"kms:UpdateCustomKeyStore":      Admin,
	"kms:UpdateKeyDescription":      Admin,
	"kms:UpdatePrimaryRegion":       Admin,

	// Use: cryptographic operations.
	"kms:Decrypt":                             Use,
	"kms:DeriveSharedSecret":                  Use,
	"kms:Encrypt":                             Use,
	"kms:GenerateDataKey":                     Use,
	"kms:GenerateDataKeyPair":                 Use,
	"kms:GenerateDataKeyPairWithoutPlaintext": Use,
	"kms:GenerateDataKeyWithoutPlaintext":     Use,
	"kms:GenerateMac":                         Use,
	"kms:ReEncryptFrom":                       Use,
	"kms:ReEncryptTo":                         Use,
	"kms:Sign":                                Use,
	"kms:Verify":                              Use,
	"kms:VerifyMac":                           Use,

	// Grant management.
	"kms:CreateGrant": GrantMgmt,
	"kms:RetireGrant": GrantMgmt,
	"kms:RevokeGrant": GrantMgmt,

	// Read.
	"kms:DescribeCustomKeyStores": Read,
	"kms:DescribeKey":             Read,
	"kms:GetKeyLastUsage":         Read,
	"kms:GetKeyPolicy":            Read,
	"kms:GetKeyRotationStatus":    Read,
	"kms:GetPublicKey":            Read,
	"kms:ListAliases":             Read,
	"kms:ListGrants":              Read,
	"kms:ListKeyPolicies":         Read,
	"kms:ListKeyRotations":        Read,
	"kms:ListKeys":                Read,
	"kms:ListResourceTags":        Read,
	"kms:ListRetirableGrants":     Read,

	// Other: does not involve a key.
	"kms:GenerateRandom": Other,
}

// knownActions is the sorted list of actionCategories' keys.
var knownActions = func() []string {
	out := make([]string, 0, len(actionCategories))
	for a := range actionCategories {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}()

// lowerActions maps lower-cased action names to their canonical spelling;
// IAM action names are case-insensitive.
var lowerActions = func() map[string]string {
	m := make(map[string]string, len(actionCategories))
	for a := range actionCategories {
		m[strings.ToLower(a)] = a
	}
	return m
}()

// KnownActions returns every KMS action the analysis knows, sorted.
func KnownActions() []string { return append([]string(nil), knownActions...) }

// CategoryOf returns the category of a KMS action (case-insensitive); Other
// for an action it does not know.
func CategoryOf(action string) Category {
	if c, ok := actionCategories[canonical(action)]; ok {
		return c
	}
	return Other
}

// canonical returns the canonical spelling of a known action, or action.
func canonical(action string) string {
	if a, ok := lowerActions[strings.ToLower(action)]; ok {
		return a
	}
	return action
}

// expand returns the known KMS actions a policy action pattern matches
// (IAM wildcards * and ?, case-insensitive). A pattern without wildcards
// that names an unknown kms: action is returned as is, so it can be reported
// as Other; a pattern for another service matches nothing.
func expand(pattern string) []string {
	p := strings.ToLower(strings.TrimSpace(pattern))
	if p == "" {
		return nil
	}
	if !strings.ContainsAny(p, "*?") {
		if a, ok := lowerActions[p]; ok {
			return []string{a}
		}
		if strings.HasPrefix(p, "kms:") {
			return []string{strings.TrimSpace(pattern)}
		}
		return nil
	}
	var out []string
	for _, a := range knownActions {
		if iampolicy.MatchFold(p, a) {
			out = append(out, a)
		}
	}
	return out
}
