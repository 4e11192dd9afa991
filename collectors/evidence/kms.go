package evidence

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

// KMSAPI is the part of the AWS KMS client that KMSSigner uses.
type KMSAPI interface {
	// GetPublicKey returns the public half of an asymmetric KMS key.
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
	// Sign signs a message or digest with an asymmetric KMS key.
	Sign(ctx context.Context, in *kms.SignInput, optFns ...func(*kms.Options)) (*kms.SignOutput, error)
}

// KMSSigner signs with an AWS KMS key of spec ECC_NIST_P256 and usage
// SIGN_VERIFY. It sends only the SHA-256 digest (MessageType DIGEST) and KMS
// returns a DER signature, the same format a LocalSigner writes.
type KMSSigner struct {
	client KMSAPI
	keyID  string
	pub    *ecdsa.PublicKey
}

// NewKMSSigner fetches the public key of keyID (an id, ARN or alias) and checks
// that it can sign with ECDSA_SHA_256.
func NewKMSSigner(ctx context.Context, client KMSAPI, keyID string) (*KMSSigner, error) {
	out, err := client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(keyID)})
	if err != nil {
		return nil, fmt.Errorf("get public key of KMS key %s: %w", keyID, err)
	}
	if out.KeySpec != types.KeySpecEccNistP256 {
		return nil, fmt.Errorf("KMS key %s has spec %s, want ECC_NIST_P256: %w", keyID, out.KeySpec, ErrKeyType)
	}
	if out.KeyUsage != types.KeyUsageTypeSignVerify {
		return nil, fmt.Errorf("KMS key %s has usage %s, want SIGN_VERIFY", keyID, out.KeyUsage)
	}
	k, err := x509.ParsePKIXPublicKey(out.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("parse public key of KMS key %s: %w", keyID, err)
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("KMS key %s: %w", keyID, ErrKeyType)
	}
	id := keyID
	if out.KeyId != nil {
		id = *out.KeyId
	}
	return &KMSSigner{client: client, keyID: id, pub: pub}, nil
}

// Sign implements Signer.
func (s *KMSSigner) Sign(ctx context.Context, data []byte) ([]byte, error) {
	sum := sha256.Sum256(data)
	out, err := s.client.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(s.keyID),
		Message:          sum[:],
		MessageType:      types.MessageTypeDigest,
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return nil, fmt.Errorf("sign with KMS key %s: %w", s.keyID, err)
	}
	// Check before anything is stored: a wrong key or algorithm must not
	// produce evidence that later fails verification.
	if err := Verify(s.pub, data, out.Signature); err != nil {
		return nil, fmt.Errorf("sign with KMS key %s: returned signature: %w", s.keyID, err)
	}
	return out.Signature, nil
}

// PublicKey implements Signer.
func (s *KMSSigner) PublicKey() *ecdsa.PublicKey { return s.pub }

// Demo implements Signer; a KMS key is never a demo key.
func (s *KMSSigner) Demo() bool { return false }

// String implements Signer.
func (s *KMSSigner) String() string { return "AWS KMS key " + s.keyID }
