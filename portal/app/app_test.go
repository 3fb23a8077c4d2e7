package app

import (
	"os"
	"reflect"
	"testing"

	"careportal/auth"
	"careportal/portal/assessment"
	"careportal/portal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Run(m)) }

// TestNewWiresEveryService: every field of Services is set, so a service
// added to Services but not built in wire fails here, not in a handler.
// Wiring the same store again changes nothing (indexes are idempotent).
func TestNewWiresEveryService(t *testing.T) {
	ctx := storetest.Context(t)
	st := storetest.New(t)
	for round := 1; round <= 2; round++ {
		a, err := New(ctx, st, Options{Hash: auth.CheapHashParams})
		if err != nil {
			t.Fatalf("New, round %d: %v", round, err)
		}
		v := reflect.ValueOf(a.Services)
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).IsNil() {
				t.Errorf("Services.%s is not built by wire", v.Type().Field(i).Name)
			}
		}
		// The embedded store is single-instance: no read model polls, only
		// the session sweep and the mail jobs run (the digest, the forum reminders and the outbox
		// purge run on every store), with the payment runs' job runner and the
		// mail worker as loops.
		var names []string
		for _, j := range a.jobs {
			names = append(names, j.name)
		}
		if !reflect.DeepEqual(names, []string{"accounts sweep", "mail digest", "forum reminders", "mail outbox purge"}) {
			t.Errorf("jobs on the embedded store: %v", names)
		}
		var loops []string
		for _, l := range a.loops {
			loops = append(loops, l.name)
		}
		if !reflect.DeepEqual(loops, []string{"payment runs", "mail delivery"}) {
			t.Errorf("loops on the embedded store: %v", loops)
		}
		if err := a.Close(); err != nil {
			t.Errorf("Close of a store New did not open: %v", err)
		}
		if err := st.Ping(ctx); err != nil {
			t.Errorf("the store given to New is closed by Close: %v", err)
		}
	}
	// The self-assessment has the other services' live evidence.
	a, err := New(ctx, st, Options{Hash: auth.CheapHashParams})
	if err != nil {
		t.Fatal(err)
	}
	ev := assessmentEvidence(&a.Services)
	for _, ind := range []assessment.IndicatorID{
		assessment.IndPaidWithin30Days, assessment.IndMeanDaysToPay, assessment.IndOverdueValue, assessment.IndFairPaymentCodeBand, // performance
		assessment.IndQueryFirstResponse, assessment.IndQueryResolvedOnTarget, // queries
		assessment.IndForumAttendance, assessment.IndStatementAge, // forums, statements
		assessment.IndCareDelivered, // care packages
	} {
		if ev[ind] == nil {
			t.Errorf("no live evidence for %s", ind)
		}
	}
}
