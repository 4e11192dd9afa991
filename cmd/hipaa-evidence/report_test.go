package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
	"github.com/hipaa-evidence/hipaa-evidence/reports/jsonreport"
	"github.com/hipaa-evidence/hipaa-evidence/reports/reportstest"
)

func TestReportWritesThePackage(t *testing.T) {
	dir := t.TempDir()
	reportstest.NewLocker(t, dir, false)
	stdout, stderr, code := runCLI(t, dir, "report", "--period", "2026-Q4", "--out", "out")
	if code != exitGaps {
		t.Fatalf("exit %d, want %d (the results have an evidence gap); stderr: %s", code, exitGaps, stderr)
	}
	model, err := os.ReadFile(filepath.Join(dir, "out", "hipaa-evidence-report-2026-Q4.json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(model)
	if !strings.Contains(stdout, "package digest sha256:"+hex.EncodeToString(sum[:])) {
		t.Errorf("stdout lacks the package digest:\n%s", stdout)
	}
	for _, name := range []string{"hipaa-evidence-report-2026-Q4.pdf", "hipaa-evidence-report-2026-Q4.xlsx"} {
		if info, err := os.Stat(filepath.Join(dir, "out", name)); err != nil || info.Size() == 0 {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	if !strings.Contains(stdout, "DEMO key") || !strings.Contains(stdout, "stored in the locker under files/reports/2026-Q4/") {
		t.Errorf("stdout lacks the demo-key warning or the locker copy:\n%s", stdout)
	}
	if !strings.Contains(stderr, "evidence gap") {
		t.Errorf("stderr does not explain exit 3: %s", stderr)
	}
}

func TestReportOnlyRequestedFormat(t *testing.T) {
	dir := t.TempDir()
	reportstest.NewLocker(t, dir, false)
	if _, stderr, code := runCLI(t, dir, "report", "--period", "2026-Q4", "--format", "xlsx"); code != exitGaps {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	entries, err := os.ReadDir(filepath.Join(dir, defaultReportDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "hipaa-evidence-report-2026-Q4.json hipaa-evidence-report-2026-Q4.xlsx" {
		t.Fatalf("wrote %v, want the JSON model and the workbook", names)
	}
}

func TestReportErrors(t *testing.T) {
	cases := []struct {
		name   string
		tamper bool
		setup  func(t *testing.T, dir string)
		args   []string
		code   int
		want   string
	}{
		{"unknown format", false, nil, []string{"--format", "docx"}, exitUsage, `unknown report format "docx"`},
		{"no results for the period", false, nil, []string{"--period", "2026-Q3"}, exitError, "hipaa-evidence evaluate --period 2026-Q3"},
		{"tampered results", true, nil, nil, exitError, "signature"},
		{"malformed template", false, func(t *testing.T, dir string) {
			if err := os.MkdirAll(filepath.Join(dir, "words", "report"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "words", "report", "summary.tmpl"), []byte("{{.Organization"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, []string{"--templates", "words"}, exitError, "report/summary.tmpl"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			reportstest.NewLocker(t, dir, tc.tamper)
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			args := append([]string{"report", "--period", "2026-Q4"}, tc.args...)
			_, stderr, code := runCLI(t, dir, args...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, stderr, tc.code, tc.want)
			}
		})
	}
}

// TestEvaluateThenReport runs the real evaluation on a run whose only
// evidence is the service scope (everything else is missing, so unknown),
// then reports on it: all 68 catalog entries appear in the JSON model and,
// when poppler is installed, in the PDF's text.
func TestEvaluateThenReport(t *testing.T) {
	dir := t.TempDir()
	reportstest.NewRun(t, dir)
	if _, stderr, code := runCLI(t, dir, "evaluate", "--period", "2026-Q4"); code != exitGaps && code != 0 {
		t.Fatalf("evaluate: exit %d: %s", code, stderr)
	}
	stdout, stderr, code := runCLI(t, dir, "report", "--period", "2026-Q4")
	if code != exitGaps {
		t.Fatalf("report: exit %d, want %d (results are unknown for missing evidence): %s", code, exitGaps, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, defaultReportDir, "hipaa-evidence-report-2026-Q4.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := jsonreport.Decode(bytes.NewReader(b), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Controls) != 68 {
		t.Fatalf("%d catalog entries in the model, want 68", len(p.Controls))
	}
	for _, c := range p.Controls {
		if c.Status == reports.Met && len(c.Checks) > 0 {
			t.Errorf("%s is met with its evidence missing", c.ID)
		}
		if c.Summary == "" {
			t.Errorf("%s has no summary", c.ID)
		}
	}
	if len(p.Scope.Services) == 0 {
		t.Error("the service scope did not reach the report")
	}
	if !strings.Contains(stdout, "68 catalog entries") {
		t.Errorf("stdout: %s", stdout)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed")
	}
	out, err := exec.Command("pdftotext", "-raw", filepath.Join(dir, defaultReportDir, "hipaa-evidence-report-2026-Q4.pdf"), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, c := range p.Controls {
		if !strings.Contains(text, c.ID) {
			t.Errorf("PDF text lacks %s", c.ID)
		}
	}
}
