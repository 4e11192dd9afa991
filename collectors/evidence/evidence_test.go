package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/sivchari/kumo"
)

func sampleSnapshot() *Snapshot {
	return &Snapshot{
		Schema:      SchemaV1,
		Kind:        "aws.iam.password_policy",
		Collector:   CollectorInfo{Name: "iam", Version: "1.0.0"},
		Source:      Source{Partition: "aws", AccountID: "123456789012", Region: GlobalRegion},
		Period:      "2026-Q4",
		CollectedAt: time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC),
		Status:      StatusOK,
		APICalls:    []string{"iam:GetAccountPasswordPolicy"},
		Payload:     json.RawMessage(`{"present":true,"minimum_length":14}`),
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	s := sampleSnapshot()
	b, err := s.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeSnapshot(b)
	if err != nil {
		t.Fatal(err)
	}
	again, err := got.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(b) {
		t.Fatalf("re-encoding changed the bytes:\n%s\n%s", b, again)
	}
	if !strings.Contains(string(b), `"errors": []`) {
		t.Errorf("errors must encode as an empty list, got %s", b)
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Snapshot)
	}{
		{"wrong schema", func(s *Snapshot) { s.Schema = "other/v1" }},
		{"bad kind", func(s *Snapshot) { s.Kind = "IAM" }},
		{"no collector", func(s *Snapshot) { s.Collector.Name = "" }},
		{"bad period", func(s *Snapshot) { s.Period = "Q4" }},
		{"bad status", func(s *Snapshot) { s.Status = "pass" }},
		{"bad account", func(s *Snapshot) { s.Source.AccountID = "12" }},
		{"no region", func(s *Snapshot) { s.Source.Region = "" }},
		{"no time", func(s *Snapshot) { s.CollectedAt = time.Time{} }},
		{"ok with errors", func(s *Snapshot) { s.Errors = []CallError{{Action: "iam:X", Code: "AccessDenied"}} }},
		{"error without errors", func(s *Snapshot) { s.Status = StatusError }},
		{"error lacks action", func(s *Snapshot) {
			s.Status = StatusPartial
			s.Errors = []CallError{{Code: "AccessDenied"}}
		}},
		{"payload not JSON", func(s *Snapshot) { s.Payload = json.RawMessage(`{`) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sampleSnapshot()
			tt.mutate(s)
			if _, err := s.Encode(); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Encode error = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestDecodeRejectsUnknownFieldsAndTrailingData(t *testing.T) {
	b, err := sampleSnapshot().Encode()
	if err != nil {
		t.Fatal(err)
	}
	extra := strings.Replace(string(b), `"schema"`, `"sneaky": 1, "schema"`, 1)
	if _, err := DecodeSnapshot([]byte(extra)); !errors.Is(err, ErrMalformed) {
		t.Errorf("unknown field: error = %v", err)
	}
	// json.Decoder.More reports false before a closing bracket, so each of
	// these must be caught as trailing data too.
	for _, trailing := range []string{"{}", "}", "]", " ]\n", "x"} {
		if _, err := DecodeSnapshot(append(bytes.Clone(b), trailing...)); !errors.Is(err, ErrMalformed) {
			t.Errorf("trailing %q: error = %v", trailing, err)
		}
	}
}

func TestLocalKeyLifecycle(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "signing.pem")
	s, err := GenerateKeyFile(path, false)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %o, want 600", info.Mode().Perm())
	}
	if _, err := GenerateKeyFile(path, false); !errors.Is(err, ErrKeyExists) {
		t.Errorf("second init: error = %v, want ErrKeyExists", err)
	}
	loaded, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if KeyID(loaded.PublicKey()) != KeyID(s.PublicKey()) {
		t.Error("loaded key differs from generated key")
	}
	pubPEM, err := os.ReadFile(PublicKeyPath(path))
	if err != nil {
		t.Fatal(err)
	}
	pub, demo, err := ParsePublicKeyPEM(pubPEM)
	if err != nil || demo {
		t.Fatalf("parse public key: %v demo=%v", err, demo)
	}
	if KeyID(pub) != KeyID(s.PublicKey()) {
		t.Error("public key file does not match the private key")
	}
	for _, mode := range []os.FileMode{0o640, 0o604, 0o644} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKeyFile(path); !errors.Is(err, ErrKeyPermissions) {
			t.Errorf("mode %o: error = %v, want ErrKeyPermissions", mode, err)
		}
	}
}

func TestDemoKeyIsLabelled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.pem")
	s, err := GenerateKeyFile(path, true)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Demo() {
		t.Error("generated demo signer does not say it is a demo key")
	}
	loaded, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !loaded.Demo() || !strings.Contains(loaded.String(), "DEMO") {
		t.Errorf("loaded demo key: Demo()=%v String()=%q", loaded.Demo(), loaded.String())
	}
	pubPEM, err := os.ReadFile(PublicKeyPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if _, demo, err := ParsePublicKeyPEM(pubPEM); err != nil || !demo {
		t.Errorf("demo public key: demo=%v err=%v", demo, err)
	}
}

func TestSignVerifyAndTamper(t *testing.T) {
	s, err := GenerateKeyFile(filepath.Join(t.TempDir(), "k.pem"), false)
	if err != nil {
		t.Fatal(err)
	}
	data, err := sampleSnapshot().Encode()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.Sign(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(s.PublicKey(), data, sig); err != nil {
		t.Fatalf("verify: %v", err)
	}
	tampered := append([]byte(nil), data...)
	tampered[len(tampered)/2] ^= 1
	if err := Verify(s.PublicKey(), tampered, sig); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tampered data: error = %v, want ErrBadSignature", err)
	}
	other, err := GenerateKeyFile(filepath.Join(t.TempDir(), "o.pem"), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(other.PublicKey(), data, sig); !errors.Is(err, ErrBadSignature) {
		t.Errorf("other key: error = %v, want ErrBadSignature", err)
	}
}

// opensslVerify runs `openssl dgst -sha256 -verify` the way an auditor would.
func opensslVerify(t *testing.T, pubPath string, data, sig []byte) error {
	t.Helper()
	dir := t.TempDir()
	f, s := filepath.Join(dir, "X.json"), filepath.Join(dir, "X.json.sig")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s, sig, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("openssl", "dgst", "-sha256", "-verify", pubPath, "-signature", s, f).CombinedOutput()
	if err != nil {
		return errors.New(strings.TrimSpace(string(out)))
	}
	return nil
}

func needOpenSSL(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
}

func TestOpenSSLVerifiesLocalSignature(t *testing.T) {
	needOpenSSL(t)
	for _, demo := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "k.pem")
		s, err := GenerateKeyFile(path, demo)
		if err != nil {
			t.Fatal(err)
		}
		data, err := sampleSnapshot().Encode()
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign(context.Background(), data)
		if err != nil {
			t.Fatal(err)
		}
		if err := opensslVerify(t, PublicKeyPath(path), data, sig); err != nil {
			t.Fatalf("demo=%v: openssl rejects the signature: %v", demo, err)
		}
		data[10] ^= 1
		if err := opensslVerify(t, PublicKeyPath(path), data, sig); err == nil {
			t.Fatalf("demo=%v: openssl accepts a tampered snapshot", demo)
		}
		// The key id matches what an auditor computes with openssl and sha256.
		der, err := exec.Command("openssl", "pkey", "-pubin", "-in", PublicKeyPath(path), "-outform", "DER").Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := Digest(der); got != KeyID(s.PublicKey()) {
			t.Errorf("KeyID %s, openssl fingerprint %s", KeyID(s.PublicKey()), got)
		}
	}
}

// TestKMSSigner signs through the real SDK against the kumo KMS emulator.
func TestKMSSigner(t *testing.T) {
	srv := kumo.NewServer()
	defer srv.Close()
	client := kms.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}, func(o *kms.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	ctx := context.Background()
	created, err := client.CreateKey(ctx, &kms.CreateKeyInput{
		KeySpec:  types.KeySpecEccNistP256,
		KeyUsage: types.KeyUsageTypeSignVerify,
	})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := NewKMSSigner(ctx, client, *created.KeyMetadata.KeyId)
	if err != nil {
		t.Fatal(err)
	}
	data, err := sampleSnapshot().Encode()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.Sign(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(signer.PublicKey(), data, sig); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("openssl"); err == nil {
		pem, err := MarshalPublicKeyPEM(signer.PublicKey(), false)
		if err != nil {
			t.Fatal(err)
		}
		pubPath := filepath.Join(t.TempDir(), "kms.pub")
		if err := os.WriteFile(pubPath, pem, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := opensslVerify(t, pubPath, data, sig); err != nil {
			t.Fatalf("openssl rejects the KMS signature: %v", err)
		}
	}

	sym, err := client.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewKMSSigner(ctx, client, *sym.KeyMetadata.KeyId); err == nil {
		t.Error("a symmetric KMS key was accepted as a signing key")
	}
}

func FuzzDecodeSnapshot(f *testing.F) {
	b, err := sampleSnapshot().Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"schema":"hipaa-evidence/snapshot/v1"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSnapshot(data)
		if err != nil {
			return
		}
		// Anything accepted must re-encode and decode to the same thing.
		out, err := s.Encode()
		if err != nil {
			t.Fatalf("accepted snapshot does not re-encode: %v", err)
		}
		if _, err := DecodeSnapshot(out); err != nil {
			t.Fatalf("re-encoded snapshot is rejected: %v", err)
		}
	})
}

func TestEncodeJSON(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"indented with a final newline", map[string]any{"b": 1, "a": []int{2}}, "{\n  \"a\": [\n    2\n  ],\n  \"b\": 1\n}\n"},
		{"no HTML escaping", struct {
			S string `json:"s"`
		}{"<a & b>"}, "{\n  \"s\": \"<a & b>\"\n}\n"},
		{"scalar", "x", "\"x\"\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := EncodeJSON(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("EncodeJSON = %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := EncodeJSON(func() {}); err == nil {
		t.Error("EncodeJSON of a func succeeded")
	}
}
