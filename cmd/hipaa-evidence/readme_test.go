package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
	"github.com/hipaa-evidence/hipaa-evidence/plugins"
)

// TestREADMEConfigurationIsAccepted keeps the README's configuration example
// true: it must pass the strict loader, every collector's option check, the
// plugin section's checks and the built-in checks' parameter overrides.
func TestREADMEConfigurationIsAccepted(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	section := readme[strings.Index(readme, "## Configuration"):]
	m := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindStringSubmatch(section)
	if m == nil {
		t.Fatal("no yaml block under ## Configuration in README.md")
	}
	// The README shows where the pin goes; any well-formed digest stands in.
	src := strings.Replace(m[1], "<printed by hipaa-evidence plugins pin>", strings.Repeat("ab", 32), 1)
	cfg, err := config.Parse("README.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(nil, nil, nil)
	a.cfg = cfg
	reg := collectors.Default.Clone()
	names, err := a.enabledCollectors(reg, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := validateOptions(reg, names, a.collectorOptions(), cfg); err != nil {
		t.Fatal(err)
	}
	if ps, err := plugins.FromConfig(cfg); err != nil || len(ps) != 1 {
		t.Fatalf("plugins section: %v, %v", ps, err)
	}
	settings, err := controls.SettingsFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := controls.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := controls.BuiltinChecks(controls.LoadOptions{Catalog: cat, Params: settings.Params}); err != nil {
		t.Fatalf("checks.params: %v", err)
	}
}
