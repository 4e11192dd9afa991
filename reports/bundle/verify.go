package bundle

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

// maxClockSkew is how far a timestamp may precede the bundle's created_at.
// It allows for a packaging host whose clock runs a little fast; a timestamp
// older than that was made for something else.
const maxClockSkew = 10 * time.Minute

// Options say what Verify trusts.
type Options struct {
	// Key pins the signing key: the bundle must be signed by it.
	Key *ecdsa.PublicKey
	// Fingerprint pins the signing key by its id: the hex SHA-256 of the
	// DER SubjectPublicKeyInfo (colons, spaces, a "sha256:" prefix and
	// upper case are accepted).
	Fingerprint string
	// TSARoots, when set, are the roots a timestamp's TSA certificate must
	// chain to; without them the timestamp is checked but reported as not
	// anchored.
	TSARoots *x509.CertPool
	// Limits bound the input; zero fields mean the defaults.
	Limits Limits
	// Workers is how many files are hashed at once; 0 means up to four,
	// no more than the CPUs.
	Workers int
}

// Report is what a successful verification established.
type Report struct {
	// BundleID, Organization, Period, CreatedAt and ToolVersion come from
	// the verified manifest.
	BundleID string `json:"bundle_id"`
	// Organization is the organization the evidence belongs to.
	Organization string `json:"organization"`
	// Period is the audit period.
	Period string `json:"period"`
	// CreatedAt is when the bundle was written.
	CreatedAt time.Time `json:"created_at"`
	// ToolVersion is the version of hipaa-evidence that wrote it.
	ToolVersion string `json:"tool_version"`
	// RunID is the collection run the evidence came from.
	RunID string `json:"run_id,omitempty"`
	// KeyID is the id of the key that signed everything.
	KeyID string `json:"key_id"`
	// Pinned is true when the caller pinned the key and it matched.
	Pinned bool `json:"key_pinned"`
	// DemoKey is true when the bundle is signed with a throwaway demo key.
	DemoKey bool `json:"demo_key"`
	// Files counts the files SHA256SUMS lists; all were hashed.
	Files int `json:"files"`
	// Bytes is their total size.
	Bytes int64 `json:"bytes"`
	// Snapshots counts evidence snapshots whose collection signature verified.
	Snapshots int `json:"snapshots"`
	// Attachments counts manual-evidence files whose signature verified.
	Attachments int `json:"attachments"`
	// Subjects counts the attestation's subjects.
	Subjects int `json:"attestation_subjects"`
	// Timestamp describes the RFC 3161 timestamp, when the bundle has one.
	Timestamp *TimestampInfo `json:"timestamp,omitempty"`
	// Warnings are things the auditor must know although nothing failed:
	// a demo key, an unpinned key, an unanchored timestamp.
	Warnings []string `json:"warnings"`
	// Manifest is the verified manifest.
	Manifest *Manifest `json:"-"`
}

// Bundle is a verified bundle whose files can be read.
type Bundle struct {
	// Report is what verification established.
	Report *Report

	archive *Archive
	digests map[string]string
}

// VerifyFile verifies the bundle zip at path; see Verify.
func VerifyFile(ctx context.Context, path string, opts Options) (*Report, error) {
	b, closeFn, err := OpenFile(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	closeFn()
	return b.Report, nil
}

// OpenFile verifies the bundle zip at path and returns it for reading; call
// the returned func to close the file.
func OpenFile(ctx context.Context, path string, opts Options) (*Bundle, func(), error) {
	// Opening a named pipe blocks until something writes to it: refuse
	// anything but a regular file before opening it (and again after).
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("open bundle: %s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open bundle: %w", err)
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("open bundle: %w", err)
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("open bundle: %s is not a regular file", path)
	}
	b, err := Open(ctx, f, info.Size(), opts)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return b, func() { f.Close() }, nil
}

// Verify checks the bundle zip in r (size bytes) and returns what it
// established, or the first failure as an *Error naming the file. See Open.
func Verify(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*Report, error) {
	b, err := Open(ctx, r, size, opts)
	if err != nil {
		return nil, err
	}
	return b.Report, nil
}

// Open verifies the bundle zip in r (size bytes) and returns it for reading.
// It is one linear, fail-closed sequence; the first failure stops it:
//
//  1. index the zip within the limits (OpenArchive): no unsafe names,
//     links, duplicates, bombs or oversize entries;
//  2. read keys/signing-key.pub and check it against the pinned key or
//     fingerprint, when given;
//  3. verify SHA256SUMS.sig over SHA256SUMS with that key;
//  4. parse SHA256SUMS strictly;
//  5. require the listed files and the files present to be the same set,
//     apart from SHA256SUMS, SHA256SUMS.sig and SHA256SUMS.sig.tsr;
//  6. hash every listed file once and compare with SHA256SUMS;
//  7. verify the collection signature of every file under evidence/ and
//     attachments/ (over the digest just computed: nothing is read twice);
//  8. verify the DSSE envelope and require its in-toto statement to name
//     exactly the listed files with the same digests;
//  9. require manifest.json to agree with the files, the key and the
//     statement;
//  10. require evidence/run-manifest.json to list exactly the bundled
//     snapshots;
//  11. verify SHA256SUMS.sig.tsr, when present, over SHA256SUMS.sig.
func Open(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*Bundle, error) {
	// 1. The archive index, within limits.
	a, err := OpenArchive(r, size, opts.Limits)
	if err != nil {
		return nil, err
	}

	// 2. The key, and the caller's pin.
	keyPEM, err := a.ReadFile(KeyFile, maxKeySize)
	if err != nil {
		return nil, err
	}
	pub, demoMarker, err := evidence.ParsePublicKeyPEM(keyPEM)
	if err != nil {
		return nil, fail(KeyFile, fmt.Errorf("%w: %v", ErrBadSeal, err))
	}
	keyID := evidence.KeyID(pub)
	rep := &Report{KeyID: keyID, Warnings: []string{}}
	if opts.Key != nil {
		if want := evidence.KeyID(opts.Key); want != keyID {
			return nil, fail(KeyFile, fmt.Errorf("%w: the bundle is signed by key %s, you pinned %s", ErrKeyMismatch, keyID, want))
		}
		rep.Pinned = true
	}
	if opts.Fingerprint != "" {
		want, err := NormalizeFingerprint(opts.Fingerprint)
		if err != nil {
			return nil, err
		}
		if want != keyID {
			return nil, fail(KeyFile, fmt.Errorf("%w: the bundle is signed by key %s, you pinned %s", ErrKeyMismatch, keyID, want))
		}
		rep.Pinned = true
	}

	// 3. The seal.
	sums, err := a.ReadFile(SumsFile, maxSumsSize)
	if err != nil {
		return nil, err
	}
	seal, err := a.ReadFile(SealFile, maxSignatureSize)
	if err != nil {
		return nil, err
	}
	if err := evidence.Verify(pub, sums, seal); err != nil {
		return nil, fail(SealFile, fmt.Errorf("%w: SHA256SUMS.sig is not a signature over SHA256SUMS by key %s", ErrBadSeal, keyID))
	}

	// 4. The list, strictly.
	list, err := ParseSums(sums)
	if err != nil {
		return nil, fail(SumsFile, err)
	}

	// 5. Listed files and present files are the same set.
	present := a.Names()
	i, j := 0, 0
	for i < len(list) || j < len(present) {
		switch {
		case j < len(present) && sealFiles(present[j]):
			j++
		case j == len(present) || (i < len(list) && list[i].Path < present[j]):
			return nil, fail(list[i].Path, fmt.Errorf("%w: SHA256SUMS lists it but the bundle does not hold it", ErrMissingFile))
		case i == len(list) || present[j] < list[i].Path:
			return nil, fail(present[j], fmt.Errorf("%w: the bundle holds it but SHA256SUMS does not list it", ErrUnlistedFile))
		default:
			i++
			j++
		}
	}
	listed := make(map[string]string, len(list))
	for _, s := range list {
		listed[s.Path] = s.Digest
	}
	for _, req := range []string{ReadmeFile, ManifestFile, AttestationFile, KeyFile} {
		if _, ok := listed[req]; !ok {
			return nil, fail(req, fmt.Errorf("%w: every bundle must have it", ErrMissingFile))
		}
	}

	// 6. Every digest, each file read once.
	kept, err := hashAll(ctx, a, list, opts.Workers, map[string][]byte{KeyFile: keyPEM})
	if err != nil {
		return nil, err
	}
	rep.Files = len(list)
	for _, s := range list {
		rep.Bytes += a.Size(s.Path)
	}

	// 7. The signatures made at collection and attachment.
	hasEvidence := false
	for _, s := range list {
		p := s.Path
		if strings.HasPrefix(p, "evidence/") {
			hasEvidence = true
		}
		if strings.HasSuffix(p, ".sig") && needsSignature(strings.TrimSuffix(p, ".sig")) {
			if _, ok := listed[strings.TrimSuffix(p, ".sig")]; !ok {
				return nil, fail(p, fmt.Errorf("%w: it signs %s, which is not in the bundle", ErrBadSignature, strings.TrimSuffix(p, ".sig")))
			}
			continue
		}
		if !needsSignature(p) {
			continue
		}
		sig, ok := kept[p+".sig"]
		if !ok {
			return nil, fail(p, fmt.Errorf("%w: %s.sig is missing", ErrBadSignature, p))
		}
		if err := verifyDigest(pub, s.Digest, sig); err != nil {
			return nil, fail(p+".sig", fmt.Errorf("%w: it is not a signature over %s by key %s", ErrBadSignature, p, keyID))
		}
		switch {
		case strings.HasPrefix(p, "attachments/"):
			rep.Attachments++
		case p != RunManifestFile:
			rep.Snapshots++
		}
	}

	// 8. The attestation.
	st, err := openEnvelope(kept[AttestationFile], pub)
	if err != nil {
		return nil, fail(AttestationFile, fmt.Errorf("%w: %v", ErrAttestation, err))
	}
	if err := checkStatement(st, list, keyID); err != nil {
		return nil, fail(AttestationFile, fmt.Errorf("%w: %v", ErrAttestation, err))
	}
	rep.Subjects = len(st.Subject)

	// 9. The manifest.
	var m Manifest
	if err := decodeStrict(kept[ManifestFile], &m); err != nil {
		return nil, fail(ManifestFile, fmt.Errorf("%w: %v", ErrManifest, err))
	}
	if err := checkManifest(&m, &st.Predicate, list, a, keyID, demoMarker); err != nil {
		return nil, fail(ManifestFile, fmt.Errorf("%w: %v", ErrManifest, err))
	}
	rep.Manifest = &m
	rep.BundleID, rep.Organization, rep.Period = m.BundleID, m.Organization, m.Period
	rep.CreatedAt, rep.ToolVersion, rep.RunID, rep.DemoKey = m.CreatedAt, m.ToolVersion, m.RunID, m.DemoKey

	// 10. The run manifest lists exactly the bundled snapshots.
	if hasEvidence {
		if _, ok := listed[RunManifestFile]; !ok {
			return nil, fail(RunManifestFile, fmt.Errorf("%w: a bundle with evidence must carry the signed run manifest", ErrMissingFile))
		}
		if err := checkRunManifest(kept[RunManifestFile], list, &m, keyID); err != nil {
			return nil, fail(RunManifestFile, fmt.Errorf("%w: %v", ErrRunManifest, err))
		}
	}

	// 11. The timestamp, when present.
	if a.Has(TimestampFile) {
		tsr, err := a.ReadFile(TimestampFile, maxTimestampSize)
		if err != nil {
			return nil, err
		}
		d := sha256.Sum256(seal)
		info, err := VerifyTimestamp(tsr, d[:], opts.TSARoots)
		if err != nil {
			return nil, fail(TimestampFile, err)
		}
		if info.Time.Before(m.CreatedAt.Add(-maxClockSkew)) {
			return nil, fail(TimestampFile, fmt.Errorf("%w: the timestamp (%s) predates the bundle (%s)", ErrTimestamp, info.Time.Format(time.RFC3339), m.CreatedAt.Format(time.RFC3339)))
		}
		rep.Timestamp = info
		if !info.Anchored {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("timestamp by %q was checked against its own certificate only; pass the TSA's root certificate to anchor it", info.Authority))
		}
	}

	if rep.DemoKey {
		rep.Warnings = append([]string{DemoWarning}, rep.Warnings...)
	}
	if !rep.Pinned {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("key not pinned: compare key id %s with the fingerprint the organization gave you out of band (--fingerprint)", keyID))
	}
	return &Bundle{Report: rep, archive: a, digests: listed}, nil
}

// DemoWarning is the warning for a bundle signed with a demo key.
const DemoWarning = "DEMO KEY: this bundle is signed with a throwaway demo key; it proves nothing about who collected the evidence"

// NormalizeFingerprint returns a key fingerprint as 64 lower-case hex digits.
func NormalizeFingerprint(s string) (string, error) {
	f := strings.ToLower(strings.TrimSpace(s))
	f = strings.TrimPrefix(f, "sha256:")
	f = strings.NewReplacer(":", "", " ", "", "-", "").Replace(f)
	f = strings.TrimSuffix(f, "-")
	if len(f) != 64 || !isLowerHex([]byte(f)) {
		return "", fmt.Errorf("fingerprint %q is not 64 hex digits (the output of: openssl pkey -pubin -in key.pub -outform DER | sha256sum)", s)
	}
	return f, nil
}

// verifyDigest checks a DER ECDSA signature over a hex SHA-256 digest.
func verifyDigest(pub *ecdsa.PublicKey, digestHex string, sig []byte) error {
	d, err := hex.DecodeString(digestHex)
	if err != nil || len(d) != sha256.Size {
		return evidence.ErrBadSignature
	}
	if !ecdsa.VerifyASN1(pub, d, sig) {
		return evidence.ErrBadSignature
	}
	return nil
}

// keepLimit returns how many bytes of a listed file verification keeps in
// memory, or 0 for files it only hashes.
func keepLimit(p string) int64 {
	switch {
	case p == ManifestFile || p == RunManifestFile:
		return maxManifestSize
	case p == AttestationFile:
		return maxAttestationSize
	case strings.HasSuffix(p, ".sig") && needsSignature(strings.TrimSuffix(p, ".sig")):
		return maxSignatureSize
	}
	return 0
}

// hashAll hashes every listed file, workers at a time, compares each digest
// with the list and keeps the files later steps parse. Files in pre were
// already read and are hashed from memory. The failure reported is the
// first in list order.
func hashAll(ctx context.Context, a *Archive, list []Sum, workers int, pre map[string][]byte) (map[string][]byte, error) {
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), 4)
	}
	for _, s := range list {
		if limit := keepLimit(s.Path); limit > 0 && a.Size(s.Path) > limit {
			return nil, fail(s.Path, fmt.Errorf("%d bytes: %w (%d bytes)", a.Size(s.Path), ErrTooLarge, limit))
		}
	}
	errs := make([]error, len(list))
	kept := make([][]byte, len(list))
	var firstFail atomic.Int64
	firstFail.Store(int64(len(list)))
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1<<20)
			h := sha256.New()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(list) || int64(i) > firstFail.Load() {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[i] = err
				} else {
					kept[i], errs[i] = hashOne(a, list[i], h, buf, pre)
				}
				if errs[i] != nil {
					for {
						cur := firstFail.Load()
						if int64(i) >= cur || firstFail.CompareAndSwap(cur, int64(i)) {
							break
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	out := map[string][]byte{}
	for i, s := range list {
		if errs[i] != nil {
			var e *Error
			if errors.As(errs[i], &e) {
				return nil, errs[i]
			}
			return nil, fail(s.Path, errs[i])
		}
		if kept[i] != nil {
			out[s.Path] = kept[i]
		}
	}
	return out, nil
}

// hashOne hashes one file, keeping its bytes when later steps need them.
func hashOne(a *Archive, s Sum, h interface {
	io.Writer
	Sum([]byte) []byte
	Reset()
}, buf []byte, pre map[string][]byte) ([]byte, error) {
	h.Reset()
	var keep []byte
	if b, ok := pre[s.Path]; ok {
		h.Write(b)
		keep = b
	} else {
		var w io.Writer = h
		var kb *keepBuffer
		if keepLimit(s.Path) > 0 {
			kb = &keepBuffer{b: make([]byte, 0, a.Size(s.Path))}
			w = io.MultiWriter(h, kb)
		}
		if err := a.stream(a.files[s.Path], w, buf); err != nil {
			return nil, err
		}
		if kb != nil {
			keep = kb.b
		}
	}
	var sum [sha256.Size]byte
	got := hex.EncodeToString(h.Sum(sum[:0]))
	if got != s.Digest {
		return nil, fail(s.Path, fmt.Errorf("%w: SHA256SUMS lists %s, the content hashes to %s", ErrDigestMismatch, s.Digest, got))
	}
	if keep == nil && keepLimit(s.Path) > 0 {
		keep = []byte{}
	}
	return keep, nil
}

type keepBuffer struct{ b []byte }

func (k *keepBuffer) Write(p []byte) (int, error) { k.b = append(k.b, p...); return len(p), nil }

// checkStatement requires the statement's subjects to be exactly the listed
// files other than the attestation itself, with the listed digests, and its
// predicate to name the key.
func checkStatement(st *Statement, list []Sum, keyID string) error {
	want := make(map[string]string, len(list))
	for _, s := range list {
		if s.Path != AttestationFile {
			want[s.Path] = s.Digest
		}
	}
	seen := make(map[string]bool, len(st.Subject))
	for _, sub := range st.Subject {
		d, ok := want[sub.Name]
		switch {
		case !ok:
			return fmt.Errorf("subject %q is not a file of the bundle", sub.Name)
		case seen[sub.Name]:
			return fmt.Errorf("subject %q appears twice", sub.Name)
		case len(sub.Digest) != 1 || sub.Digest["sha256"] != d:
			return fmt.Errorf("subject %q has digest %v, the file hashes to sha256 %s", sub.Name, sub.Digest, d)
		}
		seen[sub.Name] = true
	}
	if len(seen) != len(want) {
		missing := []string{}
		for p := range want {
			if !seen[p] {
				missing = append(missing, p)
			}
		}
		sort.Strings(missing)
		return fmt.Errorf("the statement does not cover %s", strings.Join(missing, ", "))
	}
	p := st.Predicate
	switch {
	case p.KeyID != keyID:
		return fmt.Errorf("predicate names key %s, the bundle is signed by %s", p.KeyID, keyID)
	case p.BundleID == "":
		return errors.New("predicate has no bundle_id")
	case !evidence.ValidPeriod(p.Period):
		return fmt.Errorf("predicate period %q is invalid", p.Period)
	case p.Manifest.Name != ManifestFile || len(p.Manifest.Digest) != 1 || p.Manifest.Digest["sha256"] != want[ManifestFile]:
		return fmt.Errorf("predicate manifest %s %v is not manifest.json sha256 %s", p.Manifest.Name, p.Manifest.Digest, want[ManifestFile])
	}
	return nil
}

// checkManifest requires manifest.json to agree with the files, the key,
// the key file's demo marker and the attested predicate.
func checkManifest(m *Manifest, p *Predicate, list []Sum, a *Archive, keyID string, demoMarker bool) error {
	switch {
	case m.Schema != ManifestSchema:
		return fmt.Errorf("schema %q, want %q", m.Schema, ManifestSchema)
	case m.KeyID != keyID:
		return fmt.Errorf("key_id %s, the bundle is signed by %s", m.KeyID, keyID)
	case m.DemoKey != demoMarker:
		return fmt.Errorf("demo_key is %v but the key file says %v", m.DemoKey, demoMarker)
	case !evidence.ValidPeriod(m.Period):
		return fmt.Errorf("period %q is invalid", m.Period)
	case m.BundleID != p.BundleID || m.Period != p.Period || m.Organization != p.Organization ||
		!m.CreatedAt.Equal(p.CreatedAt) || m.ToolVersion != p.ToolVersion || m.DemoKey != p.DemoKey:
		return errors.New("bundle id, organization, period, created_at, tool_version or demo_key differ from the attestation's predicate")
	}
	want := make([]Sum, 0, len(list))
	for _, s := range list {
		if s.Path != ManifestFile && s.Path != AttestationFile {
			want = append(want, s)
		}
	}
	if len(m.Files) != len(want) {
		return fmt.Errorf("it lists %d files, the bundle holds %d", len(m.Files), len(want))
	}
	for i, f := range m.Files {
		s := want[i]
		switch {
		case f.Path != s.Path:
			return fmt.Errorf("files[%d] is %q, want %q (every file but manifest.json and attestation.dsse.json, sorted)", i, f.Path, s.Path)
		case f.SHA256 != s.Digest:
			return fmt.Errorf("%s: sha256 %s, the file hashes to %s", f.Path, f.SHA256, s.Digest)
		case f.Size != a.Size(f.Path):
			return fmt.Errorf("%s: size %d, the file has %d bytes", f.Path, f.Size, a.Size(f.Path))
		case f.MediaType == "":
			return fmt.Errorf("%s: no media type", f.Path)
		}
	}
	return nil
}

// checkRunManifest requires the run manifest to be the bundle key's, for the
// bundle's period and run, and to list exactly the bundled snapshots.
func checkRunManifest(b []byte, list []Sum, m *Manifest, keyID string) error {
	var rm locker.Manifest
	if err := decodeStrict(b, &rm); err != nil {
		return err
	}
	switch {
	case rm.Schema != locker.ManifestSchema:
		return fmt.Errorf("schema %q, want %q", rm.Schema, locker.ManifestSchema)
	case rm.KeyID != keyID:
		return fmt.Errorf("the run was signed by key %s, the bundle by %s", rm.KeyID, keyID)
	case rm.Period != m.Period:
		return fmt.Errorf("the run is for period %s, the bundle for %s", rm.Period, m.Period)
	case m.RunID != "" && rm.RunID != m.RunID:
		return fmt.Errorf("the run is %s, the manifest names %s", rm.RunID, m.RunID)
	}
	inRun := make(map[string]locker.SnapshotEntry, len(rm.Snapshots))
	for _, s := range rm.Snapshots {
		inRun[s.Digest] = s
	}
	bundled := map[string]string{}
	for _, s := range list {
		if strings.HasPrefix(s.Path, "evidence/") && s.Path != RunManifestFile && !strings.HasSuffix(s.Path, ".sig") {
			if _, ok := inRun[s.Digest]; !ok {
				return fmt.Errorf("%s (sha256 %s) is not a snapshot of run %s", s.Path, s.Digest, rm.RunID)
			}
			bundled[s.Digest] = s.Path
		}
	}
	for _, s := range rm.Snapshots {
		if _, ok := bundled[s.Digest]; !ok {
			return fmt.Errorf("snapshot %s (%s, account %s, region %s) of run %s is missing from evidence/", s.Digest, s.Kind, s.AccountID, s.Region, rm.RunID)
		}
	}
	return nil
}

// Files returns the listed files whose paths start with prefix, sorted.
func (b *Bundle) Files(prefix string) []string {
	var out []string
	for _, n := range b.archive.Names() {
		if _, ok := b.digests[n]; ok && strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}

// Digest returns the verified hex SHA-256 of a listed file, or "".
func (b *Bundle) Digest(name string) string { return b.digests[name] }

// ReadFile reads a verified file, at most limit bytes, and checks its digest
// again: the zip may have changed on disk since it was verified.
func (b *Bundle) ReadFile(name string, limit int64) ([]byte, error) {
	want, ok := b.digests[name]
	if !ok {
		return nil, fail(name, fmt.Errorf("%w: not a verified file of the bundle", ErrMissingFile))
	}
	data, err := b.archive.ReadFile(name, limit)
	if err != nil {
		return nil, err
	}
	if got := evidence.Digest(data); got != want {
		return nil, fail(name, fmt.Errorf("%w: the file changed after verification (now %s)", ErrDigestMismatch, got))
	}
	return data, nil
}
