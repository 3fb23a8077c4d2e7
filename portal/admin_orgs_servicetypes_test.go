package portal

import (
	"net/http"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/portal/forums"
	"careportal/portal/internal/htmlcheck"
	"careportal/portal/store"
	"careportal/portal/store/storetest"
)

// An organisation saved when services were free text ("Homecare") used to
// miss home care events. After the migration it has the list's service
// types, the admin page names what matched nothing, and the form offers
// the fixed list as checkboxes.
func TestOrgServiceTypesFromTheFixedList(t *testing.T) {
	ts := newTestServer(t)
	ctx := storetest.Context(t)
	old := bson.D{{Key: "_id", Value: "org-old"}, {Key: "name", Value: "Sunrise Care"}, {Key: "supplier_ref", Value: "SUP9"}, {Key: "terms_days", Value: 30}, {Key: "active", Value: true},
		{Key: "service_types", Value: bson.A{"Homecare", "Basket weaving"}}}
	if _, err := ts.Store.DB.Collection("orgs").InsertOne(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Store.DB.Collection(store.MigrationsCollection).DeleteOne(ctx, bson.D{{Key: "_id", Value: "auth/org-service-types"}}); err != nil {
		t.Fatal(err)
	}
	if err := ts.Auth.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	o, err := ts.Auth.Org(ctx, "org-old")
	if err != nil || !slices.Equal(o.ServiceTypes, []string{"Home care"}) {
		t.Fatalf("migrated org = %+v, %v", o, err)
	}
	homeCareForum := forums.Event{ServiceTypes: []string{"Home care"}}
	if !homeCareForum.ForServiceTypes(o.ServiceTypes) {
		t.Error("the migrated organisation still misses home care events")
	}

	d := htmlcheck.Parse(t, get(ts, "/admin/orgs/org-old", adminP).Body.String())
	d.Has("#unmapped-service-types", "“Basket weaving”", "choose its services")

	w := get(ts, "/admin/orgs/org-old/edit", adminP)
	wantStatus(t, w, http.StatusOK)
	d = htmlcheck.Parse(t, w.Body.String())
	if n := d.Count("input[type=checkbox][name=service_types]"); n != len(auth.ServiceTypes) {
		t.Errorf("%d service type checkboxes, want %d", n, len(auth.ServiceTypes))
	}
	if got := d.Attr("input[name=service_types][checked]", "value"); got != "Home care" {
		t.Errorf("ticked = %q, want Home care", got)
	}
	d.HasNot("textarea[name=service_types]")
	d.Has("#unmapped-service-types", "Basket weaving")

	form := orgForm(o)
	form["service_types"] = []string{"Home care", "Reablement"}
	w = post(ts, "/admin/orgs/org-old/edit", form, adminP)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save = %d\n%.1500s", w.Code, w.Body.String())
	}
	d = htmlcheck.Parse(t, get(ts, "/admin/orgs/org-old", adminP).Body.String())
	d.HasNot("#unmapped-service-types")
	d.Has("dd", "Home care, Reablement")

	// A value off the list (a hand-made request) is refused by the field.
	form["service_types"] = []string{"Basket weaving"}
	w = post(ts, "/admin/orgs/org-old/edit", form, adminP)
	wantStatus(t, w, http.StatusUnprocessableEntity, "Choose the services provided from the list")
}
