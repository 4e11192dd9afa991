package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// rebuild re-creates manifest.json, the attestation and the seal over the
// content files in m, signed by signer, after letting the caller change the
// manifest and statement: what a writer with the key (buggy or hostile) could
// produce. It shows that each later check stands on its own.
func rebuild(t *testing.T, m map[string][]byte, signer evidence.Signer, editManifest func(*Manifest), editStatement func(*Statement)) {
	t.Helper()
	var old Manifest
	if err := decodeStrict(m[ManifestFile], &old); err != nil {
		t.Fatal(err)
	}
	delete(m, ManifestFile)
	delete(m, AttestationFile)
	delete(m, SumsFile)
	delete(m, SealFile)
	old.Files = nil
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		old.Files = append(old.Files, FileEntry{Path: n, SHA256: evidence.Digest(m[n]), Size: int64(len(m[n])), MediaType: MediaType(n)})
	}
	if editManifest != nil {
		editManifest(&old)
	}
	mb, err := evidence.EncodeJSON(&old)
	if err != nil {
		t.Fatal(err)
	}
	m[ManifestFile] = mb
	st := &Statement{Type: StatementType, PredicateType: PredicateType, Predicate: Predicate{
		BundleID: old.BundleID, Organization: old.Organization, Period: old.Period, CreatedAt: old.CreatedAt,
		ToolVersion: old.ToolVersion, KeyID: old.KeyID, DemoKey: old.DemoKey,
		Manifest: Subject{Name: ManifestFile, Digest: map[string]string{"sha256": evidence.Digest(mb)}},
	}}
	names = append(names, ManifestFile)
	sort.Strings(names)
	for _, n := range names {
		st.Subject = append(st.Subject, Subject{Name: n, Digest: map[string]string{"sha256": evidence.Digest(m[n])}})
	}
	if editStatement != nil {
		editStatement(st)
	}
	att, err := signEnvelope(context.Background(), st, signer)
	if err != nil {
		t.Fatal(err)
	}
	m[AttestationFile] = att
	reseal(t, m, signer)
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

// TestTamperMatrix changes a bundle in every way the issue names and checks
// that verification fails with the right error, naming the right file.
func TestTamperMatrix(t *testing.T) {
	f := newFixture(t, false)
	good := entryMap(unzipAll(t, f.zip))
	attacker := newSigner(t, false)
	snap := firstMatch(t, good, "evidence/111111111111/global/", ".json")
	att := firstMatch(t, good, "attachments/", ".txt")
	pdf := firstMatch(t, good, "reports/", ".pdf")
	xlsx := firstMatch(t, good, "reports/", ".xlsx")

	type tc struct {
		name    string
		mutate  func(t *testing.T, m map[string][]byte)
		zip     func(t *testing.T) []byte // instead of mutate, a hand-built zip
		opts    Options
		wantErr error
		wantAt  string // the file the error must name
		wantMsg string
	}
	cases := []tc{}
	// One flipped byte in each kind of file. Listed files fail their digest;
	// the seal files fail the seal; a broken key fails to parse.
	for _, p := range []string{ReadmeFile, ManifestFile, AttestationFile, RunManifestFile, RunManifestFile + ".sig",
		snap, snap + ".sig", att, att + ".sig", ResultsFile, pdf, xlsx, "config/ownership.yaml", "config/exceptions.yaml", "checks/aws.yaml"} {
		cases = append(cases, tc{name: "flip byte in " + p, mutate: func(t *testing.T, m map[string][]byte) { m[p] = flip(m[p], len(m[p])/2) },
			wantErr: ErrDigestMismatch, wantAt: p, wantMsg: "the content hashes to"})
	}
	cases = append(cases,
		tc{name: "flip byte in SHA256SUMS", mutate: func(t *testing.T, m map[string][]byte) { m[SumsFile] = flip(m[SumsFile], 10) },
			wantErr: ErrBadSeal, wantAt: SealFile},
		tc{name: "flip byte in SHA256SUMS.sig", mutate: func(t *testing.T, m map[string][]byte) { m[SealFile] = flip(m[SealFile], len(m[SealFile])-3) },
			wantErr: ErrBadSeal, wantAt: SealFile},
		tc{name: "flip byte in the key", mutate: func(t *testing.T, m map[string][]byte) { m[KeyFile] = flip(m[KeyFile], 6) },
			wantErr: ErrBadSeal, wantAt: KeyFile},
		tc{name: "delete a snapshot", mutate: func(t *testing.T, m map[string][]byte) { delete(m, snap) },
			wantErr: ErrMissingFile, wantAt: snap, wantMsg: "SHA256SUMS lists it"},
		tc{name: "delete the seal", mutate: func(t *testing.T, m map[string][]byte) { delete(m, SealFile) },
			wantErr: ErrMissingFile, wantAt: SealFile},
		tc{name: "delete the key", mutate: func(t *testing.T, m map[string][]byte) { delete(m, KeyFile) },
			wantErr: ErrMissingFile, wantAt: KeyFile},
		tc{name: "add a file", mutate: func(t *testing.T, m map[string][]byte) { m["evidence/extra.json"] = []byte("{}") },
			wantErr: ErrUnlistedFile, wantAt: "evidence/extra.json"},
		tc{name: "add a second timestamp-like file", mutate: func(t *testing.T, m map[string][]byte) { m["SHA256SUMS.asc"] = []byte("x") },
			wantErr: ErrUnlistedFile, wantAt: "SHA256SUMS.asc"},
		tc{name: "swap the public key", mutate: func(t *testing.T, m map[string][]byte) {
			pem, err := evidence.MarshalPublicKeyPEM(attacker.PublicKey(), false)
			if err != nil {
				t.Fatal(err)
			}
			m[KeyFile] = pem
		}, wantErr: ErrBadSeal, wantAt: SealFile},
		tc{name: "a whole bundle by another key, pinned", zip: func(t *testing.T) []byte { return newFixture(t, false).zip },
			opts: Options{Key: f.signer.PublicKey()}, wantErr: ErrKeyMismatch, wantAt: KeyFile},
		tc{name: "seal signed by another key", mutate: func(t *testing.T, m map[string][]byte) { sealWith(t, m, attacker) },
			wantErr: ErrBadSeal, wantAt: SealFile},
		tc{name: "snapshot signature by another key", mutate: func(t *testing.T, m map[string][]byte) {
			sig, err := attacker.Sign(context.Background(), m[snap])
			if err != nil {
				t.Fatal(err)
			}
			m[snap+".sig"] = sig
			reseal(t, m, f.signer)
		}, wantErr: ErrBadSignature, wantAt: snap + ".sig"},
		tc{name: "attachment signature by another key", mutate: func(t *testing.T, m map[string][]byte) {
			sig, err := attacker.Sign(context.Background(), m[att])
			if err != nil {
				t.Fatal(err)
			}
			m[att+".sig"] = sig
			reseal(t, m, f.signer)
		}, wantErr: ErrBadSignature, wantAt: att + ".sig"},
		tc{name: "snapshot signature removed", mutate: func(t *testing.T, m map[string][]byte) {
			delete(m, snap+".sig")
			reseal(t, m, f.signer)
		}, wantErr: ErrBadSignature, wantAt: snap, wantMsg: ".sig is missing"},
		tc{name: "attestation signed by another key", mutate: func(t *testing.T, m map[string][]byte) {
			rebuild(t, m, f.signer, nil, nil)
			var env Envelope
			if err := decodeStrict(m[AttestationFile], &env); err != nil {
				t.Fatal(err)
			}
			payload, err := base64.StdEncoding.DecodeString(env.Payload)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := attacker.Sign(context.Background(), PAE(PayloadType, payload))
			if err != nil {
				t.Fatal(err)
			}
			env.Signatures[0].Sig = base64.StdEncoding.EncodeToString(sig)
			if m[AttestationFile], err = evidence.EncodeJSON(&env); err != nil {
				t.Fatal(err)
			}
			reseal(t, m, f.signer)
		}, wantErr: ErrAttestation, wantAt: AttestationFile, wantMsg: "no signature verifies"},
		tc{name: "SHA256SUMS reordered and resealed", mutate: func(t *testing.T, m map[string][]byte) {
			lines := strings.SplitAfter(string(m[SumsFile]), "\n")
			lines[1], lines[2] = lines[2], lines[1]
			m[SumsFile] = []byte(strings.Join(lines, ""))
			sealWith(t, m, f.signer)
		}, wantErr: ErrSumsFormat, wantAt: SumsFile, wantMsg: "sorted bytewise"},
		tc{name: "SHA256SUMS reordered, not resealed", mutate: func(t *testing.T, m map[string][]byte) {
			lines := strings.SplitAfter(string(m[SumsFile]), "\n")
			lines[1], lines[2] = lines[2], lines[1]
			m[SumsFile] = []byte(strings.Join(lines, ""))
		}, wantErr: ErrBadSeal, wantAt: SealFile},
		tc{name: "SHA256SUMS in binary mode", mutate: func(t *testing.T, m map[string][]byte) {
			m[SumsFile] = bytes.Replace(m[SumsFile], []byte("  "), []byte(" *"), 1)
			sealWith(t, m, f.signer)
		}, wantErr: ErrSumsFormat, wantAt: SumsFile, wantMsg: "exactly two spaces"},
		tc{name: "statement misses a subject", mutate: func(t *testing.T, m map[string][]byte) {
			rebuild(t, m, f.signer, nil, func(st *Statement) { st.Subject = st.Subject[1:] })
		}, wantErr: ErrAttestation, wantAt: AttestationFile, wantMsg: "does not cover"},
		tc{name: "statement has a wrong digest", mutate: func(t *testing.T, m map[string][]byte) {
			rebuild(t, m, f.signer, nil, func(st *Statement) { st.Subject[0].Digest["sha256"] = strings.Repeat("0", 64) })
		}, wantErr: ErrAttestation, wantAt: AttestationFile, wantMsg: "the file hashes to"},
		tc{name: "statement names another manifest", mutate: func(t *testing.T, m map[string][]byte) {
			rebuild(t, m, f.signer, nil, func(st *Statement) { st.Predicate.Manifest.Digest["sha256"] = strings.Repeat("1", 64) })
		}, wantErr: ErrAttestation, wantAt: AttestationFile, wantMsg: "predicate manifest"},
		tc{name: "manifest lists a wrong digest", mutate: func(t *testing.T, m map[string][]byte) {
			rebuild(t, m, f.signer, func(man *Manifest) { man.Files[0].SHA256 = strings.Repeat("2", 64) }, nil)
		}, wantErr: ErrManifest, wantAt: ManifestFile, wantMsg: "sha256"},
		tc{name: "manifest lists a wrong size", mutate: func(t *testing.T, m map[string][]byte) {
			rebuild(t, m, f.signer, func(man *Manifest) { man.Files[2].Size++ }, nil)
		}, wantErr: ErrManifest, wantAt: ManifestFile, wantMsg: "size"},
		tc{name: "manifest omits a file", mutate: func(t *testing.T, m map[string][]byte) {
			rebuild(t, m, f.signer, func(man *Manifest) { man.Files = man.Files[1:] }, nil)
		}, wantErr: ErrManifest, wantAt: ManifestFile},
		tc{name: "manifest names another key", mutate: func(t *testing.T, m map[string][]byte) {
			rebuild(t, m, f.signer, func(man *Manifest) { man.KeyID = evidence.KeyID(attacker.PublicKey()) },
				func(st *Statement) { st.Predicate.KeyID = evidence.KeyID(f.signer.PublicKey()) })
		}, wantErr: ErrManifest, wantAt: ManifestFile, wantMsg: "key_id"},
		tc{name: "manifest hides a demo key", mutate: func(t *testing.T, m map[string][]byte) {
			rebuild(t, m, f.signer, func(man *Manifest) { man.DemoKey = true }, nil)
		}, wantErr: ErrManifest, wantAt: ManifestFile, wantMsg: "demo_key"},
		tc{name: "snapshot dropped from the bundle", mutate: func(t *testing.T, m map[string][]byte) {
			delete(m, snap)
			delete(m, snap+".sig")
			rebuild(t, m, f.signer, nil, nil)
		}, wantErr: ErrRunManifest, wantAt: RunManifestFile, wantMsg: "missing from evidence/"},
		tc{name: "foreign snapshot added", mutate: func(t *testing.T, m map[string][]byte) {
			data := bytes.Replace(m[snap], []byte("alice"), []byte("mallory"), 1)
			sig, err := f.signer.Sign(context.Background(), data)
			if err != nil {
				t.Fatal(err)
			}
			m["evidence/extra/x.json"], m["evidence/extra/x.json.sig"] = data, sig
			rebuild(t, m, f.signer, nil, nil)
		}, wantErr: ErrRunManifest, wantAt: RunManifestFile, wantMsg: "is not a snapshot of run"},
		tc{name: "run manifest removed", mutate: func(t *testing.T, m map[string][]byte) {
			delete(m, RunManifestFile)
			delete(m, RunManifestFile+".sig")
			rebuild(t, m, f.signer, nil, nil)
		}, wantErr: ErrMissingFile, wantAt: RunManifestFile},
	)
	// Archive-level attacks on hand-built zips.
	withEntry := func(e zipEntry) func(t *testing.T) []byte {
		return func(t *testing.T) []byte { return buildZip(t, append(fromMap(good), e)) }
	}
	cases = append(cases,
		tc{name: "../ entry", zip: withEntry(zipEntry{name: "../evil.sh", data: []byte("x")}), wantErr: ErrUnsafePath, wantAt: "../evil.sh", wantMsg: `".." element`},
		tc{name: "nested .. entry", zip: withEntry(zipEntry{name: "evidence/../../evil.sh", data: []byte("x")}), wantErr: ErrUnsafePath, wantAt: "evidence/../../evil.sh"},
		tc{name: "absolute entry", zip: withEntry(zipEntry{name: "/etc/cron.d/evil", data: []byte("x")}), wantErr: ErrUnsafePath, wantAt: "/etc/cron.d/evil", wantMsg: "absolute"},
		tc{name: "drive letter", zip: withEntry(zipEntry{name: "C:/evil", data: []byte("x")}), wantErr: ErrUnsafePath, wantMsg: "colon"},
		tc{name: "backslash", zip: withEntry(zipEntry{name: `..\evil`, data: []byte("x")}), wantErr: ErrUnsafePath, wantMsg: "backslash"},
		tc{name: "control character", zip: withEntry(zipEntry{name: "evil\nname", data: []byte("x")}), wantErr: ErrUnsafePath, wantMsg: "control character"},
		tc{name: "symlink", zip: withEntry(zipEntry{name: "evidence/link.json", data: []byte("../../../etc/passwd"), mode: fs.ModeSymlink | 0o777}),
			wantErr: ErrSymlink, wantAt: "evidence/link.json", wantMsg: "symbolic link"},
		tc{name: "duplicate name", zip: withEntry(zipEntry{name: ResultsFile, data: []byte(`{"results":[]}`)}),
			wantErr: ErrDuplicate, wantAt: ResultsFile, wantMsg: "two entries"},
		tc{name: "duplicate by case", zip: withEntry(zipEntry{name: "README-VERIFY.TXT", data: []byte("x")}),
			wantErr: ErrDuplicate, wantAt: "README-VERIFY.TXT", wantMsg: "case-insensitive"},
		tc{name: "file and directory", zip: withEntry(zipEntry{name: ResultsFile + "/x", data: []byte("x")}),
			wantErr: ErrDuplicate, wantMsg: "both a file and a directory"},
		tc{name: "zip bomb", zip: withEntry(zipEntry{name: "bomb.bin", data: make([]byte, 8<<20), method: zip.Deflate}),
			wantErr: ErrZipBomb, wantAt: "bomb.bin", wantMsg: "ratio"},
		tc{name: "many small bombs", zip: func(t *testing.T) []byte {
			var es []zipEntry
			for i := 0; i < 64; i++ {
				es = append(es, zipEntry{name: fmt.Sprintf("b/%02d.bin", i), data: make([]byte, 1<<20), method: zip.Deflate})
			}
			return buildZip(t, es)
		}, wantErr: ErrZipBomb, wantMsg: "archive inflates"},
		tc{name: "overlapping entries", zip: func(t *testing.T) []byte { return overlappingZip(t) }, wantErr: ErrZipBomb, wantMsg: "overlaps"},
		tc{name: "oversize entry", zip: func(t *testing.T) []byte { return f.zip }, opts: Options{Limits: Limits{MaxEntrySize: 64}},
			wantErr: ErrTooLarge, wantMsg: "entry of"},
		tc{name: "oversize archive", zip: func(t *testing.T) []byte { return f.zip }, opts: Options{Limits: Limits{MaxArchiveSize: 1 << 10}},
			wantErr: ErrTooLarge, wantAt: "", wantMsg: "archive is"},
		tc{name: "oversize total", zip: func(t *testing.T) []byte { return f.zip }, opts: Options{Limits: Limits{MaxTotalSize: 4 << 10}},
			wantErr: ErrTooLarge, wantMsg: "total more than"},
		tc{name: "too many entries", zip: func(t *testing.T) []byte { return f.zip }, opts: Options{Limits: Limits{MaxEntries: 5}},
			wantErr: ErrTooLarge, wantMsg: "entries"},
		tc{name: "not a zip", zip: func(t *testing.T) []byte { return []byte("this is not a zip file at all") },
			wantErr: ErrArchive},
		tc{name: "lying entry size", zip: func(t *testing.T) []byte { return lyingSizeZip(t, good) },
			wantErr: ErrArchive},
	)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b []byte
			if c.zip != nil {
				b = c.zip(t)
			} else {
				m := entryMap(unzipAll(t, f.zip))
				c.mutate(t, m)
				b = buildZip(t, fromMap(m))
			}
			_, err := verifyBytes(b, c.opts)
			if err == nil {
				t.Fatal("verification passed")
			}
			t.Log(err)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("error %q is not %q", err, c.wantErr)
			}
			var ve *Error
			if !errors.As(err, &ve) {
				t.Fatalf("error %q is not an *Error", err)
			}
			if c.wantAt != "" && ve.Path != c.wantAt {
				t.Errorf("error names %q, want %q (%v)", ve.Path, c.wantAt, err)
			}
			if c.wantMsg != "" && !strings.Contains(err.Error(), c.wantMsg) {
				t.Errorf("error %q does not say %q", err, c.wantMsg)
			}
		})
	}
}

// overlappingZip returns a zip whose second entry's central-directory record
// points at the first entry's data: the overlapping-file zip bomb.
func overlappingZip(t *testing.T) []byte {
	t.Helper()
	b := buildZip(t, []zipEntry{{name: "a.bin", data: make([]byte, 1000), method: zip.Deflate}, {name: "b.bin", data: make([]byte, 1000), method: zip.Deflate}})
	sig := []byte("PK\x01\x02")
	first := bytes.Index(b, sig)
	second := first + 4 + bytes.Index(b[first+4:], sig)
	if first < 0 || second <= first {
		t.Fatal("central directory records not found")
	}
	// The local-header offset is at byte 42 of a central-directory record.
	binary.LittleEndian.PutUint32(b[second+42:], binary.LittleEndian.Uint32(b[first+42:]))
	return b
}

// lyingSizeZip returns the good bundle with one stored entry whose declared
// sizes are larger than its data.
func lyingSizeZip(t *testing.T, good map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range fromMap(good) {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Store}
		data := e.data
		if e.name == ResultsFile {
			fh.CompressedSize64, fh.UncompressedSize64 = uint64(len(data)+50), uint64(len(data)+50)
		} else {
			fh.CompressedSize64, fh.UncompressedSize64 = uint64(len(data)), uint64(len(data))
		}
		fh.CRC32 = crc(data)
		w, err := zw.CreateRaw(fh)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRezippedBundleVerifies checks that verification depends on nothing
// but the entries' names and contents: another entry order, deflate
// compression, directory entries, a comment and extra fields all verify.
func TestRezippedBundleVerifies(t *testing.T) {
	f := newFixture(t, false)
	es := unzipAll(t, f.zip)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	if err := zw.SetComment("re-zipped by an auditor"); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for i := len(es) - 1; i >= 0; i-- {
		e := es[i]
		if d := filepath.ToSlash(filepath.Dir(e.name)); d != "." && !dirs[d] {
			dirs[d] = true
			if _, err := zw.Create(d + "/"); err != nil {
				t.Fatal(err)
			}
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate, Extra: []byte{0xfe, 0xca, 0, 0}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := verifyBytes(buf.Bytes(), Options{Key: f.signer.PublicKey()}); err != nil {
		t.Fatalf("re-zipped bundle: %v", err)
	}

	// The zip tool an auditor has, with and without directory entries.
	if _, err := exec.LookPath("zip"); err != nil {
		t.Skip("zip is not installed")
	}
	zipPath := writeTemp(t, "b.zip", f.zip)
	dir := filepath.Join(t.TempDir(), "x")
	extract(t, zipPath, dir)
	for _, flags := range []string{"-qrD", "-qr", "-qr9"} {
		out := filepath.Join(t.TempDir(), "re.zip")
		cmd := exec.Command("zip", flags, out, ".")
		cmd.Dir = dir
		if o, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("zip %s: %v: %s", flags, err, o)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := verifyBytes(b, Options{}); err != nil {
			t.Errorf("zip %s re-zip: %v", flags, err)
		}
	}
}
