package bundle

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

// needTools skips the test when a standard tool an auditor uses is missing.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
}

// readmeSteps splits README-VERIFY.txt into its numbered sections and
// returns each section's command lines (the lines indented four spaces),
// keyed by the section number; "zip" is the section about the zip itself.
func readmeSteps(t *testing.T, readme string) map[string]string {
	t.Helper()
	heading := regexp.MustCompile(`^([0-9]+)\. `)
	steps := map[string]string{}
	cur := ""
	lines := strings.Split(readme, "\n")
	for i, line := range lines {
		if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "---") {
			if m := heading.FindStringSubmatch(line); m != nil {
				cur = m[1]
			} else if strings.HasPrefix(line, "The zip itself") {
				cur = "zip"
			} else {
				cur = ""
			}
			continue
		}
		if cur != "" && strings.HasPrefix(line, "    ") {
			steps[cur] += strings.TrimPrefix(line, "    ") + "\n"
		}
	}
	return steps
}

// extract unpacks a zip into dir the way an auditor would: with unzip when
// it is installed, else with archive/zip.
func extract(t *testing.T, zipPath, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("unzip"); err == nil {
		if out, err := exec.Command("unzip", "-q", zipPath, "-d", dir).CombinedOutput(); err != nil {
			t.Fatalf("unzip: %v: %s", err, out)
		}
		return
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runStep runs one README step with bash in dir and returns its output and
// whether it exited 0.
func runStep(t *testing.T, dir, script string) (string, bool) {
	t.Helper()
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// TestAuditorCommands runs the commands README-VERIFY.txt gives, with
// openssl, sha256sum and bash only, on a generated bundle, then on tampered
// copies.
func TestAuditorCommands(t *testing.T) {
	needTools(t, "openssl", "sha256sum", "bash", "comm", "base64")
	s := newSigner(t, false)
	lk, runID := newRun(t, s)
	out := t.TempDir()
	res, err := WriteFile(context.Background(), out, &Input{Organization: "Acme Health", Period: "2026-Q4", CreatedAt: fixedNow,
		ToolVersion: "test", RunID: runID, Signer: s, Files: fixtureFiles(t, lk, runID, s)}, false)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(out, "bundle")
	extract(t, res.Path, dir)
	readme, err := os.ReadFile(filepath.Join(dir, ReadmeFile))
	if err != nil {
		t.Fatal(err)
	}
	steps := readmeSteps(t, string(readme))
	for _, n := range []string{"1", "2", "3", "4", "5", "7", "zip"} {
		if steps[n] == "" {
			t.Fatalf("README-VERIFY.txt has no commands in step %s", n)
		}
	}
	keyID := res.Manifest.KeyID

	t.Run("pristine", func(t *testing.T) {
		checks := []struct {
			step string
			ok   func(out string) bool
			want string
		}{
			{"1", func(o string) bool { return strings.HasPrefix(o, keyID+"  -") }, "the key id"},
			{"2", func(o string) bool { return strings.TrimSpace(o) == "Verified OK" }, "Verified OK"},
			{"3", func(o string) bool {
				return !strings.Contains(o, "FAILED") && strings.Count(o, ": OK") == len(res.Manifest.Files)+2
			}, "every file OK"},
			{"4", func(o string) bool { return o == "" }, "no output"},
			{"5", func(o string) bool { return strings.Contains(o, "10 signatures checked, 0 bad") }, "10 signatures checked, 0 bad"},
			{"7", func(o string) bool { return strings.TrimSpace(o) == "Verified OK" }, "Verified OK"},
			{"zip", func(o string) bool { return strings.Contains(o, "Verified OK") && strings.Contains(o, ": OK") }, "zip verified"},
		}
		for _, c := range checks {
			o, ok := runStep(t, dir, steps[c.step])
			if !ok || !c.ok(o) {
				t.Errorf("step %s: exit ok=%v, output %q; want %s\nscript:\n%s", c.step, ok, o, c.want, steps[c.step])
			}
		}
	})

	t.Run("tampered snapshot", func(t *testing.T) {
		snap := firstMatch(t, entryMap(unzipAll(t, mustRead(t, res.Path))), "evidence/111111111111/", ".json")
		p := filepath.Join(dir, filepath.FromSlash(snap))
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		flipped := bytes.Clone(orig)
		flipped[len(flipped)/2] ^= 1
		if err := os.WriteFile(p, flipped, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(p, orig, 0o644)
		if o, ok := runStep(t, dir, steps["3"]); ok || !strings.Contains(o, snap+": FAILED") {
			t.Errorf("sha256sum -c passes a flipped byte in %s: %q", snap, o)
		}
		if o, _ := runStep(t, dir, steps["5"]); !strings.Contains(o, "BAD SIGNATURE: ./"+snap) && !strings.Contains(o, "BAD SIGNATURE: "+snap) {
			t.Errorf("the signature loop passes a flipped byte in %s: %q", snap, o)
		}
	})

	t.Run("added file", func(t *testing.T) {
		p := filepath.Join(dir, "evidence", "extra.json")
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(p)
		if o, _ := runStep(t, dir, steps["4"]); strings.TrimSpace(o) != "evidence/extra.json" {
			t.Errorf("unlisted-file check prints %q, want evidence/extra.json", o)
		}
	})

	t.Run("swapped key", func(t *testing.T) {
		p := filepath.Join(dir, filepath.FromSlash(KeyFile))
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		other, err := os.ReadFile(writeTempKey(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, other, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(p, orig, 0o644)
		if o, ok := runStep(t, dir, steps["1"]); !ok || strings.HasPrefix(o, keyID) {
			t.Errorf("fingerprint of a swapped key still prints the pinned id: %q", o)
		}
		if o, ok := runStep(t, dir, steps["2"]); ok || strings.Contains(o, "Verified OK") {
			t.Errorf("openssl verifies the seal with a swapped key: %q", o)
		}
	})
}

// writeTempKey writes a fresh public key and returns its path.
func writeTempKey(t *testing.T) string {
	t.Helper()
	pem, err := evidence.MarshalPublicKeyPEM(newSigner(t, false).PublicKey(), false)
	if err != nil {
		t.Fatal(err)
	}
	return writeTemp(t, "other.pub", pem)
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
