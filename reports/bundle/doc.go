// Package bundle writes, reads and verifies the auditor bundle: one zip file
// that carries the signed evidence exactly as it was collected, the results
// and reports, the configuration and checks they were computed from, the
// public key, and a seal an auditor can check with openssl and sha256sum
// alone.
//
// Layout (every path is relative to the zip's root):
//
//	README-VERIFY.txt          the commands an auditor runs, the key fingerprint
//	manifest.json              bundle id, period, key id, every file with sha256, size, media type
//	evidence/run-manifest.json the signed run manifest of the collection, and its .sig
//	evidence/ACCOUNT/REGION/KIND.json   snapshots as collected, each with its .sig
//	attachments/CONTROL/FILE   manual evidence, each with its .sig
//	results/results.json       the evaluation
//	reports/*.pdf, *.xlsx      the reports
//	config/                    ownership and exceptions files as used
//	checks/                    the checks evaluated (re-evaluation needs nothing else)
//	keys/signing-key.pub       the public key (PEM SubjectPublicKeyInfo)
//	attestation.dsse.json      DSSE envelope of an in-toto Statement v1 over every file above
//	SHA256SUMS                 GNU sha256sum format, sorted bytewise: every file above
//	SHA256SUMS.sig             DER ECDSA P-256/SHA-256 signature over SHA256SUMS
//	SHA256SUMS.sig.tsr         optional RFC 3161 timestamp response over SHA256SUMS.sig
//
// Entries are stored uncompressed, so verifying is hashing. Verify is one
// linear, fail-closed function: it reads the zip in place (nothing is
// extracted), bounds every input by a named limit, and returns the first
// failure naming the file.
package bundle
