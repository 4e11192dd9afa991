package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
)

// summaryCollector emits a fixed IAM account summary: root MFA on, root
// access keys present, so one check passes and one fails.
type summaryCollector struct{}

func (summaryCollector) Describe() collectors.Descriptor {
	return collectors.Descriptor{Name: "test-summary", Version: "1", Scope: collectors.PerAccount,
		EvidenceKinds: []string{"aws.iam.account_summary"}, Actions: []string{"iam:GetAccountSummary"}}
}

func (summaryCollector) Collect(context.Context, *collectors.Request) (*collectors.Response, error) {
	b := collectors.NewBuilder("aws.iam.account_summary")
	b.Called("iam:GetAccountSummary")
	s, err := b.Snapshot(map[string]any{"account_mfa_enabled": true, "account_access_keys_present": true,
		"account_password_present": true, "account_signing_certificates_present": false, "summary": map[string]int{}})
	if err != nil {
		return nil, err
	}
	return &collectors.Response{Snapshots: []*evidence.Snapshot{s}}, nil
}

func init() {
	collectors.Register("test-summary", func() collectors.Collector { return summaryCollector{} })
}

// collectFixture initialises dir (key, starter files) and stores one signed
// run of the test-summary collector for account 111111111111 in period
// 2026-Q4. It returns the run id.
func collectFixture(t *testing.T, dir string) string {
	t.Helper()
	if _, stderr, code := runCLI(t, dir, "keys", "init"); code != 0 {
		t.Fatalf("keys init: %s", stderr)
	}
	if _, stderr, code := runCLI(t, dir, "init"); code != 0 {
		t.Fatalf("init: %s", stderr)
	}
	signer, err := evidence.LoadKeyFile(filepath.Join(dir, "keys", "signing-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	lk, err := locker.Open(filepath.Join(dir, "evidence-locker"))
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	r := &collectors.Runner{Locker: lk, Signer: signer, Now: func() time.Time { return clock }}
	res, err := r.Run(context.Background(), collectors.Plan{
		Period: "2026-Q4", PeriodStart: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), PeriodEnd: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		Collectors: []string{"test-summary"},
		Accounts:   []collectors.Account{{ID: "111111111111", Partition: "aws", Access: "caller"}},
		Regions:    []string{"us-east-1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res.RunID
}

func readResults(t *testing.T, path string) *controls.Results {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := controls.DecodeResults(b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEvaluateCommand(t *testing.T) {
	dir := t.TempDir()
	runID := collectFixture(t, dir)

	stdout, stderr, code := runCLI(t, dir, "--period", "2026-Q4", "evaluate", "--out", "results.json")
	// Most checks have no evidence in this run: they are unknown, so the
	// command completes with evidence gaps.
	if code != exitGaps {
		t.Fatalf("evaluate: exit %d, want %d\nstdout: %s\nstderr: %s", code, exitGaps, stdout, stderr)
	}
	if !strings.Contains(stdout, "68 catalog entries") {
		t.Errorf("summary lacks the 68 entries:\n%s", stdout)
	}
	r := readResults(t, filepath.Join(dir, "results.json"))
	if r.RunID != runID || len(r.Controls) != 68 {
		t.Fatalf("run %s, %d controls", r.RunID, len(r.Controls))
	}
	want := map[string]controls.ResultStatus{"iam_root_mfa_enabled": controls.StatusPass, "iam_root_no_access_keys": controls.StatusFail,
		"iam_console_users_mfa": controls.StatusUnknown}
	seen := map[string]bool{}
	for _, x := range r.Results {
		seen[x.CheckID] = true
		if w, ok := want[x.CheckID]; ok && x.Status != w {
			t.Errorf("%s: %s, want %s (%s)", x.CheckID, x.Status, w, x.Detail)
		}
		if x.Status == controls.StatusUnknown && len(x.FailedActions) == 0 {
			t.Errorf("%s unknown without naming what failed: %s", x.CheckID, x.Detail)
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("no result for %s", id)
		}
	}
	if r.Controls[0].Owners.Build == "" {
		t.Errorf("the starter ownership matrix was not applied: %+v", r.Controls[0].Owners)
	}

	// The locker holds the same bytes with a signature that verifies.
	lk, err := locker.Open(filepath.Join(dir, "evidence-locker"))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := controls.LatestResults(lk, "2026-Q4")
	if err != nil || rel == "" {
		t.Fatalf("no results in the locker: %q %v", rel, err)
	}
	stored, err := lk.ReadFile(rel, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, out) {
		t.Error("--out and the locker copy differ")
	}
	sig, err := lk.ReadFile(rel+".sig", 1024)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := evidence.LoadKeyFile(filepath.Join(dir, "keys", "signing-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := evidence.Verify(signer.PublicKey(), stored, sig); err != nil {
		t.Errorf("results signature: %v", err)
	}

	// Evaluating again gives the same bytes and stores nothing new.
	if _, stderr, code := runCLI(t, dir, "evaluate", "--run", runID, "--out", "again.json"); code != exitGaps {
		t.Fatalf("second evaluate: exit %d: %s", code, stderr)
	}
	again, err := os.ReadFile(filepath.Join(dir, "again.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, out) {
		t.Error("evaluating the same run twice gave different bytes")
	}
	files, err := lk.ListFiles(controls.ResultsDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Errorf("results files after two identical evaluations: %v", files)
	}
}

func TestEvaluateStopsOnTamperedSnapshot(t *testing.T) {
	dir := t.TempDir()
	collectFixture(t, dir)
	lk, err := locker.Open(filepath.Join(dir, "evidence-locker"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := lk.LatestRun("2026-Q4")
	if err != nil {
		t.Fatal(err)
	}
	m, _, _, err := lk.Run(id)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "evidence-locker", filepath.FromSlash(m.Snapshots[0].Path))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Replace(b, []byte(`"account_mfa_enabled": true`), []byte(`"account_mfa_enabled":  true`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, dir, "--period", "2026-Q4", "evaluate")
	if code != exitError || !strings.Contains(stderr, m.Snapshots[0].Digest) || !strings.Contains(stderr, "evaluation stopped") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if files, err := lk.ListFiles(controls.ResultsDir); err != nil || len(files) != 0 {
		t.Errorf("results written despite tampering: %v %v", files, err)
	}
}

func TestAttachMakesManualEvidenceCount(t *testing.T) {
	dir := t.TempDir()
	collectFixture(t, dir)
	doc := filepath.Join(dir, "risk-analysis.txt")
	if err := os.WriteFile(doc, []byte("Risk analysis 2026: scope, threats, vulnerabilities, ratings.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const id = "164.308(a)(1)(ii)(A)"
	stdout, stderr, code := runCLI(t, dir, "attach", "--control", id, "--file", doc, "--note", "annual", "--valid-until", "2027-06-30")
	if code != 0 || !strings.Contains(stdout, "attached risk-analysis.txt") {
		t.Fatalf("attach: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, stderr, code := runCLI(t, dir, "--period", "2026-Q4", "evaluate", "--out", "r.json"); code != exitGaps {
		t.Fatalf("evaluate: exit %d: %s", code, stderr)
	}
	r := readResults(t, filepath.Join(dir, "r.json"))
	for _, c := range r.Controls {
		if c.ID != id {
			continue
		}
		if c.ManualEvidence.State != controls.ManualValid || len(c.ManualEvidence.Attachments) != 1 {
			t.Errorf("manual evidence %+v", c.ManualEvidence)
		}
		if c.Status == controls.ControlManualRequired {
			t.Errorf("still manual_required after attaching: %s", c.Reason)
		}
	}
	if len(r.ManualEvidence) != 1 || r.ManualEvidence[0].Note != "annual" || r.ManualEvidence[0].ValidUntil != "2027-06-30" {
		t.Errorf("manual evidence %+v", r.ManualEvidence)
	}

	for _, args := range [][]string{
		{"attach", "--control", "164.999(z)", "--file", doc},
		{"attach", "--file", doc},
		{"attach", "--control", id, "--file", doc, "--valid-until", "next year"},
	} {
		if _, _, code := runCLI(t, dir, args...); code == 0 {
			t.Errorf("%v: accepted", args)
		}
	}
}

func TestInitNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ownership.yaml"), []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCLI(t, dir, "init")
	if code != 0 {
		t.Fatalf("init: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "kept     ownership.yaml") {
		t.Errorf("init output:\n%s", stdout)
	}
	b, err := os.ReadFile(filepath.Join(dir, "ownership.yaml"))
	if err != nil || string(b) != "mine\n" {
		t.Fatalf("ownership.yaml was overwritten: %q %v", b, err)
	}
	for _, f := range []string{"hipaa-evidence.yaml", "exceptions.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestStarterOwnershipCoversTheCatalog(t *testing.T) {
	dir := t.TempDir()
	if _, stderr, code := runCLI(t, dir, "init"); code != 0 {
		t.Fatalf("init: %s", stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "ownership.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := controls.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	o, err := controls.ParseOwnership("ownership.yaml", b, cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Entries) != len(cat.Entries) || len(cat.Entries) != 68 {
		t.Fatalf("%d rows for %d entries", len(o.Entries), len(cat.Entries))
	}
	for _, e := range cat.Entries {
		row := o.Entries[e.ID]
		physical := strings.HasPrefix(e.ID, "164.310")
		if physical != (row.Responsibility == controls.ResponsibilityAWS) {
			t.Errorf("%s: responsibility %s", e.ID, row.Responsibility)
		}
		if row.Build == "" || row.Monitor == "" || row.Exceptions == "" {
			t.Errorf("%s: starter row has an empty owner: %+v", e.ID, row)
		}
	}
}

func TestControlsListAndShow(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := runCLI(t, dir, "controls", "list")
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, stderr)
	}
	if n := strings.Count(stdout, "\n164.3"); n != 68 {
		t.Errorf("list shows %d entries, want 68", n)
	}
	stdout, _, code = runCLI(t, dir, "controls", "show", "164.312(d)")
	if code != 0 || !strings.Contains(stdout, "iam_console_users_mfa") || !strings.Contains(stdout, "pass:") || !strings.Contains(stdout, "item.mfa_active == true") {
		t.Errorf("show 164.312(d): exit %d\n%s", code, stdout)
	}
	stdout, _, code = runCLI(t, dir, "controls", "show", "iam_workforce_federation")
	if code != 0 || !strings.Contains(stdout, "own judgement") {
		t.Errorf("show check: exit %d\n%s", code, stdout)
	}
	if _, _, code := runCLI(t, dir, "controls", "show", "nope"); code != exitUsage {
		t.Errorf("unknown id: exit %d", code)
	}
}

func TestCheckParamsFromConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := "checks:\n  params:\n    iam_password_policy_strong:\n      min_lenght: 8\n"
	if err := os.WriteFile(filepath.Join(dir, "hipaa-evidence.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, dir, "controls", "list")
	if code != exitError || !strings.Contains(stderr, "hipaa-evidence.yaml:4") || !strings.Contains(stderr, "min_lenght") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	cfg = "checks:\n  params:\n    iam_password_policy_strong:\n      min_length: 8\n"
	if err := os.WriteFile(filepath.Join(dir, "hipaa-evidence.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCLI(t, dir, "controls", "show", "iam_password_policy_strong")
	if code != 0 || !strings.Contains(stdout, "min_length=8") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
}
