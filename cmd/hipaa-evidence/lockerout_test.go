package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputsOutsideTheLocker points evaluate --out at the signed
// results.json the locker stored, and report and package --out into the
// locker: the locker's files are written once and never replaced, so each
// must be refused and the stored file left as it was.
func TestOutputsOutsideTheLocker(t *testing.T) {
	dir := t.TempDir()
	collectTestRun(t, dir, false)
	if _, stderr, code := runCLI(t, dir, "evaluate", "--period", "2026-Q4", "--quiet"); code != exitOK && code != exitGaps {
		t.Fatalf("evaluate: exit %d: %s", code, stderr)
	}
	stored, err := filepath.Glob(filepath.Join(dir, "evidence-locker", "files", "results", "2026-Q4", "*", "*.json"))
	if err != nil || len(stored) != 1 {
		t.Fatalf("stored results %v, %v", stored, err)
	}
	before, err := os.ReadFile(stored[0])
	if err != nil {
		t.Fatal(err)
	}
	// Make the next evaluation's bytes differ from the stored ones.
	if err := os.WriteFile(filepath.Join(dir, "hipaa-evidence.yaml"), []byte("organization: Someone Else\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"evaluate", "--period", "2026-Q4", "--out", stored[0]},
		{"report", "--period", "2026-Q4", "--out", filepath.Join("evidence-locker", "files", "reports-here")},
		{"package", "--period", "2026-Q4", "--out", filepath.Join(".", "evidence-locker", "objects")},
		{"run", "--period", "2026-Q4", "--collectors", "test-identity", "--out", "evidence-locker"},
	} {
		t.Run(args[0], func(t *testing.T) {
			_, stderr, code := runCLI(t, dir, append(args, "--quiet")...)
			if code != exitUsage || !strings.Contains(stderr, "inside the evidence locker") {
				t.Errorf("exit %d, stderr %s; want a usage error naming the locker", code, stderr)
			}
		})
	}
	after, err := os.ReadFile(stored[0])
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(stored[0])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) || info.Mode().Perm() != 0o444 {
		t.Errorf("the stored results.json was replaced (mode %v)", info.Mode().Perm())
	}
}
