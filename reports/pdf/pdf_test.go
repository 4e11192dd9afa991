package pdf

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
	"github.com/hipaa-evidence/hipaa-evidence/reports/reportstest"
	"github.com/hipaa-evidence/hipaa-evidence/templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const testDigest = "0d5f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060504"

// renderPDF renders p and returns the bytes.
func renderPDF(t testing.TB, p *reports.Package, opts *reports.Options) []byte {
	t.Helper()
	if p.Digest == "" {
		p.Digest = testDigest
	}
	var buf bytes.Buffer
	if err := (Renderer{}).Render(context.Background(), &buf, p, opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pages(t *testing.T, pdf []byte) []string {
	t.Helper()
	ps, err := extractPages(pdf)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) == 0 {
		t.Fatal("no pages extracted")
	}
	return ps
}

func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

func TestGoldenText(t *testing.T) {
	cases := []struct {
		name string
		opts reportstest.Options
	}{
		{"small", reportstest.Options{Failing: 25, Passing: 12}},
		{"first-period", reportstest.Options{Failing: 2, Passing: 3, NoPrevious: true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps := pages(t, renderPDF(t, reportstest.New(tc.opts), nil))
			var b strings.Builder
			for i, p := range ps {
				fmt.Fprintf(&b, "=== page %d ===\n%s\n", i+1, p)
			}
			golden := filepath.Join("testdata", tc.name+".golden.txt")
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("extracted text differs from %s (run go test -update and review the diff)\n%s", golden, firstDiff(got, string(want)))
			}
		})
	}
}

// firstDiff describes the first differing line of two texts.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %q\nwant: %q", i+1, gl, wl)
		}
	}
	return "no line differs"
}

func TestDeterministicBytes(t *testing.T) {
	a := renderPDF(t, reportstest.New(reportstest.Options{Failing: 30}), nil)
	b := renderPDF(t, reportstest.New(reportstest.Options{Failing: 30}), nil)
	if !bytes.Equal(a, b) {
		t.Fatal("two renders of the same package differ")
	}
}

// citationTail matches what must not follow a citation for it to count as
// present: a deeper paragraph such as "(1)" (the acceptance check's rule).
var citationTail = regexp.MustCompile(`^\((?:\d+|[a-z]|[ivx]+|[A-Z])\)`)

// hasCitation reports whether text holds id not followed by a deeper paragraph.
func hasCitation(text, id string) bool {
	for off := 0; ; {
		i := strings.Index(text[off:], id)
		if i < 0 {
			return false
		}
		end := off + i + len(id)
		if !citationTail.MatchString(text[end:]) {
			return true
		}
		off = end
	}
}

// expectedText returns s as the PDF prints it (code points for glyphs the
// fonts lack), without white space.
func expectedText(t *testing.T, s string) string {
	t.Helper()
	cov, err := newCoverage()
	if err != nil {
		t.Fatal(err)
	}
	return squash(cov.clean(s))
}

func TestEveryCitationAndFailingResourceAppears(t *testing.T) {
	p := reportstest.New(reportstest.Options{Failing: 700, Passing: 100, Stream: true})
	text := squash(strings.Join(pages(t, renderPDF(t, p, nil)), "\n"))
	if len(p.Controls) != 68 {
		t.Fatalf("test package has %d entries, want 68", len(p.Controls))
	}
	for _, c := range p.Controls {
		if !hasCitation(text, c.ID) {
			t.Errorf("citation %s missing", c.ID)
		}
	}
	failing := reportstest.FailingResources(p)
	if len(failing) != 703 {
		t.Fatalf("%d failing resources, want 703", len(failing))
	}
	for _, r := range failing {
		if !strings.Contains(text, expectedText(t, r)) {
			t.Errorf("failing resource %s missing", r)
		}
	}
}

func TestEveryPageHasHeaderAndNumber(t *testing.T) {
	p := reportstest.New(reportstest.Options{Failing: 300})
	ps := pages(t, renderPDF(t, p, nil))
	for i, page := range ps {
		want := fmt.Sprintf("Page %d of %d", i+1, len(ps))
		if !strings.Contains(page, want) {
			t.Errorf("page %d lacks %q", i+1, want)
		}
		if !strings.Contains(page, "HIPAA Security Rule evidence report") || !strings.Contains(page, "Grünwald Clínica Health") {
			t.Errorf("page %d lacks the running header", i+1)
		}
	}
}

func TestContentsPointAtTheRightPages(t *testing.T) {
	p := reportstest.New(reportstest.Options{Failing: 400})
	ps := pages(t, renderPDF(t, p, nil))
	// The contents pages list "citation", "title", "page" as three strings.
	contents := strings.Split(ps[1]+"\n"+ps[2], "\n")
	found := 0
	for i := 0; i+2 < len(contents); i++ {
		var c *reports.Control
		for k := range p.Controls {
			if p.Controls[k].ID == contents[i] && p.Controls[k].Title == contents[i+1] {
				c = &p.Controls[k]
			}
		}
		if c == nil {
			continue
		}
		n, err := strconv.Atoi(contents[i+2])
		if err != nil || n < 4 || n > len(ps) {
			t.Fatalf("contents line for %s has page %q", c.ID, contents[i+2])
		}
		if !strings.Contains(squash(ps[n-1]), squash(c.ID+c.Title)) {
			t.Errorf("contents send %s to page %d, which does not hold its section", c.ID, n)
		}
		found++
	}
	if found != 68 {
		t.Fatalf("contents list %d catalog entries, want 68", found)
	}
}

func TestNonASCIIRendersLegibly(t *testing.T) {
	p := reportstest.New(reportstest.Options{Failing: 1})
	text := strings.Join(pages(t, renderPDF(t, p, nil)), "\n")
	for _, want := range []string{
		"Grünwald Clínica Health",                      // é, ü in the organization
		"arn:aws:iam::222222222222:user/jürgen.müller", // in a failing resource
		"arn:aws:s3:::données-patients-é",
		"arn:aws:iam::222222222222:user/[U+5C71 U+7530 U+592A U+90CE]", // 山田太郎: no CJK glyphs, code points instead
		"staging-[U+65E5 U+672C]",                                      // 日本
	} {
		if !strings.Contains(squash(text), squash(want)) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
}

func TestClean(t *testing.T) {
	cov, err := newCoverage()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, in, want string }{
		{"ascii", "arn:aws:s3:::bucket", "arn:aws:s3:::bucket"},
		{"latin", "Zürich é ß Ø", "Zürich é ß Ø"},
		{"greek and cyrillic", "Ωμέγα Привет", "Ωμέγα Привет"},
		{"cjk", "日本", "[U+65E5 U+672C]"},
		{"mixed", "a日b", "a[U+65E5]b"},
		{"emoji", "ok 😀", "ok [U+1F600]"},
		{"control characters", "a\tb\x00c", "a b c"},
		{"invalid utf8", "a\xffb", "a?b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := cov.clean(tc.in); got != tc.want {
				t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTemplateOverrideChangesTheWords(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "report"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report", "summary.tmpl"), []byte("Board summary for {{.Organization}}: {{.Status.not_met}} entries need work."), 0o644); err != nil {
		t.Fatal(err)
	}
	fsys, err := templates.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	text, err := reports.LoadText(fsys)
	if err != nil {
		t.Fatal(err)
	}
	p := reportstest.New(reportstest.Options{Failing: 3})
	out := strings.Join(pages(t, renderPDF(t, p, &reports.Options{Text: text})), "\n")
	want := fmt.Sprintf("Board summary for Grünwald Clínica Health: %d entries need work.", p.CountStatuses()[reports.NotMet])
	if !strings.Contains(squash(out), squash(want)) {
		t.Fatalf("overridden summary not in the PDF; want %q", want)
	}
}

func TestRenderHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := reportstest.New(reportstest.Options{Failing: 10})
	var buf bytes.Buffer
	if err := (Renderer{}).Render(ctx, &buf, p, nil); err == nil {
		t.Fatal("render of a cancelled context succeeded")
	}
}

// TestPopplerAndQPDF checks the PDF with independent tools: qpdf --check
// must pass, and pdftotext -raw must find every catalog citation (not
// followed by a deeper paragraph, as the acceptance check requires), every
// failing resource and the ownership matrix. It runs when qpdf and
// pdftotext are installed (apt-get install qpdf poppler-utils).
func TestPopplerAndQPDF(t *testing.T) {
	for _, tool := range []string{"qpdf", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	p := reportstest.New(reportstest.Options{Failing: 1200, Passing: 50})
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, renderPDF(t, p, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	txt := filepath.Join(t.TempDir(), "report.txt")
	if out, err := exec.Command("pdftotext", "-raw", path, txt).CombinedOutput(); err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(txt)
	if err != nil {
		t.Fatal(err)
	}
	text := squash(string(raw))
	for _, c := range p.Controls {
		if !hasCitation(text, c.ID) {
			t.Errorf("pdftotext: citation %s missing", c.ID)
		}
	}
	for _, r := range reportstest.FailingResources(p) {
		if !strings.Contains(text, expectedText(t, r)) {
			t.Errorf("pdftotext: failing resource %s missing", r)
		}
	}
	if !strings.Contains(text, "Ownershipmatrix") {
		t.Error("pdftotext: no ownership matrix")
	}
	if !strings.Contains(text, "Grünwald") {
		t.Error("pdftotext: non-ASCII organization name lost")
	}
}
