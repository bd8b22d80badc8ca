// Command magazin is the one binary of the magazin archive: the command
// line for archivists and operators, and with `magazin serve` the daemon.
//
// It stays thin: flags and environment become a Config, the Config builds
// the library objects, and a single switch maps errors to exit codes
// (0 success, 1 rejected / invalid / fixity mismatch, 2 usage or
// environment, 130 interrupted).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/magazin-archiv/magazin/preservation"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	app := newApp()
	stdin := &stdinRecorder{f: os.Stdin}
	app.Reader = stdin
	err := app.RunContext(ctx, interspersed(app, os.Args))
	// A running daemon holds the archive: it runs the verb (hosted.go).
	if held := (*daemonHolds)(nil); errors.As(err, &held) {
		code := forward(ctx, held, os.Args[1:], stdin.replay(), os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	stop()
	report(os.Stderr, err)
	os.Exit(exitCode(err))
}

func newApp() *cli.App {
	flags := globalFlags()
	return &cli.App{
		Name:    "magazin",
		Usage:   "long-term electronic archive: ingest, preserve and serve records",
		Version: version,
		Flags:   flags,
		Before:  loadConfigFile(flags),
		Commands: []*cli.Command{
			ingestCommand(), validateCommand(), aipCommand(), identifyCommand(),
			rebuildCommand(), storeCommand(), serveCommand(), versionCommand(), auditCommand(), journalCommand(),
			structureCommand("tektonik", preservation.LevelTektonik, "groups of the archive structure (Tektonik)"),
			structureCommand("bestand", preservation.LevelBestand, "Bestände (fonds)"),
			agencyCommands(), unitCommand(), describeCommand(), closureCommands(), searchCommand(), xdomeaCommand(), appraiseCommand(),
			importCommand(), exportCommand(),
			migrateCommand(), disposeCommand(), userCommand(),
			jobsCommand(), configCommand(), quarantineCommand(),
		},
		ExitErrHandler: func(*cli.Context, error) {}, // main maps errors to exit codes
		// Names like "Müller, Hans" must stay whole.
		DisableSliceFlagSeparator: true,
	}
}

// Exit-code classes.
var (
	// errFailed: the command ran, and the answer is "no" (rejected,
	// invalid, mismatch). Exit 1.
	errFailed = errors.New("failed")
	// errReported: the failure was already reported to the user.
	errReported = errors.New("reported")
	// errUsage: wrong invocation or environment. Exit 2.
	errUsage = errors.New("usage")
)

func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, context.Canceled):
		return 130
	case errors.Is(err, errFailed):
		return 1
	default:
		return 2
	}
}

func versionCommand() *cli.Command {
	return &cli.Command{Name: "version", Usage: "print the version", Action: func(c *cli.Context) error {
		fmt.Fprintln(c.App.Writer, "magazin", version)
		return nil
	}}
}

// closureCommands joins the calculator and the recording of facts.
func closureCommands() *cli.Command {
	c := closureCommand()
	c.Subcommands = append(c.Subcommands, closureSetCommand())
	return c
}

// agencyCommands adds the API tokens of the upload API to the agencies.
func agencyCommands() *cli.Command {
	c := agencyCommand()
	c.Subcommands = append(c.Subcommands, agencyTokenCommand())
	return c
}
