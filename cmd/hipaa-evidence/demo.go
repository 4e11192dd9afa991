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

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	collaws "github.com/hipaa-evidence/hipaa-evidence/collectors/aws"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
	"github.com/hipaa-evidence/hipaa-evidence/internal/demo"
	"github.com/hipaa-evidence/hipaa-evidence/internal/period"
)

// The demo's layout inside its output directory.
const (
	demoConfigFile = "hipaa-evidence.yaml"
	demoKeyFile    = "keys/demo-signing-key.pem"
	demoLockerDir  = "evidence-locker"
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
SDK, fanning out over the organization with sts:AssumeRole.

Everything is written into a new directory (--out; it must not exist or be empty): the
demo key, the evidence locker, and a config file describing the demo. The sample data
has deliberate findings and evidence gaps, so the demo ends with exit code 3
(completed with evidence gaps), as a real first run usually does.

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

	a.printf("\n")
	step("Done in %s. Everything is in %s:", time.Since(started).Round(100*time.Millisecond), out)
	a.printf("    %-34s the demo's config (organization, regions, collector options)\n", cfgPath)
	a.printf("    %-34s the DEMO private key (mode 0600) and %s.pub\n", keyPath, filepath.Base(keyPath))
	a.printf("    %-34s signed snapshots and the run manifest\n", filepath.Join(out, demoLockerDir))
	a.printf("\nLook at the evidence:\n")
	a.printf("    cd %s && hipaa-evidence locker show %s --verify\n", out, res.RunID)
	a.printf("Check one snapshot's signature without hipaa-evidence:\n")
	if e, ok := firstSnapshot(res); ok {
		obj := filepath.Join(lk.Root(), e.Path)
		a.printf("    openssl dgst -sha256 -verify %s.pub -signature %s.sig %s\n", keyPath, obj, obj)
	}
	if res.Gaps > 0 {
		return fmt.Errorf("demo run %s: %d of %d snapshots incomplete (deliberate, see above): %w", res.RunID, res.Gaps, len(res.Manifest.Snapshots), errGaps)
	}
	return nil
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
locker:
  path: %s
signing:
  key: %s
aws:
  home_region: %s
  regions: [%s]
  organization: true
  audit_role: %s
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
	names := map[string]string{}
	for _, acc := range m.Accounts {
		names[acc.AccountID] = acc.Name
	}
	var incomplete []string
	for _, s := range m.Snapshots {
		if s.Status == evidence.StatusOK {
			continue
		}
		who := names[s.AccountID]
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
