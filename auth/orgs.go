package auth

import (
	"context"
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/fault"
	"careportal/portal/store"
)

// Org is a provider organisation.
type Org struct {
	ID            string `bson:"_id"`
	Name          string `bson:"name"`
	NameLower     string `bson:"name_lower"`     // the lists' sort key (lists.go)
	SupplierRef   string `bson:"supplier_ref"`   // the finance system's supplier number, unique
	CompanyNumber string `bson:"company_number"` // Companies House number, optional
	AddressLine1  string `bson:"address_line1"`
	AddressLine2  string `bson:"address_line2"`
	Town          string `bson:"town"`
	Postcode      string `bson:"postcode"`
	ContactEmail  string `bson:"contact_email"`
	TermsDays     int    `bson:"terms_days"` // payment terms in days
	SME           bool   `bson:"sme"`        // fewer than 250 staff (Transparency Code exports)
	// SmallBusiness: fewer than 50 staff (the Fair Payment Code's small
	// business test); separate from SME.
	SmallBusiness bool     `bson:"small_business"`
	VCSE          bool     `bson:"vcse"`
	ServiceTypes  []string `bson:"service_types"` // from ServiceTypes, e.g. "Home care"
	// UnmappedServiceTypes are values of the old free-text field that
	// matched no service type (see migrateOrgServiceTypes); saving the
	// organisation's form clears them.
	UnmappedServiceTypes []string  `bson:"unmapped_service_types,omitempty"`
	Active               bool      `bson:"active"`
	CreatedAt            time.Time `bson:"created_at"`
	UpdatedAt            time.Time `bson:"updated_at"`
}

// DefaultTermsDays is the payment term when none is agreed (Procurement
// Act 2023 s68: 30 days).
const DefaultTermsDays = 30

// OrgInput is what an admin types to create or edit an organisation.
type OrgInput struct {
	Name          string
	SupplierRef   string
	CompanyNumber string
	AddressLine1  string
	AddressLine2  string
	Town          string
	Postcode      string
	ContactEmail  string
	TermsDays     int
	SME           bool
	SmallBusiness bool
	VCSE          bool
	ServiceTypes  []string
}

var (
	supplierRefRe   = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,19}$`)
	companyNumberRe = regexp.MustCompile(`^([0-9]{8}|[A-Z]{2}[0-9]{6}|R[0-9]{7})$`)
	postcodeRe      = regexp.MustCompile(`^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$`)
)

// NormaliseCompanyNumber upper-cases and zero-pads a Companies House
// number (1234567 -> 01234567).
func NormaliseCompanyNumber(s string) string {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if s != "" && len(s) < 8 {
		if _, err := strconv.Atoi(s); err == nil {
			s = strings.Repeat("0", 8-len(s)) + s
		}
	}
	return s
}

func (in *OrgInput) normalise() {
	in.Name = strings.TrimSpace(in.Name)
	in.SupplierRef = strings.ToUpper(strings.TrimSpace(in.SupplierRef))
	in.CompanyNumber = NormaliseCompanyNumber(in.CompanyNumber)
	in.AddressLine1 = strings.TrimSpace(in.AddressLine1)
	in.AddressLine2 = strings.TrimSpace(in.AddressLine2)
	in.Town = strings.TrimSpace(in.Town)
	in.Postcode = strings.ToUpper(strings.Join(strings.Fields(in.Postcode), " "))
	in.ContactEmail = strings.TrimSpace(in.ContactEmail)
	// Known types become the list's spelling in the list's order; unknown
	// ones stay as typed for validate to refuse.
	mapped, unmapped := mapServiceTypes(in.ServiceTypes)
	in.ServiceTypes = append(mapped, unmapped...)
}

// Check reports what is wrong with the input, as field errors, without
// saving anything.
func (in OrgInput) Check() error {
	in.normalise()
	return in.validate()
}

func (in OrgInput) validate() error {
	var f fault.Fields
	switch {
	case in.Name == "":
		f.Add("name", "Enter the organisation's name")
	case len(in.Name) > 200:
		f.Add("name", "Name must be 200 characters or fewer")
	}
	switch {
	case in.SupplierRef == "":
		f.Add("supplier_ref", "Enter the supplier reference")
	case !supplierRefRe.MatchString(in.SupplierRef):
		f.Add("supplier_ref", "Supplier reference must be 2 to 20 letters, numbers or hyphens, like SUP1001")
	}
	if in.CompanyNumber != "" && !companyNumberRe.MatchString(in.CompanyNumber) {
		f.Add("company_number", "Companies House number must be 8 characters, like 01234567 or SC123456")
	}
	if len(in.AddressLine1) > 200 {
		f.Add("address_line1", "Address line 1 must be 200 characters or fewer")
	}
	if len(in.AddressLine2) > 200 {
		f.Add("address_line2", "Address line 2 must be 200 characters or fewer")
	}
	if len(in.Town) > 100 {
		f.Add("town", "Town or city must be 100 characters or fewer")
	}
	if in.Postcode != "" && !postcodeRe.MatchString(in.Postcode) {
		f.Add("postcode", "Enter a real postcode, like SW1A 1AA")
	}
	if in.ContactEmail != "" && !validEmail(in.ContactEmail) {
		f.Add("contact_email", "Enter the contact email address in the correct format, like name@example.com")
	}
	if in.TermsDays < 1 || in.TermsDays > 30 {
		f.Add("terms_days", "Payment terms must be between 1 and 30 days")
	}
	for _, t := range in.ServiceTypes {
		if !slices.Contains(ServiceTypes, t) {
			f.Add("service_types", "Choose the services provided from the list")
			break
		}
	}
	return f.Err()
}

// validEmail checks the address is a plain addr-spec with a dotted domain.
func validEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// CreateOrg adds an organisation. A supplier reference already in use is a
// field error.
func (s *Service) CreateOrg(ctx context.Context, actor *Principal, in OrgInput) (*Org, error) {
	in.normalise()
	if err := in.validate(); err != nil {
		return nil, err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	now := s.now().UTC()
	o := &Org{ID: newID(), Active: true, CreatedAt: now, UpdatedAt: now}
	o.apply(in)
	if _, err := s.db.Collection(colOrgs).InsertOne(ctx, o); err != nil {
		if store.IsDuplicateKey(err) {
			return nil, fault.InvalidField("supplier_ref", "Another organisation already has supplier reference "+in.SupplierRef)
		}
		return nil, err
	}
	s.relistOrg(ctx, o.ID)
	s.audit(ctx, actor, "org.create", "org:"+o.ID, o.Name+" ("+o.SupplierRef+")")
	return o, nil
}

func (o *Org) apply(in OrgInput) {
	o.Name = in.Name
	o.NameLower = strings.ToLower(in.Name)
	o.SupplierRef = in.SupplierRef
	o.CompanyNumber = in.CompanyNumber
	o.AddressLine1 = in.AddressLine1
	o.AddressLine2 = in.AddressLine2
	o.Town = in.Town
	o.Postcode = in.Postcode
	o.ContactEmail = in.ContactEmail
	o.TermsDays = in.TermsDays
	o.SME = in.SME
	o.SmallBusiness = in.SmallBusiness
	o.VCSE = in.VCSE
	o.ServiceTypes = in.ServiceTypes
	o.UnmappedServiceTypes = nil
}

// Input returns the organisation's editable fields.
func (o *Org) Input() OrgInput {
	return OrgInput{
		Name: o.Name, SupplierRef: o.SupplierRef, CompanyNumber: o.CompanyNumber,
		AddressLine1: o.AddressLine1, AddressLine2: o.AddressLine2, Town: o.Town, Postcode: o.Postcode,
		ContactEmail: o.ContactEmail, TermsDays: o.TermsDays, SME: o.SME, SmallBusiness: o.SmallBusiness, VCSE: o.VCSE,
		ServiceTypes: o.ServiceTypes,
	}
}

// UpdateOrg changes an organisation's details.
func (s *Service) UpdateOrg(ctx context.Context, actor *Principal, id string, in OrgInput) (*Org, error) {
	in.normalise()
	if err := in.validate(); err != nil {
		return nil, err
	}
	o, err := s.Org(ctx, id)
	if err != nil {
		return nil, err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	o.apply(in)
	o.UpdatedAt = s.now().UTC()
	if _, err := s.db.Collection(colOrgs).ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, o); err != nil {
		if store.IsDuplicateKey(err) {
			return nil, fault.InvalidField("supplier_ref", "Another organisation already has supplier reference "+in.SupplierRef)
		}
		return nil, err
	}
	s.forgetOrg(id)
	s.relistOrg(ctx, id)
	s.audit(ctx, actor, "org.update", "org:"+id, o.Name+" ("+o.SupplierRef+")")
	return o, nil
}

// SetOrgActive activates or deactivates an organisation. Deactivating ends
// the sessions of its users and stops its API tokens working.
func (s *Service) SetOrgActive(ctx context.Context, actor *Principal, id string, active bool) error {
	o, err := s.Org(ctx, id)
	if err != nil {
		return err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colOrgs).UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "active", Value: active}, {Key: "updated_at", Value: s.now().UTC()}}}}); err != nil {
		return err
	}
	s.forgetOrg(id)
	s.relistOrg(ctx, id)
	action := "org.reactivate"
	if !active {
		action = "org.deactivate"
		users, err := s.OrgUsers(ctx, id)
		if err != nil {
			return err
		}
		for _, u := range users {
			if err := s.endUserSessions(ctx, u.ID, ""); err != nil {
				return err
			}
		}
	}
	s.audit(ctx, actor, action, "org:"+id, o.Name)
	return nil
}

// Org returns an organisation by id.
func (s *Service) Org(ctx context.Context, id string) (*Org, error) {
	if id == "" {
		return nil, fault.NotFoundf("organisation not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	o, err := store.Get[Org](ctx, s.db.Collection(colOrgs), id)
	if err != nil {
		return nil, notFound(err, "organisation")
	}
	return &o, nil
}

// cachedOrgByID is Org through the short-lived cache, for principal
// resolution on every request.
func (s *Service) cachedOrgByID(ctx context.Context, id string) (*Org, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.orgCache[id]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < s.cacheTTL {
		o := c.org
		return &o, nil
	}
	o, err := s.Org(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.orgCache[id] = cachedOrg{org: *o, at: now}
	s.mu.Unlock()
	return o, nil
}

// OrgByRef returns an organisation by supplier reference (case-insensitive).
func (s *Service) OrgByRef(ctx context.Context, ref string) (*Org, error) {
	ref = strings.ToUpper(strings.TrimSpace(ref))
	if ref == "" {
		return nil, fault.NotFoundf("organisation not found")
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	var o Org
	if err := s.db.Collection(colOrgs).FindOne(ctx, bson.D{{Key: "supplier_ref", Value: ref}}).Decode(&o); err != nil {
		return nil, notFound(err, "organisation with supplier reference "+ref)
	}
	return &o, nil
}

// Orgs lists every organisation by name.
func (s *Service) Orgs(ctx context.Context) ([]Org, error) {
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	out, err := store.FindAll[Org](ctx, s.db.Collection(colOrgs), bson.D{})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}
