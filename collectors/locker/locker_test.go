package locker

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

func newSigner(t *testing.T) evidence.Signer {
	t.Helper()
	s, err := evidence.GenerateKeyFile(filepath.Join(t.TempDir(), "k.pem"), false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func snapshotBytes(t *testing.T, user string) []byte {
	t.Helper()
	s := &evidence.Snapshot{
		Schema: evidence.SchemaV1, Kind: "aws.iam.users",
		Collector:   evidence.CollectorInfo{Name: "iam", Version: "1"},
		Source:      evidence.Source{Partition: "aws", AccountID: "123456789012", Region: evidence.GlobalRegion},
		Period:      "2026-Q4",
		CollectedAt: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC),
		Status:      evidence.StatusOK,
		Payload:     json.RawMessage(`{"users":["` + user + `"]}`),
	}
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// storeRun stores one snapshot and commits a run that lists it.
func storeRun(t *testing.T, l *Locker, s evidence.Signer, user string) (string, string) {
	t.Helper()
	data := snapshotBytes(t, user)
	sig, err := s.Sign(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	digest, err := l.PutSnapshot(data, sig)
	if err != nil {
		t.Fatal(err)
	}
	id := NewRunID("2026-Q4", time.Now())
	m := &Manifest{RunID: id, Period: "2026-Q4", Snapshots: []SnapshotEntry{{Digest: digest, Path: ObjectPath(digest), Kind: "aws.iam.users", Status: evidence.StatusOK}}}
	if err := l.CommitRun(context.Background(), m, s); err != nil {
		t.Fatal(err)
	}
	return id, digest
}

func TestRunLifecycleAndVerification(t *testing.T) {
	l, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := newSigner(t)
	id, digest := storeRun(t, l, s, "alice")
	runs, err := l.Runs()
	if err != nil || len(runs) != 1 || runs[0] != id {
		t.Fatalf("Runs = %v, %v", runs, err)
	}
	if latest, err := l.LatestRun("2026-Q4"); err != nil || latest != id {
		t.Fatalf("LatestRun = %q, %v", latest, err)
	}
	if _, err := l.LatestRun("2026-Q3"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("LatestRun of an empty period: %v", err)
	}
	v, err := l.VerifyRun(id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Manifest.KeyID != evidence.KeyID(s.PublicKey()) || len(v.Manifest.Snapshots) != 1 {
		t.Fatalf("verified manifest %+v", v.Manifest)
	}
	if _, err := l.VerifyRun(id, newSigner(t).PublicKey()); !errors.Is(err, evidence.ErrBadSignature) {
		t.Fatalf("verify with another pinned key: %v", err)
	}

	// Re-committing the same run id is refused: nothing is ever overwritten.
	m, _, _, err := l.Run(id)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.CommitRun(context.Background(), m, s); !errors.Is(err, ErrExists) {
		t.Fatalf("second commit: %v", err)
	}

	// A changed byte in a stored snapshot fails verification.
	path := filepath.Join(l.Root(), ObjectPath(digest))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := l.VerifyRun(id, nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("tampered snapshot: error = %v, want ErrCorrupt", err)
	}
}

func TestTamperedManifestFailsVerification(t *testing.T) {
	l, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := newSigner(t)
	id, _ := storeRun(t, l, s, "alice")
	path := filepath.Join(l.Root(), "runs", id, "manifest.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), `"gaps": 0`, `"gaps": 1`, 1))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := l.VerifyRun(id, nil); !errors.Is(err, evidence.ErrBadSignature) {
		t.Fatalf("tampered manifest: error = %v, want ErrBadSignature", err)
	}
}

func TestSnapshotsAreNeverOverwritten(t *testing.T) {
	l, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := snapshotBytes(t, "bob")
	d1, err := l.PutSnapshot(data, []byte("sig-1"))
	if err != nil {
		t.Fatal(err)
	}
	d2, err := l.PutSnapshot(data, []byte("sig-2"))
	if err != nil || d1 != d2 {
		t.Fatalf("second put: %s %v", d2, err)
	}
	_, sig, err := l.ReadSnapshot(d1)
	if err != nil || string(sig) != "sig-1" {
		t.Fatalf("signature was replaced: %q %v", sig, err)
	}
	if _, err := l.PutFile("results/a.json", []byte("1")); err != nil {
		t.Fatal(err)
	}
	if _, err := l.PutFile("results/a.json", []byte("2")); !errors.Is(err, ErrExists) {
		t.Fatalf("overwrite of a stored file: %v", err)
	}
	if b, err := l.ReadFile("results/a.json", 10); err != nil || string(b) != "1" {
		t.Fatalf("ReadFile = %q, %v", b, err)
	}
	files, err := l.ListFiles("results")
	if err != nil || len(files) != 1 || files[0] != "results/a.json" {
		t.Fatalf("ListFiles = %v, %v", files, err)
	}
}

// TestCrashLeavesNoPartialRun simulates a crash after objects were written
// but before the manifest was committed: no run is visible, and temporary
// files are not mistaken for objects or runs.
func TestCrashLeavesNoPartialRun(t *testing.T) {
	root := t.TempDir()
	l, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.PutSnapshot(snapshotBytes(t, "carol"), []byte("sig")); err != nil {
		t.Fatal(err)
	}
	// Leftovers a killed process could leave: a half-built run directory and
	// a temporary object file.
	if err := os.MkdirAll(filepath.Join(root, "runs", ".tmp-2026-Q4_20261129T000000Z_abcdef-123"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "objects", "sha256", ".tmp-partial"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	runs, err := l.Runs()
	if err != nil || len(runs) != 0 {
		t.Fatalf("Runs after a crash = %v, %v; want none", runs, err)
	}
}

func TestPathsAreConfined(t *testing.T) {
	l, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"../x", "/etc/passwd", "a/../../b", "", "a//b", `a\b`} {
		if _, err := l.PutFile(bad, []byte("x")); err == nil {
			t.Errorf("PutFile(%q) accepted", bad)
		}
		if _, err := l.ReadFile(bad, 10); err == nil {
			t.Errorf("ReadFile(%q) accepted", bad)
		}
	}
	if _, _, err := l.ReadSnapshot("../../etc/passwd"); err == nil {
		t.Error("ReadSnapshot accepted a path")
	}
	if _, _, _, err := l.Run("../x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Run(../x) = %v", err)
	}
}
