package main

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hipaa-evidence/hipaa-evidence/controls"
	"github.com/hipaa-evidence/hipaa-evidence/internal/sorted"
)

func (a *app) controlsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "controls",
		Short: "Show the HIPAA Security Rule catalog and the checks that cite each entry",
		Example: `  hipaa-evidence controls list
  hipaa-evidence controls show "164.312(d)"
  hipaa-evidence controls show iam_console_users_mfa`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.controlsListCommand(), a.controlsShowCommand())
	return cmd
}

// controlsData loads the catalog, the checks (built-in and the config's
// check paths) and the not-evaluated list.
func (a *app) controlsData() (*controls.Catalog, *controls.CheckSet, []controls.NotEvaluated, error) {
	ev, err := a.evaluationFiles(nil, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	ne, err := controls.DefaultNotEvaluated()
	if err != nil {
		return nil, nil, nil, err
	}
	return ev.catalog, ev.checks, ne, nil
}

func (a *app) controlsListCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the 68 catalog entries with their checks and manual-evidence needs",
		Long: `list prints every standard and implementation specification of the Security Rule
(45 CFR 164.308-164.316): its id, kind (S standard, R required or A addressable
specification), title, how many checks cite it, and whether it needs attached manual
evidence.`,
		Example: `  hipaa-evidence controls list`,
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			cat, set, _, err := a.controlsData()
			if err != nil {
				return err
			}
			citing := citingChecks(set)
			w := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tKIND\tCHECKS\tMANUAL\tTITLE")
			for _, e := range cat.Entries {
				kind := "S"
				switch e.Requirement {
				case "required":
					kind = "R"
				case "addressable":
					kind = "A"
				}
				manual := "-"
				if e.ManualEvidence != "" {
					manual = "yes"
				}
				title := e.Title
				if e.Parent != "" {
					title = "  " + title
				}
				fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\n", e.ID, kind, len(citing[e.ID]), manual, title)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			a.printf("\n%d entries; %d checks. S standard, R required, A addressable specification.\n", len(cat.Entries), len(set.Checks()))
			return nil
		},
	}
}

func (a *app) controlsShowCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a catalog entry and the checks citing it, with their CEL conditions (or one check)",
		Long: `show prints a catalog entry: its summary, requirement, the manual evidence it needs, and
every check that cites it with the check's evidence kinds and CEL conditions. Given a check
id instead, it prints that check.`,
		Example: `  hipaa-evidence controls show "164.312(a)(2)(iv)"
  hipaa-evidence controls show s3_bucket_tls_only`,
		Args: exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			cat, set, ne, err := a.controlsData()
			if err != nil {
				return err
			}
			id := args[0]
			if c, ok := set.Check(id); ok {
				a.printCheck(c, "")
				return nil
			}
			e, ok := cat.Entry(id)
			if !ok {
				return usageError{fmt.Errorf("%q is neither a catalog id nor a check id (see `hipaa-evidence controls list`)", id)}
			}
			a.printf("%s  %s\n", e.ID, e.Title)
			kind := "standard"
			if e.Kind == controls.KindSpecification {
				kind = e.Requirement + " implementation specification of " + e.Parent
			}
			a.printf("%s safeguard, %s\n\n%s\n", e.Safeguard, kind, wrap(e.Summary, 88, ""))
			if e.Note != "" {
				a.printf("\nNote: %s\n", wrap(e.Note, 88, "      "))
			}
			if len(e.Children) > 0 {
				a.printf("\nImplementation specifications: %s\n", strings.Join(e.Children, ", "))
			}
			if e.ManualEvidence != "" {
				a.printf("\nManual evidence needed (attach with `hipaa-evidence attach --control %q --file F`):\n  %s\n", e.ID, wrap(e.ManualEvidence, 86, "  "))
			}
			checks := citingChecks(set)[e.ID]
			if len(checks) == 0 {
				a.printf("\nNo check cites this entry.\n")
			} else {
				a.printf("\nChecks citing it (%d):\n", len(checks))
				for _, c := range checks {
					a.printf("\n")
					a.printCheck(c, "  ")
				}
			}
			for _, n := range ne {
				for _, cit := range n.Citations {
					if cit == e.ID {
						a.printf("\nNot evaluated: %s (%s): %s\n", n.ID, n.Title, wrap(n.Reason, 86, "  "))
					}
				}
			}
			return nil
		},
	}
}

// printCheck prints one check with its CEL conditions, indented.
func (a *app) printCheck(c *controls.Check, ind string) {
	basis := "public mappings"
	if c.CitationBasis == controls.BasisProjectJudgement {
		basis = "this project's own judgement (no public mapping)"
	}
	a.printf("%s%s  %s\n", ind, c.ID, c.Title)
	a.printf("%s  severity %s, scope %s, evidence %s (%s)\n", ind, c.Severity, c.Scope, strings.Join(c.Evidence, ", "), c.Source)
	if len(c.Joins) > 0 {
		a.printf("%s  joins %s\n", ind, strings.Join(c.Joins, ", "))
	}
	a.printf("%s  citations %s (%s)\n", ind, strings.Join(c.Citations, ", "), basis)
	for _, k := range []string{"for_each", "resource", "region", "item_failed_actions", "unknown_if", "applies", "pass"} {
		if v, ok := c.Conditions[k]; ok {
			a.printf("%s  %-20s %s\n", ind, k+":", wrap(v, 90, ind+strings.Repeat(" ", 23)))
		}
	}
	var vars []string
	for k := range c.Conditions {
		if strings.HasPrefix(k, "vars.") {
			vars = append(vars, k)
		}
	}
	sort.Strings(vars)
	for _, k := range vars {
		a.printf("%s  %-20s %s\n", ind, k+":", wrap(c.Conditions[k], 90, ind+strings.Repeat(" ", 23)))
	}
	if len(c.Params) > 0 {
		var ps []string
		for _, k := range sorted.Keys(c.Params) {
			ps = append(ps, fmt.Sprintf("%s=%v", k, c.Params[k]))
		}
		a.printf("%s  params %s\n", ind, strings.Join(ps, ", "))
	}
	a.printf("%s  remediation: %s\n", ind, wrap(c.Remediation, 86, ind+"  "))
}

// citingChecks maps each catalog id to the checks citing it, by check id.
func citingChecks(set *controls.CheckSet) map[string][]*controls.Check {
	out := map[string][]*controls.Check{}
	for _, c := range set.Checks() {
		for _, id := range c.Citations {
			out[id] = append(out[id], c)
		}
	}
	return out
}

// wrap folds s into lines of at most width runes, continuing with indent.
func wrap(s string, width int, indent string) string {
	words := strings.Fields(s)
	var b strings.Builder
	line := 0
	for i, w := range words {
		if i > 0 {
			if line+1+len(w) > width {
				b.WriteString("\n" + indent)
				line = 0
			} else {
				b.WriteByte(' ')
				line++
			}
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}
