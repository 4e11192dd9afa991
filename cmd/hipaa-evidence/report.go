package main

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
	"github.com/hipaa-evidence/hipaa-evidence/reports"
	"github.com/hipaa-evidence/hipaa-evidence/templates"

	// The built-in report renderers: json, pdf, xlsx.
	_ "github.com/hipaa-evidence/hipaa-evidence/reports/all"
)

// defaultReportDir is where report writes when --out is not given.
const defaultReportDir = "reports"

// reportFlags are the flags of report.
type reportFlags struct {
	formats   string
	out       string
	templates string
	results   string
}

func (rf *reportFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&rf.formats, "format", "pdf,xlsx,json", "formats to write: pdf, xlsx, json (the JSON package model is always written: the others carry its digest)")
	f.StringVar(&rf.out, "out", defaultReportDir, "directory to write the reports to")
	f.StringVar(&rf.templates, "templates", "", "directory whose report/*.tmpl files replace the embedded report wording")
	f.StringVar(&rf.results, "results", "", "report on this results file (path under the locker's files/) instead of the period's newest")
}

func (a *app) reportCommand() *cobra.Command {
	var rf reportFlags
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the PDF report, the XLSX workbook and the JSON package model of a period",
		Long: `report renders the newest evaluated results of the period (written by evaluate) into
three documents:

  hipaa-evidence-report-<period>.pdf    what leadership and auditors read: cover, contents,
                                        executive summary with charts, scope, one section per
                                        catalog entry with every failing resource, ownership
                                        matrix, exceptions register, evidence index, how to verify
  hipaa-evidence-report-<period>.xlsx   what auditors filter: Summary (with charts), Controls,
                                        Findings (one row per check and resource), Evidence,
                                        Ownership, Exceptions, Scope, Changes
  hipaa-evidence-report-<period>.json   the package model both are rendered from

The package digest printed on the PDF cover and the workbook's Summary is the SHA-256 of the
JSON file: 'sha256sum' ties a document to its model. Before rendering, report checks the
signatures of the results, of the run manifest and of the service-scope evidence; a file that
fails stops it. Copies are stored in the locker under files/reports/<period>/<run>/<time>/.

The report's words are templates (templates/report/*.tmpl in the source); --templates DIR
replaces any of them by a file at the same relative path (DIR/report/summary.tmpl).
Exit code 3 when the results have evidence gaps or unknown results.`,
		Example: `  hipaa-evidence report --period 2026-Q4
  hipaa-evidence report --format pdf --out ./audit-2026-Q4
  hipaa-evidence report --templates ./our-wording`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := a.report(cmd.Context(), rf, nil)
			if err != nil {
				return err
			}
			return a.printReport(g)
		},
	}
	rf.add(cmd)
	return cmd
}

// report generates the period's reports. lk, when not nil, is used
// instead of the configured locker (the demo passes its own).
func (a *app) report(ctx context.Context, rf reportFlags, lk *locker.Locker) (*reports.Generated, error) {
	p, err := a.period()
	if err != nil {
		return nil, err
	}
	formats := config.SplitList(rf.formats)
	for _, f := range formats {
		if !reports.Default.Has(f) {
			return nil, usageError{fmt.Errorf("unknown report format %q (known: %s)", f, strings.Join(reports.Default.Names(), ", "))}
		}
	}
	if len(formats) == 0 {
		return nil, usageError{errors.New("--format names no format")}
	}
	fsys, err := templates.Open(rf.templates)
	if err != nil {
		return nil, err
	}
	text, err := reports.LoadText(fsys)
	if err != nil {
		return nil, err
	}
	if lk == nil {
		if lk, err = a.openLocker(); err != nil {
			return nil, err
		}
	}
	out := rf.out
	if out == "" {
		out = defaultReportDir
	}
	if err := a.outsideLocker("--out", out); err != nil {
		return nil, err
	}
	return reports.Generate(ctx, reports.GenerateRequest{
		Locker:       lk,
		Period:       p,
		ResultsPath:  rf.results,
		Dir:          out,
		Formats:      formats,
		Text:         text,
		Organization: a.cfg.Organization,
		ToolVersion:  toolVersion(),
		Now:          a.now,
		TrustedKeys:  a.trustedKeys(),
	})
}

// trustedKeys returns the configured local signing key's public half, when
// there is one: evaluate may have signed the results with it.
func (a *app) trustedKeys() []*ecdsa.PublicKey {
	b, err := os.ReadFile(evidence.PublicKeyPath(a.keyFile()))
	if err != nil {
		return nil
	}
	pub, _, err := evidence.ParsePublicKeyPEM(b)
	if err != nil {
		return nil
	}
	return []*ecdsa.PublicKey{pub}
}

// printReport prints what report wrote and returns errGaps when the
// results it reported on have evidence gaps.
func (a *app) printReport(g *reports.Generated) error {
	p := g.Package
	a.printf("report for %s, %s (run %s)\n", p.Organization, p.Period, g.RunID)
	a.printf("package digest sha256:%s\n", g.Digest)
	for _, f := range g.Files {
		path := f.Path
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		a.printf("  %-5s %s\n", f.Format, path)
	}
	if len(g.Stored) > 0 {
		a.printf("stored in the locker under files/%s/\n", filepath.ToSlash(filepath.Dir(g.Stored[0])))
	}
	c := p.CountStatuses()
	a.printf("%d catalog entries: %d met, %d not met, %d partial, %d unknown, %d manual evidence required, %d inherited, %d not applicable\n",
		len(p.Controls), c[reports.Met], c[reports.NotMet], c[reports.Partial], c[reports.Unknown], c[reports.ManualRequired], c[reports.Inherited], c[reports.ControlNotApplicable])
	if p.Key.Demo {
		a.printf("WARNING: the evidence was signed with a DEMO key; this report proves nothing about who collected it.\n")
	}
	if g.Gaps > 0 || g.Unknown > 0 {
		return fmt.Errorf("report %s: %d evidence %s, %d unknown %s (never counted as a pass): %w",
			p.Period, g.Gaps, plural(g.Gaps, "gap", "gaps"), g.Unknown, plural(g.Unknown, "result", "results"), errGaps)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
