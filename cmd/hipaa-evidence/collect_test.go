package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

// identityCollector records who it ran as: it calls sts:GetCallerIdentity
// with the credentials the runner gave it, so the test sees that each
// account's evidence comes from that account.
type identityCollector struct{}

func (identityCollector) Describe() collectors.Descriptor {
	return collectors.Descriptor{Name: "test-identity", Version: "1", Scope: collectors.PerAccount,
		EvidenceKinds: []string{"test.identity.caller"}, Actions: []string{"sts:GetCallerIdentity"}}
}

func (identityCollector) Collect(ctx context.Context, req *collectors.Request) (*collectors.Response, error) {
	b := collectors.NewBuilder("test.identity.caller")
	out, err := sts.NewFromConfig(req.AWS).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	b.Record("sts:GetCallerIdentity", err)
	payload := map[string]any{"account": nil}
	if err == nil {
		payload["account"] = *out.Account
	} else {
		b.Fatal()
	}
	s, err := b.Snapshot(payload)
	if err != nil {
		return nil, err
	}
	return &collectors.Response{Snapshots: []*evidence.Snapshot{s}}, nil
}

func init() {
	collectors.Register("test-identity", func() collectors.Collector { return identityCollector{} })
}

// TestCollectOrganizationWithUnreachableAccount runs `collect --organization`
// against a test organization in which one member's audit role cannot be
// assumed: the run completes, the gap is recorded, and the exit code is 3.
func TestCollectOrganizationWithUnreachableAccount(t *testing.T) {
	org := collectortest.NewOrganization(t, 3)
	members := org.MemberIDs()
	org.DenyAssumeRole(members[2])
	t.Setenv("AWS_ENDPOINT_URL", org.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", collectortest.ManagementKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))

	dir := t.TempDir()
	if _, stderr, code := runCLI(t, dir, "keys", "init"); code != 0 {
		t.Fatalf("keys init: %s", stderr)
	}
	stdout, stderr, code := runCLI(t, dir, "collect", "--organization", "--collectors", "test-identity", "--quiet")
	if code != exitGaps {
		t.Fatalf("collect: exit %d, want %d\nstdout: %s\nstderr: %s", code, exitGaps, stdout, stderr)
	}
	if !strings.Contains(stdout, members[2]) {
		t.Errorf("the unreachable account is not named in the summary:\n%s", stdout)
	}

	lk, err := locker.Open(filepath.Join(dir, "evidence-locker"))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := lk.Runs()
	if err != nil || len(ids) != 1 {
		t.Fatalf("runs %v, %v", ids, err)
	}
	v, err := lk.VerifyRun(ids[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, e := range v.Manifest.Snapshots {
		data, _, err := lk.ReadSnapshot(e.Digest)
		if err != nil {
			t.Fatal(err)
		}
		s, err := evidence.DecodeSnapshot(data)
		if err != nil {
			t.Fatal(err)
		}
		if s.Status == evidence.StatusOK {
			var p struct{ Account string }
			if err := json.Unmarshal(s.Payload, &p); err != nil {
				t.Fatal(err)
			}
			seen[e.AccountID] = p.Account
		} else {
			seen[e.AccountID] = s.Errors[0].Action + " " + s.Errors[0].Code
		}
	}
	want := map[string]string{
		org.ManagementID: org.ManagementID,
		members[0]:       members[0],
		members[1]:       members[1],
		members[2]:       "sts:AssumeRole AccessDenied",
	}
	for acct, w := range want {
		if seen[acct] != w {
			t.Errorf("account %s: evidence says %q, want %q", acct, seen[acct], w)
		}
	}
	// `locker show` names the failed action for the gap.
	out, _, code := runCLI(t, dir, "locker", "show", ids[0], "--verify")
	if code != 0 || !strings.Contains(out, "sts:AssumeRole AccessDenied") {
		t.Errorf("locker show: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "evidence-locker", "runs", ids[0], "manifest.json.sig")); err != nil {
		t.Error(err)
	}
}

// TestCollectKeepsCredentialProcessOutputOutOfErrors runs collect with a
// profile whose credential_process prints a warning before its credentials
// document: the SDK cannot parse it and quotes the whole output, secret
// access key included, in its error. The command's error must say what
// failed without that output.
func TestCollectKeepsCredentialProcessOutputOutOfErrors(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
	dir := t.TempDir()
	script := filepath.Join(dir, "creds.sh")
	body := "#!/bin/sh\necho 'warning: token cache is stale'\n" +
		`echo '{"Version": 1, "AccessKeyId": "AKIAEXAMPLEKEY", "SecretAccessKey": "` + secret + `"}'` + "\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	awsConfig := filepath.Join(dir, "aws-config")
	if err := os.WriteFile(awsConfig, []byte("[profile audit]\ncredential_process = "+script+"\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", awsConfig)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	if _, stderr, code := runCLI(t, dir, "keys", "init"); code != 0 {
		t.Fatalf("keys init: %s", stderr)
	}
	for name, args := range map[string][]string{
		"local key": {"collect", "--profile", "audit", "--collectors", "test-identity", "--quiet"},
		// The KMS signer is set up before the scope, with the same credentials.
		"kms key": {"collect", "--profile", "audit", "--collectors", "test-identity", "--quiet", "--kms-key", "alias/hipaa-evidence"},
	} {
		t.Run(name, func(t *testing.T) {
			stdout, stderr, code := runCLI(t, dir, args...)
			if code != exitError {
				t.Fatalf("collect: exit %d, want %d\nstderr: %s", code, exitError, stderr)
			}
			if strings.Contains(stdout+stderr, secret) || strings.Contains(stdout+stderr, "AKIAEXAMPLEKEY") {
				t.Fatalf("the credentials are in the output:\n%s%s", stdout, stderr)
			}
			if !strings.Contains(stderr, "credential_process") {
				t.Errorf("stderr does not say the credential process failed:\n%s", stderr)
			}
		})
	}
}
