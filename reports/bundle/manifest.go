package bundle

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// ManifestSchema is the schema of manifest.json.
const ManifestSchema = "hipaa-evidence/bundle-manifest/v1"

// Manifest is manifest.json: what the bundle is and every file it holds
// except itself, the attestation and the seal files.
type Manifest struct {
	// Schema is ManifestSchema.
	Schema string `json:"schema"`
	// BundleID is a random UUID naming this bundle.
	BundleID string `json:"bundle_id"`
	// Organization is the organization the evidence belongs to.
	Organization string `json:"organization"`
	// Period is the audit period, e.g. "2026-Q4".
	Period string `json:"period"`
	// CreatedAt is when the bundle was written, in UTC.
	CreatedAt time.Time `json:"created_at"`
	// ToolVersion is the version of hipaa-evidence that wrote it.
	ToolVersion string `json:"tool_version"`
	// KeyID is the hex SHA-256 of the signing key's DER SubjectPublicKeyInfo.
	KeyID string `json:"key_id"`
	// DemoKey is true when the bundle was signed with a throwaway demo key.
	DemoKey bool `json:"demo_key"`
	// RunID is the locker run whose evidence the bundle carries, if any.
	RunID string `json:"run_id,omitempty"`
	// Files lists every file but manifest.json, attestation.dsse.json and
	// the seal files, sorted by path.
	Files []FileEntry `json:"files"`
}

// FileEntry is one file in the manifest.
type FileEntry struct {
	// Path is the file's path in the bundle.
	Path string `json:"path"`
	// SHA256 is the lower-case hex SHA-256 of its content.
	SHA256 string `json:"sha256"`
	// Size is its size in bytes.
	Size int64 `json:"size"`
	// MediaType is its IANA media type.
	MediaType string `json:"media_type"`
}

// Media types of the files a bundle holds.
const (
	MediaJSON      = "application/json"
	MediaPDF       = "application/pdf"
	MediaXLSX      = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	MediaYAML      = "application/yaml"
	MediaText      = "text/plain; charset=utf-8"
	MediaSignature = "application/pkix-signature"
	MediaPEM       = "application/x-pem-file"
	MediaDSSE      = "application/vnd.dsse.envelope.v1+json"
	MediaCSV       = "text/csv"
	MediaOctets    = "application/octet-stream"
)

// MediaType returns the media type this package records for a file name.
func MediaType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".json":
		return MediaJSON
	case ".pdf":
		return MediaPDF
	case ".xlsx":
		return MediaXLSX
	case ".yaml", ".yml":
		return MediaYAML
	case ".txt", ".md":
		return MediaText
	case ".sig":
		return MediaSignature
	case ".pub", ".pem":
		return MediaPEM
	case ".csv":
		return MediaCSV
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".docx":
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	case ".html", ".htm":
		return "text/html"
	}
	return MediaOctets
}

// newBundleID returns a random (version 4) UUID.
func newBundleID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("bundle id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// Slug returns s as a safe file-name fragment: lower-case ASCII letters and
// digits, runs of anything else as one "-", at most 64 bytes, never empty.
func Slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= 64 {
				break
			}
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "organization"
	}
	return b.String()
}

// FileName returns the bundle's file name: hipaa-evidence-<org>-<period>.zip,
// with the organization slugged.
func FileName(organization, period string) string {
	if !evidence.ValidPeriod(period) {
		period = Slug(period)
	}
	return "hipaa-evidence-" + Slug(organization) + "-" + period + ".zip"
}
