package plugins

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/proto"
)

// RecordSchema is the schema of a plugin record.
const RecordSchema = "hipaa-evidence/plugin-record/v1"

// MaxRecordSize bounds a plugin record read back from a locker or bundle: a
// plugin's checks are bounded to a few MiB by the SDK, so anything far larger
// is corrupt or hostile.
const MaxRecordSize = 16 << 20

// Record is what the host keeps of a plugin so its evidence can be evaluated
// again without the binary: who it is and its checks, bound to the binary's
// digest and signed with the run's key. Its JSON form is stored at
// RecordPath(digest, key id) under the locker's files/, with a detached
// signature beside it (verify with `openssl dgst -sha256 -verify key.pub
// -signature X.json.sig X.json`).
type Record struct {
	// Schema is RecordSchema.
	Schema string `json:"schema"`
	// Plugin is the plugin's own name.
	Plugin string `json:"plugin"`
	// Version is the version the plugin reported.
	Version string `json:"version"`
	// SHA256 is the hex SHA-256 of the plugin binary.
	SHA256 string `json:"sha256"`
	// ProtocolVersion is the wire protocol version negotiated.
	ProtocolVersion int `json:"protocol_version"`
	// SDKVersion is the SDK version the plugin reported.
	SDKVersion string `json:"sdk_version"`
	// KeyID is the id of the key that signed this record.
	KeyID string `json:"key_id"`
	// Collectors describes the plugin's collectors.
	Collectors []RecordCollector `json:"collectors"`
	// Citations lists the catalog entries the checks cite.
	Citations []string `json:"citations"`
	// Checks holds the plugin's check files.
	Checks []RecordCheck `json:"checks"`
}

// RecordCollector describes one collector of a recorded plugin.
type RecordCollector struct {
	// Name is the collector name.
	Name string `json:"name"`
	// Version is the collector version.
	Version string `json:"version"`
	// Scope is once, account or region.
	Scope string `json:"scope"`
	// EvidenceKinds lists the kinds it produces.
	EvidenceKinds []string `json:"evidence_kinds"`
	// Permissions lists the permissions or API scopes it needs.
	Permissions []string `json:"permissions"`
}

// RecordCheck is one check file of a recorded plugin.
type RecordCheck struct {
	// Name is the file's name inside the plugin.
	Name string `json:"name"`
	// SHA256 is the hex SHA-256 of Content.
	SHA256 string `json:"sha256"`
	// Content is the YAML text.
	Content string `json:"content"`
}

// RecordPath returns the path of a plugin record, relative to the locker's
// files/ directory: one per plugin binary and signing key, so a record is
// never rewritten when the key changes.
func RecordPath(digest, keyID string) string {
	return "plugins/" + digest + "/" + keyID + ".json"
}

// CheckFiles returns the record's checks in the form the controls loader reads.
func (r *Record) CheckFiles() []proto.CheckFile {
	out := make([]proto.CheckFile, 0, len(r.Checks))
	for _, c := range r.Checks {
		out = append(out, proto.CheckFile{Name: c.Name, Content: []byte(c.Content)})
	}
	return out
}

// EvidenceKinds returns every kind the recorded plugin produces, sorted.
func (r *Record) EvidenceKinds() []string {
	var out []string
	for _, c := range r.Collectors {
		out = append(out, c.EvidenceKinds...)
	}
	sort.Strings(out)
	return out
}

// record returns p's record for the key keyID.
func (p *Plugin) record(keyID string) *Record {
	r := &Record{
		Schema:          RecordSchema,
		Plugin:          p.desc.Name,
		Version:         p.desc.Version,
		SHA256:          p.digest,
		ProtocolVersion: p.ProtocolVersion(),
		SDKVersion:      p.desc.SDKVersion,
		KeyID:           keyID,
		Collectors:      []RecordCollector{},
		Citations:       append([]string{}, p.desc.Citations...),
		Checks:          []RecordCheck{},
	}
	for _, c := range p.desc.Collectors {
		r.Collectors = append(r.Collectors, RecordCollector{
			Name: c.Name, Version: c.Version, Scope: string(c.Scope),
			EvidenceKinds: append([]string{}, c.EvidenceKinds...),
			Permissions:   append([]string{}, c.Permissions...),
		})
	}
	for _, f := range p.desc.Checks {
		r.Checks = append(r.Checks, RecordCheck{Name: f.Name, SHA256: evidence.Digest(f.Content), Content: string(f.Content)})
	}
	return r
}

// encodeRecord returns the canonical bytes of r.
func encodeRecord(r *Record) ([]byte, error) {
	b, err := evidence.EncodeJSON(r)
	if err != nil {
		return nil, fmt.Errorf("encode plugin record %s: %w", r.Plugin, err)
	}
	return b, nil
}

// RecordChecks signs and stores the record of every plugin of the set that
// started, so evaluation finds their checks. A record already stored (the
// same binary and key in an earlier run) is checked, not rewritten.
func (s *Set) RecordChecks(ctx context.Context, lk *locker.Locker, signer evidence.Signer) error {
	for _, p := range s.plugins {
		if err := RecordChecks(ctx, lk, signer, p); err != nil {
			return err
		}
	}
	return nil
}

// RecordChecks signs and stores p's record in lk.
func RecordChecks(ctx context.Context, lk *locker.Locker, signer evidence.Signer, p *Plugin) error {
	keyID := evidence.KeyID(signer.PublicKey())
	data, err := encodeRecord(p.record(keyID))
	if err != nil {
		return err
	}
	rel := RecordPath(p.digest, keyID)
	if old, err := lk.ReadFile(rel, MaxRecordSize); err == nil {
		if !bytes.Equal(old, data) {
			return fmt.Errorf("plugin %s: %w: %s in the locker differs from what the same binary describes now", p.cfg.Name, ErrRecord, rel)
		}
		sig, err := lk.ReadFile(rel+".sig", 1024)
		if err != nil {
			return fmt.Errorf("plugin %s: %w: %v", p.cfg.Name, ErrRecord, err)
		}
		if err := evidence.Verify(signer.PublicKey(), old, sig); err != nil {
			return fmt.Errorf("plugin %s: %w: %s: %v", p.cfg.Name, ErrRecord, rel, err)
		}
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("plugin %s: %w", p.cfg.Name, err)
	}
	sig, err := signer.Sign(ctx, data)
	if err != nil {
		return fmt.Errorf("plugin %s: sign record: %w", p.cfg.Name, err)
	}
	// The signature goes first: a record without its signature is never
	// visible. A signature left by a run that stopped between the two writes
	// is kept if it verifies over these bytes.
	if _, err := lk.PutFile(rel+".sig", sig); errors.Is(err, locker.ErrExists) {
		if sig, err = lk.ReadFile(rel+".sig", 1024); err != nil {
			return fmt.Errorf("plugin %s: %w", p.cfg.Name, err)
		}
		if err := evidence.Verify(signer.PublicKey(), data, sig); err != nil {
			return fmt.Errorf("plugin %s: %w: %s.sig does not verify over the record: %v", p.cfg.Name, ErrRecord, rel, err)
		}
	} else if err != nil {
		return fmt.Errorf("plugin %s: %w", p.cfg.Name, err)
	}
	if _, err := lk.PutFile(rel, data); err != nil && !errors.Is(err, locker.ErrExists) {
		return fmt.Errorf("plugin %s: %w", p.cfg.Name, err)
	}
	return nil
}

// DecodeRecord verifies and parses a plugin record: the signature with pub
// first, then the size, the schema, the binary digest (which must be digest),
// the key id, and every check file's hash. It reads records from a locker or
// from a bundle alike.
func DecodeRecord(data, sig []byte, pub *ecdsa.PublicKey, digest string) (*Record, error) {
	if len(data) > MaxRecordSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds the %d byte limit", ErrRecord, len(data), MaxRecordSize)
	}
	if err := evidence.Verify(pub, data, sig); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRecord, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Record
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRecord, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data", ErrRecord)
	}
	switch {
	case r.Schema != RecordSchema:
		return nil, fmt.Errorf("%w: schema %q, want %q", ErrRecord, r.Schema, RecordSchema)
	case r.SHA256 != digest:
		return nil, fmt.Errorf("%w: record is for plugin binary %s, not %s", ErrRecord, r.SHA256, digest)
	case r.KeyID != evidence.KeyID(pub):
		return nil, fmt.Errorf("%w: record names key %s but verifies with key %s", ErrRecord, r.KeyID, evidence.KeyID(pub))
	case r.Plugin == "" || r.Version == "":
		return nil, fmt.Errorf("%w: plugin name or version missing", ErrRecord)
	}
	for _, c := range r.Checks {
		if evidence.Digest([]byte(c.Content)) != c.SHA256 {
			return nil, fmt.Errorf("%w: check file %s does not hash to %s", ErrRecord, c.Name, c.SHA256)
		}
	}
	return &r, nil
}

// RunRecords returns the records of the plugins a verified run used, one per
// distinct plugin digest in its manifest, in manifest order. A plugin that ran
// but has no record (it could not be started, so its checks were never
// described) is listed in missing by digest; its evidence is error snapshots.
func RunRecords(lk *locker.Locker, run *locker.VerifiedRun) (records []*Record, missing []string, err error) {
	keyID := evidence.KeyID(run.PublicKey)
	seen := map[string]bool{}
	for _, c := range run.Manifest.Collectors {
		if c.PluginDigest == "" || seen[c.PluginDigest] {
			continue
		}
		seen[c.PluginDigest] = true
		if !validDigest(c.PluginDigest) {
			return nil, nil, fmt.Errorf("run %s: %w: collector %s has plugin digest %q", run.Manifest.RunID, ErrRecord, c.Name, c.PluginDigest)
		}
		rel := RecordPath(c.PluginDigest, keyID)
		data, err := lk.ReadFile(rel, MaxRecordSize)
		if errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, c.PluginDigest)
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("run %s: %w", run.Manifest.RunID, err)
		}
		sig, err := lk.ReadFile(rel+".sig", 1024)
		if err != nil {
			return nil, nil, fmt.Errorf("run %s: %w: %s: %v", run.Manifest.RunID, ErrRecord, rel, err)
		}
		r, err := DecodeRecord(data, sig, run.PublicKey, c.PluginDigest)
		if err != nil {
			return nil, nil, fmt.Errorf("run %s: %s: %w", run.Manifest.RunID, rel, err)
		}
		records = append(records, r)
	}
	return records, missing, nil
}
