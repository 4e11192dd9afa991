package main

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/reports/bundle"
)

// verifyFlags are the flags of verify.
type verifyFlags struct {
	key         string
	fingerprint string
	tsaCA       string
	asJSON      bool
	reevaluate  bool
}

func (a *app) verifyCommand() *cobra.Command {
	var vf verifyFlags
	cmd := &cobra.Command{
		Use:   "verify BUNDLE",
		Short: "Verify an auditor bundle offline: key, seal, every digest, every signature, attestation, manifest",
		Long: `verify checks a bundle zip without extracting it, in one fail-closed pass:

  - the archive: no absolute or ".." paths, links, duplicate names, oversize
    entries or decompression bombs;
  - the key: keys/signing-key.pub must match --key or --fingerprint when given
    (give the fingerprint the organization handed you out of band);
  - the seal: SHA256SUMS.sig verifies over SHA256SUMS;
  - the list: SHA256SUMS is strictly formatted and sorted; every listed file
    is present, nothing unlisted is present, every sha256 matches;
  - the evidence: every snapshot and attachment signature made at collection
    verifies, and the signed run manifest lists exactly the bundled snapshots;
  - the DSSE in-toto attestation and manifest.json agree with the files;
  - SHA256SUMS.sig.tsr, when present: an RFC 3161 timestamp over the seal
    (anchored to --tsa-ca when given).

It names the first file that fails and exits 1. A bundle signed with a demo
key verifies only with a loud DEMO KEY warning.

With --reevaluate it then re-runs the bundled checks (checks/) with the
bundled configuration (config/) on the bundled evidence, and compares the
outcome with results/results.json: no difference proves the findings follow
from the evidence; any difference is listed and verify exits 1.

The same checks need only openssl and sha256sum: see README-VERIFY.txt in the
bundle.`,
		Example: `  hipaa-evidence verify hipaa-evidence-acme-2026-Q4.zip --fingerprint 3f1c...e9
  hipaa-evidence verify bundle.zip --key acme-signing-key.pub --json
  hipaa-evidence verify bundle.zip --fingerprint 3f1c...e9 --reevaluate`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.verify(cmd, args[0], vf)
		},
	}
	f := cmd.Flags()
	f.StringVar(&vf.key, "key", "", "pin the signing key: a PEM public key file the organization gave you")
	f.StringVar(&vf.fingerprint, "fingerprint", "", "pin the signing key by fingerprint (hex SHA-256 of the DER public key)")
	f.StringVar(&vf.tsaCA, "tsa-ca", "", "PEM root certificate(s) the timestamp authority must chain to")
	f.BoolVar(&vf.asJSON, "json", false, "print the result as JSON")
	f.BoolVar(&vf.reevaluate, "reevaluate", false, "re-run the bundled checks on the bundled evidence and compare with results/results.json")
	return cmd
}

// verifyJSON is the --json output of verify.
type verifyJSON struct {
	// Bundle is the path verified.
	Bundle string `json:"bundle"`
	// OK is true when every check passed.
	OK bool `json:"ok"`
	// Error, File and Reason describe the first failure.
	Error string `json:"error,omitempty"`
	// File is the bundle file that failed, when one did.
	File string `json:"file,omitempty"`
	// Reason is the kind of failure, e.g. "sha256 mismatch".
	Reason string `json:"reason,omitempty"`
	// Report is what verification established.
	Report *bundle.Report `json:"report,omitempty"`
	// Reevaluation compares the bundled results with a fresh evaluation.
	Reevaluation *reevaluation `json:"reevaluation,omitempty"`
}

// verifyReasons are the failure kinds verify reports, most specific first.
var verifyReasons = []error{
	bundle.ErrUnsafePath, bundle.ErrSymlink, bundle.ErrDuplicate, bundle.ErrZipBomb, bundle.ErrTooLarge, bundle.ErrArchive,
	bundle.ErrKeyMismatch, bundle.ErrBadSeal, bundle.ErrSumsFormat, bundle.ErrDigestMismatch, bundle.ErrMissingFile,
	bundle.ErrUnlistedFile, bundle.ErrBadSignature, bundle.ErrAttestation, bundle.ErrManifest, bundle.ErrRunManifest,
	bundle.ErrTimestamp, errReevaluation,
}

func (a *app) verify(cmd *cobra.Command, path string, vf verifyFlags) error {
	opts, err := verifyOptions(vf)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	b, closeFn, err := bundle.OpenFile(ctx, path, opts)
	var re *reevaluation
	if err == nil {
		defer closeFn()
		if vf.reevaluate {
			re, err = a.reevaluate(ctx, b)
		}
	}
	if vf.asJSON {
		out := verifyJSON{Bundle: path, OK: err == nil, Reevaluation: re}
		if b != nil {
			out.Report = b.Report
		}
		if err != nil {
			out.Error = err.Error()
			var ve *bundle.Error
			if errors.As(err, &ve) {
				out.File = ve.Path
			}
			for _, r := range verifyReasons {
				if errors.Is(err, r) {
					out.Reason = r.Error()
					break
				}
			}
		}
		if jerr := a.printJSON(out); jerr != nil {
			return jerr
		}
	} else if b != nil {
		a.printVerifyReport(path, b.Report, re, err == nil)
	}
	if err != nil {
		return fmt.Errorf("verify %s: FAILED: %w", filepath.Base(path), err)
	}
	if b.Report.DemoKey {
		fmt.Fprintln(a.stderr, "hipaa-evidence: WARNING: "+bundle.DemoWarning)
	}
	return nil
}

// verifyOptions turns the flags into bundle options.
func verifyOptions(vf verifyFlags) (bundle.Options, error) {
	var opts bundle.Options
	if vf.key != "" {
		b, err := readSmallFile(vf.key, 64<<10)
		if err != nil {
			return opts, fmt.Errorf("read --key: %w", err)
		}
		pub, _, err := evidence.ParsePublicKeyPEM(b)
		if err != nil {
			return opts, usageError{fmt.Errorf("--key %s: %w (pass the PEM public key, e.g. keys/signing-key.pem.pub)", vf.key, err)}
		}
		opts.Key = pub
	}
	if vf.fingerprint != "" {
		fp, err := bundle.NormalizeFingerprint(vf.fingerprint)
		if err != nil {
			return opts, usageError{err}
		}
		opts.Fingerprint = fp
	}
	if vf.tsaCA != "" {
		b, err := readSmallFile(vf.tsaCA, 1<<20)
		if err != nil {
			return opts, fmt.Errorf("read --tsa-ca: %w", err)
		}
		pool := x509.NewCertPool()
		n := 0
		for rest := b; ; {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return opts, usageError{fmt.Errorf("--tsa-ca %s: %w", vf.tsaCA, err)}
			}
			pool.AddCert(c)
			n++
		}
		if n == 0 {
			return opts, usageError{fmt.Errorf("--tsa-ca %s holds no PEM certificate", vf.tsaCA)}
		}
		opts.TSARoots = pool
	}
	return opts, nil
}

// readSmallFile reads a regular file of at most limit bytes. A pipe or a
// device is refused before it is opened: reading it may never end.
func readSmallFile(path string, limit int64) ([]byte, error) {
	if info, err := os.Stat(path); err == nil && !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return b, nil
}

// demoBanner frames the demo-key warning so nobody can miss it.
func demoBanner() string {
	line := strings.Repeat("!", 78)
	return line + "\n!! DEMO KEY: this bundle is signed with a throwaway demo key.\n!! Anyone may hold that key: a successful verification proves nothing\n!! about who collected this evidence. Never hand a demo bundle to an auditor.\n" + line + "\n"
}

// printVerifyReport prints what verification established.
func (a *app) printVerifyReport(path string, r *bundle.Report, re *reevaluation, ok bool) {
	// Everything but the layout comes from the bundle, which anyone can sign.
	printf := func(format string, args ...any) { a.printf("%s", terminalSafe(fmt.Sprintf(format, args...))) }
	if r.DemoKey {
		printf("%s", demoBanner())
	}
	pin := "NOT PINNED: compare it with the fingerprint you were given (--fingerprint)"
	if r.Pinned {
		pin = "pinned: matches the key you gave"
	}
	printf("bundle       %s\n", filepath.Base(path))
	printf("             %s, period %s, bundle id %s\n", r.Organization, r.Period, r.BundleID)
	printf("             created %s by hipaa-evidence %s\n", r.CreatedAt.Format("2006-01-02 15:04:05Z"), r.ToolVersion)
	printf("key          %s\n             %s\n", r.KeyID, pin)
	printf("seal         SHA256SUMS.sig verifies over SHA256SUMS\n")
	printf("files        %d listed and present, every sha256 matches, nothing unlisted (%d bytes)\n", r.Files, r.Bytes)
	printf("signatures   %d snapshot(s) and %d attachment(s) verify with the signatures made at collection\n", r.Snapshots, r.Attachments)
	if r.RunID != "" {
		printf("run          %s: the signed run manifest lists exactly the bundled snapshots\n", r.RunID)
	}
	printf("attestation  DSSE in-toto statement over %d files verifies and agrees\n", r.Subjects)
	printf("manifest     agrees with the files, the key and the attestation\n")
	if t := r.Timestamp; t != nil {
		anchor := "NOT anchored (pass --tsa-ca)"
		if t.Anchored {
			anchor = "anchored to --tsa-ca"
		}
		printf("timestamp    %s by %s, %s\n", t.Time.Format("2006-01-02 15:04:05Z"), t.Authority, anchor)
	}
	if re != nil {
		printf("reevaluation %s\n", re.summary())
		for _, d := range re.Differences {
			printf("             - %s\n", d)
		}
	}
	for _, w := range r.Warnings {
		printf("WARNING      %s\n", w)
	}
	if !ok {
		printf("FAILED\n")
		return
	}
	if r.DemoKey {
		printf("%s", demoBanner())
		printf("OK (DEMO KEY)\n")
		return
	}
	printf("OK\n")
}

// terminalSafe returns s with every control character but newline and tab
// written as an escape (\x1b, \u009b), so text from a bundle, a plugin or
// a config file cannot move the cursor, recolour or hide what follows it.
func terminalSafe(s string) string {
	if !strings.ContainsFunc(s, isUnsafeControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !isUnsafeControl(r):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return b.String()
}

func isUnsafeControl(r rune) bool {
	return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0)
}
