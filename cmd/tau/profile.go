package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/tau-da/tau/extract/profile"
)

func newProfileCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "profile",
		Short: "Map a force's own export onto tau's extract contract",
	}
	var out string
	initCmd := &cobra.Command{
		Use:   "init EXPORT_DIR",
		Short: "Draft a mapping profile from an export's file names, headers and values",
		Long: `profile init reads an export's CSV files and drafts a profile (TOML) mapping
them onto the contract: each contract file to a file of the export, each column
to a header, each code (sex, kind, answers, grades, ...) to the contract's, and
DASH question columns to their items, where it can tell. What it cannot tell is
marked TODO for the analyst to finish; then load with --profile.`,
		Example: `  tau profile init ./force-export --out force.toml
  tau load ./force-export --profile force.toml --warehouse ./wh`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			draft, err := profile.Draft(args[0])
			if err != nil {
				return fmt.Errorf("profile init %s: %w", args[0], err)
			}
			if out == "" {
				fmt.Fprint(c.OutOrStdout(), draft)
				return nil
			}
			if _, err := os.Stat(out); err == nil {
				return &exitError{exitUsage, fmt.Errorf("profile init: %s exists; choose another --out (a profile may hold an analyst's work)", out)}
			}
			if err := os.WriteFile(out, []byte(draft), 0o600); err != nil {
				return fmt.Errorf("profile init: %w", err)
			}
			fmt.Fprintf(c.OutOrStdout(), "wrote %s: check it, finish each TODO, then tau load %s --profile %s\n", out, args[0], out)
			return nil
		},
	}
	initCmd.Flags().StringVar(&out, "out", "", "write the draft to this file (default: print it)")
	c.AddCommand(initCmd)
	return c
}
