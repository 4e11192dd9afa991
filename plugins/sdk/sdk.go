package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/proto"
)

// Limits on what a plugin ships, from the wire contract. The host refuses a
// plugin over them; checking here makes a vendor find out in a test rather
// than in a customer's run.
const (
	// MaxCheckFileSize bounds one check file.
	MaxCheckFileSize = proto.MaxCheckFileSize
	// MaxChecksSize bounds all check files together.
	MaxChecksSize = proto.MaxChecksSize
)

// Plugin describes a plugin binary.
type Plugin struct {
	// Name is the plugin's name, e.g. "acme-idp" (see proto.ValidName).
	Name string
	// Version is the plugin's version, e.g. "1.4.0". The host records it in
	// every snapshot beside the binary's sha256.
	Version string
	// Collectors are the collectors the binary serves; at least one. Their
	// names must be unique and must not clash with the host's built-in
	// collectors (iam, kms, cloudtrail, s3, scope) or other plugins'.
	Collectors []collectors.Collector
	// Checks holds the plugin's checks: every .yaml or .yml file in it, at any
	// depth, is shipped to the host. Use an embed.FS. It may be nil for a
	// plugin whose evidence the built-in checks already read.
	Checks fs.FS
}

// Serve checks p and serves it to the host. It returns when the host is done
// with the plugin. If p is invalid it prints why to stderr and exits with
// status 1, so a broken plugin fails at its first launch, with its reason in
// the host's log. Run by hand rather than by hipaa-evidence, it says so and
// exits.
func Serve(p Plugin) {
	impl, err := newServer(p)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hipaa-evidence plugin %q: %v\n", p.Name, err)
		os.Exit(1)
	}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  proto.Handshake,
		VersionedPlugins: proto.PluginSets(impl),
		GRPCServer:       plugin.DefaultGRPCServer,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:   p.Name,
			Level:  hclog.Warn,
			Output: os.Stderr,
		}),
	})
}

// Check reports whether p is a valid plugin: the same checks Serve makes
// before serving. Call it from a test of your plugin.
func Check(p Plugin) error {
	_, err := newServer(p)
	return err
}

// Describe returns what p tells the host when asked to describe itself.
func Describe(p Plugin) (*proto.Description, error) {
	s, err := newServer(p)
	if err != nil {
		return nil, err
	}
	return s.Describe(context.Background())
}

// NewPlugin checks p and returns it as the domain interface the wire
// contract serves, for in-process use without a subprocess (tests and
// benchmarks).
func NewPlugin(p Plugin) (proto.Plugin, error) { return newServer(p) }

// server implements proto.Plugin for a vendor's collectors.
type server struct {
	desc   *proto.Description
	byName map[string]collectors.Collector
}

func newServer(p Plugin) (*server, error) {
	if !proto.ValidName(p.Name) {
		return nil, fmt.Errorf("name %q: use lower-case letters, digits, '-' and '_' (at most 64)", p.Name)
	}
	if strings.TrimSpace(p.Version) == "" {
		return nil, errors.New("version is empty")
	}
	if len(p.Collectors) == 0 {
		return nil, errors.New("no collectors")
	}
	s := &server{
		desc:   &proto.Description{Name: p.Name, Version: p.Version, SDKVersion: sdkVersion()},
		byName: map[string]collectors.Collector{},
	}
	for i, c := range p.Collectors {
		if c == nil {
			return nil, fmt.Errorf("collector %d is nil", i)
		}
		d := c.Describe()
		if err := d.Validate(); err != nil {
			return nil, fmt.Errorf("collector %d: %w", i, err)
		}
		if !proto.ValidName(d.Name) {
			return nil, fmt.Errorf("collector %q: use lower-case letters, digits, '-' and '_' in names", d.Name)
		}
		if _, dup := s.byName[d.Name]; dup {
			return nil, fmt.Errorf("collector %q is listed twice", d.Name)
		}
		if len(d.Actions) > 0 {
			return nil, fmt.Errorf("collector %s declares AWS actions %v: plugins are not given AWS credentials; list the permissions or API scopes of the systems it reads in Permissions", d.Name, d.Actions)
		}
		s.byName[d.Name] = c
		s.desc.Collectors = append(s.desc.Collectors, collectors.Descriptor{
			Name: d.Name, Version: d.Version, Summary: d.Summary, Scope: d.Scope,
			EvidenceKinds: append([]string(nil), d.EvidenceKinds...),
			Permissions:   append([]string(nil), d.Permissions...),
		})
	}
	checks, citations, err := readChecks(p.Checks)
	if err != nil {
		return nil, err
	}
	s.desc.Checks, s.desc.Citations = checks, citations
	return s, nil
}

// readChecks returns every YAML file of fsys, sorted by name, and the
// catalog entries they cite. The host validates the checks fully; this only
// makes sure each file is YAML and within the size limits.
func readChecks(fsys fs.FS) ([]proto.CheckFile, []string, error) {
	if fsys == nil {
		return nil, nil, nil
	}
	var (
		files []proto.CheckFile
		cites []string
		total int
	)
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !isYAML(name) {
			return nil
		}
		b, err := readBounded(fsys, name)
		if err != nil {
			return err
		}
		total += len(b)
		if total > MaxChecksSize {
			return fmt.Errorf("check files exceed %d bytes together", MaxChecksSize)
		}
		c, err := citations(b)
		if err != nil {
			return fmt.Errorf("check file %s: %w", name, err)
		}
		files = append(files, proto.CheckFile{Name: name, Content: b})
		cites = append(cites, c...)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read checks: %w", err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	return files, collectors.SortedUnique(cites), nil
}

func isYAML(name string) bool {
	switch path.Ext(name) {
	case ".yaml", ".yml":
		return true
	}
	return false
}

func readBounded(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxCheckFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(b) > MaxCheckFileSize {
		return nil, fmt.Errorf("check file %s is larger than %d bytes", name, MaxCheckFileSize)
	}
	return b, nil
}

// citations parses b as YAML and returns every string listed under a
// "citations" key anywhere in it.
func citations(b []byte) ([]string, error) {
	var out []string
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		walkCitations(&doc, &out)
	}
}

func walkCitations(n *yaml.Node, out *[]string) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "citations" && v.Kind == yaml.SequenceNode {
				for _, c := range v.Content {
					if c.Kind == yaml.ScalarNode && c.Value != "" {
						*out = append(*out, c.Value)
					}
				}
			}
		}
	}
	for _, c := range n.Content {
		walkCitations(c, out)
	}
}

// sdkVersion returns the version of the hipaa-evidence module the plugin was
// built against, from the binary's build information.
func sdkVersion() string {
	const module = "github.com/hipaa-evidence/hipaa-evidence"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if bi.Main.Path == module {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == module {
			if d.Replace != nil {
				return d.Version + " (replaced by " + d.Replace.Path + ")"
			}
			return d.Version
		}
	}
	return "unknown"
}

// Describe returns the plugin's description. It never collects.
func (s *server) Describe(context.Context) (*proto.Description, error) { return s.desc, nil }

// Collect runs the named collector and streams its snapshots. A panic in the
// vendor's collector becomes an error rather than a crash of the plugin.
func (s *server) Collect(ctx context.Context, name string, req *collectors.Request, send func(*evidence.Snapshot) error) error {
	c, ok := s.byName[name]
	if !ok {
		return fmt.Errorf("collector %q: %w", name, proto.ErrUnknownCollector)
	}
	resp, err := collect(ctx, c, req)
	if err != nil {
		return err
	}
	for _, snap := range resp.Snapshots {
		if snap == nil {
			continue
		}
		if err := send(snap); err != nil {
			return err
		}
	}
	return nil
}

func collect(ctx context.Context, c collectors.Collector, req *collectors.Request) (resp *collectors.Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, fmt.Errorf("collector %s panicked: %v", c.Describe().Name, p)
		}
	}()
	resp, err = c.Collect(ctx, req)
	if err == nil && resp == nil {
		err = fmt.Errorf("collector %s returned no response and no error", c.Describe().Name)
	}
	return resp, err
}
