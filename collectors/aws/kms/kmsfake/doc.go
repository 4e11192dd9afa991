// Package kmsfake is a model of one account's AWS KMS keys in one region,
// shared by the KMS collector's tests and the demo.
//
// Seed creates the keys in the kumo emulator through the SDK (CreateKey with
// spec, usage, multi-Region flag and key policy; CreateAlias;
// ScheduleKeyDeletion), so kumo answers ListKeys, DescribeKey, GetKeyPolicy
// and ListAliases itself. kumo does not implement ListGrants or
// EnableKeyRotation (its GetKeyRotationStatus always answers "disabled"), so
// Stubs answers those two at the SDK's HTTP layer (collectortest.Transport)
// from the same model, with the response shapes of the AWS KMS API
// Reference: ListGrants (Grants[], NextMarker, Truncated) and
// GetKeyRotationStatus (KeyId, KeyRotationEnabled, RotationPeriodInDays,
// NextRotationDate).
package kmsfake
