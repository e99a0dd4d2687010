package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tau-da/tau/notebooks"
	"github.com/tau-da/tau/notebooks/nbdb"
)

func newNotebookCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "notebook",
		Short: "Render Markdown notebooks (SQL, charts, tables) into self-contained HTML reports",
		Long: `A notebook is a Markdown file with TOML front matter and fenced cells: named
SQL cells run against the warehouse, chart, table and value cells show their
results, and prose can show a value inline. See notebooks/README.md for the
format with a complete example. The shipped notebooks can be named without a
path: impact, dip_review, threat_list, calibration, trends.`,
		Example: `  tau notebook render impact --warehouse ./wh --out impact.html
  tau notebook render ./my-report.md --warehouse ./wh --param top=50 --suppress-below 5 --out report.html
  tau notebook check --warehouse ./wh`,
		Args: cobra.NoArgs,
	}
	c.AddCommand(newNotebookRenderCmd(), newNotebookCheckCmd())
	return c
}

type renderOptions struct {
	warehouse string
	params    []string
	out       string
	suppress  int
}

func newNotebookRenderCmd() *cobra.Command {
	o := &renderOptions{}
	c := &cobra.Command{
		Use:   "render FILE.md|NAME --warehouse DIR --out FILE.html",
		Short: "Render one notebook into one self-contained HTML file",
		Example: `  tau notebook render impact --warehouse ./wh --out impact.html
  tau notebook render ./force-trends.md --warehouse ./wh --param months=24 --suppress-below 5 --out trends.html`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if err := requireWarehouse(o.warehouse); err != nil {
				return err
			}
			if o.out == "" {
				return &exitError{exitUsage, errors.New("notebook render: give --out FILE.html")}
			}
			params, err := parseParams(o.params)
			if err != nil {
				return err
			}
			s, err := openNotebook(c.Context(), o.warehouse)
			if err != nil {
				return err
			}
			defer s.Close()
			if err := renderNotebook(c, s, args[0], o.out, params, o.suppress); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "wrote %s\n", o.out)
			return nil
		},
	}
	warehouseFlag(c, &o.warehouse)
	c.Flags().StringArrayVar(&o.params, "param", nil, "set a notebook parameter, k=v (repeatable)")
	c.Flags().StringVar(&o.out, "out", "", "the HTML file to write")
	c.Flags().IntVar(&o.suppress, "suppress-below", 0, "for publication: show every count under N as <N (and hide what would reveal it)")
	return c
}

func parseParams(kvs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, &exitError{exitUsage, fmt.Errorf("--param %s: write it as name=value", kv)}
		}
		out[k] = v
	}
	return out, nil
}

// readNotebook reads a notebook from a path, or a shipped one by name.
func readNotebook(ref string) (string, []byte, error) {
	if b, err := os.ReadFile(ref); err == nil {
		return ref, b, nil
	}
	name := strings.TrimSuffix(filepath.Base(ref), ".md") + ".md"
	if b, err := notebooks.ReadShipped(name); err == nil {
		return "notebooks/" + name, b, nil
	}
	return "", nil, fmt.Errorf("notebook %s: no such file and no shipped notebook of that name (shipped: %s)", ref, strings.Join(notebooks.Shipped(), ", "))
}

// renderNotebook parses, renders and writes one notebook.
func renderNotebook(c *cobra.Command, s *nbdb.Session, ref, out string, params map[string]string, suppress int) error {
	path, src, err := readNotebook(ref)
	if err != nil {
		return err
	}
	nb, err := notebooks.Parse(path, src)
	if err != nil {
		return err
	}
	html, err := notebooks.Render(c.Context(), nb, s, notebooks.Options{Params: params, SuppressBelow: suppress, Provenance: s.Provenance(toolVersion()), Now: time.Now(),
		Missing: func(kind string) string { return "Run " + resultsCommand[kind] + " on the warehouse to see it." }})
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, html, 0o600); err != nil {
		return fmt.Errorf("notebook %s: write %s: %w", path, out, err)
	}
	return nil
}

type checkNotebooksOptions struct {
	warehouse string
	dir       string
}

func newNotebookCheckCmd() *cobra.Command {
	o := &checkNotebooksOptions{}
	c := &cobra.Command{
		Use:   "check [--warehouse DIR]",
		Short: "Render every shipped notebook and fail on any error",
		Long: `check renders every notebook in notebooks/ (and any in --dir) against the
warehouse and fails on the first error. Without --warehouse it builds the
synthetic force first (tau demo's steps, in a temporary folder).`,
		Example: `  tau notebook check --warehouse ./wh
  tau notebook check`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			wh := o.warehouse
			if wh == "" {
				tmp, err := os.MkdirTemp("", "tau-notebook-check-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(tmp)
				if err := runDemo(c, &demoOptions{out: tmp, relationships: 3000, seed: 1, quiet: true}); err != nil {
					return fmt.Errorf("notebook check: build the synthetic force: %w", err)
				}
				wh = filepath.Join(tmp, "warehouse")
			}
			s, err := openNotebook(c.Context(), wh)
			if err != nil {
				return err
			}
			defer s.Close()
			out, err := os.MkdirTemp("", "tau-notebooks-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(out)
			names := notebooks.Shipped()
			if o.dir != "" {
				extra, _ := filepath.Glob(filepath.Join(o.dir, "*.md"))
				for _, e := range extra {
					if filepath.Base(e) != "README.md" {
						names = append(names, e)
					}
				}
			}
			for _, n := range names {
				page := filepath.Join(out, "out.html")
				if err := renderNotebook(c, s, n, page, nil, 0); err != nil {
					return &exitError{exitFailure, err}
				}
				b, err := os.ReadFile(page)
				if err != nil {
					return err
				}
				if refs := notebooks.ExternalReferences(b); len(refs) > 0 {
					return &exitError{exitFailure, fmt.Errorf("notebook %s: the page would fetch %s from outside the file; reports must be self-contained", n, refs[0])}
				}
				fmt.Fprintf(c.OutOrStdout(), "ok  %s\n", n)
			}
			fmt.Fprintf(c.OutOrStdout(), "%d notebooks render\n", len(names))
			return nil
		},
	}
	warehouseFlag(c, &o.warehouse)
	c.Flags().StringVar(&o.dir, "dir", "", "also check the notebooks in this folder")
	return c
}

type reportOptions struct {
	warehouse, out string
	suppress       int
}

func newReportCmd() *cobra.Command {
	o := &reportOptions{}
	c := &cobra.Command{
		Use:   "report --warehouse DIR --out DIR",
		Short: "Render the leadership set of reports (impact, dip-sample review, threat list, force trends) in one go",
		Example: `  tau report --warehouse ./wh --out ./reports
  tau report --warehouse ./wh --out ./published --suppress-below 5`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := runReport(c, o)
			return err
		},
	}
	warehouseFlag(c, &o.warehouse)
	c.Flags().StringVar(&o.out, "out", "reports", "folder for the HTML files")
	c.Flags().IntVar(&o.suppress, "suppress-below", 0, "for publication: show every count under N as <N")
	return c
}

// runReport renders the leadership set and returns the files written.
func runReport(c *cobra.Command, o *reportOptions) ([]string, error) {
	if err := requireWarehouse(o.warehouse); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.out, 0o700); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	s, err := openNotebook(c.Context(), o.warehouse)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var files []string
	bar := newBar(len(notebooks.LeadershipSet), "report")
	defer barDone(bar)
	for i, n := range notebooks.LeadershipSet {
		barSet(bar, i, "report "+n)
		out := filepath.Join(o.out, strings.TrimSuffix(n, ".md")+".html")
		err := renderNotebook(c, s, n, out, nil, o.suppress)
		if errors.Is(err, notebooks.ErrPersonLevel) {
			// The published set leaves out what lists people.
			fmt.Fprintf(c.OutOrStdout(), "skipped %s: it lists relationships, so it is never published\n", n)
			continue
		}
		if err != nil {
			return nil, err
		}
		files = append(files, out)
		fmt.Fprintf(c.OutOrStdout(), "wrote %s\n", out)
	}
	return files, nil
}
