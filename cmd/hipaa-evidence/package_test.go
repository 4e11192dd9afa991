package main

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/reports/bundle"
)

// zipNames lists the entries of a zip.
func zipNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]bool{}
	for _, f := range zr.File {
		out[f.Name] = true
	}
	return out
}

func TestPackageCommand(t *testing.T) {
	dir := t.TempDir()
	emulatorEnv(t)
	if err := os.WriteFile(filepath.Join(dir, "hipaa-evidence.yaml"), []byte("organization: Acme Health\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, dir, "keys", "init"); code != 0 {
		t.Fatalf("keys init: %s", stderr)
	}
	s, err := evidence.LoadKeyFile(filepath.Join(dir, "keys", "signing-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	keyID := evidence.KeyID(s.PublicKey())
	if _, stderr, code := runCLI(t, dir, "collect", "--collectors", "test-identity", "--quiet", "--period", "2026-Q4"); code != 0 {
		t.Fatalf("collect: exit %d: %s", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "Risk analysis: 2026.pdf"), []byte("%PDF-1.4 risk analysis"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, dir, "attach", "--control", "164.308(a)(1)(ii)(A)", "--file", "Risk analysis: 2026.pdf"); code != 0 {
		t.Fatalf("attach: exit %d: %s", code, stderr)
	}
	stdout, stderr, code := runCLI(t, dir, "package", "--period", "2026-Q4", "--out", "dist", "--quiet")
	if code != exitOK && code != exitGaps {
		t.Fatalf("package: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	t.Logf("package output:\n%s", stdout)
	zipPath := filepath.Join(dir, "dist", "hipaa-evidence-acme-health-2026-Q4.zip")
	if !strings.Contains(stdout, "hipaa-evidence verify "+filepath.Join("dist", "hipaa-evidence-acme-health-2026-Q4.zip")+" --fingerprint "+keyID) {
		t.Errorf("package does not print the verify command:\n%s", stdout)
	}
	names := zipNames(t, zipPath)
	for _, want := range []string{bundle.ReadmeFile, bundle.ManifestFile, bundle.KeyFile, bundle.SumsFile, bundle.SealFile,
		bundle.AttestationFile, bundle.RunManifestFile, bundle.ResultsFile, "config/evaluation.json", "config/catalog.yaml",
		"reports/hipaa-evidence-report-2026-Q4.pdf", "reports/hipaa-evidence-report-2026-Q4.xlsx", "reports/hipaa-evidence-report-2026-Q4.json"} {
		if !names[want] {
			t.Errorf("bundle lacks %s", want)
		}
	}
	checks, attached := 0, map[string]bool{}
	for n := range names {
		if strings.HasPrefix(n, "checks/") {
			checks++
		}
		if strings.HasPrefix(n, "attachments/") {
			attached[filepath.Base(n)] = true
		}
	}
	if checks == 0 {
		t.Error("bundle carries no check files")
	}
	for _, want := range []string{"Risk analysis_ 2026.pdf", "Risk analysis_ 2026.pdf.sig", "metadata.json", "metadata.json.sig"} {
		if !attached[want] {
			t.Errorf("bundle lacks attachment file %s (has %v)", want, attached)
		}
	}
	for _, f := range []string{"SHA256SUMS", "SHA256SUMS.sig", "hipaa-evidence-report-2026-Q4.pdf"} {
		if _, err := os.Stat(filepath.Join(dir, "dist", f)); err != nil {
			t.Errorf("beside the zip: %v", err)
		}
	}
	stdout, stderr, code = runCLI(t, dir, "verify", zipPath, "--fingerprint", keyID, "--reevaluate")
	t.Logf("verify output:\n%s", stdout)
	if code != exitOK || !strings.Contains(stdout, "byte for byte") || !strings.Contains(stdout, "and 2 attachment(s)") {
		t.Fatalf("verify --reevaluate: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if _, stderr, code := runCLI(t, dir, "package", "--period", "2026-Q4", "--out", "dist", "--quiet"); code != exitError || !strings.Contains(stderr, "already exists") {
		t.Errorf("second package without --force: exit %d: %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, dir, "package", "--period", "2026-Q4", "--out", "dist", "--quiet", "--force"); code != exitOK && code != exitGaps {
		t.Errorf("package --force: exit %d: %s", code, stderr)
	}
}

// TestRunWithKMSKey runs collect → evaluate → report → package in one
// command, signing with an AWS KMS key in the kumo emulator.
func TestRunWithKMSKey(t *testing.T) {
	dir := t.TempDir()
	emulatorEnv(t)
	client := kms.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")},
		func(o *kms.Options) { o.BaseEndpoint = aws.String(os.Getenv("AWS_ENDPOINT_URL")) })
	ctx := context.Background()
	created, err := client.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify})
	if err != nil {
		t.Fatal(err)
	}
	keyArn := *created.KeyMetadata.Arn
	pub, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(keyArn)})
	if err != nil {
		t.Fatal(err)
	}
	keyID := evidence.Digest(pub.PublicKey)
	stdout, stderr, code := runCLI(t, dir, "run", "--kms-key", keyArn, "--collectors", "test-identity", "--period", "2026-Q4", "--out", "dist", "--quiet")
	if code != exitOK && code != exitGaps {
		t.Fatalf("run: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	matches, err := filepath.Glob(filepath.Join(dir, "dist", "hipaa-evidence-*-2026-Q4.zip"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("bundles written: %v %v", matches, err)
	}
	rep, err := bundle.VerifyFile(ctx, matches[0], bundle.Options{Fingerprint: keyID})
	if err != nil {
		t.Fatalf("verify the KMS-sealed bundle: %v", err)
	}
	if rep.DemoKey || rep.Snapshots != 1 {
		t.Errorf("report: demo=%v snapshots=%d", rep.DemoKey, rep.Snapshots)
	}
	if !strings.Contains(stdout, "AWS KMS key") {
		t.Errorf("run output does not name the KMS key:\n%s", stdout)
	}
}
