package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"

	"careportal/payments/csvin"
	"careportal/portal/fault"
)

// adminVerb is one admin command (`portal <group> <verb>`). Every verb has
// the same shape, which runAdmin carries out: the verb's own flags beside
// the configuration flags, checks that need no store, the FILE argument
// read when the verb takes one, then the verb's work on the wired portal,
// which is closed afterwards.
type adminVerb struct {
	flags func(fs *flag.FlagSet) // registers the verb's own flags; nil when none
	check func(e env) error      // checks the flags before the store opens; nil when none
	file  bool                   // takes one FILE argument ("-" is standard input), up to csvin.MaxFileSize
	load  bool                   // fills the payments read model before run
	run   func(ctx context.Context, x adminCall) error
}

// adminCall is what a verb's run gets: the wired portal, the outside
// world and, for a verb that takes a file, its name and content.
type adminCall struct {
	*app
	env
	file string
	data []byte
}

// verbs are a group's verbs by name. Each is a constructor, so that the
// flag values a verb's closures share start afresh on every run.
type verbs map[string]func() adminVerb

// group is the command that dispatches `portal <name> <verb>` to its verb.
func group(name string, vs verbs) func(context.Context, env) error {
	return func(ctx context.Context, e env) error {
		if len(e.args) > 0 && isHelpFlag(e.args[0]) {
			fmt.Fprintf(e.stdout, "usage: portal %s <%s> [flags]\n\n%s\n\nEach has --help, for example `portal %s %s --help`.\n", name, vs.list(), commands()[name].summary, name, vs.first())
			return nil
		}
		if len(e.args) == 0 || strings.HasPrefix(e.args[0], "-") {
			return usagef("portal %s: say what to do: %s", name, vs.list())
		}
		verb := e.args[0]
		mk, ok := vs[verb]
		if !ok {
			return usagef("portal %s: unknown command %q (try: %s)", name, verb, vs.list())
		}
		e.args = e.args[1:]
		return runAdmin(ctx, e, name+" "+verb, mk())
	}
}

// first is the verb that sorts first, for examples.
func (vs verbs) first() string {
	names := strings.Split(vs.list(), ", ")
	return names[0]
}

func (vs verbs) list() string {
	var names []string
	for n := range vs {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// runAdmin runs one verb: parse, check, read the file, open the portal,
// run, close.
func runAdmin(ctx context.Context, e env, name string, v adminVerb) error {
	var cfg config
	fs := newFlags(name, e, &cfg)
	if v.flags != nil {
		v.flags(fs)
	}
	x := adminCall{env: e}
	var err error
	if v.file {
		x.file, err = parseFileFlags(fs, &cfg, e.args)
	} else {
		err = parseFlags(fs, &cfg, e.args)
	}
	if err != nil {
		return err
	}
	if v.check != nil {
		if err := v.check(e); err != nil {
			return err
		}
	}
	if v.file {
		if x.data, err = readImportFile(e, x.file, csvin.MaxFileSize); err != nil {
			return err
		}
	}
	if x.app, err = openApp(ctx, cfg, newLogger(e.stderr, false)); err != nil {
		return err
	}
	defer x.Close()
	if v.load {
		if err := x.Load(ctx); err != nil {
			return err
		}
	}
	return v.run(ctx, x)
}

// firstMissing is a usage error naming the first flag left empty; its
// arguments are pairs of flag name and value.
func firstMissing(nameValue ...string) error {
	for i := 0; i+1 < len(nameValue); i += 2 {
		if strings.TrimSpace(nameValue[i+1]) == "" {
			return usagef("%s is required", nameValue[i])
		}
	}
	return nil
}

// domainError turns a validation fault into a usage error naming each bad
// field by its flag (so scripts see exit status 2 and what to fix).
func domainError(err error, flagOf map[string]string) error {
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.Invalid {
		if ok && fe.Kind == fault.NotFound {
			return usagef("%s", fe.Message)
		}
		return err
	}
	var parts []string
	for _, f := range fe.Fields {
		name := f.Field
		if fl, ok := flagOf[f.Field]; ok {
			name = fl
		}
		parts = append(parts, fmt.Sprintf("%s: %s", name, f.Message))
	}
	if len(parts) == 0 {
		parts = append(parts, fe.Message)
	}
	return usagef("%s", strings.Join(parts, "; "))
}
