package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
	"github.com/hipaa-evidence/hipaa-evidence/reports"
	"github.com/hipaa-evidence/hipaa-evidence/reports/bundle"
)

// packageFlags are the flags package and run share.
type packageFlags struct {
	out       string
	runID     string
	tsa       string
	templates string
	force     bool
}

func (p *packageFlags) add(cmd *cobra.Command, withRun bool) {
	f := cmd.Flags()
	f.StringVar(&p.out, "out", "dist", "directory for the bundle, its SHA256SUMS and .sig, and the reports")
	if withRun {
		f.StringVar(&p.runID, "run", "", "run id to package (default: the latest run of --period)")
	}
	f.StringVar(&p.tsa, "tsa", "", "RFC 3161 time-stamping authority URL: adds SHA256SUMS.sig.tsr, a trusted timestamp over the seal")
	f.StringVar(&p.templates, "templates", "", "directory whose report/*.tmpl files replace the embedded report wording")
	f.BoolVar(&p.force, "force", false, "replace an existing bundle of the same name")
}

func (a *app) packageCommand() *cobra.Command {
	var pf packageFlags
	cmd := &cobra.Command{
		Use:   "package",
		Short: "Write the signed auditor bundle: evidence as collected, results, reports, configuration, checks",
		Long: `package evaluates the period's latest run (or --run) exactly as evaluate does, renders the
reports, and writes hipaa-evidence-<organization>-<period>.zip into --out with:

  - every snapshot and the run manifest with the signatures made at collection, byte for
    byte from the locker (never re-signed), and the manual evidence the evaluation used;
  - results/results.json, the PDF and XLSX reports, the ownership matrix, exceptions
    register, catalog and every check file as used (so the evaluation can be re-run);
  - keys/signing-key.pub, manifest.json, an in-toto attestation (DSSE) over every file,
    SHA256SUMS and SHA256SUMS.sig (the seal), and with --tsa an RFC 3161 timestamp;
  - README-VERIFY.txt: the openssl and sha256sum commands an auditor runs.

Beside the zip it writes SHA256SUMS and SHA256SUMS.sig over the zip itself, and the
reports. The bundle is sealed with the key that signed the evidence (--key or --kms-key);
give its fingerprint (printed) to your auditors out of band.`,
		Example: `  hipaa-evidence package --period 2026-Q4 --out dist/
  hipaa-evidence package --kms-key alias/hipaa-evidence --tsa https://tsa.example.com/tsr`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := a.packageRun(cmd.Context(), pf)
			if err != nil {
				return err
			}
			return a.reportPackage(res)
		},
	}
	pf.add(cmd, true)
	return cmd
}

// packaged is what packageRun produced.
type packaged struct {
	// Outcome is the evaluation packaged.
	Outcome *controls.Outcome
	// Reports are the reports rendered into the output directory.
	Reports *reports.Generated
	// Bundle is the written bundle.
	Bundle *bundle.Result
	// Signer sealed the bundle.
	Signer evidence.Signer
}

// packageRun evaluates a run (pf.runID, or the latest of the period),
// renders its reports into pf.out and writes the bundle there. run calls it
// after collect.
func (a *app) packageRun(ctx context.Context, pf packageFlags) (*packaged, error) {
	if err := a.outsideLocker("--out", pf.out); err != nil {
		return nil, err
	}
	outcome, err := a.evaluateRun(ctx, pf.runID)
	if err != nil {
		return nil, err
	}
	lk, err := a.openLocker()
	if err != nil {
		return nil, err
	}
	gen, err := a.report(ctx, reportFlags{formats: "json,pdf,xlsx", out: pf.out, templates: pf.templates, results: outcome.Path}, lk)
	if err != nil {
		return nil, err
	}
	return a.packageOutcome(ctx, outcome, gen, pf)
}

// packageOutcome writes the bundle of an evaluation whose reports are
// already rendered: the run's evidence, the manual evidence it used,
// results.json, its inputs (checks/, config/) and the report files, sealed
// with the configured signer (a.signer) into pf.out. The locker is the
// configured one (a.openLocker). The demo calls it after evaluate and
// report.
func (a *app) packageOutcome(ctx context.Context, outcome *controls.Outcome, gen *reports.Generated, pf packageFlags) (*packaged, error) {
	lk, err := a.openLocker()
	if err != nil {
		return nil, err
	}
	signer, err := a.signer(ctx)
	if err != nil {
		return nil, err
	}
	r := outcome.Results
	org := a.cfg.Organization
	if org == "" {
		org = r.Organization
	}
	evalFiles, err := controls.InputFiles(outcome.Inputs)
	if err != nil {
		return nil, err
	}
	var attachments []string
	for _, m := range outcome.Inputs.Manual {
		attachments = append(attachments, m.ID)
	}
	var reportFiles []string
	for _, f := range gen.Files {
		reportFiles = append(reportFiles, f.Path)
	}
	res, err := writeBundle(ctx, bundleRequest{
		Organization: org,
		Period:       r.Period,
		RunID:        r.RunID,
		Locker:       lk,
		Signer:       signer,
		Results:      outcome.Data,
		EvalFiles:    evalFiles,
		Attachments:  attachments,
		Reports:      reportFiles,
		OutDir:       pf.out,
		TSA:          pf.tsa,
		Replace:      pf.force,
		Now:          a.now(),
	})
	if err != nil {
		return nil, err
	}
	return &packaged{Outcome: outcome, Reports: gen, Bundle: res, Signer: signer}, nil
}

// reportPackage prints where the bundle is and how to verify it, and
// returns errGaps when some evidence could not be seen.
func (a *app) reportPackage(p *packaged) error {
	b := p.Bundle
	keyID := b.Manifest.KeyID
	a.printf("bundle:  %s\n         %d files sealed, %d bytes, sha256 %s\n", b.Path, len(b.Manifest.Files)+2, b.Size, b.SHA256)
	a.printf("         SHA256SUMS and SHA256SUMS.sig beside it cover the zip\n")
	for _, f := range p.Reports.Files {
		a.printf("report:  %s\n", f.Path)
	}
	if b.Timestamp != nil {
		a.printf("timestamp: %s by %s\n", b.Timestamp.Time.Format("2006-01-02 15:04:05Z"), b.Timestamp.Authority)
	}
	a.printf("key id:  %s  (%s)\n", keyID, p.Signer)
	if b.Manifest.DemoKey {
		a.printf("WARNING: sealed with a DEMO key; this bundle proves nothing about who collected the evidence.\n")
	} else {
		a.printf("         give this fingerprint to your auditors out of band (not with the bundle)\n")
	}
	a.printf("verify:  hipaa-evidence verify %s --fingerprint %s\n", b.Path, keyID)
	a.printf("         or unzip it and follow README-VERIFY.txt (openssl and sha256sum only)\n")
	if n := p.Outcome.Summary.Results.Unknown; n > 0 {
		return fmt.Errorf("bundle written; %d result(s) are unknown because evidence could not be seen: %w", n, errGaps)
	}
	return nil
}
