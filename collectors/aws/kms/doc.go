// Package kms is the built-in "kms" collector. Once per account and region it
// reads every KMS key (kms:ListKeys, kms:DescribeKey), the rotation status of
// customer-managed symmetric keys (kms:GetKeyRotationStatus), each key's
// policy (kms:GetKeyPolicy, policy name "default"), its grants
// (kms:ListGrants) and the region's aliases (kms:ListAliases), and writes one
// snapshot of kind aws.kms.keys.
//
// Key policies are normalised (Statement is always a list; Action, Resource
// and each Principal entry are always lists; AWS key names are kept) and
// analysed into the principals that administer a key and the principals that
// use it, so that separation of duties can be judged. The classification of
// every KMS action is in actions.go; docs/evidence/kms.md documents every
// payload field.
//
// Keys are read with bounded concurrency. A call that fails for one key is
// recorded in the snapshot's errors and in that key's failed_actions; the
// snapshot is then partial and the other keys are unaffected.
package kms
