package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// signalled is the cause of a command's context being cancelled by a
// signal: the user pressed Ctrl-C, or a supervisor asked tau to stop.
type signalled struct{ sig os.Signal }

func (s *signalled) Error() string { return "stopped by " + s.sig.String() }

// withSignals returns a context that the first interrupt or terminate
// signal cancels, with a signalled cause; the commands' long steps stop on
// it promptly. After the first, the signals' default action is restored,
// so a second Ctrl-C ends the process at once. stop releases the signals.
func withSignals() (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-sigs:
			signal.Stop(sigs)
			cancel(&signalled{s})
		case <-done:
		}
	}()
	return ctx, func() {
		close(done)
		signal.Stop(sigs)
		cancel(nil)
	}
}

// stopped turns the error of a command that a signal stopped into what the
// user is told, with the shell's status for the signal (128 + its number):
// the command's own error then is only the cancellation showing through
// whatever step it was in (DuckDB's "INTERRUPT Error" and the like).
// Other errors pass as they are.
func stopped(ctx context.Context, root *cobra.Command, args []string, err error) error {
	var s *signalled
	if err == nil || !errors.As(context.Cause(ctx), &s) {
		return err
	}
	name := root.Name()
	if c, _, ferr := root.Find(args); ferr == nil && c != root {
		name = c.Name()
	}
	how, code := "asked to stop (SIGTERM)", 128+int(syscall.SIGTERM)
	if s.sig == os.Interrupt {
		how, code = "interrupted (Ctrl-C)", 128+int(syscall.SIGINT)
	}
	return &exitError{code: code, err: fmt.Errorf("%s stopped: %s before it finished; a warehouse keeps its earlier load and results (nothing is published half-written)", name, how)}
}
