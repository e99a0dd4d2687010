package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStoppedBySignal: a command a signal stopped is reported as stopped,
// by which signal and with the shell's status for it, instead of the
// cancellation showing through its step; any other error, or none, passes
// as it is.
func TestStoppedBySignal(t *testing.T) {
	t.Parallel()
	step := errors.New("calibrate /wh: score: query scoring/relationship_base.sql: context canceled\nINTERRUPT Error: Interrupted!")
	for _, c := range []struct {
		name   string
		sig    os.Signal
		err    error
		code   int
		saying string
	}{
		{"ctrl-c", os.Interrupt, step, 130, "calibrate stopped: interrupted (Ctrl-C) before it finished; a warehouse keeps its earlier load and results"},
		{"sigterm", syscall.SIGTERM, step, 143, "calibrate stopped: asked to stop (SIGTERM) before it finished"},
		{"no error", os.Interrupt, nil, 0, ""},
		{"no signal", nil, step, 1, oneLine(step)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			if c.sig != nil {
				cancel(&signalled{c.sig})
			}
			err := stopped(ctx, newRootCmd(), []string{"calibrate", "--warehouse", "/wh"}, c.err)
			if c.err == nil {
				if err != nil {
					t.Fatalf("no error became %v", err)
				}
				return
			}
			if got := exitStatus(err); got != c.code {
				t.Errorf("exit status %d, want %d", got, c.code)
			}
			if msg := oneLine(err); !strings.Contains(msg, c.saying) || (c.sig != nil && strings.Contains(msg, "INTERRUPT")) {
				t.Errorf("says %q, want %q", msg, c.saying)
			}
		})
	}
}

// TestFirstSignalCancels: the first terminate signal to the process
// cancels the commands' context, with the signal as its cause, instead of
// ending the process.
func TestFirstSignalCancels(t *testing.T) {
	ctx, stop := withSignals()
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a SIGTERM did not cancel the context within 10 s")
	}
	var s *signalled
	if !errors.As(context.Cause(ctx), &s) || s.sig != syscall.SIGTERM {
		t.Fatalf("cause %v, want the SIGTERM", context.Cause(ctx))
	}
}
