package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// runCLI runs the command line in dir and returns stdout, stderr and the exit code.
func runCLI(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := os.Chdir(wd); err != nil {
			t.Fatal(err)
		}
	}()
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	code := exitCode(err, &stderr)
	return stdout.String(), stderr.String(), code
}

func TestUsageErrorsExitTwo(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"no-such-command"},
		{"collect", "--no-such-flag"},
		{"locker", "show"},
		{"version", "extra"},
		{"--log-format", "xml", "version"},
		{"--period", "2026-Q9", "collect"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			_, stderr, code := runCLI(t, dir, args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr: %s", code, exitUsage, stderr)
			}
		})
	}
}

func TestKeysInitAndShow(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := runCLI(t, dir, "keys", "init")
	if code != 0 {
		t.Fatalf("keys init: exit %d: %s", code, stderr)
	}
	info, err := os.Stat(filepath.Join(dir, "keys", "signing-key.pem"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("private key: %v, mode %v", err, info.Mode().Perm())
	}
	if !strings.Contains(stdout, "key id:") {
		t.Errorf("keys init output lacks the key id: %s", stdout)
	}
	if _, _, code := runCLI(t, dir, "keys", "init"); code != exitError {
		t.Errorf("second keys init: exit %d, want refusal", code)
	}
	show, _, code := runCLI(t, dir, "keys", "show")
	if code != 0 || !strings.Contains(show, "BEGIN PUBLIC KEY") {
		t.Fatalf("keys show: exit %d: %s", code, show)
	}
	id := strings.Fields(strings.SplitN(stdout, "key id:", 2)[1])[0]
	if !strings.Contains(show, id) {
		t.Errorf("keys show does not print the key id %s", id)
	}
	if err := os.Chmod(filepath.Join(dir, "keys", "signing-key.pem"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runCLI(t, dir, "keys", "show")
	if code != exitError || !strings.Contains(stderr, "chmod 600") {
		t.Fatalf("world-readable key: exit %d, stderr %s", code, stderr)
	}
}

func TestConfigErrorsNameFileAndLine(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hipaa-evidence.yaml"), []byte("organization: x\naws:\n  regoins: all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, dir, "locker", "runs")
	if code != exitError || !strings.Contains(stderr, `hipaa-evidence.yaml:3: unknown field "regoins"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestIAMPolicyIsValidJSON(t *testing.T) {
	stdout, stderr, code := runCLI(t, t.TempDir(), "iam-policy")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var doc struct {
		Version   string
		Statement []struct {
			Effect   string
			Action   []string
			Resource string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("iam-policy output is not JSON: %v", err)
	}
	if doc.Version != "2012-10-17" || len(doc.Statement) == 0 {
		t.Fatalf("policy %+v", doc)
	}
	for _, s := range doc.Statement {
		if s.Effect != "Allow" {
			t.Errorf("statement effect %s", s.Effect)
		}
		for _, a := range s.Action {
			verb := strings.SplitN(a, ":", 2)[1]
			if !(strings.HasPrefix(verb, "Get") || strings.HasPrefix(verb, "List") || strings.HasPrefix(verb, "Describe") ||
				strings.HasPrefix(verb, "Generate") || verb == "AssumeRole" || strings.HasPrefix(verb, "Lookup")) {
				t.Errorf("action %s is not read-only", a)
			}
		}
	}
}

func TestDefaultPeriodIsCurrentQuarter(t *testing.T) {
	a := newApp(nil, nil, nil)
	a.now = func() time.Time { return time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC) }
	if err := a.setup(a.rootCommand()); err != nil {
		t.Fatal(err)
	}
	p, err := a.period()
	if err != nil || p != "2026-Q4" {
		t.Fatalf("period = %q, %v", p, err)
	}
}

func TestCollectorOptionsAreValidatedFirst(t *testing.T) {
	dir := t.TempDir()
	cfg := "collectors:\n  options:\n    kms:\n      concurrency: 4\n      paralelism: 9\n"
	if err := os.WriteFile(filepath.Join(dir, "hipaa-evidence.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, dir, "keys", "init"); code != 0 {
		t.Fatal(stderr)
	}
	_, stderr, code := runCLI(t, dir, "collect", "--collectors", "kms")
	if code != exitError || !strings.Contains(stderr, `hipaa-evidence.yaml:5: unknown field "paralelism"`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if err := os.WriteFile(filepath.Join(dir, "hipaa-evidence.yaml"), []byte("collectors:\n  options:\n    nosuch: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, dir, "collect"); code != exitError || !strings.Contains(stderr, `unknown collector "nosuch"`) {
		t.Fatalf("unknown collector section: exit %d, stderr %q", code, stderr)
	}
}

// TestEveryCommandHasHelpWithExample walks the command tree: every command a
// user can run has a short description and an example in its --help.
func TestEveryCommandHasHelpWithExample(t *testing.T) {
	root := newApp(nil, nil, nil).rootCommand()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" {
			return
		}
		if c.Short == "" {
			t.Errorf("%s has no short description", c.CommandPath())
		}
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("%s --help has no example", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
