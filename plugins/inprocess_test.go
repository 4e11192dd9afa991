package plugins_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/plugins"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/proto"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/sdk"
)

// launchInProcess serves p over go-plugin's in-memory gRPC test connection.
func launchInProcess(t *testing.T, h *plugins.Host, cfg plugins.Config, p sdk.Plugin) *plugins.Plugin {
	t.Helper()
	impl, err := sdk.NewPlugin(p)
	if err != nil {
		t.Fatal(err)
	}
	lp, err := plugins.LaunchInProcess(t, h, cfg, impl)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(lp.Close)
	return lp
}

func newSigner(t *testing.T) evidence.Signer {
	t.Helper()
	s, err := evidence.GenerateKeyFile(filepath.Join(t.TempDir(), "key.pem"), false)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestInProcessFailures(t *testing.T) {
	tests := []struct {
		mode string
		code string
		want string
	}{
		{"garbage", plugins.CodePluginProtocolError, "payload is not JSON"},
		{"undeclared", plugins.CodePluginProtocolError, "not one collector test-items declares"},
		{"fail", collectors.CodeCollectorFailed, "vendor API refused"},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			h, _ := testHost(t)
			p := launchInProcess(t, h, plugins.Config{Name: "tp", Path: "in-process"}, testPlugin(tc.mode))
			resp, err := collectorNamed(t, p, "test-items").Collect(context.Background(), request())
			wantErrorSnapshots(t, resp, err, tc.code, tc.want)
		})
	}
}

func TestInProcessLimits(t *testing.T) {
	h, _ := testHost(t)
	tp := testPlugin("ok")
	tp.Collectors[0] = &testCollector{name: "test-items", n: 11}
	p := launchInProcess(t, h, plugins.Config{Name: "tp", Path: "in-process", MaxSnapshots: 10}, tp)
	resp, err := collectorNamed(t, p, "test-items").Collect(context.Background(), request())
	wantErrorSnapshots(t, resp, err, plugins.CodePluginOutputTooLarge, "more than 10 snapshots")
}

func TestCancelledRunIsNotAPluginFailure(t *testing.T) {
	h, _ := testHost(t)
	tp := testPlugin("ok")
	tp.Collectors[0] = &testCollector{name: "test-items", mode: "hang"}
	p := launchInProcess(t, h, plugins.Config{Name: "tp", Path: "in-process"}, tp)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := collectorNamed(t, p, "test-items").Collect(ctx, request())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the run's own context error", err)
	}
}

// TestRunnerSignsPluginEvidence runs a plugin collector through the same
// Runner as the built-ins: the host signs the snapshots with the run's key and
// records the plugin's digest and version.
func TestRunnerSignsPluginEvidence(t *testing.T) {
	h, _ := testHost(t)
	p := launchInProcess(t, h, plugins.Config{Name: "tp", Path: "in-process"}, testPlugin("ok"))
	reg := collectors.NewRegistry()
	set := plugins.NewSetForTest(p)
	if err := set.Register(reg); err != nil {
		t.Fatal(err)
	}
	lk, err := locker.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	signer := newSigner(t)
	res, err := (&collectors.Runner{Registry: reg, Locker: lk, Signer: signer}).Run(context.Background(), collectors.Plan{
		Period:     "2026-Q4",
		Collectors: []string{"test-items", "test-more"},
		Caller:     collectors.Account{ID: "111122223333", Partition: "aws"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := set.RecordChecks(context.Background(), lk, signer); err != nil {
		t.Fatal(err)
	}
	vr, err := lk.VerifyRun(res.RunID, signer.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	if len(vr.Manifest.Snapshots) != 3 || vr.Manifest.Gaps != 0 {
		t.Fatalf("manifest has %d snapshots, %d gaps", len(vr.Manifest.Snapshots), vr.Manifest.Gaps)
	}
	for _, c := range vr.Manifest.Collectors {
		if c.PluginDigest != plugins.FakeDigest {
			t.Errorf("manifest collector %+v lacks the plugin digest", c)
		}
	}
	data, _, err := lk.ReadSnapshot(vr.Manifest.Snapshots[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := evidence.DecodeSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	want := evidence.CollectorInfo{Name: snap.Collector.Name, Version: "0.1.0", PluginDigest: plugins.FakeDigest, PluginVersion: "9.9.9"}
	if snap.Collector != want {
		t.Errorf("snapshot collector = %+v, want %+v", snap.Collector, want)
	}

	records, missing, err := plugins.RunRecords(lk, vr)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1 || len(missing) != 0 {
		t.Fatalf("records %d, missing %v", len(records), missing)
	}
	r := records[0]
	if r.Plugin != "test-plugin" || r.Version != "9.9.9" || r.SHA256 != plugins.FakeDigest || r.KeyID != evidence.KeyID(signer.PublicKey()) {
		t.Errorf("record = %+v", r)
	}
	files := r.CheckFiles()
	if len(files) != 1 || files[0].Name != "checks/items.yaml" || string(files[0].Content) != testChecks["checks/items.yaml"] {
		t.Errorf("record checks = %+v", files)
	}
	if got := r.EvidenceKinds(); !reflect.DeepEqual(got, []string{testKind, testKind}) {
		t.Errorf("kinds = %v", got)
	}
	// Recording again (the next run with the same binary and key) is a no-op.
	if err := set.RecordChecks(context.Background(), lk, signer); err != nil {
		t.Errorf("recording the same plugin twice: %v", err)
	}
}

func TestRecordTampering(t *testing.T) {
	h, _ := testHost(t)
	p := launchInProcess(t, h, plugins.Config{Name: "tp", Path: "in-process"}, testPlugin("ok"))
	lk, err := locker.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	signer := newSigner(t)
	if err := plugins.RecordChecks(context.Background(), lk, signer, p); err != nil {
		t.Fatal(err)
	}
	rel := plugins.RecordPath(plugins.FakeDigest, evidence.KeyID(signer.PublicKey()))
	data, err := lk.ReadFile(rel, plugins.MaxRecordSize)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := lk.ReadFile(rel+".sig", 1024)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plugins.DecodeRecord(data, sig, signer.PublicKey(), plugins.FakeDigest); err != nil {
		t.Fatalf("the stored record does not verify: %v", err)
	}
	other := newSigner(t)
	tests := []struct {
		name   string
		data   []byte
		pub    *evidence.LocalSigner
		digest string
		want   string
	}{
		{"changed check", []byte(strings.Replace(string(data), "size(payload.items) > 0", "true", 1)), nil, plugins.FakeDigest, "signature"},
		{"other key", data, other.(*evidence.LocalSigner), plugins.FakeDigest, "signature"},
		{"other binary", data, nil, strings.Repeat("cd", 32), "not " + strings.Repeat("cd", 32)},
		{"oversize", make([]byte, plugins.MaxRecordSize+1), nil, plugins.FakeDigest, "limit"},
	}
	if string(tests[0].data) == string(data) {
		t.Fatal("the tampering case did not change the record")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pub := signer.PublicKey()
			if tc.pub != nil {
				pub = tc.pub.PublicKey()
			}
			_, err := plugins.DecodeRecord(tc.data, sig, pub, tc.digest)
			if !errors.Is(err, plugins.ErrRecord) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrRecord containing %q", err, tc.want)
			}
		})
	}
	// A stray closing bracket after the record, signed with it, is trailing
	// data like any other.
	for _, trailing := range []string{"]", "}"} {
		b := append(bytes.Clone(data), trailing...)
		bsig, err := signer.Sign(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := plugins.DecodeRecord(b, bsig, signer.PublicKey(), plugins.FakeDigest); !errors.Is(err, plugins.ErrRecord) || !strings.Contains(err.Error(), "trailing") {
			t.Errorf("record followed by %q: err = %v, want ErrRecord for trailing data", trailing, err)
		}
	}
	// A record changed on disk is refused when the plugin is recorded again.
	path := filepath.Join(lk.Root(), "files", filepath.FromSlash(rel))
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(data, ' '), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := plugins.RecordChecks(context.Background(), lk, signer, p); !errors.Is(err, plugins.ErrRecord) {
		t.Errorf("err = %v, want ErrRecord for a changed record", err)
	}
}

func TestValidateChecksHook(t *testing.T) {
	h, _ := testHost(t)
	var gotFiles []proto.CheckFile
	var gotKinds []string
	h.ValidateChecks = func(files []proto.CheckFile, kinds []string) error {
		gotFiles, gotKinds = files, kinds
		return errors.New("checks/items.yaml:3: unknown function sizee")
	}
	impl, err := sdk.NewPlugin(testPlugin("ok"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = plugins.LaunchInProcess(t, h, plugins.Config{Name: "tp", Path: "in-process"}, impl)
	if !errors.Is(err, plugins.ErrInvalidPlugin) || !strings.Contains(err.Error(), "unknown function sizee") {
		t.Errorf("err = %v, want ErrInvalidPlugin with the loader's message", err)
	}
	if len(gotFiles) != 1 || !reflect.DeepEqual(gotKinds, []string{testKind}) {
		t.Errorf("validator saw files %v kinds %v", gotFiles, gotKinds)
	}
}

// rawPlugin is a plugin written without the SDK, describing whatever it is given.
type rawPlugin struct{ desc *proto.Description }

func (r *rawPlugin) Describe(context.Context) (*proto.Description, error) { return r.desc, nil }
func (r *rawPlugin) Collect(context.Context, string, *collectors.Request, func(*evidence.Snapshot) error) error {
	return nil
}

func TestHostRefusesInvalidDescriptions(t *testing.T) {
	col := func(name string, kinds ...string) collectors.Descriptor {
		return collectors.Descriptor{Name: name, Version: "1", Scope: collectors.Once, EvidenceKinds: kinds}
	}
	big := make([]byte, proto.MaxCheckFileSize/2+1)
	tests := []struct {
		name string
		desc *proto.Description
		want string
	}{
		{"bad plugin name", &proto.Description{Name: "Bad", Version: "1", Collectors: []collectors.Descriptor{col("c", "a.b")}}, "name"},
		{"bad collector name", &proto.Description{Name: "p", Version: "1", Collectors: []collectors.Descriptor{col("C D", "a.b")}}, "collector name"},
		{"invalid descriptor", &proto.Description{Name: "p", Version: "1", Collectors: []collectors.Descriptor{col("c")}}, "no evidence kinds"},
		{"duplicate collector", &proto.Description{Name: "p", Version: "1", Collectors: []collectors.Descriptor{col("c", "a.b"), col("c", "a.c")}}, "listed twice"},
		{"duplicate check file", &proto.Description{Name: "p", Version: "1", Collectors: []collectors.Descriptor{col("c", "a.b")},
			Checks: []proto.CheckFile{{Name: "x.yaml"}, {Name: "x.yaml"}}}, "check file x.yaml is listed twice"},
		// What a plugin says about itself is printed by `plugins pin`, whose
		// output operators append to their config: a newline would let it
		// write YAML there.
		{"newline in the version", &proto.Description{Name: "p", Version: "1\nplugins:", Collectors: []collectors.Descriptor{col("c", "a.b")}}, "control character"},
		{"newline in a summary", &proto.Description{Name: "p", Version: "1", Collectors: []collectors.Descriptor{
			{Name: "c", Version: "1", Summary: "users\nlocker:\n  path: /tmp/x", Scope: collectors.Once, EvidenceKinds: []string{"a.b"}}}}, "control character"},
		{"escape in a permission", &proto.Description{Name: "p", Version: "1", Collectors: []collectors.Descriptor{
			{Name: "c", Version: "1", Scope: collectors.Once, EvidenceKinds: []string{"a.b"}, Permissions: []string{"read\x1b[8m"}}}}, "control character"},
		{"carriage return in a collector version", &proto.Description{Name: "p", Version: "1", Collectors: []collectors.Descriptor{
			{Name: "c", Version: "1\r", Scope: collectors.Once, EvidenceKinds: []string{"a.b"}}}}, "control character"},
		{"newline in the SDK version", &proto.Description{Name: "p", Version: "1", SDKVersion: "v1\n", Collectors: []collectors.Descriptor{col("c", "a.b")}}, "control character"},
		{"newline in a citation", &proto.Description{Name: "p", Version: "1", Citations: []string{"164.312(d)\n"}, Collectors: []collectors.Descriptor{col("c", "a.b")}}, "control character"},
		{"newline in a check file name", &proto.Description{Name: "p", Version: "1", Collectors: []collectors.Descriptor{col("c", "a.b")},
			Checks: []proto.CheckFile{{Name: "checks/a\nb.yaml", Content: []byte("id: x\n")}}}, "control character"},
		{"check file name leaves the plugin's directory", &proto.Description{Name: "p", Version: "1", Collectors: []collectors.Descriptor{col("c", "a.b")},
			Checks: []proto.CheckFile{{Name: "../../builtin/iam_root_mfa.yaml", Content: []byte("id: x\n")}}}, "not a relative slash path"},
		{"absolute check file name", &proto.Description{Name: "p", Version: "1", Collectors: []collectors.Descriptor{col("c", "a.b")},
			Checks: []proto.CheckFile{{Name: "/checks/x.yaml", Content: []byte("id: x\n")}}}, "not a relative slash path"},
		{"check file too large", &proto.Description{Name: "p", Version: "1", Collectors: []collectors.Descriptor{col("c", "a.b")},
			Checks: []proto.CheckFile{{Name: "x.yaml", Content: make([]byte, proto.MaxCheckFileSize+1)}}}, "larger than"},
		{"checks too large", &proto.Description{Name: "p", Version: "1", Collectors: []collectors.Descriptor{col("c", "a.b")},
			Checks: []proto.CheckFile{{Name: "1.yaml", Content: big}, {Name: "2.yaml", Content: big}, {Name: "3.yaml", Content: big},
				{Name: "4.yaml", Content: big}, {Name: "5.yaml", Content: big}, {Name: "6.yaml", Content: big},
				{Name: "7.yaml", Content: big}, {Name: "8.yaml", Content: big}}}, "exceed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := testHost(t)
			_, err := plugins.LaunchInProcess(t, h, plugins.Config{Name: "tp", Path: "in-process"}, &rawPlugin{desc: tc.desc})
			if !errors.Is(err, plugins.ErrInvalidPlugin) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrInvalidPlugin containing %q", err, tc.want)
			}
		})
	}
}
