package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
	"github.com/hipaa-evidence/hipaa-evidence/reports/reportstest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const testDigest = "0d5f1c2a9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060504"

func render(t testing.TB, p *reports.Package) []byte {
	t.Helper()
	if p.Digest == "" {
		p.Digest = testDigest
	}
	var buf bytes.Buffer
	if err := (Renderer{}).Render(context.Background(), &buf, p, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func open(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	})
	return f
}

// dump writes every sheet's cells as tab-separated rows, as Excel shows
// them (dates in their number format).
func dump(t *testing.T, f *excelize.File) string {
	t.Helper()
	var b strings.Builder
	for _, s := range f.GetSheetList() {
		rows, err := f.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "=== sheet %s ===\n", s)
		for _, r := range rows {
			for i := range r {
				r[i] = strings.ReplaceAll(r[i], "\n", `\n`)
			}
			b.WriteString(strings.Join(r, "\t"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func TestGoldenCells(t *testing.T) {
	f := open(t, render(t, reportstest.New(reportstest.Options{Failing: 6, Passing: 4})))
	got := dump(t, f)
	golden := filepath.Join("testdata", "workbook.golden.txt")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("cells differ from %s at line %d:\n got: %q\nwant: %q\n(run go test -update and review the diff)", golden, i+1, g[i], w[i])
			}
		}
		t.Fatalf("cells differ from %s in length (%d lines, want %d)", golden, len(g), len(w))
	}
}

func TestStructure(t *testing.T) {
	p := reportstest.New(reportstest.Options{Failing: 30, Passing: 20})
	b := render(t, p)
	f := open(t, b)
	if got := f.GetSheetList(); !slices.Equal(got, Sheets) {
		t.Fatalf("sheets = %v, want %v", got, Sheets)
	}
	t.Run("findings has one row per result", func(t *testing.T) {
		rows, err := f.GetRows(SheetFindings)
		if err != nil {
			t.Fatal(err)
		}
		if want := p.TotalCounts().Total() + 1; len(rows) != want {
			t.Fatalf("Findings has %d rows, want %d (header + one per result)", len(rows), want)
		}
	})
	t.Run("frozen headers", func(t *testing.T) {
		for _, s := range []string{SheetControls, SheetFindings, SheetEvidence, SheetOwnership, SheetExceptions} {
			panes, err := f.GetPanes(s)
			if err != nil {
				t.Fatal(err)
			}
			if !panes.Freeze || panes.YSplit != 1 {
				t.Errorf("%s: header row not frozen (%+v)", s, panes)
			}
		}
	})
	t.Run("autofilters", func(t *testing.T) {
		filters := map[string]string{}
		for _, d := range f.GetDefinedName() {
			if d.Name == "_xlnm._FilterDatabase" {
				filters[d.Scope] = d.RefersTo
			}
		}
		want := fmt.Sprintf("'Findings'!$A$1:$L$%d", p.TotalCounts().Total()+1)
		if got := filters[SheetFindings]; got != want {
			t.Errorf("Findings autofilter = %q, want %q", got, want)
		}
		for _, s := range []string{SheetControls, SheetEvidence, SheetOwnership, SheetExceptions, SheetChanges} {
			if filters[s] == "" {
				t.Errorf("%s has no autofilter", s)
			}
		}
	})
	t.Run("native charts on the summary", func(t *testing.T) {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		charts := 0
		for _, zf := range zr.File {
			if strings.HasPrefix(zf.Name, "xl/charts/chart") {
				charts++
			}
		}
		if charts != 2 {
			t.Errorf("%d charts, want 2 (status by safeguard, change since the previous period)", charts)
		}
	})
	t.Run("dates are dates", func(t *testing.T) {
		for _, ref := range []struct{ sheet, cell string }{{SheetSummary, "B5"}, {SheetSummary, "B7"}, {SheetEvidence, "E2"}, {SheetExceptions, "I2"}} {
			raw, err := f.GetCellValue(ref.sheet, ref.cell, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			var serial float64
			if _, err := fmt.Sscan(raw, &serial); err != nil || serial < 40000 {
				t.Errorf("%s!%s = %q, want an Excel date serial", ref.sheet, ref.cell, raw)
			}
			shown, err := f.GetCellValue(ref.sheet, ref.cell)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(shown, "20") || !strings.Contains(shown, "-") {
				t.Errorf("%s!%s shows %q, want a yyyy-mm-dd date", ref.sheet, ref.cell, shown)
			}
		}
	})
	t.Run("statuses use the vocabulary", func(t *testing.T) {
		check := func(sheet string, column int, valid func(string) bool) {
			rows, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range rows[1:] {
				if column >= len(r) || !valid(r[column]) {
					t.Errorf("%s row %d: status %q outside the vocabulary", sheet, i+2, r)
				}
			}
		}
		check(SheetControls, 5, func(s string) bool { return reports.ControlStatus(s).Valid() })
		check(SheetFindings, 3, func(s string) bool { return reports.ResultStatus(s).Valid() })
	})
	t.Run("every failing resource is a row", func(t *testing.T) {
		rows, err := f.GetRows(SheetFindings)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range rows[1:] {
			if r[3] == string(reports.Fail) {
				seen[r[6]] = true
			}
		}
		for _, res := range reportstest.FailingResources(p) {
			if !seen[res] {
				t.Errorf("failing resource %s has no row", res)
			}
		}
	})
}

func TestStreamedAndInMemoryPackagesGiveTheSameCells(t *testing.T) {
	a := dump(t, open(t, render(t, reportstest.New(reportstest.Options{Failing: 40, Passing: 40}))))
	b := dump(t, open(t, render(t, reportstest.New(reportstest.Options{Failing: 40, Passing: 40, Stream: true}))))
	if a != b {
		t.Fatal("a streamed package renders different cells")
	}
}

func TestNonASCIIKeptWhole(t *testing.T) {
	f := open(t, render(t, reportstest.New(reportstest.Options{Failing: 1})))
	all := dump(t, f)
	for _, want := range []string{"Grünwald Clínica Health", "arn:aws:iam::222222222222:user/山田太郎", "staging-日本", "arn:aws:s3:::données-patients-é"} {
		if !strings.Contains(all, want) {
			t.Errorf("workbook lacks %q", want)
		}
	}
}

func TestText(t *testing.T) {
	long := strings.Repeat("a", maxCell+10)
	cases := []struct {
		name, in string
		check    func(string) bool
	}{
		{"plain", "arn:aws:s3:::b", func(s string) bool { return s == "arn:aws:s3:::b" }},
		{"control characters", "a\x00b\x1fc\td", func(s string) bool { return s == "a\uFFFDb\uFFFDc\td" }},
		{"invalid utf8", "a\xffb", func(s string) bool { return s == "a\uFFFDb" }},
		{"too long", long, func(s string) bool {
			return len([]rune(s)) == maxCell && strings.HasSuffix(s, "the JSON model holds the full text]")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := text(tc.in); !tc.check(got) {
				t.Errorf("text(%.40q) = %.80q", tc.in, got)
			}
		})
	}
}

// TestOpenpyxl opens the workbook with an independent reader. It runs when
// python3 with openpyxl is installed (apt-get install python3-openpyxl).
func TestOpenpyxl(t *testing.T) {
	python := "/usr/bin/python3"
	if _, err := os.Stat(python); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	if err := exec.Command(python, "-c", "import openpyxl").Run(); err != nil {
		t.Skip("openpyxl not installed")
	}
	p := reportstest.New(reportstest.Options{Failing: 25, Passing: 25})
	path := filepath.Join(t.TempDir(), "w.xlsx")
	if err := os.WriteFile(path, render(t, p), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `
import sys, datetime, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
print(",".join(wb.sheetnames))
ws = wb["Findings"]
print(ws.max_row, ws.auto_filter.ref.replace("$", ""), ws.freeze_panes)
print(isinstance(wb["Evidence"]["E2"].value, datetime.datetime))
print(len(wb["Summary"]._charts))
`
	out, err := exec.Command(python, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, out)
	}
	n := p.TotalCounts().Total() + 1
	want := fmt.Sprintf("%s\n%d A1:L%d A2\nTrue\n2\n", strings.Join(Sheets, ","), n, n)
	if string(out) != want {
		t.Fatalf("openpyxl says:\n%s\nwant:\n%s", out, want)
	}
}

func TestFindingsContinueOnMoreSheets(t *testing.T) {
	old := maxRowsPerSheet
	maxRowsPerSheet = 20
	t.Cleanup(func() { maxRowsPerSheet = old })
	p := reportstest.New(reportstest.Options{Failing: 30, Passing: 14, Stream: true})
	total := p.TotalCounts().Total() // 44 generated + 6 fixed = 50
	f := open(t, render(t, p))
	want := []string{SheetSummary, SheetControls, "Findings", "Findings 2", "Findings 3", SheetEvidence, SheetOwnership, SheetExceptions, SheetScope, SheetChanges}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets = %v, want %v", got, want)
	}
	var resources []string
	for _, s := range []string{"Findings", "Findings 2", "Findings 3"} {
		rows, err := f.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		if rows[0][0] != "Check" {
			t.Errorf("%s has no header row", s)
		}
		if len(rows)-1 > 20 {
			t.Errorf("%s holds %d rows, more than the limit", s, len(rows)-1)
		}
		for _, r := range rows[1:] {
			resources = append(resources, r[6])
		}
	}
	if len(resources) != total {
		t.Fatalf("%d finding rows over the sheets, want %d", len(resources), total)
	}
	i := 0
	for fd := range p.AllFindings() {
		if resources[i] != fd.ResourceID {
			t.Fatalf("row %d holds %s, want %s (order lost across sheets)", i, resources[i], fd.ResourceID)
		}
		i++
	}
}

func TestAppendRowEscapes(t *testing.T) {
	got := string(appendRow(nil, 7, []excelize.Cell{{Value: "a<b & c>d"}, {Value: ""}, {Value: " lead", StyleID: 3}, {Value: "x\r\ny"}}))
	want := `<row r="7"><c r="A7" t="inlineStr"><is><t>a&lt;b &amp; c&gt;d</t></is></c>` +
		`<c r="C7" s="3" t="inlineStr"><is><t xml:space="preserve"> lead</t></is></c>` +
		`<c r="D7" t="inlineStr"><is><t>x&#xD;` + "\n" + `y</t></is></c></row>`
	if got != want {
		t.Fatalf("appendRow =\n%s\nwant\n%s", got, want)
	}
}
