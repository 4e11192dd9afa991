package plugins

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/proto"
)

// Errors returned by this package. Callers match them with errors.Is.
var (
	// ErrNotPinned means a plugin has no sha256 pin in the config; it is not run.
	ErrNotPinned = errors.New("plugin has no sha256 pin")
	// ErrPinMismatch means a plugin binary does not hash to its pin; it is not run.
	ErrPinMismatch = errors.New("plugin binary does not match its sha256 pin")
	// ErrInvalidPlugin means a plugin described itself in a way the host
	// cannot accept: an invalid collector, a bad check file.
	ErrInvalidPlugin = errors.New("invalid plugin")
	// ErrNameClash means two collectors of a run would share a name.
	ErrNameClash = errors.New("collector name already in use")
	// ErrKindClash means a plugin declares an evidence kind that a built-in
	// collector or another plugin produces: checks would read its snapshots
	// as that collector's evidence.
	ErrKindClash = errors.New("evidence kind already produced by another collector")
	// ErrClosed means the plugin was closed.
	ErrClosed = errors.New("plugin is closed")
	// ErrRecord means a plugin record in the locker or a bundle is missing,
	// altered or malformed.
	ErrRecord = errors.New("invalid plugin record")
)

// maxBinarySize bounds the binary the host hashes; a plugin larger than this
// is a mistake, and hashing it would take unbounded time.
const maxBinarySize = 2 << 30

// maxRestarts is how often a plugin that exits mid-run is started again
// before its remaining jobs are recorded as errors. A crash loop costs at
// most this many starts.
const maxRestarts = 2

// stderrTailSize is how much of a plugin's stderr is kept to explain a failed
// start; the tail goes to the operator's log, never into evidence.
const stderrTailSize = 4 << 10

// FileDigest returns the hex SHA-256 of the file at path.
func FileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hash plugin binary: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("hash plugin binary: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("hash plugin binary %s: not a regular file", path)
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, maxBinarySize+1))
	if err != nil {
		return "", fmt.Errorf("hash plugin binary %s: %w", path, err)
	}
	if n > maxBinarySize {
		return "", fmt.Errorf("hash plugin binary %s: larger than %d bytes", path, int64(maxBinarySize))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// VerifyPin hashes cfg's binary and returns its digest if it matches the
// pin. A missing or wrong pin is an error that shows the actual digest, so
// an operator who trusts the binary can pin it.
func VerifyPin(cfg Config) (string, error) {
	digest, err := FileDigest(cfg.Path)
	if err != nil {
		return "", fmt.Errorf("plugin %s: %w", cfg.Name, err)
	}
	switch {
	case cfg.SHA256 == "":
		return "", fmt.Errorf("plugin %s: %w: the binary %s has sha256 %s; if you trust it, add `sha256: %s` to its entry (or run `hipaa-evidence plugins pin %s`)",
			cfg.Name, ErrNotPinned, cfg.Path, digest, digest, cfg.Path)
	case !strings.EqualFold(cfg.SHA256, digest):
		return "", fmt.Errorf("plugin %s: %w: the config pins sha256 %s but the binary %s has sha256 %s; it was changed or replaced. If you trust the new binary, pin %s",
			cfg.Name, ErrPinMismatch, strings.ToLower(cfg.SHA256), cfg.Path, digest, digest)
	}
	return digest, nil
}

// Host launches plugins.
type Host struct {
	// Logger receives plugin failures and the plugins' own warnings; nil
	// discards them.
	Logger *slog.Logger
	// StartTimeout bounds a plugin's start and handshake; 0 means
	// DefaultStartTimeout.
	StartTimeout time.Duration
	// DescribeTimeout bounds Describe; 0 means DefaultDescribeTimeout.
	DescribeTimeout time.Duration
	// ValidateChecks, when set, validates a plugin's checks at launch, with
	// the kinds of evidence the plugin produces; a plugin whose checks fail
	// is not used. The CLI sets it to the controls loader, so plugin checks
	// get the same validation as built-in ones.
	ValidateChecks func(files []proto.CheckFile, kinds []string) error
}

func (h *Host) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return h.Logger
}

// Launch verifies cfg's pin, starts the plugin and asks it to describe
// itself. The caller must Close the plugin.
func (h *Host) Launch(ctx context.Context, cfg Config) (*Plugin, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	digest, err := VerifyPin(cfg)
	if err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return h.launch(ctx, cfg, digest, func() (process, error) { return h.startProcess(cfg, digest) })
}

// process is one running plugin instance.
type process interface {
	// plugin returns the client of the plugin's collector service.
	plugin() proto.Plugin
	// exited reports whether the process has ended.
	exited() bool
	// kill ends the process.
	kill()
	// protocol returns the negotiated protocol version.
	protocol() int
	// stderr returns the tail of the process's stderr.
	stderr() string
}

// launch starts a plugin with start, describes it and checks the description.
func (h *Host) launch(ctx context.Context, cfg Config, digest string, start func() (process, error)) (*Plugin, error) {
	proc, err := start()
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, orDefault(h.DescribeTimeout, DefaultDescribeTimeout))
	defer cancel()
	desc, err := proc.plugin().Describe(dctx)
	if err != nil {
		h.logStderr(cfg.Name, proc.stderr())
		proc.kill()
		if dctx.Err() != nil && ctx.Err() == nil {
			return nil, fmt.Errorf("plugin %s: describe did not answer within %s", cfg.Name, orDefault(h.DescribeTimeout, DefaultDescribeTimeout))
		}
		return nil, fmt.Errorf("plugin %s: %w", cfg.Name, err)
	}
	if err := h.checkDescription(desc); err != nil {
		proc.kill()
		return nil, fmt.Errorf("plugin %s (%s %s): %w", cfg.Name, desc.Name, desc.Version, err)
	}
	return &Plugin{cfg: cfg, digest: digest, desc: desc, start: start, proc: proc, log: h.logger()}, nil
}

// checkDescription applies the host's rules to what a plugin says it is.
func (h *Host) checkDescription(d *proto.Description) error {
	if !proto.ValidName(d.Name) {
		return fmt.Errorf("%w: name %q", ErrInvalidPlugin, d.Name)
	}
	// What a plugin says about itself is printed (`plugins pin` writes it
	// into config comments operators append to their config, where a newline
	// would start YAML of the plugin's choosing) and recorded in evidence.
	texts := append([]string{d.Version, d.SDKVersion}, d.Citations...)
	for _, c := range d.Collectors {
		texts = append(append(texts, c.Version, c.Summary), c.Permissions...)
	}
	for _, f := range d.Checks {
		texts = append(texts, f.Name)
	}
	for _, t := range texts {
		if strings.ContainsFunc(t, unicode.IsControl) {
			return fmt.Errorf("%w: %q contains a control character", ErrInvalidPlugin, t)
		}
	}
	seen := map[string]bool{}
	var kinds []string
	for _, c := range d.Collectors {
		if err := c.Validate(); err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidPlugin, err)
		}
		if !proto.ValidName(c.Name) {
			return fmt.Errorf("%w: collector name %q", ErrInvalidPlugin, c.Name)
		}
		if seen[c.Name] {
			return fmt.Errorf("%w: collector %s is listed twice", ErrInvalidPlugin, c.Name)
		}
		seen[c.Name] = true
		kinds = append(kinds, c.EvidenceKinds...)
	}
	names := map[string]bool{}
	total := 0
	for _, f := range d.Checks {
		// The name becomes part of the check's source and of its path in a
		// bundle's checks/: ".." could land it on a built-in check's file.
		if !fs.ValidPath(f.Name) || f.Name == "." {
			return fmt.Errorf("%w: check file name %q is not a relative slash path without . or .. elements", ErrInvalidPlugin, f.Name)
		}
		if names[f.Name] {
			return fmt.Errorf("%w: check file %s is listed twice", ErrInvalidPlugin, f.Name)
		}
		names[f.Name] = true
		if len(f.Content) > proto.MaxCheckFileSize {
			return fmt.Errorf("%w: check file %s is larger than %d bytes", ErrInvalidPlugin, f.Name, proto.MaxCheckFileSize)
		}
		if total += len(f.Content); total > proto.MaxChecksSize {
			return fmt.Errorf("%w: check files exceed %d bytes together", ErrInvalidPlugin, proto.MaxChecksSize)
		}
	}
	if h.ValidateChecks != nil && len(d.Checks) > 0 {
		if err := h.ValidateChecks(d.Checks, collectors.SortedUnique(kinds)); err != nil {
			return fmt.Errorf("%w: checks: %v", ErrInvalidPlugin, err)
		}
	}
	return nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// logStderr logs the tail of a failed plugin's stderr for the operator. It
// is kept out of errors, which may end up in evidence: a plugin's output is
// not vetted for secrets.
func (h *Host) logStderr(name, tail string) {
	if tail = strings.TrimSpace(tail); tail != "" {
		h.logger().Warn("plugin stderr", "plugin", name, "tail", tail)
	}
}

// startProcess runs the plugin binary under go-plugin.
func (h *Host) startProcess(cfg Config, digest string) (process, error) {
	sum, err := hex.DecodeString(digest)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: digest %q: %w", cfg.Name, digest, err)
	}
	src, err := filepath.Abs(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", cfg.Name, err)
	}
	// The binary at cfg.Path can be replaced between being hashed and being
	// run; the host runs a private copy whose bytes it hashed as it copied.
	path, cleanup, err := privateCopy(src, digest)
	if err != nil {
		return nil, fmt.Errorf("plugin %s: %w", cfg.Name, err)
	}
	// An absolute path: the binary that was hashed, never one found in $PATH.
	cmd := exec.Command(path)
	// The plugin's whole environment is its allowlist (SkipHostEnv below);
	// go-plugin adds only its own handshake variables.
	cmd.Env = cfg.environment()
	tail := &tailBuffer{max: stderrTailSize}
	logw := &logWriter{log: h.logger(), plugin: cfg.Name, msg: "plugin output"}
	recv := cfg.MaxSnapshotBytes + wireOverhead
	if recv > math.MaxInt32 {
		recv = math.MaxInt32
	}
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  proto.Handshake,
		VersionedPlugins: proto.PluginSets(nil),
		Cmd:              cmd,
		// go-plugin hashes the binary again immediately before it runs it.
		SecureConfig:     &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()},
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		SkipHostEnv:      true,
		StartTimeout:     orDefault(h.StartTimeout, DefaultStartTimeout),
		Stderr:           tail,
		SyncStdout:       logw,
		SyncStderr:       logw,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:   "plugin." + cfg.Name,
			Level:  hclog.Error,
			Output: &logWriter{log: h.logger(), plugin: cfg.Name, msg: "plugin host"},
		}),
		// A message larger than one snapshot's limit is refused by gRPC
		// before it is held in memory.
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(int(recv)))},
	})
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		cleanup()
		h.logStderr(cfg.Name, tail.String())
		return nil, fmt.Errorf("plugin %s: start %s: %w", cfg.Name, cfg.Path, startError(err))
	}
	raw, err := rpc.Dispense(proto.PluginKey)
	if err != nil {
		client.Kill()
		cleanup()
		return nil, fmt.Errorf("plugin %s: %w", cfg.Name, err)
	}
	p, ok := raw.(proto.Plugin)
	if !ok {
		client.Kill()
		cleanup()
		return nil, fmt.Errorf("plugin %s: dispensed %T, not a collector plugin", cfg.Name, raw)
	}
	return &goPluginProcess{client: client, rpc: p, tail: tail, cleanup: cleanup}, nil
}

// privateCopy copies the binary at src into a new directory of the system's
// temporary directory ($TMPDIR) that only this user can write, hashing the
// bytes as it copies them, and returns the copy's path and a func that
// removes it. A copy whose bytes do not hash to digest is an ErrPinMismatch:
// the file changed after it was verified.
func privateCopy(src, digest string) (string, func(), error) {
	in, err := os.Open(src)
	if err != nil {
		return "", nil, fmt.Errorf("copy plugin binary: %w", err)
	}
	defer in.Close()
	if st, err := in.Stat(); err != nil || !st.Mode().IsRegular() {
		return "", nil, fmt.Errorf("copy plugin binary %s: not a regular file", src)
	}
	dir, err := os.MkdirTemp("", "hipaa-evidence-plugin-")
	if err != nil {
		return "", nil, fmt.Errorf("copy plugin binary: %w", err)
	}
	cleanup := func() { os.RemoveAll(dir) }
	dst := filepath.Join(dir, filepath.Base(src))
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o700)
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("copy plugin binary: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(in, maxBinarySize+1))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	switch {
	case err != nil:
		cleanup()
		return "", nil, fmt.Errorf("copy plugin binary %s: %w", src, err)
	case n > maxBinarySize:
		cleanup()
		return "", nil, fmt.Errorf("copy plugin binary %s: larger than %d bytes", src, int64(maxBinarySize))
	case hex.EncodeToString(h.Sum(nil)) != digest:
		cleanup()
		return "", nil, fmt.Errorf("%w (the binary %s changed after it was verified: it now has sha256 %s)", ErrPinMismatch, src, hex.EncodeToString(h.Sum(nil)))
	}
	return dst, cleanup, nil
}

// wireOverhead is what a snapshot message may carry beside its payload
// (kind, errors, call names).
const wireOverhead = 1 << 20

// startError makes go-plugin's start errors say what they mean here.
func startError(err error) error {
	msg := strings.ToLower(err.Error())
	switch {
	case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
		return fmt.Errorf("%w (the binary changed after it was verified): %v", ErrPinMismatch, err)
	case strings.Contains(msg, "incompatible api version"):
		return fmt.Errorf("the plugin speaks a different protocol version than this host (which speaks %d); rebuild it with a matching SDK: %v", proto.ProtocolVersion, err)
	case strings.Contains(msg, "failed to read any lines from plugin's stdout"):
		return errors.New("it exited before its handshake (its stderr is in the log)")
	case strings.Contains(msg, "unrecognized remote plugin message"):
		return errors.New("it is not a hipaa-evidence plugin: its first output is not a go-plugin handshake")
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w (the host runs a private copy of the binary in %s: if that is mounted noexec, set TMPDIR to a directory where programs may run)", err, os.TempDir())
	}
	return err
}

type goPluginProcess struct {
	client  *plugin.Client
	rpc     proto.Plugin
	tail    *tailBuffer
	cleanup func() // removes the private copy of the binary
}

func (g *goPluginProcess) plugin() proto.Plugin { return g.rpc }
func (g *goPluginProcess) exited() bool         { return g.client.Exited() }
func (g *goPluginProcess) kill()                { g.client.Kill(); g.cleanup() }
func (g *goPluginProcess) protocol() int        { return g.client.NegotiatedVersion() }
func (g *goPluginProcess) stderr() string       { return g.tail.String() }

// Plugin is a launched plugin.
type Plugin struct {
	cfg    Config
	digest string
	desc   *proto.Description
	start  func() (process, error)
	log    *slog.Logger

	mu       sync.Mutex
	proc     process
	restarts int
	closed   bool
}

// Name returns the plugin's name in the config.
func (p *Plugin) Name() string { return p.cfg.Name }

// Path returns the plugin binary's path.
func (p *Plugin) Path() string { return p.cfg.Path }

// Digest returns the hex SHA-256 of the plugin binary, as verified.
func (p *Plugin) Digest() string { return p.digest }

// Description returns what the plugin said about itself at launch.
func (p *Plugin) Description() *proto.Description { return p.desc }

// ProtocolVersion returns the protocol version negotiated with the plugin.
func (p *Plugin) ProtocolVersion() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc == nil {
		return 0
	}
	return p.proc.protocol()
}

// Collectors returns one collectors.Collector per collector the plugin
// serves, sorted by name. Their descriptors carry the plugin's digest and
// version, which the Runner records in every snapshot.
func (p *Plugin) Collectors() []collectors.Collector {
	var out []collectors.Collector
	for _, d := range p.desc.Collectors {
		out = append(out, &adapter{p: p, desc: d})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Describe().Name < out[j].Describe().Name })
	return out
}

// Close ends the plugin process.
func (p *Plugin) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.proc != nil {
		p.proc.kill()
		p.proc = nil
	}
}

// conn returns the client of a running instance, starting the plugin again
// if it exited (at most maxRestarts times).
func (p *Plugin) conn() (proto.Plugin, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	if p.proc != nil && !p.proc.exited() {
		return p.proc.plugin(), nil
	}
	if p.restarts >= maxRestarts {
		return nil, fmt.Errorf("it exited %d times during this run and is not started again", p.restarts+1)
	}
	p.restarts++
	if p.proc != nil {
		p.proc.kill()
		p.proc = nil
	}
	p.log.Warn("plugin exited; starting it again", "plugin", p.cfg.Name, "restart", p.restarts)
	proc, err := p.start()
	if err != nil {
		return nil, err
	}
	p.proc = proc
	return proc.plugin(), nil
}

// exitedNow waits briefly for a failing plugin's process to be reaped and
// reports whether it ended, telling a crash from a broken connection.
func (p *Plugin) exitedNow() (bool, string) {
	p.mu.Lock()
	proc := p.proc
	p.mu.Unlock()
	if proc == nil {
		return false, ""
	}
	for i := 0; i < 20; i++ {
		if proc.exited() {
			return true, proc.stderr()
		}
		time.Sleep(25 * time.Millisecond)
	}
	return false, proc.stderr()
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// logWriter turns lines written to it (a plugin's output, go-plugin's own
// log) into warnings in the host's log.
type logWriter struct {
	mu      sync.Mutex
	log     *slog.Logger
	plugin  string
	msg     string
	pending []byte
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending = append(w.pending, b...)
	for {
		i := bytes.IndexByte(w.pending, '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimSpace(string(w.pending[:i])); line != "" {
			w.log.Warn(w.msg, "plugin", w.plugin, "line", line)
		}
		w.pending = w.pending[i+1:]
	}
	if len(w.pending) > stderrTailSize {
		w.pending = w.pending[:0]
	}
	return len(b), nil
}
