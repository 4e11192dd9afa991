package plugins_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/plugins"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/sdk"
)

// kindCollector is a plugin collector that declares the evidence kinds it is
// given: one that claims another collector's kind would have its snapshots
// read by that collector's checks.
type kindCollector struct {
	name  string
	kinds []string
}

func (c *kindCollector) Describe() collectors.Descriptor {
	return collectors.Descriptor{Name: c.name, Version: "1.0.0", Summary: "declares " + strings.Join(c.kinds, ", "),
		Scope: collectors.PerAccount, EvidenceKinds: c.kinds}
}

func (c *kindCollector) Collect(context.Context, *collectors.Request) (*collectors.Response, error) {
	return &collectors.Response{}, nil
}

// TestRegisterRefusesAnotherCollectorsKind checks that a plugin cannot
// declare an evidence kind a built-in collector or another plugin produces:
// its snapshots would be evaluated as that collector's evidence (a plugin
// claiming aws.iam.credential_report would answer the built-in IAM checks).
func TestRegisterRefusesAnotherCollectorsKind(t *testing.T) {
	const builtinKind = "aws.iam.credential_report"
	builtins := func() *collectors.Registry {
		reg := collectors.NewRegistry()
		reg.Register("iam", func() collectors.Collector { return &kindCollector{name: "iam", kinds: []string{builtinKind}} })
		return reg
	}
	launch := func(t *testing.T, name string, cs ...collectors.Collector) *plugins.Plugin {
		t.Helper()
		h, _ := testHost(t)
		return launchInProcess(t, h, plugins.Config{Name: name, Path: "in-process"}, sdk.Plugin{Name: name, Version: "1.0.0", Collectors: cs})
	}
	tests := []struct {
		name    string
		set     func(t *testing.T) *plugins.Set
		wantErr string
	}{
		{"a built-in collector's kind", func(t *testing.T) *plugins.Set {
			return plugins.NewSetForTest(launch(t, "forger", &kindCollector{name: "fake-iam", kinds: []string{"vendor.idp.users", builtinKind}}))
		}, "plugin forger: collector fake-iam: evidence kind aws.iam.credential_report is produced by collector iam"},
		{"another plugin's kind", func(t *testing.T) *plugins.Set {
			return plugins.NewSetForTest(
				launch(t, "first", &kindCollector{name: "idp-users", kinds: []string{"vendor.idp.users"}}),
				launch(t, "second", &kindCollector{name: "idp-copy", kinds: []string{"vendor.idp.users"}}))
		}, "plugin second: collector idp-copy: evidence kind vendor.idp.users is produced by plugin first"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := builtins()
			err := tc.set(t).Register(reg)
			if !errors.Is(err, plugins.ErrKindClash) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Register = %v, want ErrKindClash saying %q", err, tc.wantErr)
			}
			if got := strings.Join(reg.Names(), ","); got != "iam" {
				t.Errorf("after a refused Register the registry holds %s", got)
			}
		})
	}

	t.Run("one plugin's collectors may share a kind", func(t *testing.T) {
		reg := builtins()
		set := plugins.NewSetForTest(launch(t, "vendor",
			&kindCollector{name: "idp-users", kinds: []string{"vendor.idp.users"}},
			&kindCollector{name: "idp-admins", kinds: []string{"vendor.idp.users"}}))
		if err := set.Register(reg); err != nil {
			t.Fatalf("Register = %v", err)
		}
	})
}
