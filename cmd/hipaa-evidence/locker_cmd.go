package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hipaa-evidence/hipaa-evidence/collectors/evidence"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/locker"
)

func (a *app) lockerCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "locker",
		Short: "List and inspect the runs stored in the evidence locker",
		Example: `  hipaa-evidence locker runs
  hipaa-evidence locker show 2026-Q4_20261129T101500Z_a1b2c3 --verify`,
		Args: noArgs,
	}
	var asJSON bool
	runs := &cobra.Command{
		Use:     "runs",
		Short:   "List the collection runs in the locker, oldest first",
		Example: `  hipaa-evidence locker runs --locker /var/hipaa-evidence`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			lk, err := a.openLocker()
			if err != nil {
				return err
			}
			ids, err := lk.Runs()
			if err != nil {
				return err
			}
			var ms []*locker.Manifest
			for _, id := range ids {
				m, _, _, err := lk.Run(id)
				if err != nil {
					return err
				}
				ms = append(ms, m)
			}
			if asJSON {
				return a.printJSON(ms)
			}
			if len(ms) == 0 {
				a.printf("no runs in %s; collect evidence with `hipaa-evidence collect`\n", lk.Root())
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tPERIOD\tFINISHED (UTC)\tACCOUNTS\tSNAPSHOTS\tGAPS\tKEY")
			for _, m := range ms {
				key := shortID(m.KeyID)
				if m.DemoKey {
					key += " (DEMO)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", m.RunID, m.Period, m.FinishedAt.Format("2006-01-02 15:04:05"), len(m.Accounts), len(m.Snapshots), m.Gaps, key)
			}
			return tw.Flush()
		},
	}
	runs.Flags().BoolVar(&asJSON, "json", false, "print the run manifests as JSON")

	var verify, showJSON bool
	show := &cobra.Command{
		Use:   "show RUN",
		Short: "Show one run: its scope, collectors and every snapshot with status and digest",
		Example: `  hipaa-evidence locker show 2026-Q4_20261129T101500Z_a1b2c3
  hipaa-evidence locker show 2026-Q4_20261129T101500Z_a1b2c3 --verify --json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			lk, err := a.openLocker()
			if err != nil {
				return err
			}
			m, _, _, err := lk.Run(args[0])
			if err != nil {
				if errors.Is(err, locker.ErrNotFound) {
					return fmt.Errorf("%w (list runs with `hipaa-evidence locker runs`)", err)
				}
				return err
			}
			if verify {
				if _, err := lk.VerifyRun(args[0], nil); err != nil {
					return fmt.Errorf("verify run %s: %w", args[0], err)
				}
			}
			if showJSON {
				return a.printJSON(m)
			}
			a.printf("run:        %s\nperiod:     %s\nstarted:    %s\nfinished:   %s\nretain to:  %s\ntool:       %s\nkey id:     %s\n",
				m.RunID, m.Period, m.StartedAt.Format("2006-01-02 15:04:05Z"), m.FinishedAt.Format("2006-01-02 15:04:05Z"),
				m.RetainUntil.Format("2006-01-02"), m.ToolVersion, m.KeyID)
			if m.DemoKey {
				a.printf("WARNING:    signed with a DEMO key\n")
			}
			if verify {
				a.printf("signatures: manifest and %d snapshots verified\n", len(m.Snapshots))
			}
			a.printf("\naccounts:\n")
			for _, ac := range m.Accounts {
				status := ac.Access
				if ac.Error != "" {
					status = "UNREACHABLE: " + ac.Error
				}
				a.printf("  %s %-20s %s\n", ac.AccountID, ac.Name, status)
			}
			a.printf("\nsnapshots:\n")
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "  KIND\tACCOUNT\tREGION\tSTATUS\tERRORS\tCOLLECTOR\tPATH")
			for _, s := range m.Snapshots {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%d\t%s\t%s\n", s.Kind, s.AccountID, s.Region, s.Status, s.Errors, s.Collector, s.Path)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, s := range m.Snapshots {
				if s.Status == evidence.StatusOK {
					continue
				}
				data, _, err := lk.ReadSnapshot(s.Digest)
				if err != nil {
					return err
				}
				snap, err := evidence.DecodeSnapshot(data)
				if err != nil {
					return fmt.Errorf("snapshot %s: %w", s.Path, err)
				}
				for _, e := range snap.Errors {
					a.printf("  ! %s %s %s: %s %s: %s\n", s.Kind, s.AccountID, s.Region, e.Action, e.Code, e.Message)
				}
			}
			return nil
		},
	}
	show.Flags().BoolVar(&verify, "verify", false, "verify the manifest's and every snapshot's signature first")
	show.Flags().BoolVar(&showJSON, "json", false, "print the manifest as JSON")
	cmd.AddCommand(runs, show)
	return cmd
}

// printJSON writes v as indented JSON to stdout.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
