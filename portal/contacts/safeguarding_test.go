package contacts

import (
	"testing"
	"time"

	"careportal/auth"
	"careportal/portal/fault"
	"careportal/portal/store/storetest"
)

func TestSafeguardingNumbers(t *testing.T) {
	st := storetest.New(t)
	ctx := storetest.Context(t)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := NewService(st.DB, func() time.Time { return now })
	if err := s.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	g, err := s.Safeguarding(ctx)
	if err != nil || g.Set() {
		t.Fatalf("a new store's safeguarding = %+v, %v; want not set (the seeds give no number)", g, err)
	}

	good := SafeguardingInput{InHoursPhone: "020 7946 0999", InHoursTimes: "Monday to Friday, 9am to 5pm", OutOfHoursPhone: "020 7946 0998"}
	for _, tc := range []struct {
		name string
		by   *auth.Principal
		in   SafeguardingInput
		kind fault.Kind
		bad  []string
	}{
		{"commissioner", &auth.Principal{Role: auth.RoleCommissioner, Name: "c"}, good, fault.Forbidden, nil},
		{"provider", &auth.Principal{Role: auth.RoleProvider, Name: "p"}, good, fault.Forbidden, nil},
		{"nobody", nil, good, fault.Forbidden, nil},
		{"empty", editor("a"), SafeguardingInput{}, fault.Invalid, []string{"inHoursPhone", "inHoursTimes", "outOfHoursPhone"}},
		{"not a number", editor("a"), SafeguardingInput{InHoursPhone: "ring us", InHoursTimes: "9 to 5", OutOfHoursPhone: "020 7946 0998"}, fault.Invalid, []string{"inHoursPhone"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.SetSafeguarding(ctx, tc.in, tc.by)
			if fault.KindOf(err) != tc.kind {
				t.Fatalf("kind = %v (%v), want %v", fault.KindOf(err), err, tc.kind)
			}
			fields := map[string]bool{}
			for _, fe := range fault.FieldsOf(err) {
				fields[fe.Field] = true
			}
			for _, f := range tc.bad {
				if !fields[f] {
					t.Errorf("no message for %s in %v", f, fields)
				}
			}
			if g, _ := s.Safeguarding(ctx); g.Set() {
				t.Fatal("refused input was saved")
			}
		})
	}

	if _, err := s.SetSafeguarding(ctx, SafeguardingInput{InHoursPhone: " 020 7946 0999 ", InHoursTimes: good.InHoursTimes, OutOfHoursPhone: good.OutOfHoursPhone}, editor("Ann Admin")); err != nil {
		t.Fatal(err)
	}
	g, err = s.Safeguarding(ctx)
	if err != nil || !g.Set() || g.InHoursPhone != "020 7946 0999" || g.OutOfHoursPhone != "020 7946 0998" || g.UpdatedBy != "Ann Admin" || !g.UpdatedAt.Equal(now) {
		t.Fatalf("saved safeguarding = %+v, %v", g, err)
	}
}
