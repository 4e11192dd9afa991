package plugins

import (
	"context"
	"errors"
	"fmt"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
)

// Set is the plugins of one run.
type Set struct {
	plugins     []*Plugin
	unavailable []*unavailable
}

// LaunchAll launches every plugin in cfgs. Pins are checked first, for all
// of them: a wrong or missing pin, or a missing binary, refuses the whole run
// before any plugin starts, with an error showing each binary's actual digest.
// A pinned plugin that fails to start or to describe itself does not stop the
// run: it is replaced by a collector named after it whose every job records
// a PluginUnavailable error snapshot.
func (h *Host) LaunchAll(ctx context.Context, cfgs []Config) (*Set, error) {
	digests := make([]string, len(cfgs))
	var errs []error
	for i, c := range cfgs {
		if err := c.validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		d, err := VerifyPin(c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		digests[i] = d
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	s := &Set{}
	for i, c := range cfgs {
		c = c.withDefaults()
		digest := digests[i]
		p, err := h.launch(ctx, c, digest, func() (process, error) { return h.startProcess(c, digest) })
		if err != nil {
			if ctx.Err() != nil {
				s.Close()
				return nil, ctx.Err()
			}
			h.logger().Error("plugin unavailable; its evidence will be recorded as errors", "plugin", c.Name, "error", err)
			s.unavailable = append(s.unavailable, &unavailable{cfg: c, digest: digest, err: err})
			continue
		}
		s.plugins = append(s.plugins, p)
	}
	return s, nil
}

// Plugins returns the plugins that started, in config order.
func (s *Set) Plugins() []*Plugin { return append([]*Plugin(nil), s.plugins...) }

// Collectors returns every collector of the set: those of the plugins that
// started, and one stand-in per plugin that did not.
func (s *Set) Collectors() []collectors.Collector {
	var out []collectors.Collector
	for _, p := range s.plugins {
		out = append(out, p.Collectors()...)
	}
	for _, u := range s.unavailable {
		out = append(out, u)
	}
	return out
}

// Register adds the set's collectors to reg. A collector whose name is
// already registered (a built-in or another plugin's), or that declares an
// evidence kind a registered collector or another plugin produces, is an
// error, and nothing is added.
func (s *Set) Register(reg *collectors.Registry) error {
	cs := s.Collectors()
	kinds := map[string]string{} // evidence kind -> who produces it
	for _, name := range reg.Names() {
		c, err := reg.New(name)
		if err != nil {
			return fmt.Errorf("register plugins: %w", err)
		}
		for _, k := range c.Describe().EvidenceKinds {
			kinds[k] = "collector " + name
		}
	}
	seen := map[string]string{}
	for _, c := range cs {
		d := c.Describe()
		owner := pluginOf(c)
		if reg.Has(d.Name) {
			return fmt.Errorf("plugin %s: collector %s: %w by a built-in collector", owner, d.Name, ErrNameClash)
		}
		if other, dup := seen[d.Name]; dup {
			return fmt.Errorf("plugin %s: collector %s: %w by plugin %s", owner, d.Name, ErrNameClash, other)
		}
		seen[d.Name] = owner
	}
	for _, c := range cs {
		d := c.Describe()
		owner := pluginOf(c)
		for _, k := range d.EvidenceKinds {
			if by, ok := kinds[k]; ok && by != "plugin "+owner {
				return fmt.Errorf("plugin %s: collector %s: evidence kind %s is produced by %s: %w", owner, d.Name, k, by, ErrKindClash)
			}
			kinds[k] = "plugin " + owner
		}
	}
	for _, c := range cs {
		c := c
		reg.Register(c.Describe().Name, func() collectors.Collector { return c })
	}
	return nil
}

func pluginOf(c collectors.Collector) string {
	switch v := c.(type) {
	case *adapter:
		return v.p.cfg.Name
	case *unavailable:
		return v.cfg.Name
	}
	return "?"
}

// Close ends every plugin process.
func (s *Set) Close() {
	for _, p := range s.plugins {
		p.Close()
	}
}

// unavailable stands in for a plugin that could not be started, so the run
// records its absence instead of silently lacking its evidence.
type unavailable struct {
	cfg    Config
	digest string
	err    error
}

// UnavailableKind returns the evidence kind of the stand-in collector of a
// plugin that could not be started.
func UnavailableKind(plugin string) string { return "plugin." + plugin }

func (u *unavailable) Describe() collectors.Descriptor {
	return collectors.Descriptor{
		Name:          u.cfg.Name,
		Version:       "unavailable",
		Summary:       "stands in for plugin " + u.cfg.Name + ", which could not be started",
		Scope:         collectors.Once,
		EvidenceKinds: []string{UnavailableKind(u.cfg.Name)},
		PluginDigest:  u.digest,
	}
}

func (u *unavailable) Collect(context.Context, *collectors.Request) (*collectors.Response, error) {
	msg := truncate(fmt.Sprintf("plugin %s (sha256 %s) could not be started: %v", u.cfg.Name, short(u.digest), u.err))
	return &collectors.Response{Snapshots: errorSnapshots([]string{UnavailableKind(u.cfg.Name)}, "plugin:"+u.cfg.Name, CodePluginUnavailable, msg)}, nil
}

var _ collectors.Collector = (*unavailable)(nil)
