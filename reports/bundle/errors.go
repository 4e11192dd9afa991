package bundle

import (
	"errors"
	"strconv"
)

// Errors returned by Verify and the parsers, wrapped in an *Error that names
// the file. Callers match them with errors.Is.
var (
	// ErrUnsafePath means a zip entry or listed path is absolute, contains
	// "..", ".", an empty element, a backslash or a control character.
	ErrUnsafePath = errors.New("unsafe path")
	// ErrSymlink means a zip entry is a symbolic link or another non-regular file.
	ErrSymlink = errors.New("not a regular file (symlink or special file)")
	// ErrDuplicate means two zip entries have the same name (or names that
	// collide when extracted on a case-insensitive file system).
	ErrDuplicate = errors.New("duplicate name")
	// ErrTooLarge means an archive, entry or file exceeds its size limit.
	ErrTooLarge = errors.New("over the size limit")
	// ErrZipBomb means an entry's compression ratio or overlapping data marks
	// it as a decompression bomb.
	ErrZipBomb = errors.New("decompression bomb")
	// ErrArchive means the zip itself is malformed or uses an unsupported feature.
	ErrArchive = errors.New("malformed archive")
	// ErrKeyMismatch means the bundle's key is not the key the caller pinned.
	ErrKeyMismatch = errors.New("signing key does not match the pinned key")
	// ErrBadSeal means SHA256SUMS.sig does not verify over SHA256SUMS.
	ErrBadSeal = errors.New("seal signature does not verify")
	// ErrSumsFormat means SHA256SUMS is not strictly in the expected format.
	ErrSumsFormat = errors.New("malformed SHA256SUMS")
	// ErrDigestMismatch means a file's content does not hash to its listed digest.
	ErrDigestMismatch = errors.New("sha256 mismatch")
	// ErrMissingFile means a listed or required file is not in the bundle.
	ErrMissingFile = errors.New("missing file")
	// ErrUnlistedFile means the bundle holds a file SHA256SUMS does not list.
	ErrUnlistedFile = errors.New("file not listed in SHA256SUMS")
	// ErrBadSignature means a snapshot's or attachment's signature does not
	// verify with the bundle key, or is missing.
	ErrBadSignature = errors.New("signature does not verify with the bundle key")
	// ErrAttestation means attestation.dsse.json is malformed, its signature
	// does not verify, or its statement disagrees with the files.
	ErrAttestation = errors.New("attestation does not verify")
	// ErrManifest means manifest.json is malformed or disagrees with the files.
	ErrManifest = errors.New("manifest disagrees with the bundle")
	// ErrRunManifest means evidence/run-manifest.json disagrees with the
	// bundled evidence.
	ErrRunManifest = errors.New("run manifest disagrees with the bundled evidence")
	// ErrTimestamp means SHA256SUMS.sig.tsr is malformed or does not verify.
	ErrTimestamp = errors.New("timestamp does not verify")
)

// Error is a verification failure at one file of the bundle.
type Error struct {
	// Path is the file that failed, relative to the bundle root ("" for the
	// archive as a whole).
	Path string
	// Err is the reason; it wraps one of the sentinels above.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Path == "" {
		return e.Err.Error()
	}
	p := e.Path
	if q := strconv.Quote(p); q[1:len(q)-1] != p {
		p = q // never print control characters from a hostile name raw
	}
	return p + ": " + e.Err.Error()
}

// Unwrap returns the reason.
func (e *Error) Unwrap() error { return e.Err }

// fail returns an *Error for path.
func fail(path string, err error) *Error { return &Error{Path: path, Err: err} }
