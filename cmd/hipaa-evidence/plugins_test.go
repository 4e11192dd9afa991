package main

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/plugins"
)

// buildExamplePlugin builds plugins/examples/idp-mfa into dir.
func buildExamplePlugin(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	src, err := filepath.Abs(filepath.Join("..", "..", "plugins", "examples", "idp-mfa"))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "idp-mfa")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build the example plugin: %v\n%s", err, out)
	}
	return bin
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestPluginsPinDescribeList(t *testing.T) {
	dir := t.TempDir()
	bin := buildExamplePlugin(t, dir)
	digest, err := plugins.FileDigest(bin)
	if err != nil {
		t.Fatal(err)
	}

	stanza, stderr, code := runCLI(t, dir, "plugins", "pin", bin)
	if code != 0 {
		t.Fatalf("plugins pin: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stanza, "sha256: "+digest) || !strings.Contains(stanza, "name: example-idp") {
		t.Errorf("pin does not print the stanza with the binary's sha256 %s:\n%s", digest, stanza)
	}

	desc, stderr, code := runCLI(t, dir, "plugins", "describe", bin)
	if code != 0 {
		t.Fatalf("plugins describe: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"example-idp 1.0.0", digest, "collector example-idp-mfa", "idp.example.mfa_enrollment", "example_idp_active_users_mfa", "164.312(d)"} {
		if !strings.Contains(desc, want) {
			t.Errorf("describe lacks %q:\n%s", want, desc)
		}
	}
	js, _, code := runCLI(t, dir, "plugins", "describe", "--json", bin)
	var d struct {
		SHA256     string `json:"sha256"`
		Collectors []struct {
			Name string `json:"name"`
		} `json:"collectors"`
	}
	if code != 0 || json.Unmarshal([]byte(js), &d) != nil || d.SHA256 != digest || len(d.Collectors) != 1 {
		t.Errorf("describe --json: exit %d, %+v\n%s", code, d, js)
	}

	// The pinned stanza is a valid config: the plugin lists as ok.
	writeFile(t, filepath.Join(dir, "hipaa-evidence.yaml"), stanza)
	list, stderr, code := runCLI(t, dir, "plugins", "list")
	if code != 0 || !strings.Contains(list, "example-idp") || !strings.Contains(list, "example-idp-mfa") {
		t.Errorf("plugins list: exit %d\n%s%s", code, list, stderr)
	}

	// A wrong pin lists as a mismatch and fails.
	writeFile(t, filepath.Join(dir, "hipaa-evidence.yaml"), strings.Replace(stanza, digest, strings.Repeat("0", 64), 1))
	list, _, code = runCLI(t, dir, "plugins", "list")
	if code != exitError || !strings.Contains(list, "PIN MISMATCH") {
		t.Errorf("plugins list with a wrong pin: exit %d\n%s", code, list)
	}
}

func TestPluginsDescribeRefusesNonPlugins(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "not-a-plugin")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho hello\nsleep 5\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	digest, err := plugins.FileDigest(script)
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"describe", "pin"} {
		_, stderr, code := runCLI(t, dir, "plugins", sub, script)
		if code != exitError || !strings.Contains(stderr, "not a hipaa-evidence plugin") || !strings.Contains(stderr, digest) {
			t.Errorf("plugins %s of a non-plugin: exit %d: %s", sub, code, stderr)
		}
	}
}

// TestCollectWithPlugin collects the example plugin's evidence through the
// CLI: no AWS collector is selected, so no AWS credentials are needed.
func TestCollectWithPlugin(t *testing.T) {
	dir := t.TempDir()
	bin := buildExamplePlugin(t, dir)
	digest, err := plugins.FileDigest(bin)
	if err != nil {
		t.Fatal(err)
	}
	export, err := filepath.Abs(filepath.Join("..", "..", "plugins", "examples", "idp-mfa", "testdata", "users-export.json"))
	if err != nil {
		t.Fatal(err)
	}
	config := func(pin string) string {
		return "plugins:\n  - name: example-idp\n    path: idp-mfa\n" + pin +
			"collectors:\n  options:\n    example-idp-mfa:\n      export: " + export + "\n"
	}
	if _, stderr, code := runCLI(t, dir, "keys", "init"); code != 0 {
		t.Fatalf("keys init: %s", stderr)
	}

	tests := []struct {
		name string
		pin  string
	}{
		{"missing pin", ""},
		{"wrong pin", "    sha256: " + strings.Repeat("ab", 32) + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			writeFile(t, filepath.Join(dir, "hipaa-evidence.yaml"), config(tc.pin))
			_, stderr, code := runCLI(t, dir, "collect", "--collectors", "example-idp-mfa")
			if code != exitError || !strings.Contains(stderr, digest) {
				t.Errorf("collect: exit %d, want a refusal showing the actual digest %s: %s", code, digest, stderr)
			}
		})
	}

	writeFile(t, filepath.Join(dir, "hipaa-evidence.yaml"), config("    sha256: "+digest+"\n"))
	stdout, stderr, code := runCLI(t, dir, "collect", "--collectors", "example-idp-mfa")
	if code != 0 {
		t.Fatalf("collect: exit %d\n%s%s", code, stdout, stderr)
	}
	lk, err := locker.Open(filepath.Join(dir, "evidence-locker"))
	if err != nil {
		t.Fatal(err)
	}
	runs, err := lk.Runs()
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs = %v, %v", runs, err)
	}
	vr, err := lk.VerifyRun(runs[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(vr.Manifest.Snapshots) != 1 || vr.Manifest.Collectors[0].PluginDigest != digest {
		t.Fatalf("manifest = %+v", vr.Manifest)
	}
	data, _, err := lk.ReadSnapshot(vr.Manifest.Snapshots[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := evidence.DecodeSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Status != evidence.StatusOK || snap.Collector.PluginDigest != digest || snap.Collector.PluginVersion != "1.0.0" {
		t.Errorf("snapshot = %s %+v", snap.Status, snap.Collector)
	}
	records, missing, err := plugins.RunRecords(lk, vr)
	if err != nil || len(records) != 1 || len(missing) != 0 {
		t.Errorf("plugin records: %d, missing %v, %v", len(records), missing, err)
	}
}

// TestPluginEndToEnd builds the example plugin, pins it, collects its
// evidence, evaluates it with the checks the plugin shipped, and evaluates
// the same run again after the plugin binary is gone.
func TestPluginEndToEnd(t *testing.T) {
	dir := t.TempDir()
	bin := buildExamplePlugin(t, dir)
	stanza, stderr, code := runCLI(t, dir, "plugins", "pin", bin)
	if code != 0 {
		t.Fatalf("plugins pin: %s", stderr)
	}
	export, err := filepath.Abs(filepath.Join("..", "..", "plugins", "examples", "idp-mfa", "testdata", "users-export.json"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "hipaa-evidence.yaml"), "period: 2026-Q4\n"+stanza+
		"collectors:\n  options:\n    example-idp-mfa:\n      export: "+export+"\n")
	if _, stderr, code := runCLI(t, dir, "keys", "init"); code != 0 {
		t.Fatalf("keys init: %s", stderr)
	}
	if out, stderr, code := runCLI(t, dir, "collect", "--collectors", "example-idp-mfa"); code != 0 {
		t.Fatalf("collect: exit %d\n%s%s", code, out, stderr)
	}
	// The AWS collectors did not run, so their checks are unknown: exit 3.
	if out, stderr, code := runCLI(t, dir, "evaluate", "--out", "first.json"); code != exitGaps {
		t.Fatalf("evaluate: exit %d\n%s%s", code, out, stderr)
	}
	var res struct {
		Results []struct {
			CheckID    string   `json:"check_id"`
			ResourceID string   `json:"resource_id"`
			Status     string   `json:"status"`
			Evidence   []string `json:"evidence"`
		} `json:"results"`
		Controls []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Checks []struct {
				CheckID string `json:"check_id"`
			} `json:"checks"`
		} `json:"controls"`
	}
	first, err := os.ReadFile(filepath.Join(dir, "first.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(first, &res); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"example_idp_active_users_mfa example-idp:example-health:user/00u1":              "pass",
		"example_idp_active_users_mfa example-idp:example-health:user/00u4":              "fail",
		"example_idp_active_users_mfa example-idp:example-health:user/00u5":              "not_applicable",
		"example_idp_admins_phishing_resistant_mfa example-idp:example-health:user/00u1": "pass",
		"example_idp_admins_phishing_resistant_mfa example-idp:example-health:user/00u3": "fail",
	}
	for _, r := range res.Results {
		key := r.CheckID + " " + r.ResourceID
		if w, ok := want[key]; ok {
			if r.Status != w || len(r.Evidence) != 1 {
				t.Errorf("%s: status %s evidence %v, want %s on one snapshot", key, r.Status, r.Evidence, w)
			}
			delete(want, key)
		}
	}
	for key := range want {
		t.Errorf("no result for %s", key)
	}
	cited := false
	for _, c := range res.Controls {
		if c.ID != "164.312(d)" {
			continue
		}
		for _, ch := range c.Checks {
			cited = cited || ch.CheckID == "example_idp_active_users_mfa"
		}
		if c.Status != "not_met" {
			t.Errorf("164.312(d) is %s with a failing MFA check, want not_met", c.Status)
		}
	}
	if !cited {
		t.Error("164.312(d) does not list the plugin's check")
	}

	// The plugin's evidence and findings reach the report model and the PDF.
	if out, stderr, code := runCLI(t, dir, "report", "--format", "pdf,json", "--out", "reports"); code != 0 && code != exitGaps {
		t.Fatalf("report: exit %d\n%s%s", code, out, stderr)
	}
	model, err := os.ReadFile(filepath.Join(dir, "reports", "hipaa-evidence-report-2026-Q4.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"idp.example.mfa_enrollment", "example-idp:example-health:user/00u4", "example_idp_active_users_mfa"} {
		if !strings.Contains(string(model), s) {
			t.Errorf("the report model lacks %q", s)
		}
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "reports", "hipaa-evidence-report-2026-Q4.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"example-idp:example-health:user/00u4", "idp.example.mfa_enrollment"} {
		if !pdfShows(t, pdf, s) {
			t.Errorf("the PDF does not show %q", s)
		}
	}

	// Re-evaluation needs no plugin binary: the checks come from the locker.
	if err := os.Remove(bin); err != nil {
		t.Fatal(err)
	}
	if out, stderr, code := runCLI(t, dir, "evaluate", "--out", "second.json"); code != exitGaps {
		t.Fatalf("evaluate without the plugin binary: exit %d\n%s%s", code, out, stderr)
	}
	second, err := os.ReadFile(filepath.Join(dir, "second.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != string(second) {
		t.Error("evaluating the same run again without the plugin binary gave different results")
	}
}

// pdfShows reports whether text is drawn in pdf: the PDF writer puts text
// in zlib-compressed content streams as UTF-16BE strings.
func pdfShows(t *testing.T, pdf []byte, text string) bool {
	t.Helper()
	var want []byte
	for _, u := range utf16.Encode([]rune(text)) {
		want = append(want, byte(u>>8), byte(u))
	}
	for rest := pdf; ; {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			return false
		}
		rest = rest[i+len("stream\n"):]
		zr, err := zlib.NewReader(bytes.NewReader(rest))
		if err != nil {
			continue
		}
		content, err := io.ReadAll(zr)
		if err != nil && len(content) == 0 {
			continue
		}
		if bytes.Contains(content, want) {
			return true
		}
	}
}
