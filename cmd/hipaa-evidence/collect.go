package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	collaws "github.com/hipaa-evidence/hipaa-evidence/collectors/aws"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
	"github.com/hipaa-evidence/hipaa-evidence/internal/period"

	// The built-in collectors.
	_ "github.com/hipaa-evidence/hipaa-evidence/collectors/all"
)

// scopeFlags are the collection-scope flags; set ones override the config.
type scopeFlags struct {
	regions      string
	accounts     string
	organization bool
	auditRole    string
	collectors   string
	concurrency  int
}

func (s *scopeFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.regions, "regions", "", "regions to collect: r1,r2 or all (enabled regions of each account); default: the home region")
	f.StringVar(&s.accounts, "accounts", "", "account ids to collect (id,id); with --organization, a filter")
	f.BoolVar(&s.organization, "organization", false, "fan out over every active account of the AWS organization")
	f.StringVar(&s.auditRole, "audit-role", "", "role name assumed in other accounts (default "+collaws.DefaultAuditRole+")")
	f.StringVar(&s.collectors, "collectors", "", "collectors to run (iam,kms,...); default: all built-in ones")
	f.IntVar(&s.concurrency, "concurrency", 0, fmt.Sprintf("concurrent collections (default %d)", collectors.DefaultConcurrency))
}

func (a *app) collectCommand() *cobra.Command {
	var sf scopeFlags
	cmd := &cobra.Command{
		Use:   "collect",
		Short: "Collect signed evidence snapshots from AWS into the locker",
		Long: `collect runs the collectors for every account and region in scope, signs every snapshot
as it is written and stores it in the locker with a signed run manifest.

AWS access uses the SDK's default credential chain (environment, shared config and
credentials files, SSO, instance roles), --profile, and the standard AWS_ENDPOINT_URL
variables. With --organization it lists the organization's accounts and assumes
--audit-role in each. A failing call, account or region never stops the run: it is
recorded in the evidence and the exit code is 3 (completed with evidence gaps).

Run 'hipaa-evidence iam-policy' for the exact read-only permissions needed.`,
		Example: `  hipaa-evidence collect --regions us-east-1,us-west-2
  hipaa-evidence collect --organization --audit-role HipaaEvidenceAudit --regions all
  hipaa-evidence collect --collectors iam --kms-key alias/hipaa-evidence`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := a.collect(cmd.Context(), sf, nil)
			if err != nil {
				return err
			}
			return a.reportCollection(res)
		},
	}
	sf.add(cmd)
	return cmd
}

// collectEnv lets the demo supply its own AWS configuration and signer.
type collectEnv struct {
	aws *collaws.Options
	// config, when set, is the SDK configuration of the caller, used
	// instead of one loaded from the default chain (the demo's emulator).
	config *aws.Config
	signer evidence.Signer
	locker *locker.Locker
}

// collect runs one collection and returns the committed run.
func (a *app) collect(ctx context.Context, sf scopeFlags, env *collectEnv) (*collectors.Result, error) {
	p, err := a.period()
	if err != nil {
		return nil, err
	}
	start, end, err := period.Bounds(p)
	if err != nil {
		return nil, usageError{err}
	}
	opts := a.awsOptions()
	if env != nil && env.aws != nil {
		opts = *env.aws
	}
	if sf.regions != "" {
		opts.Regions = config.SplitList(sf.regions)
	}
	if sf.accounts != "" {
		opts.Accounts = config.SplitList(sf.accounts)
	}
	if sf.organization {
		opts.Organization = true
	}
	if sf.auditRole != "" {
		opts.AuditRole = sf.auditRole
	}

	reg, closeReg, err := a.collectorRegistry(ctx)
	if err != nil {
		return nil, err
	}
	defer closeReg()
	names, err := a.enabledCollectors(reg, sf.collectors)
	if err != nil {
		return nil, err
	}
	options := a.collectorOptions()
	if err := validateOptions(reg, names, options, a.cfg); err != nil {
		return nil, err
	}

	var signer evidence.Signer
	lk := (*locker.Locker)(nil)
	if env != nil {
		signer, lk = env.signer, env.locker
	}
	if signer == nil {
		if signer, err = a.signer(ctx); err != nil {
			return nil, err
		}
	}
	if lk == nil {
		if lk, err = a.openLocker(); err != nil {
			return nil, err
		}
	}

	if err := a.recordPluginChecks(ctx, lk, signer); err != nil {
		return nil, err
	}

	var scope *collaws.Scope
	if readsAWS(reg, names) {
		var base *aws.Config
		if env != nil {
			base = env.config
		}
		if scope, err = a.resolveScope(ctx, opts, base); err != nil {
			return nil, err
		}
	} else {
		// Only plugin collectors that read their own sources: no AWS call,
		// no credentials needed.
		a.logger.Info("no selected collector reads AWS; collecting without AWS credentials")
		scope = &collaws.Scope{Caller: collectors.Account{Partition: "aws", Access: "none"}}
	}
	for _, acct := range scope.Accounts {
		if acct.Err != nil {
			a.logger.Warn("account unreachable; its evidence will be recorded as errors", "account", acct.ID, "action", acct.Err.Action, "code", acct.Err.Code)
		}
		if acct.RegionsErr != nil {
			a.logger.Warn("could not list enabled regions; collecting the home region only", "account", acct.ID, "action", acct.RegionsErr.Action, "code", acct.RegionsErr.Code)
		}
	}

	concurrency := sf.concurrency
	if concurrency == 0 {
		concurrency = a.cfg.AWS.Concurrency
	}
	bar := a.newProgress("collect")
	runner := &collectors.Runner{
		Registry:    reg,
		Locker:      lk,
		Signer:      signer,
		Concurrency: concurrency,
		Now:         a.now,
		ToolVersion: toolVersion(),
		Logger:      a.logger,
		Progress:    func(p collectors.Progress) { bar.update(p.Done, p.Total, p.Last) },
	}
	a.logger.Info("collecting", "period", p, "accounts", len(scope.Accounts), "collectors", strings.Join(names, ","), "key", signer.String())
	res, err := runner.Run(ctx, collectors.Plan{
		Period:       p,
		PeriodStart:  start,
		PeriodEnd:    end,
		Organization: a.cfg.Organization,
		Collectors:   names,
		Caller:       scope.Caller,
		Accounts:     scope.Accounts,
		Regions:      scope.Regions,
		Options:      options,
	})
	bar.finish()
	if err != nil {
		return nil, err
	}
	return res, nil
}

// readsAWS reports whether any of the named collectors calls AWS or runs per
// account or region.
func readsAWS(reg *collectors.Registry, names []string) bool {
	for _, n := range names {
		c, err := reg.New(n)
		if err != nil {
			return true
		}
		if d := c.Describe(); len(d.Actions) > 0 || d.Scope != collectors.Once || d.PluginDigest == "" {
			return true
		}
	}
	return false
}

// resolveScope checks the AWS credentials and resolves the accounts and
// regions in scope.
func (a *app) resolveScope(ctx context.Context, opts collaws.Options, base *aws.Config) (*collaws.Scope, error) {
	if base != nil {
		a.logger.Info("resolving scope", "organization", opts.Organization, "regions", joinOr(opts.Regions))
		return collaws.ResolveScope(ctx, *base, opts)
	}
	cfg, err := collaws.LoadConfig(ctx, opts)
	if err != nil {
		return nil, err
	}
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("no AWS credentials: configure the SDK's default chain (environment, --profile or AWS_PROFILE, SSO, instance role)")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("no usable AWS credentials (environment, --profile or AWS_PROFILE, SSO, instance role): %w", collectors.ScrubCredentialError(err))
	}
	a.logger.Info("resolving scope", "organization", opts.Organization, "regions", joinOr(opts.Regions))
	return collaws.ResolveScope(ctx, cfg, opts)
}

// collectorRegistry returns the registry of collectors for this run: the
// built-ins and the collectors of every plugin in the config, launched (a
// wrong or missing pin refuses the run). The returned func ends the plugins.
func (a *app) collectorRegistry(ctx context.Context) (*collectors.Registry, func(), error) {
	reg := collectors.Default.Clone()
	release, err := a.launchPlugins(ctx, reg)
	if err != nil {
		return nil, nil, err
	}
	return reg, release, nil
}

// enabledCollectors returns the collectors to run: the flag, the config, or
// every registered one.
func (a *app) enabledCollectors(reg *collectors.Registry, flag string) ([]string, error) {
	names := config.SplitList(flag)
	if len(names) == 0 {
		names = a.cfg.Collectors.Enabled
	}
	if len(names) == 0 {
		return reg.Names(), nil
	}
	for _, n := range names {
		if !reg.Has(n) {
			return nil, usageError{fmt.Errorf("unknown collector %q (known: %s)", n, strings.Join(reg.Names(), ", "))}
		}
	}
	return collectors.SortedUnique(names), nil
}

// validateOptions checks every enabled collector's options before anything
// is collected, so a typo in the config file (cfg) is reported with its file
// and line instead of turning into error snapshots.
func validateOptions(reg *collectors.Registry, names []string, options map[string]collectors.Options, cfg *config.Config) error {
	enabled := map[string]bool{}
	for _, n := range names {
		enabled[n] = true
	}
	// at places an error that does not name its line at the line of the
	// collector's section.
	at := func(name string, err error) error {
		var ce *config.Error
		if cfg == nil || errors.As(err, &ce) {
			return err
		}
		n := cfg.Collectors.Options[name]
		return &config.Error{File: cfg.Path, Line: n.Line, Msg: err.Error()}
	}
	for name, o := range options {
		if !reg.Has(name) {
			return at(name, fmt.Errorf("collectors.options has a section for unknown collector %q (known: %s)", name, strings.Join(reg.Names(), ", ")))
		}
		if !enabled[name] {
			continue
		}
		c, err := reg.New(name)
		if err != nil {
			return err
		}
		if v, ok := c.(collectors.OptionsValidator); ok {
			if err := v.ValidateOptions(o); err != nil {
				return at(name, fmt.Errorf("options of collector %s: %w", name, err))
			}
		}
	}
	return nil
}

// collectorOptions turns the config's collectors.options into per-collector
// strict decoders.
func (a *app) collectorOptions() map[string]collectors.Options {
	out := map[string]collectors.Options{}
	for name, node := range a.cfg.Collectors.Options {
		n := node
		path := a.cfg.Path
		out[name] = collectors.NewOptions(func(v any) error { return config.DecodeNode(path, &n, v) })
	}
	return out
}

// reportCollection prints a run's summary and returns errGaps when some
// evidence could not be collected.
func (a *app) reportCollection(res *collectors.Result) error {
	m := res.Manifest
	kinds := map[string]int{}
	for _, s := range m.Snapshots {
		kinds[s.Kind]++
	}
	a.printf("run %s: %d snapshots from %d account(s), signed with key %s\n", res.RunID, len(m.Snapshots), len(m.Accounts), shortID(m.KeyID))
	if m.DemoKey {
		a.printf("WARNING: signed with a DEMO key; this evidence proves nothing about who collected it.\n")
	}
	if res.Gaps == 0 {
		return nil
	}
	var gaps []string
	for _, s := range m.Snapshots {
		if s.Status != evidence.StatusOK {
			gaps = append(gaps, fmt.Sprintf("  %-40s %s %-10s %s", s.Kind, s.AccountID, s.Region, s.Status))
		}
	}
	sort.Strings(gaps)
	a.printf("%d snapshot(s) are incomplete (see their errors with `hipaa-evidence locker show %s`):\n%s\n", res.Gaps, res.RunID, strings.Join(gaps, "\n"))
	return fmt.Errorf("run %s: %d of %d snapshots incomplete: %w", res.RunID, res.Gaps, len(m.Snapshots), errGaps)
}
