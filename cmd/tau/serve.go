package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/app"
	"github.com/tau-da/tau/app/appdb"
)

type serveOptions struct {
	warehouse, addr, users, config string
	tlsCert, tlsKey                string
}

func newServeCmd() *cobra.Command {
	o := &serveOptions{}
	c := &cobra.Command{
		Use:   "serve --warehouse DIR --users FILE [--addr 127.0.0.1:8080]",
		Short: "Serve the threat assessors' app: the ranked list, each threat's source, timelines, plans and PMP packs",
		Long: `serve runs the app over the warehouse's latest score snapshot (tau score first).
Access is by login only (users from --users, made with tau users add), with
roles: assessor (person-level pages), analyst (aggregates only, no names or
ids) and admin (everything and the audit log). Every view of a relationship is
written to the warehouse's append-only audit log (DIR/audit/audit.log).

It listens on loopback unless told otherwise, and refuses any other address
without --tls-cert and --tls-key. The warehouse is read only; a load can run
beside it and the app follows the new generation.`,
		Example: `  tau users add alice --role assessor --users ./users.toml
  tau serve --warehouse ./wh --users ./users.toml
  tau serve --warehouse ./wh --users ./users.toml --addr 10.0.0.5:8443 --tls-cert cert.pem --tls-key key.pem`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireWarehouse(o.warehouse); err != nil {
				return err
			}
			if o.users == "" {
				return &exitError{exitUsage, errors.New("serve: give --users FILE (create it with tau users add NAME --role admin --users FILE)")}
			}
			users, err := app.LoadUsers(o.users)
			if err != nil {
				return &exitError{exitUsage, err}
			}
			store, err := openAppStore(c.Context(), o.warehouse, o.config)
			if err != nil {
				return err
			}
			defer store.Close()
			// What changed between the latest snapshots takes seconds
			// nationally: it is compared now, and again when a new
			// snapshot appears, so the page is ready when asked for.
			store.KeepWarm(c.Context())
			// Every view is audited into the warehouse, so a warehouse its
			// owner made read-only cannot be served.
			if err := analytics.Writable(o.warehouse); err != nil {
				return fmt.Errorf("serve: audit log: %w", err)
			}
			audit, err := app.OpenAudit(o.warehouse)
			if err != nil {
				return fmt.Errorf("serve: audit log: %w", err)
			}
			defer audit.Close()
			scheme := "http"
			if o.tlsCert != "" {
				scheme = "https"
			}
			fmt.Fprintf(c.OutOrStdout(), "tau serve: %s://%s (%d users; audit log %s/audit/audit.log); Ctrl-C to stop\n", scheme, o.addr, len(users), o.warehouse)
			srv := app.NewServer(store, users, audit, o.tlsCert != "")
			srv.WatchUsers(o.users)
			// The command's context ends on Ctrl-C or SIGTERM (withSignals):
			// the server then shuts down gracefully.
			return app.Serve(c.Context(), o.addr, o.tlsCert, o.tlsKey, srv)
		},
	}
	warehouseFlag(c, &o.warehouse)
	c.Flags().StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on (loopback unless TLS is set)")
	c.Flags().StringVar(&o.users, "users", "", "the users file (tau users add)")
	c.Flags().StringVar(&o.config, "config", "", "the scoring configuration whose snapshot to show (default: the shipped one)")
	c.Flags().StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate (PEM), required off loopback")
	c.Flags().StringVar(&o.tlsKey, "tls-key", "", "TLS private key (PEM)")
	return c
}

type usersOptions struct {
	users, role   string
	passwordStdin bool
}

func newUsersCmd() *cobra.Command {
	c := &cobra.Command{Use: "users", Short: "Manage the app's users file", Args: cobra.NoArgs}
	o := &usersOptions{}
	add := &cobra.Command{
		Use:   "add NAME --role ROLE --users FILE",
		Short: "Create or update a user, asking for the password without echo",
		Example: `  tau users add alice --role assessor --users ./users.toml
  printf '%s\n' "$PASSWORD" | tau users add bob --role analyst --users ./users.toml --password-stdin`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if o.users == "" {
				return &exitError{exitUsage, errors.New("users add: give --users FILE")}
			}
			var pw string
			if o.passwordStdin || !term.IsTerminal(int(os.Stdin.Fd())) {
				line, err := bufio.NewReader(c.InOrStdin()).ReadString('\n')
				if err != nil && line == "" {
					return &exitError{exitUsage, errors.New("users add: no password on standard input")}
				}
				pw = strings.TrimRight(line, "\r\n")
			} else {
				fmt.Fprint(c.ErrOrStderr(), "password: ")
				b, err := term.ReadPassword(int(os.Stdin.Fd()))
				fmt.Fprintln(c.ErrOrStderr())
				if err != nil {
					return err
				}
				fmt.Fprint(c.ErrOrStderr(), "again: ")
				b2, err := term.ReadPassword(int(os.Stdin.Fd()))
				fmt.Fprintln(c.ErrOrStderr())
				if err != nil {
					return err
				}
				if string(b) != string(b2) {
					return &exitError{exitUsage, errors.New("users add: the passwords differ")}
				}
				pw = string(b)
			}
			if err := app.AddUser(o.users, args[0], o.role, pw); err != nil {
				return &exitError{exitUsage, err}
			}
			fmt.Fprintf(c.OutOrStdout(), "user %s (%s) saved in %s\n", args[0], o.role, o.users)
			return nil
		},
	}
	add.Flags().StringVar(&o.users, "users", "", "the users file")
	add.Flags().StringVar(&o.role, "role", app.RoleAssessor, "assessor, analyst or admin")
	add.Flags().BoolVar(&o.passwordStdin, "password-stdin", false, "read the password from standard input")
	c.AddCommand(add)
	return c
}

// openAppStore opens the app's store over a warehouse with a scoring
// configuration (a bad configuration is a usage error).
func openAppStore(ctx context.Context, warehouse, config string) (*appdb.Store, error) {
	cfg, err := loadConfig(config)
	if err != nil {
		return nil, &exitError{exitUsage, err}
	}
	w, err := openWarehouse(warehouse)
	if err != nil {
		return nil, err
	}
	return appdb.Open(ctx, w, cfg)
}
