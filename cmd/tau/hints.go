package main

import (
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tau-da/tau/analytics"
	"github.com/tau-da/tau/analytics/load"
	"github.com/tau-da/tau/app"
	"github.com/tau-da/tau/app/appdb"
	"github.com/tau-da/tau/calibration"
	"github.com/tau-da/tau/evaluation/evaldb"
	"github.com/tau-da/tau/internal/param"
	"github.com/tau-da/tau/notebooks/nbdb"
	"github.com/tau-da/tau/scoring/scoredb"
)

// Libraries return typed errors and never name flags or commands; this file
// is where tau says which flag or command would help. Every command's RunE
// goes through withHints (hinted below), so each message is phrased once.

// flagNames are the flags of library parameters whose flag is not "--"
// and the name with "_" as "-".
var flagNames = map[string]string{"engaged_uplift": "--engaged-reporting-uplift"}

// flagFor returns the flag that sets a library parameter.
func flagFor(name string) string {
	if f, ok := flagNames[name]; ok {
		return f
	}
	return "--" + strings.ReplaceAll(name, "_", "-")
}

// resultsCommand is the command that writes each kind of results.
var resultsCommand = map[string]string{"scores": "tau score", "evaluations": "tau evaluate", "calibrations": "tau calibrate"}

// hint returns what to do about err, or "". warehouse is the command's
// --warehouse value ("" when it has none).
func hint(err error, warehouse string) string {
	dir := warehouse
	if dir == "" {
		dir = "DIR"
	}
	var rr *load.RejectRateError
	var mr *nbdb.MissingResultsError
	var ue *app.UsersFileError
	var ee *load.EmptyFileError
	var ke *load.KeyMismatchError
	var nc *calibration.NotConvergedError
	switch {
	case errors.Is(err, analytics.ErrNoFolder):
		return "pass --warehouse DIR or set TAU_WAREHOUSE"
	case errors.Is(err, analytics.ErrNoWarehouse):
		return "run `tau load EXTRACT_DIR --warehouse " + dir + "` first"
	case errors.Is(err, analytics.ErrLocked):
		return "wait for it to finish and try again"
	case errors.Is(err, analytics.ErrReadOnly):
		return "tau changed nothing; to load, score or serve into it, give write permission back (chmod u+w " + dir + ") or copy it"
	case errors.Is(err, appdb.ErrNoSnapshot):
		return "run `tau score --warehouse " + dir + "` first"
	case errors.Is(err, evaldb.ErrNoPlans):
		return "load an extract with the plans (pmps.csv)"
	case errors.Is(err, scoredb.ErrNotInScope):
		return "try an earlier --as-of"
	case errors.Is(err, app.ErrTLSPair):
		return "give both --tls-cert and --tls-key"
	case errors.Is(err, app.ErrNeedsTLS):
		return "give --tls-cert and --tls-key, or serve on 127.0.0.1"
	case errors.As(err, &nc):
		return "raise the penalty (--l2 10, say) or fit fewer features (--items=false)"
	case errors.As(err, &ke) && ke.Now == "":
		return "pass the warehouse's --pseudonymise-key, or load into a new warehouse"
	case errors.As(err, &ke):
		return "pass the key the warehouse was loaded with, or load into a new warehouse"
	case errors.As(err, &ee):
		return "check the export; if the force really has none, pass --allow-empty"
	case errors.As(err, &rr) && rr.Dates != nil && rr.Dates.Ambiguous:
		return "say which with --date-format DD/MM/YYYY (day first, as UK systems write) or --date-format MM/DD/YYYY"
	case errors.As(err, &rr) && rr.Dates != nil:
		return "try --date-format " + rr.Dates.Format
	case errors.As(err, &rr):
		return "fix the extract, or, if these rejects are expected, raise --max-reject-rate"
	case errors.As(err, &mr):
		return "run " + resultsCommand[mr.Kind] + " on it first"
	case errors.As(err, &ue):
		return "create it, or set a user's password, with `tau users add NAME --role admin --users " + ue.Path + "`"
	}
	return ""
}

// withHints rewrites a library error as the user sees it: a parameter
// named by its flag, and the hint appended. The error's chain (and so its
// exit status) is kept.
func withHints(err error, warehouse string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if pe, ok := param.As(err); ok {
		msg = strings.Replace(msg, pe.Error(), pe.Render(flagFor(pe.Name)), 1)
	}
	if h := hint(err, warehouse); h != "" {
		// A message of several lines takes the hint on a line of its own.
		if strings.HasSuffix(msg, "\n") {
			msg += h
		} else {
			msg += "; " + h
		}
	}
	if msg == err.Error() {
		return err
	}
	return &hinted{msg: msg, err: err}
}

// hinted is an error with the message the user sees.
type hinted struct {
	msg string
	err error
}

func (h *hinted) Error() string { return h.msg }
func (h *hinted) Unwrap() error { return h.err }

// hintAll makes every command under root return its errors through
// withHints.
func hintAll(root *cobra.Command) {
	for _, c := range root.Commands() {
		hintAll(c)
	}
	if run := root.RunE; run != nil {
		root.RunE = func(c *cobra.Command, args []string) error {
			wh := ""
			if f := c.Flags().Lookup("warehouse"); f != nil {
				wh = f.Value.String()
			}
			return withHints(run(c, args), wh)
		}
	}
}
