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
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	collaws "github.com/hipaa-evidence/hipaa-evidence/collectors/aws"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/controls"
	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
	"github.com/hipaa-evidence/hipaa-evidence/internal/demo"
	"github.com/hipaa-evidence/hipaa-evidence/internal/period"
	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
	"github.com/hipaa-evidence/hipaa-evidence/templates"
)

// The demo's layout inside its output directory.
const (
	demoConfigFile = "hipaa-evidence.yaml"
	demoKeyFile    = "keys/demo-signing-key.pem"
	demoLockerDir  = "evidence-locker"
	demoPackageDir = "package"
)

func (a *app) demoCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline against a built-in AWS emulator seeded with a sample organization",
		Long: `demo runs hipaa-evidence end to end without an AWS account. It starts the kumo AWS
emulator on this machine (one process per account, all on loopback), seeds it with a
made-up organization, "Example Health" (a management account and the member accounts
clinic-prod, analytics and sandbox, in us-east-1 and us-west-2), creates a throwaway
DEMO signing key, and collects evidence with the real collectors through the real AWS
SDK, fanning out over the organization with sts:AssumeRole. Then it does what evaluate,
report and package do: attaches the sample's manual evidence, evaluates the evidence
against the 68 entries of the HIPAA Security Rule with Example Health's ownership matrix
and exceptions register, renders the PDF, XLSX and JSON reports, and writes the signed
auditor bundle, printing the commands that verify it (with this tool, or with openssl and
sha256sum alone).

Everything is written into a new directory (--out; it must not exist or be empty): the
config, ownership matrix and exceptions register of the demo, the demo key, the evidence
locker, and package/ with the bundle and the reports. --locker, --key, --kms-key and
--config do not apply: the demo uses only its own files. The sample data
has deliberate findings and evidence gaps (reported as unknown, never as passing); the
demo exits 0 when those are the only gaps, and 3 (completed with evidence gaps) when
anything else could not be seen.

Nothing touches real AWS, and the demo key proves nothing about who collected the
evidence: never hand a demo package to an auditor.`,
		Example: `  hipaa-evidence demo --out ./demo-out
  go run ./cmd/hipaa-evidence demo --out ./demo-out`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDemo(cmd.Context(), out)
		},
	}
	cmd.Flags().StringVar(&out, "out", "demo-out", "directory to create for the demo's output (must not exist or be empty)")
	return cmd
}

// demoRunBanner says, before anything else, what the demo is and is not.
const demoRunBanner = `================================================================================
 DEMO -- emulated AWS, sample data, throwaway key
   * AWS is the kumo emulator on this machine; nothing touches a real account.
   * "Example Health" and everything in it are made up for the demo.
   * Evidence is signed with a DEMO key created for this run: it proves nothing
     about who collected it. Never give a demo package to an auditor.
================================================================================
`

// runDemo runs the demo into out.
func (a *app) runDemo(ctx context.Context, out string) error {
	started := time.Now()
	p, err := a.period()
	if err != nil {
		return err
	}
	start, end, err := period.Bounds(p)
	if err != nil {
		return usageError{err}
	}
	if err := prepareDemoDir(out); err != nil {
		return err
	}
	a.printf("%s\n", demoRunBanner)
	step := func(format string, args ...any) {
		a.printf("==> "+format+"\n", args...)
	}

	// The demo's own config: the user's config file (if any) describes
	// their AWS, not the sample organization.
	cfgPath := filepath.Join(out, demoConfigFile)
	if err := writeDemoConfig(cfgPath, p); err != nil {
		return err
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return fmt.Errorf("load the demo config: %w", err)
	}
	a.cfg = cfg

	keyPath := filepath.Join(out, demoKeyFile)
	signer, err := evidence.GenerateKeyFile(keyPath, true)
	if err != nil {
		return fmt.Errorf("create the demo key: %w", err)
	}
	keyID := evidence.KeyID(signer.PublicKey())
	step("Created a throwaway DEMO signing key: %s (key id %s)", keyPath, keyID)

	lk, err := locker.Open(filepath.Join(out, demoLockerDir))
	if err != nil {
		return err
	}

	t0 := time.Now()
	step("Starting the sample organization %q on the kumo AWS emulator", demo.OrganizationName)
	env, err := demo.Start(ctx, demo.Period{Start: start, End: end}, a.now())
	if err != nil {
		return err
	}
	defer env.Close()
	for _, acct := range env.Org.Accounts() {
		phi := ""
		if acct.PHI {
			phi = "  [holds PHI]"
		}
		a.printf("    %-27s %s  %s%s\n", acct.Name, acct.ID, acct.Purpose, phi)
	}
	a.printf("    %d emulator processes on loopback, regions %s, seeded in %s\n",
		env.Emulators, strings.Join(demo.Regions, ", "), time.Since(t0).Round(time.Millisecond))
	var gaps []string
	for _, acct := range env.Org.Accounts() {
		for _, d := range acct.Denied {
			where := acct.Name
			if d.Region != "" {
				where += " " + d.Region
			}
			gaps = append(gaps, fmt.Sprintf("    %-30s %s refused: %s", where, d.Action, d.Why))
		}
	}
	if len(gaps) > 0 {
		a.printf("    Deliberate evidence gaps (they must come out as unknown, never as pass):\n%s\n", strings.Join(gaps, "\n"))
	}

	t0 = time.Now()
	step("Collecting evidence for %s: every built-in collector, every account, %s", p, strings.Join(demo.Regions, " and "))
	opts := collaws.Options{
		HomeRegion:   demo.HomeRegion,
		Regions:      demo.Regions,
		Organization: true,
		AuditRole:    demo.AuditRole,
	}
	res, err := a.collect(ctx, scopeFlags{}, &collectEnv{aws: &opts, config: &env.Config, signer: signer, locker: lk})
	if err != nil {
		return err
	}
	a.printDemoCollection(res, time.Since(t0))
	env.Close()

	// From here on the demo runs the same code as evaluate and report, on
	// the demo's locker, key, ownership matrix and exceptions register.
	if err := a.useDemoFiles(out, keyPath, env.Org, demo.Period{Start: start, End: end}); err != nil {
		return err
	}
	step("Attaching Example Health's manual evidence (sample documents, signed with the demo key)")
	if err := a.attachDemoEvidence(ctx, out, lk, signer, demo.Period{Start: start, End: end}); err != nil {
		return err
	}
	t0 = time.Now()
	step("Evaluating the evidence against the HIPAA Security Rule, writing the reports and the signed bundle")
	a.printf("    ownership matrix %s, exceptions register %s\n",
		filepath.Join(out, controls.DefaultOwnershipFile), filepath.Join(out, controls.DefaultExceptionsFile))
	pkgDir := filepath.Join(out, demoPackageDir)
	pkg, err := a.packageRun(ctx, packageFlags{out: pkgDir, runID: res.RunID})
	if err != nil {
		return err
	}
	a.printDemoEvaluation(pkg.Outcome, names(res))
	a.printf("    reports (package digest sha256:%s):\n", pkg.Reports.Digest)
	for _, f := range pkg.Reports.Files {
		a.printf("      %-5s %s\n", f.Format, f.Path)
	}
	b := pkg.Bundle
	a.printf("    bundle: %s\n      %d files sealed, %d bytes, sha256 %s; SHA256SUMS and SHA256SUMS.sig beside it cover the zip\n",
		b.Path, len(b.Manifest.Files)+2, b.Size, b.SHA256)
	a.printf("    (%s)\n", time.Since(t0).Round(time.Millisecond))

	a.printf("\n")
	step("Done in %s. Everything is in %s:", time.Since(started).Round(100*time.Millisecond), out)
	a.printf("    %-44s the demo's config (organization, regions, collector options)\n", cfgPath)
	a.printf("    %-44s Example Health's owners (two not named yet)\n", filepath.Join(out, controls.DefaultOwnershipFile))
	a.printf("    %-44s one approved exception, one lapsed\n", filepath.Join(out, controls.DefaultExceptionsFile))
	a.printf("    %-44s the DEMO private key (mode 0600) and %s.pub\n", keyPath, filepath.Base(keyPath))
	a.printf("    %-44s signed snapshots, run manifest, attachments, results\n", filepath.Join(out, demoLockerDir))
	a.printf("    %-44s the bundle, its SHA256SUMS and .sig, the PDF, XLSX and JSON\n", pkgDir)

	keyID = b.Manifest.KeyID
	zipName := filepath.Base(b.Path)
	a.printf("\nVerify the bundle as an auditor would (it is sealed with the DEMO key, so verify says so loudly):\n")
	a.printf("    hipaa-evidence verify %s --fingerprint %s\n", b.Path, keyID)
	a.printf("or with standard tools only (README-VERIFY.txt in the bundle has every step):\n")
	a.printf("    cd %s\n", pkgDir)
	a.printf("    openssl dgst -sha256 -verify %s.pub -signature SHA256SUMS.sig SHA256SUMS && sha256sum -c SHA256SUMS\n", relTo(pkgDir, keyPath))
	a.printf("    unzip -q -d bundle %s && cd bundle\n", zipName)
	a.printf("    openssl pkey -pubin -in keys/signing-key.pub -outform DER | sha256sum     # must print %s\n", keyID)
	a.printf("    openssl dgst -sha256 -verify keys/signing-key.pub -signature SHA256SUMS.sig SHA256SUMS\n")
	a.printf("    sha256sum -c --strict SHA256SUMS\n")
	a.printf("Look at the evidence and the results (from %s):\n", out)
	a.printf("    hipaa-evidence locker show %s --verify\n", res.RunID)
	a.printf("    hipaa-evidence controls show '164.312(d)'\n")
	// The sample's gaps are deliberate: the demo succeeds when they are the
	// only ones (a real run with gaps exits 3; so does the demo when
	// something else could not be seen).
	unexpected, err := unexpectedGaps(lk, res, env.Org)
	if err != nil {
		return err
	}
	if len(unexpected) > 0 {
		return fmt.Errorf("demo: evidence gaps beyond the sample's deliberate ones:\n  %s\n%w", strings.Join(unexpected, "\n  "), errGaps)
	}
	a.printf("\nThe demo completed: %d snapshots incomplete and %d results unknown, exactly the sample organization's\n"+
		"deliberate gaps (a real collection with evidence gaps exits with code 3).\n", res.Gaps, pkg.Outcome.Summary.Results.Unknown)
	return nil
}

// unexpectedGaps lists the run's failed calls that are not among the
// sample organization's deliberate denials.
func unexpectedGaps(lk *locker.Locker, res *collectors.Result, org *demo.Organization) ([]string, error) {
	deliberate := func(account, region, action string) bool {
		for _, acct := range org.Accounts() {
			if acct.ID != account {
				continue
			}
			for _, d := range acct.Denied {
				if d.Action == action && (d.Region == "" || d.Region == region) {
					return true
				}
			}
		}
		return false
	}
	var out []string
	for _, e := range res.Manifest.Snapshots {
		if e.Status == evidence.StatusOK {
			continue
		}
		data, _, err := lk.ReadSnapshot(e.Digest)
		if err != nil {
			return nil, err
		}
		snap, err := evidence.DecodeSnapshot(data)
		if err != nil {
			return nil, err
		}
		if len(snap.Errors) == 0 {
			out = append(out, fmt.Sprintf("%s %s %s: %s without a recorded error", e.Kind, e.AccountID, e.Region, e.Status))
		}
		for _, ce := range snap.Errors {
			if !deliberate(e.AccountID, e.Region, ce.Action) {
				out = append(out, fmt.Sprintf("%s %s %s: %s %s", e.Kind, e.AccountID, e.Region, ce.Action, ce.Code))
			}
		}
	}
	for _, acct := range res.Manifest.Accounts {
		if acct.Error != "" {
			out = append(out, fmt.Sprintf("account %s: %s", acct.AccountID, acct.Error))
		}
	}
	sort.Strings(out)
	return out, nil
}

// relTo returns path relative to dir when it can, else path.
func relTo(dir, path string) string {
	absDir, err1 := filepath.Abs(dir)
	absPath, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return path
	}
	if r, err := filepath.Rel(absDir, absPath); err == nil {
		return r
	}
	return path
}

// useDemoFiles points the commands the demo runs after collection at the
// demo's directory: its locker and key (never the user's --locker, --key or
// --kms-key), and the sample organization's ownership matrix and exceptions
// register, written there.
func (a *app) useDemoFiles(out, keyPath string, org *demo.Organization, p demo.Period) error {
	fsys, err := templates.Open("")
	if err != nil {
		return err
	}
	starter, err := templates.ReadFile(fsys, "starter/ownership.yaml")
	if err != nil {
		return err
	}
	ownership, err := demo.Ownership(starter)
	if err != nil {
		return err
	}
	exceptions, err := demo.Exceptions(org, p)
	if err != nil {
		return err
	}
	files := map[string][]byte{controls.DefaultOwnershipFile: ownership, controls.DefaultExceptionsFile: exceptions}
	for _, section := range []struct{ name, file string }{
		{controls.OwnershipSection, controls.DefaultOwnershipFile},
		{controls.ExceptionsSection, controls.DefaultExceptionsFile},
	} {
		path := filepath.Join(out, section.file)
		if err := os.WriteFile(path, files[section.file], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if a.cfg.Extensions == nil {
			a.cfg.Extensions = map[string]yaml.Node{}
		}
		a.cfg.Extensions[section.name] = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: path}
	}
	a.lockerPath, a.keyPath, a.kmsKey = filepath.Join(out, demoLockerDir), keyPath, ""
	return nil
}

// attachDemoEvidence attaches the sample organization's manual evidence as
// attach does: AWS's audit report for every entry the ownership matrix
// assigns to AWS, and a few policies and plans.
func (a *app) attachDemoEvidence(ctx context.Context, out string, lk *locker.Locker, signer evidence.Signer, p demo.Period) error {
	cat, err := controls.DefaultCatalog()
	if err != nil {
		return err
	}
	path := filepath.Join(out, controls.DefaultOwnershipFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	own, err := controls.ParseOwnership(path, b, cat)
	if err != nil {
		return err
	}
	var awsIDs []string
	for id, e := range own.Entries {
		if e.Responsibility == "aws" && e.NotApplicable == "" {
			awsIDs = append(awsIDs, id)
		}
	}
	sort.Strings(awsIDs)
	atts := demo.Attachments(awsIDs, p)
	for _, att := range atts {
		if _, err := controls.Attach(ctx, lk, signer, cat, controls.AttachRequest{
			Control: att.Control, FileName: att.FileName, Data: att.Data, Note: att.Note, ValidUntil: att.ValidUntil, Now: a.now(),
		}); err != nil {
			return fmt.Errorf("attach %s to %s: %w", att.FileName, att.Control, err)
		}
	}
	a.printf("    %d documents: AWS's audit report for the %d entries inherited from AWS, %d policies, plans and agreements (one out of date)\n",
		len(atts), len(awsIDs), len(atts)-len(awsIDs))
	return nil
}

// names maps the run's account ids to their names.
func names(res *collectors.Result) map[string]string {
	out := map[string]string{}
	for _, acc := range res.Manifest.Accounts {
		out[acc.AccountID] = acc.Name
	}
	return out
}

// printDemoEvaluation summarises the evaluation: counts, the failing checks
// and the unknown results with the calls that failed.
func (a *app) printDemoEvaluation(o *controls.Outcome, accounts map[string]string) {
	s, r := o.Summary, o.Results
	a.printf("    %d checks, %d results: %d pass, %d fail, %d unknown, %d not applicable, %d excepted\n",
		s.Checks, s.Results.Total(), s.Results.Pass, s.Results.Fail, s.Results.Unknown, s.Results.NotApplicable, s.Results.Excepted)
	c := s.Controls
	a.printf("    %d catalog entries: %d met, %d not met, %d partial, %d unknown, %d need manual evidence, %d inherited, %d not applicable\n",
		c.Total(), c.Met, c.NotMet, c.Partial, c.Unknown, c.ManualRequired, c.Inherited, c.NotApplicable)
	type tally struct {
		n        int
		accounts map[string]bool
		actions  map[string]bool
	}
	fails, unknowns := map[string]*tally{}, map[string]*tally{}
	for _, res := range r.Results {
		var m map[string]*tally
		switch res.Status {
		case controls.StatusFail:
			m = fails
		case controls.StatusUnknown:
			m = unknowns
		default:
			continue
		}
		t := m[res.CheckID]
		if t == nil {
			t = &tally{accounts: map[string]bool{}, actions: map[string]bool{}}
			m[res.CheckID] = t
		}
		t.n++
		name := accounts[res.AccountID]
		if name == "" {
			name = res.AccountID
		}
		t.accounts[name] = true
		for _, act := range res.FailedActions {
			t.actions[act] = true
		}
	}
	list := func(title string, m map[string]*tally, withActions bool) {
		if len(m) == 0 {
			return
		}
		a.printf("    %s\n", title)
		ids := make([]string, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			t := m[id]
			line := fmt.Sprintf("      %-40s %3d  %s", id, t.n, strings.Join(sorted.Keys(t.accounts), ", "))
			if withActions && len(t.actions) > 0 {
				line += "  (" + strings.Join(sorted.Keys(t.actions), ", ") + " failed)"
			}
			a.printf("%s\n", line)
		}
	}
	list("Failing (check, resources, accounts):", fails, false)
	list("Unknown -- evidence not seen, never counted as a pass:", unknowns, true)
	if s.OwnershipGaps > 0 {
		a.printf("    %d catalog entries have ownership gaps\n", s.OwnershipGaps)
	}
	a.printf("    exceptions: %d active, %d expired (lapsed, flagged), %d matching nothing\n", s.ExceptionsActive, s.ExceptionsExpired, s.ExceptionsUnmatched)
	a.printf("    results.json (signed): %s\n", filepath.Join(a.lockerDir(), "files", filepath.FromSlash(o.Path)))
}

// prepareDemoDir creates out, or accepts it when it exists and is empty.
func prepareDemoDir(out string) error {
	if out == "" {
		return usageError{errors.New("--out must name a directory")}
	}
	entries, err := os.ReadDir(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(out, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", out, err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("demo output %s: %w", out, err)
	case len(entries) > 0:
		return usageError{fmt.Errorf("demo output %s exists and is not empty; the demo writes only into a new or empty directory (choose another --out)", out)}
	}
	return nil
}

// writeDemoConfig writes the demo's config file.
func writeDemoConfig(path, period string) error {
	text := fmt.Sprintf(`# hipaa-evidence configuration written by "hipaa-evidence demo".
#
# It describes the demo's sample organization, %q, which ran on the kumo AWS
# emulator during the demo and is gone now. Paths are relative to this
# directory: run hipaa-evidence from here to look at the demo's evidence, e.g.
#   hipaa-evidence locker runs
organization: %s
period: %s
ownership: ownership.yaml
exceptions: exceptions.yaml
locker:
  path: %s
signing:
  key: %s
aws:
  home_region: %s
  regions: [%s]
  organization: true
  audit_role: %s
checks:
  params:
    iam_workforce_federation:
      break_glass_users: [breakglass-admin]
collectors:
  options:
    s3:
      phi_tag_key: phi
      phi_tag_value: "true"
    scope:
      phi_tag_key: phi
      phi_tag_value: "true"
`, demo.OrganizationName, demo.OrganizationName, period, demoLockerDir, demoKeyFile,
		demo.HomeRegion, strings.Join(demo.Regions, ", "), demo.AuditRole)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return fmt.Errorf("write the demo config: %w", err)
	}
	return nil
}

// printDemoCollection summarises the run: snapshots by kind and status, and
// every incomplete one with the failed actions.
func (a *app) printDemoCollection(res *collectors.Result, took time.Duration) {
	m := res.Manifest
	a.printf("    run %s: %d signed snapshots from %d accounts in %s\n", res.RunID, len(m.Snapshots), len(m.Accounts), took.Round(time.Millisecond))
	accounts := names(res)
	var incomplete []string
	for _, s := range m.Snapshots {
		if s.Status == evidence.StatusOK {
			continue
		}
		who := accounts[s.AccountID]
		if who == "" {
			who = s.AccountID
		}
		incomplete = append(incomplete, fmt.Sprintf("    %-7s %-34s %-12s %-10s", s.Status, s.Kind, who, s.Region))
	}
	sort.Strings(incomplete)
	if len(incomplete) > 0 {
		a.printf("    %d incomplete (their checks will be unknown, naming the failed call):\n%s\n", len(incomplete), strings.Join(incomplete, "\n"))
	}
}

// firstSnapshot returns the run's first snapshot entry.
func firstSnapshot(res *collectors.Result) (locker.SnapshotEntry, bool) {
	if len(res.Manifest.Snapshots) == 0 {
		return locker.SnapshotEntry{}, false
	}
	return res.Manifest.Snapshots[0], true
}
