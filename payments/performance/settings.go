package performance

import (
	"context"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/metrics"
	"careportal/portal/fault"
	"careportal/portal/store"
)

const settingsID = "reporting"

// Settings are what the payments compliance notice and the transparency
// exports say about the council: the contracting authority information
// (reg 38(2)(a)) and the officer who approves the notice (reg 38(2)(e)).
type Settings struct {
	ID                  string    `bson:"_id"`
	AuthorityName       string    `bson:"authority_name"`
	AuthorityIdentifier string    `bson:"authority_identifier"` // e.g. the unique identifier on the central digital platform
	AuthorityAddress    string    `bson:"authority_address"`
	AuthorityEmail      string    `bson:"authority_email"`
	AuthorityTelephone  string    `bson:"authority_telephone"`
	AuthorityWebsite    string    `bson:"authority_website"`
	Department          string    `bson:"department"` // for the transparency contracts export when a contract has none
	ApproverName        string    `bson:"approver_name"`
	ApproverJobTitle    string    `bson:"approver_job_title"`
	UpdatedAt           time.Time `bson:"updated_at"`
	UpdatedBy           string    `bson:"updated_by"`
	// RatesReviewedThrough is the last day an administrator confirmed the
	// Bank Rate table is complete up to (YYYY-MM-DD, "" when never).
	RatesReviewedThrough string    `bson:"rates_reviewed_through,omitempty"`
	RatesReviewedBy      string    `bson:"rates_reviewed_by,omitempty"`
	RatesReviewedAt      time.Time `bson:"rates_reviewed_at,omitempty"`
}

// Complete reports whether a notice can be published with these settings.
func (s Settings) Complete() bool { return len(s.Missing()) == 0 }

// Missing names, in form order, the settings a payments compliance notice
// needs that are not filled in: the authority's name and address
// (reg 38(2)(a)) and the approving officer's name and job title
// (reg 38(2)(e)).
func (s Settings) Missing() []string {
	var out []string
	for _, f := range []struct{ v, label string }{
		{s.AuthorityName, "the authority's name"}, {s.AuthorityAddress, "the authority's address"},
		{s.ApproverName, "the approving officer's name"}, {s.ApproverJobTitle, "the approving officer's job title"},
	} {
		if strings.TrimSpace(f.v) == "" {
			out = append(out, f.label)
		}
	}
	return out
}

// NoticeReady is nil when a payments compliance notice can be exported
// with these settings, or a Conflict saying what to fill in on the
// reporting settings page.
func (s Settings) NoticeReady() error {
	m := s.Missing()
	if len(m) == 0 {
		return nil
	}
	return fault.Conflictf("The payments compliance notice cannot be exported until the reporting settings are filled in: enter %s on the reporting settings page.", joinAnd(m))
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// Settings returns the reporting settings (empty fields until an admin
// saves them).
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return Settings{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.settings, nil
}

// SettingsInput is the settings form as typed.
type SettingsInput struct {
	AuthorityName, AuthorityIdentifier, AuthorityAddress, AuthorityEmail string
	AuthorityTelephone, AuthorityWebsite, Department                     string
	ApproverName, ApproverJobTitle                                       string
}

// SaveSettings validates and stores the settings (one document, replaced
// by bare _id).
func (s *Service) SaveSettings(ctx context.Context, actor *auth.Principal, in SettingsInput) (Settings, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return Settings{}, err
	}
	tr := strings.TrimSpace
	set := Settings{ID: settingsID, AuthorityName: tr(in.AuthorityName), AuthorityIdentifier: tr(in.AuthorityIdentifier),
		AuthorityAddress: tr(in.AuthorityAddress), AuthorityEmail: tr(in.AuthorityEmail), AuthorityTelephone: tr(in.AuthorityTelephone),
		AuthorityWebsite: tr(in.AuthorityWebsite), Department: tr(in.Department), ApproverName: tr(in.ApproverName),
		ApproverJobTitle: tr(in.ApproverJobTitle), UpdatedAt: s.now().UTC(), UpdatedBy: actor.DisplayName()}
	s.mu.RLock()
	set.RatesReviewedThrough, set.RatesReviewedBy, set.RatesReviewedAt = s.settings.RatesReviewedThrough, s.settings.RatesReviewedBy, s.settings.RatesReviewedAt
	s.mu.RUnlock()
	var f fault.Fields
	req := func(field, v, label string, max int) {
		if v == "" {
			f.Add(field, "Enter the "+label)
		} else if len(v) > max {
			f.Add(field, strings.ToUpper(label[:1])+label[1:]+" must be "+strconv.Itoa(max)+" characters or fewer")
		}
	}
	opt := func(field, v, label string, max int) {
		if len(v) > max {
			f.Add(field, strings.ToUpper(label[:1])+label[1:]+" must be "+strconv.Itoa(max)+" characters or fewer")
		}
	}
	req("authority_name", set.AuthorityName, "authority's name", 200)
	opt("authority_identifier", set.AuthorityIdentifier, "authority's identifier", 100)
	req("authority_address", set.AuthorityAddress, "authority's address", 500)
	if set.AuthorityEmail != "" {
		if a, err := mail.ParseAddress(set.AuthorityEmail); err != nil || a.Address != set.AuthorityEmail {
			f.Add("authority_email", "Enter an email address in the correct format, like payments@council.example")
		}
	}
	opt("authority_telephone", set.AuthorityTelephone, "telephone number", 40)
	if w := set.AuthorityWebsite; w != "" && !strings.HasPrefix(w, "https://") && !strings.HasPrefix(w, "http://") {
		f.Add("authority_website", "Website must start with https://")
	}
	opt("authority_website", set.AuthorityWebsite, "website", 300)
	opt("department", set.Department, "department", 200)
	req("approver_name", set.ApproverName, "approving officer's name", 200)
	req("approver_job_title", set.ApproverJobTitle, "approving officer's job title", 200)
	if err := f.Err(); err != nil {
		return Settings{}, err
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colSettings).ReplaceOne(ctx, bson.D{{Key: "_id", Value: settingsID}}, set, options.Replace().SetUpsert(true)); err != nil {
		return Settings{}, fmt.Errorf("performance: saving settings: %w", err)
	}
	s.mu.Lock()
	s.settings = set
	s.ownWrites++
	s.mu.Unlock()
	return set, nil
}

// baseRateDoc is an admin-added Bank Rate change; _id is its date.
type baseRateDoc struct {
	ID          string    `bson:"_id"`
	BasisPoints int64     `bson:"bp"`
	By          string    `bson:"by"`
	At          time.Time `bson:"at"`
}

// BaseRateInput is the form for adding a Bank Rate change, as typed.
type BaseRateInput struct {
	Effective string // the day the change took effect
	Rate      string // per cent, e.g. "3.75"
}

// ParseRateBP reads a percentage with up to two decimal places as basis
// points ("3.75" -> 375).
func ParseRateBP(s string) (int64, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || len(frac) > 2 {
		return 0, fmt.Errorf("must be a percentage with up to 2 decimal places, like 3.75")
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w < 0 || w > 100 {
		return 0, fmt.Errorf("must be a percentage between 0 and 100, like 3.75")
	}
	for len(frac) < 2 {
		frac += "0"
	}
	fv, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || fv < 0 {
		return 0, fmt.Errorf("must be a percentage with up to 2 decimal places, like 3.75")
	}
	return w*100 + fv, nil
}

// AddBaseRate records a Bank Rate change (replacing one on the same day).
func (s *Service) AddBaseRate(ctx context.Context, actor *auth.Principal, in BaseRateInput) (metrics.BaseRate, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return metrics.BaseRate{}, err
	}
	var f fault.Fields
	day, err := payments.ParseDate(in.Effective)
	if err != nil {
		f.Add("effective", "Date the rate took effect "+err.Error())
	}
	bp, err := ParseRateBP(in.Rate)
	if strings.TrimSpace(in.Rate) == "" {
		f.Add("rate", "Enter the Bank Rate")
	} else if err != nil {
		f.Add("rate", "Bank Rate "+err.Error())
	}
	if err := f.Err(); err != nil {
		return metrics.BaseRate{}, err
	}
	doc := baseRateDoc{ID: day, BasisPoints: bp, By: actor.DisplayName(), At: s.now().UTC()}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	if _, err := s.db.Collection(colBaseRates).ReplaceOne(ctx, bson.D{{Key: "_id", Value: day}}, doc, options.Replace().SetUpsert(true)); err != nil {
		return metrics.BaseRate{}, fmt.Errorf("performance: saving base rate: %w", err)
	}
	br := metrics.BaseRate{Effective: metrics.MustDate(day), BasisPoints: bp}
	s.mu.Lock()
	replaced := false
	for i := range s.extra {
		if s.extra[i].Effective == br.Effective {
			s.extra[i] = br
			replaced = true
		}
	}
	if !replaced {
		s.extra = append(s.extra, br)
	}
	s.rates = rateTable(s.extra, s.settings)
	s.ownWrites++
	s.mu.Unlock()
	return br, nil
}

// rateTable is the shipped Bank Rate history plus the administrators'
// changes and their last review.
func rateTable(extra []metrics.BaseRate, set Settings) *metrics.RateTable {
	t := metrics.NewRateTable(extra...)
	if d, ok := metrics.ParseISO(set.RatesReviewedThrough); ok {
		t.Reviewed(d)
	}
	return t
}

// ReviewRates records that an administrator checked the Bank Rate table
// against the Bank of England's published decisions and it is complete up
// to and including the day given (today or earlier): the rate-table
// warning then stays quiet until a half-year starts whose reference date is
// later.
func (s *Service) ReviewRates(ctx context.Context, actor *auth.Principal, through string) (metrics.Date, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return 0, err
	}
	day, err := payments.ParseDate(through)
	if err != nil {
		return 0, fault.InvalidField("reviewed_through", "Date checked up to "+err.Error())
	}
	d := metrics.MustDate(day)
	if d > s.Today() {
		return 0, fault.InvalidField("reviewed_through", "Date checked up to must be today or in the past")
	}
	now := s.now().UTC()
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	_, err = s.db.Collection(colSettings).UpdateOne(ctx, bson.D{{Key: "_id", Value: settingsID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "rates_reviewed_through", Value: day}, {Key: "rates_reviewed_by", Value: actor.DisplayName()}, {Key: "rates_reviewed_at", Value: now}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return 0, fmt.Errorf("performance: saving the Bank Rate review: %w", err)
	}
	s.mu.Lock()
	if s.settings.ID == "" {
		s.settings.ID = settingsID
	}
	s.settings.RatesReviewedThrough, s.settings.RatesReviewedBy, s.settings.RatesReviewedAt = day, actor.DisplayName(), now
	s.rates = rateTable(s.extra, s.settings)
	s.ownWrites++
	s.mu.Unlock()
	return d, nil
}

// RateWarning reports whether the Bank Rate table may be out of date
// today: a half-year has started whose reference date is later than the
// table's last change or review (metrics.RateTable.Warning).
func (s *Service) RateWarning(ctx context.Context) (metrics.RateWarning, bool, error) {
	rates, err := s.Rates(ctx)
	if err != nil {
		return metrics.RateWarning{}, false, err
	}
	w, warn := rates.Warning(s.Today())
	return w, warn, nil
}

// AddedBaseRates lists the changes administrators added.
func (s *Service) AddedBaseRates(ctx context.Context) (map[metrics.Date]bool, error) {
	if err := s.ensureLoaded(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[metrics.Date]bool{}
	for _, r := range s.extra {
		out[r.Effective] = true
	}
	return out, nil
}
