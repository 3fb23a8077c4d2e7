package main

import (
	"bytes"
	"careportal/portal/store"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// demoOptions are the choices a demo run makes.
type demoOptions struct {
	// Password is given to every demo account; empty means a random one per
	// account, printed at the end.
	Password string
	// Invoices is how many invoices to generate (0: a small set).
	Invoices int
	// Packages is how many care packages to place, with a year of
	// four-weekly actuals (0: a small set).
	Packages int
	Now      time.Time
}

// demoStep fills one part of the fictional borough. Steps run in order;
// each may use what earlier steps made through the shared demoState.
type demoStep struct {
	name string
	run  func(ctx context.Context, a *app, o demoOptions, st *demoState) error
}

// demoState carries what steps made for later steps and for the summary.
type demoState struct {
	logins []demoLogin
	notes  []string
	// ids made by earlier steps, by a name the step chooses
	ids map[string]string
}

type demoLogin struct{ Role, Name, Email, Password, Org string }

// demoSteps are run in this order. Features add theirs.
func demoSteps() []demoStep {
	return []demoStep{
		{"accounts", demoAccounts},
		{"contacts", demoContacts},
		{"contracts and invoices", demoInvoices},
		{"care packages and actuals", demoPackages},
		{"payment run file", demoRemittance},
		{"payment performance settings", demoPerformance},
		{"statements", demoStatements},
		{"forums", demoForums},
		{"queries", demoQueries},
		{"assessment", demoAssessment},
	}
}

func runDemo(ctx context.Context, e env) error {
	var cfg config
	var o demoOptions
	var force bool
	fs := newFlags("demo", e, &cfg)
	fs.StringVar(&o.Password, "password", "", "give every demo account this password (default: a random one each, printed)")
	fs.IntVar(&o.Invoices, "invoices", 0, "generate this many invoices, e.g. 30000 for a borough-sized year (default: a small set)")
	fs.IntVar(&o.Packages, "packages", 0, "place this many care packages with a year of four-weekly actuals, e.g. 2000 (default: a small set)")
	fs.BoolVar(&force, "force", false, "add the demo data even though the store already has data")
	if err := parseFlags(fs, &cfg, e.args); err != nil {
		return err
	}
	if o.Invoices < 0 || o.Invoices > 1000000 {
		return usagef("--invoices must be between 0 and 1000000")
	}
	if o.Packages < 0 || o.Packages > 20000 {
		return usagef("--packages must be between 0 and 20000")
	}
	o.Now = time.Now()
	// The demo writes generated data that a rerun completes: the store may
	// commit without waiting for the disk (store.Options.BulkWrites).
	cfg.bulkWrites = true
	a, err := openApp(ctx, cfg, newLogger(e.stderr, false))
	if err != nil {
		return err
	}
	defer a.Close()
	// A demo cut short (killed, a lost connection) is resumed: its record
	// says which steps are done and the moment the demo is built around, so
	// the steps still to do make the same data.
	rec, err := readDemoRun(ctx, a)
	if err != nil {
		return err
	}
	resume := rec != nil && rec.Status == demoRunning
	if resume {
		o.Now, o.Invoices = rec.Now, rec.Invoices
		fmt.Fprintf(e.stderr, "demo: resuming the demo started %s, which was cut short (%d of %d steps done)\n",
			rec.StartedAt.In(londonTZ()).Format("2 January 2006 15:04"), len(rec.StepsDone), len(demoSteps()))
	} else if !force {
		used, err := storeHasData(ctx, a)
		if err != nil {
			return err
		}
		if used != "" {
			return fmt.Errorf("the store already has data (collection %s is not empty); the demo only fills an empty store. Use --force to add to it anyway, or point PORTAL_DATA_DIR at a new directory", used)
		}
	}
	if !resume {
		rec = &demoRun{ID: "demo", Status: demoRunning, StartedAt: time.Now().UTC(), Now: o.Now.UTC(), Invoices: o.Invoices}
		if err := writeDemoRun(ctx, a, rec); err != nil {
			return err
		}
	}
	st := &demoState{ids: map[string]string{}}
	for _, step := range demoSteps() {
		// The accounts step always runs (it finds what exists): later steps
		// need the ids it gives, and the summary the passwords it sets.
		if slices.Contains(rec.StepsDone, step.name) && step.name != "accounts" {
			fmt.Fprintf(e.stderr, "demo: %s (done before)\n", step.name)
			continue
		}
		fmt.Fprintf(e.stderr, "demo: %s\n", step.name)
		if err := step.run(ctx, a, o, st); err != nil {
			return fmt.Errorf("demo: %s: %w", step.name, err)
		}
		if !slices.Contains(rec.StepsDone, step.name) {
			rec.StepsDone = append(rec.StepsDone, step.name)
		}
		if err := writeDemoRun(ctx, a, rec); err != nil {
			return err
		}
	}
	// Indexes for collections made during the demo.
	if err := a.Store.Prepare(ctx); err != nil {
		return err
	}
	rec.Status, rec.FinishedAt = demoDone, time.Now().UTC()
	if err := writeDemoRun(ctx, a, rec); err != nil {
		return err
	}
	printDemoSummary(e.stdout, cfg, st)
	return nil
}

// demoRun is the record of a demo run (collection demo_runs, one document
// "demo"), written by bare _id after each step.
type demoRun struct {
	ID         string    `bson:"_id"`
	Status     string    `bson:"status"` // running or done
	StartedAt  time.Time `bson:"started_at"`
	FinishedAt time.Time `bson:"finished_at"`
	Now        time.Time `bson:"now"` // the moment the demo data is built around
	Invoices   int       `bson:"invoices"`
	StepsDone  []string  `bson:"steps_done"`
}

const (
	colDemoRuns = "demo_runs"
	demoRunning = "running"
	demoDone    = "done"
)

func readDemoRun(ctx context.Context, a *app) (*demoRun, error) {
	var r demoRun
	err := a.Store.DB.Collection(colDemoRuns).FindOne(ctx, bson.D{{Key: "_id", Value: "demo"}}).Decode(&r)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("demo: reading its record: %w", err)
	}
	return &r, nil
}

func writeDemoRun(ctx context.Context, a *app, r *demoRun) error {
	_, err := a.Store.DB.Collection(colDemoRuns).ReplaceOne(ctx, bson.D{{Key: "_id", Value: r.ID}}, r, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("demo: recording its progress: %w", err)
	}
	return nil
}

// storeHasData returns the name of a non-empty collection, or "".
func storeHasData(ctx context.Context, a *app) (string, error) {
	names, err := a.Store.DB.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return "", err
	}
	for _, n := range names {
		if n == "settings" || n == store.MigrationsCollection || n == colDemoRuns { // start-up bookkeeping and the demo's own record, not data
			continue
		}
		var doc bson.Raw
		err := a.Store.DB.Collection(n).FindOne(ctx, bson.D{}).Decode(&doc)
		if err == nil {
			return n, nil
		}
	}
	return "", nil
}

// demoSignInsFile is where the demo writes its sign-ins, in the data
// directory (private: it holds passwords).
const demoSignInsFile = "demo-sign-ins.txt"

func printDemoSummary(w io.Writer, cfg config, st *demoState) {
	addr := cfg.BaseURL
	if addr == "" {
		addr = "http://localhost" + cfg.Addr
	}
	fmt.Fprintf(w, "The demo borough is ready. Start the portal (go run ./cmd/portal) and sign in at %s/login as:\n\n", addr)
	if len(st.logins) == 0 {
		fmt.Fprintln(w, "  (no accounts yet)")
	} else {
		writeSignInTable(w, st.logins)
	}
	if cfg.DataDir != "" && len(st.logins) > 0 {
		path := filepath.Join(cfg.DataDir, demoSignInsFile)
		var b bytes.Buffer
		fmt.Fprintf(&b, "Demo sign-ins for %s/login\n\n", addr)
		writeSignInTable(&b, st.logins)
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			fmt.Fprintf(w, "\n(could not write the sign-ins to %s: %v)\n", path, err)
		} else {
			fmt.Fprintf(w, "\nThese sign-ins are also in %s.\n", path)
		}
	}
	fmt.Fprintln(w, "\nStart with the provider manager (manager@sunrise-care.example): submit an invoice, then sign in as payments@council.example to query or approve it.")
	for _, n := range st.notes {
		fmt.Fprintln(w, "\n"+n)
	}
}

// writeSignInTable writes the demo sign-ins as an aligned table.
func writeSignInTable(w io.Writer, logins []demoLogin) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROLE\tEMAIL\tPASSWORD\tNAME\tORGANISATION")
	for _, l := range logins {
		org := l.Org
		if org == "" {
			org = "the council"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", l.Role, l.Email, l.Password, l.Name, org)
	}
	tw.Flush()
}
