package bundle

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

func TestWriteVerifyRoundTrip(t *testing.T) {
	f := newFixture(t, false)
	rep, err := verifyBytes(f.zip, Options{Key: f.signer.PublicKey()})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	// 2 accounts × (2 account kinds + 2 regions × 1 region kind) = 8 snapshots.
	if rep.Snapshots != 8 {
		t.Errorf("snapshots verified = %d, want 8", rep.Snapshots)
	}
	if rep.Attachments != 1 {
		t.Errorf("attachments verified = %d, want 1", rep.Attachments)
	}
	if !rep.Pinned || rep.DemoKey {
		t.Errorf("pinned=%v demo=%v, want pinned and not demo", rep.Pinned, rep.DemoKey)
	}
	if rep.Period != "2026-Q4" || rep.Organization != "Acme Health" || rep.RunID != f.runID {
		t.Errorf("report names %q %q %q", rep.Period, rep.Organization, rep.RunID)
	}
	if rep.KeyID != evidence.KeyID(f.signer.PublicKey()) {
		t.Errorf("key id %s", rep.KeyID)
	}
	entries := entryMap(unzipAll(t, f.zip))
	// SHA256SUMS lists every file but the seal files.
	if rep.Files != len(entries)-2 {
		t.Errorf("files = %d, zip has %d entries", rep.Files, len(entries))
	}
	if rep.Subjects != rep.Files-1 {
		t.Errorf("attestation subjects = %d, want %d", rep.Subjects, rep.Files-1)
	}
	if len(rep.Warnings) != 0 {
		t.Errorf("warnings for a pinned, non-demo bundle: %q", rep.Warnings)
	}
	// Evidence is copied byte for byte from the locker.
	for _, s := range mustRun(t, f).Snapshots {
		data, sig, err := f.lk.ReadSnapshot(s.Digest)
		if err != nil {
			t.Fatal(err)
		}
		p := SnapshotPath(s)
		if !bytes.Equal(entries[p], data) || !bytes.Equal(entries[p+".sig"], sig) {
			t.Errorf("%s differs from the locker's bytes", p)
		}
	}
	readme := string(entries[ReadmeFile])
	for _, want := range []string{rep.KeyID, "openssl dgst -sha256 -verify keys/signing-key.pub -signature SHA256SUMS.sig SHA256SUMS", "sha256sum -c --strict SHA256SUMS", "--insecure-ignore-tlog", "hipaa-evidence-acme-health-2026-Q4.zip"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README-VERIFY.txt lacks %q", want)
		}
	}
	if strings.Contains(readme, "DEMO KEY") {
		t.Error("README of a real key warns about a demo key")
	}
}

func mustRun(t *testing.T, f *fixture) *locker.Manifest {
	t.Helper()
	m, _, _, err := f.lk.Run(f.runID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestUnpinnedAndDemoWarnings(t *testing.T) {
	f := newFixture(t, true)
	rep, err := verifyBytes(f.zip, Options{})
	if err != nil {
		t.Fatalf("verify demo bundle: %v", err)
	}
	if !rep.DemoKey || rep.Pinned {
		t.Fatalf("demo=%v pinned=%v", rep.DemoKey, rep.Pinned)
	}
	if len(rep.Warnings) < 2 || !strings.HasPrefix(rep.Warnings[0], "DEMO KEY") || !strings.Contains(rep.Warnings[1], "not pinned") {
		t.Errorf("warnings = %q, want the demo-key warning first, then not pinned", rep.Warnings)
	}
	readme := string(entryMap(unzipAll(t, f.zip))[ReadmeFile])
	if !strings.Contains(readme, "DEMO KEY") {
		t.Error("README of a demo bundle does not say DEMO KEY")
	}
}

func TestFingerprintPinning(t *testing.T) {
	f := newFixture(t, false)
	id := evidence.KeyID(f.signer.PublicKey())
	colons := ""
	for i := 0; i < len(id); i += 2 {
		if i > 0 {
			colons += ":"
		}
		colons += strings.ToUpper(id[i : i+2])
	}
	for _, fp := range []string{id, "sha256:" + id, colons, id + "  -"} {
		if _, err := verifyBytes(f.zip, Options{Fingerprint: fp}); err != nil {
			t.Errorf("fingerprint %q: %v", fp, err)
		}
	}
	other := evidence.KeyID(newSigner(t, false).PublicKey())
	_, err := verifyBytes(f.zip, Options{Fingerprint: other})
	if !errors.Is(err, ErrKeyMismatch) || !strings.Contains(err.Error(), KeyFile) {
		t.Errorf("wrong fingerprint: %v, want ErrKeyMismatch naming %s", err, KeyFile)
	}
	if _, err := verifyBytes(f.zip, Options{Fingerprint: "abc"}); err == nil {
		t.Error("a malformed fingerprint was accepted")
	}
}

func TestWriteRefusesEvidenceSignedByAnotherKey(t *testing.T) {
	collector := newSigner(t, false)
	lk, runID := newRun(t, collector)
	packager := newSigner(t, false)
	if _, err := RunFiles(lk, runID, packager.PublicKey()); err == nil {
		t.Fatal("RunFiles accepted a run signed by another key")
	}
	files := fixtureFiles(t, lk, runID, collector)
	_, err := Write(context.Background(), &bytes.Buffer{}, &Input{Period: "2026-Q4", Signer: packager, Files: files})
	if err == nil || !strings.Contains(err.Error(), "signed by another key") {
		t.Fatalf("Write with a different key: %v", err)
	}
}

func TestWriteRejectsBadInput(t *testing.T) {
	s := newSigner(t, false)
	sig, err := s.Sign(context.Background(), []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		files []File
		want  string
	}{
		{"traversal", []File{BytesFile("../x", nil)}, "unsafe path"},
		{"absolute", []File{BytesFile("/etc/passwd", nil)}, "unsafe path"},
		{"reserved", []File{BytesFile(ManifestFile, nil)}, "written by the bundle writer"},
		{"duplicate", []File{BytesFile("a.txt", nil), BytesFile("A.txt", nil)}, "duplicate"},
		{"file and dir", []File{BytesFile("a", nil), BytesFile("a/b", nil)}, "both a file and the directory"},
		{"unsigned evidence", []File{BytesFile("evidence/x.json", []byte("x"))}, "has no evidence/x.json.sig"},
		{"orphan signature", []File{BytesFile("attachments/c/x.sig", sig)}, "signs a file that is not in the bundle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Write(context.Background(), &bytes.Buffer{}, &Input{Period: "2026-Q4", Signer: s, Files: tt.files})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestWriteFileNamesAndOuterSums(t *testing.T) {
	s := newSigner(t, false)
	lk, runID := newRun(t, s)
	dir := t.TempDir()
	in := &Input{Organization: "Acme Health, Inc. / East", Period: "2026-Q4", CreatedAt: fixedNow, ToolVersion: "test", Signer: s, Files: fixtureFiles(t, lk, runID, s)}
	res, err := WriteFile(context.Background(), dir, in, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "hipaa-evidence-acme-health-inc-east-2026-Q4.zip"); res.Path != want {
		t.Errorf("path %s, want %s", res.Path, want)
	}
	if _, err := WriteFile(context.Background(), dir, in, false); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second write without replace: %v", err)
	}
	in2 := *in
	in2.Period = "2026-Q3"
	res2, err := WriteFile(context.Background(), dir, &in2, false)
	if err != nil {
		t.Fatal(err)
	}
	sums, err := os.ReadFile(filepath.Join(dir, SumsFile))
	if err != nil {
		t.Fatal(err)
	}
	list, err := ParseSums(sums)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Digest != res2.SHA256 || list[1].Digest != res.SHA256 {
		t.Errorf("outer SHA256SUMS = %q", sums)
	}
	sig, err := os.ReadFile(filepath.Join(dir, SealFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := evidence.Verify(s.PublicKey(), sums, sig); err != nil {
		t.Errorf("outer SHA256SUMS.sig: %v", err)
	}
	zipBytes, err := os.ReadFile(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	if evidence.Digest(zipBytes) != res.SHA256 || int64(len(zipBytes)) != res.Size {
		t.Error("Result's digest or size is not the zip's")
	}
	if _, err := VerifyFile(context.Background(), res.Path, Options{Key: s.PublicKey()}); err != nil {
		t.Errorf("VerifyFile: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestWriteFileKeepsForeignSHA256SUMS(t *testing.T) {
	s := newSigner(t, false)
	lk, runID := newRun(t, s)
	dir := t.TempDir()
	foreign := []byte("d41d8cd98f00b204e9800998ecf8427e  release.tar.gz\n")
	if err := os.WriteFile(filepath.Join(dir, SumsFile), foreign, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := WriteFile(context.Background(), dir, &Input{Period: "2026-Q4", Signer: s, Files: fixtureFiles(t, lk, runID, s)}, false)
	if err == nil || !strings.Contains(err.Error(), "not written by hipaa-evidence") {
		t.Fatalf("WriteFile beside a foreign SHA256SUMS: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, SumsFile)); err != nil || !bytes.Equal(b, foreign) {
		t.Errorf("the foreign SHA256SUMS was changed: %q %v", b, err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.zip")); len(m) != 0 {
		t.Errorf("a bundle was written anyway: %v", m)
	}
}

func TestSlugAndFileName(t *testing.T) {
	tests := []struct{ org, period, want string }{
		{"Acme Health", "2026-Q4", "hipaa-evidence-acme-health-2026-Q4.zip"},
		{"../../etc", "2026", "hipaa-evidence-etc-2026.zip"},
		{"", "2026-11", "hipaa-evidence-organization-2026-11.zip"},
		{"Ünïcödé Clinic", "2026-H2", "hipaa-evidence-n-c-d-clinic-2026-H2.zip"},
		{"x", "../evil", "hipaa-evidence-x-evil.zip"},
	}
	for _, tt := range tests {
		if got := FileName(tt.org, tt.period); got != tt.want {
			t.Errorf("FileName(%q, %q) = %q, want %q", tt.org, tt.period, got, tt.want)
		}
	}
}
