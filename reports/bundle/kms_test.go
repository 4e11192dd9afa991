package bundle

import (
	"bytes"
	"context"
	"os/exec"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// TestKMSSignedBundle collects, packages and verifies with an AWS KMS key
// (ECC_NIST_P256, SIGN_VERIFY) through the real SDK against the kumo
// emulator's CreateKey, GetPublicKey and Sign.
func TestKMSSignedBundle(t *testing.T) {
	e := collectortest.NewEmulator(t)
	client := kms.NewFromConfig(e.Config())
	ctx := context.Background()
	created, err := client.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := evidence.NewKMSSigner(ctx, client, *created.KeyMetadata.KeyId)
	if err != nil {
		t.Fatal(err)
	}
	lk, runID := newRun(t, signer)
	var buf bytes.Buffer
	res, err := Write(ctx, &buf, &Input{Organization: "Acme", Period: "2026-Q4", CreatedAt: fixedNow, ToolVersion: "test", RunID: runID,
		Signer: signer, Files: fixtureFiles(t, lk, runID, signer)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verifyBytes(buf.Bytes(), Options{Key: signer.PublicKey()})
	if err != nil {
		t.Fatalf("verify a KMS-signed bundle: %v", err)
	}
	if rep.DemoKey || rep.Snapshots != 8 || rep.KeyID != evidence.KeyID(signer.PublicKey()) {
		t.Errorf("report: demo=%v snapshots=%d key=%s", rep.DemoKey, rep.Snapshots, rep.KeyID)
	}
	if e.Recorder.Calls() == 0 {
		t.Error("no KMS call reached the emulator")
	}
	if _, err := exec.LookPath("openssl"); err == nil {
		m := entryMap(unzipAll(t, buf.Bytes()))
		pub := writeTemp(t, "kms.pub", m[KeyFile])
		sums, seal := writeTemp(t, SumsFile, res.Sums), writeTemp(t, SealFile, res.Seal)
		if out, err := exec.Command("openssl", "dgst", "-sha256", "-verify", pub, "-signature", seal, sums).CombinedOutput(); err != nil {
			t.Errorf("openssl rejects the KMS seal: %v: %s", err, out)
		}
	}
}
