package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/plugins"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/examples/idp-mfa/mfa"
)

// buildPlugin builds this example with the go tool, as a vendor would.
func buildPlugin(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), "idp-mfa")
	cmd := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestBuildPinCollect builds the plugin, pins it, runs it through the
// Runner like a built-in collector, and finds its signed evidence and its
// checks in the locker.
func TestBuildPinCollect(t *testing.T) {
	bin := buildPlugin(t)
	digest, err := plugins.FileDigest(bin)
	if err != nil {
		t.Fatal(err)
	}
	host := &plugins.Host{}
	set, err := host.LaunchAll(context.Background(), []plugins.Config{{Name: "example-idp", Path: bin, SHA256: digest}})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	if len(set.Plugins()) != 1 {
		t.Fatal("the plugin did not start")
	}
	reg := collectors.NewRegistry()
	if err := set.Register(reg); err != nil {
		t.Fatal(err)
	}
	export, err := filepath.Abs(filepath.Join("testdata", "users-export.json"))
	if err != nil {
		t.Fatal(err)
	}
	opts := yaml.Node{}
	if err := yaml.Unmarshal([]byte("export: "+export+"\n"), &opts); err != nil {
		t.Fatal(err)
	}
	lk, err := locker.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := evidence.GenerateKeyFile(filepath.Join(t.TempDir(), "key.pem"), false)
	if err != nil {
		t.Fatal(err)
	}
	runner := &collectors.Runner{Registry: reg, Locker: lk, Signer: signer,
		Now: func() time.Time { return time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC) }}
	res, err := runner.Run(context.Background(), collectors.Plan{
		Period:     "2026-Q4",
		Collectors: []string{mfa.Name},
		Caller:     collectors.Account{ID: "111122223333", Partition: "aws"},
		Options:    map[string]collectors.Options{mfa.Name: collectors.NewOptions(func(v any) error { return opts.Decode(v) })},
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
	if len(vr.Manifest.Snapshots) != 1 || vr.Manifest.Gaps != 0 {
		t.Fatalf("manifest: %d snapshots, %d gaps", len(vr.Manifest.Snapshots), vr.Manifest.Gaps)
	}
	data, sig, err := lk.ReadSnapshot(vr.Manifest.Snapshots[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := evidence.Verify(signer.PublicKey(), data, sig); err != nil {
		t.Fatalf("the host did not sign the plugin's snapshot with the run's key: %v", err)
	}
	snap, err := evidence.DecodeSnapshot(data)
	if err != nil {
		t.Fatal(err)
	}
	want := evidence.CollectorInfo{Name: mfa.Name, Version: "1.0.0", PluginDigest: digest, PluginVersion: "1.0.0"}
	if snap.Collector != want || snap.Kind != mfa.Kind || snap.Status != evidence.StatusOK {
		t.Errorf("snapshot = %+v %s %s, want collector %+v", snap.Collector, snap.Kind, snap.Status, want)
	}
	var p mfa.Payload
	if err := json.Unmarshal(snap.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if p.Summary.ActiveWithoutMFA != 1 || len(p.Users) != 5 {
		t.Errorf("payload summary = %+v", p.Summary)
	}

	records, missing, err := plugins.RunRecords(lk, vr)
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 1 || len(missing) != 0 {
		t.Fatalf("records = %d, missing = %v", len(records), missing)
	}
	shipped, err := os.ReadFile(filepath.Join("checks", "mfa.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	files := records[0].CheckFiles()
	if len(files) != 1 || string(files[0].Content) != string(shipped) {
		t.Errorf("the recorded checks differ from checks/mfa.yaml")
	}
	if !strings.Contains(strings.Join(records[0].Citations, ","), "164.312(d)") {
		t.Errorf("record citations = %v", records[0].Citations)
	}
}
