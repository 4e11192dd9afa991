package proto

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// versionLines are the generators' version comments, which differ between
// equally valid installations of protoc.
var versionLines = regexp.MustCompile(`(?m)^// (protoc|- protoc|\s+protoc)[^\n]*\n`)

// TestGeneratedCodeIsCurrent regenerates the wire code from collector.proto
// and compares it with the committed files, so an edit to the contract
// cannot land without its code. It needs protoc, protoc-gen-go and
// protoc-gen-go-grpc (see generate.go) and skips without them.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	gobin := filepath.Join(os.Getenv("HOME"), "go", "bin")
	if gp := os.Getenv("GOPATH"); gp != "" {
		gobin = filepath.Join(gp, "bin")
	}
	path := os.Getenv("PATH") + string(os.PathListSeparator) + gobin
	for _, tool := range []string{"protoc", "protoc-gen-go", "protoc-gen-go-grpc"} {
		if _, err := lookPath(tool, path); err != nil {
			t.Skipf("%s is not installed; see generate.go", tool)
		}
	}
	out := t.TempDir()
	const module = "github.com/hipaa-evidence/hipaa-evidence/plugins/proto"
	cmd := exec.Command("protoc", "--proto_path=.", "--go_out="+out, "--go_opt=module="+module,
		"--go-grpc_out="+out, "--go-grpc_opt=module="+module, "collector.proto")
	cmd.Env = append(os.Environ(), "PATH="+path)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("protoc: %v\n%s", err, b)
	}
	for _, name := range []string{"collector.pb.go", "collector_grpc.pb.go"} {
		want, err := os.ReadFile(filepath.Join(out, "internal", "pluginv1", name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("internal", "pluginv1", name))
		if err != nil {
			t.Fatal(err)
		}
		if versionLines.ReplaceAllString(string(got), "") != versionLines.ReplaceAllString(string(want), "") {
			t.Errorf("internal/pluginv1/%s is not what collector.proto generates: run `go generate ./plugins/proto`", name)
		}
	}
}

// lookPath finds tool in the directories of path.
func lookPath(tool, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, tool)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}
