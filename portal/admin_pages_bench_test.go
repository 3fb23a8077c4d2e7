package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/auth"
	"careportal/portal/app"
)

// BenchmarkAdminPages measures the administrator's paged lists through the
// whole HTTP handler on the test store (embedded FerretDB, or MongoDB with
// PORTAL_TEST_MONGODB_URI): /admin/users with 20,000 users, /admin/orgs
// with 2,000 organisations, and /admin/audit with 100,000 entries, each at
// its first page, its last page and (audit) filtered by person. The
// documents are inserted in batches as the domain stores them.
//
//	go test -run '^$' -bench AdminPages -benchtime 3x ./portal
func BenchmarkAdminPages(b *testing.B) {
	const nUsers, nOrgs, nAudit = 20000, 2000, 100000
	ts := newTestServerWith(b, Config{}, app.Options{})
	ctx := context.Background()
	db := ts.Store.DB
	created := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	insert := func(col string, docs []any) {
		for len(docs) > 0 {
			n := min(len(docs), 1000)
			if _, err := db.Collection(col).InsertMany(ctx, docs[:n]); err != nil {
				b.Fatal(err)
			}
			docs = docs[n:]
		}
	}
	orgs := make([]any, nOrgs)
	for i := range orgs {
		name := fmt.Sprintf("%s Care %04d Ltd", benchWords[i%len(benchWords)], i)
		orgs[i] = bson.D{{Key: "_id", Value: fmt.Sprintf("org%05d", i)}, {Key: "name", Value: name}, {Key: "name_lower", Value: strings.ToLower(name)},
			{Key: "supplier_ref", Value: fmt.Sprintf("SUP%05d", i)}, {Key: "company_number", Value: ""}, {Key: "address_line1", Value: "1 High Street"},
			{Key: "address_line2", Value: ""}, {Key: "town", Value: "Bench"}, {Key: "postcode", Value: "BE1 1AA"}, {Key: "contact_email", Value: "office@example.test"},
			{Key: "terms_days", Value: 30}, {Key: "sme", Value: true}, {Key: "small_business", Value: false}, {Key: "vcse", Value: false},
			{Key: "service_types", Value: bson.A{"Home care"}}, {Key: "active", Value: true}, {Key: "created_at", Value: created}, {Key: "updated_at", Value: created}}
	}
	insert("orgs", orgs)
	users := make([]any, nUsers)
	for i := range users {
		name := fmt.Sprintf("%s Person %05d", benchWords[(i*7)%len(benchWords)], i)
		email := fmt.Sprintf("person%05d@example.test", i)
		users[i] = bson.D{{Key: "_id", Value: fmt.Sprintf("user%05d", i)}, {Key: "email", Value: email}, {Key: "email_lower", Value: email},
			{Key: "name", Value: name}, {Key: "name_lower", Value: strings.ToLower(name)}, {Key: "role", Value: string(auth.RoleProvider)},
			{Key: "org_id", Value: fmt.Sprintf("org%05d", i%nOrgs)}, {Key: "manager", Value: i%10 == 0}, {Key: "status", Value: auth.StatusActive},
			{Key: "created_at", Value: created}, {Key: "updated_at", Value: created}}
	}
	insert("users", users)
	audit := make([]any, nAudit)
	for i := range audit {
		audit[i] = bson.D{{Key: "_id", Value: fmt.Sprintf("audit%06d", i)}, {Key: "at", Value: created.Add(time.Duration(i) * time.Minute)},
			{Key: "actor_id", Value: fmt.Sprintf("user%05d", i%nUsers)}, {Key: "actor_email", Value: fmt.Sprintf("person%05d@example.test", i%nUsers)},
			{Key: "action", Value: "login.success"}, {Key: "ip", Value: "192.0.2.1"}}
	}
	insert("audit", audit)
	admin := &auth.Principal{UserID: "bench-admin", Name: "Bench Admin", Email: "admin@council.test", Role: auth.RoleAdmin}
	// The first request of each list after start reads what the lists keep
	// in memory in embedded mode (once): logged with the heap it adds.
	for _, path := range []string{"/admin/users", "/admin/orgs", "/admin/audit"} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		if w := ts.do(httptest.NewRequest(http.MethodGet, path, nil), admin); w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", path, w.Code)
		}
		took := time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.Logf("first GET %s: %s, heap %+.1f MB", path, took.Round(time.Millisecond), (float64(after.HeapAlloc)-float64(before.HeapAlloc))/(1<<20))
	}
	for _, c := range []struct{ name, path, want string }{
		{"users-first", "/admin/users", "page 1 of 200"},
		{"users-last", "/admin/users?page=200", "page 200 of 200"},
		{"orgs-first", "/admin/orgs", "Page 1 of 20"},
		{"orgs-last", "/admin/orgs?page=20", "Page 20 of 20"},
		{"audit-first", "/admin/audit", "person19999@example.test"},
		{"audit-page-1000", "/admin/audit?page=1000", "person10000@example.test"},
		{"audit-person", "/admin/audit?person=person00042%40example.test", "person00042@example.test"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				w := ts.do(httptest.NewRequest(http.MethodGet, c.path, nil), admin)
				if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), c.want) {
					b.Fatalf("GET %s: %d, no %q: %.300s", c.path, w.Code, c.want, w.Body.String())
				}
			}
		})
	}
}

var benchWords = []string{"Alder", "birch", "Cedar", "damson", "Elm", "fir", "Gorse", "hazel", "Ivy", "juniper", "Kale", "larch"}
