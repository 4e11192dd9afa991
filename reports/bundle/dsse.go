package bundle

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// DSSE and in-toto identifiers.
const (
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
	// StatementType is the in-toto Statement v1 type.
	StatementType = "https://in-toto.io/Statement/v1"
	// PredicateType names this bundle's predicate; docs/formats.md describes it.
	PredicateType = "https://github.com/hipaa-evidence/hipaa-evidence/blob/main/docs/formats.md#auditor-bundle-v1"
)

// Envelope is a DSSE envelope (https://github.com/secure-systems-lab/dsse).
type Envelope struct {
	// PayloadType says how to interpret Payload; always PayloadType here.
	PayloadType string `json:"payloadType"`
	// Payload is the base64 (standard, padded) encoding of the statement.
	Payload string `json:"payload"`
	// Signatures are DER ECDSA signatures over the PAE of type and payload.
	Signatures []EnvelopeSignature `json:"signatures"`
}

// EnvelopeSignature is one signature of an Envelope.
type EnvelopeSignature struct {
	// KeyID is the bundle key id (hex SHA-256 of the DER public key).
	KeyID string `json:"keyid"`
	// Sig is the base64 of the DER ECDSA P-256/SHA-256 signature over the PAE.
	Sig string `json:"sig"`
}

// Statement is an in-toto Statement v1.
type Statement struct {
	// Type is StatementType.
	Type string `json:"_type"`
	// Subject lists every file of the bundle the statement covers.
	Subject []Subject `json:"subject"`
	// PredicateType is PredicateType.
	PredicateType string `json:"predicateType"`
	// Predicate describes the bundle.
	Predicate Predicate `json:"predicate"`
}

// Subject is one file in a Statement.
type Subject struct {
	// Name is the file's path in the bundle.
	Name string `json:"name"`
	// Digest maps "sha256" to the file's lower-case hex SHA-256.
	Digest map[string]string `json:"digest"`
}

// Predicate is the bundle predicate: what the statement says about the files.
type Predicate struct {
	// BundleID is the bundle's unique id.
	BundleID string `json:"bundle_id"`
	// Organization is the organization the evidence belongs to.
	Organization string `json:"organization"`
	// Period is the audit period.
	Period string `json:"period"`
	// CreatedAt is when the bundle was written, in UTC.
	CreatedAt time.Time `json:"created_at"`
	// ToolVersion is the version of hipaa-evidence that wrote it.
	ToolVersion string `json:"tool_version"`
	// KeyID is the signing key id.
	KeyID string `json:"key_id"`
	// DemoKey is true when the key is a throwaway demo key.
	DemoKey bool `json:"demo_key"`
	// Manifest names manifest.json and its digest.
	Manifest Subject `json:"manifest"`
}

// PAE returns the DSSE pre-authentication encoding of payloadType and
// payload: "DSSEv1 <len(type)> <type> <len(payload)> <payload>".
func PAE(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.Grow(32 + len(payloadType) + len(payload))
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return b.Bytes()
}

// signEnvelope encodes st and signs it into a DSSE envelope.
func signEnvelope(ctx context.Context, st *Statement, signer evidence.Signer) ([]byte, error) {
	payload, err := evidence.EncodeJSON(st)
	if err != nil {
		return nil, fmt.Errorf("encode statement: %w", err)
	}
	sig, err := signer.Sign(ctx, PAE(PayloadType, payload))
	if err != nil {
		return nil, fmt.Errorf("sign attestation: %w", err)
	}
	env := Envelope{
		PayloadType: PayloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures:  []EnvelopeSignature{{KeyID: evidence.KeyID(signer.PublicKey()), Sig: base64.StdEncoding.EncodeToString(sig)}},
	}
	return evidence.EncodeJSON(&env)
}

// openEnvelope parses a DSSE envelope strictly, checks that a signature by
// pub verifies over the PAE, and returns the decoded statement.
func openEnvelope(b []byte, pub *ecdsa.PublicKey) (*Statement, error) {
	if len(b) > maxAttestationSize {
		return nil, fmt.Errorf("%w: %d bytes, over the %d byte limit", ErrTooLarge, len(b), maxAttestationSize)
	}
	var env Envelope
	if err := decodeStrict(b, &env); err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	if env.PayloadType != PayloadType {
		return nil, fmt.Errorf("payloadType %q, want %q", env.PayloadType, PayloadType)
	}
	payload, err := base64.StdEncoding.Strict().DecodeString(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("payload is not base64: %w", err)
	}
	switch n := len(env.Signatures); {
	case n == 0:
		return nil, fmt.Errorf("envelope has no signatures")
	case n > maxDSSESignatures:
		return nil, fmt.Errorf("envelope has %d signatures, over the limit of %d", n, maxDSSESignatures)
	}
	keyID := evidence.KeyID(pub)
	digest := sha256.Sum256(PAE(env.PayloadType, payload))
	verified := false
	for _, s := range env.Signatures {
		if s.KeyID != "" && s.KeyID != keyID {
			continue
		}
		sig, err := base64.StdEncoding.Strict().DecodeString(s.Sig)
		if err != nil || len(sig) > maxSignatureSize {
			continue
		}
		if ecdsa.VerifyASN1(pub, digest[:], sig) {
			verified = true
			break
		}
	}
	if !verified {
		return nil, fmt.Errorf("no signature verifies with the bundle key %s over the DSSE PAE", keyID)
	}
	var st Statement
	if err := decodeStrict(payload, &st); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	if st.Type != StatementType {
		return nil, fmt.Errorf("statement _type %q, want %q", st.Type, StatementType)
	}
	if st.PredicateType != PredicateType {
		return nil, fmt.Errorf("predicateType %q, want %q", st.PredicateType, PredicateType)
	}
	return &st, nil
}

// decodeStrict decodes one JSON value into v, rejecting unknown fields and
// trailing data.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}
