package portal

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/portal/fault"
	"careportal/portal/forums"
	"careportal/portal/internal/htmlcheck"
)

// TestDestructiveActionsAskFirst: every destructive action, posted without
// confirmation, changes nothing and asks "Are you sure…" with a "Yes"
// button and a "No, go back" link; where the other party is told, a
// confirmation without a reason is refused by the field; confirmed, it acts.
func TestDestructiveActionsAskFirst(t *testing.T) {
	ctx := context.Background()
	commissioner := &auth.Principal{UserID: "c1", Name: "Chris Commissioner", Role: auth.RoleCommissioner}
	cases := []struct {
		name   string
		as     func(f *accountsFixture) *auth.Principal
		reason string // the reason field, when one is asked for
		// setup makes the thing and returns the action's path, the fields
		// its button posts, and whether the action has happened.
		setup func(t *testing.T, f *accountsFixture) (string, url.Values, func() bool)
	}{
		{name: "provider cancels an invoice", as: pgA, reason: "cancel_note", setup: func(t *testing.T, f *accountsFixture) (string, url.Values, func() bool) {
			id := fxInvoiceOfA(t, f)["id"]
			return "/invoices/" + id + "/cancel", url.Values{"version": {"1"}}, func() bool {
				inv, err := f.ts.Payments.Invoice(ctx, f.pA, id)
				return err == nil && inv.Status == payments.StatusCancelled
			}
		}},
		{name: "commissioner cancels an event", as: func(*accountsFixture) *auth.Principal { return commissioner }, reason: "reason", setup: func(t *testing.T, f *accountsFixture) (string, url.Values, func() bool) {
			id := fxEventOfA(t, f)["id"]
			return "/commission/events/" + id + "/cancel", nil, func() bool {
				e, err := f.ts.Forums.Get(ctx, commissioner, id)
				return err == nil && e.Cancelled
			}
		}},
		{name: "provider cancels a booking", as: pgA, setup: func(t *testing.T, f *accountsFixture) (string, url.Values, func() bool) {
			f.pA.ServiceTypes = []string{"Home care"}
			id := fxEventOfA(t, f)["id"]
			return "/events/" + id + "/cancel", nil, func() bool {
				b, err := f.ts.Forums.BookingFor(ctx, f.pA, id)
				return err == nil && b.Status == forums.Cancelled
			}
		}},
		{name: "manager revokes an API token", as: pgA, setup: func(t *testing.T, f *accountsFixture) (string, url.Values, func() bool) {
			id := fxTokenOfA(t, f)["id"]
			return "/org/tokens/" + id + "/revoke", nil, func() bool {
				tok, err := f.ts.Auth.Token(ctx, id)
				return err == nil && tok.Revoked()
			}
		}},
		{name: "manager removes a colleague's access", as: pgA, setup: func(t *testing.T, f *accountsFixture) (string, url.Values, func() bool) {
			return "/org/users/" + f.carerA.ID + "/deactivate", nil, userDeactivated(f, f.carerA.ID)
		}},
		{name: "admin deactivates a user", as: pgAdmin, setup: func(t *testing.T, f *accountsFixture) (string, url.Values, func() bool) {
			return "/admin/users/" + f.carerA.ID + "/deactivate", nil, userDeactivated(f, f.carerA.ID)
		}},
		{name: "admin deactivates an organisation", as: pgAdmin, setup: func(t *testing.T, f *accountsFixture) (string, url.Values, func() bool) {
			return "/admin/orgs/" + f.orgB.ID + "/deactivate", nil, func() bool {
				o, err := f.ts.Auth.Org(ctx, f.orgB.ID)
				return err == nil && !o.Active
			}
		}},
		{name: "admin removes a contact", as: pgAdmin, setup: func(t *testing.T, f *accountsFixture) (string, url.Values, func() bool) {
			id := fxCouncilContact(t, f)["id"]
			return "/contacts/people/" + id + "/remove", nil, func() bool {
				_, err := f.ts.Contacts.Contact(ctx, f.pAdmin, id)
				return fault.KindOf(err) == fault.NotFound
			}
		}},
		{name: "admin removes a bank holiday", as: pgAdmin, setup: func(t *testing.T, f *accountsFixture) (string, url.Values, func() bool) {
			if err := f.ts.Workdays.AddHoliday(ctx, "2028-12-27", "Extra day"); err != nil {
				t.Fatal(err)
			}
			return "/admin/bank-holidays/remove", url.Values{"date": {"2028-12-27"}}, func() bool {
				extra, err := f.ts.Workdays.Extra(ctx)
				return err == nil && len(extra) == 0
			}
		}},
		{name: "provider replaces the calendar feed address", as: pgA, setup: func(t *testing.T, f *accountsFixture) (string, url.Values, func() bool) {
			tok, err := f.ts.Forums.CreateFeedToken(ctx, f.pA, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			return "/events/feed/reset", nil, func() bool {
				return get(f.ts, "/events/feed/"+tok+".ics", nil).Code == http.StatusNotFound
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newAccountsFixture(t)
			path, form, done := c.setup(t, f)
			as := c.as(f)
			if form == nil {
				form = url.Values{}
			}
			// Without confirmation: the question, and nothing changed.
			w := f.ts.do(postInvoiceForm(path, form), as)
			if w.Code != http.StatusOK {
				t.Fatalf("POST %s without confirmation: %d, want 200", path, w.Code)
			}
			if done() {
				t.Fatalf("POST %s without confirmation acted", path)
			}
			doc := htmlcheck.Parse(t, w.Body.String())
			doc.Has("main h1", "Are you sure")
			doc.Has("#confirm-form button", "Yes, ")
			doc.Has("#confirm-back", "No, go back")
			if doc.Attr("#confirm-form", "action") != path || doc.Attr(`#confirm-form input[name="confirm"]`, "value") != "yes" {
				t.Errorf("the Yes button does not post confirm=yes to %s", path)
			}
			for k := range form {
				if doc.Attr(`#confirm-form input[name="`+k+`"]`, "value") != form.Get(k) {
					t.Errorf("the confirmation does not carry %s", k)
				}
			}
			yes := url.Values{"confirm": {"yes"}}
			for k := range form {
				yes.Set(k, form.Get(k))
			}
			if c.reason != "" {
				doc.Has(`label[for="` + c.reason + `"]`)
				// Confirmed without a reason: refused by the field.
				w = f.ts.do(postInvoiceForm(path, yes), as)
				if w.Code != http.StatusUnprocessableEntity || done() {
					t.Fatalf("confirmed without a reason: %d, acted %v", w.Code, done())
				}
				htmlcheck.Parse(t, w.Body.String()).Has("#"+c.reason+"-error", "Enter")
				yes.Set(c.reason, "Sent by mistake")
			} else if doc.Count("#confirm-form textarea") != 0 {
				t.Errorf("asks for a reason nobody sees")
			}
			w = f.ts.do(postInvoiceForm(path, yes), as)
			if w.Code != http.StatusSeeOther && w.Code != http.StatusOK {
				t.Fatalf("POST %s confirmed: %d", path, w.Code)
			}
			if !done() {
				t.Fatalf("POST %s confirmed did not act", path)
			}
		})
	}
}

func userDeactivated(f *accountsFixture, id string) func() bool {
	return func() bool {
		u, err := f.ts.Auth.User(context.Background(), id)
		return err == nil && u.Status == auth.StatusDeactivated
	}
}

// A cancelled event no longer offers "Change"; its page gives the reason.
func TestCancelledEventOffersNoChange(t *testing.T) {
	f := newAccountsFixture(t)
	commissioner := &auth.Principal{UserID: "c1", Name: "Chris Commissioner", Role: auth.RoleCommissioner}
	id := fxEventOfA(t, f)["id"]
	htmlcheck.Parse(t, get(f.ts, "/commission/events/"+id, commissioner).Body.String()).Has("#change-event")
	if w := f.ts.do(postInvoiceForm("/commission/events/"+id+"/cancel", url.Values{"confirm": {"yes"}, "reason": {"The venue flooded"}}), commissioner); w.Code != http.StatusSeeOther {
		t.Fatalf("cancel: %d", w.Code)
	}
	doc := htmlcheck.Parse(t, get(f.ts, "/commission/events/"+id, commissioner).Body.String())
	doc.HasNot("#change-event")
	doc.Has("main", "Reason: The venue flooded")
	if w := get(f.ts, "/commission/events/"+id+"/edit", commissioner); w.Code != http.StatusConflict {
		t.Errorf("the edit form of a cancelled event: %d, want 409", w.Code)
	}
}
