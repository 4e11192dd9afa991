package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCollectorOptionErrorsNameFileAndLine checks the option errors that are
// not yaml.v3's: a section for a collector that does not exist and a value
// a collector rejects. Each must name the config file and the section's line.
func TestCollectorOptionErrorsNameFileAndLine(t *testing.T) {
	tests := []struct {
		name, cfg, want string
	}{
		{"unknown collector", "organization: Acme\ncollectors:\n  options:\n    nosuch:\n      x: 1\n", `hipaa-evidence.yaml:5: collectors.options has a section for unknown collector "nosuch"`},
		{"rejected value", "organization: Acme\ncollectors:\n  options:\n    s3:\n      phi_tag_key: phi\n      concurrency: 400\n", "hipaa-evidence.yaml:5: options of collector s3: s3 options: concurrency 400 is not between"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "hipaa-evidence.yaml"), []byte(tc.cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, stderr, code := runCLI(t, dir, "keys", "init"); code != 0 {
				t.Fatal(stderr)
			}
			_, stderr, code := runCLI(t, dir, "collect", "--collectors", "s3")
			if code != exitError || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want %q", code, stderr, tc.want)
			}
		})
	}
}
