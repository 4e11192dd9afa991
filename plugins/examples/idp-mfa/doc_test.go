package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/plugins"
)

// docPath is the plugin guide, whose walkthrough is this example.
var docPath = filepath.Join("..", "..", "..", "docs", "writing-a-plugin.md")

// The guide's module path and this example's import path.
const (
	docModule  = "example.com/example-idp"
	repoModule = "github.com/hipaa-evidence/hipaa-evidence/plugins/examples/idp-mfa"
)

// docFiles returns the files the guide shows in full: each fenced block
// preceded by a "<!-- file: NAME -->" line.
func docFiles(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	var name string
	var body []string
	inBlock := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !inBlock && strings.HasPrefix(line, "<!-- file: "):
			name = strings.TrimSuffix(strings.TrimPrefix(line, "<!-- file: "), " -->")
		case !inBlock && name != "" && strings.HasPrefix(line, "```"):
			inBlock, body = true, nil
		case inBlock && line == "```":
			files[name] = strings.Join(body, "\n") + "\n"
			inBlock, name = false, ""
		case inBlock:
			body = append(body, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return files
}

// TestGuideShowsThisExample keeps docs/writing-a-plugin.md and this example
// identical, so the walkthrough builds what the tests test.
func TestGuideShowsThisExample(t *testing.T) {
	files := docFiles(t)
	for _, name := range []string{"main.go", "mfa/collector.go", "checks/mfa.yaml", "plugin_test.go", "testdata/users-export.json"} {
		t.Run(name, func(t *testing.T) {
			shown, ok := files[name]
			if !ok {
				t.Fatalf("the guide does not show %s", name)
			}
			b, err := os.ReadFile(filepath.FromSlash(name))
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.ReplaceAll(string(b), repoModule, docModule); shown != want {
				t.Errorf("the guide's %s differs from the example's; copy the file into the guide", name)
			}
		})
	}
}

// TestWalkthrough follows the guide in a new module outside this one, as a
// vendor would: go mod init, the files from the guide, a replace directive
// to this checkout, go mod tidy, vet, test, build, then describe and pin
// with the hipaa-evidence command. It needs the Go module cache or proxy, so
// it runs only with HIPAA_EVIDENCE_WALKTHROUGH=1.
func TestWalkthrough(t *testing.T) {
	if os.Getenv("HIPAA_EVIDENCE_WALKTHROUGH") != "1" {
		t.Skip("set HIPAA_EVIDENCE_WALKTHROUGH=1 to follow the guide in a scratch module")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	run := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run(goTool, "mod", "init", docModule)
	run(goTool, "mod", "edit", "-require=github.com/hipaa-evidence/hipaa-evidence@v0.0.0",
		"-replace=github.com/hipaa-evidence/hipaa-evidence="+root)
	for name, content := range docFiles(t) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run(goTool, "mod", "tidy")
	run(goTool, "vet", "./...")
	run(goTool, "test", "./...")
	run(goTool, "build", "-o", "example-idp", ".")
	cli := filepath.Join(dir, "hipaa-evidence")
	cmd := exec.Command(goTool, "build", "-o", cli, "./cmd/hipaa-evidence")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build hipaa-evidence: %v\n%s", err, out)
	}
	digest, err := plugins.FileDigest(filepath.Join(dir, "example-idp"))
	if err != nil {
		t.Fatal(err)
	}
	if out := run(cli, "plugins", "describe", "./example-idp"); !strings.Contains(out, "collector example-idp-mfa") {
		t.Errorf("describe:\n%s", out)
	}
	stanza := run(cli, "plugins", "pin", "./example-idp")
	if !strings.Contains(stanza, "sha256: "+digest) {
		t.Errorf("pin:\n%s", stanza)
	}
	export := filepath.Join(dir, "testdata", "users-export.json")
	config := stanza + "collectors:\n  options:\n    example-idp-mfa:\n      export: " + export + "\n"
	if err := os.WriteFile(filepath.Join(dir, "hipaa-evidence.yaml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := run(cli, "plugins", "list"); !strings.Contains(out, "ok") {
		t.Errorf("list:\n%s", out)
	}
	run(cli, "keys", "init")
	if out := run(cli, "collect", "--collectors", "example-idp-mfa"); !strings.Contains(out, "1 snapshots") {
		t.Errorf("collect:\n%s", out)
	}
	// evaluate exits 3: the AWS collectors did not run.
	ev := exec.Command(cli, "evaluate", "--out", "results.json")
	ev.Dir = dir
	out, err := ev.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Fatalf("evaluate: %v\n%s", err, out)
	}
	results, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(results), "example-idp:example-health:user/00u4") {
		t.Error("results.json lacks the plugin's findings")
	}
	rep := exec.Command(cli, "report", "--out", "reports")
	rep.Dir = dir
	if out, err := rep.CombinedOutput(); err != nil {
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			t.Fatalf("report: %v\n%s", err, out)
		}
	}
	pdfs, err := filepath.Glob(filepath.Join(dir, "reports", "hipaa-evidence-report-*.pdf"))
	if err != nil || len(pdfs) != 1 {
		t.Errorf("report wrote PDFs %v (%v), want one", pdfs, err)
	}
}
