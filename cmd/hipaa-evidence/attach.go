package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/hipaa-evidence/hipaa-evidence/controls"
)

func (a *app) attachCommand() *cobra.Command {
	var control, file, note, validUntil string
	cmd := &cobra.Command{
		Use:   "attach",
		Short: "Attach a signed document as manual evidence for a catalog entry",
		Long: `attach hashes and signs a document (a risk analysis, a policy, a training record, AWS's own
audit report for an inherited safeguard, the BAA itself) and stores it in the locker with
signed metadata: the catalog entry, the file's SHA-256, a note and how long it counts.

Catalog entries that need people-process evidence show manual_required until an attachment
exists and is in date (--valid-until, inclusive; without it the document does not expire).
Nothing in the locker is ever overwritten: attach a new version to replace an old one.
Do not attach documents that contain PHI.`,
		Example: `  hipaa-evidence attach --control "164.308(a)(1)(ii)(A)" --file risk-analysis-2026.pdf --valid-until 2027-06-30
  hipaa-evidence attach --control "164.310(a)(2)(ii)" --file aws-soc2-type2.pdf --note "AWS SOC 2 Type II, from AWS Artifact"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if control == "" || file == "" {
				return usageError{fmt.Errorf("attach needs --control and --file")}
			}
			cat, err := controls.DefaultCatalog()
			if err != nil {
				return err
			}
			if !cat.Has(control) {
				return usageError{fmt.Errorf("--control %q is not a catalog id (see `hipaa-evidence controls list`)", control)}
			}
			info, err := os.Stat(file)
			if err != nil {
				return fmt.Errorf("attach: %w", err)
			}
			if info.Size() > controls.MaxAttachmentSize {
				return fmt.Errorf("attach: %s is %d bytes, over the %d byte limit", file, info.Size(), controls.MaxAttachmentSize)
			}
			data, err := readSmallFile(file, controls.MaxAttachmentSize)
			if err != nil {
				return fmt.Errorf("attach: %w", err)
			}
			signer, err := a.signer(cmd.Context())
			if err != nil {
				return err
			}
			lk, err := a.openLocker()
			if err != nil {
				return err
			}
			m, err := controls.Attach(cmd.Context(), lk, signer, cat, controls.AttachRequest{
				Control: control, FileName: file, Data: data, Note: note, ValidUntil: validUntil, Now: a.now(),
			})
			if err != nil {
				return err
			}
			a.printf("attached %s to %s as %s\n  sha256 %s\n  signed with %s\n", m.FileName, m.Control, m.ID, m.SHA256, signer.String())
			if m.ValidUntil != "" {
				a.printf("  counts until %s (inclusive)\n", m.ValidUntil)
			}
			a.printf("Run `hipaa-evidence evaluate` to update the results.\n")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&control, "control", "", "catalog entry the document evidences, e.g. 164.308(a)(1)(ii)(A)")
	f.StringVar(&file, "file", "", "the document to attach")
	f.StringVar(&note, "note", "", "free text stored with the document")
	f.StringVar(&validUntil, "valid-until", "", "last day the document counts (YYYY-MM-DD); default: no expiry")
	return cmd
}
