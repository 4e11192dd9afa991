// Package config loads the hipaa-evidence configuration file: strict YAML
// (unknown fields are rejected) with errors that name the file and line.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultFile is the config file read when --config is not given and the
// file exists in the working directory.
const DefaultFile = "hipaa-evidence.yaml"

// Defaults for settings the config file may leave out.
const (
	DefaultLockerPath = "evidence-locker"
	DefaultKeyPath    = "keys/signing-key.pem"
)

// maxConfigSize bounds a config file; anything larger is a mistake.
const maxConfigSize = 4 << 20

// Config is the configuration file.
type Config struct {
	// Organization is the organization's name, shown in reports and bundle names.
	Organization string `yaml:"organization"`
	// Period is the default audit period; the current quarter when empty.
	Period string `yaml:"period"`
	// Locker says where evidence is stored.
	Locker LockerConfig `yaml:"locker"`
	// Signing says which key signs evidence.
	Signing SigningConfig `yaml:"signing"`
	// AWS says how to reach AWS and what is in scope.
	AWS AWSConfig `yaml:"aws"`
	// Collectors selects collectors and holds their options.
	Collectors CollectorsConfig `yaml:"collectors"`
	// Extensions holds the sections other parts of the tool read
	// (checks, ownership, exceptions, plugins, reports), keyed by name.
	Extensions map[string]yaml.Node `yaml:",inline"`

	// Path is the file the config was read from ("" for defaults).
	Path string `yaml:"-"`
}

// LockerConfig is the locker section.
type LockerConfig struct {
	// Path is the locker directory.
	Path string `yaml:"path"`
}

// SigningConfig is the signing section.
type SigningConfig struct {
	// Key is the path of the local ECDSA P-256 private key.
	Key string `yaml:"key"`
	// KMSKey is an AWS KMS key id, ARN or alias; when set it is used instead of Key.
	KMSKey string `yaml:"kms_key"`
}

// AWSConfig is the aws section.
type AWSConfig struct {
	// Profile is a shared config profile.
	Profile string `yaml:"profile"`
	// HomeRegion is the region for global APIs.
	HomeRegion string `yaml:"home_region"`
	// Regions lists regions, or is the single word "all".
	Regions StringList `yaml:"regions"`
	// Accounts lists account ids in scope.
	Accounts StringList `yaml:"accounts"`
	// Organization fans out over every active account of the organization.
	Organization bool `yaml:"organization"`
	// AuditRole is the role assumed in member accounts.
	AuditRole string `yaml:"audit_role"`
	// ExternalID is passed to sts:AssumeRole when set.
	ExternalID string `yaml:"external_id"`
	// Concurrency bounds concurrent collections; 0 means the default.
	Concurrency int `yaml:"concurrency"`
}

// CollectorsConfig is the collectors section.
type CollectorsConfig struct {
	// Enabled lists the collectors to run; empty means every built-in one.
	Enabled StringList `yaml:"enabled"`
	// Options maps collector names to their settings.
	Options map[string]yaml.Node `yaml:"options"`
}

// StringList is a list of strings that may also be written as one string
// ("all") or a comma-separated string ("us-east-1,us-west-2").
type StringList []string

// UnmarshalYAML implements yaml.Unmarshaler.
func (s *StringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*s = SplitList(n.Value)
		return nil
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: expected a string", c.Line)
			}
			out = append(out, strings.TrimSpace(c.Value))
		}
		*s = out
		return nil
	}
	return fmt.Errorf("line %d: expected a string or a list of strings", n.Line)
}

// SplitList splits a comma-separated flag value, dropping empty elements.
func SplitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Error is a config error at a file and line.
type Error struct {
	// File is the config file.
	File string
	// Line is the 1-based line, or 0 when unknown.
	Line int
	// Msg says what is wrong.
	Msg string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Load reads and strictly decodes the config file at path.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if len(b) > maxConfigSize {
		return nil, &Error{File: path, Msg: fmt.Sprintf("larger than %d bytes", maxConfigSize)}
	}
	return Parse(path, b)
}

// Parse strictly decodes config bytes; name is used in error messages.
func Parse(name string, b []byte) (*Config, error) {
	c := &Config{Path: name}
	if len(bytes.TrimSpace(b)) == 0 {
		return c, nil
	}
	if err := DecodeStrict(name, 0, b, c); err != nil {
		return nil, err
	}
	for key := range c.Extensions {
		if !knownExtension(key) {
			return nil, &Error{File: name, Line: keyLine(b, key), Msg: fmt.Sprintf("unknown field %q", key)}
		}
	}
	return c, nil
}

// keyLine returns the line of top-level key in the YAML document b, or 0.
func keyLine(b []byte, key string) int {
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return 0
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}

// extensions lists the top-level sections other packages read through
// Extension. Adding a section means adding its name here.
var extensions = map[string]bool{}

// RegisterExtension declares a top-level config section read elsewhere
// (e.g. "checks", "plugins"), so the strict loader accepts it.
func RegisterExtension(name string) { extensions[name] = true }

func knownExtension(name string) bool { return extensions[name] }

// Extension decodes the top-level section name into v, strictly. It leaves
// v unchanged when the section is absent.
func (c *Config) Extension(name string, v any) error {
	n, ok := c.Extensions[name]
	if !ok {
		return nil
	}
	return DecodeNode(c.Path, &n, v)
}

var (
	lineInMessage = regexp.MustCompile(`line (\d+): (.*)`)
	fieldNotFound = regexp.MustCompile(`field (\S+) not found in type \S+`)
)

// DecodeStrict decodes YAML bytes into v, rejecting unknown fields and
// trailing documents. Errors name file and line (offset by lineOffset, for
// bytes cut out of a larger file).
func DecodeStrict(file string, lineOffset int, b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return yamlError(file, lineOffset, err, true)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return &Error{File: file, Line: extra.Line + lineOffset, Msg: "more than one YAML document"}
	}
	return nil
}

// DecodeNode decodes a YAML node into v strictly (unknown fields rejected),
// with errors at the node's lines in file.
func DecodeNode(file string, n *yaml.Node, v any) error {
	// yaml.v3 rejects unknown fields only when decoding text, so the node is
	// encoded again; that text drops blank lines and moves comments, so an
	// error's line in it is mapped back to the line of the same node in file.
	b, err := yaml.Marshal(n)
	if err != nil {
		return &Error{File: file, Line: n.Line, Msg: err.Error()}
	}
	err = DecodeStrict(file, 0, b, v)
	var ce *Error
	if errors.As(err, &ce) && ce.Line > 0 {
		ce.Line = originalLine(n, b, ce.Line)
	}
	return err
}

// originalLine returns the line in n's file of the node that yaml.Marshal(n)
// (b) puts on line, or of the last node before it.
func originalLine(n *yaml.Node, b []byte, line int) int {
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) != 1 {
		return n.Line
	}
	best, at := n.Line, 0
	var walk func(enc, orig *yaml.Node)
	walk = func(enc, orig *yaml.Node) {
		if enc.Line <= line && enc.Line >= at {
			best, at = orig.Line, enc.Line
		}
		if len(enc.Content) != len(orig.Content) {
			return
		}
		for i := range enc.Content {
			walk(enc.Content[i], orig.Content[i])
		}
	}
	root := doc.Content[0]
	if n.Kind == yaml.DocumentNode {
		root = &doc
	}
	walk(root, n)
	return best
}

// YAMLError turns an error of yaml.v3 into an *Error in file: the first
// message of a TypeError, without yaml's "yaml: " prefix, its "line N:"
// made the Error's line (plus lineOffset, for bytes cut out of a larger
// file). Loaders that decode yaml.Node trees with their own checks use it.
func YAMLError(file string, lineOffset int, err error) error {
	return yamlError(file, lineOffset, err, false)
}

// yamlError is YAMLError. With knownFields (the decoder rejected unknown
// fields) yaml.v3's "field x not found in type T" reads `unknown field "x"`.
func yamlError(file string, lineOffset int, err error, knownFields bool) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if m := lineInMessage.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		detail := m[2]
		if f := fieldNotFound.FindStringSubmatch(detail); f != nil && knownFields {
			detail = fmt.Sprintf("unknown field %q", f[1])
		}
		return &Error{File: file, Line: line + lineOffset, Msg: detail}
	}
	return &Error{File: file, Msg: msg}
}
