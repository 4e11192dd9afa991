package plugins_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/plugins"
)

// subprocessConfig returns the config of the test binary run as a plugin in mode.
func subprocessConfig(t *testing.T, mode string, env ...string) plugins.Config {
	t.Helper()
	path, digest := self(t)
	return plugins.Config{Name: "tp", Path: path, SHA256: digest, Env: append([]string{modeEnv + "=" + mode}, env...)}
}

// testHost returns a host that logs into the test's log buffer.
func testHost(t *testing.T) (*plugins.Host, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	return &plugins.Host{Logger: slog.New(slog.NewTextHandler(&syncWriter{w: &buf}, nil)), StartTimeout: 20 * time.Second}, &buf
}

type syncWriter struct {
	w *bytes.Buffer
}

func (s *syncWriter) Write(b []byte) (int, error) { return s.w.Write(b) }

func request() *collectors.Request {
	now := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	return &collectors.Request{
		Target:      collectors.Target{Partition: "aws", AccountID: "111122223333", Region: evidence.GlobalRegion},
		Period:      "2026-Q4",
		PeriodStart: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC),
		PeriodEnd:   time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		Now:         func() time.Time { return now },
	}
}

// collectorNamed returns the plugin's collector called name.
func collectorNamed(t *testing.T, p *plugins.Plugin, name string) collectors.Collector {
	t.Helper()
	for _, c := range p.Collectors() {
		if c.Describe().Name == name {
			return c
		}
	}
	t.Fatalf("plugin has no collector %s", name)
	return nil
}

// wantErrorSnapshots checks that resp holds only error snapshots with code,
// each naming the plugin and containing want.
func wantErrorSnapshots(t *testing.T, resp *collectors.Response, err error, code, want string) {
	t.Helper()
	if err != nil {
		t.Fatalf("Collect returned error %v; a plugin failure must become snapshots", err)
	}
	if resp == nil || len(resp.Snapshots) == 0 {
		t.Fatal("no snapshots")
	}
	for _, s := range resp.Snapshots {
		if s.Status != evidence.StatusError || len(s.Errors) != 1 {
			t.Fatalf("snapshot %s status %s errors %v, want one error", s.Kind, s.Status, s.Errors)
		}
		e := s.Errors[0]
		if e.Code != code || !strings.Contains(e.Message, "plugin tp") || !strings.Contains(e.Message, want) {
			t.Errorf("error = %+v, want code %s naming plugin tp and containing %q", e, code, want)
		}
	}
}

func TestPinRefusesToRun(t *testing.T) {
	path, digest := self(t)
	other := strings.Repeat("0", 64)
	tests := []struct {
		name    string
		pin     string
		wantErr error
	}{
		{"missing pin", "", plugins.ErrNotPinned},
		{"wrong pin", other, plugins.ErrPinMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := plugins.Config{Name: "tp", Path: path, SHA256: tc.pin, Env: []string{modeEnv + "=ok"}}
			h, _ := testHost(t)
			set, err := h.LaunchAll(context.Background(), []plugins.Config{cfg})
			if set != nil {
				set.Close()
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("LaunchAll err = %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), digest) {
				t.Errorf("the error does not show the binary's actual digest %s: %v", digest, err)
			}
			if _, err := h.Launch(context.Background(), cfg); !errors.Is(err, tc.wantErr) {
				t.Errorf("Launch err = %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestMissingBinaryRefusesToRun(t *testing.T) {
	h, _ := testHost(t)
	_, err := h.LaunchAll(context.Background(), []plugins.Config{{Name: "tp", Path: filepath.Join(t.TempDir(), "nope"), SHA256: strings.Repeat("0", 64)}})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not-exist", err)
	}
}

func TestSubprocessDescribeAndCollect(t *testing.T) {
	h, _ := testHost(t)
	cfg := subprocessConfig(t, "ok", "TEST_N=3")
	p, err := h.Launch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	d := p.Description()
	if d.Name != "test-plugin" || d.Version != "9.9.9" || len(d.Collectors) != 2 {
		t.Errorf("description = %+v", d)
	}
	if got := strings.Join(d.Citations, ","); got != "164.308(a)(5)(ii)(D),164.312(d)" {
		t.Errorf("citations = %s", got)
	}
	if p.ProtocolVersion() != 1 {
		t.Errorf("negotiated protocol %d, want 1", p.ProtocolVersion())
	}
	c := collectorNamed(t, p, "test-items")
	desc := c.Describe()
	if desc.PluginDigest != cfg.SHA256 || desc.PluginVersion != "9.9.9" || len(desc.Actions) != 0 {
		t.Errorf("descriptor = %+v, want the verified digest and reported version", desc)
	}
	req := request()
	req.Options = collectors.NewOptions(func(v any) error {
		*(v.(*any)) = map[string]any{"label": "from-config"}
		return nil
	})
	resp, err := c.Collect(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Snapshots) != 3 {
		t.Fatalf("got %d snapshots, want 3", len(resp.Snapshots))
	}
	var payload struct {
		I      int    `json:"i"`
		Period string `json:"period"`
		Label  string `json:"label"`
		Now    string `json:"now"`
	}
	if err := json.Unmarshal(resp.Snapshots[2].Payload, &payload); err != nil {
		t.Fatal(err)
	}
	if payload.I != 2 || payload.Period != "2026-Q4" || payload.Label != "from-config" || payload.Now != "2026-11-03T12:00:00Z" {
		t.Errorf("payload = %+v: the request did not reach the plugin intact", payload)
	}
	if s := resp.Snapshots[0]; s.Status != evidence.StatusOK || strings.Join(s.APICalls, ",") != "test:ListItems" {
		t.Errorf("snapshot = %+v", s)
	}
}

func TestEnvironmentAllowlist(t *testing.T) {
	t.Setenv("PLUGINS_TEST_SECRET", "hunter2")
	t.Setenv("PLUGINS_TEST_ALLOWED", "visible")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "not-for-plugins")
	h, _ := testHost(t)
	p, err := h.Launch(context.Background(), subprocessConfig(t, "env", "PLUGINS_TEST_ALLOWED"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	resp, err := collectorNamed(t, p, "test-items").Collect(context.Background(), request())
	if err != nil {
		t.Fatal(err)
	}
	var payload struct {
		Env []string `json:"env"`
	}
	if err := json.Unmarshal(resp.Snapshots[0].Payload, &payload); err != nil {
		t.Fatal(err)
	}
	env := strings.Join(payload.Env, "\n")
	if !strings.Contains(env, "PLUGINS_TEST_ALLOWED=visible") {
		t.Errorf("the allowed variable is missing from the plugin's environment:\n%s", env)
	}
	for _, leaked := range []string{"hunter2", "not-for-plugins", "PATH=", "HOME="} {
		if strings.Contains(env, leaked) {
			t.Errorf("the plugin sees %q from the host's environment:\n%s", leaked, env)
		}
	}
}

func TestSubprocessFailures(t *testing.T) {
	tests := []struct {
		name   string
		mode   string
		env    []string
		tune   func(*plugins.Config)
		code   string
		want   string
		broken bool // the plugin is not usable afterwards in this mode
	}{
		{name: "crash", mode: "crash", code: plugins.CodePluginCrashed, want: "exited"},
		{name: "hang", mode: "hang", tune: func(c *plugins.Config) { c.Timeout = 500 * time.Millisecond }, code: plugins.CodePluginTimeout, want: "did not finish within 500ms"},
		{name: "garbage payload", mode: "garbage", code: plugins.CodePluginProtocolError, want: "payload is not JSON"},
		{name: "bad status", mode: "bad-status", code: plugins.CodePluginProtocolError, want: "status 0"},
		{name: "undeclared kind", mode: "undeclared", code: plugins.CodePluginProtocolError, want: `"test.other"`},
		{name: "no snapshots", mode: "empty", code: plugins.CodePluginProtocolError, want: "returned no snapshots"},
		{name: "collector error", mode: "fail", code: collectors.CodeCollectorFailed, want: "vendor API refused the token"},
		{name: "collector panic", mode: "panic", code: collectors.CodeCollectorFailed, want: "panicked: vendor bug"},
		{name: "oversize payload", mode: "ok", env: []string{"TEST_SIZE=5000"}, tune: func(c *plugins.Config) { c.MaxSnapshotBytes = 4096 },
			code: plugins.CodePluginOutputTooLarge, want: "exceeds the 4096 byte limit"},
		{name: "oversize message", mode: "ok", env: []string{"TEST_SIZE=2000000"}, tune: func(c *plugins.Config) { c.MaxSnapshotBytes = 1024 },
			code: plugins.CodePluginOutputTooLarge, want: "message larger than"},
		{name: "oversize call", mode: "ok", env: []string{"TEST_SIZE=3000", "TEST_N=10"}, tune: func(c *plugins.Config) { c.MaxCallBytes = 20000 },
			code: plugins.CodePluginOutputTooLarge, want: "snapshots exceed 20000 bytes"},
		{name: "too many snapshots", mode: "ok", env: []string{"TEST_N=6"}, tune: func(c *plugins.Config) { c.MaxSnapshots = 5 },
			code: plugins.CodePluginOutputTooLarge, want: "more than 5 snapshots"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := testHost(t)
			cfg := subprocessConfig(t, tc.mode, tc.env...)
			if tc.tune != nil {
				tc.tune(&cfg)
			}
			p, err := h.Launch(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			resp, err := collectorNamed(t, p, "test-items").Collect(context.Background(), request())
			wantErrorSnapshots(t, resp, err, tc.code, tc.want)
			// The plugin's other collector still works: one failed call
			// does not take the plugin down (a crashed one is restarted).
			resp, err = collectorNamed(t, p, "test-more").Collect(context.Background(), request())
			if err != nil || len(resp.Snapshots) != 2 || resp.Snapshots[0].Status != evidence.StatusOK {
				t.Errorf("after the failure, the other collector returned %+v, %v", resp, err)
			}
		})
	}
}

func TestCrashedPluginIsRestarted(t *testing.T) {
	h, logs := testHost(t)
	cfg := subprocessConfig(t, "crash-once", "TEST_MARKER="+filepath.Join(t.TempDir(), "crashed"))
	p, err := h.Launch(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := collectorNamed(t, p, "test-items")
	resp, err := c.Collect(context.Background(), request())
	wantErrorSnapshots(t, resp, err, plugins.CodePluginCrashed, "exited")
	resp, err = c.Collect(context.Background(), request())
	if err != nil || len(resp.Snapshots) != 1 || resp.Snapshots[0].Status != evidence.StatusOK {
		t.Fatalf("after a restart: %+v, %v", resp, err)
	}
	if !strings.Contains(logs.String(), "starting it again") {
		t.Errorf("the restart was not logged:\n%s", logs)
	}
}

func TestCrashLoopGivesUp(t *testing.T) {
	h, _ := testHost(t)
	p, err := h.Launch(context.Background(), subprocessConfig(t, "crash"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := collectorNamed(t, p, "test-items")
	var last *collectors.Response
	for i := 0; i < 4; i++ {
		if last, err = c.Collect(context.Background(), request()); err != nil {
			t.Fatal(err)
		}
	}
	wantErrorSnapshots(t, last, nil, plugins.CodePluginUnavailable, "not started again")
}

func TestLaunchFailuresBecomeStandIns(t *testing.T) {
	tests := []struct {
		name string
		mode string
		want string
	}{
		{"hangs at start", "slow-start", "timeout"},
		{"not a plugin", "not-a-plugin", "not a hipaa-evidence plugin"},
		{"other protocol version", "protocol-2", "different protocol version"},
		{"invalid plugin", "invalid", "exited"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, logs := testHost(t)
			h.StartTimeout = 2 * time.Second
			cfg := subprocessConfig(t, tc.mode)
			set, err := h.LaunchAll(context.Background(), []plugins.Config{cfg})
			if err != nil {
				t.Fatalf("a plugin that fails to start must not stop the run: %v", err)
			}
			defer set.Close()
			if len(set.Plugins()) != 0 {
				t.Fatal("the failed plugin is listed as started")
			}
			cs := set.Collectors()
			if len(cs) != 1 {
				t.Fatalf("got %d collectors, want one stand-in", len(cs))
			}
			d := cs[0].Describe()
			if d.Name != "tp" || d.PluginDigest != cfg.SHA256 || !d.HasKind(plugins.UnavailableKind("tp")) {
				t.Errorf("stand-in descriptor = %+v", d)
			}
			resp, err := cs[0].Collect(context.Background(), request())
			wantErrorSnapshots(t, resp, err, plugins.CodePluginUnavailable, tc.want)
			if tc.mode == "invalid" && !strings.Contains(logs.String(), "Not Valid") {
				t.Errorf("the plugin's own reason (its stderr) is not in the log:\n%s", logs)
			}
		})
	}
}

func TestSetRegister(t *testing.T) {
	h, _ := testHost(t)
	set, err := h.LaunchAll(context.Background(), []plugins.Config{subprocessConfig(t, "ok")})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()

	reg := collectors.NewRegistry()
	if err := set.Register(reg); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(reg.Names(), ","); got != "test-items,test-more" {
		t.Errorf("registered %s", got)
	}

	clash := collectors.NewRegistry()
	clash.Register("test-more", func() collectors.Collector { return &testCollector{name: "test-more"} })
	err = set.Register(clash)
	if !errors.Is(err, plugins.ErrNameClash) || !strings.Contains(err.Error(), "plugin tp") {
		t.Errorf("err = %v, want a name clash naming the plugin", err)
	}
	if clash.Has("test-items") {
		t.Error("a clash still registered some collectors")
	}
}
