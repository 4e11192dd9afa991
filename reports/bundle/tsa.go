package bundle

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"time"
)

// RFC 3161 (Time-Stamp Protocol) and RFC 5652 (CMS) object identifiers.
var (
	oidSHA1          = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidTSTInfo       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningCert   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidSigningCertV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
)

// timestampTimeout bounds one request to a time-stamping authority: a TSA
// that hangs must not stall packaging indefinitely.
const timestampTimeout = 30 * time.Second

// TimestampClient asks an RFC 3161 time-stamping authority to timestamp a
// SHA-256 digest.
type TimestampClient struct {
	// URL is the TSA's HTTP(S) endpoint.
	URL string
	// HTTPClient sends the request; nil means a client with timestampTimeout.
	HTTPClient *http.Client
}

// Timestamp sends a TimeStampReq for the SHA-256 digest (with a random nonce
// and certReq set), checks the response — status granted, the imprint and
// nonce echoed, the token signed by a time-stamping certificate it carries —
// and returns the DER TimeStampResp.
func (c *TimestampClient) Timestamp(ctx context.Context, digest []byte) ([]byte, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("timestamp: %q is not an http(s) URL", c.URL)
	}
	req, nonce, err := timestampRequest(digest)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("timestamp: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/timestamp-query")
	hreq.Header.Set("Accept", "application/timestamp-reply")
	client := c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: timestampTimeout}
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, fmt.Errorf("timestamp from %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTimestampSize+1))
	if err != nil {
		return nil, fmt.Errorf("timestamp from %s: %w", u.Host, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("timestamp from %s: HTTP %s", u.Host, resp.Status)
	}
	if len(body) > maxTimestampSize {
		return nil, fmt.Errorf("timestamp from %s: response over %d bytes: %w", u.Host, maxTimestampSize, ErrTooLarge)
	}
	info, err := VerifyTimestamp(body, digest, nil)
	if err != nil {
		return nil, fmt.Errorf("timestamp from %s: %w", u.Host, err)
	}
	if info.nonce == nil || info.nonce.Cmp(nonce) != 0 {
		return nil, fmt.Errorf("timestamp from %s: %w: the response does not echo the request's nonce", u.Host, ErrTimestamp)
	}
	return body, nil
}

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type timeStampReq struct {
	Version        int
	MessageImprint messageImprint
	Nonce          *big.Int `asn1:"optional"`
	CertReq        bool     `asn1:"optional"`
}

// timestampRequest returns a DER TimeStampReq for a SHA-256 digest and its nonce.
func timestampRequest(digest []byte) ([]byte, *big.Int, error) {
	if len(digest) != sha256.Size {
		return nil, nil, fmt.Errorf("timestamp: digest is %d bytes, want %d", len(digest), sha256.Size)
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, nil, fmt.Errorf("timestamp nonce: %w", err)
	}
	der, err := asn1.Marshal(timeStampReq{
		Version: 1,
		MessageImprint: messageImprint{
			HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue},
			HashedMessage: digest,
		},
		Nonce:   nonce,
		CertReq: true,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("encode timestamp request: %w", err)
	}
	return der, nonce, nil
}

type accuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time     `asn1:"generalized"`
	Accuracy       accuracy      `asn1:"optional"`
	Ordering       bool          `asn1:"optional"`
	Nonce          *big.Int      `asn1:"optional"`
	TSA            asn1.RawValue `asn1:"optional,explicit,tag:0"`
	Extensions     asn1.RawValue `asn1:"optional,tag:1"`
}

// TimestampInfo describes a verified RFC 3161 timestamp.
type TimestampInfo struct {
	// Time is the TSA's genTime: when it saw the digest.
	Time time.Time `json:"time"`
	// Serial is the token's serial number, in decimal.
	Serial string `json:"serial"`
	// Policy is the TSA policy OID.
	Policy string `json:"policy"`
	// Authority is the subject of the TSA's certificate.
	Authority string `json:"authority"`
	// Anchored is true when the TSA certificate chains to a root the caller
	// trusts; false means only the token's own certificate was checked.
	Anchored bool `json:"anchored"`

	nonce *big.Int
}

// VerifyTimestamp checks a DER TimeStampResp over the SHA-256 digest: the
// status is granted, the token is CMS SignedData of a TSTInfo whose imprint
// is digest, the signed attributes carry the TSTInfo's digest and the signing
// certificate's hash, and the signature verifies with a certificate in the
// token that is valid at genTime and has the critical timeStamping extended
// key usage. With roots, that certificate must also chain to one of them.
func VerifyTimestamp(resp, digest []byte, roots *x509.CertPool) (*TimestampInfo, error) {
	info, err := verifyTimestamp(resp, digest, roots)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTimestamp, err)
	}
	return info, nil
}

func verifyTimestamp(resp, digest []byte, roots *x509.CertPool) (*TimestampInfo, error) {
	if len(resp) > maxTimestampSize {
		return nil, fmt.Errorf("%d bytes, over the %d byte limit", len(resp), maxTimestampSize)
	}
	top, err := sequence(resp, "TimeStampResp")
	if err != nil {
		return nil, err
	}
	if len(top) < 1 || len(top) > 2 {
		return nil, errors.New("TimeStampResp: want status and token")
	}
	status, err := sequence(top[0].FullBytes, "PKIStatusInfo")
	if err != nil || len(status) == 0 {
		return nil, errors.New("TimeStampResp: malformed PKIStatusInfo")
	}
	var code int
	if rest, err := asn1.Unmarshal(status[0].FullBytes, &code); err != nil || len(rest) > 0 {
		return nil, errors.New("TimeStampResp: malformed status")
	}
	if code != 0 && code != 1 { // granted, grantedWithMods
		return nil, fmt.Errorf("the TSA refused the request (PKIStatus %d)", code)
	}
	if len(top) != 2 {
		return nil, errors.New("the response holds no timeStampToken")
	}

	// ContentInfo { contentType, [0] EXPLICIT SignedData }
	ci, err := sequence(top[1].FullBytes, "ContentInfo")
	if err != nil || len(ci) != 2 {
		return nil, errors.New("timeStampToken: malformed ContentInfo")
	}
	var ctype asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(ci[0].FullBytes, &ctype); err != nil || !ctype.Equal(oidSignedData) {
		return nil, errors.New("timeStampToken is not CMS SignedData")
	}
	if ci[1].Class != asn1.ClassContextSpecific || ci[1].Tag != 0 || !ci[1].IsCompound {
		return nil, errors.New("timeStampToken: content is not [0] EXPLICIT")
	}
	sd, err := sequence(ci[1].Bytes, "SignedData")
	if err != nil {
		return nil, err
	}
	// SignedData { version, digestAlgorithms SET, encapContentInfo,
	//              [0] IMPLICIT certificates OPTIONAL, [1] IMPLICIT crls OPTIONAL,
	//              signerInfos SET }
	if len(sd) < 4 {
		return nil, errors.New("SignedData: too few fields")
	}
	eci, err := sequence(sd[2].FullBytes, "EncapsulatedContentInfo")
	if err != nil || len(eci) != 2 {
		return nil, errors.New("SignedData: malformed encapContentInfo")
	}
	var etype asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(eci[0].FullBytes, &etype); err != nil || !etype.Equal(oidTSTInfo) {
		return nil, errors.New("SignedData does not encapsulate a TSTInfo")
	}
	if eci[1].Class != asn1.ClassContextSpecific || eci[1].Tag != 0 {
		return nil, errors.New("encapContentInfo: eContent is not [0] EXPLICIT")
	}
	var tstDER []byte
	if rest, err := asn1.Unmarshal(eci[1].Bytes, &tstDER); err != nil || len(rest) > 0 {
		return nil, errors.New("encapContentInfo: eContent is not a DER OCTET STRING")
	}
	var tst tstInfo
	if rest, err := asn1.Unmarshal(tstDER, &tst); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("malformed TSTInfo: %v", err)
	}
	if tst.Version != 1 {
		return nil, fmt.Errorf("TSTInfo version %d, want 1", tst.Version)
	}
	if !tst.MessageImprint.HashAlgorithm.Algorithm.Equal(oidSHA256) {
		return nil, fmt.Errorf("TSTInfo imprint uses hash %v, want SHA-256", tst.MessageImprint.HashAlgorithm.Algorithm)
	}
	if !bytes.Equal(tst.MessageImprint.HashedMessage, digest) {
		return nil, fmt.Errorf("the timestamp is over a different digest (%x), not SHA256SUMS.sig's (%x)", tst.MessageImprint.HashedMessage, digest)
	}

	var certs []*x509.Certificate
	i := 3
	if sd[i].Class == asn1.ClassContextSpecific && sd[i].Tag == 0 {
		certs, err = x509.ParseCertificates(sd[i].Bytes)
		if err != nil {
			return nil, fmt.Errorf("SignedData certificates: %v", err)
		}
		i++
	}
	if i < len(sd) && sd[i].Class == asn1.ClassContextSpecific && sd[i].Tag == 1 {
		i++
	}
	if i != len(sd)-1 {
		return nil, errors.New("SignedData: unexpected fields")
	}
	signers, err := children(sd[i], asn1.TagSet, "signerInfos")
	if err != nil {
		return nil, err
	}
	if len(signers) != 1 {
		return nil, fmt.Errorf("SignedData has %d signerInfos, want 1", len(signers))
	}
	cert, err := verifySignerInfo(signers[0].FullBytes, tstDER, certs)
	if err != nil {
		return nil, err
	}
	if tst.GenTime.Before(cert.NotBefore) || tst.GenTime.After(cert.NotAfter) {
		return nil, fmt.Errorf("genTime %s is outside the TSA certificate's validity", tst.GenTime.UTC().Format(time.RFC3339))
	}
	if err := checkTimestampingEKU(cert); err != nil {
		return nil, err
	}
	info := &TimestampInfo{
		Time:      tst.GenTime.UTC(),
		Serial:    tst.SerialNumber.String(),
		Policy:    tst.Policy.String(),
		Authority: cert.Subject.String(),
		nonce:     tst.Nonce,
	}
	if roots != nil {
		inter := x509.NewCertPool()
		for _, c := range certs {
			if c != cert {
				inter.AddCert(c)
			}
		}
		if _, err := cert.Verify(x509.VerifyOptions{
			Roots:         roots,
			Intermediates: inter,
			CurrentTime:   tst.GenTime,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		}); err != nil {
			return nil, fmt.Errorf("TSA certificate %q does not chain to a trusted root: %v", cert.Subject.String(), err)
		}
		info.Anchored = true
	}
	return info, nil
}

// verifySignerInfo checks one CMS SignerInfo over the TSTInfo bytes and
// returns the certificate that signed.
func verifySignerInfo(der, content []byte, certs []*x509.Certificate) (*x509.Certificate, error) {
	si, err := sequence(der, "SignerInfo")
	if err != nil {
		return nil, err
	}
	// SignerInfo { version, sid, digestAlgorithm, [0] IMPLICIT signedAttrs,
	//              signatureAlgorithm, signature OCTET STRING, [1] unsignedAttrs OPTIONAL }
	if len(si) < 6 || len(si) > 7 {
		return nil, errors.New("SignerInfo: unexpected number of fields")
	}
	cert, err := findSigner(si[1], certs)
	if err != nil {
		return nil, err
	}
	var digestAlg pkix.AlgorithmIdentifier
	if _, err := asn1.Unmarshal(si[2].FullBytes, &digestAlg); err != nil {
		return nil, errors.New("SignerInfo: malformed digestAlgorithm")
	}
	hash, err := hashFor(digestAlg.Algorithm)
	if err != nil {
		return nil, err
	}
	attrs := si[3]
	if attrs.Class != asn1.ClassContextSpecific || attrs.Tag != 0 || !attrs.IsCompound {
		return nil, errors.New("SignerInfo has no signed attributes")
	}
	var sig []byte
	if rest, err := asn1.Unmarshal(si[5].FullBytes, &sig); err != nil || len(rest) > 0 {
		return nil, errors.New("SignerInfo: malformed signature")
	}
	if err := checkSignedAttrs(attrs, hash, content, cert); err != nil {
		return nil, err
	}
	// The signature is over the DER of the attributes as a SET OF (tag 0x31),
	// not the [0] IMPLICIT tag they are sent with (RFC 5652 §5.4).
	signed := append([]byte(nil), attrs.FullBytes...)
	signed[0] = 0x31
	var alg x509.SignatureAlgorithm
	switch cert.PublicKey.(type) {
	case *rsa.PublicKey:
		alg = map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA}[hash]
	case *ecdsa.PublicKey:
		alg = map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.ECDSAWithSHA256, crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}[hash]
	default:
		return nil, fmt.Errorf("TSA key type %T is not supported", cert.PublicKey)
	}
	if err := cert.CheckSignature(alg, signed, sig); err != nil {
		return nil, fmt.Errorf("the TSA's signature does not verify: %v", err)
	}
	return cert, nil
}

// checkSignedAttrs checks the content-type, message-digest and ESS
// signing-certificate attributes.
func checkSignedAttrs(attrs asn1.RawValue, hash crypto.Hash, content []byte, cert *x509.Certificate) error {
	list, err := elements(attrs.Bytes)
	if err != nil {
		return fmt.Errorf("signed attributes: %v", err)
	}
	var sawType, sawDigest, sawCert bool
	for _, a := range list {
		var attr struct {
			Type   asn1.ObjectIdentifier
			Values asn1.RawValue `asn1:"set"`
		}
		if rest, err := asn1.Unmarshal(a.FullBytes, &attr); err != nil || len(rest) > 0 {
			return errors.New("signed attributes: malformed attribute")
		}
		vals, err := elements(attr.Values.Bytes)
		if err != nil || len(vals) != 1 {
			return fmt.Errorf("signed attribute %v must have exactly one value", attr.Type)
		}
		v := vals[0].FullBytes
		switch {
		case attr.Type.Equal(oidContentType):
			var oid asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(v, &oid); err != nil || !oid.Equal(oidTSTInfo) {
				return errors.New("signed content-type attribute is not TSTInfo")
			}
			sawType = true
		case attr.Type.Equal(oidMessageDigest):
			var md []byte
			if _, err := asn1.Unmarshal(v, &md); err != nil {
				return errors.New("malformed message-digest attribute")
			}
			h := hash.New()
			h.Write(content)
			if !bytes.Equal(md, h.Sum(nil)) {
				return errors.New("the signed message digest does not match the TSTInfo")
			}
			sawDigest = true
		case attr.Type.Equal(oidSigningCert), attr.Type.Equal(oidSigningCertV2):
			if err := checkESSCert(v, attr.Type.Equal(oidSigningCertV2), cert); err != nil {
				return err
			}
			sawCert = true
		}
	}
	switch {
	case !sawType:
		return errors.New("no signed content-type attribute")
	case !sawDigest:
		return errors.New("no signed message-digest attribute")
	case !sawCert:
		return errors.New("no ESS signing-certificate attribute (RFC 3161 requires one)")
	}
	return nil
}

// checkESSCert checks that the first ESSCertID(v2) of a SigningCertificate(V2)
// attribute hashes the signing certificate.
func checkESSCert(v []byte, v2 bool, cert *x509.Certificate) error {
	sc, err := sequence(v, "SigningCertificate")
	if err != nil || len(sc) == 0 {
		return errors.New("malformed signing-certificate attribute")
	}
	ids, err := elements(sc[0].Bytes)
	if err != nil || len(ids) == 0 {
		return errors.New("signing-certificate attribute lists no certificate")
	}
	id, err := elements(ids[0].Bytes)
	if err != nil || len(id) == 0 {
		return errors.New("malformed ESSCertID")
	}
	var want []byte
	hashField := id[0]
	if !v2 {
		sum := sha1.Sum(cert.Raw)
		want = sum[:]
	} else {
		hash := crypto.SHA256 // the default hashAlgorithm of ESSCertIDv2
		if id[0].Tag == asn1.TagSequence {
			var alg pkix.AlgorithmIdentifier
			if _, err := asn1.Unmarshal(id[0].FullBytes, &alg); err != nil {
				return errors.New("malformed ESSCertIDv2 hashAlgorithm")
			}
			if hash, err = hashFor(alg.Algorithm); err != nil {
				return err
			}
			if len(id) < 2 {
				return errors.New("ESSCertIDv2 has no certHash")
			}
			hashField = id[1]
		}
		h := hash.New()
		h.Write(cert.Raw)
		want = h.Sum(nil)
	}
	var got []byte
	if _, err := asn1.Unmarshal(hashField.FullBytes, &got); err != nil {
		return errors.New("malformed ESS certHash")
	}
	if !bytes.Equal(got, want) {
		return errors.New("the ESS signing-certificate hash does not match the certificate that signed")
	}
	return nil
}

// findSigner returns the certificate named by a SignerIdentifier.
func findSigner(sid asn1.RawValue, certs []*x509.Certificate) (*x509.Certificate, error) {
	switch {
	case sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence:
		parts, err := elements(sid.Bytes)
		if err != nil || len(parts) != 2 {
			return nil, errors.New("SignerInfo: malformed issuerAndSerialNumber")
		}
		var serial *big.Int
		if _, err := asn1.Unmarshal(parts[1].FullBytes, &serial); err != nil {
			return nil, errors.New("SignerInfo: malformed serial number")
		}
		for _, c := range certs {
			if bytes.Equal(c.RawIssuer, parts[0].FullBytes) && c.SerialNumber.Cmp(serial) == 0 {
				return c, nil
			}
		}
	case sid.Class == asn1.ClassContextSpecific && sid.Tag == 0:
		for _, c := range certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, sid.Bytes) {
				return c, nil
			}
		}
	default:
		return nil, errors.New("SignerInfo: unknown signer identifier")
	}
	return nil, errors.New("the token does not carry the TSA's certificate (request it with certReq)")
}

// checkTimestampingEKU requires the critical extended key usage extension
// with id-kp-timeStamping (RFC 3161 §2.3).
func checkTimestampingEKU(cert *x509.Certificate) error {
	oidEKU := asn1.ObjectIdentifier{2, 5, 29, 37}
	for _, e := range cert.Extensions {
		if e.Id.Equal(oidEKU) {
			if !e.Critical {
				return errors.New("the TSA certificate's extended key usage is not critical")
			}
			for _, u := range cert.ExtKeyUsage {
				if u == x509.ExtKeyUsageTimeStamping {
					return nil
				}
			}
		}
	}
	return errors.New("the TSA certificate lacks the timeStamping extended key usage")
}

func hashFor(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, nil
	case oid.Equal(oidSHA384):
		return crypto.SHA384, nil
	case oid.Equal(oidSHA512):
		return crypto.SHA512, nil
	case oid.Equal(oidSHA1):
		return 0, errors.New("the TSA signs with SHA-1, which is not accepted")
	}
	return 0, fmt.Errorf("unsupported digest algorithm %v", oid)
}

// sequence parses der as one DER SEQUENCE and returns its elements.
func sequence(der []byte, what string) ([]asn1.RawValue, error) {
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(der, &raw)
	if err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%s is not one DER value", what)
	}
	return children(raw, asn1.TagSequence, what)
}

// children returns the elements of a universal constructed value with tag.
func children(raw asn1.RawValue, tag int, what string) ([]asn1.RawValue, error) {
	if raw.Class != asn1.ClassUniversal || raw.Tag != tag || !raw.IsCompound {
		return nil, fmt.Errorf("%s has the wrong ASN.1 type", what)
	}
	list, err := elements(raw.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", what, err)
	}
	return list, nil
}

// elements splits concatenated DER values.
func elements(b []byte) ([]asn1.RawValue, error) {
	var out []asn1.RawValue
	for len(b) > 0 {
		var v asn1.RawValue
		rest, err := asn1.Unmarshal(b, &v)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		b = rest
	}
	return out, nil
}
