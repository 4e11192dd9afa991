package controls

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

// AttachmentSchema is the schema of an attachment's metadata.
const AttachmentSchema = "hipaa-evidence/attachment/v1"

// AttachmentsDir is the directory under the locker's files/ that holds
// attachments: attachments/<id>/<file name> (+ .sig) and
// attachments/<id>/metadata.json (+ .sig).
const AttachmentsDir = "attachments"

// Limits of attachments.
const (
	// MaxAttachmentSize bounds one attached document; audit reports and
	// policies are far smaller, and the locker is not a file share.
	MaxAttachmentSize = 256 << 20
	// maxNote bounds the note kept in metadata.
	maxNote = 2000
	// maxMetadataSize bounds metadata.json read back.
	maxMetadataSize = 64 << 10
	// maxFileName bounds the stored document name.
	maxFileName = 200
)

// AttachmentMetadata describes one attached document. It is signed and
// stored beside the document; evaluation reads it (never the document) to
// decide manual_required.
type AttachmentMetadata struct {
	// Schema is AttachmentSchema.
	Schema string `json:"schema"`
	// ID names the attachment: <UTC time>-<12 hex digits>.
	ID string `json:"id"`
	// Control is the catalog entry the document evidences.
	Control string `json:"control"`
	// FileName is the document's base name as stored.
	FileName string `json:"file_name"`
	// SHA256 is the hex SHA-256 of the document.
	SHA256 string `json:"sha256"`
	// Size is the document's size in bytes.
	Size int64 `json:"size"`
	// MediaType is the detected media type.
	MediaType string `json:"media_type"`
	// Note is free text from the person attaching it.
	Note string `json:"note,omitempty"`
	// AttachedAt is when it was attached (UTC).
	AttachedAt time.Time `json:"attached_at"`
	// ValidUntil is the last day it counts (YYYY-MM-DD); "" for no expiry.
	ValidUntil string `json:"valid_until,omitempty"`
	// KeyID is the key that signed it.
	KeyID string `json:"key_id"`
	// DemoKey is true when signed with a demo key.
	DemoKey bool `json:"demo_key"`
}

// Evidence returns the metadata as evaluation input.
func (m *AttachmentMetadata) Evidence() ManualEvidence {
	return ManualEvidence{ID: m.ID, Control: m.Control, FileName: m.FileName, SHA256: m.SHA256, Size: m.Size,
		Note: m.Note, AttachedAt: m.AttachedAt.UTC(), ValidUntil: m.ValidUntil, KeyID: m.KeyID}
}

// AttachRequest is one document to attach.
type AttachRequest struct {
	// Control is the catalog entry; it must be in Catalog.
	Control string
	// FileName is the document's name; only its base name is kept.
	FileName string
	// Data is the document.
	Data []byte
	// Note is optional free text.
	Note string
	// ValidUntil is the last day the document counts (YYYY-MM-DD), or "".
	ValidUntil string
	// Now is the attach time.
	Now time.Time
}

// Attach hashes, signs and stores a document with signed metadata in the
// locker, and returns the metadata. Nothing is overwritten.
func Attach(ctx context.Context, lk *locker.Locker, signer evidence.Signer, cat *Catalog, req AttachRequest) (*AttachmentMetadata, error) {
	if !cat.Has(req.Control) {
		return nil, fmt.Errorf("attach: %q is not a catalog id (see `hipaa-evidence controls list`)", req.Control)
	}
	if len(req.Data) > MaxAttachmentSize {
		return nil, fmt.Errorf("attach: %s is %d bytes, over the %d byte limit", req.FileName, len(req.Data), MaxAttachmentSize)
	}
	if len(req.Data) == 0 {
		return nil, fmt.Errorf("attach: %s is empty", req.FileName)
	}
	name, err := cleanFileName(req.FileName)
	if err != nil {
		return nil, fmt.Errorf("attach: %w", err)
	}
	if req.ValidUntil != "" {
		if _, err := time.Parse(dateLayout, req.ValidUntil); err != nil {
			return nil, fmt.Errorf("attach: --valid-until %q is not a date like 2027-06-30", req.ValidUntil)
		}
	}
	note := strings.TrimSpace(req.Note)
	if len(note) > maxNote || !utf8.ValidString(note) {
		return nil, fmt.Errorf("attach: the note must be valid UTF-8 of at most %d bytes", maxNote)
	}
	if req.Now.IsZero() {
		return nil, fmt.Errorf("attach: no time given")
	}
	now := req.Now.UTC().Truncate(time.Second)
	sum := sha256.Sum256(req.Data)
	digest := hex.EncodeToString(sum[:])
	idSum := sha256.Sum256([]byte(req.Control + "\n" + digest + "\n" + now.Format(time.RFC3339)))
	m := &AttachmentMetadata{Schema: AttachmentSchema, ID: now.Format("20060102T150405Z") + "-" + hex.EncodeToString(idSum[:6]),
		Control: req.Control, FileName: name, SHA256: digest, Size: int64(len(req.Data)),
		MediaType: http.DetectContentType(req.Data), Note: note, AttachedAt: now, ValidUntil: req.ValidUntil,
		KeyID: evidence.KeyID(signer.PublicKey()), DemoKey: signer.Demo()}
	meta, err := encodeMetadata(m)
	if err != nil {
		return nil, err
	}
	docSig, err := signer.Sign(ctx, req.Data)
	if err != nil {
		return nil, fmt.Errorf("attach: sign %s: %w", name, err)
	}
	metaSig, err := signer.Sign(ctx, meta)
	if err != nil {
		return nil, fmt.Errorf("attach: sign metadata: %w", err)
	}
	dir := path.Join(AttachmentsDir, m.ID)
	// Document first, metadata last: metadata is what makes an attachment
	// count, so it only appears once the document is stored.
	for _, f := range []struct {
		name string
		data []byte
	}{{name + ".sig", docSig}, {name, req.Data}, {"metadata.json.sig", metaSig}, {"metadata.json", meta}} {
		if _, err := lk.PutFile(path.Join(dir, f.name), f.data); err != nil {
			return nil, fmt.Errorf("attach: %w", err)
		}
	}
	return m, nil
}

func encodeMetadata(m *AttachmentMetadata) ([]byte, error) {
	b, err := evidence.EncodeJSON(m)
	if err != nil {
		return nil, fmt.Errorf("encode attachment metadata: %w", err)
	}
	return b, nil
}

// cleanFileName keeps the base name and rejects names that could not be
// stored safely.
func cleanFileName(name string) (string, error) {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	if base == "." || base == "/" || base == ".." || base == "" {
		return "", fmt.Errorf("%q is not a file name", name)
	}
	if base == "metadata.json" || base == "metadata.json.sig" || strings.HasSuffix(base, ".sig") || strings.HasPrefix(base, ".") {
		return "", fmt.Errorf("file name %q is reserved; rename the file", base)
	}
	if len(base) > maxFileName || !utf8.ValidString(base) {
		return "", fmt.Errorf("file name %q is too long or not UTF-8", base)
	}
	for _, r := range base {
		if unicode.IsControl(r) {
			return "", fmt.Errorf("file name %q has control characters", base)
		}
	}
	return base, nil
}

// DecodeAttachmentMetadata strictly parses metadata.json.
func DecodeAttachmentMetadata(b []byte) (*AttachmentMetadata, error) {
	if len(b) > maxMetadataSize {
		return nil, fmt.Errorf("attachment metadata is %d bytes, over the %d byte limit", len(b), maxMetadataSize)
	}
	var m AttachmentMetadata
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("attachment metadata: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("attachment metadata: trailing data")
	}
	if m.Schema != AttachmentSchema || m.ID == "" || m.Control == "" || len(m.SHA256) != 64 {
		return nil, fmt.Errorf("attachment metadata: schema, id, control and sha256 are required")
	}
	if _, err := cleanFileName(m.FileName); err != nil || m.FileName == "" {
		return nil, fmt.Errorf("attachment metadata %s: bad file name %q", m.ID, m.FileName)
	}
	if m.ValidUntil != "" {
		if _, err := time.Parse(dateLayout, m.ValidUntil); err != nil {
			return nil, fmt.Errorf("attachment metadata %s: valid_until %q is not a date", m.ID, m.ValidUntil)
		}
	}
	return &m, nil
}

// LoadAttachments reads, verifies and returns every attachment in the
// locker. Metadata and documents must verify with one of trusted (by key
// id); any that does not stops with ErrTampered naming the file.
func LoadAttachments(lk *locker.Locker, trusted []*ecdsa.PublicKey) ([]*AttachmentMetadata, error) {
	files, err := lk.ListFiles(AttachmentsDir)
	if err != nil {
		return nil, err
	}
	keys := map[string]*ecdsa.PublicKey{}
	for _, k := range trusted {
		if k != nil {
			keys[evidence.KeyID(k)] = k
		}
	}
	var out []*AttachmentMetadata
	for _, f := range files {
		if path.Base(f) != "metadata.json" {
			continue
		}
		dir := path.Dir(f)
		meta, err := lk.ReadFile(f, maxMetadataSize)
		if err != nil {
			return nil, err
		}
		m, err := DecodeAttachmentMetadata(meta)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if path.Base(dir) != m.ID {
			return nil, fmt.Errorf("%s: %w: metadata names attachment %s", f, ErrTampered, m.ID)
		}
		pub := keys[m.KeyID]
		if pub == nil {
			return nil, fmt.Errorf("%s: %w: signed by key %s, which is neither the run's key nor the configured signing key", f, ErrTampered, m.KeyID)
		}
		sig, err := lk.ReadFile(f+".sig", 1024)
		if err != nil {
			return nil, err
		}
		if err := evidence.Verify(pub, meta, sig); err != nil {
			return nil, fmt.Errorf("%s: %w: %v", f, ErrTampered, err)
		}
		doc := path.Join(dir, m.FileName)
		data, err := lk.ReadFile(doc, MaxAttachmentSize)
		if err != nil {
			return nil, err
		}
		if evidence.Digest(data) != m.SHA256 {
			return nil, fmt.Errorf("%s: %w: content does not match the sha256 in its metadata", doc, ErrTampered)
		}
		dsig, err := lk.ReadFile(doc+".sig", 1024)
		if err != nil {
			return nil, err
		}
		if err := evidence.Verify(pub, data, dsig); err != nil {
			return nil, fmt.Errorf("%s: %w: %v", doc, ErrTampered, err)
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
