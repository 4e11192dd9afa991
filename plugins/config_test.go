package plugins

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
)

func TestFromConfig(t *testing.T) {
	pin := strings.Repeat("0a", 32)
	src := `organization: Example
plugins:
  - name: acme-idp
    path: bin/acme-idp
    sha256: ` + strings.ToUpper(pin) + `
    env: [ACME_TOKEN, TZ=UTC]
    timeout: 90s
    max_snapshots: 50
  - name: abs
    path: /opt/abs
`
	c, err := config.Parse("/etc/hipaa/hipaa-evidence.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	want := []Config{
		{Name: "acme-idp", Path: filepath.Join("/etc/hipaa", "bin/acme-idp"), SHA256: pin, Env: []string{"ACME_TOKEN", "TZ=UTC"}, Timeout: 90 * time.Second, MaxSnapshots: 50},
		{Name: "abs", Path: "/opt/abs"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FromConfig =\n%+v\nwant\n%+v", got, want)
	}
}

func TestFromConfigAbsent(t *testing.T) {
	c, err := config.Parse("c.yaml", []byte("organization: x\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromConfig(c)
	if err != nil || len(got) != 0 {
		t.Errorf("FromConfig = %v, %v; want nothing", got, err)
	}
}

func TestFromConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		want string
	}{
		{"unknown field", "plugins:\n  - name: a\n    path: p\n    sha: x\n", 4, `unknown field "sha"`},
		{"bad name", "plugins:\n  - name: Acme IdP\n    path: p\n", 2, "plugin name"},
		{"no path", "plugins:\n  - name: a\n", 2, "path is required"},
		{"short pin", "plugins:\n  - name: a\n    path: p\n    sha256: abc\n", 2, "not 64 hex digits"},
		{"bad env", "plugins:\n  - name: a\n    path: p\n    env: [\"1BAD\"]\n", 2, "env entry"},
		{"negative limit", "plugins:\n  - name: a\n    path: p\n    max_snapshots: -1\n", 2, "must not be negative"},
		{"duplicate", "plugins:\n  - name: a\n    path: p\n  - name: a\n    path: q\n", 4, "listed twice"},
		{"not a list", "plugins:\n  name: a\n", 2, ""},
		{"bad duration", "plugins:\n  - name: a\n    path: p\n    timeout: soon\n", 4, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Parse("c.yaml", []byte(tc.src))
			if err == nil {
				_, err = FromConfig(c)
			}
			var ce *config.Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *config.Error", err)
			}
			if ce.Line != tc.line || !strings.Contains(ce.Msg, tc.want) {
				t.Errorf("err = %v, want line %d containing %q", err, tc.line, tc.want)
			}
		})
	}
}

func TestEnvironmentIsTheAllowlist(t *testing.T) {
	t.Setenv("PLUGINS_TEST_ALLOWED", "yes")
	t.Setenv("PLUGINS_TEST_SECRET", "hunter2")
	c := Config{Env: []string{"PLUGINS_TEST_ALLOWED", "PLUGINS_TEST_UNSET", "MODE=fixed"}}
	got := c.environment()
	want := []string{"PLUGINS_TEST_ALLOWED=yes", "MODE=fixed"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("environment = %q, want %q", got, want)
	}
}

func TestFromConfigRelativeToWorkingDirectory(t *testing.T) {
	c, err := config.Parse("hipaa-evidence.yaml", []byte("plugins:\n  - name: a\n    path: bin/a\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := FromConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.Abs(filepath.Join("bin", "a"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Path != want {
		t.Errorf("path = %+v, want %s (absolute, so it is never looked up in $PATH)", got, want)
	}
}
