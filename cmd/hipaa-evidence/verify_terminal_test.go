package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/reports/bundle"
)

// TestVerifyPrintsNoControlCharactersFromTheBundle verifies a bundle whose
// signed manifest carries terminal escape sequences in the organization and
// tool version. Anyone can sign such a bundle with their own key; printed raw,
// the sequences could conceal the NOT PINNED warning that follows them, or
// rewrite the lines above. verify must print them escaped.
func TestVerifyPrintsNoControlCharactersFromTheBundle(t *testing.T) {
	dir := t.TempDir()
	signer, lk, id := collectTestRun(t, dir, false)
	files, err := bundle.RunFiles(lk, id, signer.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	res, err := bundle.WriteFile(context.Background(), filepath.Join(dir, "out"), &bundle.Input{
		Organization: "Acme\x1b[8m", Period: "2026-Q4", ToolVersion: "1.0\r\x1b[2K\x1b[1A", RunID: id, Signer: signer, Files: files}, false)
	if err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCLI(t, dir, "verify", res.Path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if i := strings.IndexAny(stdout+stderr, "\x1b\r"); i >= 0 {
		t.Fatalf("verify printed a control character from the bundle:\n%q", stdout+stderr)
	}
	if !strings.Contains(stdout, `Acme\x1b[8m`) || !strings.Contains(stdout, "NOT PINNED") {
		t.Errorf("the organization is not shown escaped, or the warning is missing:\n%s", stdout)
	}
}

// TestErrorsPrintNoControlCharacters checks the error line every command
// prints: a failure message may quote a bundle's or plugin's text.
func TestErrorsPrintNoControlCharacters(t *testing.T) {
	var stderr strings.Builder
	code := exitCode(fmt.Errorf("verify b.zip: FAILED: evidence/run-manifest.json: snapshot of kind %s is missing", "x\x1b[2K\rOK"), &stderr)
	if code != exitError || strings.ContainsAny(stderr.String(), "\x1b\r") || !strings.Contains(stderr.String(), `x\x1b[2K\x0dOK`) {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}
