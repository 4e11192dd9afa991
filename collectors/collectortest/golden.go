package collectortest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Golden compares a snapshot payload, indented, with the golden file at
// path and fails t when they differ. With update it writes the file (and its
// directory) instead; tests pass their -update flag.
func Golden(t testing.TB, path string, payload []byte, update bool) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, payload, "", "  "); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Errorf("%s differs from the golden file; run go test -update to accept.\ngot:\n%s", path, buf.String())
	}
}
