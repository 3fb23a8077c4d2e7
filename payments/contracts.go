package payments

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store"
)

// ContractInput is a contract as typed in the staff form or read from a CSV
// row: text as given. Field names (the form and the CSV columns) are:
// reference, title, supplier_ref, service_type, department, description,
// start_date, end_date, review_date, total_value, annual_value,
// irrecoverable_vat, terms_days, award_route, procured_under, status.
type ContractInput struct {
	Reference        string `form:"reference" label:"Contract reference" validate:"required,max=40"`
	Title            string `form:"title" label:"Title" validate:"required,max=200"`
	SupplierRef      string `form:"supplier_ref" label:"Provider" validate:"required,max=20"`
	ServiceType      string `form:"service_type" label:"Service type" validate:"required"`
	Department       string `form:"department" label:"Department" validate:"max=100"`
	Description      string `form:"description" label:"Description" validate:"max=2000"`
	StartDate        string `form:"start_date" label:"Start date" validate:"required"`
	EndDate          string `form:"end_date" label:"End date" validate:"required"`
	ReviewDate       string `form:"review_date" label:"Review date"`
	TotalValue       string `form:"total_value" label:"Total value"`
	AnnualValue      string `form:"annual_value" label:"Annual value" validate:"required"`
	IrrecoverableVAT string `form:"irrecoverable_vat" label:"Irrecoverable VAT"`
	TermsDays        string `form:"terms_days" label:"Payment terms"`
	AwardRoute       string `form:"award_route" label:"How it was awarded" validate:"max=200"`
	ProcuredUnder    string `form:"procured_under" label:"Procured under"`
	Status           string `form:"status" label:"Status"`
}

// ProcuredUnder is the law a contract was procured under: it decides
// which statutory report its invoices belong to (the payments compliance
// notice for the Procurement Act 2023, the reg 113 late payment report for
// the Public Contracts Regulations 2015).
type ProcuredUnder string

// The two regimes.
const (
	ProcuredPCR2015 ProcuredUnder = "pcr2015"
	ProcuredPA2023  ProcuredUnder = "pa2023"
)

// ProcuredUnderChoices are the regimes in form order.
var ProcuredUnderChoices = []ProcuredUnder{ProcuredPA2023, ProcuredPCR2015}

// ActCommenced is the day the Procurement Act 2023 came into force and the
// Public Contracts Regulations 2015 were revoked (saved for procurements
// begun before it).
const ActCommenced = "2025-02-24"

// ParseProcuredUnder reads a regime as written in a form or a CSV cell:
// pcr2015 or pa2023, or their names ("PCR 2015", "Procurement Act 2023").
func ParseProcuredUnder(v string) (ProcuredUnder, bool) {
	k := strings.Map(func(r rune) rune {
		if r == ' ' || r == '_' || r == '-' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(v)))
	switch k {
	case "pcr2015", "pcr", "publiccontractsregulations2015":
		return ProcuredPCR2015, true
	case "pa2023", "pa", "procurementact2023", "act":
		return ProcuredPA2023, true
	}
	return "", false
}

// ProcuredUnderOrDefault is the contract's regime: as recorded, or, for a
// contract that does not say (every contract made before the field
// existed), PCR 2015 when it started before 24 February 2025 and the
// Procurement Act 2023 otherwise. A contract that started later but whose
// procurement began before that day must be marked PCR 2015 by staff.
func (c *Contract) ProcuredUnderOrDefault() ProcuredUnder {
	if c.ProcuredUnder != "" {
		return c.ProcuredUnder
	}
	if c.StartDate != "" && c.StartDate < ActCommenced {
		return ProcuredPCR2015
	}
	return ProcuredPA2023
}

// ContractFields is the order of the fields in forms and CSV files.
var ContractFields = []string{"reference", "title", "supplier_ref", "service_type", "department", "description",
	"start_date", "end_date", "review_date", "total_value", "annual_value", "irrecoverable_vat", "terms_days", "award_route", "procured_under", "status"}

// Input returns the contract as form text, for editing.
func (c *Contract) Input() ContractInput {
	money := func(p int64) string {
		if p == 0 {
			return ""
		}
		return FormatPence(p)
	}
	in := ContractInput{
		Reference: c.Reference, Title: c.Title, SupplierRef: c.SupplierRef, ServiceType: string(c.ServiceType),
		Department: c.Department, Description: c.Description, StartDate: c.StartDate, EndDate: c.EndDate,
		ReviewDate: c.ReviewDate, TotalValue: money(c.TotalValue), AnnualValue: FormatPence(c.AnnualValue),
		IrrecoverableVAT: money(c.IrrecoverableVAT), AwardRoute: c.AwardRoute, ProcuredUnder: string(c.ProcuredUnderOrDefault()),
		Status: string(c.Status),
	}
	if c.TermsDays > 0 {
		in.TermsDays = strconv.Itoa(c.TermsDays)
	}
	return in
}

// orgLookup resolves supplier references, caching within one call.
type orgLookup struct {
	s     *Service
	byRef map[string]*auth.Org
}

func (l *orgLookup) get(ctx context.Context, ref string) (*auth.Org, error) {
	k := strings.ToUpper(strings.TrimSpace(ref))
	if l.byRef == nil {
		l.byRef = map[string]*auth.Org{}
		orgs, err := l.s.orgs.Orgs(ctx)
		if err != nil {
			return nil, err
		}
		for i := range orgs {
			l.byRef[strings.ToUpper(orgs[i].SupplierRef)] = &orgs[i]
		}
	}
	return l.byRef[k], nil
}

// buildContract validates the input and returns the contract it describes
// (without id, version or times), or an Invalid error listing every bad
// field in form order.
func (s *Service) buildContract(ctx context.Context, in ContractInput, orgs *orgLookup) (Contract, error) {
	var c Contract
	found := map[string]string{}
	for _, fe := range fault.FieldsOf(s.v.Struct(in)) {
		found[fe.Field] = fe.Message
	}
	add := func(field, msg string) {
		if _, ok := found[field]; !ok {
			found[field] = msg
		}
	}
	c.Reference = strings.TrimSpace(in.Reference)
	c.ReferenceKey = normaliseRef(in.Reference)
	c.Title = strings.TrimSpace(in.Title)
	c.Department = strings.TrimSpace(in.Department)
	c.Description = strings.TrimSpace(in.Description)
	c.AwardRoute = strings.TrimSpace(in.AwardRoute)
	if c.Reference != "" && strings.ContainsAny(c.Reference, "\r\n\t") {
		add("reference", "Contract reference must be on one line")
	}
	if strings.TrimSpace(in.SupplierRef) != "" {
		org, err := orgs.get(ctx, in.SupplierRef)
		if err != nil {
			return c, err
		}
		if org == nil {
			add("supplier_ref", "No provider organisation has the supplier reference "+strings.TrimSpace(in.SupplierRef))
		} else {
			c.OrgID, c.OrgName, c.SupplierRef = org.ID, org.Name, org.SupplierRef
		}
	}
	if strings.TrimSpace(in.ServiceType) != "" {
		t, ok := ParseServiceType(in.ServiceType)
		if !ok {
			add("service_type", "Service type must be one of home care, residential, nursing, supported living, day opportunities, extra care or other")
		}
		c.ServiceType = t
	}
	date := func(field, label, v string, required bool) string {
		if strings.TrimSpace(v) == "" {
			if required {
				add(field, "Enter the "+strings.ToLower(label))
			}
			return ""
		}
		d, err := ParseDate(v)
		if err != nil {
			add(field, label+" "+err.Error())
		}
		return d
	}
	c.StartDate = date("start_date", "Start date", in.StartDate, true)
	c.EndDate = date("end_date", "End date", in.EndDate, true)
	c.ReviewDate = date("review_date", "Review date", in.ReviewDate, false)
	if c.StartDate != "" && c.EndDate != "" && c.EndDate < c.StartDate {
		add("end_date", "End date must be the same as or after the start date")
	}
	money := func(field, label, v string, required bool) int64 {
		if strings.TrimSpace(v) == "" {
			if required {
				add(field, "Enter the "+strings.ToLower(label))
			}
			return 0
		}
		p, err := ParsePence(v, false)
		if err != nil {
			add(field, label+" "+err.Error())
		}
		return p
	}
	c.TotalValue = money("total_value", "Total value", in.TotalValue, false)
	c.AnnualValue = money("annual_value", "Annual value", in.AnnualValue, true)
	c.IrrecoverableVAT = money("irrecoverable_vat", "Irrecoverable VAT", in.IrrecoverableVAT, false)
	if t := strings.TrimSpace(in.TermsDays); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > DefaultTermsDays {
			add("terms_days", "Payment terms must be a whole number of days from 1 to 30, or empty to use the organisation's terms")
		}
		c.TermsDays = n
	}
	if v := strings.TrimSpace(in.ProcuredUnder); v != "" {
		p, ok := ParseProcuredUnder(v)
		if !ok {
			add("procured_under", "Procured under must be pa2023 (Procurement Act 2023) or pcr2015 (Public Contracts Regulations 2015), or empty to decide by the start date")
		}
		c.ProcuredUnder = p
	}
	c.Status = ContractActive
	if st := strings.ToLower(strings.TrimSpace(in.Status)); st != "" {
		c.Status = ContractStatus(st)
		if c.Status != ContractActive && c.Status != ContractEnded && c.Status != ContractSuspended {
			add("status", "Status must be active, ended or suspended")
		}
	}
	var fields fault.Fields
	for _, f := range ContractFields {
		if m, ok := found[f]; ok {
			fields.Add(f, m)
		}
	}
	return c, fields.Err()
}

// sameContract reports whether two contracts hold the same register data.
func sameContract(a, b *Contract) bool {
	x, y := *a, *b
	x.ID, y.ID, x.Version, y.Version = "", "", 0, 0
	x.CreatedAt, x.UpdatedAt = y.CreatedAt, y.UpdatedAt
	return x == y
}

// CreateContract adds a contract to the register. Staff only.
func (s *Service) CreateContract(ctx context.Context, actor *auth.Principal, in ContractInput) (Contract, error) {
	if !actor.IsStaff() {
		return Contract{}, fault.Forbiddenf("Only council staff can change the contracts register")
	}
	if err := s.ensureContracts(ctx); err != nil {
		return Contract{}, err
	}
	c, err := s.buildContract(ctx, in, &orgLookup{s: s})
	if err != nil {
		return Contract{}, err
	}
	c.ID = newID()
	c.Version = 1
	c.CreatedAt = s.now().UTC()
	c.UpdatedAt = c.CreatedAt
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colContracts).InsertOne(ctx, c); err != nil {
		if store.IsDuplicateKey(err) {
			return Contract{}, fault.InvalidField("reference", "A contract with the reference "+c.Reference+" already exists")
		}
		return Contract{}, fmt.Errorf("payments: saving contract: %w", err)
	}
	s.putContract(&c)
	return c, nil
}

// UpdateContract changes a contract. expectedVersion is the version the
// form was shown with; a later change by someone else is a Conflict.
func (s *Service) UpdateContract(ctx context.Context, actor *auth.Principal, id string, expectedVersion int, in ContractInput) (Contract, error) {
	if !actor.IsStaff() {
		return Contract{}, fault.Forbiddenf("Only council staff can change the contracts register")
	}
	cur, err := s.Contract(ctx, actor, id)
	if err != nil {
		return Contract{}, err
	}
	if cur.Version != expectedVersion {
		return Contract{}, fault.Conflictf("This contract was changed by someone else; check its latest details")
	}
	c, err := s.buildContract(ctx, in, &orgLookup{s: s})
	if err != nil {
		return Contract{}, err
	}
	if err := s.replaceContract(ctx, &cur, c); err != nil {
		return Contract{}, err
	}
	return s.Contract(ctx, actor, id)
}

func (s *Service) replaceContract(ctx context.Context, cur *Contract, c Contract) error {
	c.ID, c.CreatedAt = cur.ID, cur.CreatedAt
	c.Version = cur.Version + 1
	c.UpdatedAt = s.now().UTC()
	refTaken := fault.InvalidField("reference", "A contract with the reference "+c.Reference+" already exists")
	s.mu.RLock()
	other := s.contractByRef[c.ReferenceKey]
	s.mu.RUnlock()
	if other != "" && other != c.ID {
		return refTaken
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colContracts).ReplaceOne(ctx, bson.D{{Key: "_id", Value: c.ID}}, c); err != nil {
		// FerretDB reports a unique index violation on update as an
		// internal error rather than code 11000.
		if store.IsDuplicateKey(err) || strings.Contains(err.Error(), "UNIQUE constraint failed") {
			return refTaken
		}
		return fmt.Errorf("payments: saving contract: %w", err)
	}
	s.putContract(&c)
	return nil
}

// RowError is one problem with one row of a batch (a CSV line): Row is the
// index in the slice given.
type RowError struct {
	Row     int
	Field   string
	Message string
}

// RowsError lists every problem of a batch; nothing was written. It
// unwraps to a fault Invalid error.
type RowsError struct{ Rows []RowError }

func (e *RowsError) Error() string {
	if len(e.Rows) == 0 {
		return "invalid rows"
	}
	r := e.Rows[0]
	return fmt.Sprintf("%d problems; first: row %d, %s: %s", len(e.Rows), r.Row, r.Field, r.Message)
}

func (e *RowsError) Unwrap() error {
	return &fault.Error{Kind: fault.Invalid, Message: "The file has problems; nothing was imported"}
}

// UpsertContracts creates or updates contracts by reference, all or
// nothing: every row is validated first (including references repeated
// within the batch) and nothing is written unless all are valid. Rows
// identical to the register are left alone, so importing the same rows
// again changes nothing. Errors are a *RowsError.
func (s *Service) UpsertContracts(ctx context.Context, actor *auth.Principal, rows []ContractInput) (created, updated, unchanged int, err error) {
	if !actor.IsStaff() {
		return 0, 0, 0, fault.Forbiddenf("Only council staff can change the contracts register")
	}
	if err := s.ensureContracts(ctx); err != nil {
		return 0, 0, 0, err
	}
	lookup := &orgLookup{s: s}
	built := make([]Contract, len(rows))
	var problems []RowError
	seen := map[string]int{}
	for i, in := range rows {
		c, err := s.buildContract(ctx, in, lookup)
		if err != nil {
			fields := fault.FieldsOf(err)
			if len(fields) == 0 {
				return 0, 0, 0, err
			}
			for _, f := range fields {
				problems = append(problems, RowError{Row: i, Field: f.Field, Message: f.Message})
			}
		}
		if c.ReferenceKey != "" {
			if j, dup := seen[c.ReferenceKey]; dup {
				problems = append(problems, RowError{Row: i, Field: "reference", Message: fmt.Sprintf("The reference %s is also used by row %d", c.Reference, j+1)})
			}
			seen[c.ReferenceKey] = i
		}
		built[i] = c
	}
	if len(problems) > 0 {
		return 0, 0, 0, &RowsError{Rows: problems}
	}
	var toInsert []any
	var inserted []Contract
	type upd struct {
		cur Contract
		c   Contract
	}
	var toUpdate []upd
	now := s.now().UTC()
	s.mu.RLock()
	for _, c := range built {
		if id, ok := s.contractByRef[c.ReferenceKey]; ok {
			cur := *s.contracts[id]
			if sameContract(&cur, &c) {
				unchanged++
				continue
			}
			toUpdate = append(toUpdate, upd{cur, c})
			continue
		}
		c.ID, c.Version, c.CreatedAt, c.UpdatedAt = newID(), 1, now, now
		toInsert = append(toInsert, c)
		inserted = append(inserted, c)
	}
	s.mu.RUnlock()
	for i := 0; i < len(toInsert); i += 500 {
		end := min(i+500, len(toInsert))
		cctx, cancel := store.CallContext(ctx)
		_, err := s.db.Collection(colContracts).InsertMany(cctx, toInsert[i:end])
		cancel()
		if err != nil {
			return created, updated, unchanged, fmt.Errorf("payments: saving contracts: %w", err)
		}
		for j := i; j < end; j++ {
			s.putContract(&inserted[j])
		}
		created += end - i
	}
	for _, u := range toUpdate {
		if err := s.replaceContract(ctx, &u.cur, u.c); err != nil {
			return created, updated, unchanged, err
		}
		updated++
	}
	return created, updated, unchanged, nil
}

// Contract returns one contract; a provider sees only its own (others are
// NotFound).
func (s *Service) Contract(ctx context.Context, actor *auth.Principal, id string) (Contract, error) {
	if err := s.ensureContracts(ctx); err != nil {
		return Contract{}, err
	}
	s.mu.RLock()
	c, ok := s.contracts[id]
	s.mu.RUnlock()
	if !ok || !actor.CanSeeOrg(c.OrgID) {
		return Contract{}, fault.NotFoundf("contract not found")
	}
	return *c, nil
}

// ContractByRef returns a contract by its reference (case-insensitive).
func (s *Service) ContractByRef(ctx context.Context, actor *auth.Principal, ref string) (Contract, error) {
	if err := s.ensureContracts(ctx); err != nil {
		return Contract{}, err
	}
	s.mu.RLock()
	id := s.contractByRef[normaliseRef(ref)]
	s.mu.RUnlock()
	if id == "" {
		return Contract{}, fault.NotFoundf("contract not found")
	}
	return s.Contract(ctx, actor, id)
}

// ContractFilter narrows the contracts list.
type ContractFilter struct {
	OrgID      string // one provider's contracts
	ActiveOnly bool
	Search     string // reference, title or provider name/supplier reference
}

// Contracts lists contracts the actor may see, by reference.
func (s *Service) Contracts(ctx context.Context, actor *auth.Principal, f ContractFilter) ([]Contract, error) {
	if err := s.ensureContracts(ctx); err != nil {
		return nil, err
	}
	q := strings.ToLower(strings.TrimSpace(f.Search))
	s.mu.RLock()
	var out []Contract
	for _, c := range s.contracts {
		if !actor.CanSeeOrg(c.OrgID) || (f.OrgID != "" && c.OrgID != f.OrgID) || (f.ActiveOnly && c.Status != ContractActive) {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(c.Reference+"\x00"+c.Title+"\x00"+c.OrgName+"\x00"+c.SupplierRef), q) {
			continue
		}
		out = append(out, *c)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ReferenceKey < out[j].ReferenceKey })
	return out, nil
}

// ensureContracts loads the contracts register into memory, and only it:
// contract reads and imports do not wait for the whole invoice read model
// (a CLI import of an unchanged register starts at once). The invoices'
// load loads the contracts first, once.
func (s *Service) ensureContracts(ctx context.Context) error {
	return s.contractsRM.EnsureLoaded(ctx)
}
