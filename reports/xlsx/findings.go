package xlsx

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
)

// The Findings sheet is written straight into the output zip, row by row,
// so memory stays flat whatever the number of findings. (excelize's own
// streaming writer keeps up to 16 MiB of sheet XML in memory before it
// spills to a temporary file, which makes memory grow with the row count
// up to that size.) excelize writes the workbook with a placeholder
// Findings sheet that holds the header row, column widths, frozen pane and
// autofilter; when the zip is copied to the output, the placeholder's
// sheet XML gets every finding row inserted before its </sheetData>.

// maxRowsPerSheet is the most finding rows one sheet holds: Excel's limit
// of 1,048,576 rows, less the header. More findings continue on sheets
// "Findings 2", "Findings 3", ... A variable so tests can lower it.
var maxRowsPerSheet = 1048575

var findingColumns = []header{{"Check", 30}, {"Check title", 40}, {"Severity", 10}, {"Status", 15}, {"Account", 15}, {"Region", 14},
	{"Resource", 62}, {"Citations", 40}, {"Detail", 50}, {"Failed calls", 30}, {"Exception", 12}, {"Evidence (snapshot SHA-256)", 70}}

// findingSheet is one sheet of finding rows.
type findingSheet struct {
	name        string
	first, last int // 0-based indexes of the findings it holds, last exclusive
}

// planFindings splits n findings over as many sheets as Excel needs.
func planFindings(n int) []findingSheet {
	var out []findingSheet
	for i := 0; i == 0 || i*maxRowsPerSheet < n; i++ {
		name := SheetFindings
		if i > 0 {
			name = fmt.Sprintf("%s %d", SheetFindings, i+1)
		}
		out = append(out, findingSheet{name: name, first: i * maxRowsPerSheet, last: min((i+1)*maxRowsPerSheet, n)})
	}
	return out
}

// findingPlaceholders writes the placeholder sheets: header, widths,
// frozen header row and an autofilter over the rows to come.
func (b *book) findingPlaceholders() error {
	f := b.f
	for _, s := range b.findingSheets {
		for i, h := range findingColumns {
			ref := fmt.Sprintf("%s1", col(i+1))
			if err := f.SetCellValue(s.name, ref, h.title); err != nil {
				return err
			}
			if err := f.SetColWidth(s.name, col(i+1), col(i+1), h.width); err != nil {
				return err
			}
		}
		last := col(len(findingColumns))
		if err := f.SetCellStyle(s.name, "A1", last+"1", b.header); err != nil {
			return err
		}
		if err := f.SetRowHeight(s.name, 1, 20); err != nil {
			return err
		}
		if err := f.AutoFilter(s.name, fmt.Sprintf("A1:%s%d", last, max(s.last-s.first+1, 2)), nil); err != nil {
			return err
		}
		if err := b.freeze(s.name, 2); err != nil {
			return err
		}
	}
	return nil
}

// sheetPaths maps sheet names to their XML part names in the zip, from
// xl/workbook.xml and its relationships.
func sheetPaths(zr *zip.Reader) (map[string]string, error) {
	read := func(name string) ([]byte, error) {
		f, err := zr.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(io.LimitReader(f, 16<<20))
	}
	wb, err := read("xl/workbook.xml")
	if err != nil {
		return nil, err
	}
	var book struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal(wb, &book); err != nil {
		return nil, fmt.Errorf("read xl/workbook.xml: %w", err)
	}
	rb, err := read("xl/_rels/workbook.xml.rels")
	if err != nil {
		return nil, err
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal(rb, &rels); err != nil {
		return nil, fmt.Errorf("read xl/_rels/workbook.xml.rels: %w", err)
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		targets[r.ID] = t
	}
	out := map[string]string{}
	for _, s := range book.Sheets {
		out[s.Name] = targets[s.RID]
	}
	return out, nil
}

var dimensionPattern = regexp.MustCompile(`<dimension ref="[^"]*"\s*(/>|></dimension>)`)

// finish copies the workbook excelize wrote (in book) to w, inserting the
// finding rows into the placeholder sheets.
func (b *book) finish(workbook []byte, w io.Writer) error {
	zr, err := zip.NewReader(bytes.NewReader(workbook), int64(len(workbook)))
	if err != nil {
		return fmt.Errorf("reopen workbook: %w", err)
	}
	paths, err := sheetPaths(zr)
	if err != nil {
		return err
	}
	fill := map[string]findingSheet{}
	for _, s := range b.findingSheets {
		p, ok := paths[s.name]
		if !ok || p == "" {
			return fmt.Errorf("workbook has no part for sheet %s", s.name)
		}
		fill[p] = s
	}
	zw := zip.NewWriter(w)
	for _, zf := range zr.File {
		s, ok := fill[zf.Name]
		if !ok {
			if err := zw.Copy(zf); err != nil {
				return fmt.Errorf("copy %s: %w", zf.Name, err)
			}
			continue
		}
		if err := b.fillSheet(zw, zf, s); err != nil {
			return fmt.Errorf("write sheet %s: %w", s.name, err)
		}
	}
	return zw.Close()
}

// fillSheet writes the placeholder zf with the rows of s inserted.
func (b *book) fillSheet(zw *zip.Writer, zf *zip.File, s findingSheet) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	placeholder, err := io.ReadAll(io.LimitReader(rc, 16<<20))
	rc.Close()
	if err != nil {
		return err
	}
	end := bytes.LastIndex(placeholder, []byte("</sheetData>"))
	if end < 0 {
		return fmt.Errorf("placeholder has no </sheetData>")
	}
	rows := s.last - s.first
	prefix := dimensionPattern.ReplaceAll(placeholder[:end], []byte(fmt.Sprintf(`<dimension ref="A1:%s%d"/>`, col(len(findingColumns)), rows+1)))
	out, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate, Modified: zf.Modified})
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 256<<10)
	if _, err := bw.Write(prefix); err != nil {
		return err
	}
	titles := map[string]reports.Check{}
	for _, c := range b.p.Checks {
		titles[c.ID] = c
	}
	i, row := 0, 1
	var line []byte
	for r := range b.p.AllFindings() {
		if i < s.first {
			i++
			continue
		}
		if i >= s.last {
			break
		}
		i++
		row++
		if row%4096 == 0 {
			if err := b.ctx.Err(); err != nil {
				return err
			}
		}
		ch := titles[r.CheckID]
		line = appendRow(line[:0], row, []excelize.Cell{
			{Value: r.CheckID}, {Value: ch.Title}, {Value: ch.Severity}, {Value: string(r.Status), StyleID: b.result[r.Status]},
			{Value: r.AccountID}, {Value: r.Region}, {Value: r.ResourceID}, {Value: strings.Join(r.Citations, ", ")},
			{Value: r.Detail}, {Value: strings.Join(r.FailedActions, ", ")}, {Value: r.ExceptionID}, {Value: strings.Join(r.Evidence, " ")},
		})
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	if row-1 != rows {
		return fmt.Errorf("the package yielded %d findings for this sheet, %d expected: its findings changed while it was being written", row-1, rows)
	}
	if _, err := bw.Write(placeholder[end:]); err != nil {
		return err
	}
	return bw.Flush()
}

// appendRow appends the XML of one row of string cells (inline strings;
// empty values become empty cells).
func appendRow(dst []byte, row int, cells []excelize.Cell) []byte {
	r := strconv.Itoa(row)
	dst = append(dst, `<row r="`...)
	dst = append(dst, r...)
	dst = append(dst, `">`...)
	for i, c := range cells {
		s, _ := c.Value.(string)
		if s == "" && c.StyleID == 0 {
			continue
		}
		dst = append(dst, `<c r="`...)
		dst = append(dst, colNames[i]...)
		dst = append(dst, r...)
		dst = append(dst, '"')
		if c.StyleID != 0 {
			dst = append(dst, ` s="`...)
			dst = strconv.AppendInt(dst, int64(c.StyleID), 10)
			dst = append(dst, '"')
		}
		if s == "" {
			dst = append(dst, `/>`...)
			continue
		}
		dst = append(dst, ` t="inlineStr"><is><t`...)
		s = text(s)
		if strings.TrimSpace(s) != s {
			dst = append(dst, ` xml:space="preserve"`...)
		}
		dst = append(dst, '>')
		dst = appendEscaped(dst, s)
		dst = append(dst, `</t></is></c>`...)
	}
	return append(dst, `</row>`...)
}

// colNames are the column letters of the finding columns.
var colNames = func() []string {
	out := make([]string, 26)
	for i := range out {
		out[i] = string(rune('A' + i))
	}
	return out
}()

// appendEscaped appends s with the characters XML text must escape
// escaped. s holds only characters XML allows (see text).
func appendEscaped(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '\r':
			dst = append(dst, "&#xD;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
