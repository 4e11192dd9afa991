package templates

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOverlayPrefersOverrideDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "README.md"), []byte("override"), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadFile(fsys, "README.md")
	if err != nil || string(b) != "override" {
		t.Fatalf("README.md = %q, %v; want the override", b, err)
	}
	if _, err := ReadFile(fsys, "templates.go"); err != nil {
		t.Fatalf("embedded file not reachable through the overlay: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing override directory was accepted")
	}
}
