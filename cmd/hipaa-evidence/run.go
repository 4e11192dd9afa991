package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func (a *app) runCommand() *cobra.Command {
	var sf scopeFlags
	var pf packageFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Collect, evaluate, report and package in one command",
		Long: `run is the quarterly command: it collects signed evidence (as collect does, with the same
scope flags), evaluates the run against the HIPAA Security Rule, renders the PDF and XLSX
reports, and writes the signed auditor bundle into --out (as package does).

Evidence that could not be collected never stops the run: it is recorded, reported as
unknown, and the exit code is 3 (completed with evidence gaps).`,
		Example: `  hipaa-evidence run --period 2026-Q4 --out dist/
  hipaa-evidence run --organization --regions all --kms-key alias/hipaa-evidence --out dist/`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := a.outsideLocker("--out", pf.out); err != nil {
				return err
			}
			res, err := a.collect(ctx, sf, nil)
			if err != nil {
				return err
			}
			gaps := a.reportCollection(res)
			if gaps != nil && !errors.Is(gaps, errGaps) {
				return gaps
			}
			pf.runID = res.RunID
			p, err := a.packageRun(ctx, pf)
			if err != nil {
				return err
			}
			if err := a.reportPackage(p); err != nil {
				return err
			}
			return gaps
		},
	}
	sf.add(cmd)
	pf.add(cmd, false)
	return cmd
}
