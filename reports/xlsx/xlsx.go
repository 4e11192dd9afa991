package xlsx

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
)

// Name is the format name the renderer registers as.
const Name = "xlsx"

// The sheets, in workbook order.
const (
	SheetSummary    = "Summary"
	SheetControls   = "Controls"
	SheetFindings   = "Findings"
	SheetEvidence   = "Evidence"
	SheetOwnership  = "Ownership"
	SheetExceptions = "Exceptions"
	SheetScope      = "Scope"
	SheetChanges    = "Changes"
)

// Sheets lists the sheet names in workbook order. Beyond Excel's row limit
// (1,048,575 findings) the findings continue on "Findings 2", "Findings 3"
// and so on, placed after Findings.
var Sheets = []string{SheetSummary, SheetControls, SheetFindings, SheetEvidence, SheetOwnership, SheetExceptions, SheetScope, SheetChanges}

// maxCell is the most characters Excel keeps in a cell.
const maxCell = 32767

func init() { reports.Register(Name, func() reports.Renderer { return Renderer{} }) }

// Renderer renders a Package as an XLSX workbook.
type Renderer struct{}

// Extension returns "xlsx".
func (Renderer) Extension() string { return "xlsx" }

// MediaType returns the OOXML spreadsheet media type.
func (Renderer) MediaType() string {
	return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

// book holds the workbook being written and its styles.
type book struct {
	ctx  context.Context
	f    *excelize.File
	p    *reports.Package
	text *reports.Text
	data *reports.TextData
	// findingSheets are the sheets the findings are written to.
	findingSheets []findingSheet

	header, title, label, wrap, mono, date, datetime, gap, bold, note int
	control                                                           map[reports.ControlStatus]int
	result                                                            map[reports.ResultStatus]int
	exception                                                         map[reports.ExceptionState]int
	eligibility                                                       map[reports.Eligibility]int
}

// Render writes p to w as a workbook. Finding rows are written straight
// into the output zip as they are read (see findings.go) and the Evidence
// sheet with excelize's streaming writer, so memory stays flat however many
// findings there are.
func (Renderer) Render(ctx context.Context, w io.Writer, p *reports.Package, opts *reports.Options) error {
	if opts == nil {
		opts = &reports.Options{}
	}
	text := opts.Text
	if text == nil {
		var err error
		if text, err = reports.DefaultText(); err != nil {
			return err
		}
	}
	n := 0
	for range p.AllFindings() {
		if n++; n%65536 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	f := excelize.NewFile()
	defer f.Close()
	b := &book{ctx: ctx, f: f, p: p, text: text, data: reports.NewTextData(p, opts.Files), findingSheets: planFindings(n)}
	if err := b.setup(); err != nil {
		return fmt.Errorf("set up workbook: %w", err)
	}
	steps := []struct {
		sheet string
		fn    func() error
	}{
		{SheetSummary, b.summary},
		{SheetControls, b.controls},
		{SheetFindings, b.findingPlaceholders},
		{SheetEvidence, b.evidence},
		{SheetOwnership, b.ownership},
		{SheetExceptions, b.exceptions},
		{SheetScope, b.scope},
		{SheetChanges, b.changes},
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.fn(); err != nil {
			return fmt.Errorf("write %s sheet: %w", s.sheet, err)
		}
	}
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:    "HIPAA Security Rule evidence workbook, " + p.Organization + ", " + p.Period,
		Subject:  "HIPAA Security Rule (45 CFR Part 164, Subpart C)",
		Creator:  "hipaa-evidence " + p.ToolVersion,
		Created:  p.GeneratedAt.UTC().Format(time.RFC3339),
		Modified: p.GeneratedAt.UTC().Format(time.RFC3339),
		Keywords: "HIPAA; Security Rule; audit; evidence; " + p.Period,
	}); err != nil {
		return fmt.Errorf("set workbook properties: %w", err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	if err := b.finish(buf.Bytes(), w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

func (b *book) setup() error {
	f := b.f
	names := []string{SheetSummary, SheetControls}
	for _, s := range b.findingSheets {
		names = append(names, s.name)
	}
	names = append(names, Sheets[3:]...)
	for i, name := range names {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
			continue
		}
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	var err error
	style := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(s)
		return id
	}
	border := []excelize.Border{{Type: "bottom", Color: "C8CDD3", Style: 1}}
	b.header = style(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"}, Fill: solid("1B365D"),
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	b.title = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 16, Color: "1B365D"}})
	b.label = style(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "5F6368"}})
	b.bold = style(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "1B365D", Size: 12}})
	b.note = style(&excelize.Style{Font: &excelize.Font{Color: "B01C1C", Bold: true}})
	b.wrap = style(&excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Border: border})
	b.mono = style(&excelize.Style{Font: &excelize.Font{Family: "Consolas"}, Alignment: &excelize.Alignment{Vertical: "top"}, Border: border})
	dateFmt, datetimeFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
	b.date = style(&excelize.Style{CustomNumFmt: &dateFmt, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "left"}, Border: border})
	b.datetime = style(&excelize.Style{CustomNumFmt: &datetimeFmt, Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "left"}, Border: border})
	b.gap = style(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "B01C1C"}, Fill: solid("FDE7E7"), Alignment: &excelize.Alignment{Vertical: "top"}, Border: border})
	statusStyle := func(c reports.RGB) int {
		return style(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"}, Fill: solid(c.Hex()), Alignment: &excelize.Alignment{Vertical: "top"}, Border: border})
	}
	b.control = map[reports.ControlStatus]int{}
	for _, s := range reports.ControlStatuses {
		b.control[s] = statusStyle(s.Color())
	}
	b.result = map[reports.ResultStatus]int{}
	for _, s := range reports.ResultStatuses {
		b.result[s] = statusStyle(resultColor(s))
	}
	b.exception = map[reports.ExceptionState]int{
		reports.ExceptionActive:    statusStyle(reports.Met.Color()),
		reports.ExceptionExpired:   statusStyle(reports.NotMet.Color()),
		reports.ExceptionUnmatched: statusStyle(reports.Partial.Color()),
	}
	b.eligibility = map[reports.Eligibility]int{
		reports.Eligible:           statusStyle(reports.Met.Color()),
		reports.NotEligible:        statusStyle(reports.NotMet.Color()),
		reports.EligibilityUnknown: statusStyle(reports.Unknown.Color()),
	}
	return err
}

func solid(hex string) excelize.Fill {
	return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{hex}}
}

// resultColor is the colour of a result status: that of the control status
// it most resembles.
func resultColor(s reports.ResultStatus) reports.RGB {
	switch s {
	case reports.Pass:
		return reports.Met.Color()
	case reports.Fail:
		return reports.NotMet.Color()
	case reports.Excepted:
		return reports.Partial.Color()
	case reports.ResultUnknown:
		return reports.Unknown.Color()
	}
	return reports.ControlNotApplicable.Color()
}

// text returns s as a cell can hold it: characters XML 1.0 forbids become
// U+FFFD and text beyond Excel's 32,767-character limit is cut with a note
// pointing at the JSON model, which holds it whole.
func text(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	clean := true
	for _, r := range s {
		if !xmlChar(r) {
			clean = false
			break
		}
	}
	if !clean {
		s = strings.Map(func(r rune) rune {
			if xmlChar(r) {
				return r
			}
			return '\uFFFD'
		}, s)
	}
	if utf8.RuneCountInString(s) > maxCell {
		const more = " [cut at Excel's cell limit; the JSON model holds the full text]"
		r := []rune(s)
		s = string(r[:maxCell-utf8.RuneCountInString(more)]) + more
	}
	return s
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return false
	}
	return r <= 0x10FFFF
}

// utc returns t in UTC without its location, so Excel shows the UTC wall
// time; the zero time becomes an empty cell.
func utc(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// cell makes a styled streaming cell.
func cell(v any, style int) excelize.Cell {
	if s, ok := v.(string); ok {
		if s == "" {
			return excelize.Cell{StyleID: style}
		}
		v = text(s)
	}
	return excelize.Cell{StyleID: style, Value: v}
}

// col returns the column letter(s) of 1-based column n.
func col(n int) string {
	name, err := excelize.ColumnNumberToName(n)
	if err != nil {
		return "A"
	}
	return name
}

// header is a column of a sheet table.
type header struct {
	title string
	width float64
}

// table writes a normal (non-streamed) table: a header row at row, then
// rows, with an autofilter, and returns the next free row.
func (b *book) table(sheet string, row int, cols []header, rows [][]excelize.Cell, filter bool) (int, error) {
	f := b.f
	for i, h := range cols {
		ref := fmt.Sprintf("%s%d", col(i+1), row)
		if err := f.SetCellValue(sheet, ref, h.title); err != nil {
			return 0, err
		}
		if h.width > 0 {
			if err := f.SetColWidth(sheet, col(i+1), col(i+1), h.width); err != nil {
				return 0, err
			}
		}
	}
	if err := f.SetCellStyle(sheet, "A"+fmt.Sprint(row), fmt.Sprintf("%s%d", col(len(cols)), row), b.header); err != nil {
		return 0, err
	}
	for i, r := range rows {
		for j, c := range r {
			ref := fmt.Sprintf("%s%d", col(j+1), row+1+i)
			v := c.Value
			if s, ok := v.(string); ok {
				v = text(s)
			}
			if v != nil {
				if err := f.SetCellValue(sheet, ref, v); err != nil {
					return 0, err
				}
			}
			if c.StyleID != 0 {
				if err := f.SetCellStyle(sheet, ref, ref, c.StyleID); err != nil {
					return 0, err
				}
			}
		}
	}
	if filter {
		last := row + max(len(rows), 1)
		if err := f.AutoFilter(sheet, fmt.Sprintf("A%d:%s%d", row, col(len(cols)), last), nil); err != nil {
			return 0, err
		}
	}
	return row + len(rows) + 1, nil
}

// freeze freezes the rows above row.
func (b *book) freeze(sheet string, row int) error {
	return b.f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: row - 1, TopLeftCell: fmt.Sprintf("A%d", row), ActivePane: "bottomLeft"})
}
