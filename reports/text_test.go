package reports

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/templates"
)

func TestDefaultTextRendersEveryTemplate(t *testing.T) {
	text, err := DefaultText()
	if err != nil {
		t.Fatal(err)
	}
	data := NewTextData(SamplePackage(), map[string]string{"json": "r.json"})
	for _, name := range TemplateNames {
		if name == "status" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			out, err := text.Execute(name, data)
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(out) == "" {
				t.Fatalf("template %s renders nothing", name)
			}
			if strings.Contains(out, "<no value>") {
				t.Fatalf("template %s renders a missing value:\n%s", name, out)
			}
		})
	}
	for _, s := range ControlStatuses {
		t.Run("status/"+string(s), func(t *testing.T) {
			out, err := text.Block("status", string(s), data)
			if err != nil || out == "" {
				t.Fatalf("status block %s = %q, %v", s, out, err)
			}
		})
	}
}

func TestLoadTextNamesTheBadFile(t *testing.T) {
	cases := []struct {
		name, file, body, want string
	}{
		{"unclosed action", "summary.tmpl", "Hello {{.Organization", "report/summary.tmpl"},
		{"unknown field", "verify.tmpl", "{{.Organisation}}", "report/verify.tmpl"},
		{"unknown function", "scope.tmpl", "{{shout .Period}}", "report/scope.tmpl"},
		{"missing status block", "status.tmpl", `{{define "met"}}ok{{end}}`, "report/status.tmpl"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "report"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "report", tc.file), []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			fsys, err := templates.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			_, err = LoadText(fsys)
			if err == nil {
				t.Fatal("malformed template accepted")
			}
			if !errors.Is(err, ErrTemplate) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not name %s", err, tc.want)
			}
		})
	}
}

func TestLoadTextUsesOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "report"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report", "summary.tmpl"), []byte("Custom summary for {{.Organization}}."), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys, err := templates.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	text, err := LoadText(fsys)
	if err != nil {
		t.Fatal(err)
	}
	got, err := text.Execute("summary", NewTextData(SamplePackage(), nil))
	if err != nil {
		t.Fatal(err)
	}
	if got != "Custom summary for Clínica Müller." {
		t.Fatalf("summary = %q", got)
	}
}

func TestBlocks(t *testing.T) {
	in := "First line\ncontinues.\n\n## Heading\n- bullet one\n  continued\n- bullet two\n$ sha256sum -c SHA256SUMS\n! careful\nLast."
	want := []Block{
		{Paragraph, "First line continues."},
		{Heading, "Heading"},
		{Bullet, "bullet one continued"},
		{Bullet, "bullet two"},
		{Command, "sha256sum -c SHA256SUMS"},
		{Warning, "careful"},
		{Paragraph, "Last."},
	}
	got := Blocks(in)
	if len(got) != len(want) {
		t.Fatalf("Blocks = %#v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("block %d = %#v, want %#v", i, got[i], want[i])
		}
	}
}

func TestFormatInt(t *testing.T) {
	for in, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -12345: "-12,345"} {
		if got := FormatInt(in); got != want {
			t.Errorf("FormatInt(%d) = %q, want %q", in, got, want)
		}
	}
}

func FuzzBlocks(f *testing.F) {
	f.Add("Para one\ncontinues.\n\n## Head\n- a\n  b\n$ cmd --x\n! warn\n")
	f.Add("")
	f.Add("\n\n\n- \n$ \n!  \n##  ")
	f.Fuzz(func(t *testing.T, in string) {
		blocks := Blocks(in)
		// Every non-blank word of the input survives in some block, in order.
		var all []string
		for _, b := range blocks {
			if b.Kind < Paragraph || b.Kind > Warning {
				t.Fatalf("block of unknown kind %d", b.Kind)
			}
			all = append(all, b.Text)
		}
		joined := strings.Join(all, " ")
		for _, line := range strings.Split(in, "\n") {
			w := strings.TrimSpace(line)
			for _, marker := range []string{"## ", "- ", "$ ", "! "} {
				w = strings.TrimPrefix(w, marker)
			}
			if w = strings.TrimSpace(w); w != "" && !strings.Contains(joined, strings.Fields(w)[0]) {
				t.Fatalf("word %q of line %q lost; blocks %q", strings.Fields(w)[0], line, all)
			}
		}
	})
}
