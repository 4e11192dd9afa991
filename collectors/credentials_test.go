package collectors_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
)

// secretKey is the secret access key the credential process prints.
const secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"

// credentialProcess writes a credential_process that prints a warning line
// before a valid credentials document, so the SDK fails to parse its output
// and puts the whole output, secret included, in its error.
func credentialProcess(t *testing.T) string {
	t.Helper()
	script := filepath.Join(t.TempDir(), "creds.sh")
	body := "#!/bin/sh\necho 'warning: token cache is stale'\n" +
		`echo '{"Version": 1, "AccessKeyId": "AKIAEXAMPLEKEY", "SecretAccessKey": "` + secretKey + `"}'` + "\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	return script
}

// TestCallErrorKeepsCredentialProcessOutputOut checks that a failed
// credential process, whose SDK error quotes the process's output, leaves
// no secret in the evidence form of the error.
func TestCallErrorKeepsCredentialProcessOutputOut(t *testing.T) {
	provider := processcreds.NewProvider(credentialProcess(t))
	if _, err := provider.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), secretKey) {
		t.Fatalf("the SDK's error no longer quotes the output (%v); this test no longer shows anything", err)
	}
	// The same failure as a collector sees it: an API call whose credentials
	// cannot be retrieved.
	client := sts.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: aws.NewCredentialsCache(provider)})
	_, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err == nil {
		t.Fatal("the call succeeded")
	}
	ce := collectors.CallError("sts:GetCallerIdentity", err)
	if strings.Contains(ce.Message, secretKey) || strings.Contains(ce.Message, "AKIAEXAMPLEKEY") {
		t.Fatalf("the evidence's error message holds the credentials: %q", ce.Message)
	}
	if !strings.Contains(ce.Message, "credential_process") {
		t.Errorf("message %q does not say the credential process failed", ce.Message)
	}
	if got := collectors.ScrubCredentialError(err).Error(); strings.Contains(got, secretKey) || !strings.Contains(got, "credential_process") {
		t.Errorf("ScrubCredentialError = %q", got)
	}
}

// TestRunnerLogKeepsCredentialProcessOutputOut runs a collector that fails
// as a whole with the SDK's error for a broken credential_process: neither
// its evidence nor the operator's log may hold the secret.
func TestRunnerLogKeepsCredentialProcessOutputOut(t *testing.T) {
	_, sdkErr := processcreds.NewProvider(credentialProcess(t)).Retrieve(context.Background())
	if sdkErr == nil {
		t.Fatal("the credential process succeeded")
	}
	reg := collectors.NewRegistry()
	register(reg, "broken", collectors.PerAccount, func(context.Context, *collectors.Request) (*collectors.Response, error) {
		return nil, fmt.Errorf("list things: %w", sdkErr)
	})
	r := newRunner(t, reg)
	var logs bytes.Buffer
	r.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	res, err := r.Run(context.Background(), plan([]string{"broken"}, account("111111111111")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), secretKey) || !strings.Contains(logs.String(), "collector failed") {
		t.Errorf("log:\n%s", logs.String())
	}
	for _, e := range res.Manifest.Snapshots {
		data, _, err := r.Locker.ReadSnapshot(e.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), secretKey) {
			t.Errorf("snapshot %s holds the secret", e.Kind)
		}
	}
}
