package main

import (
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/controls"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/examples/idp-mfa/mfa"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/sdk"
)

// TestPluginIsValid makes the checks sdk.Serve makes before serving.
func TestPluginIsValid(t *testing.T) {
	if err := sdk.Check(plugin); err != nil {
		t.Fatal(err)
	}
}

// TestChecksLoad loads the plugin's checks with the loader and validation
// hipaa-evidence applies to its built-in checks, allowing only the kinds
// this plugin produces.
func TestChecksLoad(t *testing.T) {
	catalog, err := controls.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	d, err := sdk.Describe(plugin)
	if err != nil {
		t.Fatal(err)
	}
	set := controls.NewCheckSet()
	opts := controls.LoadOptions{Catalog: catalog, KnownKinds: []string{mfa.Kind}}
	for _, f := range d.Checks {
		if err := set.Add(f.Name, f.Content, opts); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, c := range set.Checks() {
		ids = append(ids, c.ID)
		if !strings.Contains(strings.Join(c.Citations, ","), "164.312(d)") {
			t.Errorf("check %s does not cite 164.312(d)", c.ID)
		}
	}
	want := "example_idp_active_users_mfa,example_idp_admins_phishing_resistant_mfa,example_idp_export_current"
	if got := strings.Join(ids, ","); got != want {
		t.Errorf("checks = %s, want %s", got, want)
	}
}
