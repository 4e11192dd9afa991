package locker

import (
	"crypto/ecdsa"
	"fmt"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// Manifest describes one collection run: what was collected, from where, by
// which collector, and the digest of every snapshot. It is signed with the
// run's key.
type Manifest struct {
	// Schema is ManifestSchema.
	Schema string `json:"schema"`
	// RunID names the run.
	RunID string `json:"run_id"`
	// Period is the audit period collected.
	Period string `json:"period"`
	// Organization is the organization name from the config, if any.
	Organization string `json:"organization,omitempty"`
	// ToolVersion is the version of hipaa-evidence that ran.
	ToolVersion string `json:"tool_version"`
	// StartedAt and FinishedAt bound the run, in UTC.
	StartedAt time.Time `json:"started_at"`
	// FinishedAt is when the last snapshot was stored.
	FinishedAt time.Time `json:"finished_at"`
	// RetainUntil is when the evidence may be deleted (six years by default).
	RetainUntil time.Time `json:"retain_until"`
	// KeyID is the hex SHA-256 of the signing key's SubjectPublicKeyInfo.
	KeyID string `json:"key_id"`
	// DemoKey is true when the run was signed with a throwaway demo key.
	DemoKey bool `json:"demo_key"`
	// Accounts lists every account in scope with how it was reached.
	Accounts []AccountEntry `json:"accounts"`
	// Regions lists the regions requested.
	Regions []string `json:"regions"`
	// Collectors lists the collectors that ran.
	Collectors []CollectorEntry `json:"collectors"`
	// Snapshots lists every snapshot stored, sorted by kind, account, region.
	Snapshots []SnapshotEntry `json:"snapshots"`
	// Gaps counts snapshots whose status is not ok.
	Gaps int `json:"gaps"`
}

// AccountEntry is one account in a run's scope.
type AccountEntry struct {
	// AccountID is the 12-digit account id.
	AccountID string `json:"account_id"`
	// Name is the account's name in the organization, if known.
	Name string `json:"name,omitempty"`
	// Access says how it was reached: "caller" or "assume-role <arn>".
	Access string `json:"access"`
	// Error is set when the account could not be reached.
	Error string `json:"error,omitempty"`
}

// CollectorEntry names one collector that ran.
type CollectorEntry struct {
	// Name is the collector name.
	Name string `json:"name"`
	// Version is the collector version.
	Version string `json:"version"`
	// PluginDigest is the plugin binary's sha256, for plugins.
	PluginDigest string `json:"plugin_digest,omitempty"`
}

// SnapshotEntry is one stored snapshot.
type SnapshotEntry struct {
	// Digest is the hex SHA-256 of the snapshot bytes.
	Digest string `json:"digest"`
	// Path is the object path relative to the locker root.
	Path string `json:"path"`
	// Size is the snapshot size in bytes.
	Size int64 `json:"size"`
	// Kind is the evidence kind.
	Kind string `json:"kind"`
	// Collector is the collector name.
	Collector string `json:"collector"`
	// AccountID and Region say where the evidence came from.
	AccountID string `json:"account_id"`
	// Region is the region or "global".
	Region string `json:"region"`
	// Status is the snapshot status.
	Status evidence.Status `json:"status"`
	// Errors is the number of failed calls recorded in the snapshot.
	Errors int `json:"errors"`
}

// VerifiedRun is a run whose manifest and every snapshot have been checked.
type VerifiedRun struct {
	// Manifest is the run manifest.
	Manifest *Manifest
	// PublicKey is the key that signed the run.
	PublicKey *ecdsa.PublicKey
	// Demo is true when the key is a demo key.
	Demo bool
}

// VerifyRun checks the run manifest's signature with the run's stored key (or
// with want, when given: a key pinned by the caller), then every snapshot's
// digest and signature. It returns the first failure.
func (l *Locker) VerifyRun(id string, want *ecdsa.PublicKey) (*VerifiedRun, error) {
	m, data, sig, err := l.Run(id)
	if err != nil {
		return nil, err
	}
	pemBytes, err := l.RunPublicKey(id)
	if err != nil {
		return nil, err
	}
	pub, demo, err := evidence.ParsePublicKeyPEM(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("run %s key: %w", id, err)
	}
	if want != nil && evidence.KeyID(want) != evidence.KeyID(pub) {
		return nil, fmt.Errorf("run %s was signed by key %s, not the expected %s: %w", id, evidence.KeyID(pub), evidence.KeyID(want), evidence.ErrBadSignature)
	}
	if m.KeyID != evidence.KeyID(pub) {
		return nil, fmt.Errorf("run %s manifest names key %s but is stored with key %s: %w", id, m.KeyID, evidence.KeyID(pub), ErrCorrupt)
	}
	if err := evidence.Verify(pub, data, sig); err != nil {
		return nil, fmt.Errorf("run %s manifest: %w", id, err)
	}
	for _, s := range m.Snapshots {
		if err := l.VerifySnapshot(s.Digest, pub); err != nil {
			return nil, fmt.Errorf("run %s: %w", id, err)
		}
	}
	return &VerifiedRun{Manifest: m, PublicKey: pub, Demo: demo}, nil
}

// VerifySnapshot checks one stored snapshot's digest and signature.
func (l *Locker) VerifySnapshot(digest string, pub *ecdsa.PublicKey) error {
	data, sig, err := l.ReadSnapshot(digest)
	if err != nil {
		return err
	}
	if err := evidence.Verify(pub, data, sig); err != nil {
		return fmt.Errorf("snapshot %s: %w", ObjectPath(digest), err)
	}
	return nil
}
