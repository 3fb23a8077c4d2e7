package auth

import (
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

func TestParseServiceType(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"Home care", "Home care"},
		{"  home   CARE ", "Home care"},
		{"Homecare", "Home care"},
		{"home-care", "Home care"},
		{"Domiciliary care", "Home care"},
		{"Re-ablement", "Reablement"},
		{"care home", "Residential care"},
		{"Nursing", "Nursing care"},
		{"carers support", "Carers' support"},
		{"Carers’ Support", "Carers' support"},
		{"Extra care", "Extra care housing"},
		{"learning disability", "Learning disabilities"},
		{"Basket weaving", ""},
		{"", ""},
	} {
		got, ok := ParseServiceType(tc.in)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("ParseServiceType(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
}

// A store written when service types were free text: the migration maps
// what it can to the fixed list, keeps the rest for admins to see, and
// running it again changes nothing.
func TestMigrateOrgServiceTypes(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	orgs := st.DB.Collection(colOrgs)
	old := []bson.D{
		{{Key: "_id", Value: "o1"}, {Key: "name", Value: "Sunrise"}, {Key: "supplier_ref", Value: "SUP1"}, {Key: "active", Value: true},
			{Key: "service_types", Value: bson.A{"Homecare", " residential  care", "Dom care", "Basket weaving", "home care"}}},
		{{Key: "_id", Value: "o2"}, {Key: "name", Value: "Oakfield"}, {Key: "supplier_ref", Value: "SUP2"}, {Key: "active", Value: true},
			{Key: "service_types", Value: bson.A{"Nursing care"}}},
		{{Key: "_id", Value: "o3"}, {Key: "name", Value: "Nothing"}, {Key: "supplier_ref", Value: "SUP3"}, {Key: "active", Value: true}},
	}
	for _, d := range old {
		if _, err := orgs.InsertOne(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	s := NewService(st.DB, Options{Hash: CheapHashParams})
	for run := 0; run < 2; run++ {
		if err := s.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		if run == 1 {
			// Forget that it ran: a second run must be a no-op too.
			if _, err := st.DB.Collection(store.MigrationsCollection).DeleteMany(ctx, bson.D{}); err != nil {
				t.Fatal(err)
			}
			if err := s.EnsureIndexes(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			id             string
			types, unknown []string
		}{
			{"o1", []string{"Home care", "Residential care"}, []string{"Basket weaving"}},
			{"o2", []string{"Nursing care"}, nil},
			{"o3", nil, nil},
		} {
			o, err := s.Org(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(o.ServiceTypes, tc.types) || !slices.Equal(o.UnmappedServiceTypes, tc.unknown) {
				t.Errorf("run %d: %s = %q, unmapped %q; want %q, %q", run, tc.id, o.ServiceTypes, o.UnmappedServiceTypes, tc.types, tc.unknown)
			}
		}
		for _, id := range []string{"o1", "o2", "o3"} {
			s.forgetOrg(id)
		}
	}

	// Saving the organisation with types from the list clears the note;
	// free text not on the list is refused by the field.
	in := OrgInput{Name: "Sunrise", SupplierRef: "SUP1", TermsDays: 30, ServiceTypes: []string{"Basket weaving"}}
	if _, err := s.UpdateOrg(ctx, CommandLine, "o1", in); err == nil {
		t.Fatal("a service type off the list was saved")
	}
	in.ServiceTypes = []string{"home care", "Reablement"}
	o, err := s.UpdateOrg(ctx, CommandLine, "o1", in)
	if err != nil || !slices.Equal(o.ServiceTypes, []string{"Home care", "Reablement"}) || o.UnmappedServiceTypes != nil {
		t.Fatalf("UpdateOrg = %+v, %v", o, err)
	}
}
