package plugins_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	testfs "testing/fstest"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/plugins"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/proto"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/sdk"
)

// The test binary doubles as the plugin under test (the helper-process
// pattern): run with modeEnv set, it serves a test plugin instead of running
// tests. The host passes modeEnv through its environment allowlist.
const modeEnv = "HIPAA_EVIDENCE_TEST_PLUGIN"

func TestMain(m *testing.M) {
	if mode := os.Getenv(modeEnv); mode != "" {
		servePlugin(mode)
		os.Exit(0)
	}
	// go-plugin's in-process test helper logs at debug level to hclog's
	// default output; keep the test output readable.
	hclog.DefaultOutput = io.Discard
	os.Exit(m.Run())
}

// testKind is the evidence kind of the test collector.
const testKind = "test.plugin.items"

// testCollector is a plugin collector whose behaviour is chosen by mode.
type testCollector struct {
	name string
	mode string
	n    int
	size int
}

func (c *testCollector) Describe() collectors.Descriptor {
	return collectors.Descriptor{
		Name: c.name, Version: "0.1.0", Summary: "test collector", Scope: collectors.Once,
		EvidenceKinds: []string{testKind}, Permissions: []string{"test:items.read"},
	}
}

func (c *testCollector) Collect(ctx context.Context, req *collectors.Request) (*collectors.Response, error) {
	switch c.mode {
	case "crash":
		os.Exit(3)
	case "exe-digest":
		// The digest of the file this process is running, whatever its path
		// holds now.
		b, err := os.ReadFile("/proc/self/exe")
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		p, err := json.Marshal(map[string]string{"sha256": hex.EncodeToString(sum[:])})
		if err != nil {
			return nil, err
		}
		return &collectors.Response{Snapshots: []*evidence.Snapshot{{Kind: testKind, Status: evidence.StatusOK, Payload: p}}}, nil
	case "crash-once":
		marker := os.Getenv("TEST_MARKER")
		if _, err := os.Stat(marker); err != nil {
			if err := os.WriteFile(marker, nil, 0o600); err != nil {
				return nil, err
			}
			os.Exit(3)
		}
	case "hang":
		select {} // ignores ctx: only the host's deadline ends this call
	case "fail":
		return nil, errors.New("vendor API refused the token")
	case "panic":
		panic("vendor bug")
	case "env":
		env := os.Environ()
		sort.Strings(env)
		p, err := json.Marshal(map[string]any{"env": env})
		if err != nil {
			return nil, err
		}
		return &collectors.Response{Snapshots: []*evidence.Snapshot{{Kind: testKind, Status: evidence.StatusOK, Payload: p}}}, nil
	case "undeclared":
		return &collectors.Response{Snapshots: []*evidence.Snapshot{{Kind: "test.other", Status: evidence.StatusOK, Payload: json.RawMessage(`{}`)}}}, nil
	case "garbage":
		return &collectors.Response{Snapshots: []*evidence.Snapshot{{Kind: testKind, Status: evidence.StatusOK, Payload: json.RawMessage(`{"users": [`)}}}, nil
	case "bad-status":
		return &collectors.Response{Snapshots: []*evidence.Snapshot{{Kind: testKind, Status: "fine", Payload: json.RawMessage(`{}`)}}}, nil
	case "empty":
		return &collectors.Response{}, nil
	}
	n := c.n
	if n == 0 {
		n = 1
	}
	var opts struct {
		Label string `yaml:"label"`
	}
	if err := req.Options.Decode(&opts); err != nil {
		return nil, err
	}
	out := make([]*evidence.Snapshot, 0, n)
	pad := strings.Repeat("x", c.size)
	for i := 0; i < n; i++ {
		b := collectors.NewBuilder(testKind)
		b.Called("test:ListItems")
		s, err := b.Snapshot(map[string]any{"i": i, "period": req.Period, "label": opts.Label, "now": req.Now().UTC().Format(time.RFC3339), "pad": pad})
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return &collectors.Response{Snapshots: out}, nil
}

// testChecks is the check file the test plugin ships.
var testChecks = map[string]string{
	"checks/items.yaml": "id: test_items_present\nevidence: " + testKind + "\npass: size(payload.items) > 0\ncitations: [\"164.312(d)\", \"164.308(a)(5)(ii)(D)\"]\n",
}

func fstest(files map[string]string) fs.FS {
	m := testfs.MapFS{}
	for name, content := range files {
		m[name] = &testfs.MapFile{Data: []byte(content)}
	}
	return m
}

func testPlugin(mode string) sdk.Plugin {
	n, _ := strconv.Atoi(os.Getenv("TEST_N"))
	size, _ := strconv.Atoi(os.Getenv("TEST_SIZE"))
	return sdk.Plugin{
		Name:       "test-plugin",
		Version:    "9.9.9",
		Collectors: []collectors.Collector{&testCollector{name: "test-items", mode: mode, n: n, size: size}, &testCollector{name: "test-more", n: 2}},
		Checks:     fstest(testChecks),
	}
}

func servePlugin(mode string) {
	switch mode {
	case "slow-start":
		time.Sleep(time.Hour)
	case "not-a-plugin":
		fmt.Println("hello, I am not a plugin")
		time.Sleep(time.Hour)
	case "invalid":
		sdk.Serve(sdk.Plugin{Name: "Not Valid", Version: "1"})
		return
	case "protocol-2":
		impl, err := sdk.NewPlugin(testPlugin("ok"))
		if err != nil {
			panic(err)
		}
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig:  proto.Handshake,
			VersionedPlugins: map[int]plugin.PluginSet{2: {proto.PluginKey: &proto.GRPCPlugin{Impl: impl}}},
			GRPCServer:       plugin.DefaultGRPCServer,
		})
		return
	}
	sdk.Serve(testPlugin(mode))
}

// self returns the test binary's path and digest, to run it as a plugin.
func self(t testing.TB) (string, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe, err = filepath.EvalSymlinks(exe)
	if err != nil {
		t.Fatal(err)
	}
	return exe, digestOf(t, exe)
}

func digestOf(t testing.TB, path string) string {
	t.Helper()
	d, err := plugins.FileDigest(path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
