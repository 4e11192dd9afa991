package main

import (
	"runtime"

	"github.com/spf13/cobra"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	collaws "github.com/hipaa-evidence/hipaa-evidence/collectors/aws"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
)

func (a *app) iamPolicyCommand() *cobra.Command {
	var names string
	cmd := &cobra.Command{
		Use:   "iam-policy",
		Short: "Print the least-privilege, read-only IAM policy the collectors need",
		Long: `iam-policy prints an IAM policy document granting exactly the read-only actions every
selected collector declares (and the scope calls: sts:GetCallerIdentity, sts:AssumeRole,
organizations:ListAccounts, account:ListRegions). Attach it to the audit role in each
account. A test proves each collector declares every action it calls.`,
		Example: `  hipaa-evidence iam-policy > hipaa-evidence-policy.json
  hipaa-evidence iam-policy --collectors iam,kms`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reg, closeReg, err := a.collectorRegistry(cmd.Context())
			if err != nil {
				return err
			}
			defer closeReg()
			selected, err := a.enabledCollectors(reg, names)
			if err != nil {
				return err
			}
			var descs []collectors.Descriptor
			for _, n := range selected {
				c, err := reg.New(n)
				if err != nil {
					return err
				}
				descs = append(descs, c.Describe())
			}
			doc, err := collaws.Policy(descs)
			if err != nil {
				return err
			}
			a.printf("%s\n", doc)
			return nil
		},
	}
	cmd.Flags().StringVar(&names, "collectors", "", "only these collectors (default: all)")
	return cmd
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version",
		Example: `  hipaa-evidence version`,
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			a.printf("hipaa-evidence %s (%s, snapshot schema %s)\n", toolVersion(), runtime.Version(), evidence.SchemaV1)
			return nil
		},
	}
}
