package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
)

// evaluatedBundle collects with the CLI, evaluates the run with the
// built-in checks through the controls package, lets edit change the
// results or the evaluation inputs, and writes a bundle; it returns the
// zip's path.
func evaluatedBundle(t *testing.T, dir, name string, edit func(results []byte, files map[string][]byte) []byte) string {
	t.Helper()
	signer, err := evidence.LoadKeyFile(filepath.Join(dir, "keys", "signing-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	lk, err := locker.Open(filepath.Join(dir, "evidence-locker"))
	if err != nil {
		t.Fatal(err)
	}
	runID, err := lk.LatestRun("2026-Q4")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cat, err := controls.DefaultCatalog()
	if err != nil {
		t.Fatal(err)
	}
	checks, err := controls.BuiltinChecks(controls.LoadOptions{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	in, err := controls.LoadInputs(ctx, lk, controls.LockerOptions{RunID: runID, Catalog: cat, Checks: checks})
	if err != nil {
		t.Fatal(err)
	}
	res, err := controls.Evaluate(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	data, err := res.Encode()
	if err != nil {
		t.Fatal(err)
	}
	files, err := controls.InputFiles(in)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		data = edit(data, files)
	}
	out, err := writeBundle(ctx, bundleRequest{Organization: "Acme", Period: "2026-Q4", RunID: runID, Locker: lk, Signer: signer,
		Results: data, EvalFiles: files, OutDir: filepath.Join(dir, name), Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return out.Path
}

func TestVerifyReevaluate(t *testing.T) {
	dir := t.TempDir()
	emulatorEnv(t)
	if _, err := evidence.GenerateKeyFile(filepath.Join(dir, "keys", "signing-key.pem"), false); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, dir, "collect", "--collectors", "test-identity", "--quiet", "--period", "2026-Q4"); code != 0 {
		t.Fatalf("collect: exit %d: %s", code, stderr)
	}

	t.Run("findings follow from the evidence", func(t *testing.T) {
		zipPath := evaluatedBundle(t, dir, "good", nil)
		stdout, stderr, code := runCLI(t, dir, "verify", zipPath, "--reevaluate")
		if code != exitOK || !strings.Contains(stdout, "reproduce results.json byte for byte") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		stdout, _, code = runCLI(t, dir, "verify", zipPath, "--reevaluate", "--json")
		var out verifyJSON
		if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != exitOK {
			t.Fatalf("exit %d, --json: %v\n%s", code, err, stdout)
		}
		if out.Reevaluation == nil || !out.Reevaluation.Same || out.Reevaluation.Controls != 68 || out.Reevaluation.Snapshots != 1 {
			t.Errorf("reevaluation %+v", out.Reevaluation)
		}
	})

	t.Run("a changed result is caught", func(t *testing.T) {
		zipPath := evaluatedBundle(t, dir, "edited", func(results []byte, _ map[string][]byte) []byte {
			r, err := controls.DecodeResults(results)
			if err != nil {
				t.Fatal(err)
			}
			r.Controls[0].Status = controls.ControlMet
			b, err := r.Encode()
			if err != nil {
				t.Fatal(err)
			}
			return b
		})
		stdout, stderr, code := runCLI(t, dir, "verify", zipPath, "--reevaluate")
		if code != exitError || !strings.Contains(stdout, "DIFFERS") || !strings.Contains(stdout, "results.json says met") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		if !strings.Contains(stderr, "re-evaluation differs") {
			t.Errorf("stderr: %s", stderr)
		}
		// Without --reevaluate the bundle is intact: it is signed as packaged.
		if _, _, code := runCLI(t, dir, "verify", zipPath); code != exitOK {
			t.Errorf("plain verify of an intact bundle: exit %d", code)
		}
	})

	t.Run("missing evaluation inputs", func(t *testing.T) {
		zipPath := evaluatedBundle(t, dir, "noinputs", func(results []byte, files map[string][]byte) []byte {
			delete(files, controls.InputEvaluation)
			return results
		})
		_, stderr, code := runCLI(t, dir, "verify", zipPath, "--reevaluate")
		if code != exitError || !strings.Contains(stderr, controls.InputEvaluation) {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
}
