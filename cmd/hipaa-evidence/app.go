package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	collaws "github.com/hipaa-evidence/hipaa-evidence/collectors/aws"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
	"github.com/hipaa-evidence/hipaa-evidence/internal/period"
	"github.com/hipaa-evidence/hipaa-evidence/plugins"

	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

// toolVersion returns the build's version: the ldflags value, the module
// version when installed with go install, or "dev".
func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// app holds what every command shares: streams, global flags, the loaded
// config and the clock.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time

	// Global flags.
	configPath string
	profile    string
	periodFlag string
	lockerPath string
	logFormat  string
	quiet      bool
	keyPath    string
	kmsKey     string

	cfg    *config.Config
	logger *slog.Logger

	// pluginSet holds the plugins launched for this invocation, if any.
	pluginSet *plugins.Set
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
}

// rootCommand builds the command tree.
func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "hipaa-evidence",
		Short: "Collect signed AWS evidence, map it to the HIPAA Security Rule, and build audit packages",
		Long: `hipaa-evidence collects signed evidence snapshots from AWS (IAM, KMS, CloudTrail, S3 and
the BAA service scope), evaluates them against the 68 standards and implementation
specifications of the HIPAA Security Rule (45 CFR 164.308-164.316), and produces audit
packages: a PDF report, an XLSX workbook, results.json and a signed bundle an auditor can
verify with openssl and sha256sum alone.

Not seeing is not passing: evidence that could not be collected is reported as unknown.

Exit codes: 0 ok, 1 error, 2 usage, 3 completed with evidence gaps.`,
		Example: `  hipaa-evidence demo --out ./demo            # the whole pipeline on a built-in AWS emulator
  hipaa-evidence keys init                     # create a signing key
  hipaa-evidence collect --regions us-east-1   # collect evidence with your AWS credentials`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return a.setup(cmd) },
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	f := root.PersistentFlags()
	f.StringVar(&a.configPath, "config", "", "config file (default ./"+config.DefaultFile+" when present)")
	f.StringVar(&a.profile, "profile", "", "AWS shared config profile")
	f.StringVar(&a.periodFlag, "period", "", "audit period: 2026-Q4 (default: the current quarter), 2026-H2, 2026-11 or 2026")
	f.StringVar(&a.lockerPath, "locker", "", "evidence locker directory (default ./"+config.DefaultLockerPath+")")
	f.StringVar(&a.logFormat, "log-format", "text", "log format: text or json")
	f.BoolVar(&a.quiet, "quiet", false, "print only warnings, errors and results; no progress bar")
	f.StringVar(&a.keyPath, "key", "", "signing key (PKCS#8 PEM; default ./"+config.DefaultKeyPath+")")
	f.StringVar(&a.kmsKey, "kms-key", "", "sign with this AWS KMS key (id, ARN or alias) instead of a local key")

	for _, c := range a.commands() {
		root.AddCommand(c)
	}
	return root
}

// commands lists every subcommand.
func (a *app) commands() []*cobra.Command {
	return []*cobra.Command{
		a.initCommand(),
		a.collectCommand(),
		a.evaluateCommand(),
		a.attachCommand(),
		a.controlsCommand(),
		a.keysCommand(),
		a.lockerCommand(),
		a.iamPolicyCommand(),
		a.reportCommand(),
		a.packageCommand(),
		a.runCommand(),
		a.verifyCommand(),
		a.demoCommand(),
		a.versionCommand(),
		a.pluginsCommand(),
	}
}

// setup loads the config and sets up logging before any command runs.
func (a *app) setup(cmd *cobra.Command) error {
	switch a.logFormat {
	case "text", "json":
	default:
		return usageError{fmt.Errorf("--log-format must be text or json, not %q", a.logFormat)}
	}
	level := slog.LevelInfo
	if a.quiet {
		level = slog.LevelWarn
	}
	opts := &slog.HandlerOptions{Level: level}
	if a.logFormat == "json" {
		a.logger = slog.New(slog.NewJSONHandler(a.stderr, opts))
	} else {
		a.logger = slog.New(slog.NewTextHandler(a.stderr, opts))
	}
	path := a.configPath
	if path == "" {
		if _, err := os.Stat(config.DefaultFile); err == nil {
			path = config.DefaultFile
		}
	}
	if path == "" {
		a.cfg = &config.Config{}
		return nil
	}
	c, err := config.Load(path)
	if err != nil {
		return err
	}
	a.cfg = c
	return nil
}

// period returns the audit period: the flag, the config, or the current quarter.
func (a *app) period() (string, error) {
	p := a.periodFlag
	if p == "" {
		p = a.cfg.Period
	}
	if p == "" {
		p = period.Current(a.now())
	}
	if _, _, err := period.Bounds(p); err != nil {
		return "", usageError{err}
	}
	return p, nil
}

// lockerDir returns the locker directory: the flag, the config, or the default.
func (a *app) lockerDir() string {
	switch {
	case a.lockerPath != "":
		return a.lockerPath
	case a.cfg.Locker.Path != "":
		return a.cfg.Locker.Path
	}
	return config.DefaultLockerPath
}

// outsideLocker refuses an output path (the value of flag) inside the
// evidence locker: the locker's files are written once, by the locker, and
// never replaced, and a file written there by hand would replace or sit
// among them.
func (a *app) outsideLocker(flag, p string) error {
	root, err := filepath.Abs(a.lockerDir())
	if err != nil {
		return err
	}
	out, err := filepath.Abs(p)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(resolveLinks(root), resolveLinks(out))
	if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return usageError{fmt.Errorf("%s %s is inside the evidence locker %s, whose files are never replaced: choose a path outside it", flag, p, a.lockerDir())}
	}
	return nil
}

// resolveLinks returns the absolute path p with the symbolic links of its
// longest existing prefix resolved.
func resolveLinks(p string) string {
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	if dir := filepath.Dir(p); dir != p {
		return filepath.Join(resolveLinks(dir), filepath.Base(p))
	}
	return p
}

// openLocker opens the locker, creating it if needed.
func (a *app) openLocker() (*locker.Locker, error) {
	return locker.Open(a.lockerDir())
}

// keyFile returns the local signing key path: the flag, the config, or the default.
func (a *app) keyFile() string {
	switch {
	case a.keyPath != "":
		return a.keyPath
	case a.cfg.Signing.Key != "":
		return a.cfg.Signing.Key
	}
	return config.DefaultKeyPath
}

// kmsKeyID returns the KMS signing key, if one is configured.
func (a *app) kmsKeyID() string {
	if a.kmsKey != "" {
		return a.kmsKey
	}
	return a.cfg.Signing.KMSKey
}

// signer returns the configured signer: a KMS key when one is set, else the
// local key file.
func (a *app) signer(ctx context.Context) (evidence.Signer, error) {
	if id := a.kmsKeyID(); id != "" {
		cfg, err := collaws.LoadConfig(ctx, a.awsOptions())
		if err != nil {
			return nil, err
		}
		return evidence.NewKMSSigner(ctx, kms.NewFromConfig(cfg), id)
	}
	path := a.keyFile()
	s, err := evidence.LoadKeyFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no signing key at %s: create one with `hipaa-evidence keys init --key %s`, or pass --key or --kms-key", path, path)
		}
		return nil, err
	}
	return s, nil
}

// awsOptions returns the AWS options from the config file; collect applies
// its scope flags on top.
func (a *app) awsOptions() collaws.Options {
	c := a.cfg.AWS
	o := collaws.Options{
		Profile:      c.Profile,
		HomeRegion:   c.HomeRegion,
		Regions:      c.Regions,
		Accounts:     c.Accounts,
		Organization: c.Organization,
		AuditRole:    c.AuditRole,
		ExternalID:   c.ExternalID,
	}
	if a.profile != "" {
		o.Profile = a.profile
	}
	return o
}

// printf writes to stdout.
func (a *app) printf(format string, args ...any) {
	fmt.Fprintf(a.stdout, format, args...)
}

// shortID abbreviates a digest or key id for tables.
func shortID(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// joinOr returns the elements of s joined with commas, or dash when empty.
func joinOr(s []string) string {
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, ",")
}
