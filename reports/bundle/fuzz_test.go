package bundle

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed corpus in testdata/fuzz")

// seedBundle is the valid bundle in the fuzz corpus.
var seedBundle = filepath.Join("testdata", "fuzz", "FuzzVerify", "valid-bundle")

// TestUpdateFuzzSeeds rewrites the seed corpus with -update: a valid bundle
// and SHA256SUMS files that exercise the parser.
func TestUpdateFuzzSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/fuzz")
	}
	f := newFixture(t, true)
	m := entryMap(unzipAll(t, f.zip))
	seeds := map[string][]byte{
		seedBundle: f.zip,
		filepath.Join("testdata", "fuzz", "FuzzParseSums", "valid"):         m[SumsFile],
		filepath.Join("testdata", "fuzz", "FuzzParseSums", "binary-mode"):   bytes.Replace(m[SumsFile], []byte("  "), []byte(" *"), 1),
		filepath.Join("testdata", "fuzz", "FuzzParseSums", "traversal"):     []byte(evidence.Digest(nil) + "  ../etc/passwd\n"),
		filepath.Join("testdata", "fuzz", "FuzzParseSums", "no-newline"):    []byte(evidence.Digest(nil) + "  a"),
		filepath.Join("testdata", "fuzz", "FuzzParseSums", "crlf"):          []byte(evidence.Digest(nil) + "  a\r\n"),
		filepath.Join("testdata", "fuzz", "FuzzParseSums", "escaped-name"):  []byte("\\" + evidence.Digest(nil) + "  a\\nb\n"),
		filepath.Join("testdata", "fuzz", "FuzzParseSums", "unsorted-dupe"): []byte(evidence.Digest(nil) + "  b\n" + evidence.Digest(nil) + "  a\n" + evidence.Digest(nil) + "  a\n"),
	}
	for p, b := range seeds {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzParseSums checks that the SHA256SUMS parser never panics and that
// whatever it accepts is canonical: formatting the result gives the input.
func FuzzParseSums(f *testing.F) {
	f.Add([]byte(evidence.Digest(nil) + "  a/b.json\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sums, err := ParseSums(b)
		if err != nil {
			if !errors.Is(err, ErrSumsFormat) {
				t.Fatalf("error %v is not ErrSumsFormat", err)
			}
			return
		}
		if got := FormatSums(sums); !bytes.Equal(got, b) {
			t.Fatalf("accepted input is not canonical:\n%q\n%q", b, got)
		}
		for _, s := range sums {
			if checkPath(s.Path) != nil {
				t.Fatalf("accepted unsafe path %q", s.Path)
			}
		}
	})
}

// FuzzVerify feeds mutated zips to the verifier. It must never panic, must
// fail with an *Error, and may accept only bundles sealed by the seed
// bundle's key (forging another requires its private key).
func FuzzVerify(f *testing.F) {
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	seed, err := seedFromCorpus(seedBundle)
	if err != nil {
		f.Fatalf("read seed bundle (regenerate with go test -run TestUpdateFuzzSeeds -update): %v", err)
	}
	keyID := ""
	if rep, err := verifyBytes(seed, Options{}); err == nil {
		keyID = rep.KeyID
	} else {
		f.Fatalf("the seed bundle does not verify: %v", err)
	}
	limits := Limits{MaxArchiveSize: 4 << 20, MaxEntries: 200, MaxEntrySize: 1 << 20, MaxTotalSize: 4 << 20}
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := Verify(context.Background(), bytes.NewReader(b), int64(len(b)), Options{Limits: limits, Workers: 1})
		if err != nil {
			var ve *Error
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		if rep.KeyID != keyID {
			t.Fatalf("accepted a bundle sealed by key %s", rep.KeyID)
		}
	})
}

// seedFromCorpus reads a []byte value from a fuzz corpus file.
func seedFromCorpus(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	prefix := []byte("go test fuzz v1\n[]byte(")
	if !bytes.HasPrefix(b, prefix) {
		return nil, fmt.Errorf("%s is not a fuzz corpus file", path)
	}
	var s string
	if _, err := fmt.Sscanf(string(bytes.TrimSuffix(bytes.TrimPrefix(b, prefix), []byte(")\n"))), "%q", &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return []byte(s), nil
}
