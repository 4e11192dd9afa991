package plugins_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/plugins"
)

// FuzzDecodeRecord signs arbitrary bytes with the fuzz key and decodes them
// as a plugin record, so the parser behind the signature check is reached:
// a record from a corrupted locker or a hostile bundle must give ErrRecord,
// never a panic, and what it accepts must be bound to the digest and key.
func FuzzDecodeRecord(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	digest := plugins.FakeDigest
	keyID := evidence.KeyID(&key.PublicKey)
	f.Add([]byte(`{"schema":"hipaa-evidence/plugin-record/v1","plugin":"p","version":"1","sha256":"` + digest + `","protocol_version":1,"sdk_version":"v1","key_id":"` + keyID + `","collectors":[],"citations":[],"checks":[]}`))
	f.Add([]byte(`{"schema":"hipaa-evidence/plugin-record/v1","checks":[{"name":"a.yaml","sha256":"00","content":"id: x"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sum := sha256.Sum256(data)
		sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		r, err := plugins.DecodeRecord(data, sig, &key.PublicKey, digest)
		if err != nil {
			if !errors.Is(err, plugins.ErrRecord) {
				t.Fatalf("error %v is not ErrRecord", err)
			}
			return
		}
		if r.SHA256 != digest || r.KeyID != keyID || r.Schema != plugins.RecordSchema {
			t.Fatalf("accepted a record bound elsewhere: %+v", r)
		}
		for _, c := range r.Checks {
			if evidence.Digest([]byte(c.Content)) != c.SHA256 {
				t.Fatalf("accepted check %s whose content does not hash to its digest", c.Name)
			}
		}
	})
}
