package main

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hipaa-evidence/hipaa-evidence/reports/bundle"
)

// TestWriteBundleLayout packages a run with evaluation inputs, an
// attachment stored the way `attach` stores one, and a report file, and
// checks where each lands and that the bundle verifies.
func TestWriteBundleLayout(t *testing.T) {
	dir := t.TempDir()
	signer, lk, runID := collectTestRun(t, dir, false)
	ctx := context.Background()
	id := "20261201T100000Z-0123456789ab"
	for name, data := range map[string][]byte{"BAA: signed.pdf": []byte("%PDF-1.4 baa"), "metadata.json": []byte(`{"id":"` + id + `"}`)} {
		sig, err := signer.Sign(ctx, data)
		if err != nil {
			t.Fatal(err)
		}
		for n, d := range map[string][]byte{name: data, name + ".sig": sig} {
			if _, err := lk.PutFile(path.Join("attachments", id, n), d); err != nil {
				t.Fatal(err)
			}
		}
	}
	report := filepath.Join(dir, "hipaa-evidence-report-2026-Q4.pdf")
	if err := os.WriteFile(report, []byte("%PDF-1.7 report"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := writeBundle(ctx, bundleRequest{
		Organization: "Acme", Period: "2026-Q4", RunID: runID, Locker: lk, Signer: signer,
		Results:     []byte(`{"results":[]}` + "\n"),
		EvalFiles:   map[string][]byte{"checks/aws.yaml": []byte("id: x\n"), "ownership.yaml": []byte("entries: []\n"), "evaluation.json": []byte("{}\n")},
		Attachments: []string{id}, Reports: []string{report}, OutDir: filepath.Join(dir, "out"), Now: time.Now(),
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := bundle.VerifyFile(ctx, res.Path, bundle.Options{Key: signer.PublicKey()})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if rep.Attachments != 2 || rep.Snapshots != 1 {
		t.Errorf("attachments %d snapshots %d, want 2 and 1", rep.Attachments, rep.Snapshots)
	}
	have := map[string]bool{}
	for _, f := range res.Manifest.Files {
		have[f.Path] = true
	}
	for _, want := range []string{
		bundle.ResultsFile, "checks/aws.yaml", "config/ownership.yaml", "config/evaluation.json",
		"attachments/" + id + "/BAA_ signed.pdf", "attachments/" + id + "/BAA_ signed.pdf.sig",
		"attachments/" + id + "/metadata.json", "attachments/" + id + "/metadata.json.sig",
		"reports/hipaa-evidence-report-2026-Q4.pdf", bundle.RunManifestFile,
	} {
		if !have[want] {
			t.Errorf("bundle lacks %s", want)
		}
	}
	for p := range have {
		if n := evalFileName(p); n != "" && evalFilePath(n) != p {
			t.Errorf("evalFilePath(evalFileName(%q)) = %q", p, evalFilePath(n))
		}
	}
	if !strings.HasSuffix(res.Path, "hipaa-evidence-acme-2026-Q4.zip") {
		t.Errorf("bundle path %s", res.Path)
	}
	if _, err := writeBundle(ctx, bundleRequest{Period: "2026-Q4", RunID: runID, Locker: lk, Signer: signer,
		Attachments: []string{"../x"}, OutDir: filepath.Join(dir, "out2")}); err == nil {
		t.Error("an attachment id with a path was accepted")
	}
}
