package bundle

import (
	"bytes"
	"crypto/ecdsa"
	"fmt"
	"io"
	"strings"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

// RunFiles returns the evidence of a locker run as bundle files: the run
// manifest and every snapshot, each with the signature made at collection,
// byte for byte as stored. It first verifies the run with pub (the key the
// bundle will be sealed with): a run signed by another key cannot go into
// the bundle, which carries one key. Snapshots are placed at
// evidence/<account>/<region>/<kind>.json.
func RunFiles(lk *locker.Locker, runID string, pub *ecdsa.PublicKey) ([]File, error) {
	if _, err := lk.VerifyRun(runID, pub); err != nil {
		return nil, fmt.Errorf("evidence of run %s: %w", runID, err)
	}
	m, data, sig, err := lk.Run(runID)
	if err != nil {
		return nil, fmt.Errorf("evidence of run %s: %w", runID, err)
	}
	files := []File{BytesFile(RunManifestFile, data), BytesFile(RunManifestFile+".sig", sig)}
	used := map[string]bool{}
	for _, s := range m.Snapshots {
		p := SnapshotPath(s)
		if used[p] {
			p = strings.TrimSuffix(p, ".json") + "." + s.Digest[:12] + ".json"
		}
		used[p] = true
		digest := s.Digest
		files = append(files,
			File{Path: p, MediaType: MediaJSON, Open: func() (io.ReadCloser, error) {
				data, _, err := lk.ReadSnapshot(digest)
				if err != nil {
					return nil, err
				}
				return io.NopCloser(bytes.NewReader(data)), nil
			}},
			File{Path: p + ".sig", MediaType: MediaSignature, Open: func() (io.ReadCloser, error) {
				_, sig, err := lk.ReadSnapshot(digest)
				if err != nil {
					return nil, err
				}
				return io.NopCloser(bytes.NewReader(sig)), nil
			}},
		)
	}
	return files, nil
}

// SnapshotPath returns where a snapshot of a run goes in a bundle:
// evidence/<account>/<region>/<kind>.json, every element made safe.
func SnapshotPath(s locker.SnapshotEntry) string {
	acct := s.AccountID
	if acct == "" {
		acct = "none"
	}
	return "evidence/" + safeElem(acct) + "/" + safeElem(s.Region) + "/" + safeElem(s.Kind) + ".json"
}

// safeElem keeps [a-z0-9._-] (upper case folded) and replaces anything else
// with "_"; it never returns "", "." or "..".
func safeElem(s string) string {
	out := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		case r >= 'A' && r <= 'Z':
			return r + ('a' - 'A')
		}
		return '_'
	}, s)
	if out == "" || strings.Trim(out, ".") == "" {
		return "_" + out
	}
	return out
}

// SafeName returns name as a safe single path element for an attachment:
// letters, digits, ".", "-", "_" and spaces are kept (any script), anything
// else becomes "_".
func SafeName(name string) string {
	out := strings.Map(func(r rune) rune {
		switch {
		case r == '.' || r == '-' || r == '_' || r == ' ':
			return r
		case r < 0x80 && !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
			return '_'
		case r >= 0x80 && r < 0xa0:
			return '_'
		}
		return r
	}, name)
	out = strings.TrimSpace(out)
	if out == "" || strings.Trim(out, ".") == "" {
		return "_" + out
	}
	return out
}
