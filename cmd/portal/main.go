package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// env is what a command gets from the outside world; tests give their own.
type env struct {
	args   []string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// command is one subcommand. Groups (orgs, users...) dispatch on their verb.
type command struct {
	summary string
	run     func(ctx context.Context, e env) error
}

// commands is every subcommand. Features add theirs.
func commands() map[string]command {
	return map[string]command{
		"serve": {"serve HTTP (the default when no command is given)", runServe},
		"demo":  {"fill an empty store with a small fictional borough and print how to sign in", runDemo},
		// contracts, invoices
		"loadtest": {"measure the invoice pages with concurrent users on a demo store: loadtest --password P [--users 8] [--duration 30s] [--compare-bare]", runLoadtest},
		// accounts
		"orgs":   {"provider organisations: create --ref REF --name NAME [--terms-days N] [--email EMAIL]", group("orgs", verbs{"create": orgsCreate})},
		"users":  {"users: create --email EMAIL --name NAME --role ROLE [--org REF] [--manager] [--teams a,b] (password on stdin)", group("users", verbs{"create": usersCreate})},
		"tokens": {"API tokens: create --org REF --name NAME (prints the token)", group("tokens", verbs{"create": tokensCreate})},
		// self-assessment
		"assessment": {"self-assessment: load-baseline (the 2022 peer review, idempotent) | rounds", group("assessment", verbs{"load-baseline": assessmentLoadBaseline, "rounds": assessmentRounds})},
		// payment performance and reports
		// contracts, invoices and payment runs: CSV imports
		"contracts":  {"contracts register: import FILE (CSV; all or nothing; the same file again changes nothing)", group("contracts", verbs{"import": contractsImport})},
		"packages":   {"care packages: import FILE (CSV; all or nothing; the same file again changes nothing)", group("packages", verbs{"import": packagesImport})},
		"invoices":   {"historical invoices: import FILE (CSV; all or nothing; the same file again changes nothing)", group("invoices", verbs{"import": invoicesImport})},
		"remittance": {"payment runs: import FILE [--dry-run] [--columns field=Column,...] (marks matched invoices paid)", group("remittance", verbs{"import": remittanceImport})},
		"report":     {"payment performance figures: report payments --from --to [--format json|csv] [--org REF]", group("report", verbs{"payments": reportPayments})},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := env{args: os.Args[1:], stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	err := run(ctx, e)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "portal:", err)
		}
		os.Exit(exitCode(err))
	}
}

// usageError is bad command-line input: exit status 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func exitCode(err error) int {
	var u usageError
	if errors.Is(err, flag.ErrHelp) {
		return 0 // asked for help and got it
	}
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

func run(ctx context.Context, e env) error {
	name := "serve"
	if len(e.args) == 1 && isHelpFlag(e.args[0]) {
		// `portal --help` (no command): the list of commands.
		name, e.args = "help", nil
	}
	if len(e.args) > 0 && !strings.HasPrefix(e.args[0], "-") {
		name, e.args = e.args[0], e.args[1:]
	}
	cmds := commands()
	if name == "help" {
		printHelp(e.stdout, cmds)
		return nil
	}
	c, ok := cmds[name]
	if !ok {
		printHelp(e.stderr, cmds)
		return usagef("unknown command %q", name)
	}
	return c.run(ctx, e)
}

// isHelpFlag is -h, -help or --help.
func isHelpFlag(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

func printHelp(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: portal [command] [flags]")
	fmt.Fprintln(w, "\nThe council's care provider portal: providers submit invoices and follow payments; council staff")
	fmt.Fprintln(w, "check, query, approve and pay them. To try it: `portal demo --password P`, then `portal serve`.")
	fmt.Fprintln(w, "\ncommands:")
	fmt.Fprintf(w, "  %-12s %s\n", "help", "this list (also portal --help)")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nEvery command has --help (for example `portal demo --help`, `portal orgs --help`) and takes the")
	fmt.Fprintln(w, "configuration flags; run `portal serve --help` to see them.")
}

// newFlags makes a flag set for a command with the configuration flags.
func newFlags(name string, e env, c *config) *flag.FlagSet {
	fs := flag.NewFlagSet("portal "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	registerConfigFlags(fs, c, e.getenv)
	return fs
}

// parseFlags parses and validates, turning flag errors into usage errors.
func parseFlags(fs *flag.FlagSet, c *config, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if err := c.validate(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	return nil
}

// logger is JSON on stderr for servers, quiet text for admin commands.
func newLogger(w io.Writer, json bool) *slog.Logger {
	if json {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
