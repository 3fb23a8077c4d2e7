package main

import (
	"context"
	"fmt"
	"time"

	"careportal/auth"
	"careportal/portal/forums"
)

// demoForums creates past forums (bookings, attendance, notes, a comment)
// and upcoming ones (one full, with a waiting list).
func demoForums(ctx context.Context, a *app, o demoOptions, st *demoState) error {
	gareth := &auth.Principal{Role: auth.RoleCommissioner, UserID: st.ids["user:commissioner@council.example"], Name: "Gareth Lloyd"}
	org := func(ref, name, person string) *auth.Principal {
		return &auth.Principal{Role: auth.RoleProvider, OrgID: st.ids["org:"+ref], OrgName: name, Name: person}
	}
	sunrise := org("SUP1001", "Sunrise Home Care Ltd", "Helen Marsh")
	oakfield := org("SUP1002", "Oakfield Residential Homes", "Margaret Doyle")
	riverside := org("SUP1003", "Riverside Supported Living CIC", "Aisha Khan")
	carers := org("SUP1004", "Kingsbridge Carers' Trust", "Owen Pritchard")
	meadowbank := org("SUP1005", "Meadowbank Nursing Home Ltd", "Grace Mensah")
	beacon := org("SUP1007", "Beacon Reablement Services Ltd", "Sofia Costa")
	elmtree := org("SUP1008", "Elmtree Extra Care Housing Association", "Imran Hussain")

	// weekday moves an offset in days to the next Tuesday to Thursday, when
	// forums are held.
	weekday := func(offset int) int {
		for {
			switch o.Now.In(londonTZ()).AddDate(0, 0, offset).Weekday() {
			case time.Tuesday, time.Wednesday, time.Thursday:
				return offset
			}
			offset++
		}
	}
	day := func(offset int) string { return o.Now.In(londonTZ()).AddDate(0, 0, offset).Format("2006-01-02") }
	type booking struct {
		who      *auth.Principal
		places   string
		needs    string
		attended string
	}
	mk := func(in forums.EventInput, offset int, bookings []booking, notes, actions string) (*forums.Event, error) {
		offset = weekday(offset)
		in.Date = day(offset)
		announced := o.Now.AddDate(0, 0, min(offset-40, -1))
		if offset > 0 {
			announced = o.Now.AddDate(0, 0, -3)
		}
		if in.BookingDeadline != "" {
			in.BookingDeadline = day(offset - 3)
		}
		e, err := a.Forums.Create(ctx, in, gareth, announced)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", in.Title, err)
		}
		counts := map[string]string{}
		for i, b := range bookings {
			if _, err := a.Forums.Book(ctx, e.ID, forums.BookInput{Places: b.places, AccessNeeds: b.needs}, b.who, announced.Add(time.Duration(i+1)*time.Hour)); err != nil {
				return nil, fmt.Errorf("%s: booking %s: %w", in.Title, b.who.OrgName, err)
			}
			if b.attended != "" {
				counts[b.who.OrgID] = b.attended
			}
		}
		if offset < 0 {
			after := e.EndsAt.Add(24 * time.Hour)
			if len(counts) > 0 {
				if err := a.Forums.RecordAttendance(ctx, gareth, e.ID, counts, after); err != nil {
					return nil, fmt.Errorf("%s: attendance: %w", in.Title, err)
				}
			}
			if notes != "" {
				if err := a.Forums.PublishNotes(ctx, gareth, e.ID, notes, actions, after); err != nil {
					return nil, fmt.Errorf("%s: notes: %w", in.Title, err)
				}
			}
		}
		return e, nil
	}
	civic := "Committee Room 2, Kingsbridge Civic Centre, High Road, Kingsbridge KB1 1AA"

	// Past: a forum for every provider five months ago, and a home care
	// forum seven weeks ago, with attendance and notes.
	if _, err := mk(forums.EventInput{
		Title: "Provider forum: market position statement consultation", Format: forums.InPerson, Address: civic,
		Description: "Commissioners present the draft update of the market position statement and ask providers what it should say.",
		Agenda:      "1. Welcome and introductions\n2. The peer review and what we are changing\n3. Draft market position statement: discussion by service area\n4. Paying providers on time: the new portal",
		StartTime:   "10:00", EndTime: "12:30", Capacity: "40",
	}, -150, []booking{
		{sunrise, "2", "", "2"}, {oakfield, "1", "Step-free access", "1"}, {riverside, "2", "", "1"},
		{carers, "1", "", "0"}, {meadowbank, "1", "", "1"},
	}, "Thirty people from eighteen providers attended. Providers welcomed an updated statement and asked for prices to be published earlier in the year. Home care providers raised travel time and recruitment. Care homes asked for longer contracts for dementia nursing beds.",
		"Commissioners to publish the updated statement with April prices (Gareth Lloyd, by March)\nPayments team to show the invoice portal at the next forum (Funmi Adeyemi)"); err != nil {
		return err
	}
	past, err := mk(forums.EventInput{
		Title: "Home care provider forum", Format: forums.InPerson, Address: civic,
		Description: "Quarterly forum for home care and reablement providers.",
		Agenda:      "1. Home care rates from April\n2. Zoned home care pilot\n3. Recruitment campaign\n4. Any other business",
		StartTime:   "14:00", EndTime: "16:00", Capacity: "25", ServiceTypes: []string{"Home care", "Reablement"},
	}, -49, []booking{{sunrise, "2", "", "2"}, {beacon, "2", "Hearing loop, please", "1"}},
		"Commissioners explained the new framework rate and the zoned pilot. Providers asked that travel time be paid within zones; commissioners agreed to include it in the draft specification.",
		"Share the draft zoned pilot specification (Gareth Lloyd, next forum)\nProviders to send recruitment campaign ideas to the commissioning team")
	if err != nil {
		return err
	}
	if _, err := a.Forums.AddComment(ctx, past.ID, "Thank you for listening on travel time. Could the specification also cover double-handed calls?", sunrise, past.EndsAt.Add(48*time.Hour)); err != nil {
		return err
	}

	// Upcoming: a small care homes forum that is full, with a waiting list,
	// and an online briefing for every provider.
	full, err := mk(forums.EventInput{
		Title: "Care homes forum: dementia nursing beds", Format: forums.InPerson, Address: civic,
		Description: "A workshop on the planned block contract for dementia nursing beds in the borough.",
		Agenda:      "1. What we want to buy and why\n2. Contract length and prices\n3. Workforce and training\n4. Next steps",
		StartTime:   "10:00", EndTime: "12:00", Capacity: "4", ServiceTypes: []string{"Residential care", "Nursing care"}, BookingDeadline: "yes",
	}, 21, []booking{{oakfield, "2", "", ""}, {meadowbank, "2", "", ""}, {elmtree, "1", "", ""}}, "", "")
	if err != nil {
		return err
	}
	st.ids["event:full"] = full.ID
	online, err := mk(forums.EventInput{
		Title: "Supported living framework: market briefing (online)", Format: forums.Online, Link: "https://meet.council.example/j/supported-living-briefing",
		Description: "Commissioners explain the new supported living framework, the lots and the timetable, and answer questions.",
		Agenda:      "1. The framework and its lots\n2. Prices and quality standards\n3. Timetable\n4. Questions",
		StartTime:   "13:30", EndTime: "15:00", Capacity: "100",
	}, 35, []booking{{riverside, "3", "", ""}, {carers, "1", "Captions, please", ""}}, "", "")
	if err != nil {
		return err
	}
	st.ids["event:online"] = online.ID
	if _, err := mk(forums.EventInput{
		Title: "Home care provider forum", Format: forums.InPerson, Address: civic,
		Description: "Quarterly forum for home care and reablement providers.",
		Agenda:      "1. Zoned home care pilot: draft specification\n2. Recruitment campaign\n3. Paying providers on time",
		StartTime:   "14:00", EndTime: "16:00", Capacity: "25", ServiceTypes: []string{"Home care", "Reablement"},
	}, 42, []booking{{beacon, "1", "", ""}}, "", ""); err != nil {
		return err
	}
	st.notes = append(st.notes, "Forums: past forums with attendance and notes, an upcoming full care homes forum with a waiting list, an online briefing and a home care forum.")
	return nil
}

func londonTZ() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return l
}
