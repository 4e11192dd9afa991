package reports_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
	_ "github.com/hipaa-evidence/hipaa-evidence/reports/all"
	"github.com/hipaa-evidence/hipaa-evidence/reports/reportstest"
)

func TestDefaultRegistryHasTheBuiltIns(t *testing.T) {
	if got := strings.Join(reports.Default.Names(), ","); got != "json,pdf,xlsx" {
		t.Fatalf("registered formats = %s, want json,pdf,xlsx", got)
	}
}

func TestWriteDigestIsTheModelsSHA256(t *testing.T) {
	dir := t.TempDir()
	p := reportstest.New(reportstest.Options{Failing: 5, Passing: 5})
	w, err := reports.Write(context.Background(), dir, p, reports.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Files) != 3 || w.Files[0].Format != "json" || w.Files[1].Format != "pdf" || w.Files[2].Format != "xlsx" {
		t.Fatalf("files = %+v, want json, pdf, xlsx", w.Files)
	}
	model, err := os.ReadFile(w.Path("json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(model)
	if hex.EncodeToString(sum[:]) != w.Digest || p.Digest != w.Digest {
		t.Fatalf("digest %s is not the SHA-256 of %s", w.Digest, w.Path("json"))
	}
	if filepath.Base(w.Path("pdf")) != "hipaa-evidence-report-2026-Q4.pdf" {
		t.Errorf("PDF written as %s", w.Path("pdf"))
	}
	for _, f := range w.Files {
		b, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(b)
		if hex.EncodeToString(s[:]) != f.SHA256 || int64(len(b)) != f.Size {
			t.Errorf("%s: recorded sha256/size do not match the file", f.Path)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("%d entries in the output directory, want 3 (no temporary files left)", len(entries))
	}
}

func TestWriteOnlyRequestedFormats(t *testing.T) {
	w, err := reports.Write(context.Background(), t.TempDir(), reportstest.New(reportstest.Options{}), reports.WriteOptions{Formats: []string{"xlsx"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Files) != 2 || w.Path("json") == "" || w.Path("xlsx") == "" {
		t.Fatalf("files = %+v, want the JSON model and the workbook", w.Files)
	}
}

func TestWriteRejects(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(p *reports.Package, o *reports.WriteOptions)
		want   error
	}{
		{"unknown format", func(_ *reports.Package, o *reports.WriteOptions) { o.Formats = []string{"docx"} }, reports.ErrUnknownFormat},
		{"no json renderer", func(_ *reports.Package, o *reports.WriteOptions) { o.Registry = reports.NewRegistry() }, reports.ErrUnknownFormat},
		{"bad control status", func(p *reports.Package, _ *reports.WriteOptions) { p.Controls[3].Status = "passed" }, reports.ErrInvalidPackage},
		{"bad result status", func(p *reports.Package, _ *reports.WriteOptions) { p.Findings[0].Status = "ok" }, reports.ErrInvalidPackage},
		{"finding of unknown check", func(p *reports.Package, _ *reports.WriteOptions) { p.Findings[0].CheckID = "nope" }, reports.ErrInvalidPackage},
		{"duplicate entry", func(p *reports.Package, _ *reports.WriteOptions) { p.Controls[1].ID = p.Controls[0].ID }, reports.ErrInvalidPackage},
		{"wrong schema", func(p *reports.Package, _ *reports.WriteOptions) { p.Schema = "x" }, reports.ErrInvalidPackage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := reportstest.New(reportstest.Options{Failing: 2})
			var o reports.WriteOptions
			tc.mutate(p, &o)
			dir := t.TempDir()
			_, err := reports.Write(context.Background(), dir, p, o)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Write error = %v, want %v", err, tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a rejected package left %d files", len(entries))
			}
		})
	}
}
