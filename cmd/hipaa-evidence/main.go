// Command hipaa-evidence collects signed evidence from AWS, maps it to the
// HIPAA Security Rule and produces audit packages an auditor can verify
// offline. Run `hipaa-evidence --help` for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/hipaa-evidence/hipaa-evidence/collectors"
	"github.com/hipaa-evidence/hipaa-evidence/collectors/collectortest"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
	exitGaps  = 3
)

// Errors that select an exit code.
var (
	// errGaps means the command completed but some evidence could not be
	// collected or evaluated (exit code 3).
	errGaps = errors.New("completed with evidence gaps")
)

// usageError marks a mistake in how the command was invoked (exit code 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// run executes the command line args and returns its error.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	// The demo runs its AWS emulators as child processes of this binary.
	if collectortest.ServeIfChild() {
		return nil
	}
	a := newApp(stdin, stdout, stderr)
	root := a.rootCommand()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil && isCobraUsage(err) {
		return usageError{err}
	}
	return err
}

// exitCode maps err to the process exit code, printing it first.
func exitCode(err error, stderr io.Writer) int {
	// Whatever the path, a failed credential_process is not printed with its
	// output (it may hold a secret key).
	err = collectors.ScrubCredentialError(err)
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errGaps):
		fmt.Fprintln(stderr, "hipaa-evidence: "+terminalSafe(err.Error()))
		return exitGaps
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "hipaa-evidence: "+terminalSafe(err.Error()))
		fmt.Fprintln(stderr, "Run 'hipaa-evidence --help' for usage.")
		return exitUsage
	default:
		fmt.Fprintln(stderr, "hipaa-evidence: "+terminalSafe(err.Error()))
		return exitError
	}
}
