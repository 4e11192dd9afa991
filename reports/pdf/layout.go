package pdf

import (
	"fmt"
	"math"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
)

// Page geometry, in millimetres (US Letter).
const (
	marginLeft   = 18.0
	marginRight  = 18.0
	marginTop    = 24.0
	marginBottom = 20.0
	headerY      = 9.0
	footerGap    = 11.0 // footer baseline above the page's bottom edge
)

// Type sizes in points and line heights in millimetres.
const (
	bodySize  = 9.5
	bodyLine  = 4.6
	smallSize = 8.0
	smallLine = 3.8
	tableSize = 7.5
	tableLine = 3.3
	cellPad   = 1.2
)

// Colours.
var (
	navy      = reports.RGB{R: 0x1B, G: 0x36, B: 0x5D}
	ink       = reports.RGB{R: 0x22, G: 0x22, B: 0x22}
	muted     = reports.RGB{R: 0x5F, G: 0x63, B: 0x68}
	rule      = reports.RGB{R: 0xC8, G: 0xCD, B: 0xD3}
	zebra     = reports.RGB{R: 0xF3, G: 0xF5, B: 0xF8}
	white     = reports.RGB{R: 0xFF, G: 0xFF, B: 0xFF}
	alertFill = reports.RGB{R: 0xFD, G: 0xE7, B: 0xE7}
	alertInk  = reports.RGB{R: 0xB0, G: 0x1C, B: 0x1C}
	warnFill  = reports.RGB{R: 0xFF, G: 0xF4, B: 0xDE}
	warnEdge  = reports.RGB{R: 0xEF, G: 0x8F, B: 0x00}
	codeFill  = reports.RGB{R: 0xEE, G: 0xF0, B: 0xF2}
	paleNavy  = reports.RGB{R: 0xDC, G: 0xE4, B: 0xEF}
)

// doc is one layout pass over a package.
type doc struct {
	f    *fpdf.Fpdf
	r    *render
	prev *passResult // page numbers from the previous pass; nil in the first

	section string         // running header text
	anchors map[string]int // anchor name → page, this pass
	links   map[string]int // anchor name → fpdf link id
}

// passResult is what one pass learns: where each anchor landed and how many
// pages there are.
type passResult struct {
	anchors map[string]int
	pages   int
}

func newDoc(r *render, prev *passResult) (*doc, error) {
	f := fpdf.New("P", "mm", "Letter", "")
	for _, ff := range fontFiles {
		f.AddUTF8FontFromBytes(ff.family, ff.style, ff.ttf)
	}
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("load embedded fonts: %w", err)
	}
	d := &doc{f: f, r: r, prev: prev, anchors: map[string]int{}, links: map[string]int{}}
	p := r.p
	f.SetMargins(marginLeft, marginTop, marginRight)
	f.SetAutoPageBreak(false, marginBottom)
	f.SetCellMargin(cellPad)
	f.SetCreationDate(p.GeneratedAt)
	f.SetModificationDate(p.GeneratedAt)
	f.SetCatalogSort(true)
	f.SetTitle(r.clean("HIPAA Security Rule evidence report, "+p.Organization+", "+p.Period), true)
	f.SetAuthor(r.clean(p.Organization), true)
	f.SetSubject("HIPAA Security Rule (45 CFR Part 164, Subpart C) evidence report", true)
	f.SetCreator("hipaa-evidence "+p.ToolVersion, true)
	f.SetProducer("hipaa-evidence "+p.ToolVersion, true)
	f.SetKeywords("HIPAA; Security Rule; audit; evidence; "+p.Period, true)
	f.SetLang("en-US")
	f.SetHeaderFuncMode(d.header, true)
	f.SetFooterFunc(d.footer)
	return d, nil
}

// width returns the usable width of the current page.
func (d *doc) width() float64 {
	w, _ := d.f.GetPageSize()
	return w - marginLeft - marginRight
}

// limit returns the lowest y content may reach on the current page.
func (d *doc) limit() float64 {
	_, h := d.f.GetPageSize()
	return h - marginBottom
}

func (d *doc) color(c reports.RGB) { d.f.SetTextColor(int(c.R), int(c.G), int(c.B)) }
func (d *doc) fill(c reports.RGB)  { d.f.SetFillColor(int(c.R), int(c.G), int(c.B)) }
func (d *doc) draw(c reports.RGB)  { d.f.SetDrawColor(int(c.R), int(c.G), int(c.B)) }

// font sets the text font: style "", "B" or "I"; mono selects Go Mono.
func (d *doc) font(style string, size float64) { d.f.SetFont(family, style, size) }
func (d *doc) mono(size float64)               { d.f.SetFont(monoFamily, "", size) }

// header draws the running header on every page.
func (d *doc) header() {
	f := d.f
	w := d.width()
	d.font("", 7.5)
	d.color(muted)
	left := d.r.clean(d.r.p.Organization) + "  ·  HIPAA Security Rule evidence report  ·  " + d.r.clean(d.r.p.Period)
	right := d.r.clean(d.section)
	rw := f.GetStringWidth(right) + 2*cellPad
	lw := w - rw - 4
	left = d.fit(left, lw)
	f.SetXY(marginLeft, headerY)
	f.CellFormat(lw, 4, left, "", 0, "L", false, 0, "")
	f.SetXY(marginLeft+w-rw, headerY)
	f.CellFormat(rw, 4, right, "", 0, "R", false, 0, "")
	d.draw(rule)
	f.SetLineWidth(0.2)
	f.Line(marginLeft, headerY+5, marginLeft+w, headerY+5)
}

// footer draws the page number and the package digest on every page.
func (d *doc) footer() {
	f := d.f
	w := d.width()
	_, h := f.GetPageSize()
	y := h - footerGap
	d.draw(rule)
	f.SetLineWidth(0.2)
	f.Line(marginLeft, y-1.5, marginLeft+w, y-1.5)
	d.font("", 7.5)
	d.color(muted)
	total := "?"
	if d.prev != nil {
		total = fmt.Sprint(d.prev.pages)
	}
	digest := d.r.p.Digest
	if len(digest) > 16 {
		digest = digest[:16] + "…"
	}
	f.SetXY(marginLeft, y)
	f.CellFormat(w/2, 4, "Package digest sha256:"+digest+"  ·  Confidential: contains no PHI", "", 0, "L", false, 0, "")
	f.SetXY(marginLeft+w/2, y)
	f.CellFormat(w/2, 4, fmt.Sprintf("Page %d of %s", f.PageNo(), total), "", 0, "R", false, 0, "")
}

// fit shortens s with an ellipsis until it fits in w with the current font.
func (d *doc) fit(s string, w float64) string {
	if d.f.GetStringWidth(s)+2*cellPad <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && d.f.GetStringWidth(string(r)+"…")+2*cellPad > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

// newPage starts a page in the given orientation ("P" or "L") for section.
func (d *doc) newPage(orientation, section string) {
	d.section = section
	d.f.AddPageFormat(orientation, d.f.GetPageSizeStr("Letter"))
	d.color(ink)
}

// ensure starts a new page when less than h millimetres remain.
func (d *doc) ensure(h float64) {
	if d.f.GetY()+h > d.limit() {
		o := "P"
		if w, hh := d.f.GetPageSize(); w > hh {
			o = "L"
		}
		d.newPage(o, d.section)
	}
}

// link returns the link id of anchor name, allocating it on first use.
func (d *doc) link(name string) int {
	if id, ok := d.links[name]; ok {
		return id
	}
	id := d.f.AddLink()
	d.links[name] = id
	return id
}

// anchor marks the current position as the target of name.
func (d *doc) anchor(name string) {
	d.anchors[name] = d.f.PageNo()
	d.f.SetLink(d.link(name), d.f.GetY(), -1)
}

// pageOf returns the page of anchor name from the previous pass, or 0.
func (d *doc) pageOf(name string) int {
	if d.prev == nil {
		return 0
	}
	return d.prev.anchors[name]
}

// chapter starts a new page with a numbered chapter heading.
func (d *doc) chapter(orientation, anchor, title string) {
	d.newPage(orientation, title)
	f := d.f
	d.anchor(anchor)
	f.Bookmark(d.r.clean(title), 0, -1)
	d.font("B", 17)
	d.color(navy)
	f.SetX(marginLeft)
	f.CellFormat(d.width(), 9, d.r.clean(title), "", 1, "L", false, 0, "")
	d.draw(navy)
	f.SetLineWidth(0.6)
	f.Line(marginLeft, f.GetY()+0.5, marginLeft+22, f.GetY()+0.5)
	f.SetY(f.GetY() + 4)
	d.color(ink)
}

// subheading writes a level-2 heading, kept with the next keep millimetres.
func (d *doc) subheading(anchor, title string, keep float64) {
	d.ensure(8 + keep)
	f := d.f
	f.SetY(f.GetY() + 2)
	if anchor != "" {
		d.anchor(anchor)
		f.Bookmark(d.r.clean(title), 1, -1)
	}
	d.font("B", 12)
	d.color(navy)
	d.lines(title, d.width(), 6, "L")
	d.color(ink)
	f.SetY(f.GetY() + 1)
}

// minor writes a small bold label line, kept with the next keep millimetres.
func (d *doc) minor(title string, keep float64) {
	d.ensure(5 + keep)
	d.f.SetY(d.f.GetY() + 1)
	d.font("B", 8.5)
	d.color(navy)
	d.lines(title, d.width(), 4.2, "L")
	d.color(ink)
}

// lines wraps s to width w with the current font and writes it from the
// left margin, breaking pages as needed.
func (d *doc) lines(s string, w, lh float64, align string) {
	f := d.f
	for _, line := range d.split(s, w) {
		d.ensure(lh)
		f.SetX(marginLeft)
		f.CellFormat(w, lh, line, "", 1, align, false, 0, "")
	}
}

// split cleans s and wraps it to width w with the current font. Explicit
// newlines are kept. It always returns at least one line.
func (d *doc) split(s string, w float64) []string {
	var out []string
	for _, part := range strings.Split(s, "\n") {
		part = d.r.clean(part)
		if part == "" {
			out = append(out, "")
			continue
		}
		out = append(out, d.f.SplitText(part, w)...)
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// para writes a paragraph of body text.
func (d *doc) para(s string) {
	d.font("", bodySize)
	d.color(ink)
	d.lines(s, d.width(), bodyLine, "L")
	d.f.SetY(d.f.GetY() + 1.8)
}

// small writes a paragraph of small muted text.
func (d *doc) small(s string) {
	d.font("", smallSize)
	d.color(muted)
	d.lines(s, d.width(), smallLine, "L")
	d.color(ink)
	d.f.SetY(d.f.GetY() + 1)
}

// blocks writes report text markup (see reports.Blocks).
func (d *doc) blocks(text string) {
	f := d.f
	for _, b := range reports.Blocks(text) {
		switch b.Kind {
		case reports.Paragraph:
			d.para(b.Text)
		case reports.Heading:
			d.minor(b.Text, 10)
		case reports.Bullet:
			d.font("", bodySize)
			lines := d.split(b.Text, d.width()-5)
			for i, line := range lines {
				d.ensure(bodyLine)
				if i == 0 {
					f.SetX(marginLeft)
					f.CellFormat(5, bodyLine, "•", "", 0, "C", false, 0, "")
				}
				f.SetX(marginLeft + 5)
				f.CellFormat(d.width()-5, bodyLine, line, "", 1, "L", false, 0, "")
			}
			f.SetY(f.GetY() + 0.8)
		case reports.Command:
			d.mono(7.8)
			lines := d.split(b.Text, d.width()-6)
			h := float64(len(lines))*3.8 + 2.4
			d.ensure(h)
			d.fill(codeFill)
			y := f.GetY()
			f.Rect(marginLeft, y, d.width(), h, "F")
			d.color(ink)
			for i, line := range lines {
				f.SetXY(marginLeft+3, y+1.2+float64(i)*3.8)
				f.CellFormat(d.width()-6, 3.8, line, "", 0, "L", false, 0, "")
			}
			f.SetY(y + h + 1.8)
		case reports.Warning:
			d.callout(b.Text, warnFill, warnEdge)
		}
	}
}

// callout writes text in a tinted box with a coloured left edge.
func (d *doc) callout(text string, bg, edge reports.RGB) {
	f := d.f
	d.font("", bodySize-0.5)
	lines := d.split(text, d.width()-8)
	h := float64(len(lines))*4.4 + 3
	d.ensure(h)
	y := f.GetY()
	d.fill(bg)
	f.Rect(marginLeft, y, d.width(), h, "F")
	d.fill(edge)
	f.Rect(marginLeft, y, 1.4, h, "F")
	d.color(ink)
	for i, line := range lines {
		f.SetXY(marginLeft+5, y+1.5+float64(i)*4.4)
		f.CellFormat(d.width()-8, 4.4, line, "", 0, "L", false, 0, "")
	}
	f.SetY(y + h + 2.5)
}

// badge draws a status badge with its top-left corner at x, y and returns
// its width.
func (d *doc) badge(x, y float64, s reports.ControlStatus, size float64) float64 {
	f := d.f
	d.font("B", size)
	label := s.Label()
	w := f.GetStringWidth(label) + 4
	h := size * 0.55
	d.fill(s.Color())
	f.RoundedRect(x, y, w, h, 1, "1234", "F")
	d.color(white)
	f.SetXY(x, y)
	f.CellFormat(w, h, label, "", 0, "C", false, 0, "")
	d.color(ink)
	return w
}

// column is a table column.
type column struct {
	title string
	width float64 // share of the table width; shares are normalised
	align string  // "L" (default), "R" or "C"
	mono  bool    // Go Mono, for digests and ids
}

// cell is one table cell.
type cell struct {
	text string
	ink  *reports.RGB // text colour; nil for the default
	fill *reports.RGB // background; nil for none (or the zebra stripe)
	bold bool
}

func plain(s string) cell { return cell{text: s} }

// table writes a table whose rows come from rows; the header row repeats on
// every page the table spans. A row taller than the space left continues on
// the next page, line by line, so nothing is ever cut.
func (d *doc) table(cols []column, rows func(yield func([]cell) bool)) {
	f := d.f
	total := 0.0
	for _, c := range cols {
		total += c.width
	}
	widths := make([]float64, len(cols))
	for i, c := range cols {
		widths[i] = c.width / total * d.width()
	}
	lh := tableLine
	drawHeader := func() {
		d.font("B", tableSize)
		var hl [][]string
		n := 1
		for i, c := range cols {
			l := d.split(c.title, widths[i])
			hl = append(hl, l)
			n = max(n, len(l))
		}
		h := float64(n)*lh + 2*0.9
		y := f.GetY()
		d.fill(navy)
		f.Rect(marginLeft, y, d.width(), h, "F")
		d.color(white)
		x := marginLeft
		for i, c := range cols {
			for j, line := range hl[i] {
				f.SetXY(x, y+0.9+float64(j)*lh)
				f.CellFormat(widths[i], lh, line, "", 0, alignOf(c), false, 0, "")
			}
			x += widths[i]
		}
		f.SetY(y + h)
		d.color(ink)
	}
	d.ensure(3 * lh * 2)
	drawHeader()
	odd := false
	for row := range rows {
		odd = !odd
		cellLines := make([][]string, len(cols))
		n := 1
		for i := range cols {
			if i >= len(row) {
				cellLines[i] = []string{""}
				continue
			}
			d.cellFont(cols[i], row[i])
			cellLines[i] = d.split(row[i].text, widths[i])
			n = max(n, len(cellLines[i]))
		}
		usable := d.limit() - marginTop - 12
		need := float64(n)*lh + 2*0.9
		if f.GetY()+need > d.limit() && need <= usable {
			d.ensure(need + 10) // forces a new page
			drawHeader()
		}
		for off := 0; off < n; {
			avail := int(math.Floor((d.limit() - f.GetY() - 1.8) / lh))
			if avail < 1 {
				d.ensure(d.limit()) // forces a new page
				drawHeader()
				continue
			}
			k := min(avail, n-off)
			y := f.GetY()
			h := float64(k)*lh + 1.8
			x := marginLeft
			for i := range cols {
				var bg *reports.RGB
				if i < len(row) && row[i].fill != nil {
					bg = row[i].fill
				} else if !odd {
					bg = &zebra
				}
				if bg != nil {
					d.fill(*bg)
					f.Rect(x, y, widths[i], h, "F")
				}
				x += widths[i]
			}
			x = marginLeft
			for i, c := range cols {
				var ce cell
				if i < len(row) {
					ce = row[i]
				}
				d.cellFont(c, ce)
				if ce.ink != nil {
					d.color(*ce.ink)
				} else {
					d.color(ink)
				}
				end := min(off+k, len(cellLines[i]))
				for j := off; j < end; j++ {
					f.SetXY(x, y+0.9+float64(j-off)*lh)
					f.CellFormat(widths[i], lh, cellLines[i][j], "", 0, alignOf(c), false, 0, "")
				}
				x += widths[i]
			}
			d.draw(rule)
			f.SetLineWidth(0.1)
			f.Line(marginLeft, y+h, marginLeft+d.width(), y+h)
			f.SetY(y + h)
			off += k
		}
	}
	d.color(ink)
	f.SetY(f.GetY() + 3)
}

func (d *doc) cellFont(c column, ce cell) {
	switch {
	case c.mono:
		d.mono(tableSize - 0.3)
	case ce.bold:
		d.font("B", tableSize)
	default:
		d.font("", tableSize)
	}
}

func alignOf(c column) string {
	if c.align == "" {
		return "L"
	}
	return c.align
}

// statusCell is a table cell showing a control status in its colour.
func statusCell(s reports.ControlStatus) cell {
	c := s.Color()
	return cell{text: s.Label(), ink: &c, bold: true}
}

// resultCell is a table cell showing a result status.
func resultCell(s reports.ResultStatus) cell {
	var c reports.RGB
	switch s {
	case reports.Fail:
		c = reports.NotMet.Color()
	case reports.ResultUnknown:
		c = reports.Unknown.Color()
	case reports.Excepted:
		c = reports.Partial.Color()
	case reports.Pass:
		c = reports.Met.Color()
	default:
		c = reports.ControlNotApplicable.Color()
	}
	return cell{text: s.Label(), ink: &c, bold: true}
}
