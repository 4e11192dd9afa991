package main

import "github.com/spf13/cobra"

func (a *app) demoCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline against a built-in AWS emulator",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			return nil
		},
	}
}
