package proto

import (
	"context"
	"errors"
	"regexp"

	"github.com/hashicorp/go-plugin"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// ProtocolVersion is the version of the wire contract this build speaks: the
// hipaa_evidence.plugin.v1 package of collector.proto. go-plugin's handshake
// negotiates it; a plugin and a host that share no version refuse to talk.
const ProtocolVersion = 1

// Limits on a plugin's checks, part of the contract: the SDK refuses to
// serve larger checks and the host refuses a plugin that describes larger
// ones, so a plugin's record always fits the locker's bounds.
const (
	// MaxCheckFileSize bounds one check file.
	MaxCheckFileSize = 1 << 20
	// MaxChecksSize bounds all of a plugin's check files together.
	MaxChecksSize = 4 << 20
)

// PluginKey is the name the collector service is dispensed under.
const PluginKey = "collector"

// Handshake is the go-plugin handshake shared by host and plugins. The magic
// cookie is not a secret: it only stops a plugin binary run by hand from
// waiting forever for a host.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "HIPAA_EVIDENCE_PLUGIN",
	MagicCookieValue: "collector-plugin-8d6f0c2e",
}

// Errors returned by this package.
var (
	// ErrMalformed means a message broke the wire contract: a missing field,
	// an unknown enum value, a payload that is not JSON.
	ErrMalformed = errors.New("malformed plugin message")
	// ErrUnknownCollector means Collect named a collector the plugin does not serve.
	ErrUnknownCollector = errors.New("plugin has no such collector")
)

// Plugin is what a plugin binary serves, in domain terms. The SDK implements
// it for a vendor's collectors; the host reaches it through the gRPC client.
type Plugin interface {
	// Describe returns what the plugin offers, without collecting.
	Describe(ctx context.Context) (*Description, error)
	// Collect runs the named collector once and passes each snapshot to send,
	// in order. If send returns an error, Collect stops and returns it.
	// Request.AWS is not sent over the wire: a plugin reads its own sources.
	Collect(ctx context.Context, collector string, req *collectors.Request, send func(*evidence.Snapshot) error) error
}

// Description is a plugin's account of itself.
type Description struct {
	// Name is the plugin's name, e.g. "acme-idp".
	Name string
	// Version is the plugin's version.
	Version string
	// Collectors describes each collector the binary serves. Their Actions,
	// PluginDigest and PluginVersion are not part of the wire contract: the
	// host sets the plugin fields from what it verified.
	Collectors []collectors.Descriptor
	// Checks are the plugin's YAML+CEL check files.
	Checks []CheckFile
	// Citations lists the catalog entries the checks cite, sorted.
	Citations []string
	// SDKVersion is the version of the SDK the plugin was built with.
	SDKVersion string
}

// Collector returns the descriptor of the named collector.
func (d *Description) Collector(name string) (collectors.Descriptor, bool) {
	for _, c := range d.Collectors {
		if c.Name == name {
			return c, true
		}
	}
	return collectors.Descriptor{}, false
}

// CheckFile is one file of checks shipped by a plugin.
type CheckFile struct {
	// Name is a slash-separated relative path, e.g. "checks/mfa.yaml".
	Name string
	// Content is the YAML text.
	Content []byte
}

// PluginSets returns the plugin sets for every protocol version this build
// speaks, for go-plugin's VersionedPlugins. impl is the implementation a
// plugin serves; a host passes nil.
func PluginSets(impl Plugin) map[int]plugin.PluginSet {
	return map[int]plugin.PluginSet{
		ProtocolVersion: {PluginKey: &GRPCPlugin{Impl: impl}},
	}
}

// namePattern is the form of plugin and plugin collector names: they appear
// in config files, error messages, evidence kinds and locker paths.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidName reports whether name is a valid plugin or plugin collector name:
// lower-case letters, digits, '-' and '_', at most 64 characters, starting
// with a letter or digit.
func ValidName(name string) bool { return namePattern.MatchString(name) }
