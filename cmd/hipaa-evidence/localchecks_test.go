package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLocalChecksOutsideTheConfigDirectoryReevaluate packages a run whose
// config names local check files by a path that goes up a directory and by
// an absolute path, then re-evaluates the bundle as an auditor does: the
// bundled check files must load under the names results.json gives them.
func TestLocalChecksOutsideTheConfigDirectoryReevaluate(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "compliance")
	abs := filepath.Join(t.TempDir(), "org-checks")
	check := func(id string) []byte {
		return []byte("id: " + id + "\ntitle: Local check\nseverity: low\nremediation: None.\nevidence: aws.iam.credential_report\npass: \"true\"\ncitations: [\"164.312(d)\"]\n")
	}
	for p, b := range map[string][]byte{
		filepath.Join(root, "shared", "up.yaml"):  check("local_up"),
		filepath.Join(abs, "abs.yaml"):            check("local_abs"),
		filepath.Join(dir, "hipaa-evidence.yaml"): []byte("organization: Acme\nchecks:\n  paths: [../shared/up.yaml, " + filepath.Join(abs, "abs.yaml") + "]\n"),
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	emulatorEnv(t)
	if _, stderr, code := runCLI(t, dir, "keys", "init"); code != 0 {
		t.Fatalf("keys init: %s", stderr)
	}
	if _, stderr, code := runCLI(t, dir, "collect", "--collectors", "test-identity", "--quiet", "--period", "2026-Q4"); code != 0 {
		t.Fatalf("collect: exit %d: %s", code, stderr)
	}
	stdout, stderr, code := runCLI(t, dir, "package", "--period", "2026-Q4", "--out", "dist", "--quiet")
	if code != exitOK && code != exitGaps {
		t.Fatalf("package: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	zips, err := filepath.Glob(filepath.Join(dir, "dist", "*.zip"))
	if err != nil || len(zips) != 1 {
		t.Fatalf("bundles %v, %v", zips, err)
	}
	for name := range zipNames(t, zips[0]) {
		if strings.HasSuffix(name, ".yaml") && (strings.Contains(name, "up.yaml") || strings.Contains(name, "abs.yaml")) && !strings.HasPrefix(name, "checks/local/") {
			t.Errorf("local check file bundled as %s, outside checks/local/", name)
		}
	}
	stdout, stderr, code = runCLI(t, dir, "verify", zips[0], "--reevaluate")
	if code != exitOK {
		t.Fatalf("verify --reevaluate: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
}
