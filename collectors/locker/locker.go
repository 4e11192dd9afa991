package locker

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/internal/atomicfile"
)

// Errors returned by this package.
var (
	// ErrNotFound means a run or object is not in the locker.
	ErrNotFound = errors.New("not in the locker")
	// ErrExists means a write would overwrite something already stored.
	ErrExists = errors.New("already stored; the locker never overwrites")
	// ErrCorrupt means stored bytes do not match their name or signature.
	ErrCorrupt = errors.New("locker content is corrupt")
)

// RetentionYears is the default retention: HIPAA requires documentation to be
// kept six years from creation or last effective date (45 CFR 164.316(b)(2)(i)).
const RetentionYears = 6

// ManifestSchema is the schema of a run manifest.
const ManifestSchema = "hipaa-evidence/run-manifest/v1"

var (
	digestPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)
	runIDPattern  = regexp.MustCompile(`^[0-9]{4}[0-9A-Za-z-]*_[0-9]{8}T[0-9]{6}Z_[0-9a-f]{6}$`)
)

// Locker is a local evidence directory. It is safe for concurrent use.
type Locker struct {
	root string

	// unsynced holds object directories whose new entries are not yet
	// durable. Syncing them once at CommitRun, before the manifest that
	// names the objects is written, costs one fsync per directory instead of
	// two per object.
	mu       sync.Mutex
	unsynced map[string]bool
}

// Open returns the locker at root, creating its directories if needed.
func Open(root string) (*Locker, error) {
	if root == "" {
		return nil, errors.New("open locker: no path given")
	}
	for _, d := range []string{"objects/sha256", "runs", "files"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return nil, fmt.Errorf("open locker %s: %w", root, err)
		}
	}
	return &Locker{root: root, unsynced: map[string]bool{}}, nil
}

// Root returns the locker's directory.
func (l *Locker) Root() string { return l.root }

// ObjectPath returns the path of the object with the given digest, relative to
// the locker root.
func ObjectPath(digest string) string {
	return filepath.ToSlash(filepath.Join("objects", "sha256", digest[:2], digest+".json"))
}

// PutSnapshot stores snapshot bytes and their signature under the bytes'
// digest and returns the digest. Storing the same bytes twice is a no-op.
func (l *Locker) PutSnapshot(data, sig []byte) (string, error) {
	digest := evidence.Digest(data)
	rel := ObjectPath(digest)
	path := filepath.Join(l.root, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("store object %s: %w", digest, err)
	}
	// The signature goes first: an object without its signature is never visible.
	if err := writeOnce(path+".sig", sig, false); err != nil && !errors.Is(err, ErrExists) {
		return "", fmt.Errorf("store signature %s: %w", digest, err)
	}
	if err := writeOnce(path, data, false); err != nil && !errors.Is(err, ErrExists) {
		return "", fmt.Errorf("store object %s: %w", digest, err)
	}
	l.mu.Lock()
	l.unsynced[filepath.Dir(path)] = true
	l.mu.Unlock()
	return digest, nil
}

// ReadSnapshot returns the bytes and signature of the object with digest. It
// checks that the bytes still hash to their name.
func (l *Locker) ReadSnapshot(digest string) (data, sig []byte, err error) {
	if !digestPattern.MatchString(digest) {
		return nil, nil, fmt.Errorf("read object %q: not a sha256 digest", digest)
	}
	path := filepath.Join(l.root, ObjectPath(digest))
	data, err = readBounded(path, evidence.MaxSnapshotSize)
	if err != nil {
		return nil, nil, fmt.Errorf("read object %s: %w", digest, err)
	}
	if evidence.Digest(data) != digest {
		return nil, nil, fmt.Errorf("read object %s: %w: content hashes to %s", digest, ErrCorrupt, evidence.Digest(data))
	}
	sig, err = readBounded(path+".sig", 1024)
	if err != nil {
		return nil, nil, fmt.Errorf("read signature of %s: %w", digest, err)
	}
	return data, sig, nil
}

// PutFile stores data at rel (a slash-separated path under files/) and never
// overwrites. It returns the absolute path written.
func (l *Locker) PutFile(rel string, data []byte) (string, error) {
	clean, err := cleanRel(rel)
	if err != nil {
		return "", err
	}
	path := filepath.Join(l.root, "files", clean)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("store %s: %w", rel, err)
	}
	if err := writeOnce(path, data, true); err != nil {
		return "", fmt.Errorf("store %s: %w", rel, err)
	}
	return path, nil
}

// ReadFile reads a file stored with PutFile. limit bounds its size.
func (l *Locker) ReadFile(rel string, limit int64) ([]byte, error) {
	clean, err := cleanRel(rel)
	if err != nil {
		return nil, err
	}
	b, err := readBounded(filepath.Join(l.root, "files", clean), limit)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", rel, err)
	}
	return b, nil
}

// ListFiles returns the stored files under the slash-separated directory dir
// of files/, as paths relative to files/, sorted.
func (l *Locker) ListFiles(dir string) ([]string, error) {
	clean, err := cleanRel(dir)
	if err != nil {
		return nil, err
	}
	base := filepath.Join(l.root, "files")
	var out []string
	err = filepath.WalkDir(filepath.Join(base, clean), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() && !strings.HasPrefix(d.Name(), atomicfile.TempPrefix) {
			rel, err := filepath.Rel(base, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	sort.Strings(out)
	return out, nil
}

func cleanRel(rel string) (string, error) {
	if rel == "" || strings.HasPrefix(rel, "/") || strings.Contains(rel, "\\") {
		return "", fmt.Errorf("locker path %q is not a relative slash path", rel)
	}
	for _, part := range strings.Split(rel, "/") {
		if part == "" || part == "." || part == ".." {
			return "", fmt.Errorf("locker path %q has an empty, . or .. element", rel)
		}
	}
	return filepath.FromSlash(rel), nil
}

// NewRunID returns a new run id: <period>_<UTC time>_<random hex>.
func NewRunID(period string, now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return period + "_" + now.UTC().Format("20060102T150405Z") + "_" + hex.EncodeToString(b[:])
}

// ValidRunID reports whether id has the form NewRunID makes.
func ValidRunID(id string) bool { return runIDPattern.MatchString(id) }

// CommitRun signs the manifest and stores it as runs/<id>/manifest.json. The
// run directory is built under a temporary name and renamed into place, so it
// is visible only when complete. A run id can be committed once.
func (l *Locker) CommitRun(ctx context.Context, m *Manifest, signer evidence.Signer) error {
	if !ValidRunID(m.RunID) {
		return fmt.Errorf("commit run: invalid run id %q", m.RunID)
	}
	m.Schema = ManifestSchema
	m.KeyID = evidence.KeyID(signer.PublicKey())
	m.DemoKey = signer.Demo()
	data, err := evidence.EncodeJSON(m)
	if err != nil {
		return fmt.Errorf("commit run %s: %w", m.RunID, err)
	}
	sig, err := signer.Sign(ctx, data)
	if err != nil {
		return fmt.Errorf("commit run %s: %w", m.RunID, err)
	}
	pub, err := evidence.MarshalPublicKeyPEM(signer.PublicKey(), signer.Demo())
	if err != nil {
		return fmt.Errorf("commit run %s: %w", m.RunID, err)
	}
	if err := l.syncObjects(); err != nil {
		return fmt.Errorf("commit run %s: %w", m.RunID, err)
	}
	final := filepath.Join(l.root, "runs", m.RunID)
	if _, err := os.Stat(final); err == nil {
		return fmt.Errorf("commit run %s: %w", m.RunID, ErrExists)
	}
	tmp, err := os.MkdirTemp(filepath.Join(l.root, "runs"), ".tmp-"+m.RunID+"-")
	if err != nil {
		return fmt.Errorf("commit run %s: %w", m.RunID, err)
	}
	defer os.RemoveAll(tmp) // no-op after a successful rename
	for name, b := range map[string][]byte{"manifest.json": data, "manifest.json.sig": sig, "signing-key.pub": pub} {
		if err := writeOnce(filepath.Join(tmp, name), b, false); err != nil {
			return fmt.Errorf("commit run %s: %w", m.RunID, err)
		}
	}
	if err := atomicfile.SyncDir(tmp); err != nil {
		return fmt.Errorf("commit run %s: %w", m.RunID, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("commit run %s: %w", m.RunID, err)
	}
	return atomicfile.SyncDir(filepath.Dir(final))
}

// Runs returns the ids of every committed run, oldest first.
func (l *Locker) Runs() ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(l.root, "runs"))
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && ValidRunID(e.Name()) {
			ids = append(ids, e.Name())
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		return runTime(ids[i]) < runTime(ids[j]) || (runTime(ids[i]) == runTime(ids[j]) && ids[i] < ids[j])
	})
	return ids, nil
}

func runTime(id string) string {
	parts := strings.Split(id, "_")
	if len(parts) < 3 {
		return id
	}
	return parts[len(parts)-2]
}

// Run reads and returns the manifest of run id, with its raw bytes and signature.
// It does not verify the signature; use VerifyRun for that.
func (l *Locker) Run(id string) (*Manifest, []byte, []byte, error) {
	if !ValidRunID(id) {
		return nil, nil, nil, fmt.Errorf("read run %q: %w", id, ErrNotFound)
	}
	dir := filepath.Join(l.root, "runs", id)
	data, err := readBounded(filepath.Join(dir, "manifest.json"), 512<<20)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, nil, fmt.Errorf("read run %s: %w", id, ErrNotFound)
		}
		return nil, nil, nil, fmt.Errorf("read run %s: %w", id, err)
	}
	sig, err := readBounded(filepath.Join(dir, "manifest.json.sig"), 1024)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read run %s signature: %w", id, err)
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, nil, nil, fmt.Errorf("read run %s: %w: %v", id, ErrCorrupt, err)
	}
	if m.RunID != id {
		return nil, nil, nil, fmt.Errorf("read run %s: %w: manifest names run %q", id, ErrCorrupt, m.RunID)
	}
	return &m, data, sig, nil
}

// RunPublicKey returns the public key stored with run id (PEM).
func (l *Locker) RunPublicKey(id string) ([]byte, error) {
	if !ValidRunID(id) {
		return nil, fmt.Errorf("read run %q: %w", id, ErrNotFound)
	}
	b, err := readBounded(filepath.Join(l.root, "runs", id, "signing-key.pub"), 16<<10)
	if err != nil {
		return nil, fmt.Errorf("read run %s key: %w", id, err)
	}
	return b, nil
}

// LatestRun returns the id of the newest committed run of period, or
// ErrNotFound.
func (l *Locker) LatestRun(period string) (string, error) {
	ids, err := l.Runs()
	if err != nil {
		return "", err
	}
	for i := len(ids) - 1; i >= 0; i-- {
		if strings.HasPrefix(ids[i], period+"_") {
			return ids[i], nil
		}
	}
	return "", fmt.Errorf("no run for period %s: %w", period, ErrNotFound)
}

// syncObjects makes the directory entries of every object stored so far
// durable.
func (l *Locker) syncObjects() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for dir := range l.unsynced {
		if err := atomicfile.SyncDir(dir); err != nil {
			return err
		}
		delete(l.unsynced, dir)
	}
	return nil
}

// writeOnce writes data to path atomically and read-only (stored evidence is
// never rewritten) and fails with ErrExists if path already exists. With
// syncParent it also makes the new directory entry durable before returning.
func writeOnce(path string, data []byte, syncParent bool) error {
	if err := atomicfile.WriteNew(path, data, 0o444); err != nil {
		if errors.Is(err, atomicfile.ErrExists) {
			return fmt.Errorf("%s: %w", path, ErrExists)
		}
		return err
	}
	if !syncParent {
		return nil
	}
	return atomicfile.SyncDir(filepath.Dir(path))
}

func readBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if info.Size() > limit {
		return nil, fmt.Errorf("%s is %d bytes, over the %d byte limit", path, info.Size(), limit)
	}
	b := make([]byte, info.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, err
	}
	return b, nil
}
