package pdf

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/hipaa-evidence/hipaa-evidence/reports"
)

// Name is the format name the renderer registers as.
const Name = "pdf"

// InlineLimit is how many not-passing results of one check a catalog
// entry's section lists before referring the reader to the appendix, which
// lists all of them.
const InlineLimit = 10

func init() { reports.Register(Name, func() reports.Renderer { return Renderer{} }) }

// Renderer renders a Package as a PDF report.
type Renderer struct{}

// Extension returns "pdf".
func (Renderer) Extension() string { return "pdf" }

// MediaType returns "application/pdf".
func (Renderer) MediaType() string { return "application/pdf" }

// render holds what every layout pass shares.
type render struct {
	ctx  context.Context
	p    *reports.Package
	text *reports.Text
	data *reports.TextData
	cov  *coverage
	// open lists, per check id, its results that did not pass (fail,
	// unknown, excepted), in package order.
	open map[string][]reports.Finding
	// appendixChecks are the checks with results in open, sorted by id.
	appendixChecks []string
	// controlsByID indexes the catalog entries.
	controlsByID map[string]*reports.Control
}

func (r *render) clean(s string) string { return r.cov.clean(s) }

// Render writes p as a PDF to w. The document is laid out twice: the first
// pass finds the page of every section for the table of contents and the
// page count, the second writes them.
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
	cov, err := newCoverage()
	if err != nil {
		return err
	}
	r := &render{ctx: ctx, p: p, text: text, cov: cov, data: reports.NewTextData(p, opts.Files),
		open: map[string][]reports.Finding{}, controlsByID: map[string]*reports.Control{}}
	for i := range p.Controls {
		r.controlsByID[p.Controls[i].ID] = &p.Controls[i]
	}
	n := 0
	for f := range p.AllFindings() {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if f.Status == reports.Pass || f.Status == reports.NotApplicable {
			continue
		}
		r.open[f.CheckID] = append(r.open[f.CheckID], f)
	}
	r.appendixChecks = slices.Sorted(maps.Keys(r.open))

	var prev *passResult
	for pass := 0; pass < 3; pass++ {
		d, err := newDoc(r, prev)
		if err != nil {
			return err
		}
		if err := d.build(); err != nil {
			return err
		}
		res := &passResult{anchors: d.anchors, pages: d.f.PageCount()}
		if prev != nil && maps.Equal(prev.anchors, res.anchors) && prev.pages == res.pages {
			if err := d.f.Output(w); err != nil {
				return fmt.Errorf("write PDF: %w", err)
			}
			return nil
		}
		prev = res // this pass's document is discarded unwritten
	}
	return fmt.Errorf("lay out PDF: page numbers did not settle after 3 passes")
}
