package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
)

// TestMain lets the test binary serve the demo's emulator processes.
func TestMain(m *testing.M) { collectortest.Main(m) }

// TestDemo runs the demo end to end, as a new user does, and checks what it
// leaves behind: the demo key, a locker whose run and snapshots verify
// (with openssl too, when installed), and evidence gaps that are exactly the
// sample organization's deliberate ones, so exit code 0.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "demo-out")
	stdout, stderr, code := runCLI(t, dir, "demo", "--out", out, "--quiet")
	if code != exitOK {
		t.Fatalf("demo: exit %d, want %d (completed with only the sample's deliberate evidence gaps)\nstdout:\n%s\nstderr:\n%s", code, exitOK, stdout, stderr)
	}
	for _, want := range []string{"DEMO", "emulated AWS", "throwaway", "openssl dgst -sha256 -verify"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the demo's output does not say %q:\n%s", want, stdout)
		}
	}

	keyPath := filepath.Join(out, demoKeyFile)
	st, err := os.Stat(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("demo key mode %v, want 0600", st.Mode().Perm())
	}
	signer, err := evidence.LoadKeyFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if !signer.Demo() {
		t.Error("the demo key is not marked as a demo key")
	}
	if _, err := os.Stat(filepath.Join(out, demoConfigFile)); err != nil {
		t.Error(err)
	}

	lk, err := locker.Open(filepath.Join(out, demoLockerDir))
	if err != nil {
		t.Fatal(err)
	}
	runs, err := lk.Runs()
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, %v; want one", runs, err)
	}
	v, err := lk.VerifyRun(runs[0], signer.PublicKey())
	if err != nil {
		t.Fatalf("the demo's run does not verify with the demo key: %v", err)
	}
	if !v.Demo {
		t.Error("the run does not record that a demo key signed it")
	}
	m := v.Manifest
	if len(m.Accounts) != 4 {
		t.Errorf("%d accounts collected, want 4", len(m.Accounts))
	}
	names := map[string]string{}
	for _, a := range m.Accounts {
		names[a.AccountID] = a.Name
		if a.Error != "" {
			t.Errorf("account %s unreachable: %s", a.Name, a.Error)
		}
	}
	// Every snapshot is complete except the deliberate gaps, each naming the
	// call the sample organization refuses.
	var gaps []string
	for _, e := range m.Snapshots {
		if e.Status == evidence.StatusOK {
			continue
		}
		data, _, err := lk.ReadSnapshot(e.Digest)
		if err != nil {
			t.Fatal(err)
		}
		s, err := evidence.DecodeSnapshot(data)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, ce := range s.Errors {
			actions = append(actions, ce.Action+" "+ce.Code)
		}
		gaps = append(gaps, names[e.AccountID]+" "+e.Region+" "+e.Kind+": "+strings.Join(actions, ","))
	}
	sort.Strings(gaps)
	want := []string{
		"analytics global aws.iam.credential_report: iam:GenerateCredentialReport AccessDenied",
		"sandbox us-west-2 aws.cloudtrail.log_groups: cloudtrail:DescribeTrails AccessDeniedException",
		"sandbox us-west-2 aws.cloudtrail.trails: cloudtrail:DescribeTrails AccessDeniedException",
		"sandbox us-west-2 aws.kms.keys: kms:ListKeys AccessDeniedException",
	}
	if strings.Join(gaps, "\n") != strings.Join(want, "\n") {
		t.Errorf("evidence gaps:\n%s\nwant exactly the sample's deliberate ones:\n%s", strings.Join(gaps, "\n"), strings.Join(want, "\n"))
	}

	// The evaluation: results.json signed with the demo key, every control
	// status present, and the deliberate gaps unknown, never passing.
	rel, err := controls.LatestResults(lk, v.Manifest.Period)
	if err != nil {
		t.Fatal(err)
	}
	data, err := lk.ReadFile(rel, 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := lk.ReadFile(rel+".sig", 1<<10)
	if err != nil {
		t.Fatal(err)
	}
	if err := evidence.Verify(signer.PublicKey(), data, sig); err != nil {
		t.Errorf("results.json does not verify with the demo key: %v", err)
	}
	var res controls.Results
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	if !res.DemoKey || res.RunID != runs[0] || len(res.Controls) != 68 {
		t.Errorf("results: demo key %v, run %s, %d controls", res.DemoKey, res.RunID, len(res.Controls))
	}
	statuses := map[controls.ControlStatus]int{}
	for _, c := range res.Controls {
		statuses[c.Status]++
	}
	// Every entry the deliberate gaps touch also has a finding (e.g.
	// 164.308(a)(1)(ii)(A): cloudtrail_enabled is unknown for sandbox, and
	// Lightsail in analytics fails service_scope_hipaa_eligible), so no entry
	// is unknown as a whole; the gaps show as unknown results of its checks.
	for _, st := range []controls.ControlStatus{controls.ControlMet, controls.ControlNotMet, controls.ControlPartial,
		controls.ControlManualRequired, controls.ControlInherited, controls.ControlNotApplicable} {
		if statuses[st] == 0 {
			t.Errorf("no catalog entry is %s; the demo should show every status (got %v)", st, statuses)
		}
	}
	unknownChecks := 0
	for _, c := range res.Controls {
		for _, cc := range c.Checks {
			if cc.Status == controls.StatusUnknown && len(cc.FailedActions) > 0 {
				unknownChecks++
			}
		}
	}
	if unknownChecks == 0 {
		t.Error("no catalog entry shows a check that is unknown because evidence could not be seen")
	}
	for _, r := range res.Results {
		denied := names[r.AccountID] == "analytics" && r.CheckID == "iam_console_users_mfa" ||
			names[r.AccountID] == "sandbox" && r.Region == "us-west-2" && r.CheckID == "kms_cmk_rotation_enabled"
		if denied && r.Status != controls.StatusUnknown {
			t.Errorf("%s in %s %s is %s, want unknown: its evidence was refused", r.CheckID, names[r.AccountID], r.Region, r.Status)
		}
	}
	if res.Summary.ExceptionsActive != 1 || res.Summary.ExceptionsExpired != 1 || res.Summary.OwnershipGaps != 2 {
		t.Errorf("exceptions active %d, expired %d; ownership gaps %d; want 1, 1, 2",
			res.Summary.ExceptionsActive, res.Summary.ExceptionsExpired, res.Summary.OwnershipGaps)
	}

	// The reports, and the bundle: the tool verifies it (warning that the
	// key is a demo key), and the seal over the zip verifies with the demo
	// key alone.
	pkg := filepath.Join(out, demoPackageDir)
	for _, ext := range []string{".pdf", ".xlsx", ".json"} {
		p := filepath.Join(pkg, "hipaa-evidence-report-"+v.Manifest.Period+ext)
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("report %s: %v", p, err)
		}
	}
	zips, err := filepath.Glob(filepath.Join(pkg, "*.zip"))
	if err != nil || len(zips) != 1 {
		t.Fatalf("bundles %v, %v; want one", zips, err)
	}
	if !strings.Contains(stdout, "hipaa-evidence verify "+zips[0]+" --fingerprint "+evidence.KeyID(signer.PublicKey())) {
		t.Errorf("the demo does not print the verify command for %s:\n%s", zips[0], stdout)
	}
	vout, verr, vcode := runCLI(t, dir, "verify", zips[0], "--fingerprint", evidence.KeyID(signer.PublicKey()))
	if vcode != 0 || !strings.Contains(strings.ToLower(vout+verr), "demo key") {
		t.Errorf("verify the demo bundle: exit %d, want 0 with a demo-key warning\nstdout: %s\nstderr: %s", vcode, vout, verr)
	}
	sums, err := os.ReadFile(filepath.Join(pkg, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	sumsSig, err := os.ReadFile(filepath.Join(pkg, "SHA256SUMS.sig"))
	if err != nil {
		t.Fatal(err)
	}
	if err := evidence.Verify(signer.PublicKey(), sums, sumsSig); err != nil {
		t.Errorf("SHA256SUMS beside the bundle does not verify with the demo key: %v", err)
	}
	if !strings.Contains(string(sums), filepath.Base(zips[0])) {
		t.Errorf("SHA256SUMS beside the bundle does not list it:\n%s", sums)
	}

	// An auditor's check of one snapshot, with openssl alone.
	if _, err := exec.LookPath("openssl"); err == nil && len(m.Snapshots) > 0 {
		obj := filepath.Join(lk.Root(), m.Snapshots[0].Path)
		cmd := exec.Command("openssl", "dgst", "-sha256", "-verify", evidence.PublicKeyPath(keyPath), "-signature", obj+".sig", obj)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("openssl does not verify %s: %v\n%s", obj, err, b)
		}
	}
}

func TestDemoRefusesNonEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(out, "notes.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, dir, "demo", "--out", out)
	if code != exitUsage || !strings.Contains(stderr, "not empty") {
		t.Errorf("exit %d, stderr %q; want a usage error naming the non-empty directory", code, stderr)
	}
	entries, err := os.ReadDir(out)
	if err != nil || len(entries) != 1 {
		t.Errorf("the demo wrote into a non-empty directory: %v %v", entries, err)
	}
}
