package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"careportal/auth"
	"careportal/portal/notify"
	"careportal/portal/queries"
	"careportal/portal/workdays"
)

// demoQueries raises queries from several organisations and takes them
// through every status, back-dated so that some are past their targets.
// Each step is a real service call on a clock the demo moves.
func demoQueries(ctx context.Context, a *app, o demoOptions, st *demoState) error {
	var clock time.Time
	now := func() time.Time { return clock }
	qs := queries.NewService(a.Store.DB, a.Workdays, notify.NewService(a.Store.DB, now), queries.Options{Now: now, Logger: a.Log})
	qs.SetLinker(queries.PaymentsLinker{Payments: a.Payments})
	cal, err := a.Workdays.Calendar(ctx)
	if err != nil {
		return err
	}
	// at is n working days before today at the given hour (London time).
	today := workdays.Date(o.Now)
	at := func(n int, hour int) time.Time {
		t := cal.AddWorkingDays(today, -n).Add(time.Duration(hour) * time.Hour)
		if t.After(o.Now) {
			t = o.Now.Add(-time.Minute)
		}
		return t
	}
	provider := func(email, ref string) *auth.Principal {
		return &auth.Principal{Role: auth.RoleProvider, UserID: st.ids["user:"+email], Name: demoName(email), OrgID: st.ids["org:"+ref]}
	}
	staff := func(email string) *auth.Principal {
		return &auth.Principal{UserID: st.ids["user:"+email], Name: demoName(email), Role: auth.RoleBrokerage}
	}
	orgName := func(ref string) string {
		for _, in := range demoOrgs {
			if in.SupplierRef == ref {
				return in.Name
			}
		}
		return ref
	}
	pay, brok, com := staff("payments@council.example"), staff("brokerage@council.example"), staff("commissioner@council.example")
	sunrise, oakfield := provider("manager@sunrise-care.example", "SUP1001"), provider("manager@oakfield-homes.example", "SUP1002")
	riverside, carers := provider("manager@riverside-living.example", "SUP1003"), provider("manager@kingsbridge-carers.example", "SUP1004")
	meadow := provider("manager@meadowbank-nursing.example", "SUP1005")

	type step func() error
	var q *queries.Query
	raise := func(when time.Time, a *auth.Principal, ref, topic, subject, msg string) step {
		return func() error {
			clock = when
			var err error
			q, err = qs.Raise(ctx, a, orgName(ref), queries.RaiseInput{Topic: topic, Subject: subject, Message: msg})
			return err
		}
	}
	// raiseAboutInvoice links the query to the organisation's first invoice
	// when the demo has invoices (the contracts and invoices step).
	raiseAboutInvoice := func(when time.Time, a *auth.Principal, ref, topic, subject, msg string) step {
		return func() error {
			clock = when
			opts, err := qs.LinkOptions(ctx, a)
			if err != nil {
				return err
			}
			in := queries.RaiseInput{Topic: topic, Subject: subject, Message: msg}
			for _, o := range opts { // newest first: the last is the oldest invoice
				if strings.HasPrefix(o.Value, "invoice:") {
					in.Link = o.Value
				}
			}
			q, err = qs.Raise(ctx, a, orgName(ref), in)
			return err
		}
	}
	reply := func(when time.Time, a *auth.Principal, msg string) step {
		return func() error {
			clock = when
			_, err := qs.Reply(ctx, a, q.ID, queries.ReplyInput{Message: msg})
			return err
		}
	}
	resolve := func(when time.Time, a *auth.Principal, note string) step {
		return func() error {
			clock = when
			_, err := qs.Resolve(ctx, a, q.ID, note, 0)
			return err
		}
	}
	assign := func(when time.Time, a *auth.Principal, to *auth.Principal) step {
		return func() error {
			clock = when
			_, err := qs.Assign(ctx, a, q.ID, to.UserID, to.Name, 0)
			return err
		}
	}
	transfer := func(when time.Time, a *auth.Principal, team, note string) step {
		return func() error {
			clock = when
			_, err := qs.Transfer(ctx, a, q.ID, team, note, 0)
			return err
		}
	}
	stories := [][]step{
		{ // awaiting council, answered late and now past its resolution target
			raiseAboutInvoice(at(15, 10), sunrise, "SUP1001", "invoice-not-paid", "Home care invoice not paid",
				"Our invoice for home care was due on the 14th and has not been paid. Please can you tell us when it will be?"),
			assign(at(14, 9), pay, pay),
			reply(at(11, 15), pay, "Sorry for the delay. The invoice was held because the purchase order had expired. We have asked brokerage to renew it."),
			reply(at(10, 11), sunrise, "Thank you. Do you have a date for payment yet?"),
		},
		{ // open, within target
			raise(at(0, 9), sunrise, "SUP1001", "new-placement", "Increase to Mr B's morning calls",
				"Mr B's daughter has asked for his morning call to go from 30 to 45 minutes. The care plan review is attached to our records. Can brokerage approve the change?"),
		},
		{ // resolved within target, recently enough to reopen
			raise(at(8, 14), sunrise, "SUP1001", "remittance", "February remittance does not match our invoices",
				"The remittance advice dated 3 February lists £9,870.00 but our three invoices total £10,120.00."),
			reply(at(7, 10), pay, "The difference is invoice SRC-2301, which was paid in the following run. Its remittance is attached to the next advice."),
			resolve(at(5, 16), pay, "Both payments are now shown on your remittance advices."),
		},
		{ // open and past its first response target
			raise(at(6, 11), oakfield, "SUP1002", "contract-variation", "Fee uplift for 2026/27",
				"We have not yet received the council's proposed uplift for residential and nursing placements from April. When will it be published?"),
		},
		{ // awaiting provider, assigned
			raise(at(4, 13), oakfield, "SUP1002", "quality-concern", "Follow-up to the quality visit on the 2nd",
				"Following the quality visit, we have updated our medication audit. Can you confirm what evidence you need?"),
			assign(at(3, 9), brok, brok),
			reply(at(3, 15), brok, "Thank you. Please send the last two monthly medication audits and the updated policy, then we will close the action."),
		},
		{ // resolved late
			raise(at(30, 10), riverside, "SUP1003", "financial-assessment", "Contribution for a tenant at Wharf Road",
				"One of our tenants has received a contribution letter they do not understand. Who can explain it to them?"),
			reply(at(27, 12), staff("admin@council.example"), "We have passed this to an officer, who will call the tenant."),
			resolve(at(16, 10), staff("admin@council.example"), "The officer explained the assessment to the tenant and their advocate."),
		},
		{ // moved to another team, awaiting council
			raise(at(3, 10), carers, "SUP1004", "direct-payments", "Rates for carers' breaks paid by direct payment",
				"Carers using direct payments say our hourly rate is above the council's guide rate. Is the guide rate being reviewed?"),
			transfer(at(2, 11), com, "commissioning", "Guide rates are set by commissioning, so the commissioning team will answer."),
		},
		{ // awaiting council after an exchange
			raise(at(8, 9), meadow, "SUP1005", "invoice-queried", "Invoice MB-0417 queried: nursing care element",
				"Your query on invoice MB-0417 says the FNC element is wrong. We used the 2025/26 rate."),
			reply(at(6, 16), pay, "The placement started before 1 April, so the first week is at the 2024/25 rate. Please send a credit note for the difference."),
			reply(at(5, 10), meadow, "We have sent the credit note. Can you confirm the invoice will now be approved?"),
		},
	}
	for _, story := range stories {
		for _, s := range story {
			if err := s(); err != nil {
				return err
			}
		}
	}
	st.notes = append(st.notes, fmt.Sprintf("Queries: %d queries in every status at /queries (staff queue and providers' lists).", len(stories)))
	return nil
}

// demoName is the demo person's name for an email.
func demoName(email string) string {
	for _, p := range demoPeople {
		if p.email == email {
			return p.name
		}
	}
	return email
}
