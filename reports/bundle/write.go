package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/internal/atomicfile"
	"github.com/hipaa-evidence/hipaa-evidence/templates"
)

// ReadmeTemplate is the path of the README-VERIFY template in the templates
// file system.
const ReadmeTemplate = "verify/README-VERIFY.txt.tmpl"

// File is one file to place in a bundle.
type File struct {
	// Path is the file's slash-separated path in the bundle.
	Path string
	// MediaType is its media type; empty means MediaType(Path).
	MediaType string
	// Open returns the file's content. Write opens it twice (once to hash,
	// once to copy) and fails if the two reads differ.
	Open func() (io.ReadCloser, error)
}

// BytesFile returns a File holding data.
func BytesFile(path string, data []byte) File {
	return File{Path: path, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// DiskFile returns a File read from diskPath.
func DiskFile(path, diskPath string) File {
	return File{Path: path, Open: func() (io.ReadCloser, error) {
		f, err := os.Open(diskPath)
		if err != nil {
			return nil, err
		}
		info, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		if !info.Mode().IsRegular() {
			f.Close()
			return nil, fmt.Errorf("%s is not a regular file", diskPath)
		}
		return f, nil
	}}
}

// Timestamper obtains an RFC 3161 timestamp response over a SHA-256 digest.
// *TimestampClient implements it.
type Timestamper interface {
	// Timestamp returns a verified DER TimeStampResp over digest.
	Timestamp(ctx context.Context, digest []byte) ([]byte, error)
}

// Input is everything Write puts in a bundle.
type Input struct {
	// Organization is the organization's name (used in the file name slugged).
	Organization string
	// Period is the audit period.
	Period string
	// CreatedAt is the bundle's creation time; zero means now.
	CreatedAt time.Time
	// ToolVersion is the version of hipaa-evidence writing the bundle.
	ToolVersion string
	// RunID is the locker run the evidence comes from, if any.
	RunID string
	// Signer seals the bundle. It must be the key that signed the evidence:
	// a bundle carries one key, and Write checks every .sig under evidence/
	// and attachments/ with it.
	Signer evidence.Signer
	// Files are the bundle's content: evidence, attachments, results,
	// reports, configuration, checks. Write adds README-VERIFY.txt,
	// manifest.json, keys/signing-key.pub, attestation.dsse.json and the seal.
	Files []File
	// Templates holds verify/README-VERIFY.txt.tmpl; nil means the embedded
	// templates.
	Templates fs.FS
	// Timestamper, when set, timestamps SHA256SUMS.sig into SHA256SUMS.sig.tsr.
	Timestamper Timestamper
}

// Result describes a written bundle.
type Result struct {
	// Manifest is the bundle's manifest.json.
	Manifest *Manifest
	// Sums is the content of SHA256SUMS.
	Sums []byte
	// Seal is SHA256SUMS.sig.
	Seal []byte
	// Timestamp describes SHA256SUMS.sig.tsr, when one was obtained.
	Timestamp *TimestampInfo
	// Path is the zip's path, set by WriteFile.
	Path string
	// Size is the zip's size in bytes.
	Size int64
	// SHA256 is the zip's hex SHA-256.
	SHA256 string
}

// generated lists the files Write adds itself; Input.Files may not use them.
var generated = map[string]bool{
	ReadmeFile: true, ManifestFile: true, KeyFile: true, AttestationFile: true,
	SumsFile: true, SealFile: true, TimestampFile: true,
}

// signedDirs are the directories whose files each carry a .sig made when the
// file was collected or attached.
var signedDirs = []string{"evidence/", "attachments/"}

// needsSignature reports whether p must have a p.sig beside it.
func needsSignature(p string) bool {
	if strings.HasSuffix(p, ".sig") {
		return false
	}
	for _, d := range signedDirs {
		if strings.HasPrefix(p, d) {
			return true
		}
	}
	return false
}

// entry is one file on its way into the zip.
type entry struct {
	path, media string
	open        func() (io.ReadCloser, error)
	digest      string
	crc         uint32
	size        int64
	data        []byte // kept for .sig files and generated files
}

// Write writes a bundle zip to w and returns what it wrote. It reads every
// input file once to hash it and once to copy it, checks that the evidence
// signatures verify with the signer, then signs SHA256SUMS and the
// attestation with the signer. Entries are stored (not compressed) so that
// verification is hashing.
func Write(ctx context.Context, w io.Writer, in *Input) (*Result, error) {
	if in.Signer == nil {
		return nil, errors.New("write bundle: no signer")
	}
	if !evidence.ValidPeriod(in.Period) {
		return nil, fmt.Errorf("write bundle: invalid period %q", in.Period)
	}
	created := in.CreatedAt.UTC().Truncate(time.Second)
	if in.CreatedAt.IsZero() {
		created = time.Now().UTC().Truncate(time.Second)
	}
	pub := in.Signer.PublicKey()
	keyID := evidence.KeyID(pub)
	demo := in.Signer.Demo()
	bundleID, err := newBundleID()
	if err != nil {
		return nil, err
	}

	// Pass 1: hash every input file and check its place in the layout.
	entries := make([]*entry, 0, len(in.Files)+8)
	seen := map[string]bool{}
	for _, f := range in.Files {
		if err := checkPath(f.Path); err != nil {
			return nil, fmt.Errorf("write bundle: %w", err)
		}
		if generated[f.Path] {
			return nil, fmt.Errorf("write bundle: %s is written by the bundle writer itself", f.Path)
		}
		folded := strings.ToLower(f.Path)
		if seen[folded] {
			return nil, fmt.Errorf("write bundle: %s: %w", f.Path, ErrDuplicate)
		}
		seen[folded] = true
		if f.Open == nil {
			return nil, fmt.Errorf("write bundle: %s has no content", f.Path)
		}
		media := f.MediaType
		if media == "" {
			media = MediaType(f.Path)
		}
		e := &entry{path: f.Path, media: media, open: f.Open}
		if err := e.hash(ctx); err != nil {
			return nil, fmt.Errorf("write bundle: %w", err)
		}
		entries = append(entries, e)
	}
	byPath := make(map[string]*entry, len(entries))
	for _, e := range entries {
		byPath[e.path] = e
	}
	if err := checkDirConflicts(byPath); err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	// Every signed file's signature must verify with the bundle key now, or
	// the bundle would fail verification later.
	for _, e := range entries {
		if !needsSignature(e.path) {
			continue
		}
		sig, ok := byPath[e.path+".sig"]
		if !ok {
			return nil, fmt.Errorf("write bundle: %s has no %s.sig", e.path, e.path)
		}
		if err := verifyDigest(pub, e.digest, sig.data); err != nil {
			return nil, fmt.Errorf("write bundle: %s: %w: it was signed by another key than %s (%s); package with the key that collected it", e.path, err, keyID, in.Signer)
		}
	}
	for _, e := range entries {
		if strings.HasSuffix(e.path, ".sig") && needsSignature(strings.TrimSuffix(e.path, ".sig")) {
			if _, ok := byPath[strings.TrimSuffix(e.path, ".sig")]; !ok {
				return nil, fmt.Errorf("write bundle: %s signs a file that is not in the bundle", e.path)
			}
		}
	}

	// Generated files: README, key, manifest, attestation.
	pubPEM, err := evidence.MarshalPublicKeyPEM(pub, demo)
	if err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	tfs := in.Templates
	if tfs == nil {
		tfs = templates.FS()
	}
	readme, err := renderReadme(tfs, readmeData{
		FileName:      FileName(in.Organization, in.Period),
		Organization:  in.Organization,
		Period:        in.Period,
		BundleID:      bundleID,
		CreatedAt:     created.Format(time.RFC3339),
		ToolVersion:   in.ToolVersion,
		KeyID:         keyID,
		Demo:          demo,
		DemoMarker:    evidence.DemoKeyMarker,
		PredicateType: PredicateType,
		PayloadType:   PayloadType,
	})
	if err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	for _, g := range []struct {
		path string
		data []byte
	}{{ReadmeFile, readme}, {KeyFile, pubPEM}} {
		entries = append(entries, memEntry(g.path, g.data))
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })

	m := &Manifest{
		Schema:       ManifestSchema,
		BundleID:     bundleID,
		Organization: in.Organization,
		Period:       in.Period,
		CreatedAt:    created,
		ToolVersion:  in.ToolVersion,
		KeyID:        keyID,
		DemoKey:      demo,
		RunID:        in.RunID,
		Files:        make([]FileEntry, 0, len(entries)),
	}
	for _, e := range entries {
		m.Files = append(m.Files, FileEntry{Path: e.path, SHA256: e.digest, Size: e.size, MediaType: e.media})
	}
	manifest, err := evidence.EncodeJSON(m)
	if err != nil {
		return nil, fmt.Errorf("write bundle: encode manifest: %w", err)
	}
	me := memEntry(ManifestFile, manifest)
	entries = append(entries, me)

	st := &Statement{
		Type:          StatementType,
		PredicateType: PredicateType,
		Predicate: Predicate{
			BundleID:     bundleID,
			Organization: in.Organization,
			Period:       in.Period,
			CreatedAt:    created,
			ToolVersion:  in.ToolVersion,
			KeyID:        keyID,
			DemoKey:      demo,
			Manifest:     Subject{Name: ManifestFile, Digest: map[string]string{"sha256": me.digest}},
		},
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })
	for _, e := range entries {
		st.Subject = append(st.Subject, Subject{Name: e.path, Digest: map[string]string{"sha256": e.digest}})
	}
	att, err := signEnvelope(ctx, st, in.Signer)
	if err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	entries = append(entries, memEntry(AttestationFile, att))
	sort.Slice(entries, func(i, j int) bool { return entries[i].path < entries[j].path })

	sums := make([]Sum, 0, len(entries))
	for _, e := range entries {
		sums = append(sums, Sum{Digest: e.digest, Path: e.path})
	}
	sumsData := FormatSums(sums)
	seal, err := in.Signer.Sign(ctx, sumsData)
	if err != nil {
		return nil, fmt.Errorf("write bundle: sign %s: %w", SumsFile, err)
	}
	entries = append(entries, memEntry(SumsFile, sumsData), memEntry(SealFile, seal))
	res := &Result{Manifest: m, Sums: sumsData, Seal: seal}
	if in.Timestamper != nil {
		d := sha256.Sum256(seal)
		tsr, err := in.Timestamper.Timestamp(ctx, d[:])
		if err != nil {
			return nil, fmt.Errorf("write bundle: %w", err)
		}
		info, err := VerifyTimestamp(tsr, d[:], nil)
		if err != nil {
			return nil, fmt.Errorf("write bundle: %w", err)
		}
		res.Timestamp = info
		entries = append(entries, memEntry(TimestampFile, tsr))
	}

	// Pass 2: copy every file into the zip.
	zsum := sha256.New()
	cw := &countWriter{w: io.MultiWriter(w, zsum)}
	zw := zip.NewWriter(cw)
	buf := make([]byte, 1<<20)
	for _, e := range entries {
		if err := e.copyTo(ctx, zw, created, buf); err != nil {
			return nil, fmt.Errorf("write bundle: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	res.Size = cw.n
	res.SHA256 = hex.EncodeToString(zsum.Sum(nil))
	return res, nil
}

// checkDirConflicts rejects a file whose path is also a directory of another
// file ("a" and "a/b"): both cannot exist when extracted.
func checkDirConflicts(byPath map[string]*entry) error {
	for p := range byPath {
		for i := strings.IndexByte(p, '/'); i >= 0; i = nextSlash(p, i) {
			if _, ok := byPath[p[:i]]; ok {
				return fmt.Errorf("%s is both a file and the directory of %s: %w", p[:i], p, ErrDuplicate)
			}
		}
	}
	return nil
}

func nextSlash(p string, i int) int {
	j := strings.IndexByte(p[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

func memEntry(path string, data []byte) *entry {
	sum := sha256.Sum256(data)
	return &entry{
		path: path, media: MediaType(path), data: data,
		open:   func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		digest: hex.EncodeToString(sum[:]), crc: crc32.ChecksumIEEE(data), size: int64(len(data)),
	}
}

// hash reads the file once for its SHA-256, CRC-32 and size; it keeps the
// bytes of .sig files, which Write checks.
func (e *entry) hash(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rc, err := e.open()
	if err != nil {
		return fmt.Errorf("read %s: %w", e.path, err)
	}
	defer rc.Close()
	h, c := sha256.New(), crc32.NewIEEE()
	var keep bytes.Buffer
	ws := []io.Writer{h, c}
	if strings.HasSuffix(e.path, ".sig") {
		ws = append(ws, &keep)
	}
	n, err := io.Copy(io.MultiWriter(ws...), io.LimitReader(rc, DefaultMaxEntrySize+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", e.path, err)
	}
	if n > DefaultMaxEntrySize {
		return fmt.Errorf("%s: %w (%d bytes)", e.path, ErrTooLarge, DefaultMaxEntrySize)
	}
	if strings.HasSuffix(e.path, ".sig") && n > maxSignatureSize {
		return fmt.Errorf("%s: a signature of %d bytes: %w", e.path, n, ErrTooLarge)
	}
	e.digest, e.crc, e.size = hex.EncodeToString(h.Sum(nil)), c.Sum32(), n
	if keep.Len() > 0 {
		e.data = keep.Bytes()
	}
	return nil
}

// copyTo stores the file in zw, re-hashing it and failing if it changed
// since hash.
func (e *entry) copyTo(ctx context.Context, zw *zip.Writer, mod time.Time, buf []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fh := &zip.FileHeader{
		Name:               e.path,
		Method:             zip.Store,
		CRC32:              e.crc,
		CompressedSize64:   uint64(e.size),
		UncompressedSize64: uint64(e.size),
	}
	fh.ModifiedDate, fh.ModifiedTime = msDosTime(mod)
	fh.Modified = mod
	fh.SetMode(0o644)
	for _, r := range e.path {
		if r >= 0x80 {
			fh.Flags |= 0x800 // the name is UTF-8
			break
		}
	}
	zf, err := zw.CreateRaw(fh)
	if err != nil {
		return fmt.Errorf("add %s: %w", e.path, err)
	}
	rc, err := e.open()
	if err != nil {
		return fmt.Errorf("read %s: %w", e.path, err)
	}
	defer rc.Close()
	var h hash.Hash = sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(zf, h), io.LimitReader(rc, e.size+1), buf)
	if err != nil {
		return fmt.Errorf("copy %s: %w", e.path, err)
	}
	if n != e.size || hex.EncodeToString(h.Sum(nil)) != e.digest {
		return fmt.Errorf("%s changed while it was being packaged", e.path)
	}
	return nil
}

// msDosTime returns t as MS-DOS date and time fields (two-second resolution).
func msDosTime(t time.Time) (date, tm uint16) {
	if t.Year() < 1980 {
		t = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	tm = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return date, tm
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// readmeData fills the README-VERIFY template.
type readmeData struct {
	FileName, Organization, Period, BundleID, CreatedAt, ToolVersion, KeyID string
	Demo                                                                    bool
	DemoMarker, PredicateType, PayloadType                                  string
}

// PayloadTypeLen is the byte length of PayloadType, which the DSSE PAE needs.
func (d readmeData) PayloadTypeLen() int { return len(d.PayloadType) }

func renderReadme(fsys fs.FS, d readmeData) ([]byte, error) {
	src, err := fs.ReadFile(fsys, ReadmeTemplate)
	if err != nil {
		return nil, fmt.Errorf("read template %s: %w", ReadmeTemplate, err)
	}
	t, err := template.New(ReadmeTemplate).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", ReadmeTemplate, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("template %s: %w", ReadmeTemplate, err)
	}
	return buf.Bytes(), nil
}

// WriteFile writes the bundle into dir as FileName(organization, period),
// atomically (a temporary file renamed into place), and beside it SHA256SUMS
// and SHA256SUMS.sig covering the zip (other zips already listed there are
// kept). It refuses to replace an existing bundle unless replace is set.
func WriteFile(ctx context.Context, dir string, in *Input, replace bool) (*Result, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	name := FileName(in.Organization, in.Period)
	final := filepath.Join(dir, name)
	if _, err := os.Lstat(final); err == nil && !replace {
		return nil, fmt.Errorf("write bundle: %s already exists (pass --force to replace it)", final)
	}
	if err := checkOuterSums(dir); err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	tmp, err := atomicfile.Create(final, 0o644)
	if err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	defer tmp.Cleanup()
	res, err := Write(ctx, tmp, in)
	if err != nil {
		return nil, err
	}
	if err := tmp.Commit(); err != nil {
		return nil, fmt.Errorf("write bundle: %w", err)
	}
	res.Path = final
	if err := writeOuterSums(ctx, dir, name, res.SHA256, in.Signer); err != nil {
		return nil, err
	}
	return res, nil
}

// checkOuterSums fails when dir holds a SHA256SUMS this package would not
// update (someone else's), before anything is written.
func checkOuterSums(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, SumsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	prev, err := ParseSums(b)
	if err != nil {
		return fmt.Errorf("%s exists and was not written by hipaa-evidence (%v): choose another output directory", filepath.Join(dir, SumsFile), err)
	}
	for _, s := range prev {
		if !strings.HasPrefix(s.Path, "hipaa-evidence-") || !strings.HasSuffix(s.Path, ".zip") || strings.Contains(s.Path, "/") {
			return fmt.Errorf("%s lists %s, which is not a bundle: it was not written by hipaa-evidence; choose another output directory", filepath.Join(dir, SumsFile), s.Path)
		}
	}
	return nil
}

// writeOuterSums records the zip's digest in dir/SHA256SUMS, keeping lines
// for other zips that still exist, and signs it into dir/SHA256SUMS.sig.
func writeOuterSums(ctx context.Context, dir, name, digest string, signer evidence.Signer) error {
	sums := []Sum{{Digest: digest, Path: name}}
	sumsPath := filepath.Join(dir, SumsFile)
	old, err := os.ReadFile(sumsPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read %s: %w", sumsPath, err)
	default:
		// Only a list this package wrote is updated; anything else in the
		// directory is someone else's file and is never overwritten.
		prev, err := ParseSums(old)
		if err != nil {
			return fmt.Errorf("%s exists and was not written by hipaa-evidence (%v): choose another output directory", sumsPath, err)
		}
		for _, s := range prev {
			if !strings.HasPrefix(s.Path, "hipaa-evidence-") || !strings.HasSuffix(s.Path, ".zip") || strings.Contains(s.Path, "/") {
				return fmt.Errorf("%s lists %s, which is not a bundle: it was not written by hipaa-evidence; choose another output directory", sumsPath, s.Path)
			}
			if s.Path == name {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, s.Path)); err == nil {
				sums = append(sums, s)
			}
		}
	}
	data := FormatSums(sums)
	sig, err := signer.Sign(ctx, data)
	if err != nil {
		return fmt.Errorf("sign %s: %w", sumsPath, err)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{SumsFile, data}, {SealFile, sig}} {
		path := filepath.Join(dir, f.name)
		if err := atomicfile.WriteFile(path, f.data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}
