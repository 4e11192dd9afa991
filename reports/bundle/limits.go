package bundle

// Limits bound everything Verify reads from a bundle. Each default below
// names the threat it stops; a zero field in Limits means the default.
type Limits struct {
	// MaxArchiveSize bounds the zip file; see DefaultMaxArchiveSize.
	MaxArchiveSize int64
	// MaxEntries bounds the number of zip entries; see DefaultMaxEntries.
	MaxEntries int
	// MaxEntrySize bounds one file's uncompressed size; see DefaultMaxEntrySize.
	MaxEntrySize int64
	// MaxTotalSize bounds the sum of uncompressed sizes; see DefaultMaxTotalSize.
	MaxTotalSize int64
	// MaxCompressionRatio bounds uncompressed/compressed size of a large
	// entry; see DefaultMaxCompressionRatio.
	MaxCompressionRatio int64
}

const (
	// DefaultMaxArchiveSize bounds the zip file (64 GiB). It stops a verifier
	// being pointed at an endless device or a file far larger than any real
	// bundle, which would tie it up for hours.
	DefaultMaxArchiveSize int64 = 64 << 30
	// DefaultMaxEntries bounds the number of entries (200,000). It stops a
	// central directory of millions of tiny entries from exhausting memory
	// in the index before a single byte is hashed.
	DefaultMaxEntries = 200_000
	// DefaultMaxEntrySize bounds one file's uncompressed size (16 GiB). It
	// stops one entry that claims or inflates to an absurd size.
	DefaultMaxEntrySize int64 = 16 << 30
	// DefaultMaxTotalSize bounds the uncompressed total (64 GiB). It stops a
	// decompression bomb spread over many entries, each under the per-entry
	// limit.
	DefaultMaxTotalSize int64 = 64 << 30
	// DefaultMaxCompressionRatio bounds uncompressed/compressed size for
	// entries larger than ratioCheckMinSize, and uncompressed total/archive
	// size for the archive as a whole (200:1). It stops a zip bomb (a few KiB
	// that inflate to gigabytes, in one entry or spread over many small
	// ones) before anything is inflated; real evidence, even repetitive
	// JSON, compresses far less, and this package stores entries
	// uncompressed.
	DefaultMaxCompressionRatio int64 = 200

	// ratioCheckMinSize exempts small entries from the ratio check: a 100 KiB
	// file of spaces is harmless however well it compresses.
	ratioCheckMinSize = 1 << 20

	// maxPathLength bounds one path (512 bytes). It stops names that exceed
	// file-system limits when an auditor extracts the bundle, and oversize
	// lines in SHA256SUMS.
	maxPathLength = 512
	// maxPathDepth bounds the number of path elements (16). It stops
	// directory nesting deep enough to break extraction tools.
	maxPathDepth = 16
	// maxKeySize bounds keys/signing-key.pub (16 KiB); a P-256 PEM key is
	// under 300 bytes. It stops a huge "key" from being parsed.
	maxKeySize = 16 << 10
	// maxSignatureSize bounds any .sig file (1 KiB); a DER P-256 signature
	// is at most 72 bytes. It stops memory use proportional to hostile input.
	maxSignatureSize = 1 << 10
	// maxSumsSize bounds SHA256SUMS (64 MiB): enough for DefaultMaxEntries
	// lines of maximal length. It stops an endless checksum list.
	maxSumsSize = 64 << 20
	// maxManifestSize bounds manifest.json and evidence/run-manifest.json
	// (128 MiB). Both are held in memory to be parsed.
	maxManifestSize = 128 << 20
	// maxAttestationSize bounds attestation.dsse.json (128 MiB); it is held
	// in memory and base64-decoded.
	maxAttestationSize = 128 << 20
	// maxTimestampSize bounds SHA256SUMS.sig.tsr (256 KiB); an RFC 3161
	// response with a certificate chain is a few KiB. It stops ASN.1 parsing
	// of hostile bulk.
	maxTimestampSize = 256 << 10
	// maxDSSESignatures bounds the signatures in the DSSE envelope (4). It
	// stops signature-verification work proportional to hostile input.
	maxDSSESignatures = 4
)

// withDefaults returns l with zero fields set to the defaults.
func (l Limits) withDefaults() Limits {
	if l.MaxArchiveSize <= 0 {
		l.MaxArchiveSize = DefaultMaxArchiveSize
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxEntrySize <= 0 {
		l.MaxEntrySize = DefaultMaxEntrySize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = DefaultMaxTotalSize
	}
	if l.MaxCompressionRatio <= 0 {
		l.MaxCompressionRatio = DefaultMaxCompressionRatio
	}
	return l
}
