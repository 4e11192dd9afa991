package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/reports/bundle"
)

// emulatorEnv points the SDK's default chain at a kumo emulator.
func emulatorEnv(t *testing.T) {
	t.Helper()
	e := collectortest.NewEmulator(t)
	t.Setenv("AWS_ENDPOINT_URL", e.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

// collectTestRun makes a signing key in dir/keys (a demo key with demo),
// collects the test-identity collector for 2026-Q4 with the CLI in dir and
// returns the key, the locker and the run id.
func collectTestRun(t *testing.T, dir string, demo bool) (*evidence.LocalSigner, *locker.Locker, string) {
	t.Helper()
	emulatorEnv(t)
	keyPath := filepath.Join(dir, "keys", "signing-key.pem")
	signer, err := evidence.GenerateKeyFile(keyPath, demo)
	if err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, dir, "collect", "--collectors", "test-identity", "--quiet", "--period", "2026-Q4"); code != 0 {
		t.Fatalf("collect: exit %d: %s", code, stderr)
	}
	lk, err := locker.Open(filepath.Join(dir, "evidence-locker"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := lk.LatestRun("2026-Q4")
	if err != nil {
		t.Fatal(err)
	}
	return signer, lk, id
}

// writeEvidenceBundle collects with the CLI in dir and writes a bundle of the
// run with the bundle package; it returns the zip's path.
func writeEvidenceBundle(t *testing.T, dir string, demo bool) string {
	t.Helper()
	signer, lk, id := collectTestRun(t, dir, demo)
	files, err := bundle.RunFiles(lk, id, signer.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	res, err := bundle.WriteFile(context.Background(), filepath.Join(dir, "out"), &bundle.Input{
		Organization: "Acme", Period: "2026-Q4", ToolVersion: "test", RunID: id, Signer: signer, Files: files}, false)
	if err != nil {
		t.Fatal(err)
	}
	return res.Path
}

func TestVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	zipPath := writeEvidenceBundle(t, dir, false)
	pub := filepath.Join(dir, "keys", "signing-key.pem.pub")
	s, err := evidence.LoadKeyFile(filepath.Join(dir, "keys", "signing-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	keyID := evidence.KeyID(s.PublicKey())

	t.Run("pinned by key", func(t *testing.T) {
		stdout, stderr, code := runCLI(t, dir, "verify", zipPath, "--key", pub)
		if code != exitOK || !strings.HasSuffix(stdout, "OK\n") || !strings.Contains(stdout, "pinned: matches") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
	})
	t.Run("pinned by fingerprint, json", func(t *testing.T) {
		stdout, stderr, code := runCLI(t, dir, "verify", zipPath, "--fingerprint", keyID, "--json")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var out struct {
			OK     bool
			Report bundle.Report
		}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("--json output: %v\n%s", err, stdout)
		}
		if !out.OK || out.Report.KeyID != keyID || !out.Report.Pinned || out.Report.Snapshots != 1 {
			t.Errorf("json report %+v", out)
		}
	})
	t.Run("unpinned warns", func(t *testing.T) {
		stdout, _, code := runCLI(t, dir, "verify", zipPath)
		if code != exitOK || !strings.Contains(stdout, "NOT PINNED") {
			t.Fatalf("exit %d: %s", code, stdout)
		}
	})
	t.Run("wrong fingerprint fails", func(t *testing.T) {
		_, stderr, code := runCLI(t, dir, "verify", zipPath, "--fingerprint", strings.Repeat("ab", 32))
		if code != exitError || !strings.Contains(stderr, "keys/signing-key.pub") || !strings.Contains(stderr, "does not match the pinned key") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
	t.Run("tampered fails naming the file, json", func(t *testing.T) {
		bad := tamperZip(t, zipPath, "evidence/")
		stdout, stderr, code := runCLI(t, dir, "verify", bad, "--json")
		if code != exitError {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var out struct {
			OK           bool
			Error        string
			File, Reason string
		}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatalf("--json output: %v\n%s", err, stdout)
		}
		if out.OK || !strings.HasPrefix(out.File, "evidence/") || out.Reason != bundle.ErrDigestMismatch.Error() {
			t.Errorf("json failure %+v", out)
		}
		if !strings.Contains(stderr, "FAILED") || !strings.Contains(stderr, out.File) {
			t.Errorf("stderr does not name the file: %s", stderr)
		}
	})
	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"verify"},
			{"verify", zipPath, "--fingerprint", "xyz"},
			{"verify", zipPath, "--key", filepath.Join(dir, "keys", "signing-key.pem")},
		} {
			if _, stderr, code := runCLI(t, dir, args...); code != exitUsage {
				t.Errorf("%q: exit %d, want %d: %s", args, code, exitUsage, stderr)
			}
		}
		if _, _, code := runCLI(t, dir, "verify", filepath.Join(dir, "missing.zip")); code != exitError {
			t.Errorf("missing bundle: exit %d", code)
		}
	})
}

func TestVerifyDemoKeyIsLoud(t *testing.T) {
	dir := t.TempDir()
	zipPath := writeEvidenceBundle(t, dir, true)
	stdout, stderr, code := runCLI(t, dir, "verify", zipPath)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Count(stdout, "DEMO KEY") < 2 || !strings.Contains(stdout, "OK (DEMO KEY)") || !strings.Contains(stderr, "DEMO KEY") {
		t.Errorf("demo bundle is not loud enough:\nstdout: %s\nstderr: %s", stdout, stderr)
	}
}

// tamperZip writes a copy of the zip with one byte flipped in the first file
// whose name starts with prefix and ends in .json.
func tamperZip(t *testing.T, path, prefix string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	done := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if !done && strings.HasPrefix(f.Name, prefix) && strings.HasSuffix(f.Name, ".json") {
			data[len(data)/2] ^= 1
			done = true
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !done {
		t.Fatalf("no %s*.json in %s", prefix, path)
	}
	out := filepath.Join(t.TempDir(), "tampered.zip")
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}
