package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/plugins"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/proto"
)

func (a *app) pluginsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plugins",
		Short: "List, describe and pin collector plugins",
		Long: `Collector plugins are separate binaries that add evidence and checks (an identity
provider's MFA report, an EHR's audit log). Each is listed in the config file's plugins
section with the sha256 it is pinned to; a binary that does not match its pin is never run.
A plugin gets only the environment variables its entry allows, a deadline per call and
bounded output; hipaa-evidence signs its evidence with the run's key.

See docs/writing-a-plugin.md.`,
		Example: `  hipaa-evidence plugins pin ./bin/example-idp >> hipaa-evidence.yaml
  hipaa-evidence plugins list
  hipaa-evidence plugins describe ./bin/example-idp`,
		Args: noArgs,
	}
	cmd.AddCommand(a.pluginsListCommand(), a.pluginsDescribeCommand(), a.pluginsPinCommand())
	return cmd
}

// pluginHost returns the host that launches plugins for this invocation.
func (a *app) pluginHost() *plugins.Host {
	return &plugins.Host{Logger: a.logger, ValidateChecks: validatePluginChecks}
}

func (a *app) pluginsListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the configured plugins, check their pins and describe them",
		Long: `list shows every plugin in the config file's plugins section: whether its binary
matches its pinned sha256 and, for those that do, what the plugin serves. It fails
(exit 1) if any plugin would be refused by collect.`,
		Example: `  hipaa-evidence plugins list --config hipaa-evidence.yaml`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfgs, err := plugins.FromConfig(a.cfg)
			if err != nil {
				return err
			}
			if len(cfgs) == 0 {
				a.printf("No plugins configured. Add a plugins: section to the config file (see `hipaa-evidence plugins pin --help`).\n")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSTATUS\tSHA256\tSERVES\tPATH")
			refused := 0
			for _, c := range cfgs {
				status, serves, digest := a.pluginStatus(cmd.Context(), c)
				if status != "ok" {
					refused++
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Name, status, shortID(digest), serves, c.Path)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if refused > 0 {
				return fmt.Errorf("%d of %d plugin(s) would not run; run `hipaa-evidence plugins describe PATH` on each to see why", refused, len(cfgs))
			}
			return nil
		},
	}
}

// pluginStatus checks one configured plugin's pin and describes it.
func (a *app) pluginStatus(ctx context.Context, c plugins.Config) (status, serves, digest string) {
	digest, err := plugins.FileDigest(c.Path)
	if err != nil {
		return "binary missing", "-", ""
	}
	switch {
	case c.SHA256 == "":
		return "NOT PINNED", "-", digest
	case c.SHA256 != digest:
		return "PIN MISMATCH (pinned " + shortID(c.SHA256) + ")", "-", digest
	}
	p, err := a.pluginHost().Launch(ctx, c)
	if err != nil {
		a.logger.Warn("plugin does not start", "plugin", c.Name, "error", err)
		return "does not start", "-", digest
	}
	defer p.Close()
	d := p.Description()
	var names []string
	for _, col := range d.Collectors {
		names = append(names, col.Name)
	}
	return "ok", fmt.Sprintf("%s %s: %s", d.Name, d.Version, strings.Join(names, ",")), digest
}

func (a *app) pluginsDescribeCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "describe PATH",
		Short: "Run a plugin binary and print what it serves, without collecting",
		Long: `describe starts the plugin at PATH (pinned to its current sha256, with an empty
environment), asks it to describe itself and prints its name, version, digest,
collectors, evidence kinds, the permissions it needs, and its checks with the HIPAA
catalog entries they cite. Nothing is collected.`,
		Example: `  hipaa-evidence plugins describe ./bin/example-idp
  hipaa-evidence plugins describe ./bin/example-idp --json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := a.launchPath(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer p.Close()
			if asJSON {
				return writeDescriptionJSON(a.stdout, p)
			}
			return writeDescription(a.stdout, p)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (a *app) pluginsPinCommand() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "pin PATH",
		Short: "Print the config stanza that pins a plugin binary to its sha256",
		Long: `pin hashes the plugin binary at PATH, checks that it starts and describes itself, and
prints the plugins: stanza for the config file, with the binary's sha256. Review the
binary before pinning it: a pinned plugin runs with the environment its entry allows.
Pin again after every upgrade; collect refuses a binary that does not match its pin.`,
		Example: `  hipaa-evidence plugins pin ./bin/example-idp
  hipaa-evidence plugins pin ./bin/example-idp >> hipaa-evidence.yaml`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := a.launchPath(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer p.Close()
			if name == "" {
				name = p.Description().Name
			}
			if !proto.ValidName(name) {
				return usageError{fmt.Errorf("--name %q: use lower-case letters, digits, '-' and '_'", name)}
			}
			return writeStanza(a.stdout, name, p)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "name of the entry (default: the plugin's own name)")
	return cmd
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_-]+`)

// launchPath starts the plugin binary at path, pinned to its current digest:
// the operator named this binary, so it is trusted for this one command.
func (a *app) launchPath(ctx context.Context, path string) (*plugins.Plugin, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	digest, err := plugins.FileDigest(abs)
	if err != nil {
		return nil, err
	}
	name := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(filepath.Base(abs)), "-"), "-_")
	if !proto.ValidName(name) {
		name = "plugin"
	}
	p, err := a.pluginHost().Launch(ctx, plugins.Config{Name: name, Path: abs, SHA256: digest})
	if err != nil {
		return nil, fmt.Errorf("%w (binary sha256 %s)", err, digest)
	}
	return p, nil
}

// writeStanza prints the plugins: entry for p.
func writeStanza(w io.Writer, name string, p *plugins.Plugin) error {
	d := p.Description()
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s %s (protocol %d, SDK %s), pinned by `hipaa-evidence plugins pin`.\n", d.Name, d.Version, p.ProtocolVersion(), d.SDKVersion)
	for _, c := range d.Collectors {
		fmt.Fprintf(&b, "# collector %s %s (%s): %s\n", c.Name, c.Version, strings.Join(c.EvidenceKinds, ", "), c.Summary)
		for _, perm := range c.Permissions {
			fmt.Fprintf(&b, "#   needs: %s\n", perm)
		}
		fmt.Fprintf(&b, "#   options go under collectors.options.%s\n", c.Name)
	}
	if len(d.Citations) > 0 {
		fmt.Fprintf(&b, "# checks cite: %s\n", strings.Join(d.Citations, ", "))
	}
	fmt.Fprintf(&b, "plugins:\n  - name: %s\n    path: %s\n    sha256: %s\n", name, yamlScalar(p.Path()), p.Digest())
	fmt.Fprintf(&b, "    # env: [NAME, NAME=value]   # the plugin's whole environment; nothing else is passed\n")
	fmt.Fprintf(&b, "    # timeout: %s\n", plugins.DefaultTimeout)
	_, err := w.Write(b.Bytes())
	return err
}

// yamlScalar quotes s if YAML would not read it back as the same string.
func yamlScalar(s string) string {
	var back string
	if yaml.Unmarshal([]byte(s), &back) == nil && back == s && !strings.ContainsAny(s, "#:") {
		return s
	}
	b, err := json.Marshal(s)
	if err != nil {
		return s
	}
	return string(b)
}

// writeDescription prints p's description for people.
func writeDescription(w io.Writer, p *plugins.Plugin) error {
	d := p.Description()
	var b bytes.Buffer
	fmt.Fprintf(&b, "plugin:    %s %s\n", d.Name, d.Version)
	fmt.Fprintf(&b, "binary:    %s\n", p.Path())
	fmt.Fprintf(&b, "sha256:    %s\n", p.Digest())
	fmt.Fprintf(&b, "protocol:  %d\n", p.ProtocolVersion())
	fmt.Fprintf(&b, "sdk:       %s\n", d.SDKVersion)
	for _, c := range d.Collectors {
		fmt.Fprintf(&b, "\ncollector %s %s (scope %s)\n", c.Name, c.Version, c.Scope)
		if c.Summary != "" {
			fmt.Fprintf(&b, "  %s\n", c.Summary)
		}
		fmt.Fprintf(&b, "  evidence kinds: %s\n", strings.Join(c.EvidenceKinds, ", "))
		for _, perm := range c.Permissions {
			fmt.Fprintf(&b, "  needs: %s\n", perm)
		}
	}
	fmt.Fprintf(&b, "\nchecks (%d file(s)):\n", len(d.Checks))
	for _, f := range d.Checks {
		fmt.Fprintf(&b, "  %s: %s\n", f.Name, strings.Join(checkIDs(f.Content), ", "))
	}
	fmt.Fprintf(&b, "cites: %s\n", strings.Join(d.Citations, ", "))
	_, err := w.Write(b.Bytes())
	return err
}

// checkIDs returns the id of every check document in a check file.
func checkIDs(content []byte) []string {
	var ids []string
	dec := yaml.NewDecoder(bytes.NewReader(content))
	for {
		var doc struct {
			ID string `yaml:"id"`
		}
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) || err != nil {
			break
		}
		if doc.ID != "" {
			ids = append(ids, doc.ID)
		}
	}
	return ids
}

// descriptionJSON is the JSON form of `plugins describe --json`.
type descriptionJSON struct {
	Name            string              `json:"name"`
	Version         string              `json:"version"`
	Path            string              `json:"path"`
	SHA256          string              `json:"sha256"`
	ProtocolVersion int                 `json:"protocol_version"`
	SDKVersion      string              `json:"sdk_version"`
	Collectors      []collectorJSON     `json:"collectors"`
	Checks          []map[string]string `json:"checks"`
	Citations       []string            `json:"citations"`
}

type collectorJSON struct {
	Name          string   `json:"name"`
	Version       string   `json:"version"`
	Summary       string   `json:"summary"`
	Scope         string   `json:"scope"`
	EvidenceKinds []string `json:"evidence_kinds"`
	Permissions   []string `json:"permissions"`
}

func writeDescriptionJSON(w io.Writer, p *plugins.Plugin) error {
	d := p.Description()
	out := descriptionJSON{Name: d.Name, Version: d.Version, Path: p.Path(), SHA256: p.Digest(), ProtocolVersion: p.ProtocolVersion(),
		SDKVersion: d.SDKVersion, Collectors: []collectorJSON{}, Checks: []map[string]string{}, Citations: append([]string{}, d.Citations...)}
	for _, c := range d.Collectors {
		out.Collectors = append(out.Collectors, collectorJSON{Name: c.Name, Version: c.Version, Summary: c.Summary, Scope: string(c.Scope),
			EvidenceKinds: c.EvidenceKinds, Permissions: append([]string{}, c.Permissions...)})
	}
	for _, f := range d.Checks {
		out.Checks = append(out.Checks, map[string]string{"name": f.Name, "sha256": evidence.Digest(f.Content), "content": string(f.Content)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// launchPlugins starts the configured plugins and adds their collectors to
// reg. It returns a func that ends them; a wrong or missing pin is an error.
func (a *app) launchPlugins(ctx context.Context, reg *collectors.Registry) (func(), error) {
	cfgs, err := plugins.FromConfig(a.cfg)
	if err != nil {
		return nil, err
	}
	if len(cfgs) == 0 {
		return func() {}, nil
	}
	set, err := a.pluginHost().LaunchAll(ctx, cfgs)
	if err != nil {
		return nil, err
	}
	if err := set.Register(reg); err != nil {
		set.Close()
		return nil, err
	}
	a.pluginSet = set
	return func() {
		set.Close()
		a.pluginSet = nil
	}, nil
}

// recordPluginChecks stores the checks of the running plugins in the locker,
// signed, so the run can be evaluated without the plugin binaries.
func (a *app) recordPluginChecks(ctx context.Context, lk *locker.Locker, signer evidence.Signer) error {
	if a.pluginSet == nil {
		return nil
	}
	return a.pluginSet.RecordChecks(ctx, lk, signer)
}
