package plugins

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/proto"
)

// Section is the name of the config file's top-level plugins section.
const Section = "plugins"

func init() { config.RegisterExtension(Section) }

// Default limits of a plugin; each can be set per plugin in the config.
const (
	// DefaultTimeout bounds one Collect call. A plugin that hangs is cut off
	// here and its evidence recorded as an error.
	DefaultTimeout = 5 * time.Minute
	// DefaultMaxSnapshots bounds the snapshots one Collect call may return,
	// so a runaway plugin cannot flood the locker.
	DefaultMaxSnapshots = 10000
	// DefaultMaxSnapshotBytes bounds one snapshot (its payload, api_calls and
	// errors); it is also the largest gRPC message accepted, so an oversized
	// message is refused before it is held in memory.
	DefaultMaxSnapshotBytes = 32 << 20
	// DefaultMaxCallBytes bounds the snapshots of one Collect call together,
	// since the host holds a call's snapshots in memory until they are signed.
	DefaultMaxCallBytes = 256 << 20
	// DefaultStartTimeout bounds starting a plugin and its handshake.
	DefaultStartTimeout = 30 * time.Second
	// DefaultDescribeTimeout bounds a Describe call.
	DefaultDescribeTimeout = 30 * time.Second
)

// Config is one entry of the config file's plugins section:
//
//	plugins:
//	  - name: acme-idp
//	    path: plugins/acme-idp        # relative to the config file
//	    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//	    env: [ACME_EXPORT_DIR, TZ=UTC] # passed to the plugin; nothing else is
//	    timeout: 2m
type Config struct {
	// Name names the plugin in logs, errors and evidence.
	Name string `yaml:"name"`
	// Path is the plugin binary. A relative path is relative to the config
	// file's directory; it is never looked up in $PATH.
	Path string `yaml:"path"`
	// SHA256 is the pinned hex SHA-256 of the binary. A plugin without a pin,
	// or whose binary does not match it, is not run.
	SHA256 string `yaml:"sha256"`
	// Env is the plugin's whole environment: "NAME" passes the host's value
	// of NAME (if set), "NAME=value" sets it. The host's other variables,
	// AWS credentials included, are not passed.
	Env []string `yaml:"env"`
	// Timeout bounds one Collect call; 0 means DefaultTimeout.
	Timeout time.Duration `yaml:"timeout"`
	// MaxSnapshots bounds the snapshots of one call; 0 means DefaultMaxSnapshots.
	MaxSnapshots int `yaml:"max_snapshots"`
	// MaxSnapshotBytes bounds one snapshot (payload, api_calls and errors);
	// 0 means DefaultMaxSnapshotBytes.
	MaxSnapshotBytes int64 `yaml:"max_snapshot_bytes"`
	// MaxCallBytes bounds one call's snapshots together; 0 means DefaultMaxCallBytes.
	MaxCallBytes int64 `yaml:"max_call_bytes"`
}

// withDefaults returns c with zero limits replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxSnapshots <= 0 {
		c.MaxSnapshots = DefaultMaxSnapshots
	}
	if c.MaxSnapshotBytes <= 0 {
		c.MaxSnapshotBytes = DefaultMaxSnapshotBytes
	}
	if c.MaxCallBytes <= 0 {
		c.MaxCallBytes = DefaultMaxCallBytes
	}
	return c
}

var envPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(=.*)?$`)

// validate checks one entry; it does not look at the binary.
func (c Config) validate() error {
	switch {
	case !proto.ValidName(c.Name):
		return fmt.Errorf("plugin name %q: use lower-case letters, digits, '-' and '_' (at most 64)", c.Name)
	case c.Path == "":
		return fmt.Errorf("plugin %s: path is required", c.Name)
	case c.SHA256 != "" && !validDigest(c.SHA256):
		return fmt.Errorf("plugin %s: sha256 %q is not 64 hex digits", c.Name, c.SHA256)
	case c.Timeout < 0 || c.MaxSnapshots < 0 || c.MaxSnapshotBytes < 0 || c.MaxCallBytes < 0:
		return fmt.Errorf("plugin %s: limits must not be negative", c.Name)
	}
	for _, e := range c.Env {
		if !envPattern.MatchString(e) {
			return fmt.Errorf("plugin %s: env entry %q is not NAME or NAME=value", c.Name, e)
		}
	}
	return nil
}

func validDigest(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}

// FromConfig returns the plugins listed in the config's plugins section, with
// relative paths made relative to the config file's directory. Errors name the
// file and line.
func FromConfig(c *config.Config) ([]Config, error) {
	file := c.Path
	if file == "" {
		file = "config"
	}
	section, ok := c.Extensions[Section]
	if !ok || (section.Kind == yaml.ScalarNode && section.Tag == "!!null") {
		return nil, nil
	}
	if section.Kind != yaml.SequenceNode {
		return nil, &config.Error{File: file, Line: section.Line, Msg: "plugins must be a list of {name, path, sha256} entries"}
	}
	var out []Config
	seen := map[string]bool{}
	for _, n := range section.Content {
		var pc Config
		if err := config.DecodeNode(file, n, &pc); err != nil {
			return nil, err
		}
		pc.SHA256 = strings.ToLower(strings.TrimSpace(pc.SHA256))
		if err := pc.validate(); err != nil {
			return nil, &config.Error{File: file, Line: n.Line, Msg: err.Error()}
		}
		if seen[pc.Name] {
			return nil, &config.Error{File: file, Line: n.Line, Msg: fmt.Sprintf("plugin %s is listed twice", pc.Name)}
		}
		seen[pc.Name] = true
		if !filepath.IsAbs(pc.Path) && c.Path != "" {
			pc.Path = filepath.Join(filepath.Dir(c.Path), pc.Path)
		}
		abs, err := filepath.Abs(pc.Path)
		if err != nil {
			return nil, &config.Error{File: file, Line: n.Line, Msg: fmt.Sprintf("plugin %s: path: %v", pc.Name, err)}
		}
		pc.Path = abs
		out = append(out, pc)
	}
	return out, nil
}

// environment returns the plugin's environment from its allowlist.
func (c Config) environment() []string {
	env := []string{}
	for _, e := range c.Env {
		if strings.Contains(e, "=") {
			env = append(env, e)
			continue
		}
		if v, ok := os.LookupEnv(e); ok {
			env = append(env, e+"="+v)
		}
	}
	return env
}
