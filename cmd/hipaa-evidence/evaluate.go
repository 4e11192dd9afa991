package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
	"github.com/hipaa-evidence/hipaa-evidence/internal/atomicfile"
	"github.com/hipaa-evidence/hipaa-evidence/plugins"
	"github.com/hipaa-evidence/hipaa-evidence/plugins/proto"
)

// maxControlsFile bounds the ownership, exceptions and local check files.
const maxControlsFile = 8 << 20

func (a *app) evaluateCommand() *cobra.Command {
	var runID, out string
	cmd := &cobra.Command{
		Use:   "evaluate",
		Short: "Evaluate a run's evidence against the HIPAA Security Rule and write results.json",
		Long: `evaluate verifies the run's signed manifest and every snapshot's signature (a tampered
snapshot stops it with an error naming the file), runs every check (built-in, from the
config's checks.paths, and the checks the run's plugins recorded), applies the ownership
matrix (ownership.yaml), the exceptions register (exceptions.yaml) and attached manual
evidence, compares with the previous period's results, and writes results.json into the
locker (signed) and to --out.

Every one of the 68 catalog entries gets a status with its reason: met, not_met, partial,
unknown, manual_required, inherited or not_applicable. Evidence that could not be seen is
unknown, never a pass; the exit code is then 3.

Evaluation is deterministic: the same evidence and files give byte-identical results.json.`,
		Example: `  hipaa-evidence evaluate                          # latest run of the current quarter
  hipaa-evidence evaluate --period 2026-Q4 --out results.json
  hipaa-evidence evaluate --run 2026-Q4_20261130T101500Z_3f9a1c`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out != "" {
				if err := a.outsideLocker("--out", out); err != nil {
					return err
				}
			}
			o, err := a.evaluateRun(cmd.Context(), runID)
			if err != nil {
				return err
			}
			if out != "" {
				if err := atomicfile.WriteFile(out, o.Data, 0o644); err != nil {
					return fmt.Errorf("write %s: %w", out, err)
				}
			}
			return a.reportEvaluation(o, out)
		},
	}
	cmd.Flags().StringVar(&runID, "run", "", "run id to evaluate (default: the latest run of --period)")
	cmd.Flags().StringVar(&out, "out", "", "also write results.json to this file")
	return cmd
}

// evaluateRun evaluates runID (or, when empty, the latest run of the
// period), stores the signed results.json in the locker and returns the
// outcome: the results, their bytes, the locker path (Outcome.Path, under
// the locker's files/) and the summary counts. The demo and run commands
// call it after collect.
func (a *app) evaluateRun(ctx context.Context, runID string) (*controls.Outcome, error) {
	lk, err := a.openLocker()
	if err != nil {
		return nil, err
	}
	if runID == "" {
		p, err := a.period()
		if err != nil {
			return nil, err
		}
		if runID, err = lk.LatestRun(p); err != nil {
			if errors.Is(err, locker.ErrNotFound) {
				return nil, fmt.Errorf("%w for period %s: run `hipaa-evidence collect --period %s` first", controls.ErrNoRun, p, p)
			}
			return nil, err
		}
	} else if !locker.ValidRunID(runID) {
		return nil, usageError{fmt.Errorf("--run %q is not a run id (see `hipaa-evidence locker runs`)", runID)}
	}
	signer, err := a.signer(ctx)
	if err != nil {
		return nil, err
	}
	vr, err := lk.VerifyRun(runID, nil)
	if err != nil {
		return nil, fmt.Errorf("evidence failed verification, evaluation stopped: %w", err)
	}
	ev, err := a.evaluationFiles(lk, vr)
	if err != nil {
		return nil, err
	}
	if err := a.loadRegisters(ev); err != nil {
		return nil, err
	}
	a.logger.Info("evaluating", "run", runID, "checks", len(ev.checks.Checks()), "snapshots", len(vr.Manifest.Snapshots))
	return controls.EvaluateRun(ctx, controls.RunRequest{
		Locker: lk,
		Signer: signer,
		Now:    a.now,
		Options: controls.LockerOptions{
			RunID:      runID,
			Verified:   vr,
			Catalog:    ev.catalog,
			Checks:     ev.checks,
			Ownership:  ev.ownership,
			Exceptions: ev.exceptions,
		},
	})
}

// evaluation holds the loaded catalog, checks, ownership and exceptions.
type evaluation struct {
	catalog    *controls.Catalog
	checks     *controls.CheckSet
	ownership  *controls.Ownership
	exceptions *controls.Exceptions
}

// evaluationFiles loads the catalog and the checks an evaluation of vr runs:
// the built-in checks, the checks the run's plugins recorded (none when vr
// is nil) and the config's check paths.
func (a *app) evaluationFiles(lk *locker.Locker, vr *locker.VerifiedRun) (*evaluation, error) {
	cat, err := controls.DefaultCatalog()
	if err != nil {
		return nil, err
	}
	settings, err := controls.SettingsFromConfig(a.cfg)
	if err != nil {
		return nil, err
	}
	kinds, err := builtinKinds()
	if err != nil {
		return nil, err
	}
	var records []*plugins.Record
	if vr != nil {
		var missing []string
		records, missing, err = plugins.RunRecords(lk, vr)
		if err != nil {
			return nil, err
		}
		for _, d := range missing {
			a.logger.Warn("a plugin of this run recorded no checks; its evidence is evaluated by no check", "plugin_sha256", d)
		}
		for _, r := range records {
			kinds = append(kinds, r.EvidenceKinds()...)
		}
	}
	opts := controls.LoadOptions{Catalog: cat, KnownKinds: kinds, Params: settings.Params}
	set, err := controls.BuiltinChecks(opts)
	if err != nil {
		return nil, err
	}
	for _, r := range records {
		for _, f := range r.CheckFiles() {
			if err := set.Add(pluginCheckSource(r.Plugin, f.Name), f.Content, opts); err != nil {
				return nil, fmt.Errorf("plugin %s: %w", r.Plugin, err)
			}
		}
	}
	for _, p := range settings.Paths {
		if err := addLocalChecks(set, p, opts); err != nil {
			return nil, err
		}
	}
	if err := set.CheckOverrides(settings.Params); err != nil {
		return nil, err
	}
	return &evaluation{catalog: cat, checks: set}, nil
}

// loadRegisters reads the ownership matrix and the exceptions register
// named by the config (ownership.yaml and exceptions.yaml by default); a
// missing file is not an error.
func (a *app) loadRegisters(ev *evaluation) error {
	settings, err := controls.SettingsFromConfig(a.cfg)
	if err != nil {
		return err
	}
	cat, set := ev.catalog, ev.checks
	if b, err := controls.ReadOptionalFile(settings.Ownership, maxControlsFile); err != nil {
		return fmt.Errorf("read ownership matrix: %w", err)
	} else if b != nil {
		if ev.ownership, err = controls.ParseOwnership(settings.Ownership, b, cat); err != nil {
			return err
		}
	} else {
		a.logger.Warn("no ownership matrix: every catalog entry is reported without owners (create one with `hipaa-evidence init`)", "path", settings.Ownership)
	}
	if b, err := controls.ReadOptionalFile(settings.Exceptions, maxControlsFile); err != nil {
		return fmt.Errorf("read exceptions register: %w", err)
	} else if b != nil {
		if ev.exceptions, err = controls.ParseExceptions(settings.Exceptions, b, cat, set); err != nil {
			return err
		}
	}
	return nil
}

// pluginCheckSource names a plugin's check file in results and bundles.
func pluginCheckSource(plugin, name string) string {
	return "plugin/" + plugin + "/" + strings.TrimPrefix(name, "/")
}

// validatePluginChecks is the host's ValidateChecks: a plugin's checks must
// load through the same loader, with the same validation, as built-in ones,
// reading only the kinds the built-in collectors and the plugin produce.
func validatePluginChecks(files []proto.CheckFile, kinds []string) error {
	cat, err := controls.DefaultCatalog()
	if err != nil {
		return err
	}
	known, err := builtinKinds()
	if err != nil {
		return err
	}
	set := controls.NewCheckSet()
	opts := controls.LoadOptions{Catalog: cat, KnownKinds: append(known, kinds...)}
	for _, f := range files {
		if err := set.Add(f.Name, f.Content, opts); err != nil {
			return err
		}
	}
	return nil
}

// localCheckName names a local check file local/<path>, with the path made
// relative and clean: a leading "/" and ".." elements would not survive as
// they are into a bundle's checks/, and re-evaluating the bundle would then
// name the checks differently from results.json. Each ".." becomes "_up_".
func localCheckName(p string) string {
	var elems []string
	for _, e := range strings.Split(filepath.ToSlash(filepath.Clean(p)), "/") {
		switch e {
		case "", ".":
		case "..":
			elems = append(elems, "_up_")
		default:
			elems = append(elems, strings.ReplaceAll(e, ":", "_"))
		}
	}
	return "local/" + strings.Join(elems, "/")
}

// addLocalChecks adds a check file, or every *.yaml file under a directory,
// named local/<path> (see localCheckName).
func addLocalChecks(set *controls.CheckSet, p string, opts controls.LoadOptions) error {
	info, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("checks.paths: %w", err)
	}
	if !info.IsDir() {
		b, err := controls.ReadOptionalFile(p, maxControlsFile)
		if err != nil {
			return fmt.Errorf("checks.paths: %w", err)
		}
		return set.Add(localCheckName(p), b, opts)
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("checks.paths: %w", err)
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := controls.ReadOptionalFile(f, maxControlsFile)
		if err != nil {
			return fmt.Errorf("checks.paths: %w", err)
		}
		if err := set.Add(localCheckName(f), b, opts); err != nil {
			return err
		}
	}
	return nil
}

// builtinKinds lists the evidence kinds of the built-in collectors.
func builtinKinds() ([]string, error) {
	var kinds []string
	for _, n := range collectors.Default.Names() {
		c, err := collectors.Default.New(n)
		if err != nil {
			return nil, err
		}
		kinds = append(kinds, c.Describe().EvidenceKinds...)
	}
	return kinds, nil
}

// reportEvaluation prints the outcome and returns errGaps when some
// evidence could not be seen.
func (a *app) reportEvaluation(o *controls.Outcome, out string) error {
	s := o.Summary
	r := o.Results
	a.printf("run %s evaluated: %d checks, %d results (%d pass, %d fail, %d unknown, %d not applicable, %d excepted)\n",
		r.RunID, s.Checks, s.Results.Total(), s.Results.Pass, s.Results.Fail, s.Results.Unknown, s.Results.NotApplicable, s.Results.Excepted)
	c := s.Controls
	a.printf("%d catalog entries: %d met, %d not met, %d partial, %d unknown, %d manual evidence required, %d inherited, %d not applicable\n",
		c.Total(), c.Met, c.NotMet, c.Partial, c.Unknown, c.ManualRequired, c.Inherited, c.NotApplicable)
	if s.NotEvaluated > 0 {
		a.printf("%d mapped check(s) cannot be decided from the collected evidence (see not_evaluated in results.json)\n", s.NotEvaluated)
	}
	if s.OwnershipGaps > 0 {
		a.printf("%d catalog entries have ownership gaps\n", s.OwnershipGaps)
	}
	if s.ExceptionsExpired > 0 || s.ExceptionsUnmatched > 0 {
		a.printf("exceptions: %d active, %d expired (lapsed), %d matching nothing\n", s.ExceptionsActive, s.ExceptionsExpired, s.ExceptionsUnmatched)
	}
	if r.Changes != nil {
		a.printf("since %s: %d new failure(s), %d resolved, %d status change(s)\n", r.Changes.PreviousPeriod,
			len(r.Changes.NewFailures), len(r.Changes.ResolvedFailures), len(r.Changes.ControlChanges))
	}
	a.printf("results: %s\n", filepath.Join(a.lockerDir(), "files", filepath.FromSlash(o.Path)))
	if out != "" {
		a.printf("results: %s\n", out)
	}
	if r.DemoKey {
		a.printf("WARNING: the evidence is signed with a DEMO key; it proves nothing about who collected it.\n")
	}
	if s.Results.Unknown > 0 {
		return fmt.Errorf("%d result(s) are unknown because evidence could not be seen: %w", s.Results.Unknown, errGaps)
	}
	return nil
}
