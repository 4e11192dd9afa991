package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hipaa-evidence/hipaa-evidence/controls"
	"github.com/hipaa-evidence/hipaa-evidence/internal/config"
	"github.com/hipaa-evidence/hipaa-evidence/templates"
)

// starterFiles maps the files init writes to their templates.
var starterFiles = []struct{ name, template string }{
	{config.DefaultFile, "starter/hipaa-evidence.yaml"},
	{controls.DefaultOwnershipFile, "starter/ownership.yaml"},
	{controls.DefaultExceptionsFile, "starter/exceptions.yaml"},
}

func (a *app) initCommand() *cobra.Command {
	var dir, tmplDir string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write starter config, ownership matrix and exceptions register files",
		Long: `init writes, from the embedded templates (or --templates DIR):

  hipaa-evidence.yaml  the configuration
  ownership.yaml       the ownership matrix: all 68 catalog entries, with who builds,
                       monitors and decides exceptions, and physical safeguards (164.310)
                       inherited from AWS
  exceptions.yaml      an empty exceptions register with an example

It never overwrites an existing file: existing files are listed and left alone.`,
		Example: `  hipaa-evidence init
  hipaa-evidence init --dir ./compliance`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			fsys, err := templates.Open(tmplDir)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("init: %w", err)
			}
			cat, err := controls.DefaultCatalog()
			if err != nil {
				return err
			}
			wrote := 0
			for _, f := range starterFiles {
				b, err := templates.ReadFile(fsys, f.template)
				if err != nil {
					return fmt.Errorf("init: template %s: %w", f.template, err)
				}
				// A template that would not load is a broken install or override:
				// refuse it rather than write a file the next command rejects.
				if err := checkStarter(f.template, b, cat); err != nil {
					return err
				}
				path := filepath.Join(dir, f.name)
				if err := writeNewFile(path, b); err != nil {
					if errors.Is(err, fs.ErrExist) {
						a.printf("kept     %s (already exists)\n", path)
						continue
					}
					return err
				}
				a.printf("wrote    %s\n", path)
				wrote++
			}
			if wrote > 0 {
				a.printf("\nNext: edit the owners in %s, create a signing key with `hipaa-evidence keys init`,\nthen `hipaa-evidence collect` and `hipaa-evidence evaluate`.\n", controls.DefaultOwnershipFile)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".", "directory to write the files in")
	cmd.Flags().StringVar(&tmplDir, "templates", "", "directory overriding the embedded templates (starter/...)")
	return cmd
}

// checkStarter parses a starter file the way the tool will read it.
func checkStarter(name string, b []byte, cat *controls.Catalog) error {
	var err error
	switch filepath.Base(name) {
	case config.DefaultFile:
		_, err = config.Parse(name, b)
	case controls.DefaultOwnershipFile:
		_, err = controls.ParseOwnership(name, b, cat)
	case controls.DefaultExceptionsFile:
		_, err = controls.ParseExceptions(name, b, cat, controls.NewCheckSet())
	}
	if err != nil {
		return fmt.Errorf("init: template does not load: %w", err)
	}
	return nil
}

// writeNewFile creates path with data and fails with fs.ErrExist when it
// already exists: init never overwrites.
func writeNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
