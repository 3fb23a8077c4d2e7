package statements

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/notify"
	"careportal/portal/store"
)

// Collections this package owns.
const (
	colStatements = "statements"
	colVersions   = "statement_versions"
	colPending    = "statement_pending"
	colFeedback   = "statement_feedback"
)

// Area is a service area: one section of every statement.
type Area string

// AreaInfo names an area for people.
type AreaInfo struct {
	Area  Area
	Label string
}

// Areas are the sections of a statement, in the order they are shown.
var Areas = []AreaInfo{
	{"older-people", "Older people"},
	{"learning-disabilities", "Learning disabilities"},
	{"mental-health", "Mental health"},
	{"physical-disabilities", "Physical disabilities"},
	{"home-care", "Home care"},
	{"residential-nursing", "Residential and nursing care"},
	{"supported-living", "Supported living"},
	{"carers", "Carers"},
}

// Valid reports whether a is a known area.
func (a Area) Valid() bool { return a.name() != "" }

// name is the area's name in this package's messages ("" when unknown).
func (a Area) name() string {
	for _, i := range Areas {
		if i.Area == a {
			return i.Label
		}
	}
	return ""
}

// TableKind is one of the structured tables of a section.
type TableKind string

// TableInfo names a table kind for people.
type TableInfo struct {
	Kind  TableKind
	Label string
	Hint  string
}

// TableKinds are the tables of every section, in order.
var TableKinds = []TableInfo{
	{"demand", "Demand", "For example: Home care hours per week | 41,500 | Up 6% on last year"},
	{"supply", "Supply", "For example: Nursing beds in the borough | 412 | 3 homes closed in 2025"},
	{"prices", "Prices", "Weekly rates in pounds. For example: Residential care (older people) | £1,050 per week | Standard rate 2026 to 2027"},
	{"intentions", "Commissioning intentions", "For example: Supported living framework | Tender in spring 2027 | 60 new places"},
}

// Row is one line of a table.
type Row struct {
	Label string `bson:"label"`
	Value string `bson:"value"`
	Notes string `bson:"notes"`
}

// Table is a titled list of rows.
type Table struct {
	Kind TableKind `bson:"kind"`
	Rows []Row     `bson:"rows"`
}

// Section is the content of one service area.
type Section struct {
	Area   Area    `bson:"area"`
	Text   string  `bson:"text"` // Markdown
	Tables []Table `bson:"tables"`
}

// Table returns the section's table of kind k (empty when it has none).
func (s Section) Table(k TableKind) Table {
	for _, t := range s.Tables {
		if t.Kind == k {
			return t
		}
	}
	return Table{Kind: k}
}

// Empty reports whether the section has neither text nor rows.
func (s Section) Empty() bool {
	if strings.TrimSpace(s.Text) != "" {
		return false
	}
	for _, t := range s.Tables {
		if len(t.Rows) > 0 {
			return false
		}
	}
	return true
}

// Content is what a draft and a version hold.
type Content struct {
	Title    string    `bson:"title"`
	Summary  string    `bson:"summary"` // Markdown
	Sections []Section `bson:"sections"`
}

// Section returns the content's section for area a (empty when missing).
func (c Content) Section(a Area) Section {
	for _, s := range c.Sections {
		if s.Area == a {
			return s
		}
	}
	return Section{Area: a}
}

// normalise gives the content every area, in order, each with every table.
func (c Content) normalise() Content {
	out := Content{Title: c.Title, Summary: c.Summary}
	for _, a := range Areas {
		s := c.Section(a.Area)
		ns := Section{Area: a.Area, Text: s.Text}
		for _, k := range TableKinds {
			ns.Tables = append(ns.Tables, s.Table(k.Kind))
		}
		out.Sections = append(out.Sections, ns)
	}
	return out
}

// Statement is the working document: its draft and where publishing is.
type Statement struct {
	ID             string    `bson:"_id"`
	Draft          Content   `bson:"draft"`
	DraftUpdatedAt time.Time `bson:"draft_updated_at"`
	DraftUpdatedBy string    `bson:"draft_updated_by"`
	// DraftChanged is true when the draft has edits not yet published.
	DraftChanged bool      `bson:"draft_changed"`
	Version      int       `bson:"version"` // latest published version; 0 = never published
	PublishedAt  time.Time `bson:"published_at"`
	CreatedAt    time.Time `bson:"created_at"`
	CreatedBy    string    `bson:"created_by"`
}

// Published reports whether any version has been published.
func (s *Statement) Published() bool { return s.Version > 0 }

// Version is a published, immutable version of a statement.
type Version struct {
	ID          string    `bson:"_id"` // store.EventID(statement, N)
	StatementID string    `bson:"statement_id"`
	N           int       `bson:"seq"`
	Content     Content   `bson:"content"`
	ChangeNote  string    `bson:"change_note"`
	PublishedAt time.Time `bson:"published_at"`
	PublishedBy string    `bson:"published_by"`
}

// The notifications service is the Announcer the portal wires in.
var _ Announcer = (*notify.Service)(nil)

func versionID(statementID string, n int) string { return store.EventID(statementID, n) }

// Announcer puts notices in providers' notifications lists; *notify.Service
// is one. Without one (nil), silentAnnouncer sends nothing.
type Announcer interface {
	ToOrg(ctx context.Context, orgID string, kind notify.Kind, title string, ref notify.Ref) error
	ToAllProviders(ctx context.Context, kind notify.Kind, title string, ref notify.Ref, serviceTypes []string) error
}

// silentAnnouncer is the Announcer used when none is given: it tells no one.
type silentAnnouncer struct{}

func (silentAnnouncer) ToOrg(context.Context, string, notify.Kind, string, notify.Ref) error {
	return nil
}
func (silentAnnouncer) ToAllProviders(context.Context, notify.Kind, string, notify.Ref, []string) error {
	return nil
}

// Service is the market position statements service.
type Service struct {
	db     *mongo.Database
	notify Announcer
	// versions is publishing: a version is an event of its statement.
	versions *store.Changes[Statement, Version]
}

// NewService builds the service on db. notify may be nil: then
// silentAnnouncer stands in.
func NewService(db *mongo.Database, notify Announcer) *Service {
	s := &Service{db: db, notify: silentAnnouncer{}, versions: versionChanges(db)}
	s.SetAnnouncer(notify)
	return s
}

// versionChanges is publishing as the shared event-plus-snapshot step: the
// published version is the event (inserted once, never changed), and the
// statement's publishing fields are the snapshot. The statement exists
// before its first version, and its draft is edited in place, so a
// publish sets only the publishing fields.
func versionChanges(db *mongo.Database) *store.Changes[Statement, Version] {
	return &store.Changes[Statement, Version]{
		Events: db.Collection(colVersions), Snapshots: db.Collection(colStatements), Pending: db.Collection(colPending),
		EntityField: "statement_id", SnapshotFirst: true,
		Apply: func(st *Statement, v Version) {
			st.Version, st.PublishedAt, st.DraftChanged = v.N, v.PublishedAt, false
		},
		Version: func(st *Statement) int { return st.Version },
		Set: func(st *Statement) bson.D {
			return bson.D{{Key: "version", Value: st.Version}, {Key: "published_at", Value: st.PublishedAt}, {Key: "draft_changed", Value: st.DraftChanged}}
		},
	}
}

// SetAnnouncer wires notifications once the notifications service exists.
// A nil a leaves the one in place.
func (s *Service) SetAnnouncer(a Announcer) {
	if a != nil {
		s.notify = a
	}
}

// EnsureIndexes creates the collections and indexes, idempotently.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	// One-time migrations of stores written by older versions come first
	// (see migrations.go): the indexes below are on the new field names.
	if err := store.Migrate(ctx, s.db, nil, migrations...); err != nil {
		return err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if err := store.EnsureCollections(ctx, s.db, colStatements, colVersions, colPending, colFeedback); err != nil {
		return err
	}
	_, err := s.db.Collection(colVersions).Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "statement_id", Value: 1}, {Key: "seq", Value: 1}},
		Options: options.Index().SetUnique(true).SetName(versionIndex),
	})
	if err != nil {
		return fmt.Errorf("statements: creating indexes: %w", err)
	}
	// A publish a stop left half done (the version inserted, the
	// statement not told) is finished; one whose version never got
	// written has its intent record cleared.
	if err := s.versions.Repair(ctx, time.Time{}); err != nil {
		return fmt.Errorf("statements: %w", err)
	}
	return nil
}

func newID(prefix string) string { return store.NewID(prefix, 10) }

// Limits on what people type.
const (
	maxTitle    = 200
	maxSummary  = 5000
	maxText     = 20000
	maxRows     = 40
	maxCell     = 300
	maxNote     = 2000
	maxFeedback = 5000
)

// Create starts a new statement with an empty draft.
func (s *Service) Create(ctx context.Context, title, summary string, by *auth.Principal, at time.Time) (*Statement, error) {
	if err := staffOnly(by); err != nil {
		return nil, err
	}
	var f fault.Fields
	title = f.Text("title", "a title", title, true, maxTitle)
	summary = f.Text("summary", "a summary", summary, true, maxSummary)
	if err := f.Err(); err != nil {
		return nil, err
	}
	st := &Statement{
		ID:             newID("mps_"),
		Draft:          Content{Title: title, Summary: summary}.normalise(),
		DraftUpdatedAt: at.UTC(),
		DraftUpdatedBy: by.Name,
		DraftChanged:   true,
		CreatedAt:      at.UTC(),
		CreatedBy:      by.Name,
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colStatements).InsertOne(ctx, st); err != nil {
		return nil, fmt.Errorf("statements: creating: %w", err)
	}
	return st, nil
}

// Get returns a statement as the actor may see it: council staff with its
// draft; anyone else only a published statement, without the draft
// (NotFound when nothing is published), since drafts are the
// commissioners' work in progress.
func (s *Service) Get(ctx context.Context, by *auth.Principal, id string) (*Statement, error) {
	st, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if by.IsStaff() {
		return st, nil
	}
	if by == nil || !st.Published() {
		return nil, fault.NotFoundf("statement not found")
	}
	return withoutDraft(st), nil
}

// withoutDraft is st as readers of published versions see it.
func withoutDraft(st *Statement) *Statement {
	c := *st
	c.Draft, c.DraftChanged, c.DraftUpdatedBy = Content{}, false, ""
	return &c
}

// staffOnly is Forbidden unless by may edit statements (commissioners and
// administrators, by the auth policy).
func staffOnly(by *auth.Principal) error {
	if !auth.Can(by, auth.ActionEditStatements) {
		return fault.Forbiddenf("Only commissioners edit market position statements")
	}
	return nil
}

// get returns a statement with its draft, whoever asks.
func (s *Service) get(ctx context.Context, id string) (*Statement, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	st, err := store.Get[Statement](ctx, s.db.Collection(colStatements), id)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, fault.NotFoundf("statement not found")
	}
	if err != nil {
		return nil, fmt.Errorf("statements: reading %s: %w", id, err)
	}
	st.Draft = st.Draft.normalise()
	return &st, nil
}

// List returns the statements the actor may see (see Get), most recently
// changed first.
func (s *Service) List(ctx context.Context, by *auth.Principal) ([]Statement, error) {
	all, err := s.list(ctx)
	if err != nil || by.IsStaff() {
		return all, err
	}
	out := []Statement{}
	if by == nil {
		return out, nil
	}
	for i := range all {
		if all[i].Published() {
			out = append(out, *withoutDraft(&all[i]))
		}
	}
	return out, nil
}

// list is every statement, whoever asks. There are few statements (one a
// year or so), so a scan is fine.
func (s *Service) list(ctx context.Context) ([]Statement, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	out, err := store.FindAll[Statement](ctx, s.db.Collection(colStatements), bson.D{})
	if err != nil {
		return nil, fmt.Errorf("statements: listing: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].DraftUpdatedAt.After(out[j].DraftUpdatedAt) })
	return out, nil
}

func (s *Service) saveDraft(ctx context.Context, st *Statement, by *auth.Principal, at time.Time) error {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err := s.db.Collection(colStatements).UpdateOne(ctx, bson.D{{Key: "_id", Value: st.ID}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "draft", Value: st.Draft},
		{Key: "draft_updated_at", Value: at.UTC()},
		{Key: "draft_updated_by", Value: by.Name},
		{Key: "draft_changed", Value: true},
	}}})
	if err != nil {
		return fmt.Errorf("statements: saving draft: %w", err)
	}
	return nil
}

// UpdateDetails changes the draft's title and summary.
func (s *Service) UpdateDetails(ctx context.Context, id, title, summary string, by *auth.Principal, at time.Time) error {
	if err := staffOnly(by); err != nil {
		return err
	}
	var f fault.Fields
	title = f.Text("title", "a title", title, true, maxTitle)
	summary = f.Text("summary", "a summary", summary, true, maxSummary)
	if err := f.Err(); err != nil {
		return err
	}
	st, err := s.get(ctx, id)
	if err != nil {
		return err
	}
	st.Draft.Title, st.Draft.Summary = title, summary
	return s.saveDraft(ctx, st, by, at)
}

// SectionInput is a section as typed in the edit form: the Markdown text
// and, for each table kind, one row per line as "label | value | notes".
type SectionInput struct {
	Text   string
	Tables map[TableKind]string
}

// ParseRows reads table rows, one per non-blank line, cells separated by
// "|": label | value | notes (notes optional). It reports the first bad
// line in plain English.
func ParseRows(text string) ([]Row, string) {
	var rows []Row
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) > 3 {
			return nil, fmt.Sprintf("Line %d has more than 3 parts: use label | value | notes", i+1)
		}
		for len(cells) < 3 {
			cells = append(cells, "")
		}
		r := Row{Label: strings.TrimSpace(cells[0]), Value: strings.TrimSpace(cells[1]), Notes: strings.TrimSpace(cells[2])}
		if r.Label == "" {
			return nil, fmt.Sprintf("Line %d has no label: start it with what the row is about", i+1)
		}
		if r.Value == "" {
			return nil, fmt.Sprintf("Line %d has no value: put it after a | sign, for example %s | 120", i+1, r.Label)
		}
		for _, c := range []string{r.Label, r.Value, r.Notes} {
			if utf8.RuneCountInString(c) > maxCell {
				return nil, fmt.Sprintf("Line %d has a part longer than %d characters", i+1, maxCell)
			}
			if !utf8.ValidString(c) || strings.ContainsRune(c, 0) {
				return nil, fmt.Sprintf("Line %d contains characters that are not allowed", i+1)
			}
		}
		rows = append(rows, r)
		if len(rows) > maxRows {
			return nil, fmt.Sprintf("A table can have at most %d rows", maxRows)
		}
	}
	return rows, ""
}

// FormatRows writes rows back as the lines ParseRows reads.
func FormatRows(rows []Row) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(r.Label + " | " + r.Value)
		if r.Notes != "" {
			b.WriteString(" | " + r.Notes)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// UpdateSection replaces one section of the draft. Nothing changes unless
// every part is valid. A problem with a table is reported on the field
// named by its kind ("demand"); the text's on "text".
func (s *Service) UpdateSection(ctx context.Context, id string, area Area, in SectionInput, by *auth.Principal, at time.Time) error {
	if err := staffOnly(by); err != nil {
		return err
	}
	if !area.Valid() {
		return fault.NotFoundf("section not found")
	}
	var f fault.Fields
	sec := Section{Area: area}
	sec.Text = f.Text("text", "the text", in.Text, false, maxText)
	for _, k := range TableKinds {
		rows, problem := ParseRows(in.Tables[k.Kind])
		if problem != "" {
			f.Add(string(k.Kind), k.Label+" table: "+problem)
		}
		sec.Tables = append(sec.Tables, Table{Kind: k.Kind, Rows: rows})
	}
	if err := f.Err(); err != nil {
		return err
	}
	st, err := s.get(ctx, id)
	if err != nil {
		return err
	}
	for i := range st.Draft.Sections {
		if st.Draft.Sections[i].Area == area {
			st.Draft.Sections[i] = sec
		}
	}
	return s.saveDraft(ctx, st, by, at)
}

// Publish copies the draft into version N+1 with a note of what changed,
// through the shared step (s.versions): the version is inserted once under
// the deterministic _id store.EventID(statement, N+1), so two
// commissioners publishing at once cannot both make version N+1, and then
// the statement's publishing fields are set by bare _id.
func (s *Service) Publish(ctx context.Context, id, changeNote string, by *auth.Principal, at time.Time) (*Version, error) {
	if err := staffOnly(by); err != nil {
		return nil, err
	}
	var f fault.Fields
	changeNote = f.Text("changeNote", "what changed in this version", changeNote, true, maxNote)
	if err := f.Err(); err != nil {
		return nil, err
	}
	st, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if st.Published() && !st.DraftChanged {
		return nil, fault.InvalidField("changeNote", "The draft has no changes since version "+fmt.Sprint(st.Version)+": edit it before publishing a new version")
	}
	v := &Version{
		ID:          versionID(st.ID, st.Version+1),
		StatementID: st.ID,
		N:           st.Version + 1,
		Content:     st.Draft.normalise(),
		ChangeNote:  changeNote,
		PublishedAt: at.UTC(),
		PublishedBy: by.Name,
	}
	cctx, cancel := store.CallContext(ctx)
	defer cancel()
	next := *st
	s.versions.Apply(&next, *v)
	if err := s.versions.Append(cctx, st.ID, v.N, *v, &next, "", v.PublishedAt); err != nil {
		if fault.KindOf(err) == fault.Conflict {
			// Finish a publish whose writer stopped a while ago, so that
			// the next try can go ahead.
			if rerr := s.versions.Repair(cctx, at.Add(-staleAfter)); rerr != nil {
				return nil, fmt.Errorf("statements: %w", rerr)
			}
			return nil, fault.Conflictf("Version %d was published by someone else a moment ago. Check the statement and publish again if needed.", v.N)
		}
		return nil, fmt.Errorf("statements: publishing version %d: %w", v.N, err)
	}
	title := fmt.Sprintf("New market position statement: %s (version %d)", v.Content.Title, v.N)
	if err := s.notify.ToAllProviders(ctx, notify.KindStatement, title, notify.Ref{Kind: notify.RefStatement, ID: st.ID, Sub: fmt.Sprint(v.N)}, nil); err != nil {
		return v, fmt.Errorf("statements: notifying providers of version %d: %w", v.N, err)
	}
	return v, nil
}

// staleAfter is how old a publish's intent record must be before a
// publisher that meets it counts its writer as stopped and finishes it.
const staleAfter = time.Minute

// Version returns published version n of a statement.
func (s *Service) Version(ctx context.Context, id string, n int) (*Version, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	v, err := store.Get[Version](ctx, s.db.Collection(colVersions), versionID(id, n))
	if err != nil {
		return nil, store.NotFoundAs(err, "version")
	}
	v.Content = v.Content.normalise()
	return &v, nil
}

// Versions returns every published version of a statement, newest first,
// by point lookups (the statement says how many there are).
func (s *Service) Versions(ctx context.Context, id string) ([]Version, error) {
	st, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	var out []Version
	for n := st.Version; n >= 1; n-- {
		v, err := s.Version(ctx, id, n)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

// Current returns the statement published most recently and its latest
// version; NotFound when nothing is published.
func (s *Service) Current(ctx context.Context) (*Statement, *Version, error) {
	all, err := s.list(ctx)
	if err != nil {
		return nil, nil, err
	}
	var cur *Statement
	for i := range all {
		if all[i].Published() && (cur == nil || all[i].PublishedAt.After(cur.PublishedAt)) {
			cur = &all[i]
		}
	}
	if cur == nil {
		return nil, nil, fault.NotFoundf("no market position statement has been published yet")
	}
	v, err := s.Version(ctx, cur.ID, cur.Version)
	if err != nil {
		return nil, nil, err
	}
	return cur, v, nil
}

var london = mustLondon()

func mustLondon() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("statements: Europe/London time zone data is missing: " + err.Error())
	}
	return l
}

// DaysBetween counts calendar days in Europe/London from a to b.
func DaysBetween(a, b time.Time) int {
	ay, am, ad := a.In(london).Date()
	by, bm, bd := b.In(london).Date()
	da := time.Date(ay, am, ad, 12, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 12, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// CurrentAge is the self-assessment figure: the number of calendar days
// (Europe/London) from the publication of the current statement's latest
// version to today. published is false when nothing is published.
func (s *Service) CurrentAge(ctx context.Context, today time.Time) (days int, published bool, err error) {
	_, v, err := s.Current(ctx)
	if fault.KindOf(err) == fault.NotFound {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	d := DaysBetween(v.PublishedAt, today)
	if d < 0 {
		d = 0
	}
	return d, true, nil
}
