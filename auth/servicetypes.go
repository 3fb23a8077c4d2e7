package auth

import (
	"context"
	"slices"
	"strings"
	"unicode"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"careportal/portal/store"
)

// ServiceTypes is the fixed list of services a provider organisation can
// provide, in the order forms show them. Events target the same list
// (forums.ServiceTypes is this list), so an organisation is invited to an
// event exactly when they share a service type.
var ServiceTypes = []string{
	"Home care",
	"Reablement",
	"Residential care",
	"Nursing care",
	"Supported living",
	"Extra care housing",
	"Day opportunities",
	"Carers' support",
	"Learning disabilities",
	"Mental health",
}

// serviceTypeSynonyms are the other names people typed into the old
// free-text field for a service type, by their key (see serviceKey).
var serviceTypeSynonyms = map[string]string{
	"homecare":                     "Home care",
	"domiciliary care":             "Home care",
	"domiciliary":                  "Home care",
	"dom care":                     "Home care",
	"domcare":                      "Home care",
	"care at home":                 "Home care",
	"home support":                 "Home care",
	"re ablement":                  "Reablement",
	"reablement services":          "Reablement",
	"residential":                  "Residential care",
	"care home":                    "Residential care",
	"care homes":                   "Residential care",
	"residential home":             "Residential care",
	"residential homes":            "Residential care",
	"nursing":                      "Nursing care",
	"nursing home":                 "Nursing care",
	"nursing homes":                "Nursing care",
	"supported housing":            "Supported living",
	"extra care":                   "Extra care housing",
	"extracare":                    "Extra care housing",
	"day care":                     "Day opportunities",
	"day centre":                   "Day opportunities",
	"day center":                   "Day opportunities",
	"day services":                 "Day opportunities",
	"carers support":               "Carers' support",
	"carer support":                "Carers' support",
	"carers":                       "Carers' support",
	"learning disability":          "Learning disabilities",
	"learning disability services": "Learning disabilities",
	"mental health services":       "Mental health",
}

// serviceKey is s lower-cased with punctuation dropped and spaces
// collapsed, so "  Home-Care " and "home care" compare equal.
func serviceKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '\'' || r == '’':
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// ParseServiceType maps what someone typed to a service type of the list:
// any case and spacing, and the obvious other names ("Homecare",
// "domiciliary care"). It reports false for anything else.
func ParseServiceType(s string) (string, bool) {
	k := serviceKey(s)
	if k == "" {
		return "", false
	}
	for _, t := range ServiceTypes {
		if tk := serviceKey(t); tk == k || strings.ReplaceAll(tk, " ", "") == strings.ReplaceAll(k, " ", "") {
			return t, true
		}
	}
	if t, ok := serviceTypeSynonyms[k]; ok {
		return t, true
	}
	t, ok := serviceTypeSynonyms[strings.ReplaceAll(k, " ", "")]
	return t, ok
}

// mapServiceTypes splits free-text service types into those of the list
// (in list order, once each) and those that match none (as typed, once each).
func mapServiceTypes(in []string) (mapped, unmapped []string) {
	have := map[string]bool{}
	for _, v := range in {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if t, ok := ParseServiceType(v); ok {
			have[t] = true
		} else if !slices.Contains(unmapped, v) {
			unmapped = append(unmapped, v)
		}
	}
	for _, t := range ServiceTypes {
		if have[t] {
			mapped = append(mapped, t)
		}
	}
	return mapped, unmapped
}

// migrations are the one-time changes to stores written by older versions.
var migrations = []store.Migration{
	{ID: "auth/org-service-types", Run: migrateOrgServiceTypes},
	nameLowerMigration,
}

// migrateOrgServiceTypes maps each organisation's free-text service types
// to the fixed list. Values that match nothing move to
// unmapped_service_types, which the admin organisation page shows until an
// administrator chooses the types on the form. Idempotent: a second run
// finds every value already on the list.
func migrateOrgServiceTypes(ctx context.Context, db *mongo.Database) error {
	coll := db.Collection(colOrgs)
	type doc struct {
		ID       string   `bson:"_id"`
		Types    []string `bson:"service_types"`
		Unmapped []string `bson:"unmapped_service_types"`
	}
	cctx, cancel := store.CallContext(ctx)
	docs, err := store.FindAll[doc](cctx, coll, bson.D{})
	cancel()
	if err != nil {
		return err
	}
	for _, d := range docs {
		mapped, unmapped := mapServiceTypes(d.Types)
		for _, u := range d.Unmapped {
			if !slices.Contains(unmapped, u) {
				unmapped = append(unmapped, u)
			}
		}
		if slices.Equal(mapped, d.Types) && slices.Equal(unmapped, d.Unmapped) {
			continue
		}
		if mapped == nil {
			mapped = []string{}
		}
		set := bson.D{{Key: "service_types", Value: mapped}}
		if len(unmapped) > 0 {
			set = append(set, bson.E{Key: "unmapped_service_types", Value: unmapped})
		}
		cctx, cancel := store.CallContext(ctx)
		_, err := coll.UpdateOne(cctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: set}})
		cancel()
		if err != nil {
			return err
		}
	}
	return nil
}
