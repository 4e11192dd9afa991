// Package evidence defines the signed evidence snapshot: its JSON format, the
// signers that sign a snapshot's exact bytes (a local ECDSA P-256 key or an AWS
// KMS key), signature verification and content digests.
//
// A snapshot is written once. Its signature is a DER-encoded ECDSA P-256
// signature over SHA-256 of the bytes on disk, so an auditor can check it with
//
//	openssl dgst -sha256 -verify key.pub -signature X.json.sig X.json
//
// This package depends on nothing else in the module.
package evidence
