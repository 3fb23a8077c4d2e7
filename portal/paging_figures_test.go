package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/notify"
)

// TestPagingFigures measures list pages with many rows, paged and (page
// size made unbounded) as they were before paging. Run by hand:
// PORTAL_PAGING_FIGURES=1 go test ./portal -run TestPagingFigures -v
func TestPagingFigures(t *testing.T) {
	if os.Getenv("PORTAL_PAGING_FIGURES") == "" {
		t.Skip("set PORTAL_PAGING_FIGURES=1 to measure")
	}
	ctx := context.Background()
	f := newAccountsFixture(t)
	start := time.Now()
	for i := range 10000 {
		if err := f.ts.Auth.Audit(ctx, auth.AuditEntry{ActorEmail: "figures@council.test", Action: "test.figures", Target: fmt.Sprintf("row-%05d", i), Detail: "a row of the measured audit log"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2000 {
		if err := f.ts.Notify.ToOrg(ctx, f.orgA.ID, notify.KindQuery, fmt.Sprintf("Notification %d", i), notify.Ref{Kind: notify.RefQueries}); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seeded 10,000 audit entries and 2,000 notifications in %s", time.Since(start).Round(time.Millisecond))
	for _, c := range []struct {
		path string
		as   *auth.Principal
	}{{"/admin/audit", f.pAdmin}, {"/notifications", f.pA}} {
		for _, size := range []int{0, 1 << 30} {
			f.ts.testPageSize = size
			st := time.Now()
			w := f.ts.do(httptest.NewRequest(http.MethodGet, c.path, nil), c.as)
			label := "paged"
			if size > 0 {
				label = "unpaged (as before)"
			}
			t.Logf("%s %s: %d, %d bytes, %s", c.path, label, w.Code, w.Body.Len(), time.Since(st).Round(time.Millisecond))
		}
	}
}
